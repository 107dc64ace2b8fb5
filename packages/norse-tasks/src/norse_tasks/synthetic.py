"""A synthetic classification task that trains a small spiking network in seconds.

Each of ``classes`` classes owns a block of ``channels_per_class`` input channels. A sample of
class ``c`` is a Poisson spike train of ``T`` steps in which the channels of block ``c`` fire
with probability ``p_high`` per step and every other channel with ``p_low``. The network is

    x (T, B, N_in) -> Linear -> LIF -> Linear -> LI -> max over time -> logits (B, classes)

trained with Adam and cross-entropy through the LIF surrogate gradient.
"""

from __future__ import annotations

import argparse
from typing import NamedTuple

import torch

from norse.hookspecs import TaskSpec


class SyntheticConfig(NamedTuple):
    """Settings of the synthetic task (all defaulted).

    Attributes:
        classes: number of classes.
        channels_per_class: input channels that belong to one class.
        time_steps: length ``T`` of each spike train.
        p_high: spike probability per step of the channels of a sample's class.
        p_low: spike probability per step of all other channels.
        hidden: number of LIF neurons.
        batch_size: samples per training step.
        steps: training steps.
        learning_rate: Adam's learning rate.
        test_samples: samples in the held-out test set.
        seed: seed of the generator for data and initial weights.
    """

    classes: int = 4
    channels_per_class: int = 10
    time_steps: int = 30
    p_high: float = 0.3
    p_low: float = 0.05
    hidden: int = 64
    batch_size: int = 32
    steps: int = 200
    learning_rate: float = 2e-3
    test_samples: int = 512
    seed: int = 0


def make_batch(
    config: SyntheticConfig, size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``size`` labelled samples: spikes ``(T, size, classes * channels_per_class)``
    (float 0/1) and labels ``(size,)`` (int64 in ``[0, classes)``)."""
    labels = torch.randint(config.classes, (size,), generator=generator)
    channels = config.classes * config.channels_per_class
    owner = torch.arange(channels) // config.channels_per_class
    rates = torch.where(owner == labels[:, None], config.p_high, config.p_low)
    noise = torch.rand(config.time_steps, size, channels, generator=generator)
    return (noise < rates).float(), labels


class SpikingClassifier(torch.nn.Module):
    """Linear -> LIF -> Linear -> LI; the logits are the readout voltages' maxima over time."""

    def __init__(self, inputs: int, hidden: int, classes: int) -> None:
        from norse.torch import LI, LIF

        super().__init__()
        self.encoder = torch.nn.Linear(inputs, hidden)
        self.lif = LIF()
        self.decoder = torch.nn.Linear(hidden, classes)
        self.readout = LI()

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        """Map input spikes ``(T, B, inputs)`` to logits ``(B, classes)``."""
        hidden_spikes, _ = self.lif(self.encoder(spikes))
        voltages, _ = self.readout(self.decoder(hidden_spikes))
        return voltages.amax(dim=0)


def accuracy(model: torch.nn.Module, spikes: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of samples whose largest logit is the label."""
    with torch.no_grad():
        return (model(spikes).argmax(dim=1) == labels).float().mean().item()


def train(config: SyntheticConfig | None = None) -> tuple[float, float]:
    """Train a fresh :class:`SpikingClassifier`; return ``(accuracy_before, accuracy_after)``
    on a held-out test set. ``config`` defaults to ``SyntheticConfig()``."""
    config = SyntheticConfig() if config is None else config
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    model = SpikingClassifier(
        config.classes * config.channels_per_class, config.hidden, config.classes
    )
    test_spikes, test_labels = make_batch(config, config.test_samples, generator)
    before = accuracy(model, test_spikes, test_labels)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    for _ in range(config.steps):
        spikes, labels = make_batch(config, config.batch_size, generator)
        loss = torch.nn.functional.cross_entropy(model(spikes), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return before, accuracy(model, test_spikes, test_labels)


def parser() -> argparse.ArgumentParser:
    """The command-line options of the task, defaulting to :class:`SyntheticConfig`'s values."""
    defaults = SyntheticConfig()
    parser = argparse.ArgumentParser(
        prog="norse task run synthetic", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--steps", type=int, default=defaults.steps, help="training steps")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed")
    return parser


def run(argv: list[str]) -> int:
    """Command-line entry of the task: ``norse task run synthetic [--steps N] [--seed S]``."""
    options = parser()
    args = options.parse_args(argv)
    if args.steps < 0:
        options.error(f"--steps must be >= 0, got {args.steps}")
    config = SyntheticConfig(steps=args.steps, seed=args.seed)
    print(
        f"synthetic task: {config.classes} classes of Poisson spike trains, "
        f"{config.time_steps} steps, {config.hidden} LIF neurons, {config.steps} training steps"
    )
    before, after = train(config)
    print(f"test accuracy before training: {before:.3f}")
    print(f"test accuracy after training:  {after:.3f}")
    return 0


SYNTHETIC_TASK = TaskSpec("synthetic", "tell apart four classes of Poisson spike trains", run)
