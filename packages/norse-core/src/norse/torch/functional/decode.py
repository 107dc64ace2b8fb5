"""Decoders: reduce spike (or voltage) sequences ``(T, B, ...)`` to predictions.

- :func:`sum_decode` / :func:`max_decode`: sum (spike count) or maximum over time;
- :func:`spikes_to_times_decode` (autograd function :class:`ToSpikeTimes`): the steps of
  the first ``k`` spikes of every element (first-spike-time decoding for ``k = 1``);
- :func:`exp_filter_step`: one step of an exponential (leaky) filter, used by the
  ``ExpFilter`` readout.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = [
    "ToSpikeTimes",
    "exp_filter_step",
    "max_decode",
    "spikes_to_times_decode",
    "sum_decode",
]


def _check_dimension(tensor: torch.Tensor, dimension: int) -> None:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    if not -tensor.dim() <= dimension < max(tensor.dim(), 1):
        raise ValueError(
            f"dimension must index one of the {tensor.dim()} dimensions of tensor "
            f"{tuple(tensor.shape)}, got {dimension}"
        )


def sum_decode(tensor: torch.Tensor, dimension: int = 0) -> torch.Tensor:
    """Sum over ``dimension`` (time by default): the spike count of a spike tensor.

    ``(T, B, ...)`` becomes ``(B, ...)``.
    """
    _check_dimension(tensor, dimension)
    return tensor.sum(dim=dimension)


def max_decode(tensor: torch.Tensor, dimension: int = 0) -> torch.Tensor:
    """Maximum over ``dimension`` (time by default), e.g. the peak voltage of a readout.

    ``(T, B, ...)`` becomes ``(B, ...)``; the gradient flows to the step of the maximum.
    """
    _check_dimension(tensor, dimension)
    return tensor.max(dim=dimension).values


class ToSpikeTimes(torch.autograd.Function):
    """Step indices of the first ``spike_count`` spikes of every element, along dim 0.

    Forward: ``spike_input`` ``(T, ...)`` (nonzero = spike) gives ``(k, ...)`` with ``k =
    min(spike_count, T)``: for each element its spike steps in ascending order, ``inf``
    where it spiked fewer than ``k`` times. The dtype is the input's if floating, else
    float32.

    Backward (a surrogate, as in Norse 1.x): the gradient of a returned spike step with
    respect to the spike that produced it is ``-1`` (a stronger spike comes earlier), and 0
    everywhere else.
    """

    @staticmethod
    def forward(ctx: Any, spike_input: torch.Tensor, spike_count: int) -> torch.Tensor:
        dtype = spike_input.dtype if spike_input.is_floating_point() else torch.float32
        steps = torch.arange(spike_input.shape[0], dtype=dtype, device=spike_input.device)
        steps = steps.view(-1, *([1] * (spike_input.dim() - 1)))
        inf = torch.tensor(float("inf"), dtype=dtype, device=spike_input.device)
        indexed = torch.where(spike_input != 0, steps, inf)
        first = torch.sort(indexed, dim=0).values[: min(spike_count, spike_input.shape[0])]
        ctx.save_for_backward(first)
        ctx.input_shape = spike_input.shape
        ctx.input_dtype = spike_input.dtype
        return first

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor | None, None]:
        (first,) = ctx.saved_tensors
        found = torch.isfinite(first)
        positions = torch.where(found, first, torch.zeros_like(first)).long()
        contribution = torch.where(found, -grad_output, torch.zeros_like(grad_output))
        grad_input = torch.zeros(ctx.input_shape, dtype=grad_output.dtype, device=first.device)
        grad_input.scatter_add_(0, positions, contribution)
        return grad_input.to(ctx.input_dtype), None


def spikes_to_times_decode(
    spike_input: torch.Tensor,
    spike_count: int | torch.Tensor = 1,
    convert_indices_to_times: bool = True,
    dt: float = 1e-3,
) -> torch.Tensor:
    """Times of the first ``spike_count`` spikes of every element (see :class:`ToSpikeTimes`).

    Parameters:
        spike_input: spikes ``(T, ...)``, at least 1-D; nonzero means a spike.
        spike_count: how many spikes to return per element (>= 1).
        convert_indices_to_times: multiply the step indices by ``dt`` (seconds).
        dt: time step in seconds.

    Returns:
        ``(min(spike_count, T), ...)``: ascending spike steps (or times), ``inf`` where an
        element spiked fewer times.
    """
    if not isinstance(spike_input, torch.Tensor) or spike_input.dim() < 1:
        raise ValueError(
            "spike_input must be a tensor with a time dimension (T, ...), got "
            f"{getattr(spike_input, 'shape', type(spike_input).__name__)}"
        )
    count = int(spike_count)
    if count < 1:
        raise ValueError(f"spike_count must be >= 1, got {spike_count!r}")
    indices = ToSpikeTimes.apply(spike_input, count)
    return indices * dt if convert_indices_to_times else indices


def exp_filter_step(
    previous: torch.Tensor, current: torch.Tensor, parameter: float | torch.Tensor
) -> torch.Tensor:
    """One step of an exponential filter: ``out_t = parameter * out_{t-1} + x_t``.

    ``parameter`` is the per-step decay, ``exp(-dt * tau_filter_inv)``.
    """
    return parameter * previous + current
