"""Norse's public API: neuron models, surrogate gradients, encoders, plasticity, containers.

``import norse.torch as norse`` gives every functional and module name, as in Norse 1.x::

    import torch
    import norse.torch as norse

    spikes, state = norse.LIF()(torch.ones(10, 1, 2))
"""

from norse.torch import functional, module
from norse.torch._nir import from_nir, to_nir
from norse.torch.functional import *  # noqa: F403
from norse.torch.functional.lift import lift  # noqa: F401  (the function, not the submodule)
from norse.torch.functional.threshold import heaviside, threshold  # noqa: F401
from norse.torch.module import *  # noqa: F403

__all__ = [*functional.__all__, *module.__all__, "functional", "module", "from_nir", "to_nir"]

# Norse 1.x's plot_* and hook_spike_* names, implemented by norse-viz and resolved on first
# use (importing norse.torch never imports matplotlib); not in __all__, so that
# `from norse.torch import *` works without norse-viz.
_VIZ_NAMES = {
    **dict.fromkeys(
        (
            "plot_heatmap_2d",
            "plot_heatmap_3d",
            "plot_histogram_2d",
            "plot_izhikevich",
            "plot_neuron_states",
            "plot_scatter_3d",
            "plot_spikes_2d",
        ),
        "norse.torch.utils.plot",
    ),
    **dict.fromkeys(
        (
            "hook_spike_activity_mean",
            "hook_spike_activity_sum",
            "hook_spike_histogram_mean",
            "hook_spike_histogram_sum",
            "hook_spike_image",
        ),
        "norse.torch.utils.tensorboard",
    ),
}


def __getattr__(name: str):
    """Resolve Norse 1.x's plot and TensorBoard names lazily from norse-viz."""
    if name in _VIZ_NAMES:
        import importlib

        return getattr(importlib.import_module(_VIZ_NAMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
