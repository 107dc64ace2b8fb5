"""STDP: exact weight changes of pairings, derived from the trace and update equations."""

import pytest
import torch

from norse.torch.functional.stdp import (
    STDPParameters,
    STDPState,
    stdp_step_conv2d,
    stdp_step_linear,
)

DT = 1e-3
# One presynaptic spike lifts a zero trace to c = dt * tau_inv * a = 0.001 * 20 * 1.
C = DT * 20.0
# Each silent step multiplies the trace by (1 - dt * tau_inv).
DECAY = 1 - DT * 20.0


def run_pairing(pre_step, post_step, w0, p, steps=10, shape=(1, 1)):
    """Runs a single pre and a single post spike through stdp_step_linear (float64)."""
    w = torch.full(shape, w0, dtype=torch.float64)
    state = STDPState(
        torch.zeros(1, shape[1], dtype=torch.float64), torch.zeros(1, shape[0], dtype=torch.float64)
    )
    for t in range(steps):
        z_pre = torch.full((1, shape[1]), float(t == pre_step), dtype=torch.float64)
        z_post = torch.full((1, shape[0]), float(t == post_step), dtype=torch.float64)
        w, state = stdp_step_linear(z_pre, z_post, w, state, p, DT)
    return w, state


def test_trace_decay_values():
    state = STDPState(torch.zeros(1, 1), torch.zeros(1, 1))
    state = state.decay(torch.ones(1, 1), torch.zeros(1, 1), 20.0, 20.0, 1.0, 1.0, DT)
    assert state.t_pre.item() == pytest.approx(C)
    assert state.t_post.item() == 0.0
    state = state.decay(torch.zeros(1, 1), torch.zeros(1, 1), 20.0, 20.0, 1.0, 1.0, DT)
    assert state.t_pre.item() == pytest.approx(C * DECAY)


@pytest.mark.parametrize("lag", [1, 5])
def test_pre_before_post_potentiates_additive(lag):
    w, _ = run_pairing(0, lag, 0.5, STDPParameters())
    # At the post spike the pre trace is C * DECAY**lag; the post trace meets no pre spike.
    assert w.item() == pytest.approx(0.5 + 1e-3 * C * DECAY**lag, abs=1e-15)


@pytest.mark.parametrize("lag", [1, 5])
def test_post_before_pre_depresses_additive(lag):
    w, _ = run_pairing(lag, 0, 0.5, STDPParameters())
    assert w.item() == pytest.approx(0.5 - 1e-3 * C * DECAY**lag, abs=1e-15)


def test_simultaneous_spikes_cancel_with_symmetric_parameters():
    w, _ = run_pairing(3, 3, 0.5, STDPParameters())
    assert w.item() == pytest.approx(0.5, abs=1e-15)


def test_learning_rates_and_trace_amplitudes():
    p = STDPParameters(a_pre=2.0, eta_plus=0.01, tau_pre_inv=10.0)
    w, _ = run_pairing(0, 4, 0.5, p)
    assert w.item() == pytest.approx(0.5 + 0.01 * (DT * 10 * 2) * (1 - DT * 10) ** 4, abs=1e-15)


def test_multiplicative_pow_scales_with_distance_to_bounds():
    p = STDPParameters(stdp_algorithm="multiplicative_pow", mu=1.0)
    w, _ = run_pairing(0, 2, 0.25, p)
    assert w.item() == pytest.approx(0.25 + 1e-3 * (1 - 0.25) * C * DECAY**2, abs=1e-15)
    w, _ = run_pairing(2, 0, 0.25, p)
    assert w.item() == pytest.approx(0.25 - 1e-3 * (0.25 - 0) * C * DECAY**2, abs=1e-15)
    p = STDPParameters(stdp_algorithm="multiplicative_pow", mu=2.0)
    w, _ = run_pairing(0, 2, 0.25, p)
    assert w.item() == pytest.approx(0.25 + 1e-3 * 0.75**2 * C * DECAY**2, abs=1e-15)


