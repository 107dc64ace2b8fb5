"""Norse 1.x's import path of :class:`ExpFilter` (linear layer plus exponential smoothing)."""

from norse.torch.module.decode import ExpFilter

__all__ = ["ExpFilter"]
