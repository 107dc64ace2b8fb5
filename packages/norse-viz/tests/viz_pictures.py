"""Picture checks shared by the tests: render a figure, measure how much it inked."""

import io

import numpy as np
from PIL import Image


def png_pixels(fig, dpi=100) -> np.ndarray:
    """Render ``fig`` to PNG at ``dpi`` and return its RGB pixels ``(H, W, 3)``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


def inked_fraction(pixels: np.ndarray) -> float:
    """The fraction of pixels that are not (near) white."""
    return float((pixels.min(axis=2) < 200).mean())
