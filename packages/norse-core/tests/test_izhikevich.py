"""Izhikevich: the step by hand, the 20 presets, qualitative behaviours, modules."""

import itertools

import pytest
import torch

import norse.torch as norse
from norse.torch import (
    Izhikevich,
    IzhikevichCell,
    IzhikevichRecurrent,
    IzhikevichRecurrentCell,
    IzhikevichState,
)
from norse.torch.functional.izhikevich import (
    IzhikevichParameters,
    create_izhikevich_spiking_behavior,
    izhikevich_feed_forward_step,
)
from norse.torch.module.izhikevich import SPEC

PRESETS = {
    # name: (a, b, c, d, initial v, tau_inv, extra)
    "tonic_spiking": (0.02, 0.2, -65, 6, -70, 250, {}),
    "phasic_spiking": (0.02, 0.25, -65, 6, -64, 250, {}),
    "tonic_bursting": (0.02, 0.2, -50, 2, -70, 250, {}),
    "phasic_bursting": (0.02, 0.25, -55, 0.05, -64, 200, {}),
    "mixed_mode": (0.02, 0.2, -55, 4, -70, 250, {}),
    "spike_frequency_adaptation": (0.01, 0.2, -65, 8, -70, 250, {}),
    "class_1_exc": (0.02, -0.1, -55, 6, -60, 250, {"mn": 4.1, "bias": 108}),
    "class_2_exc": (0.2, 0.26, -65, 0, -64, 250, {}),
    "spike_latency": (0.02, 0.2, -65, 6, -70, 250, {}),
    "subthreshold_oscillation": (0.05, 0.26, -60, 0, -62, 250, {}),
    "resonator": (0.1, 0.26, -60, -1, -62, 250, {}),
    "integrator": (0.02, -0.1, -55, 6, -60, 250, {"mn": 4.1, "bias": 108}),
    "rebound_spike": (0.03, 0.25, -60, 4, -64, 200, {}),
    "rebound_burst": (0.03, 0.25, -52, 0, -64, 200, {}),
    "threshold_variability": (0.03, 0.25, -60, 4, -64, 250, {}),
    "bistability": (0.1, 0.26, -60, 0, -61, 250, {}),
    "dap": (1.0, 0.2, -60, -21, -70, 100, {}),
    "accomodation": (0.02, 1.0, -55, 4, -65, 500, {}),
    "inhibition_induced_spiking": (-0.02, -1.0, -60, 8, -63.8, 250, {}),
    "inhibition_induced_bursting": (-0.026, -1.0, -45, -2, -63.8, 250, {}),
}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_values(name):
    a, b, c, d, v, tau_inv, extra = PRESETS[name]
    behaviour = getattr(norse, name)
    p = behaviour.p
    assert (p.a, p.b, p.c, p.d, p.tau_inv) == (a, b, c, d, tau_inv)
    assert p.mn == extra.get("mn", 5.0) and p.bias == extra.get("bias", 140.0)
    assert behaviour.s.v.item() == pytest.approx(v)
    u = -16.0 if name == "accomodation" else v * b
    assert behaviour.s.u.item() == pytest.approx(u)
    assert not behaviour.s.v.requires_grad


def test_step_by_hand():
    # tonic spiking, v = -70, u = -14, I = 10, dt tau_inv = 0.25:
    # v' = -70 + 0.25 (0.04*4900 - 350 + 140 + 14 + 10) = -67.5; u' = -14 + 0.25*0.02*(-14 + 14)
    s = IzhikevichState(torch.tensor([-70.0]), torch.tensor([-14.0]))
    z, s = izhikevich_feed_forward_step(torch.tensor([10.0]), s, norse.tonic_spiking.p)
    assert z.item() == 0.0
    assert s.v.item() == pytest.approx(-67.5) and s.u.item() == pytest.approx(-14.0)
    # a spike: v = 29 -> v' = 29 + 0.25 (33.64 + 145 + 140 + 14) > 30: reset to c, u += d
    s = IzhikevichState(torch.tensor([29.0]), torch.tensor([-14.0]))
    z, s = izhikevich_feed_forward_step(torch.zeros(1), s, norse.tonic_spiking.p)
    u_int = -14.0 + 0.25 * 0.02 * (0.2 * 29.0 + 14.0)
    assert z.item() == 1.0 and s.v.item() == -65.0
    assert s.u.item() == pytest.approx(u_int + 6.0)


