"""Encoders: turn values (pixel intensities, currents, measurements) into spike trains.

Every sequence encoder returns a time-major tensor ``(T, *input.shape)`` with ``T =
seq_length``; the ``*_step`` variants return one step, ``input.shape``. The output has the
input's dtype and device (Norse 1.x cast everything to ``float32`` and created the random
numbers of :func:`signed_poisson_encode` on the CPU; both are fixed here).

Time is in seconds: ``dt = 0.001`` is one millisecond and ``f_max`` is in Hertz.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch

from norse.torch.functional.lif import LIFParameters, lif_current_encoder

__all__ = [
    "constant_current_lif_encode",
    "euclidean_distance",
    "gaussian_rbf",
    "poisson_encode",
    "poisson_encode_step",
    "population_encode",
    "signed_poisson_encode",
    "signed_poisson_encode_step",
    "spike_latency_encode",
    "spike_latency_lif_encode",
]


def _check_floating(name: str, tensor: torch.Tensor) -> None:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise TypeError(
            f"{name} must have a floating-point dtype (the output keeps it), got {tensor.dtype}"
        )


def _check_seq_length(seq_length: int) -> None:
    if isinstance(seq_length, bool) or not isinstance(seq_length, int) or seq_length < 1:
        raise ValueError(f"seq_length must be a positive int, got {seq_length!r}")


def _check_dt(dt: float) -> None:
    if not dt > 0:
        raise ValueError(f"dt must be > 0 (seconds), got {dt!r}")


def _warn_outside(name: str, tensor: torch.Tensor, low: float, high: float) -> None:
    """Norse 1.x's Poisson encoders take any value and saturate; so do these, but say so."""
    if bool(torch.isnan(tensor).any()):
        raise ValueError(f"{name} contains NaN (a spike probability cannot be NaN)")
    if bool(((tensor < low) | (tensor > high)).any()):
        warnings.warn(
            f"{name} should lie in [{low}, {high}], got values in [{tensor.min().item()}, "
            f"{tensor.max().item()}]: the spike probability dt * f_max * |x| is clipped to "
            "[0, 1] (and is 0 for negative x in the unsigned encoders), as in Norse 1.x",
            stacklevel=4,
        )


def _spike_probability(
    input_values: torch.Tensor, f_max: float, dt: float, low: float
) -> torch.Tensor:
    """Validates a Poisson encoder's arguments and returns the spike probability per step,
    ``dt * f_max * x`` (unsigned, ``low = 0``) or ``dt * f_max * |x|`` (signed)."""
    _check_floating("input_values", input_values)
    _check_dt(dt)
    if not f_max * dt >= 0:
        raise ValueError(
            "f_max * dt is the spike probability per step at input 1 and must be >= 0, "
            f"got f_max={f_max!r}, dt={dt!r} (product {f_max * dt!r})"
        )
    if f_max * dt > 1:
        warnings.warn(
            f"f_max * dt = {f_max * dt!r} > 1 (f_max={f_max!r}, dt={dt!r}): every input above "
            f"{1 / (f_max * dt)!r} spikes at every step (the probability saturates at 1)",
            stacklevel=4,
        )
    _warn_outside("input_values", input_values, low, 1.0)
    magnitude = input_values.abs() if low < 0 else input_values
    return dt * f_max * magnitude


def _uniform(
    shape: tuple[int, ...], like: torch.Tensor, generator: torch.Generator | None
) -> torch.Tensor:
    """Uniform [0, 1) numbers on ``like``'s device, at least float32 precision."""
    if generator is not None and generator.device.type != like.device.type:
        raise ValueError(
            f"generator is on device {generator.device}, but input_values is on {like.device}; "
            "create the generator with torch.Generator(device=input_values.device)"
        )
    dtype = torch.promote_types(like.dtype, torch.float32)
    return torch.rand(shape, dtype=dtype, device=like.device, generator=generator)


def _bernoulli_spikes(
    input_values: torch.Tensor,
    steps: tuple[int, ...],
    f_max: float,
    dt: float,
    low: float,
    generator: torch.Generator | None,
) -> torch.Tensor:
    """``1`` where a uniform draw falls below ``dt * f_max * |x|``, else ``0``, for every
    element of ``input_values`` (values in ``[low, 1]``); shape ``(*steps, *x.shape)``."""
    probability = _spike_probability(input_values, f_max, dt, low)
    draws = _uniform((*steps, *input_values.shape), input_values, generator)
    return (draws < probability).to(input_values.dtype)


