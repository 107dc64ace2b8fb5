"""Norse 1.x's import path of :class:`LIFMCRefracRecurrentCell`."""

from norse.torch.module.lif_mc import LIFMCRefracRecurrentCell

__all__ = ["LIFMCRefracRecurrentCell"]
