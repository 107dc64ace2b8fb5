"""Decoders: exact sums, maxima, spike times (forward and gradient) and the ExpFilter."""

import math

import pytest
import torch

from norse.torch.functional.decode import (
    ToSpikeTimes,
    exp_filter_step,
    max_decode,
    spikes_to_times_decode,
    sum_decode,
)
from norse.torch.module.decode import ExpFilter, MaxDecoder, SpikesToTimesDecoder, SumDecoder
from norse.torch.module.leaky_integrator import LI


def test_sum_and_max_decode():
    x = torch.tensor([[[1.0, 0.0]], [[0.0, 0.0]], [[1.0, 1.0]]])  # (T=3, B=1, N=2)
    torch.testing.assert_close(sum_decode(x), torch.tensor([[2.0, 1.0]]))
    torch.testing.assert_close(SumDecoder()(x), torch.tensor([[2.0, 1.0]]))
    v = torch.tensor([[0.1, -2.0], [0.7, -1.0], [0.3, -3.0]])
    torch.testing.assert_close(max_decode(v), torch.tensor([0.7, -1.0]))
    torch.testing.assert_close(MaxDecoder(dim=1)(v), torch.tensor([0.1, 0.7, 0.3]))
    v = v.requires_grad_()
    MaxDecoder()(v).sum().backward()
    torch.testing.assert_close(v.grad, torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="dimension"):
        sum_decode(x, dimension=3)


def spike_train():
    # (T=5, B=2, N=2); element (b, n) spikes at the listed steps.
    z = torch.zeros(5, 2, 2)
    z[[1, 3], 0, 0] = 1  # (0, 0): steps 1, 3
    z[[0, 2, 4], 0, 1] = 1  # (0, 1): steps 0, 2, 4
    z[4, 1, 0] = 1  # (1, 0): step 4; (1, 1): never
    return z


def test_spikes_to_times_forward():
    inf = math.inf
    indices = spikes_to_times_decode(spike_train(), spike_count=2, convert_indices_to_times=False)
    expected = torch.tensor([[[1.0, 0.0], [4.0, inf]], [[3.0, 2.0], [inf, inf]]])
    torch.testing.assert_close(indices, expected)
    times = SpikesToTimesDecoder(spike_count=1, dt=0.5)(spike_train())
    torch.testing.assert_close(times, torch.tensor([[[0.5, 0.0], [2.0, inf]]]))
    # More requested spikes than steps: clipped to T.
    assert spikes_to_times_decode(spike_train(), spike_count=9).shape == (5, 2, 2)


def test_spikes_to_times_gradient_is_minus_one_at_returned_spikes():
    z = spike_train().requires_grad_()
    out = ToSpikeTimes.apply(z, 2)
    weights = torch.arange(1.0, 9.0).view(2, 2, 2)
    (out.masked_fill(torch.isinf(out), 0) * weights).sum().backward()
    expected = torch.zeros(5, 2, 2)
    expected[1, 0, 0], expected[3, 0, 0] = -1.0, -5.0
    expected[0, 0, 1], expected[2, 0, 1] = -2.0, -6.0
    expected[4, 1, 0] = -3.0  # (1, 1) never spiked; (0, 1)'s third spike was not returned
    torch.testing.assert_close(z.grad, expected)


def test_spikes_to_times_errors():
    with pytest.raises(ValueError, match="spike_count must be >= 1"):
        spikes_to_times_decode(spike_train(), spike_count=0)
    with pytest.raises(ValueError, match="time dimension"):
        spikes_to_times_decode(torch.tensor(1.0))


def test_exp_filter_exact():
    # tau_filter_inv = 1000, dt = 1e-3: decay e^-1 per step. Identity weights, no bias.
    f = ExpFilter(2, 2, input_weights=torch.eye(2), bias=False)
    x = torch.tensor([[[1.0, 0.0]], [[0.0, 2.0]], [[0.0, 0.0]]])
    a = math.exp(-1)
    expected = torch.tensor([[[1.0, 0.0]], [[a, 2.0]], [[a * a, 2 * a]]])
    torch.testing.assert_close(f(x), expected)
    assert exp_filter_step(torch.tensor(2.0), torch.tensor(1.0), 0.5).item() == 2.0
    with pytest.raises(ValueError, match="input_tensor must have shape"):
        f(torch.zeros(3, 1, 5))
    with pytest.raises(ValueError, match="input_weights must have shape"):
        ExpFilter(2, 3, input_weights=torch.eye(2))


def test_decoders_are_registered_by_the_core():
    import norse.plugins

    registry = norse.plugins.registry("decoders")
    expected = {
        "li": LI,
        "sum": SumDecoder,
        "max": MaxDecoder,
        "spikes_to_times": SpikesToTimesDecoder,
        "exp_filter": ExpFilter,
    }
    for name, module in expected.items():
        assert registry[name].plugin == "norse"
        assert registry[name].spec.module is module


def test_li_readout_then_max_over_time():
    # LI with constant input 1 (defaults, Euler): i_jump = 1, 1.8, 2.44, 2.952, 3.3616 and
    # v += 0.1 * (i_jump - v): v = 0.1, 0.27, 0.487, 0.7335, 0.99631 (float32 parameters).
    voltages, _ = LI()(torch.ones(5, 1, 1, dtype=torch.float64))
    expected = torch.tensor([0.1, 0.27, 0.487, 0.7335, 0.99631], dtype=torch.float64)
    torch.testing.assert_close(voltages.flatten(), expected, rtol=0, atol=1e-7)
    torch.testing.assert_close(MaxDecoder()(voltages).flatten(), expected[-1:], rtol=0, atol=1e-7)
