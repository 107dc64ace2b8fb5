"""Norse 1.x's module path ``norse.torch.utils.plot.plot``: the names of
:mod:`norse.torch.utils.plot`, imported from norse-viz (``pip install norse-viz``)."""

from norse.torch.utils.plot import __all__, load_plugin_module

globals().update({name: getattr(load_plugin_module("norse_viz.norse1"), name) for name in __all__})
