"""The store-recall memory task (Bellec et al. 2019, arXiv:1901.09049), as Poisson spikes.

A sample is ``seq_repetitions`` blocks of ``seq_periods`` periods of ``seq_length`` steps.
In every block a random period of the first half carries a *store* command and a random
period of the second half a *recall* command (as in Norse 1.x); every period except the
recall period carries a random data bit. The
target at the recall period is the bit that was stored, one-hot: ``[1, 0]`` for a stored 1,
``[0, 1]`` for a stored 0.

The input has four populations of ``population_size`` neurons, in this order: data bit 1,
data bit 0, store, recall. An active data population spikes as a Poisson process of rate
``poisson_rate`` (probability ``poisson_rate * dt`` per step), an active command population
at ``poisson_rate // 2``, as in Norse 1.x.
"""

from __future__ import annotations

import torch
from torch.utils.data import Dataset

__all__ = ["MemoryStoreRecallDataset"]


class MemoryStoreRecallDataset(Dataset):
    """Store-recall memory task (module docstring); Norse 1.x's name and arguments.

    Args:
        samples: number of samples (the dataset's length).
        seq_length: steps per period (default 100).
        seq_periods: periods per store-recall block, at least 2 (default 12).
        seq_repetitions: blocks per sample (default 4).
        population_size: neurons per population (default 5).
        poisson_rate: spike rate of an active data population in Hz (default 100); the
            command populations spike at ``poisson_rate // 2``.
        dt: time step in s (default 0.001); ``poisson_rate * dt`` must lie in ``(0, 1]``.
        seed: with a seed, sample ``i`` is the same on every access (generated from
            ``(seed, i)``); without, each access draws its data bits and spikes from torch's
            global generator. The store and recall periods are drawn once per sample.

    ``dataset[i] -> (spikes, target)``: ``spikes`` float32 ``(T, 4 * population_size)`` with
    ``T = seq_repetitions * seq_periods * seq_length``; ``target`` uint8
    ``(seq_repetitions * seq_periods, 2)``, non-zero only at recall periods.
    """

    def __init__(
        self,
        samples: int,
        seq_length: int = 100,
        seq_periods: int = 12,
        seq_repetitions: int = 4,
        population_size: int = 5,
        poisson_rate: int = 100,
        dt: float = 0.001,
        seed: int | None = None,
    ) -> None:
        for name, value, low in (
            ("samples", samples, 0),
            ("seq_length", seq_length, 1),
            ("seq_periods", seq_periods, 2),
            ("seq_repetitions", seq_repetitions, 1),
            ("population_size", population_size, 1),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if not 0.0 < poisson_rate * dt <= 1.0:
            raise ValueError(
                "poisson_rate * dt is the spike probability per step and must lie in (0, 1], "
                f"got {poisson_rate} * {dt}"
            )
        self.samples = samples
        self.seq_length = seq_length
        self.seq_periods = seq_periods
        self.seq_repetitions = seq_repetitions
        self.population_size = population_size
        self.poisson_rate = poisson_rate
        self.dt = dt
        self.seed = seed
        # The store and recall periods of each sample are drawn once, as in Norse 1.x.
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        half = seq_periods // 2
        shape = (samples, seq_repetitions)
        self.store_indices = torch.randint(0, half, shape, generator=generator)
        self.recall_indices = torch.randint(half, seq_periods, shape, generator=generator)

    def __len__(self) -> int:
        return self.samples

    def _pattern(
        self, index: int, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Active populations per period ``(P, 4)`` and the targets ``(P, 2)`` of sample
        ``index``."""
        periods = self.seq_periods * self.seq_repetitions
        active = torch.zeros(periods, 4)
        target = torch.zeros(periods, 2, dtype=torch.uint8)
        bits = torch.randint(0, 2, (periods,), generator=generator)
        for block in range(self.seq_repetitions):
            start = block * self.seq_periods
            store = start + int(self.store_indices[index, block])
            recall = start + int(self.recall_indices[index, block])
            for period in range(start, start + self.seq_periods):
                if period != recall:
                    active[period, 0 if bits[period] else 1] = 1.0
            active[store, 2] = 1.0
            active[recall, 3] = 1.0
            target[recall, 0 if bits[store] else 1] = 1
        return active, target

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        if not -self.samples <= index < self.samples:
            raise IndexError(f"index {index} out of range for {self.samples} samples")
        generator = None
        if self.seed is not None:
            generator = torch.Generator().manual_seed(self.seed * 1_000_003 + index % self.samples)
        active, target = self._pattern(index % self.samples, generator)
        rates = active.repeat_interleave(self.seq_length, dim=0)
        rates = rates.repeat_interleave(self.population_size, dim=1)
        command_rate = self.poisson_rate // 2
        hz = torch.tensor([self.poisson_rate, self.poisson_rate, command_rate, command_rate])
        rates = rates * (hz * self.dt).repeat_interleave(self.population_size)
        spikes = torch.rand(rates.shape, generator=generator) < rates
        return spikes.float(), target