def test_multiplicative_relu_and_additive_step_stop_at_bounds():
    for algorithm in ("multiplicative_relu", "additive_step"):
        p = STDPParameters(stdp_algorithm=algorithm, hardbound=False)
        w, _ = run_pairing(0, 2, 1.0, p)  # at w_max: no potentiation
        assert w.item() == 1.0
        w, _ = run_pairing(2, 0, 0.0, p)  # at w_min: no depression
        assert w.item() == 0.0
    p = STDPParameters(stdp_algorithm="multiplicative_relu")
    w, _ = run_pairing(0, 2, 0.6, p)
    assert w.item() == pytest.approx(0.6 + 1e-3 * 0.4 * C * DECAY**2, abs=1e-15)
    p = STDPParameters(stdp_algorithm="additive_step")
    w, _ = run_pairing(2, 0, 0.6, p)
    assert w.item() == pytest.approx(0.6 - 1e-3 * C * DECAY**2, abs=1e-15)


def test_hardbound_clamps_and_can_be_disabled():
    p = STDPParameters(eta_plus=100.0)
    w, _ = run_pairing(0, 1, 0.9, p)
    assert w.item() == 1.0
    p = STDPParameters(eta_plus=100.0, hardbound=False)
    w, _ = run_pairing(0, 1, 0.9, p)
    assert w.item() == pytest.approx(0.9 + 100 * C * DECAY, abs=1e-12)


def test_linear_weight_orientation_and_batch_sum():
    # w is (N_out=2, N_in=3); pre neuron 1 fires at t=0, post neuron 0 fires at t=2,
    # in both batch entries, so only w[0, 1] changes, by twice the single-pair amount.
    w = torch.full((2, 3), 0.5, dtype=torch.float64)
    state = STDPState(
        torch.zeros(2, 3, dtype=torch.float64), torch.zeros(2, 2, dtype=torch.float64)
    )
    for t in range(3):
        z_pre = torch.zeros(2, 3, dtype=torch.float64)
        z_post = torch.zeros(2, 2, dtype=torch.float64)
        if t == 0:
            z_pre[:, 1] = 1
        if t == 2:
            z_post[:, 0] = 1
        w, state = stdp_step_linear(z_pre, z_post, w, state)
    expected = torch.full((2, 3), 0.5, dtype=torch.float64)
    expected[0, 1] += 2 * 1e-3 * C * DECAY**2
    torch.testing.assert_close(w, expected, rtol=0, atol=1e-15)


def _conv_reference(z_pre, z_post, w, state, p):
    """dw of the conv rule as gradients of sum(post * conv(pre, w)) with respect to w."""
    new = state.decay(z_pre, z_post, p.tau_pre_inv, p.tau_post_inv, p.a_pre, p.a_post, DT)
    kw = {"stride": p.stride, "padding": p.padding, "dilation": p.dilation}
    w_ = w.detach().requires_grad_()
    (plus,) = torch.autograd.grad(
        (z_post * torch.nn.functional.conv2d(new.t_pre, w_, **kw)).sum(), w_
    )
    (minus,) = torch.autograd.grad(
        (new.t_post * torch.nn.functional.conv2d(z_pre, w_, **kw)).sum(), w_
    )
    return w + p.eta_plus * plus - p.eta_minus * minus, new


