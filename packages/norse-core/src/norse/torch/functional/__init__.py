"""Functional (pure step-function) API of Norse: ``step(input, state, p, dt)``."""

import importlib
import types

# Each submodule lists its public names in __all__; this package re-exports them.
from norse.torch.functional.threshold import *  # noqa: F403
from norse.torch.functional.surrogate import *  # noqa: F403
from norse.torch.functional.reset import *  # noqa: F403
from norse.torch.functional.lif import *  # noqa: F403
from norse.torch.functional.lif_box import *  # noqa: F403
from norse.torch.functional.leaky_integrator import *  # noqa: F403
from norse.torch.functional.leaky_integrator_box import *  # noqa: F403
from norse.torch.functional.iaf import *  # noqa: F403
from norse.torch.functional.lif_ex import *  # noqa: F403
from norse.torch.functional.lif_adex import *  # noqa: F403
from norse.torch.functional.lif_refrac import *  # noqa: F403
from norse.torch.functional.lsnn import *  # noqa: F403
from norse.torch.functional.coba_lif import *  # noqa: F403
from norse.torch.functional.izhikevich import *  # noqa: F403
from norse.torch.functional.encode import *  # noqa: F403
from norse.torch.functional.decode import *  # noqa: F403
from norse.torch.functional.stdp import *  # noqa: F403
from norse.torch.functional.tsodyks_makram import *  # noqa: F403
from norse.torch.functional.regularization import *  # noqa: F403
from norse.torch.functional.lift import *  # noqa: F403
from norse.torch.functional.lif_adex_refrac import *  # noqa: F403
from norse.torch.functional.lif_mc import *  # noqa: F403
from norse.torch.functional.lif_mc_refrac import *  # noqa: F403
from norse.torch.functional.logical import *  # noqa: F403
from norse.torch.functional.stdp_sensor import *  # noqa: F403
from norse.torch.functional.adjoint import *  # noqa: F403
from norse.torch.functional.correlation_sensor import *  # noqa: F403
from norse.torch.functional.lif_correlation import *  # noqa: F403
from norse.torch.functional.receptive_field import *  # noqa: F403

_SUBMODULES = (
    "threshold",
    "surrogate",
    "reset",
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
    "stdp",
    "tsodyks_makram",
    "regularization",
    "lift",
    "lif_adex_refrac",
    "lif_mc",
    "lif_mc_refrac",
    "logical",
    "stdp_sensor",
    "adjoint",
    "correlation_sensor",
    "lif_correlation",
    "receptive_field",
)

__all__ = [n for m in _SUBMODULES for n in importlib.import_module(f"{__name__}.{m}").__all__]


class _CallableModule(types.ModuleType):
    """A submodule that is also its namesake function: ``norse.torch.functional.threshold``
    is the module (as in Norse 1.x, so ``import norse.torch.functional.threshold as th;
    th.HeaviTanh`` works) and calling it calls ``threshold.threshold``."""

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__name__.rpartition(".")[2])(*args, **kwargs)


# A submodule and a function share these names; the package attribute is the submodule.
for _name in ("threshold", "heaviside", "lift"):
    _module = importlib.import_module(f"{__name__}.{_name}")
    _module.__class__ = _CallableModule
    globals()[_name] = _module
