"""Norse 1.x's TensorBoard hooks, implemented by the norse-viz plugin.

``hook_spike_activity_mean``, ``hook_spike_activity_sum``, ``hook_spike_histogram_mean``,
``hook_spike_histogram_sum`` and ``hook_spike_image`` resolve lazily to
:mod:`norse_viz.tensorboard` (also as ``norse.torch.hook_*`` and, as in Norse 1.x,
``norse.torch.utils.tensorboard.tensorboard.*``). Looking a name up without norse-viz
installed raises an ``ImportError`` that says ``pip install norse-viz``.
"""

from __future__ import annotations

from typing import Any

from norse.torch.utils.plot import load_plugin_module

__all__ = [
    "hook_spike_activity_mean",
    "hook_spike_activity_sum",
    "hook_spike_histogram_mean",
    "hook_spike_histogram_sum",
    "hook_spike_image",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(load_plugin_module("norse_viz.tensorboard"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
