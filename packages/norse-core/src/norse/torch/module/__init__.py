"""Module API of Norse: cells, sequence modules and containers."""

import importlib

# Each submodule lists its public names in __all__; this package re-exports them.
from norse.torch.module.snn import *  # noqa: F403
from norse.torch.module.lif import *  # noqa: F403
from norse.torch.module.lif_box import *  # noqa: F403
from norse.torch.module.leaky_integrator import *  # noqa: F403
from norse.torch.module.leaky_integrator_box import *  # noqa: F403
from norse.torch.module.iaf import *  # noqa: F403
from norse.torch.module.lif_ex import *  # noqa: F403
from norse.torch.module.lif_adex import *  # noqa: F403
from norse.torch.module.lif_refrac import *  # noqa: F403
from norse.torch.module.lsnn import *  # noqa: F403
from norse.torch.module.coba_lif import *  # noqa: F403
from norse.torch.module.izhikevich import *  # noqa: F403
from norse.torch.module.encode import *  # noqa: F403
from norse.torch.module.decode import *  # noqa: F403
from norse.torch.module.regularization import *  # noqa: F403
from norse.torch.module.sequential import *  # noqa: F403
from norse.torch.module.lift import *  # noqa: F403
from norse.torch.module.lif_adex_refrac import *  # noqa: F403
from norse.torch.module.lif_mc import *  # noqa: F403
from norse.torch.module.conv import *  # noqa: F403
from norse.torch.module.lif_correlation import *  # noqa: F403
from norse.torch.module.receptive_field import *  # noqa: F403

_SUBMODULES = (
    "snn",
    "lif",
    "lif_box",
    "leaky_integrator",
    "leaky_integrator_box",
    "iaf",
    "lif_ex",
    "lif_adex",
    "lif_refrac",
    "lsnn",
    "coba_lif",
    "izhikevich",
    "encode",
    "decode",
    "regularization",
    "sequential",
    "lift",
    "lif_adex_refrac",
    "lif_mc",
    "conv",
    "lif_correlation",
    "receptive_field",
)

__all__ = [n for m in _SUBMODULES for n in importlib.import_module(f"{__name__}.{m}").__all__]
