"""LSNN: reference trace, adaptive threshold by hand, integrators, gradients, modules."""

import math

import pytest
import torch

from norse.torch import LSNN, LSNNCell, LSNNRecurrent, LSNNRecurrentCell
from norse.torch.functional.lsnn import (
    LSNNFeedForwardState,
    LSNNParameters,
    LSNNState,
    lsnn_feed_forward_step,
    lsnn_step,
)
from norse.torch.functional.reset import reset_subtract
from norse.torch.functional.surrogate import super_derivative, triangle_derivative
from norse.torch.module.lsnn import SPEC


def _ff_state(v, i, b, dtype=torch.float32):
    return LSNNFeedForwardState(
        torch.tensor([v], dtype=dtype),
        torch.tensor([i], dtype=dtype),
        torch.tensor([b], dtype=dtype),
    )


def test_defaults_match_norse():
    p = LSNNParameters()
    assert [float(x) for x in p[:7]] == pytest.approx([200, 100, 1 / 800, 0, 1, 0, 1.8])
    assert (p.method, p.alpha, p.integrator) == ("super", 100.0, "euler")


def test_pulse_response_is_delayed_by_one_step():
    # reference 3.10: v = 0.0, 0.1, 0.17, 0.217 (LIF would give 0.1 at the first step)
    state = _ff_state(0.0, 0.0, 1.0)
    vs = []
    for t in range(4):
        _, state = lsnn_feed_forward_step(torch.tensor([1.0 if t == 0 else 0.0]), state)
        vs.append(state.v.item())
    assert vs == pytest.approx([0.0, 0.1, 0.17, 0.217], abs=1e-6)


def test_spike_raises_threshold_and_threshold_relaxes():
    p = LSNNParameters()
    state = _ff_state(0.95, 10.0, 1.0)
    z, s = lsnn_feed_forward_step(torch.tensor([0.5]), state, p)
    # v_dec = 0.95 + 0.1 (-0.95 + 10) = 1.855 > b_dec = 1 -> spike
    assert z.item() == 1.0 and s.v.item() == 0.0
    assert s.b.item() == pytest.approx(2.8, abs=1e-6)
    assert s.i.item() == pytest.approx(10 - 2 + 0.5, abs=1e-5)
    z, s2 = lsnn_feed_forward_step(torch.tensor([0.0]), s, p)
    # v_dec = 0 + 0.1 * 8.5 = 0.85 < b; b_dec = 2.8 + 1e-3/800 (1 - 2.8)
    assert z.item() == 0.0
    assert s2.v.item() == pytest.approx(0.85, abs=1e-6)
    assert s2.b.item() == pytest.approx(2.8 + 1e-3 / 800 * (1 - 2.8), abs=1e-6)


def test_higher_threshold_suppresses_spike():
    z, _ = lsnn_feed_forward_step(torch.zeros(1), _ff_state(0.95, 10.0, 2.0))
    assert z.item() == 0.0


def test_reset_subtract_removes_current_threshold():
    p = LSNNParameters(reset_method=reset_subtract)
    z, s = lsnn_feed_forward_step(torch.zeros(1), _ff_state(0.95, 10.0, 1.5), p)
    b_dec = 1.5 + 1e-3 / 800 * (1 - 1.5)
    assert z.item() == 1.0
    assert s.v.item() == pytest.approx(1.855 - b_dec, abs=1e-5)


