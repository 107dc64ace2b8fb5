"""Norse 1.x's import path of :func:`heaviside` (``H(x) = 1 if x > 0 else 0``)."""

from norse.torch.functional.threshold import heaviside

__all__ = ["heaviside"]
