"""The NIR nodes without a core counterpart that carry time: ``Threshold`` and ``Delay``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

__all__ = ["DelayNode", "ThresholdNode"]


class ThresholdNode(nn.Module):
    """NIR ``Threshold``: ``z = Θ(x − threshold)`` elementwise (stateless).

    Spikes use the core's threshold function with the SuperSpike surrogate (``"super"``,
    ``alpha = 100``), as Norse's neurons do by default.
    """

    def __init__(self, threshold: Any):
        super().__init__()
        self.register_buffer("threshold", torch.as_tensor(np.asarray(threshold, np.float32)))

    def forward(self, x: Tensor) -> Tensor:
        from norse.torch.functional.threshold import threshold

        return threshold(x - self.threshold, "super", 100.0)


class DelayNode(nn.Module):
    """NIR ``Delay``: ``y(t) = x(t − delay)``, with per-element delays rounded to steps.

    Args:
        delay: delays in seconds, shape ``shape``; each must be a whole number of steps
            (within 1e-6 relative), else ``ValueError``.
        dt: the step in seconds.

    State: the last ``max_steps`` inputs, ``(max_steps, B, *shape)``, zeros at first.
    """

    nir_stateful = True

    def __init__(self, delay: Any, dt: float):
        super().__init__()
        steps = np.asarray(delay, dtype=np.float64) / dt
        rounded = np.round(steps)
        if np.any(np.abs(steps - rounded) > 1e-6 * np.maximum(1.0, rounded)):
            raise ValueError(
                f"delay must be a whole number of steps of dt={dt}, got delays {np.unique(delay)}"
            )
        self.register_buffer("steps", torch.as_tensor(rounded.astype(np.int64)))
        self.max_steps = int(rounded.max()) if rounded.size else 0

    def forward(self, x: Tensor, state: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if self.max_steps == 0:
            return x, torch.zeros((0, *x.shape), dtype=x.dtype, device=x.device)
        if state is None:
            state = torch.zeros((self.max_steps, *x.shape), dtype=x.dtype, device=x.device)
        history = torch.cat([x.unsqueeze(0), state])  # history[k] = x(t − k)
        index = self.steps.expand_as(x).unsqueeze(0)
        y = torch.gather(history, 0, index).squeeze(0)
        return y, history[:-1]
