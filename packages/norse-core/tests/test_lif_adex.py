"""LIFAdEx: adaptation by hand, the fixed current encoder, delta_T = 0, gradients, modules."""

import math

import pytest
import torch

from norse.torch import LIFAdEx, LIFAdExCell, LIFAdExRecurrent, LIFAdExRecurrentCell
from norse.torch.functional.lif_adex import (
    LIFAdExFeedForwardState,
    LIFAdExParameters,
    LIFAdExState,
    lif_adex_current_encoder,
    lif_adex_feed_forward_step,
    lif_adex_step,
)
from norse.torch.module.lif_adex import SPEC


def _state(v, i, a, dtype=torch.float32):
    return LIFAdExFeedForwardState(*(torch.tensor([x], dtype=dtype) for x in (v, i, a)))


def test_defaults_match_norse_with_float_adaptation_current():
    p = LIFAdExParameters()
    assert [float(x) for x in p[:9]] == pytest.approx([4, 0.02, 0.5, 2, 200, 100, 0, 1, 0])
    assert p.adaptation_current.is_floating_point()  # Norse 1.x: int64 tensor 4
    assert (p.method, p.alpha) == ("super", 100.0)


def test_step_by_hand():
    # v = 0.5, i = 0, a = 0.1, input 1: i_jump = 1
    z, s = lif_adex_feed_forward_step(torch.tensor([1.0]), _state(0.5, 0.0, 0.1))
    v = 0.5 + 0.1 * (-0.5 + 0.5 * math.exp(-1) + 1 - 0.1)
    assert z.item() == 0.0 and s.v.item() == pytest.approx(v, abs=1e-6)
    assert s.i.item() == pytest.approx(0.8, abs=1e-6)
    assert s.a.item() == pytest.approx(0.1 + 0.002 * (4 * 0.5 - 0.1), abs=1e-7)


def test_spike_increments_adaptation():
    z, s = lif_adex_feed_forward_step(torch.tensor([10.0]), _state(0.9, 0.0, 0.0))
    assert z.item() == 1.0 and s.v.item() == 0.0
    assert s.a.item() == pytest.approx(0.002 * 4 * 0.9 + 0.02, abs=1e-7)


def test_recurrent_step_by_hand():
    state = LIFAdExState(
        torch.tensor([[1.0, 0.0]]), torch.zeros(1, 2), torch.zeros(1, 2), torch.zeros(1, 2)
    )
    w_in, w_rec = torch.eye(2), torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    _z, s = lif_adex_step(torch.tensor([[1.0, 1.0]]), state, w_in, w_rec)
    e = 0.5 * math.exp(-2)
    assert s.v[0].tolist() == pytest.approx([0.1 * (e + 1), 0.1 * (e + 3)], abs=1e-6)


def test_current_encoder_is_an_euler_step():
    # Norse 1.x: a = tau_ada_inv * (4 (v_new - v_leak) - a) + z * 0.02 (no dt, no previous a)
    _z, v, a = lif_adex_current_encoder(
        torch.tensor([1.0]), torch.tensor([0.5]), torch.tensor([0.1])
    )
    assert v.item() == pytest.approx(0.5 + 0.1 * (-0.5 + 0.5 * math.exp(-1) + 1 - 0.1), abs=1e-6)
    assert a.item() == pytest.approx(0.1 + 0.002 * (4 * 0.5 - 0.1), abs=1e-7)
    norse_a = 2.0 * (4 * v.item() - 0.1)
    assert abs(a.item() - norse_a) > 0.5


def test_delta_t_zero_and_large_voltage_stay_finite():
    p = LIFAdExParameters(delta_T=torch.tensor(0.0))
    v = torch.tensor([0.5, 1.0, 3.0, 1e8], requires_grad=True)
    _z, s = lif_adex_feed_forward_step(
        torch.zeros(4), LIFAdExFeedForwardState(v, torch.zeros(4), torch.zeros(4)), p
    )
    assert torch.isfinite(s.v).all() and torch.isfinite(s.a).all()
    assert s.v[0].item() == pytest.approx(0.45)  # plain LIF decay
    (s.v.sum() + s.a.sum()).backward()
    assert torch.isfinite(v.grad).all()


def test_gradcheck_subthreshold_dynamics():
    p = LIFAdExParameters(method="heaviside")

    def steps(x):
        s = _state(0.2, 0.0, 0.05, torch.float64)
        for t in range(x.shape[0]):
            _, s = lif_adex_feed_forward_step(x[t], s, p)
        return s.v, s.a

    assert torch.autograd.gradcheck(
        steps, ((0.2 * torch.rand(4, 1, dtype=torch.float64)).requires_grad_(),)
    )


def test_surrogate_changes_the_gradient():
    grads = []
    x = (torch.rand(30, 2, 3) * 3).requires_grad_()
    for method in ("super", "atan"):
        out, _ = LIFAdEx(LIFAdExParameters(method=method, alpha=2.0))(x)
        (g,) = torch.autograd.grad(out.sum(), x)
        grads.append(g)
        assert torch.isfinite(g).all() and g.abs().sum() > 0
    assert not torch.allclose(grads[0], grads[1])


def test_modules_match_functional_and_reject_bad_input():
    x = torch.rand(8, 2, 3) * 4
    out, state = LIFAdEx()(x)
    s, zs = LIFAdExCell().initial_state(x[0]), []
    for t in range(8):
        z, s = lif_adex_feed_forward_step(x[t], s, LIFAdExParameters())
        zs.append(z)
    assert torch.equal(out, torch.stack(zs)) and torch.equal(state.a, s.a)
    out, state = LIFAdExRecurrent(3, 5)(x)
    assert out.shape == (8, 2, 5) and state.a.shape == (2, 5)
    assert LIFAdExRecurrentCell(3, 5)(x[0])[0].shape == (2, 5)
    with pytest.raises(TypeError, match="input_tensor"):
        LIFAdExCell()(torch.ones(2, 3, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"state\.a"):
        LIFAdExCell()(
            torch.ones(2, 3),
            LIFAdExFeedForwardState(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(4)),
        )
    with pytest.raises(ValueError, match="tau_ada_inv"):
        LIFAdExCell(LIFAdExParameters(tau_ada_inv=torch.tensor(-2.0)))
    assert SPEC.name == "lif_adex" and SPEC.current_fields == ("i",) and SPEC.step is lif_adex_step