@pytest.mark.parametrize("tau_syn_inv", [200.0, 100.0])
def test_exact_integrator_matches_fine_euler(tau_syn_inv):
    # exact one-step solution vs 20000 Euler substeps of the continuous ODE (no spike)
    dt = 2e-3
    p = LSNNParameters(
        tau_syn_inv=torch.tensor(tau_syn_inv, dtype=torch.float64),
        tau_mem_inv=torch.tensor(100.0, dtype=torch.float64),
        tau_adapt_inv=torch.tensor(50.0, dtype=torch.float64),
        v_leak=torch.tensor(-0.2, dtype=torch.float64),
        v_th=torch.tensor(1.0, dtype=torch.float64),
        integrator="exact",
    )
    v, i, b = 0.3, 2.0, 1.6
    _, s = lsnn_feed_forward_step(
        torch.zeros(1, dtype=torch.float64), _ff_state(v, i, b, torch.float64), p, dt=dt
    )
    n = 20000
    h = dt / n
    for _ in range(n):
        v, i, b = v + h * 100 * (-0.2 - v + i), i - h * tau_syn_inv * i, b + h * 50 * (1 - b)
    assert s.v.item() == pytest.approx(v, abs=1e-5)
    assert s.i.item() == pytest.approx(i, abs=1e-5)
    assert s.b.item() == pytest.approx(b, abs=1e-6)
    assert s.i.item() == pytest.approx(2.0 * math.exp(-tau_syn_inv * dt), rel=1e-12)


def test_unknown_integrator_is_rejected():
    with pytest.raises(ValueError, match="integrator"):
        lsnn_feed_forward_step(torch.zeros(1), _ff_state(0, 0, 1), LSNNParameters(integrator="rk4"))


def test_recurrent_step_by_hand_and_detached_reset():
    w_in = torch.tensor([[2.0]])
    w_rec = torch.tensor([[0.5]])
    v0 = torch.tensor([[0.95]], requires_grad=True)
    state = LSNNState(z=torch.tensor([[1.0]]), v=v0, i=torch.tensor([[10.0]]), b=torch.ones(1, 1))
    x = torch.tensor([[1.0]], requires_grad=True)
    z, s = lsnn_step(x, state, w_in, w_rec)
    assert z.item() == 1.0 and s.v.item() == 0.0
    # input and previous spike enter the current after the spike: 10 - 2 + 2*1 + 0.5*1
    assert s.i.item() == pytest.approx(10.5, abs=1e-5)
    assert s.b.item() == pytest.approx(2.8, abs=1e-6)
    # z.detach() in the reset and the threshold jump: no gradient from v0 through the spike
    (dv,) = torch.autograd.grad(s.v.sum(), v0, retain_graph=True)
    assert dv.item() == 0.0
    assert not s.b.requires_grad
    # the input reaches the spike only one step later
    z2, _ = lsnn_step(torch.zeros(1, 1), s, w_in, w_rec)
    (dz,) = torch.autograd.grad(z2.sum(), x, allow_unused=True)
    assert dz is not None and dz.abs().item() > 0


def test_gradcheck_subthreshold_dynamics():
    p = LSNNParameters(method="heaviside", integrator="exact")

    def steps(x):
        state = LSNNFeedForwardState(
            torch.zeros(3, dtype=torch.float64),
            torch.zeros(3, dtype=torch.float64),
            torch.ones(3, dtype=torch.float64),
        )
        for t in range(x.shape[0]):
            _, state = lsnn_feed_forward_step(x[t], state, p)
        return state.v, state.i

    x = (0.3 * torch.rand(4, 3, dtype=torch.float64)).requires_grad_()
    assert torch.autograd.gradcheck(steps, (x,))


@pytest.mark.parametrize(
    "method,derivative", [("super", super_derivative), ("triangle", triangle_derivative)]
)
def test_spike_gradient_uses_the_surrogate(method, derivative):
    alpha = 0.5 if method == "triangle" else 100.0
    p = LSNNParameters(method=method, alpha=alpha)
    i0 = torch.tensor([0.3], dtype=torch.float64, requires_grad=True)
    state = LSNNFeedForwardState(
        torch.tensor([0.95], dtype=torch.float64), i0, torch.ones(1, dtype=torch.float64)
    )
    z, _ = lsnn_feed_forward_step(torch.zeros(1, dtype=torch.float64), state, p)
    z.sum().backward()
    v_dec = 0.95 + 0.1 * (-0.95 + 0.3)
    expected = derivative(torch.tensor(v_dec - 1.0, dtype=torch.float64), alpha).item() * 0.1
    assert i0.grad.item() == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------- modules


