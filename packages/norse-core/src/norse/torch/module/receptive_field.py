r"""Receptive-field modules (Norse 1.x's ``norse.torch.module.receptive_field``).

Spatial receptive fields are 2-D convolutions whose kernels are the scale-space fields of
:mod:`norse.torch.functional.receptive_field` (Lindeberg, "Normative theory of visual
receptive fields", 2021; for spikes: Pedersen et al., "Translation and scale invariance for
event-based object tracking", 2023). Their parameters, rows ``(scale, angle, ratio, dx, dy)``,
can be trained: the kernels are a differentiable function of them.

- :class:`SpatialReceptiveField2d`: the rows are given (``rf_parameters``).
- :class:`SampledSpatialReceptiveField2d`: the rows are every combination of ``scales``,
  ``angles``, ``ratios`` and ``derivatives``; training updates those generating values.
- :class:`ParameterizedSpatialReceptiveField2d`: the same combinations, but each kernel's
  scale, angle and ratio are trained separately.
- :class:`TemporalReceptiveField`: leaky integrators at ``n_scales`` time scales.

The kernels are recomputed from the parameters in each forward pass while those train
(gradients enabled and a parameter requires them), otherwise computed once and reused until
the parameters change. ``weights`` gives the current ``conv2d`` weight.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import torch
from torch import Tensor

from norse.torch.functional.leaky_integrator_box import LIBoxParameters
from norse.torch.functional.receptive_field import (
    Derivatives,
    spatial_parameters,
    spatial_receptive_fields_with_derivatives,
    temporal_scale_distribution,
)
from norse.torch.module.leaky_integrator_box import LIBoxCell

__all__ = [
    "ParameterizedSpatialReceptiveField2d",
    "SampledSpatialReceptiveField2d",
    "SpatialReceptiveField2d",
    "TemporalReceptiveField",
]


def _float(t: Tensor, name: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{name} must be a tensor, got {type(t).__name__}")
    return t if t.is_floating_point() else t.to(torch.get_default_dtype())


class _ReceptiveField2d(torch.nn.Module):
    """Shared by the spatial modules: kernels from ``self.rf_parameters`` and the convolution."""

    def __init__(self, in_channels: int, size: int, aggregate: bool, domain: float, kwargs):
        super().__init__()
        for name, value in (("in_channels", in_channels), ("size", size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not domain > 0:
            raise ValueError(f"domain must be positive, got {domain!r}")
        self.in_channels = in_channels
        self.size = size
        self.aggregate = aggregate
        self.domain = domain
        self.kwargs = {"bias": None, **kwargs}
        self._cache: tuple[Tensor, Tensor] | None = None

    rf_parameters: Tensor

    @property
    def out_channels(self) -> int:
        """Output channels: one per field, times ``in_channels`` unless ``aggregate``."""
        n = self.rf_parameters.shape[0]
        return n if self.aggregate else n * self.in_channels

    def _weights(self, rf_parameters: Tensor) -> Tensor:
        fields = spatial_receptive_fields_with_derivatives(rf_parameters, self.size, self.domain)
        if self.aggregate:  # every field sums over all input channels
            return fields.unsqueeze(1).repeat(1, self.in_channels, 1, 1)
        # output channel i * n + k applies field k to input channel i only
        eye = torch.eye(self.in_channels, dtype=fields.dtype, device=fields.device)
        weights = eye[:, None, :, None, None] * fields[None, :, None]
        return weights.reshape(-1, self.in_channels, self.size, self.size)

    @property
    def weights(self) -> Tensor:
        """The ``conv2d`` weight ``(out_channels, in_channels, size, size)``.

        With ``aggregate`` each field is repeated over the input channels; otherwise output
        channel ``i * n_fields + k`` is field ``k`` on input channel ``i`` (zero elsewhere)."""
        rf_parameters = self.rf_parameters
        if torch.is_grad_enabled() and rf_parameters.requires_grad:
            return self._weights(rf_parameters)
        return self._cached_weights(rf_parameters.detach())

    def _cached_weights(self, key: Tensor) -> Tensor:
        """The weights of ``key`` (no gradient), reused while the parameters equal ``key``."""
        cached = self._cache
        if (
            cached is None
            or cached[0].shape != key.shape
            or cached[0].dtype != key.dtype
            or cached[0].device != key.device
            or not torch.equal(cached[0], key)
        ):
            with torch.no_grad():
                self._cache = cached = (key.clone(), self._weights(key))
        return cached[1]

    def forward(self, x: Tensor) -> Tensor:
        """``conv2d(x, weights, **kwargs)``: ``(B, in_channels, H, W)`` (or unbatched
        ``(in_channels, H, W)``) to ``(B, out_channels, H', W')``."""
        if not isinstance(x, Tensor) or x.dim() not in (3, 4) or x.shape[-3] != self.in_channels:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(
                f"input must be (B, {self.in_channels}, H, W) or ({self.in_channels}, H, W), "
                f"got {shape}"
            )
        return torch.nn.functional.conv2d(x, self.weights, **self.kwargs)

    def extra_repr(self) -> str:
        return (
            f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
            f"size={self.size}, aggregate={self.aggregate}, domain={self.domain}"
        )


def _register(module: torch.nn.Module, name: str, value: Tensor, trainable: bool) -> None:
    """A ``nn.Parameter`` if ``trainable``, else a buffer outside ``state_dict()`` (as Norse
    1.x, whose untrained tensors were plain attributes)."""
    if trainable:
        module.register_parameter(name, torch.nn.Parameter(value))
    else:
        module.register_buffer(name, value, persistent=False)


class SpatialReceptiveField2d(_ReceptiveField2d):
    r"""Receptive fields as a 2-D convolution, one kernel per row of ``rf_parameters``.

    Each row ``(scale, angle, ratio, dx, dy)`` gives the ``size x size`` kernel of
    :func:`~norse.torch.functional.receptive_field.spatial_receptive_fields_with_derivatives`
    (a Gaussian of covariance :math:`s R(\phi)\operatorname{diag}(r^2, r^{-2})R(\phi)^T`,
    sampled on ``[-domain, domain]^2``, normalised, differentiated ``dx`` times at
    :math:`\phi` and ``dy`` times at :math:`\phi + \pi/2`).

    Example::

        m = SpatialReceptiveField2d(1, 9, torch.tensor([[1.0, 1.0, 1.0, 0.0, 0.0]]))
        m.weights.shape                          # (1, 1, 9, 9)
        m(torch.zeros(1, 1, 9, 9)).shape         # (1, 1, 1, 1)

    Args:
        in_channels: input channels.
        size: kernel side in pixels.
        rf_parameters: ``(n, 5)`` rows ``(scale, angle, ratio, dx, dy)``; ``scale > 0``,
            ``ratio != 0``, ``dx, dy`` derivative orders ``>= 0``, rounded to whole numbers
            (they receive no gradient).
        aggregate: if True (default) each field sums over all input channels
            (``out_channels = n``); otherwise each field sees each input channel separately
            (``out_channels = n * in_channels``, output ``i * n + k``: field ``k`` on input ``i``).
        domain: half-width of the sampled square (default 8).
        optimize_fields: make ``rf_parameters`` an ``nn.Parameter`` (default True); otherwise
            a buffer outside ``state_dict()``.
        **kwargs: passed to ``torch.nn.functional.conv2d`` (``stride``, ``padding``, ...;
            ``bias`` defaults to None).
    """

    def __init__(
        self,
        in_channels: int,
        size: int,
        rf_parameters: Tensor,
        aggregate: bool = True,
        domain: float = 8,
        optimize_fields: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(in_channels, size, aggregate, domain, kwargs)
        rf_parameters = _float(rf_parameters, "rf_parameters")
        if rf_parameters.dim() != 2 or rf_parameters.shape[1] != 5:
            raise ValueError(
                "rf_parameters must be an (n, 5) tensor of (scale, angle, ratio, dx, dy), "
                f"got {tuple(rf_parameters.shape)}"
            )
        _register(self, "rf_parameters", rf_parameters, optimize_fields)
        self._cached_weights(rf_parameters.detach())  # checks the values now


class SampledSpatialReceptiveField2d(_ReceptiveField2d):
    """Receptive fields for every combination of ``scales``, ``angles``, ``ratios`` and
    ``derivatives``; training updates those generating values (shared by all kernels).

    ``rf_parameters`` is ``spatial_parameters(scales, angles, ratios, derivatives)``
    (:func:`~norse.torch.functional.receptive_field.spatial_parameters`: derivatives vary
    fastest, fields with ratio 1 last), recomputed from the current values.

    Example::

        m = SampledSpatialReceptiveField2d(
            1, 9, torch.tensor([1.0, 2.0]), torch.tensor([0.0, 1.0]),
            torch.tensor([0.5, 1.0]), derivatives=[(0, 0)], optimize_scales=False,
            optimize_angles=False,
        )
        m(torch.ones(1, 1, 9, 9)).shape         # (1, 8, 1, 1)

    Args:
        in_channels, size: as :class:`SpatialReceptiveField2d`.
        scales, angles, ratios: 1-D tensors of the generating values.
        derivatives: an int ``n`` (all ``(dx, dy)`` up to ``n``), a list of ``(dx, dy)``
            pairs or an ``(k, 2)`` tensor (never trained).
        optimize_scales, optimize_angles, optimize_ratios: make the values
            ``nn.Parameter``\\ s (default True); otherwise buffers outside ``state_dict()``.
        aggregate, domain, **kwargs: as :class:`SpatialReceptiveField2d`.
    """

    def __init__(
        self,
        in_channels: int,
        size: int,
        scales: Tensor,
        angles: Tensor,
        ratios: Tensor,
        derivatives: Derivatives,
        optimize_scales: bool = True,
        optimize_angles: bool = True,
        optimize_ratios: bool = True,
        *,
        aggregate: bool = True,
        domain: float = 8,
        **kwargs: Any,
    ) -> None:
        super().__init__(in_channels, size, aggregate, domain, kwargs)
        spatial_parameters(scales, angles, ratios, derivatives)  # checks the arguments
        _register(self, "scales", _float(scales, "scales"), optimize_scales)
        _register(self, "angles", _float(angles, "angles"), optimize_angles)
        _register(self, "ratios", _float(ratios, "ratios"), optimize_ratios)
        self.derivatives = derivatives
        self._cached_weights(self.rf_parameters.detach())  # checks the values now

    @property
    def rf_parameters(self) -> Tensor:
        """``(n, 5)`` rows ``(scale, angle, ratio, dx, dy)`` from the current values."""
        return spatial_parameters(self.scales, self.angles, self.ratios, self.derivatives)


class ParameterizedSpatialReceptiveField2d(_ReceptiveField2d):
    """Receptive fields for every combination of ``scales``, ``angles``, ``ratios`` and
    ``derivatives`` (as :class:`SampledSpatialReceptiveField2d`), where each kernel's scale,
    angle and ratio are trained separately.

    ``scales``, ``angles`` and ``ratios`` become ``(n,)`` tensors, one value per kernel (the
    columns of ``initial_parameters = spatial_parameters(...)``); ``rf_parameters`` joins
    them with the derivative columns.

    Args:
        in_channels, size, scales, angles, ratios, derivatives, optimize_*, aggregate,
        domain, **kwargs: as :class:`SampledSpatialReceptiveField2d`.
    """

    def __init__(
        self,
        in_channels: int,
        size: int,
        scales: Tensor,
        angles: Tensor,
        ratios: Tensor,
        derivatives: Derivatives,
        optimize_scales: bool = True,
        optimize_angles: bool = True,
        optimize_ratios: bool = True,
        *,
        aggregate: bool = True,
        domain: float = 8,
        **kwargs: Any,
    ) -> None:
        super().__init__(in_channels, size, aggregate, domain, kwargs)
        initial = spatial_parameters(scales, angles, ratios, derivatives).detach().clone()
        self.register_buffer("initial_parameters", initial, persistent=False)
        _register(self, "scales", initial[:, 0].clone(), optimize_scales)
        _register(self, "angles", initial[:, 1].clone(), optimize_angles)
        _register(self, "ratios", initial[:, 2].clone(), optimize_ratios)
        self._cached_weights(initial)  # checks the values now

    @property
    def rf_parameters(self) -> Tensor:
        """``(n, 5)`` rows ``(scale, angle, ratio, dx, dy)`` from the current values."""
        columns = torch.stack([self.scales, self.angles, self.ratios], 1)
        return torch.cat([columns, self.initial_parameters[:, 3:]], 1)


def _li_box_parameters(tau_mem_inv: Tensor) -> LIBoxParameters:
    """The default ``activation_state_map``: ``LIBoxParameters(tau_mem_inv=tau_mem_inv)``."""
    return LIBoxParameters(tau_mem_inv=tau_mem_inv)


class TemporalReceptiveField(torch.nn.Module):
    r"""Temporal receptive fields: ``n_scales`` leaky integrators per input element, one per
    time scale, for inputs of any shape ``(..., *shape)``.

    The input is repeated over a new scale dimension before ``shape`` and fed to
    ``activation`` (default :class:`~norse.torch.LIBoxCell`, :math:`\dot v =
    \tau^{-1}(v_{leak} - v + x)`) whose inverse time constants are the trainable
    ``ps`` ``(n_scales, shape[0], 1, ...)``. By default they are ``(1/dt) / sigma_k`` with
    the temporal scales ``sigma_k`` of
    :func:`~norse.torch.functional.receptive_field.temporal_scale_distribution`
    ``(n_scales, min_scale, max_scale, c)``.

    Args:
        shape: the input's trailing shape; ``shape[0]`` is the channel dimension.
        n_scales: number of time scales (default 4).
        activation: cell class called as ``activation(p=..., dt=dt)`` (default ``LIBoxCell``).
        activation_state_map: maps the time constants to the cell's parameters (default
            ``LIBoxParameters(tau_mem_inv=t)``); set it when changing ``activation``.
        min_scale, max_scale, c: passed to ``temporal_scale_distribution`` (defaults 1,
            None, 1.41421).
        time_constants: explicit ``(n_scales, ...)`` inverse time constants instead.
        dt: time step in s (default 0.001).

    ``forward(x, state=None) -> (y, state)`` with ``y`` of shape ``(..., n_scales, *shape)``.
    """

    def __init__(
        self,
        shape: torch.Size | tuple[int, ...],
        n_scales: int = 4,
        activation: Callable[..., torch.nn.Module] = LIBoxCell,
        activation_state_map: Callable[[Tensor], NamedTuple] = _li_box_parameters,
        min_scale: float = 1,
        max_scale: float | None = None,
        c: float = 1.41421,
        time_constants: Tensor | None = None,
        dt: float = 0.001,
    ) -> None:
        super().__init__()
        shape = tuple(shape)
        if not shape or not all(isinstance(s, int) and s > 0 for s in shape):
            raise ValueError(f"shape must be a non-empty tuple of positive sizes, got {shape!r}")
        if isinstance(n_scales, bool) or not isinstance(n_scales, int) or n_scales < 1:
            raise ValueError(f"n_scales must be a positive integer, got {n_scales!r}")
        if not dt > 0:
            raise ValueError(f"dt must be positive, got {dt!r}")
        if time_constants is None:
            scales = temporal_scale_distribution(n_scales, min_scale, max_scale, c)
            taus = ((1 / dt) / scales).to(torch.float32)
            time_constants = taus.reshape(-1, *[1] * len(shape)).repeat(
                1, shape[0], *[1] * (len(shape) - 1)
            )
        elif not isinstance(time_constants, Tensor) or time_constants.shape[:1] != (n_scales,):
            got = (
                tuple(time_constants.shape)
                if isinstance(time_constants, Tensor)
                else time_constants
            )
            raise ValueError(f"time_constants must have n_scales ({n_scales}) rows, got {got}")
        self.ps = torch.nn.Parameter(_float(time_constants, "time_constants"))
        self.neurons = activation(p=activation_state_map(self.ps), dt=dt)
        self.rf_dimension = len(shape)
        self.n_scales = n_scales
        self.shape = shape

    @property
    def time_constants(self) -> Tensor:
        """The current inverse time constants (``ps``)."""
        return self.ps

    def forward(self, x: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """Repeat ``x`` ``(..., *shape)`` over the scales and step the cells once."""
        if (
            not isinstance(x, Tensor)
            or x.dim() < self.rf_dimension
            or x.shape[-self.rf_dimension] != self.shape[0]
        ):
            got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"input must end in {self.shape} (channels first), got {got}")
        dim = x.dim() - self.rf_dimension
        repeated = x.unsqueeze(dim).expand(*x.shape[:dim], self.n_scales, *x.shape[dim:])
        return self.neurons(repeated, state)