@pytest.mark.parametrize("stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 1, 2)])
def test_conv2d_matches_gradient_of_correlation(stride, padding, dilation):
    g = torch.Generator().manual_seed(0)
    p = STDPParameters(
        eta_plus=0.1,
        eta_minus=0.05,
        hardbound=False,
        convolutional=True,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
    w = torch.rand(4, 2, 3, 3, generator=g, dtype=torch.float64)
    out_hw = torch.nn.functional.conv2d(
        torch.zeros(1, 2, 7, 7, dtype=torch.float64),
        w,
        stride=stride,
        padding=padding,
        dilation=dilation,
    ).shape[2:]
    state = STDPState(
        torch.zeros(3, 2, 7, 7, dtype=torch.float64),
        torch.zeros(3, 4, *out_hw, dtype=torch.float64),
    )
    ref_w, ref_state = w.clone(), state
    for _ in range(4):
        z_pre = (torch.rand(3, 2, 7, 7, generator=g) < 0.3).double()
        z_post = (torch.rand(3, 4, *out_hw, generator=g) < 0.3).double()
        w, state = stdp_step_conv2d(z_pre, z_post, w, state, p, DT)
        ref_w, ref_state = _conv_reference(z_pre, z_post, ref_w, ref_state, p)
    torch.testing.assert_close(w, ref_w, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(state.t_pre, ref_state.t_pre)
    assert not torch.equal(w, torch.zeros_like(w))


def test_conv2d_pairing_potentiates_exactly():
    # A 1x1 kernel on 1 channel: each pixel is its own synapse pair sharing one weight.
    w = torch.full((1, 1, 1, 1), 0.5, dtype=torch.float64)
    state = STDPState(
        torch.zeros(1, 1, 2, 2, dtype=torch.float64), torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    )
    for t in range(4):
        z_pre = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
        z_post = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
        if t == 0:
            z_pre[0, 0, 0, 0] = 1
            z_pre[0, 0, 1, 1] = 1
        if t == 3:
            z_post[0, 0, 0, 0] = 1
        w, state = stdp_step_conv2d(z_pre, z_post, w, state)
    assert w.item() == pytest.approx(0.5 + 1e-3 * C * DECAY**3, abs=1e-15)


def test_errors_name_the_argument():
    state = STDPState(torch.zeros(1, 3), torch.zeros(1, 2))
    with pytest.raises(ValueError, match="stdp_algorithm"):
        stdp_step_linear(
            torch.zeros(1, 3),
            torch.zeros(1, 2),
            torch.zeros(2, 3),
            state,
            STDPParameters(stdp_algorithm="hebbian"),
        )
    with pytest.raises(ValueError, match=r"w must have shape \(N_out, N_in\) = \(2, 3\)"):
        stdp_step_linear(torch.zeros(1, 3), torch.zeros(1, 2), torch.zeros(3, 2), state)
    with pytest.raises(ValueError, match="z_pre must be"):
        stdp_step_linear(torch.zeros(3), torch.zeros(1, 2), torch.zeros(2, 3), state)
    with pytest.raises(ValueError, match=r"state\.t_post"):
        stdp_step_linear(
            torch.zeros(1, 3),
            torch.zeros(1, 2),
            torch.zeros(2, 3),
            STDPState(torch.zeros(1, 3), torch.zeros(1, 5)),
        )
    conv_state = STDPState(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="output positions"):
        stdp_step_conv2d(
            torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 3, 3), conv_state
        )


def test_state_and_parameters_are_namedtuples_with_norse_names():
    p = STDPParameters()
    assert p._fields[:8] == (
        "a_pre",
        "a_post",
        "tau_pre_inv",
        "tau_post_inv",
        "w_min",
        "w_max",
        "eta_plus",
        "eta_minus",
    )
    assert (p.stdp_algorithm, p.mu, p.hardbound, p.stride, p.padding, p.dilation) == (
        "additive",
        0.0,
        True,
        1,
        0,
        1,
    )
    assert p.tau_pre_inv == pytest.approx(20.0)
    assert STDPState._fields == ("t_pre", "t_post")


def test_plasticity_rules_are_registered_by_the_core():
    import norse.plugins
    from norse.torch.functional.tsodyks_makram import TsodyksMakramParameters, stp_step

    rules = norse.plugins.plasticity()
    assert rules["stdp"].step is stdp_step_linear
    assert rules["stdp"].parameters is STDPParameters
    assert rules["stdp_conv2d"].step is stdp_step_conv2d
    assert rules["tsodyks_makram"].step is stp_step
    assert rules["tsodyks_makram"].parameters is TsodyksMakramParameters
    assert norse.plugins.registry("plasticity")["stdp"].plugin == "norse"
