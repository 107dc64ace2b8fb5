"""Decoder and readout modules: ``(T, B, ...)`` sequences to predictions.

They hold no recurrent state (``forward(x)``), so each can be the last layer of a
``SequentialState``. The leaky-integrator readout itself is
:class:`norse.torch.module.leaky_integrator.LI` (registered here as the decoder ``"li"``):
``Linear -> LI -> MaxDecoder`` is Norse's usual classification readout.
"""

from __future__ import annotations

import math

import torch

from norse.hookspecs import DecoderSpec
from norse.torch.functional import decode
from norse.torch.functional.leaky_integrator import li_feed_forward_step
from norse.torch.module.leaky_integrator import LI

__all__ = ["ExpFilter", "MaxDecoder", "SpikesToTimesDecoder", "SumDecoder"]


class SumDecoder(torch.nn.Module):
    """Sum over time (dimension ``dim``, default 0): spike counts ``(T, B, ...) -> (B, ...)``."""

    def __init__(self, dim: int = 0) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns ``x.sum(dim)``."""
        return decode.sum_decode(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class MaxDecoder(torch.nn.Module):
    """Maximum over time (dimension ``dim``, default 0): ``(T, B, ...) -> (B, ...)``.

    The usual readout after a leaky integrator: ``LI`` voltages, then their maximum over
    time, then ``log_softmax``.
    """

    def __init__(self, dim: int = 0) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns ``x.max(dim).values``."""
        return decode.max_decode(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class SpikesToTimesDecoder(torch.nn.Module):
    """Times of the first ``spike_count`` spikes of every element
    (:func:`~norse.torch.functional.decode.spikes_to_times_decode`).

    Parameters:
        spike_count: spikes returned per element (default 1: first-spike time).
        convert_indices_to_times: return times (step index times ``dt``) rather than steps.
        dt: time step in seconds.

    Input ``(T, B, ...)``; output ``(min(spike_count, T), B, ...)``, ``inf`` where an element
    spiked fewer times. Gradient: ``-dt`` (or ``-1`` for indices) at each returned spike.
    """

    def __init__(
        self,
        spike_count: int | torch.Tensor = 1,
        convert_indices_to_times: bool = True,
        dt: float = 1e-3,
    ) -> None:
        super().__init__()
        if int(spike_count) < 1:
            raise ValueError(f"spike_count must be >= 1, got {spike_count!r}")
        self.spike_count = int(spike_count)
        self.convert_indices_to_times = convert_indices_to_times
        self.dt = dt

    def forward(self, spike_input: torch.Tensor) -> torch.Tensor:
        """Returns the first spike times (or steps) of ``spike_input``."""
        return decode.spikes_to_times_decode(
            spike_input, self.spike_count, self.convert_indices_to_times, self.dt
        )

    def extra_repr(self) -> str:
        return (
            f"spike_count={self.spike_count}, "
            f"convert_indices_to_times={self.convert_indices_to_times}, dt={self.dt}"
        )


class ExpFilter(torch.nn.Module):
    """A linear layer followed by an exponential (leaky) filter over time.

    ``y_t = W x_t + b``; ``out_0 = y_0``; ``out_t = exp(-dt * tau_filter_inv) * out_{t-1} + y_t``.

    Parameters:
        input_size: features of the input.
        output_size: features of the output.
        tau_filter_inv: inverse filter time constant in 1/s (default 1000).
        dt: time step in seconds (default 0.001).
        input_weights: optional initial weights ``(output_size, input_size)``.
        bias: whether the linear layer has a bias.

    Input ``(T, B, input_size)``; output ``(T, B, output_size)``.
    """

    def __init__(
        self,
        input_size: int,
        output_size: int,
        tau_filter_inv: float = 1e3,
        dt: float = 1e-3,
        input_weights: torch.Tensor | None = None,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if not dt > 0 or not tau_filter_inv >= 0:
            raise ValueError(
                f"dt must be > 0 and tau_filter_inv >= 0, got dt={dt!r}, "
                f"tau_filter_inv={tau_filter_inv!r}"
            )
        self.input_size = input_size
        self.output_size = output_size
        self.parameter = math.exp(-dt * tau_filter_inv)
        self.linear = torch.nn.Linear(input_size, output_size, bias=bias)
        if input_weights is not None:
            if input_weights.shape != self.linear.weight.shape:
                raise ValueError(
                    f"input_weights must have shape {tuple(self.linear.weight.shape)}, "
                    f"got {tuple(input_weights.shape)}"
                )
            with torch.no_grad():
                self.linear.weight.copy_(input_weights)

    def forward(self, input_tensor: torch.Tensor) -> torch.Tensor:
        """Filters ``(T, B, input_size)`` into ``(T, B, output_size)``."""
        if input_tensor.dim() < 2 or input_tensor.shape[-1] != self.input_size:
            raise ValueError(
                f"input_tensor must have shape (T, ..., {self.input_size}), "
                f"got {tuple(input_tensor.shape)}"
            )
        currents = self.linear(input_tensor)
        outputs = [currents[0]]
        for current in currents[1:]:
            outputs.append(decode.exp_filter_step(outputs[-1], current, self.parameter))
        return torch.stack(outputs)

    def extra_repr(self) -> str:
        return (
            f"input_size={self.input_size}, output_size={self.output_size}, "
            f"parameter={self.parameter}"
        )


DECODER_SPECS: list[DecoderSpec] = [
    DecoderSpec(
        "li",
        "leaky-integrator readout: membrane voltages over time (follow with max)",
        li_feed_forward_step,
        LI,
    ),
    DecoderSpec("sum", "sum over time (spike count)", decode.sum_decode, SumDecoder),
    DecoderSpec("max", "maximum over time", decode.max_decode, MaxDecoder),
    DecoderSpec(
        "spikes_to_times",
        "times of the first k spikes per element",
        decode.spikes_to_times_decode,
        SpikesToTimesDecoder,
    ),
    DecoderSpec(
        "exp_filter", "linear layer + exponential filter readout", decode.exp_filter_step, ExpFilter
    ),
]
