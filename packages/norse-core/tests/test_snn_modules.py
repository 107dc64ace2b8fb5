"""The SNN base classes: parameters as buffers, trainables, validation, weights, repr."""

from typing import NamedTuple

import pytest
import torch
from torch import nn

from norse.torch.functional.iaf import IAFParameters
from norse.torch.functional.leaky_integrator import LIParameters
from norse.torch.functional.lif import LIFParameters, lif_feed_forward_step
from norse.torch.functional.lif_box import LIFBoxParameters
from norse.torch.module.iaf import IAF
from norse.torch.module.leaky_integrator import LI
from norse.torch.module.leaky_integrator_box import LIBox
from norse.torch.module.lif import LIF, LIFCell, LIFRecurrent, LIFRecurrentCell
from norse.torch.module.lif_box import LIFBox
from norse.torch.module.snn import SNNCell


def test_parameters_are_buffers_and_follow_dtype_and_state_dict():
    cell = LIFCell(LIFParameters(tau_mem_inv=50.0, v_th=torch.tensor([1.0, 2.0])))
    sd = cell.state_dict()
    assert sorted(sd) == ["alpha", "tau_mem_inv", "tau_syn_inv", "v_leak", "v_reset", "v_th"]
    assert sd["tau_mem_inv"].dtype == torch.get_default_dtype() and sd["tau_mem_inv"].item() == 50
    assert list(cell.parameters()) == []
    double = LIFCell().double()
    assert double.p.tau_mem_inv.dtype == torch.float64
    _z, s = double(torch.ones(2, dtype=torch.float64))
    assert s.v.dtype == torch.float64
    other = LIFCell(LIFParameters(tau_mem_inv=7.0, v_th=torch.tensor([3.0, 4.0])))
    other.load_state_dict(sd)
    x = torch.rand(3, 2) * 3
    torch.testing.assert_close(other(x)[1].v, cell(x)[1].v)
    assert other.p.v_th.tolist() == [1.0, 2.0]


def test_default_parameter_tensors_are_not_shared_with_the_module():
    cell = LIFCell(trainable=("v_th",))
    with torch.no_grad():
        cell.v_th.add_(1.0)
    assert LIFParameters().v_th.item() == 1.0


def test_trainable_parameters_are_optimised():
    torch.manual_seed(1)
    model = LIF(trainable=("tau_mem_inv", "v_th"))
    names = sorted(n for n, _ in model.named_parameters())
    assert names == ["tau_mem_inv", "v_th"]
    x = torch.rand(20, 4, 5) * 2
    target = torch.full((20, 4, 5), 0.3)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    before = (model.tau_mem_inv.item(), model.v_th.item())
    for _ in range(15):
        opt.zero_grad()
        loss = (model(x)[0] - target).square().mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert (model.tau_mem_inv.item(), model.v_th.item()) != before
    assert losses[-1] < losses[0]


def test_unknown_trainable_lists_fields():
    with pytest.raises(ValueError, match=r"\['tau'\].*tau_mem_inv"):
        LIF(trainable=("tau",))


def test_user_parameter_in_p_is_shared():
    tau = nn.Parameter(torch.tensor(80.0))
    cell = LIFCell(LIFParameters(tau_mem_inv=tau))
    assert cell.tau_mem_inv is tau
    assert [n for n, _ in cell.named_parameters()] == ["tau_mem_inv"]


class _Inner(NamedTuple):
    tau_x_inv: torch.Tensor = torch.tensor(10.0)
    gain: float = 2.0


class _Outer(NamedTuple):
    inner: _Inner = _Inner()
    offset: float = 1.0
    method: str = "super"


def _toy_step(x, state, p, dt):
    v = state + dt * p.inner.tau_x_inv * p.inner.gain * x + p.offset
    return v, v


def test_nested_parameters_are_flattened_and_rebuilt():
    cell = SNNCell(_toy_step, torch.zeros_like, _Outer(), trainable=("inner_gain",))
    assert sorted(cell.state_dict()) == ["inner_gain", "inner_tau_x_inv", "offset"]
    p = cell.p
    assert isinstance(p, _Outer) and isinstance(p.inner, _Inner) and p.method == "super"
    assert p.inner.gain is cell.inner_gain
    out, _ = cell(torch.ones(2))
    assert out.tolist() == pytest.approx([1.02, 1.02])
    assert "inner=_Inner(tau_x_inv=10.0, gain=2.0)" in repr(cell)


def test_validation_at_construction():
    with pytest.raises(ValueError, match="tau_mem_inv must be positive"):
        LIF(LIFParameters(tau_mem_inv=-1.0))
    with pytest.raises(ValueError, match="inner_tau_x_inv must be positive"):
        SNNCell(
            _toy_step, torch.zeros_like, _Outer(inner=_Inner(tau_x_inv=torch.tensor([1.0, 0.0])))
        )
    with pytest.raises(ValueError, match="unknown surrogate 'adjoint'"):
        LIFCell(LIFParameters(method="adjoint"))
    with pytest.raises(ValueError, match="integrator"):
        LI(LIParameters(integrator="rk4"))
    with pytest.raises(TypeError, match="reset_method"):
        LIFBox(LIFBoxParameters(reset_method="subtract"))
    with pytest.raises(ValueError, match="dt"):
        LIF(dt=0.0)


