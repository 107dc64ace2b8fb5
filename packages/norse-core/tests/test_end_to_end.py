"""End to end: Poisson-encoded inputs drive LIF neurons and a leaky-integrator readout, and
a few optimiser steps lower the loss; a spike-count penalty trains the spike count down."""

import itertools

import torch

from norse.torch import (
    LI,
    LIF,
    LIFCell,
    MaxDecoder,
    PoissonEncoder,
    RegularizationCell,
    SequentialState,
)

SEQ_LENGTH = 30


def two_class_data():
    """16 samples of 8 intensities in [0, 1]; class 0 is bright in features 0-3, class 1 in 4-7."""
    labels = torch.arange(16) % 2
    x = torch.full((16, 8), 0.1)
    x[labels == 0, :4] = 0.9
    x[labels == 1, 4:] = 0.9
    return x, labels


def test_poisson_lif_li_readout_learns():
    torch.manual_seed(0)
    generator = torch.Generator()
    hidden = torch.nn.Linear(8, 32)
    with torch.no_grad():  # strong enough input weights that the LIF layer spikes
        hidden.weight.mul_(3.0)
        hidden.bias.zero_()
    model = SequentialState(
        PoissonEncoder(SEQ_LENGTH, f_max=300, generator=generator),
        hidden,
        LIF(),
        torch.nn.Linear(32, 2, bias=False),
        LI(),
        MaxDecoder(),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-2)
    x, labels = two_class_data()

    def loss_value():
        generator.manual_seed(1)  # the same spike trains at every step
        scores, states = model(x)
        assert scores.shape == (16, 2) and len(states) == 6
        return torch.nn.functional.cross_entropy(scores, labels)

    losses = []
    for _ in range(10):
        loss = loss_value()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        final = loss_value().item()
    assert final < 0.7 * losses[0], [*losses, final]


def test_spike_count_penalty_lowers_spike_count():
    torch.manual_seed(0)
    linear = torch.nn.Linear(8, 32)
    with torch.no_grad():
        linear.bias.fill_(0.5)
    lif, regularizer = LIFCell(), RegularizationCell()
    optimizer = torch.optim.SGD(linear.parameters(), lr=1e-3)
    x, _ = two_class_data()
    generator = torch.Generator()

    def spike_count():
        generator.manual_seed(2)
        spikes = PoissonEncoder(SEQ_LENGTH, f_max=300, generator=generator)(x)
        state, penalty = None, None  # explicit state: every run starts fresh
        for x_t in spikes:
            z, state = lif(linear(x_t), state)
            z, penalty = regularizer(z, state, penalty)
        return penalty

    counts = []
    for _ in range(5):
        penalty = spike_count()
        optimizer.zero_grad()
        penalty.backward()
        optimizer.step()
        counts.append(penalty.item())
    assert counts[0] > 0
    assert all(later < earlier for earlier, later in itertools.pairwise(counts)), counts
    assert spike_count().item() < 0.8 * counts[0], counts
