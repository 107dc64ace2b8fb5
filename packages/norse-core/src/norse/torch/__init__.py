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