def _spike_times(behaviour, current, ms):
    """Spike times in Izhikevich ms for ``current(t_ms)`` with dt = 1 ms / tau_inv * 1000."""
    p = behaviour.p
    step_ms = 0.001 * p.tau_inv
    state = IzhikevichState(behaviour.s.v.reshape(1), behaviour.s.u.reshape(1))
    times = []
    for k in range(int(ms / step_ms)):
        z, state = izhikevich_feed_forward_step(
            torch.tensor([float(current(k * step_ms))]), state, p
        )
        if z.item():
            times.append(k * step_ms)
    return times


def _isis(times):
    return [b - a for a, b in itertools.pairwise(times)]


def test_tonic_spiking_spikes_repeatedly():
    times = _spike_times(norse.tonic_spiking, lambda t: 14 if t > 10 else 0, 100)
    assert len(times) >= 4 and times[0] > 10


def test_phasic_spiking_spikes_once():
    times = _spike_times(norse.phasic_spiking, lambda t: 0.5 if t > 20 else 0, 200)
    assert len(times) == 1 and times[0] > 20


def test_tonic_bursting_has_short_and_long_intervals():
    isis = _isis(_spike_times(norse.tonic_bursting, lambda t: 15 if t > 22 else 0, 220))
    assert min(isis) < 5 and max(isis) > 20 and sum(i > 20 for i in isis) >= 2


def test_phasic_bursting_fires_one_burst():
    times = _spike_times(norse.phasic_bursting, lambda t: 0.6 if t > 20 else 0, 200)
    assert len(times) >= 3 and times[0] > 20 and times[-1] - times[0] < 60


def test_mixed_mode_bursts_then_spikes_tonically():
    isis = _isis(_spike_times(norse.mixed_mode, lambda t: 10 if t > 16 else 0, 160))
    assert isis[0] < 5 and all(i > 20 for i in isis[-2:])


@pytest.mark.parametrize(
    "name,current,ms",
    [
        ("spike_frequency_adaptation", lambda t: 30 if t > 8.5 else 0, 85),  # ISIs grow
        ("class_1_exc", lambda t: 0.075 * (t - 30) if t > 30 else 0, 300),  # ISIs shrink
        ("class_2_exc", lambda t: -0.5 + 0.015 * (t - 30) if t > 30 else -0.5, 300),
    ],
)
def test_interval_trends(name, current, ms):
    isis = _isis(_spike_times(getattr(norse, name), current, ms))
    assert len(isis) >= 4
    if name == "spike_frequency_adaptation":
        assert isis[-1] > isis[0]
    else:
        assert isis[-1] < isis[0]


@pytest.mark.parametrize(
    "name,current,ms,first_after,min_spikes",
    [
        ("rebound_spike", lambda t: -15 if 20 < t < 25 else 0, 200, 25, 1),
        ("rebound_burst", lambda t: -15 if 20 < t < 25 else 0, 200, 25, 3),
        ("subthreshold_oscillation", lambda t: 2 if 20 < t < 25 else 0, 200, 20, 1),
        ("dap", lambda t: 20 if 9 < t < 11 else 0, 50, 9, 1),
        # spikes only after an inhibitory pulse has preceded the excitatory one (at 80 ms)
        (
            "threshold_variability",
            lambda t: 1 if (10 < t < 15 or 80 < t < 85) else (-6 if 70 < t < 75 else 0),
            100,
            80,
            1,
        ),
        ("inhibition_induced_spiking", lambda t: 75 if 50 < t < 250 else 80, 350, 50, 2),
        ("inhibition_induced_bursting", lambda t: 75 if 50 < t < 250 else 80, 350, 50, 3),
    ],
)
def test_first_spike_follows_the_stimulus(name, current, ms, first_after, min_spikes):
    times = _spike_times(getattr(norse, name), current, ms)
    assert len(times) >= min_spikes and times[0] > first_after


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_spikes_under_strong_drive_and_stays_finite(name):
    behaviour = getattr(norse, name)
    out, state = Izhikevich(behaviour)(torch.full((400, 1), 20.0))
    assert out.sum() >= 1 and torch.isfinite(state.v).all() and torch.isfinite(state.u).all()