def test_integer_and_bool_inputs_are_converted():
    for dtype in (torch.long, torch.int32, torch.bool):
        for module in (LIFCell(), LIF(), IAF(), LIBox(), LIFRecurrentCell(3, 2)):
            out, _ = module(torch.ones(2, 3, dtype=dtype))
            expected, _ = module(torch.ones(2, 3))
            assert out.dtype == torch.get_default_dtype()
            assert torch.equal(out, expected)
    with pytest.raises(TypeError, match=r"input_tensor must be a torch\.Tensor, got list"):
        LIFCell()([1.0, 2.0])
    with pytest.raises(TypeError, match="input_tensor must have a floating-point dtype"):
        LIFCell()(torch.ones(2, 3, dtype=torch.complex64))


def test_per_neuron_parameters_broadcast_but_never_enlarge():
    cell = LIFCell(LIFParameters(v_th=torch.tensor([0.05, 10.0, 10.0])))
    z, _ = cell(torch.ones(2, 3))
    assert z.tolist() == [[1, 0, 0], [1, 0, 0]]
    with pytest.raises(ValueError, match=r"parameter v_th has shape \(4,\).*\(2, 3\)"):
        LIFCell(LIFParameters(v_th=torch.ones(4)))(torch.ones(2, 3))
    with pytest.raises(ValueError, match="parameter v_th has shape"):
        LIF(LIFParameters(v_th=torch.ones(5, 2, 3)))(torch.ones(7, 2, 3))


def test_state_shape_checks_name_the_field():
    cell = LIFCell()
    _, state = cell(torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"state.v has shape \(2, 4\)"):
        cell(torch.ones(2, 3), state._replace(v=torch.zeros(2, 4)))
    rec = LIFRecurrentCell(3, 4)
    _, state = rec(torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"state\.z"):
        rec(torch.ones(2, 3), state._replace(z=torch.zeros(2, 3)))
    with pytest.raises(ValueError, match="input_size"):
        rec(torch.ones(2, 5))


def test_sequence_modules_need_a_time_dimension():
    with pytest.raises(ValueError, match=r"\(T, B, ...\)"):
        LIF()(torch.ones(0, 2))


def test_recurrent_weights_init_shapes_and_autapses():
    rec = LIFRecurrentCell(300, 400)
    assert rec.input_weights.shape == (400, 300) and rec.recurrent_weights.shape == (400, 400)
    assert rec.input_weights.std().item() == pytest.approx((2 / 400) ** 0.5, rel=0.05)
    assert torch.all(torch.diagonal(rec.recurrent_weights) == 0)
    with torch.no_grad():
        rec.recurrent_weights.fill_(1.0)  # even a loaded non-zero diagonal is masked
    _, w_rec = rec.weights()
    assert torch.all(torch.diagonal(w_rec) == 0)
    x = torch.rand(3, 2, 300) * 5
    LIFRecurrent(
        300, 400, input_weights=rec.input_weights, recurrent_weights=rec.recurrent_weights
    )(x)[0].sum().backward()
    assert torch.all(torch.diagonal(rec.recurrent_weights.grad) == 0)
    assert rec.recurrent_weights.grad.abs().sum() > 0
    with_autapses = LIFRecurrentCell(3, 3, autapses=True, recurrent_weights=torch.eye(3))
    assert torch.equal(with_autapses.weights()[1], torch.eye(3))
    with pytest.raises(ValueError, match=r"recurrent_weights must have shape \(3, 3\)"):
        LIFRecurrentCell(2, 3, recurrent_weights=torch.ones(2, 2))


def test_record_states_stacks_every_field():
    x = torch.rand(4, 2, 3)
    for module in (
        LIF(record_states=True),
        LIFRecurrent(3, 5, record_states=True),
        IAF(record_states=True),
    ):
        out, states = module(x)
        for field in states:
            assert field.shape == (4, *out.shape[1:])


def test_initial_state_uses_input_dtype_and_explicit_state_is_used():
    cell = LIFCell(LIFParameters(v_leak=0.5))
    x = torch.zeros(2, 3, dtype=torch.float64)
    state = cell.initial_state(x)
    assert state.v.dtype == torch.float64 and state.v.tolist() == [[0.5] * 3] * 2
    assert not state.v.requires_grad
    _, s1 = cell(x, state)
    _, ref = lif_feed_forward_step(x, state, cell.p)
    torch.testing.assert_close(s1.v, ref.v)


def test_extra_repr_shows_parameters():
    text = repr(LIFRecurrent(2, 3, LIFParameters(tau_mem_inv=50.0)))
    assert "input_size=2, hidden_size=3" in text and "tau_mem_inv=50.0" in text
    assert "record_states=False" in text and "method='super'" in repr(IAF(IAFParameters()))


def test_sequence_modules_show_their_cells_arguments_plus_record_states():
    import inspect

    for sequence, cell in [(LIF, LIFCell), (LIFRecurrent, LIFRecurrentCell)]:
        shown = inspect.signature(sequence).parameters
        assert list(shown) == [*inspect.signature(cell).parameters, "record_states"]
        assert shown["record_states"].kind is inspect.Parameter.KEYWORD_ONLY
        assert shown["record_states"].default is False
    assert "record_states=True" in repr(LIF(record_states=True))

    class Custom(LIF):  # a subclass with its own constructor shows that one
        def __init__(self, size: int) -> None:
            super().__init__()

    assert list(inspect.signature(Custom).parameters) == ["size"]
