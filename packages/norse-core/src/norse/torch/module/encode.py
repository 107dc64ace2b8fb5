"""Encoder modules: thin wrappers of :mod:`norse.torch.functional.encode`.

Each maps ``(B, ...)`` data to a spike sequence ``(T, B, ...)`` (the ``*Step`` modules to a
single step ``(B, ...)``) and keeps the input's dtype and device. They hold no state and
no parameters, so they can open a ``SequentialState``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from norse.hookspecs import EncoderSpec
from norse.torch.functional import encode
from norse.torch.functional.lif import LIFParameters

__all__ = [
    "ConstantCurrentLIFEncoder",
    "PoissonEncoder",
    "PoissonEncoderStep",
    "PopulationEncoder",
    "SignedPoissonEncoder",
    "SignedPoissonEncoderStep",
    "SpikeLatencyEncoder",
    "SpikeLatencyLIFEncoder",
]


class _Train(torch.nn.Module):
    """The arguments of the Poisson encoders: ``seq_length``, ``f_max`` (Hz, default 100),
    ``dt`` (s, default 0.001) and ``generator`` (None: the global generator)."""

    def __init__(
        self,
        seq_length: int,
        f_max: float = 100,
        dt: float = 0.001,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.seq_length = seq_length
        self.f_max = f_max
        self.dt = dt
        self.generator = generator

    def extra_repr(self) -> str:
        return f"seq_length={self.seq_length}, f_max={self.f_max}, dt={self.dt}"


class _Step(torch.nn.Module):
    """The arguments of the one-step Poisson encoders: ``f_max`` (Hz, default 1000, as in
    Norse 1.x), ``dt`` (s, default 0.001) and ``generator`` (None: the global generator)."""

    def __init__(
        self, f_max: float = 1000, dt: float = 0.001, generator: torch.Generator | None = None
    ) -> None:
        super().__init__()
        self.f_max = f_max
        self.dt = dt
        self.generator = generator

    def extra_repr(self) -> str:
        return f"f_max={self.f_max}, dt={self.dt}"


class _LIFTrain(torch.nn.Module):
    """The arguments of the LIF encoders: ``seq_length``, ``p`` (default ``LIFParameters()``)
    and ``dt`` (s, default 0.001)."""

    def __init__(
        self,
        seq_length: int,
        p: LIFParameters = LIFParameters(),  # noqa: B008 (immutable)
        dt: float = 0.001,
    ) -> None:
        super().__init__()
        self.seq_length = seq_length
        self.p = p
        self.dt = dt

    def extra_repr(self) -> str:
        return f"seq_length={self.seq_length}, p={self.p}, dt={self.dt}"


class PoissonEncoder(_Train):
    """Bernoulli spike trains with rate ``f_max * x`` for ``x`` in [0, 1]
    (:func:`~norse.torch.functional.encode.poisson_encode`).

    Parameters:
        seq_length: number of time steps ``T``.
        f_max: rate in Hz for ``x = 1`` (default 100).
        dt: time step in seconds (default 0.001).
        generator: optional ``torch.Generator`` (on the input's device) for reproducible
            spikes; None uses the global generator.

    Input ``(B, ...)`` in [0, 1]; output ``(T, B, ...)`` in {0, 1}.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encodes ``x`` into ``(seq_length, *x.shape)`` spikes."""
        return encode.poisson_encode(x, self.seq_length, self.f_max, self.dt, self.generator)


class PoissonEncoderStep(_Step):
    """One step of :class:`PoissonEncoder`: ``(B, ...)`` in [0, 1] to ``(B, ...)`` spikes.

    Parameters:
        f_max: rate in Hz for ``x = 1`` (default 1000, as in Norse 1.x; ``PoissonEncoder``:
            100).
        dt: time step in seconds (default 0.001).
        generator: optional ``torch.Generator`` on the input's device.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Draws one step of spikes for ``x``."""
        return encode.poisson_encode_step(x, self.f_max, self.dt, self.generator)


class SignedPoissonEncoder(_Train):
    """Signed spike trains in {-1, 0, 1} with rate ``f_max * |x|`` for ``x`` in [-1, 1]
    (:func:`~norse.torch.functional.encode.signed_poisson_encode`).

    Parameters:
        seq_length: number of time steps ``T``.
        f_max: rate in Hz for ``|x| = 1`` (default 100).
        dt: time step in seconds (default 0.001).
        generator: optional ``torch.Generator`` on the input's device.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encodes ``x`` into ``(seq_length, *x.shape)`` signed spikes."""
        return encode.signed_poisson_encode(x, self.seq_length, self.f_max, self.dt, self.generator)


class SignedPoissonEncoderStep(_Step):
    """One step of :class:`SignedPoissonEncoder` (default ``f_max`` 1000 Hz, as in Norse 1.x).

    Parameters:
        f_max: rate in Hz for ``|x| = 1``.
        dt: time step in seconds.
        generator: optional ``torch.Generator`` on the input's device.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Draws one step of signed spikes for ``x``."""
        return encode.signed_poisson_encode_step(x, self.f_max, self.dt, self.generator)


class PopulationEncoder(torch.nn.Module):
    """Population code with Gaussian tuning curves
    (:func:`~norse.torch.functional.encode.population_encode`).

    Parameters:
        out_features: neurons per input value.
        scale: largest tuning-curve centre; None uses the input's maximum.
        kernel: distance to activation (default Gaussian RBF).
        distance_function: ``distance(x, centres)`` (default squared difference).

    Input ``(B, ...)``; output ``(B, ..., out_features)`` activations (not spikes).
    """

    def __init__(
        self,
        out_features: int,
        scale: float | torch.Tensor | None = None,
        kernel: Callable[[torch.Tensor], torch.Tensor] = encode.gaussian_rbf,
        distance_function: Callable[
            [torch.Tensor, torch.Tensor], torch.Tensor
        ] = encode.euclidean_distance,
    ) -> None:
        super().__init__()
        self.out_features = out_features
        self.scale = scale
        self.kernel = kernel
        self.distance_function = distance_function

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns the tuning-curve activations of ``x``, shape ``(*x.shape, out_features)``."""
        return encode.population_encode(
            x, self.out_features, self.scale, self.kernel, self.distance_function
        )

    def extra_repr(self) -> str:
        return f"out_features={self.out_features}, scale={self.scale}"


class SpikeLatencyEncoder(torch.nn.Module):
    """Keeps only the first spike of every element along time
    (:func:`~norse.torch.functional.encode.spike_latency_encode`); ``(T, ...)`` to
    ``(T, ...)``."""

    def forward(self, input_spikes: torch.Tensor) -> torch.Tensor:
        """Removes every spike but the first of each element."""
        return encode.spike_latency_encode(input_spikes)


class ConstantCurrentLIFEncoder(_LIFTrain):
    """Spikes of a LIF neuron (no synapse, ``v`` from 0) driven by the input as a constant
    current (:func:`~norse.torch.functional.encode.constant_current_lif_encode`).

    Parameters:
        seq_length: number of time steps ``T``.
        p: LIF parameters (default ``LIFParameters()``).
        dt: time step in seconds (default 0.001).

    Input ``(B, ...)`` currents; output ``(T, B, ...)`` spikes.
    """

    def forward(self, input_currents: torch.Tensor) -> torch.Tensor:
        """Encodes constant currents into ``(seq_length, *input_currents.shape)`` spikes."""
        return encode.constant_current_lif_encode(input_currents, self.seq_length, self.p, self.dt)


class SpikeLatencyLIFEncoder(_LIFTrain):
    """Time-to-first-spike code: the first spike of :class:`ConstantCurrentLIFEncoder` only
    (:func:`~norse.torch.functional.encode.spike_latency_lif_encode`).

    Parameters:
        seq_length: number of time steps ``T``.
        p: LIF parameters (default ``LIFParameters()``).
        dt: time step in seconds (default 0.001).

    Input ``(B, ...)`` currents; output ``(T, B, ...)`` with at most one spike per element.
    """

    def forward(self, input_current: torch.Tensor) -> torch.Tensor:
        """Encodes constant currents into first-spike trains."""
        return encode.spike_latency_lif_encode(input_current, self.seq_length, self.p, self.dt)


ENCODER_SPECS: list[EncoderSpec] = [
    EncoderSpec(
        "constant_current_lif",
        "LIF spikes driven by a constant current",
        encode.constant_current_lif_encode,
        ConstantCurrentLIFEncoder,
    ),
    EncoderSpec(
        "poisson", "Bernoulli spikes at rate f_max*x", encode.poisson_encode, PoissonEncoder
    ),
    EncoderSpec(
        "poisson_step",
        "one step of Poisson spikes",
        encode.poisson_encode_step,
        PoissonEncoderStep,
    ),
    EncoderSpec(
        "signed_poisson",
        "signed spikes {-1,0,1} at rate f_max*|x|",
        encode.signed_poisson_encode,
        SignedPoissonEncoder,
    ),
    EncoderSpec(
        "signed_poisson_step",
        "one step of signed Poisson spikes",
        encode.signed_poisson_encode_step,
        SignedPoissonEncoderStep,
    ),
    EncoderSpec(
        "population",
        "Gaussian tuning-curve population code (activations)",
        encode.population_encode,
        PopulationEncoder,
    ),
    EncoderSpec(
        "spike_latency",
        "keep only the first spike of each element",
        encode.spike_latency_encode,
        SpikeLatencyEncoder,
    ),
    EncoderSpec(
        "spike_latency_lif",
        "first LIF spike of a constant current (latency code)",
        encode.spike_latency_lif_encode,
        SpikeLatencyLIFEncoder,
    ),
]
