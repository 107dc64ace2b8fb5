"""Norse 1.x's module path ``norse.torch.utils.tensorboard.tensorboard``: the hooks of
:mod:`norse.torch.utils.tensorboard`, imported from norse-viz (``pip install norse-viz``)."""

from norse.torch.utils.plot import load_plugin_module
from norse.torch.utils.tensorboard import __all__

globals().update(
    {name: getattr(load_plugin_module("norse_viz.tensorboard"), name) for name in __all__}
)