def test_presets_are_not_shared_mutable_state():
    before = norse.tonic_spiking.s.v.clone()
    a, b = Izhikevich(norse.tonic_spiking), Izhikevich(norse.tonic_spiking)
    x = torch.full((50, 1, 2), 20.0, requires_grad=True)
    out, state_a = a(x)
    out.sum().backward()
    _, state_b = b(torch.zeros(50, 1, 2))
    assert torch.equal(norse.tonic_spiking.s.v, before) and norse.tonic_spiking.s.v.grad is None
    assert a.initial_state(x[0]).v is not b.initial_state(x[0]).v
    assert not torch.equal(state_a.v, state_b.v)


def test_create_behaviour_with_extra_parameters():
    b = create_izhikevich_spiking_behavior(
        0.1, 0.2, -65, 2, -70, -70, 100, bias=120.0, method="tanh"
    )
    assert b.p == IzhikevichParameters(0.1, 0.2, -65, 2, bias=120.0, tau_inv=100, method="tanh")
    assert b.s.u.item() == pytest.approx(-14.0)


def test_surrogate_method_is_honoured():
    grads = {}
    for method in ("super", "atan"):
        behaviour = create_izhikevich_spiking_behavior(
            0.02, 0.2, -65, 6, -70, -70, method=method, alpha=0.5
        )
        x = torch.full((60, 1, 1), 15.0, requires_grad=True)
        out, _ = Izhikevich(behaviour)(x)
        out.sum().backward()
        grads[method] = x.grad.clone()
        assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    assert not torch.allclose(grads["super"], grads["atan"])


def test_gradcheck_subthreshold():
    p = IzhikevichParameters(0.02, 0.2, -65, 6, method="heaviside")

    def steps(x):
        s = IzhikevichState(
            torch.full((2,), -70.0, dtype=torch.float64),
            torch.full((2,), -14.0, dtype=torch.float64),
        )
        for t in range(x.shape[0]):
            _, s = izhikevich_feed_forward_step(x[t], s, p)
        return s.v, s.u

    x = torch.rand(5, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(steps, (x,))


def test_modules_and_errors():
    out, state = IzhikevichRecurrent(3, 4, norse.tonic_spiking)(torch.rand(10, 2, 3) * 20)
    assert out.shape == (10, 2, 4) and state.z.shape == (2, 4)
    cell = IzhikevichRecurrentCell(3, 4, norse.tonic_spiking)
    s0 = cell.initial_state(torch.rand(2, 3))
    assert torch.equal(s0.v, torch.full((2, 4), -70.0)) and torch.equal(
        s0.u, torch.full((2, 4), -14.0)
    )
    assert torch.equal(s0.z, torch.zeros(2, 4))
    with pytest.raises(TypeError, match="input_tensor"):
        IzhikevichCell(norse.tonic_spiking)(torch.ones(2, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"state\.u"):
        IzhikevichCell(norse.tonic_spiking)(
            torch.ones(2, 3), IzhikevichState(torch.zeros(2, 3), torch.zeros(3, 3))
        )
    bad = create_izhikevich_spiking_behavior(0.02, 0.2, -65, 6, -70, -70, tau_inv=-250)
    with pytest.raises(ValueError, match="tau_inv"):
        Izhikevich(bad)
    assert (
        SPEC.name == "izhikevich"
        and SPEC.cell is IzhikevichCell
        and SPEC.recurrent is IzhikevichRecurrent
    )
