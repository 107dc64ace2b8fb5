"""LIF: Norse 1.x reference traces, update order, integrators, resets, modules, gradients."""

import math

import pytest
import torch

from norse.torch.functional.lif import (
    LIFFeedForwardState,
    LIFParameters,
    LIFState,
    lif_current_encoder,
    lif_feed_forward_integral,
    lif_feed_forward_step,
    lif_step,
    lif_step_integral,
)
from norse.torch.functional.reset import reset_subtract
from norse.torch.module.lif import LIF, LIFCell, LIFRecurrent, LIFRecurrentCell

REFERENCE_V = [0.1, 0.27, 0.487, 0.7335, 0.9963, 0.0, 0.3951, 0.7717, 0.0, 0.4463]


def _ff_trace(inputs, dt=0.001):
    p = LIFParameters()
    state = LIFFeedForwardState(torch.zeros(1), torch.zeros(1))
    zs, vs = [], []
    for x in inputs:
        z, state = lif_feed_forward_step(torch.tensor([x]), state, p, dt)
        zs.append(z.item())
        vs.append(state.v.item())
    return zs, vs


def test_constant_input_reference_trace():
    zs, vs = _ff_trace([1.0] * 10)
    assert vs == pytest.approx(REFERENCE_V, abs=1e-4)
    assert zs == [0, 0, 0, 0, 0, 1, 0, 0, 1, 0]


def test_pulse_enters_voltage_in_the_same_step():
    _, vs = _ff_trace([1.0, 0.0, 0.0, 0.0])
    assert vs == pytest.approx([0.1, 0.17, 0.217, 0.2465], abs=1e-6)


def test_current_encoder_reference_trace():
    v = torch.zeros(1)
    vs = []
    for _ in range(5):
        _, v = lif_current_encoder(torch.ones(1), v)
        vs.append(v.item())
    assert vs == pytest.approx([0.1, 0.19, 0.271, 0.3439, 0.40951], abs=1e-6)


def test_recurrent_step_matches_feed_forward_with_identity_weights():
    x = torch.rand(5, 3, 4) * 2
    ff = LIFFeedForwardState(torch.zeros(3, 4), torch.zeros(3, 4))
    rec = LIFState(torch.zeros(3, 4), torch.zeros(3, 4), torch.zeros(3, 4))
    for t in range(5):
        z_ff, ff = lif_feed_forward_step(x[t], ff)
        z_rec, rec = lif_step(x[t], rec, torch.eye(4), torch.zeros(4, 4))
        assert torch.equal(z_ff, z_rec)
        torch.testing.assert_close(ff.v, rec.v)


def test_recurrent_reset_is_detached_feed_forward_is_not():
    # v = 1, i = 0, x = 1.2: v_dec = 0.9 + 0.12 = 1.02 > 1 -> spike.
    # dz/dx = 0.1 / (100 * 0.02 + 1)^2 = 0.1 / 9 and dv_dec/dx = 0.1.
    x = torch.tensor([[1.2]], dtype=torch.float64, requires_grad=True)
    one = torch.ones(1, 1, dtype=torch.float64)
    _, s = lif_feed_forward_step(x, LIFFeedForwardState(one, 0 * one))
    (g_ff,) = torch.autograd.grad(s.v.sum(), x)
    assert g_ff.item() == pytest.approx(-1.02 * 0.1 / 9)
    _, s = lif_step(x, LIFState(0 * one, one, 0 * one), one, 0 * one)
    (g_rec,) = torch.autograd.grad(s.v.sum(), x)
    assert g_rec.item() == 0.0


def test_integrals_stack_all_outputs():
    x = torch.rand(6, 2, 3) * 3
    ff0 = LIFFeedForwardState(torch.zeros(2, 3), torch.zeros(2, 3))
    zs, final = lif_feed_forward_integral(x, ff0)
    state, expected = ff0, []
    for t in range(6):
        z, state = lif_feed_forward_step(x[t], state)
        expected.append(z)
    assert torch.equal(zs, torch.stack(expected))
    torch.testing.assert_close(final.v, state.v)

    w_in, w_rec = torch.rand(4, 3), torch.rand(4, 4)
    rec0 = LIFState(torch.zeros(2, 4), torch.zeros(2, 4), torch.zeros(2, 4))
    zs, final = lif_step_integral(x, rec0, w_in, w_rec)
    assert zs.shape == (6, 2, 4)  # Norse 1.1.0 returned only the last step, (2, 4)
    state, expected = rec0, []
    for t in range(6):
        z, state = lif_step(x[t], state, w_in, w_rec)
        expected.append(z)
    assert torch.equal(zs, torch.stack(expected))


