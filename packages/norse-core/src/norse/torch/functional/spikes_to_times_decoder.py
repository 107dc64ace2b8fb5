"""Norse 1.x's import path of :class:`ToSpikeTimes` (spike trains to spike-time indices)."""

from norse.torch.functional.decode import ToSpikeTimes, spikes_to_times_decode

__all__ = ["ToSpikeTimes", "spikes_to_times_decode"]
