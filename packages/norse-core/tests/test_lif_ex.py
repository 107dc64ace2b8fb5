"""LIFEx: reference values, the delta_T = 0 / overflow fixes, gradients, modules."""

import math

import pytest
import torch

import norse.torch as norse
from norse.torch.functional.lif_ex import (
    EXPONENT_MAX,
    LIFExFeedForwardState,
    LIFExParameters,
    LIFExState,
    exponential_term,
    lif_ex_current_encoder,
    lif_ex_feed_forward_step,
    lif_ex_step,
)
from norse.torch.functional.reset import reset_subtract
from norse.torch.functional.surrogate import super_derivative, triangle_derivative


def _exp_term(v, v_th=1.0, delta_t=0.5):
    return delta_t * math.exp((v - v_th) / delta_t)


def _scalar_trace(inputs, p=(0.5, 200.0, 100.0, 0.0, 1.0, 0.0), dt=1e-3):
    """The reference equations (section 3.6) written out with Python floats."""
    delta_t, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset = p
    v, i, out = 0.0, 0.0, []
    for x in inputs:
        i_jump = i + x
        v_dec = v + dt * tau_mem_inv * ((v_leak - v) + _exp_term(v, v_th, delta_t) + i_jump)
        i = i_jump - dt * tau_syn_inv * i_jump
        z = 1.0 if v_dec > v_th else 0.0
        v = v_reset if z else v_dec
        out.append((z, v, i))
    return out


def test_defaults_match_norse():
    p = LIFExParameters()
    assert [float(x) for x in p[:6]] == [0.5, 200.0, 100.0, 0.0, 1.0, 0.0]
    assert p.method == "super" and p.alpha == 100.0


