"""Norse 1.x's TensorBoard hooks (``norse.torch.utils.tensorboard``).

Each ``hook_*(key, writer)`` returns a forward hook for a module whose output is
``(spikes, state)`` (every Norse neuron cell and sequence module); register it with
``module.register_forward_hook(hook)``. Each call of the module logs one value under ``key``
to ``writer`` (a :class:`torch.utils.tensorboard.SummaryWriter`, or anything with the same
``add_scalar`` / ``add_histogram`` / ``add_image`` methods) at a global step that counts the
module's calls, kept per hook kind on the module (attribute ``norse_hook_<kind>``).

Deliberate differences from Norse 1.x (bugs fixed): the activity hooks log scalars
(Norse 1.x's ``hook_spike_activity_mean`` called ``add_image`` with a scalar), the two
histogram hooks count their steps separately, values are detached, and
``hook_spike_image`` passes ``dataformats="HW"`` with the spikes as a 2-D image.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

__all__ = [
    "hook_spike_activity_mean",
    "hook_spike_activity_sum",
    "hook_spike_histogram_mean",
    "hook_spike_histogram_sum",
    "hook_spike_image",
]

Hook = Callable[[nn.Module, Any, Any], None]


def _hook(
    kind: str, log: Callable[[Any, Tensor, int], None], reduce: Callable[[Tensor], Tensor]
) -> Hook:
    counter = f"norse_hook_{kind}"

    def hook(module: nn.Module, _inputs: Any, outputs: Any) -> None:
        if not (isinstance(outputs, tuple) and isinstance(outputs[0], Tensor)):
            raise TypeError(
                f"the {kind} hook expects a module returning (spikes, state), got "
                f"{type(outputs).__name__} from {type(module).__name__}"
            )
        step = getattr(module, counter, 0)
        log(reduce(outputs[0].detach()), step)
        setattr(module, counter, step + 1)

    return hook


def _image(spikes: Tensor) -> Tensor:
    return spikes.reshape(1, -1) if spikes.dim() < 2 else spikes.reshape(-1, spikes.shape[-1])


def hook_spike_activity_mean(key: str, writer: Any) -> Hook:
    """A hook logging the mean of the spike output, ``spikes.mean()``, as a scalar."""
    return _hook("spike_activity_mean", lambda v, s: writer.add_scalar(key, v, s), torch.mean)


def hook_spike_activity_sum(key: str, writer: Any) -> Hook:
    """A hook logging the number of spikes, ``spikes.sum()``, as a scalar."""
    return _hook("spike_activity_sum", lambda v, s: writer.add_scalar(key, v, s), torch.sum)


def hook_spike_histogram_mean(key: str, writer: Any) -> Hook:
    """A hook adding ``spikes.mean()`` to a histogram (``writer.add_histogram``)."""
    return _hook("spike_histogram_mean", lambda v, s: writer.add_histogram(key, v, s), torch.mean)


def hook_spike_histogram_sum(key: str, writer: Any) -> Hook:
    """A hook adding ``spikes.sum()`` to a histogram (``writer.add_histogram``)."""
    return _hook("spike_histogram_sum", lambda v, s: writer.add_histogram(key, v, s), torch.sum)


def hook_spike_image(key: str, writer: Any) -> Hook:
    """A hook logging the spike output as a grey image (``writer.add_image``, ``"HW"``).

    ``(N,)`` becomes one row, ``(B, N)`` B rows, more dimensions are flattened to
    ``(-1, last)``.
    """
    return _hook(
        "spike_image",
        lambda v, s: writer.add_image(key, v, s, dataformats="HW"),
        _image,
    )
