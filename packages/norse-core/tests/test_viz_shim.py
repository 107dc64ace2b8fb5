"""The lazy Norse 1.x plot and TensorBoard names (implemented by norse-viz)."""

import importlib
import subprocess
import sys

import pytest

import norse.torch

PLOTS = [
    "plot_heatmap_2d",
    "plot_heatmap_3d",
    "plot_histogram_2d",
    "plot_izhikevich",
    "plot_neuron_states",
    "plot_scatter_3d",
    "plot_spikes_2d",
]
HOOKS = [
    "hook_spike_activity_mean",
    "hook_spike_activity_sum",
    "hook_spike_histogram_mean",
    "hook_spike_histogram_sum",
    "hook_spike_image",
]


@pytest.fixture
def without_norse_viz(monkeypatch):
    for name in ("norse_viz", "norse_viz.norse1", "norse_viz.tensorboard"):
        monkeypatch.setitem(sys.modules, name, None)  # makes `import norse_viz...` fail
    for name in ("norse.torch.utils.plot.plot", "norse.torch.utils.tensorboard.tensorboard"):
        monkeypatch.delitem(sys.modules, name, raising=False)


def test_importing_norse_torch_imports_no_matplotlib():
    code = "import sys, norse.torch, norse.torch.utils.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", PLOTS + HOOKS)
def test_names_without_norse_viz_say_how_to_install(without_norse_viz, name):
    with pytest.raises(ImportError, match="pip install norse-viz"):
        getattr(norse.torch, name)


def test_from_imports_without_norse_viz_say_how_to_install(without_norse_viz):
    with pytest.raises(ImportError, match="pip install norse-viz"):
        from norse.torch.utils.plot import plot_spikes_2d  # noqa: F401
    with pytest.raises(ImportError, match="pip install norse-viz"):
        from norse.torch.utils.tensorboard import hook_spike_image  # noqa: F401
    with pytest.raises(ImportError, match="pip install norse-viz"):
        importlib.import_module("norse.torch.utils.plot.plot")
    with pytest.raises(ImportError, match="pip install norse-viz"):
        importlib.import_module("norse.torch.utils.tensorboard.tensorboard")


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="plot_nothing"):
        norse.torch.plot_nothing  # noqa: B018
    with pytest.raises(AttributeError, match="plot_nothing"):
        norse.torch.utils.plot.plot_nothing  # noqa: B018


def test_star_import_works_without_norse_viz(without_norse_viz):
    namespace: dict = {}
    exec("from norse.torch import *", namespace)
    assert "LIF" in namespace and "plot_spikes_2d" not in namespace
