"""Shared helpers: every test draws with the Agg backend and checks the pixels it drew."""

import io
import os

import matplotlib

matplotlib.use("Agg")
# The pictures do not depend on which kernel runs a sequence; the pure-PyTorch reference
# spares each fresh environment the C++ kernel's first-time build (about a minute).
os.environ.setdefault("NORSE_KERNELS", "reference")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image

import norse.plugins


def png_pixels(fig, dpi=100) -> np.ndarray:
    """Render ``fig`` to PNG at ``dpi`` and return its RGB pixels ``(H, W, 3)``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


def inked_fraction(pixels: np.ndarray) -> float:
    """The fraction of pixels that are not (near) white."""
    return float((pixels.min(axis=2) < 200).mean())


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
