"""Every test draws with the Agg backend; figures are closed after each test."""

import os

import matplotlib

matplotlib.use("Agg")
# The pictures do not depend on which kernel runs a sequence; the pure-PyTorch reference
# spares each fresh environment the C++ kernel's first-time build (about a minute).
os.environ.setdefault("NORSE_KERNELS", "reference")

import matplotlib.pyplot as plt
import pytest
import torch

import norse.plugins


@pytest.fixture(autouse=True)
def _close_figures():
    """Seed torch; close every figure a test opened."""
    torch.manual_seed(0)
    yield
    plt.close("all")


@pytest.fixture
def qif():
    """The example plugin's ``qif`` neuron, registered in-process if not installed."""
    if "qif" in norse.plugins.neurons():
        yield "qif"
        return
    import norse_plugin_example.plugin

    name = norse.plugins.register_plugin(norse_plugin_example.plugin, "norse_plugin_example")
    yield "qif"
    norse.plugins.unregister_plugin(name)