@pytest.mark.parametrize(("tau_syn_inv", "tau_mem_inv"), [(200.0, 100.0), (100.0, 100.0)])
def test_exact_integrator_matches_the_analytic_solution(tau_syn_inv, tau_mem_inv):
    p = LIFParameters(
        tau_syn_inv=torch.tensor(tau_syn_inv, dtype=torch.float64),
        tau_mem_inv=torch.tensor(tau_mem_inv, dtype=torch.float64),
        v_th=torch.tensor(1e9, dtype=torch.float64),
        integrator="exact",
    )
    dt, current = 1e-3, 5.0
    state = LIFFeedForwardState(*torch.zeros(2, 1, dtype=torch.float64))
    for k in range(1, 21):
        x = torch.full((1,), current if k == 1 else 0.0, dtype=torch.float64)
        _, state = lif_feed_forward_step(x, state, p, dt)
        t = k * dt
        if tau_syn_inv == tau_mem_inv:
            v = current * tau_mem_inv * t * math.exp(-tau_mem_inv * t)
        else:
            v = (
                current
                * tau_mem_inv
                / (tau_mem_inv - tau_syn_inv)
                * (math.exp(-tau_syn_inv * t) - math.exp(-tau_mem_inv * t))
            )
        assert state.v.item() == pytest.approx(v, rel=1e-12)
        assert state.i.item() == pytest.approx(current * math.exp(-tau_syn_inv * t), rel=1e-12)


def test_exact_current_encoder_converges_to_the_input():
    p = LIFParameters(v_th=torch.tensor(1e9), integrator="exact")
    v = torch.zeros(1, dtype=torch.float64)
    for k in range(1, 4):
        _, v = lif_current_encoder(torch.full((1,), 2.0, dtype=torch.float64), v, p)
        assert v.item() == pytest.approx(2.0 * (1 - math.exp(-0.1 * k)), rel=1e-6)


def test_reset_by_subtraction_keeps_the_overshoot():
    p = LIFParameters(reset_method=reset_subtract)
    state = LIFFeedForwardState(torch.tensor([0.95]), torch.zeros(1))
    z, state = lif_feed_forward_step(torch.tensor([2.0]), state, p)
    # v_dec = 0.95 + 0.1 * (-0.95 + 2) = 1.055 -> spike -> 1.055 - 1
    assert z.item() == 1.0
    assert state.v.item() == pytest.approx(0.055, abs=1e-6)


def test_bad_integrator_is_rejected():
    with pytest.raises(ValueError, match="integrator"):
        lif_feed_forward_step(
            torch.ones(1),
            LIFFeedForwardState(torch.zeros(1), torch.zeros(1)),
            LIFParameters(integrator="rk4"),
        )
    with pytest.raises(ValueError, match="integrator"):
        LIF(LIFParameters(integrator="rk4"))


def test_modules_reproduce_the_reference_trace():
    cell, state, vs = LIFCell(), None, []
    for _ in range(10):
        _, state = cell(torch.ones(1, 1), state)
        vs.append(state.v.item())
    assert vs == pytest.approx(REFERENCE_V, abs=1e-4)
    z, states = LIF(record_states=True)(torch.ones(10, 1, 1))
    assert states.v.flatten().tolist() == pytest.approx(REFERENCE_V, abs=1e-4)
    assert z.flatten().tolist() == [0, 0, 0, 0, 0, 1, 0, 0, 1, 0]


def test_recurrent_modules_match_the_step_loop():
    x = torch.rand(7, 2, 3) * 4
    seq = LIFRecurrent(3, 5, record_states=True)
    cell = LIFRecurrentCell(
        3, 5, input_weights=seq.input_weights, recurrent_weights=seq.recurrent_weights
    )
    zs, states = seq(x)
    state = None
    w_rec = seq.recurrent_weights.detach()
    assert torch.equal(torch.diagonal(w_rec), torch.zeros(5))
    manual = LIFState(*torch.zeros(3, 2, 5))
    for t in range(7):
        z, state = cell(x[t], state)
        z_manual, manual = lif_step(x[t], manual, seq.input_weights, w_rec)
        assert torch.equal(z, zs[t])
        assert torch.equal(z_manual, z)
        torch.testing.assert_close(states.v[t], state.v)
    assert zs.shape == (7, 2, 5) and zs.sum() > 0


def test_gradcheck_through_steps_in_float64():
    # With method="heaviside" the analytic gradient is the true one (spikes do not move under
    # gradcheck's tiny perturbations), so float64 gradcheck checks leak, synapse and reset.
    p = LIFParameters(method="heaviside")
    x = (torch.rand(6, 2, 3, dtype=torch.float64) * 3).requires_grad_(True)
    for module in (LIF(p).double(), LIF(p._replace(integrator="exact")).double()):
        assert module(x)[0].sum() > 0

        def voltage(inp, module=module):
            return module(inp)[1].v

        assert torch.autograd.gradcheck(voltage, (x,))
    rec = LIFRecurrent(3, 4, p).double()

    def rec_voltage(inp):
        return rec(inp)[1].v

    assert torch.autograd.gradcheck(rec_voltage, (x,))
