"""SequentialState and Lift: state threading, hooks, nesting and torch.compile."""

import pytest
import torch
from torch import nn

from norse.torch.functional.leaky_integrator import LIState, li_feed_forward_step
from norse.torch.functional.lif import LIFFeedForwardState, lif_feed_forward_step
from norse.torch.module.leaky_integrator import LICell
from norse.torch.module.lif import LIF, LIFCell
from norse.torch.module.lift import Lift
from norse.torch.module.sequential import SequentialState, is_module_stateful


def _model():
    return SequentialState(nn.Linear(4, 8), LIFCell(), nn.Linear(8, 2), LICell())


def _manual(model, x):
    lin1, _, lin2, _ = model
    s1 = LIFFeedForwardState(torch.zeros(x.shape[1], 8), torch.zeros(x.shape[1], 8))
    s2 = LIState(torch.zeros(x.shape[1], 2), torch.zeros(x.shape[1], 2))
    outs = []
    for t in range(x.shape[0]):
        z, s1 = lif_feed_forward_step(lin1(x[t]), s1)
        v, s2 = li_feed_forward_step(lin2(z), s2)
        outs.append(v)
    return torch.stack(outs)


def _run(model, x):
    state, outs = None, []
    for t in range(x.shape[0]):
        out, state = model(x[t], state)
        outs.append(out)
    return torch.stack(outs), state


def test_statefulness():
    assert is_module_stateful(LIFCell()) and is_module_stateful(nn.LSTM(2, 2))
    assert not is_module_stateful(nn.Linear(2, 2))


def test_sequential_state_threads_states_per_layer():
    model = _model()
    x = torch.rand(6, 3, 4) * 4
    out, state = _run(model, x)
    torch.testing.assert_close(out, _manual(model, x))
    assert state[0] is None and state[2] is None
    assert isinstance(state[1], LIFFeedForwardState) and isinstance(state[3], LIState)
    with pytest.raises(ValueError, match="one entry per layer"):
        model(x[0], [None])


def test_return_hidden_and_append():
    model = SequentialState(nn.Linear(4, 8), LIFCell(), return_hidden=True)
    model.append(nn.Linear(8, 2))
    hidden, state = model(torch.rand(3, 4))
    assert [h.shape[-1] for h in hidden] == [8, 8, 2]
    assert len(state) == 3


def test_forward_state_hooks_on_stateful_layers_only():
    model = _model()
    seen = []
    model.register_forward_state_hooks(lambda mod, inp, out: seen.append(type(mod).__name__))
    with pytest.raises(ValueError, match="already"):
        model.register_forward_state_hooks(lambda *a: None)
    model(torch.rand(2, 4))
    assert seen == ["LIFCell", "LICell"]
    model.remove_forward_state_hooks()
    model(torch.rand(2, 4))
    assert len(seen) == 2


def test_lift_stateless_and_stateful_and_nested():
    x = torch.rand(5, 2, 4) * 4
    lin = nn.Linear(4, 3)
    torch.testing.assert_close(Lift(lin)(x), lin(x))
    zs, state = Lift(LIFCell())(x)
    ref, ref_state = LIF()(x)
    assert torch.equal(zs, ref)
    torch.testing.assert_close(state.v, ref_state.v)
    zs2, _ = Lift(LIFCell())((x, None))
    assert torch.equal(zs2, ref)
    _, mid = Lift(LIFCell())(x[:2])
    zs3, _ = Lift(LIFCell())((x[2:], mid))  # continue from a state
    assert torch.equal(zs3, ref[2:])
    chained = nn.Sequential(Lift(LIFCell()), Lift(LIFCell()))  # the tuple feeds the next Lift
    assert chained(x)[0].shape == (5, 2, 4)
    nested = SequentialState(
        Lift(nn.Linear(4, 8)), LIF(), SequentialState(Lift(nn.Linear(8, 2)), LIF())
    )
    out, state = nested(x)
    assert out.shape == (5, 2, 2) and isinstance(state[2], list) and len(state[2]) == 2
    out2, _ = nested(x, state)  # the returned nested state is accepted back
    assert out2.shape == (5, 2, 2)


def test_torch_compile_of_a_step_model_matches_eager():
    model = _model()
    x = torch.rand(5, 3, 4) * 4
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager")
    eager, _ = _run(model, x)
    out, _ = _run(compiled, x)
    torch.testing.assert_close(out, eager)
    assert eager.abs().sum() > 0