def poisson_encode(
    input_values: torch.Tensor,
    seq_length: int,
    f_max: float = 100,
    dt: float = 0.001,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Encodes values in [0, 1] as Bernoulli (discretised Poisson) spike trains.

    At every step and for every element, ``z = 1`` with probability ``p = dt * f_max * x``
    independently, so ``x = 1`` fires at ``f_max`` Hz on average.

    Parameters:
        input_values: floating-point tensor of any shape, values meant to lie in [0, 1]
            (outside: a warning; the probability is clipped to [0, 1], as in Norse 1.x).
        seq_length: number of time steps ``T``.
        f_max: rate in Hz for ``x = 1`` (default 100); ``f_max * dt`` >= 0 (above 1: a
            warning, the probability saturates).
        dt: time step in seconds (default 0.001).
        generator: a ``torch.Generator`` on the input's device for reproducible spikes;
            None uses the global generator (``torch.manual_seed``).

    Returns:
        spikes in {0, 1}, shape ``(seq_length, *input_values.shape)``, the input's dtype.
    """
    _check_seq_length(seq_length)
    return _bernoulli_spikes(input_values, (seq_length,), f_max, dt, 0.0, generator)


def poisson_encode_step(
    input_values: torch.Tensor,
    f_max: float = 1000,
    dt: float = 0.001,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """One step of :func:`poisson_encode`: ``z = 1`` with probability ``dt * f_max * x``.

    The default ``f_max`` is 1000 Hz, as in Norse 1.x (:func:`poisson_encode`: 100 Hz): with
    ``dt = 0.001`` the spike probability per step is ``x`` itself. Pass ``f_max=100`` to
    draw the steps of ``poisson_encode``'s default.

    Parameters:
        input_values: floating-point tensor of any shape, values meant to lie in [0, 1]
            (outside: a warning; the probability is clipped to [0, 1], as in Norse 1.x).
        f_max: rate in Hz for ``x = 1`` (default 1000); ``f_max * dt`` >= 0 (above 1: a
            warning, the probability saturates).
        dt: time step in seconds (default 0.001).
        generator: optional ``torch.Generator`` on the input's device.

    Returns:
        spikes in {0, 1}, the input's shape and dtype.
    """
    return _bernoulli_spikes(input_values, (), f_max, dt, 0.0, generator)


def signed_poisson_encode(
    input_values: torch.Tensor,
    seq_length: int,
    f_max: float = 100,
    dt: float = 0.001,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Encodes values in [-1, 1] as signed spike trains with values in {-1, 0, 1}.

    ``z = sign(x)`` with probability ``dt * f_max * |x|``, else 0, independently per step.

    Parameters:
        input_values: floating-point tensor of any shape, values meant to lie in [-1, 1]
            (outside: a warning; the probability is clipped to [0, 1], as in Norse 1.x).
        seq_length: number of time steps ``T``.
        f_max: rate in Hz for ``|x| = 1`` (default 100); ``f_max * dt`` >= 0 (above 1: a
            warning, the probability saturates).
        dt: time step in seconds (default 0.001).
        generator: optional ``torch.Generator`` on the input's device.

    Returns:
        spikes in {-1, 0, 1}, shape ``(seq_length, *input_values.shape)``, the input's
        dtype and device.
    """
    _check_seq_length(seq_length)
    spikes = _bernoulli_spikes(input_values, (seq_length,), f_max, dt, -1.0, generator)
    return torch.sign(input_values) * spikes


def signed_poisson_encode_step(
    input_values: torch.Tensor,
    f_max: float = 1000,
    dt: float = 0.001,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """One step of :func:`signed_poisson_encode` (default ``f_max`` 1000 Hz, as in Norse 1.x:
    with ``dt = 0.001`` the spike probability per step is ``|x|``).

    Parameters:
        input_values: floating-point tensor of any shape, values meant to lie in [-1, 1]
            (outside: a warning; the probability is clipped to [0, 1], as in Norse 1.x).
        f_max: rate in Hz for ``|x| = 1``; ``f_max * dt`` >= 0 (above 1: a
            warning, the probability saturates).
        dt: time step in seconds (default 0.001).
        generator: optional ``torch.Generator`` on the input's device.

    Returns:
        spikes in {-1, 0, 1}, the input's shape and dtype.
    """
    spikes = _bernoulli_spikes(input_values, (), f_max, dt, -1.0, generator)
    return torch.sign(input_values) * spikes


def gaussian_rbf(tensor: torch.Tensor, sigma: float = 1) -> torch.Tensor:
    """Gaussian radial basis kernel of a (squared) distance: ``exp(-d / (2 sigma^2))``."""
    return torch.exp(-tensor / (2 * sigma**2))


def euclidean_distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distance per element, ``(x - y)^2`` (no square root, as in Norse)."""
    return (x - y) ** 2


def population_encode(
    input_values: torch.Tensor,
    out_features: int,
    scale: float | torch.Tensor | None = None,
    kernel: Callable[[torch.Tensor], torch.Tensor] = gaussian_rbf,
    distance_function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = euclidean_distance,
) -> torch.Tensor:
    """Population code: each value is seen by ``out_features`` neurons with tuning curves.

    Neuron ``k`` has its centre at ``c_k = k * scale / (out_features - 1)`` (``linspace(0,
    scale, out_features)``) and responds ``kernel(distance_function(x, c_k) * scale)``; with
    the defaults that is ``exp(-(x - c_k)^2 * scale / 2)``. The result is activations, not
    spikes: feed them to :func:`poisson_encode` to get spikes.

    Parameters:
        input_values: floating-point tensor of any shape.
        out_features: number of neurons per value (>= 1).
        scale: the largest centre; None uses ``input_values.max()``. A tensor that broadcasts
            against ``input_values.shape + (1,)`` gives a scale per sample.
        kernel: maps a distance tensor to activations (default :func:`gaussian_rbf`).
        distance_function: ``distance(x, centres)`` (default :func:`euclidean_distance`).

    Returns:
        activations of shape ``(*input_values.shape, out_features)``, the input's dtype.

    Example: ``population_encode(torch.tensor([0., .5, 1.]), 3)`` gives
    ``[[1, .8825, .6065], [.8825, 1, .8825], [.6065, .8825, 1]]``.
    """
    _check_floating("input_values", input_values)
    if isinstance(out_features, bool) or not isinstance(out_features, int) or out_features < 1:
        raise ValueError(f"out_features must be a positive int, got {out_features!r}")
    if scale is None:
        scale = input_values.max()
    scale = torch.as_tensor(scale, dtype=input_values.dtype, device=input_values.device)
    steps = torch.linspace(0, 1, out_features, dtype=input_values.dtype, device=input_values.device)
    centres = steps * scale
    distances = distance_function(input_values.unsqueeze(-1), centres) * scale
    return kernel(distances)


def constant_current_lif_encode(
    input_current: torch.Tensor,
    seq_length: int,
    p: LIFParameters = LIFParameters(),  # noqa: B008 (immutable)
    dt: float = 0.001,
) -> torch.Tensor:
    """Spikes of a LIF neuron (no synaptic current) driven by a constant current.

    Starting from ``v = 0``, each step applies
    :func:`norse.torch.functional.lif.lif_current_encoder`:
    ``v += dt * tau_mem_inv * ((v_leak - v) + I)``, ``z = H(v - v_th)``, reset to
    ``v_reset`` on a spike.

    Parameters:
        input_current: constant current ``I``, floating point, any shape.
        seq_length: number of time steps ``T``.
        p: LIF parameters (``tau_mem_inv``, ``v_leak``, ``v_th``, ``v_reset``, ``method``).
        dt: time step in seconds.

    Returns:
        spikes of shape ``(seq_length, *input_current.shape)``, the input's dtype.
    """
    _check_floating("input_current", input_current)
    _check_seq_length(seq_length)
    _check_dt(dt)
    voltage = torch.zeros_like(input_current)
    spikes = []
    for _ in range(seq_length):
        z, voltage = lif_current_encoder(input_current, voltage, p, dt)
        spikes.append(z)
    return torch.stack(spikes).to(input_current.dtype)


def spike_latency_encode(input_spikes: torch.Tensor) -> torch.Tensor:
    """Keeps only the first spike of every element along time (dimension 0).

    A latency (time-to-first-spike) code: with constant inputs, stronger inputs spike first.

    Parameters:
        input_spikes: spikes of shape ``(T, ...)`` with at least 1 dimension.

    Returns:
        a tensor of the same shape and dtype, zero everywhere except at each element's
        first nonzero step.

    Example: ``[[0, 1, 1], [1, 1, 1]]`` gives ``[[0, 1, 1], [1, 0, 0]]``.
    """
    if not isinstance(input_spikes, torch.Tensor):
        raise TypeError(f"input_spikes must be a torch.Tensor, got {type(input_spikes).__name__}")
    if input_spikes.dim() < 1:
        raise ValueError("input_spikes must have a time dimension (T, ...), got a 0-d tensor")
    fired = input_spikes != 0
    # Steps at which an element has fired at least once, up to and including now.
    seen = torch.cumsum(fired.to(torch.int32), dim=0)
    first = fired & (seen == 1)
    return torch.where(first, input_spikes, torch.zeros_like(input_spikes))


def spike_latency_lif_encode(
    input_current: torch.Tensor,
    seq_length: int,
    p: LIFParameters = LIFParameters(),  # noqa: B008 (immutable)
    dt: float = 0.001,
) -> torch.Tensor:
    """Time-to-first-spike code of a constant current: :func:`constant_current_lif_encode`
    followed by :func:`spike_latency_encode` (a LIF with an infinite refractory period).

    Parameters:
        input_current: constant current, floating point, any shape.
        seq_length: number of time steps ``T``.
        p: LIF parameters.
        dt: time step in seconds.

    Returns:
        spikes of shape ``(seq_length, *input_current.shape)`` with at most one spike per
        element, the input's dtype.
    """
    return spike_latency_encode(constant_current_lif_encode(input_current, seq_length, p, dt))