def test_cell_initial_state_and_sequence_match_the_functional_loop():
    x = torch.rand(6, 2, 3) * 3
    cell = LSNNCell()
    s0 = cell.initial_state(x[0])
    assert torch.equal(s0.b, torch.ones(2, 3)) and torch.equal(s0.v, torch.zeros(2, 3))
    state, zs = s0, []
    for t in range(6):
        z, state = lsnn_feed_forward_step(x[t], state, LSNNParameters())
        zs.append(z)
    out, final = LSNN()(x)
    assert torch.equal(out, torch.stack(zs))
    assert torch.equal(final.b, state.b) and torch.equal(final.v, state.v)
    out, recorded = LSNN(record_states=True)(x)
    assert recorded.b.shape == (6, 2, 3) and torch.equal(recorded.v[-1], state.v)


def test_recurrent_modules():
    x = torch.rand(5, 2, 3)
    w_in, w_rec = torch.rand(4, 3), torch.rand(4, 4)
    module = LSNNRecurrent(3, 4, input_weights=w_in, recurrent_weights=w_rec.clone(), autapses=True)
    out, state = module(x)
    cell = LSNNRecurrentCell(
        3, 4, input_weights=w_in, recurrent_weights=w_rec.clone(), autapses=True
    )
    s, zs = None, []
    for t in range(5):
        z, s = cell(x[t], s)
        zs.append(z)
    assert out.shape == (5, 2, 4) and torch.equal(out, torch.stack(zs))
    torch.testing.assert_close(state.i, s.i)  # fused op: products grouped differently


def test_bad_inputs_are_rejected():
    with pytest.raises(TypeError, match="input_tensor"):
        LSNNCell()(torch.ones(2, 3, dtype=torch.complex64))
    bad = LSNNFeedForwardState(torch.zeros(2, 4), torch.zeros(2, 3), torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"state\.v"):
        LSNNCell()(torch.ones(2, 3), bad)
    with pytest.raises(ValueError, match="tau_adapt_inv"):
        LSNN(LSNNParameters(tau_adapt_inv=torch.tensor(-1.0)))
    with pytest.raises(ValueError, match="integrator"):
        LSNNCell(LSNNParameters(integrator="midpoint"))


def test_adjoint_flag_warns_and_gives_the_same_gradients():
    x = (torch.rand(20, 2, 3) * 3).requires_grad_()
    reference, _ = LSNN()(x)
    (gx,) = torch.autograd.grad(reference.sum(), x)
    with pytest.warns(UserWarning, match="adjoint=True"):
        module = LSNN(LSNNParameters(), True)
    out, _ = module(x)
    torch.testing.assert_close(out, reference)
    torch.testing.assert_close(torch.autograd.grad(out.sum(), x)[0], gx)
    with pytest.warns(UserWarning, match="adjoint=True"):
        LSNNRecurrent(2, 3, LSNNParameters(), True)


def test_trainable_parameters_get_gradients():
    module = LSNN(trainable=("tau_mem_inv", "v_th"), p=LSNNParameters(method="triangle", alpha=1.0))
    out, _ = module(torch.rand(20, 2, 3) * 5)
    out.sum().backward()
    assert module.tau_mem_inv.grad is not None and module.tau_mem_inv.grad.abs().item() > 0
    assert module.v_th.grad is not None and torch.isfinite(module.v_th.grad).all()


def test_spec():
    assert SPEC.name == "lsnn" and SPEC.threshold_fields == ("b",) and SPEC.current_fields == ("i",)
    assert SPEC.cell is LSNNCell and SPEC.recurrent is LSNNRecurrent and SPEC.step is lsnn_step
