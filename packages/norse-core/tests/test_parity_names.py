"""Norse 1.x names added for parity: behaviour that needs no Norse 1.x to check."""

import importlib
import pickle

import pytest
import torch

import norse.torch as nt
from norse.torch.functional.lif import (
    LIFFeedForwardState,
    LIFParameters,
    LIFState,
    lif_feed_forward_step,
    lif_feed_forward_step_sparse,
    lif_step,
    lif_step_sparse,
)
from norse.torch.functional.lif_refrac import (
    LIFRefracState,
    lif_refrac_step,
    lif_refrac_step_sparse,
)
from norse.torch.functional.lift import lift
from norse.torch.module.sequential import RecurrentSequential
from norse.torch.utils import pytree
from norse.torch.utils.clone import clone_tensor


def test_submodule_and_function_share_a_name():
    th = importlib.import_module("norse.torch.functional.threshold")
    import norse.torch.functional.threshold as imported

    assert imported is th and hasattr(imported, "HeaviTanh")
    x = torch.tensor([-1.0, 0.5])
    assert torch.equal(imported(x, "super", 100.0), torch.tensor([0.0, 1.0]))
    assert torch.equal(nt.functional.heaviside(x), torch.tensor([0.0, 1.0]))
    assert nt.threshold is th.threshold and nt.lift is nt.functional.lift.lift


def test_sparse_steps_equal_dense_steps():
    torch.manual_seed(1)
    w_in, w_rec = torch.randn(4, 3) * 3, torch.randn(4, 4)
    dense = LIFState(torch.zeros(2, 4), torch.zeros(2, 4), torch.zeros(2, 4))
    sparse = dense._replace(z=dense.z.to_sparse())
    ff = LIFFeedForwardState(torch.zeros(2, 3), torch.zeros(2, 3))
    ff_sparse = ff
    spikes = 0
    for _ in range(10):
        x = (torch.rand(2, 3) < 0.6).float()
        z, dense = lif_step(x, dense, w_in, w_rec)
        zs, sparse = lif_step_sparse(x.to_sparse(), sparse, w_in, w_rec)
        assert zs.is_sparse and torch.equal(zs.to_dense(), z)
        torch.testing.assert_close(sparse.v, dense.v)
        zf, ff = lif_feed_forward_step(x * 2, ff)
        zfs, ff_sparse = lif_feed_forward_step_sparse((x * 2).to_sparse(), ff_sparse)
        assert torch.equal(zfs.to_dense(), zf)
        spikes += int(z.sum())
    assert spikes > 0


def test_refractory_sparse_step_with_default_parameters():
    # Norse 1.1.0 failed here (a 0-d rho_reset added to a sparse tensor)
    torch.manual_seed(2)
    w_in, w_rec = torch.randn(4, 3) * 5, torch.zeros(4, 4)
    zeros = torch.zeros(2, 4)
    dense = LIFRefracState(LIFState(zeros, zeros, zeros), zeros)
    sparse = LIFRefracState(LIFState(zeros.to_sparse(), zeros, zeros), zeros)
    for _ in range(12):
        x = torch.ones(2, 3)
        z, dense = lif_refrac_step(x, dense, w_in, w_rec)
        zs, sparse = lif_refrac_step_sparse(x.to_sparse(), sparse, w_in, w_rec)
        assert torch.equal(zs.to_dense(), z)
        torch.testing.assert_close(sparse.rho, dense.rho)
    assert dense.rho.max() > 0


def test_lift_threads_state_and_pickles():
    f = lift(lif_feed_forward_step, p=LIFParameters())
    x = torch.ones(10, 2) * 2
    state = LIFFeedForwardState(torch.zeros(2), torch.zeros(2))
    z, final = f(x, state=state)
    ref = state
    for t in range(10):
        zt, ref = lif_feed_forward_step(x[t], ref)
        assert torch.equal(z[t], zt)
    assert torch.equal(final.v, ref.v) and z.sum() > 0
    assert pickle.loads(pickle.dumps(f))(x, state=state)[0].equal(z)
    with pytest.raises(ValueError, match="input_tensor"):
        f(torch.tensor(1.0), state=state)


