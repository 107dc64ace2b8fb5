"""Norse 1.x's import path of :class:`SpikesToTimesDecoder`."""

from norse.torch.module.decode import SpikesToTimesDecoder

__all__ = ["SpikesToTimesDecoder"]