def test_first_steps_by_hand():
    # step 1: i_jump = 1, E(0) = 0.5 exp(-2), v = 0.1 (1 + 0.5 exp(-2)), i = 0.8
    p = LIFExParameters()
    state = LIFExFeedForwardState(
        torch.zeros(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    )
    z, state = lif_ex_feed_forward_step(torch.ones(1, dtype=torch.float64), state, p)
    assert state.v.item() == pytest.approx(0.1 * (1 + 0.5 * math.exp(-2)), abs=1e-7)
    assert state.i.item() == pytest.approx(0.8, abs=1e-7)
    expected = _scalar_trace([1.0] * 12)
    state = LIFExFeedForwardState(torch.zeros(1), torch.zeros(1))
    spikes = []
    for t in range(12):
        z, state = lif_ex_feed_forward_step(torch.ones(1), state, p)
        assert state.v.item() == pytest.approx(expected[t][1], abs=1e-5)
        assert state.i.item() == pytest.approx(expected[t][2], abs=1e-5)
        spikes.append(z.item())
    assert spikes == [e[0] for e in expected]
    assert spikes[4] == 1.0 and sum(spikes) >= 2  # spikes at step 5 (0-based 4), as computed


def test_recurrent_step_uses_weights_and_previous_spikes():
    p = LIFExParameters()
    w_in = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    w_rec = torch.tensor([[0.0, 3.0], [0.0, 0.0]])
    state = LIFExState(z=torch.tensor([[0.0, 1.0]]), v=torch.zeros(1, 2), i=torch.zeros(1, 2))
    z, s = lif_ex_step(torch.tensor([[1.0, 1.0]]), state, w_in, w_rec, p)
    # neuron 0: i_jump = 2 + 3 = 5; neuron 1: i_jump = 1
    e0 = 0.5 * math.exp(-2)
    assert s.v[0].tolist() == pytest.approx([0.1 * (e0 + 5), 0.1 * (e0 + 1)], abs=1e-6)
    assert s.i[0].tolist() == pytest.approx([4.0, 0.8], abs=1e-6)
    assert torch.equal(s.z, z)


def test_current_encoder_by_hand():
    p = LIFExParameters()
    v = torch.zeros(1)
    z, v = lif_ex_current_encoder(torch.ones(1), v, p)
    assert v.item() == pytest.approx(0.1 * (1 + 0.5 * math.exp(-2)), abs=1e-6)
    z, v2 = lif_ex_current_encoder(torch.ones(1), v, p)
    v_prev = 0.1 * (1 + 0.5 * math.exp(-2))
    expected = v_prev + 0.1 * (-v_prev + _exp_term(v_prev) + 1)
    assert v2.item() == pytest.approx(expected, abs=1e-6) and z.item() == 0.0


def test_delta_t_zero_is_lif_below_threshold_and_finite_above():
    # Norse 1.x: NaN for v above v_th with delta_T = 0 (bio defaults, dt = 1)
    p = LIFExParameters(
        delta_T=torch.as_tensor(0.0),
        tau_syn_inv=torch.as_tensor(0.5),
        tau_mem_inv=torch.as_tensor(0.1),
        v_leak=torch.as_tensor(-70.0),
        v_th=torch.as_tensor(-55.0),
        v_reset=torch.as_tensor(-70.0),
    )
    v = torch.tensor([-70.0, -55.0, -50.0], requires_grad=True)
    state = LIFExFeedForwardState(v, torch.zeros(3))
    z, s = lif_ex_feed_forward_step(torch.zeros(3), state, p, dt=1.0)
    # LIF: v_dec = v + 0.1 (-70 - v): -70, -56.5, -52 (-52 > -55 spikes -> -70)
    assert s.v.tolist() == pytest.approx([-70.0, -56.5, -70.0])
    assert z.tolist() == [0.0, 0.0, 1.0]
    s.v.sum().backward()
    assert torch.isfinite(v.grad).all()


def test_exponential_term_matches_formula_and_never_overflows():
    v = torch.linspace(-5, 1, 50, dtype=torch.float64)
    expected = 0.5 * torch.exp((v - 1) / 0.5)
    assert torch.allclose(exponential_term(v, 1.0, 0.5), expected, rtol=1e-12)
    big = torch.tensor([1e6, 1e30], requires_grad=True)
    e = exponential_term(big, 1.0, 0.5)
    assert torch.isfinite(e).all()
    assert e[0].item() == pytest.approx(0.5 * math.exp(EXPONENT_MAX), rel=1e-5)
    e.sum().backward()
    assert torch.isfinite(big.grad).all()
    state = LIFExFeedForwardState(torch.tensor([1e6]), torch.zeros(1))
    z, s = lif_ex_feed_forward_step(torch.zeros(1), state)
    assert z.item() == 1.0 and s.v.item() == 0.0


def test_reset_subtract():
    p = LIFExParameters(reset_method=reset_subtract)
    state = LIFExFeedForwardState(torch.tensor([0.9]), torch.zeros(1))
    z, s = lif_ex_feed_forward_step(torch.tensor([5.0]), state, p)
    v_dec = 0.9 + 0.1 * (-0.9 + _exp_term(0.9) + 5.0)
    assert z.item() == 1.0
    assert s.v.item() == pytest.approx(v_dec - 1.0, abs=1e-6)


def test_gradcheck_subthreshold_dynamics():
    # heaviside: no spike gradient, so the smooth sub-threshold map is checked exactly
    p = LIFExParameters(method="heaviside")
    v0 = torch.tensor([0.1, -0.3, 0.5], dtype=torch.float64)

    def steps(x):
        state = LIFExFeedForwardState(v0, torch.zeros_like(v0))
        for t in range(x.shape[0]):
            _, state = lif_ex_feed_forward_step(x[t], state, p)
        return state.v, state.i

    x = (0.2 * torch.rand(4, 3, dtype=torch.float64)).requires_grad_()
    assert torch.autograd.gradcheck(steps, (x,))


@pytest.mark.parametrize(
    "method,derivative", [("super", super_derivative), ("triangle", triangle_derivative)]
)
def test_spike_gradient_uses_the_surrogate(method, derivative):
    alpha = 0.5 if method == "triangle" else 100.0
    p = LIFExParameters(method=method, alpha=alpha)
    v = torch.tensor([0.95], dtype=torch.float64)
    x = torch.tensor([0.3], dtype=torch.float64, requires_grad=True)
    z, _ = lif_ex_feed_forward_step(
        x, LIFExFeedForwardState(v, torch.zeros(1, dtype=torch.float64)), p
    )
    z.sum().backward()
    v_dec = 0.95 + 0.1 * (-0.95 + _exp_term(0.95) + 0.3)
    expected = derivative(torch.tensor(v_dec - 1.0, dtype=torch.float64), alpha) * 0.1
    assert x.grad.item() == pytest.approx(expected.item(), rel=1e-6)


def test_exported_from_norse_torch():
    for name in (
        "LIFExParameters",
        "lif_ex_step",
        "lif_ex_feed_forward_step",
        "lif_ex_current_encoder",
    ):
        assert hasattr(norse, name)