def test_recurrent_sequential_feeds_outputs_back():
    torch.manual_seed(3)
    a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    model = RecurrentSequential(a, torch.nn.Tanh(), b)
    x = torch.randn(1, 2)
    out1, s = model(x)
    out2, s = model(x, s)
    torch.testing.assert_close(out2, b(torch.tanh(a(x + out1))))
    both = RecurrentSequential(a, torch.nn.Tanh(), b, output_modules=[0, 2])
    outs, s = both(x)
    assert isinstance(outs, list) and len(outs) == 2
    out3, _ = both(x, s)  # Norse 1.1.0 failed on a list cache
    torch.testing.assert_close(out3[1], b(torch.tanh(a(x + outs[0] + outs[1]))))
    with pytest.raises(ValueError, match="output_modules"):
        RecurrentSequential(a, output_modules=3)
    with pytest.raises(ValueError, match="fed-back output"):
        RecurrentSequential(torch.nn.Linear(2, 3))(x, s._replace(cache=torch.zeros(1, 3)))


class _Trace(pytree.StateTuple, metaclass=pytree.MultipleInheritanceNamedTupleMeta):
    x: torch.Tensor
    method: str = "super"


def test_state_tuple_moves_tensors_and_pickles():
    s = _Trace(torch.ones(2))
    assert isinstance(s, tuple) and s._fields == ("x", "method")
    assert s.to(torch.float64).x.dtype == torch.float64 and s.int().x.dtype == torch.int32
    assert s.to(torch.float64).method == "super"
    assert torch.equal(
        _Trace(torch.tensor(3.0)).broadcast(torch.zeros(2, 2)).x, torch.full((2, 2), 3.0)
    )
    leaves, spec = torch.utils._pytree.tree_flatten(s)
    assert len(leaves) == 2 and torch.utils._pytree.tree_unflatten(leaves, spec) == s
    assert pickle.loads(pickle.dumps(s)).x.equal(s.x)
    with pytest.raises(TypeError, match="without a default"):

        class _Bad(pytree.StateTuple, metaclass=pytree.MultipleInheritanceNamedTupleMeta):
            a: int = 1
            b: int


def test_broadcast_input_and_clone_tensor():
    template = torch.zeros(2, 3, dtype=torch.float64)
    assert pytree.broadcast_input(2.0, template).dtype == torch.float64
    same = torch.ones(2, 3)
    assert pytree.broadcast_input(same, template) is same
    with pytest.raises(ValueError, match="potential_scalar"):
        pytree.broadcast_input(torch.ones(3), template)
    t = torch.ones(2)
    c = clone_tensor(t)
    assert c.equal(t) and c.data_ptr() != t.data_ptr()
    assert clone_tensor(2.5).item() == 2.5  # Norse 1.1.0 rejected numbers
    with pytest.raises(TypeError, match="tensor or a number"):
        clone_tensor("1")


def test_izhikevich_presets_and_bio_defaults():
    import norse.torch.functional.coba_lif as coba
    import norse.torch.functional.izhikevich as iz
    import norse.torch.functional.lif as lif

    assert iz.tonic_spiking_p is iz.tonic_spiking.p and iz.dap_p.tau_inv == 100
    assert float(coba.default_bio_parameters.v_thresh) == -50.0
    assert float(lif.default_bio_initial_state.v) == -65.0


def test_state_dict_without_neuron_parameters_loads_like_norse_1():
    """Norse 1.x saved no neuron parameters: such a state_dict keeps the module's own."""
    source = nt.SequentialState(nt.LIFRecurrentCell(2, 3, p=LIFParameters(v_th=0.3)))
    target = nt.SequentialState(nt.LIFRecurrentCell(2, 3, p=LIFParameters(v_th=0.3)))
    norse_1 = {k: v for k, v in source.state_dict().items() if k.endswith("_weights")}
    with pytest.warns(UserWarning, match="without neuron parameters"):
        target.load_state_dict(norse_1)
    torch.testing.assert_close(target[0].recurrent_weights, source[0].recurrent_weights)
    assert float(target[0].v_th) == pytest.approx(0.3)
    partial = {**norse_1, "0.v_th": torch.tensor(0.5)}  # some present: the rest are missing
    with pytest.raises(RuntimeError, match=r"Missing key.*0\.tau_mem_inv"):
        target.load_state_dict(partial)
