r"""Spatial and temporal receptive fields from scale-space theory (Norse 1.x's
``norse.torch.functional.receptive_field``).

A spatial receptive field is an (anisotropic) Gaussian on a ``size x size`` grid, optionally
differentiated along its orientation (Lindeberg, "Normative theory of visual receptive
fields", 2021). A field has five parameters, the rows of ``rf_parameters``:
``(scale, angle, ratio, dx, dy)``.

- The covariance is :math:`\Sigma = s\, R(\phi) \operatorname{diag}(r^2, r^{-2}) R(\phi)^T`
  for scale :math:`s > 0`, angle :math:`\phi` (radians) and ratio :math:`r \ne 0`
  (:math:`r = 1`: circular; :math:`|r| > 1`: elongated along the angle).
- The field is the Gaussian sampled on ``linspace(-domain, domain, size)`` in both axes
  (``x`` along columns, ``y`` along rows) and normalised to sum 1:
  :math:`g(x) \propto \exp(-\tfrac12 x^T \Sigma^{-1} x)`.
- It is then differentiated ``dx`` times at the angle :math:`\phi` and ``dy`` times at
  :math:`\phi + \pi/2` (alternately, ``dx`` first), each time with the directional finite
  difference :math:`D_\phi g = \cos\phi\, \partial_0 g + \sin\phi\, \partial_1 g`
  (``torch.gradient``: central differences inside, one-sided at the border; axis 0 is the
  row axis) and multiplied by the scale normalisation :func:`calculate_normalization`
  (``s`` for :math:`\gamma = 1`).

Temporal scales (:func:`temporal_scale_distribution`) follow Lindeberg 2016,
"Time-causal and time-recursive spatio-temporal receptive fields".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = [
    "gaussian_kernel",
    "spatial_receptive_field",
    "spatial_receptive_fields_with_derivatives",
]

Derivatives = int | Sequence[tuple[int, int]] | Tensor


def _float_tensors(*values) -> list[Tensor]:
    """The values as tensors of one floating dtype (the promoted one, or the default)."""
    tensors = [torch.as_tensor(v) for v in values]
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    if not dtype.is_floating_point:
        dtype = torch.get_default_dtype()
    device = next((t.device for t in values if isinstance(t, Tensor)), None)
    return [t.to(dtype=dtype, device=device) for t in tensors]


def _check_size(size: int, name: str = "size", minimum: int = 1) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or size < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {size!r}")


def _orders(value, name: str) -> Tensor:
    """Derivative orders as int64: rounded to the nearest whole number (so that an order
    that drifted, e.g. under weight decay, stays the order it was), checked to be >= 0."""
    t = torch.as_tensor(value).detach()
    if t.is_floating_point():
        if not torch.isfinite(t).all():
            raise ValueError(f"{name} must be finite derivative orders, got {value!r}")
        t = t.round()
    if (t < 0).any():
        raise ValueError(f"{name} must be derivative orders >= 0, got {value!r}")
    return t.long()


def gaussian_kernel(size: int, c: Tensor, domain: float = 8) -> Tensor:
    r"""A ``size x size`` Gaussian density with covariance ``c`` (differentiable in ``c``).

    .. math::
        k(x) = \frac{1}{2\pi\sqrt{\det c}} \exp\left(-\tfrac12 x^T c^{-1} x\right)

    sampled at ``x = (u, v)`` with ``u`` (columns) and ``v`` (rows) in
    ``linspace(-domain, domain, size)``.

    Args:
        size: side of the kernel in pixels (>= 1).
        c: covariance, a positive-definite ``(2, 2)`` tensor, or ``(..., 2, 2)`` for a batch
            of kernels ``(..., size, size)``.
        domain: half-width of the sampled square (default 8: from -8 to 8), > 0.
    """
    _check_size(size)
    c = _float_tensors(c)[0]
    if c.dim() < 2 or c.shape[-2:] != (2, 2):
        raise ValueError(
            f"c must be a (2, 2) covariance matrix (or a batch of them), got {c.shape}"
        )
    if not domain > 0:
        raise ValueError(f"domain must be positive, got {domain!r}")
    det = torch.linalg.det(c)
    if not ((det > 0) & (c[..., 0, 0] > 0)).all():
        raise ValueError(f"c must be positive definite, got {c.detach()}")
    a = torch.linspace(-domain, domain, size, dtype=c.dtype, device=c.device)
    ys, xs = torch.meshgrid(a, a, indexing="ij")
    coo = torch.stack([xs, ys], dim=-1)
    quadratic = torch.einsum("ijm,...mk,ijk->...ij", coo, torch.linalg.inv(c), coo)
    fraction = 1 / (2 * math.pi * det.sqrt())
    return fraction[..., None, None] * torch.exp(-quadratic / 2)


def covariance_matrix(sigma1: Tensor, sigma2: Tensor, phi: Tensor) -> Tensor:
    r"""The 2-D covariance with standard deviations ``sigma1`` along the angle ``phi``
    (radians) and ``sigma2`` across it: :math:`R(\phi)\operatorname{diag}(\sigma_1^2,
    \sigma_2^2) R(\phi)^T`.

    Numbers or one-element tensors give a ``(2, 2)`` matrix (as Norse 1.x); tensors that
    broadcast to a shape ``S`` of more elements give a batch ``(*S, 2, 2)``.
    """
    sigma1, sigma2, phi = torch.broadcast_tensors(*_float_tensors(sigma1, sigma2, phi))
    l1, l2 = sigma1**2, sigma2**2
    cos, sin = phi.cos(), phi.sin()
    cxx = l1 * cos**2 + l2 * sin**2
    cxy = (l1 - l2) * cos * sin
    cyy = l1 * sin**2 + l2 * cos**2
    c = torch.stack([torch.stack([cxx, cxy], -1), torch.stack([cxy, cyy], -1)], -2)
    return c.reshape(2, 2) if phi.numel() == 1 else c


def derive_kernel(kernel: Tensor, angle: Tensor | float) -> Tensor:
    r"""The directional finite difference :math:`\cos\phi\,\partial_0 k + \sin\phi\,\partial_1
    k` of ``kernel`` (``(..., H, W)``, ``H, W >= 2``) at ``angle`` :math:`\phi` (radians; a
    number or a tensor of ``kernel``'s leading shape). :math:`\partial_0` differentiates along
    the rows (axis ``-2``), :math:`\partial_1` along the columns, as ``torch.gradient`` with
    unit spacing."""
    if kernel.dim() < 2 or min(kernel.shape[-2:]) < 2:
        raise ValueError(f"kernel must be (..., H, W) with H, W >= 2, got {tuple(kernel.shape)}")
    angle = torch.as_tensor(angle, dtype=kernel.dtype, device=kernel.device)
    angle = angle.reshape(*angle.shape, 1, 1)
    grad0 = torch.gradient(kernel, dim=-2)[0]
    grad1 = torch.gradient(kernel, dim=-1)[0]
    return grad0 * angle.cos() + grad1 * angle.sin()


def calculate_normalization(dx: int, scale: Tensor | float, gamma: float = 1) -> Tensor | float:
    r"""Scale normalisation of a ``dx``-th directional derivative (Lindeberg 1998, "Feature
    detection with automatic scale selection", eq. 20), as Norse 1.x computes it:
    :math:`s^{d_x (1 - \gamma)}\, t^{\gamma/2}` with :math:`t = s^2` (``s`` for ``gamma=1``).
    The fields apply it once per derivative, giving :math:`s^{d_x + d_y}` in total."""
    t = scale**2
    return scale ** (dx * (1 - gamma)) * t ** (gamma / 2)


def _derive_fields(fields: Tensor, scales: Tensor, angles: Tensor, dx: Tensor, dy: Tensor):
    """Differentiate each field ``(n, H, W)`` ``dx[i]`` times at ``angles[i]`` and ``dy[i]``
    times at ``angles[i] + pi/2`` (alternately, x first), each time times the normalisation."""
    norm = calculate_normalization(1, scales[:, None, None], 1)
    for i in range(int(torch.maximum(dx, dy).max()) if len(dx) else 0):
        derived = derive_kernel(fields, angles) * norm
        fields = torch.where((dx > i)[:, None, None], derived, fields)
        derived = derive_kernel(fields, angles + math.pi / 2) * norm
        fields = torch.where((dy > i)[:, None, None], derived, fields)
    return fields


def derive_spatial_receptive_field_single(
    field: Tensor, scale: Tensor | float, angle: Tensor | float, dx: int, dy: int
) -> Tensor:
    """Differentiate one field ``(H, W)``: ``dx`` times at ``angle`` and ``dy`` times at
    ``angle + pi/2`` (alternately, x first), each derivative times
    ``calculate_normalization(1, scale)`` (module docstring)."""
    scale, angle = _float_tensors(scale, angle)
    dx_, dy_ = _orders(dx, "dx").reshape(1), _orders(dy, "dy").reshape(1)
    fields = _derive_fields(field[None], scale.reshape(1), angle.reshape(1), dx_, dy_)
    return fields[0]


def derive_spatial_receptive_field(
    field: Tensor, scale: Tensor | float, angle: Tensor | float, derivatives: list[tuple[int, int]]
) -> Tensor:
    """``(len(derivatives), H, W)``: the field ``(H, W)`` differentiated for each ``(dx, dy)``
    of ``derivatives`` (:func:`derive_spatial_receptive_field_single`)."""
    return torch.stack(
        [
            derive_spatial_receptive_field_single(field, scale, angle, dx, dy)
            for dx, dy in derivatives
        ]
    )


def _fields(scales, angles, ratios, dx, dy, size: int, domain: float) -> Tensor:
    """The fields ``(n, size, size)`` of 1-D parameter tensors of length ``n``."""
    _check_size(size)
    if not (scales > 0).all():
        raise ValueError(f"scale must be positive, got {scales.detach()}")
    if not (ratios != 0).all():
        raise ValueError(f"ratio must be non-zero, got {ratios.detach()}")
    c = covariance_matrix(ratios, 1 / ratios, angles) * scales[:, None, None]
    k = gaussian_kernel(size, c, domain=domain)
    k = k / k.sum((-2, -1), keepdim=True)
    return _derive_fields(k, scales, angles, dx, dy)


def spatial_receptive_field(
    scale: Tensor | float,
    angle: Tensor | float,
    ratio: Tensor | float,
    size: int,
    dx: int = 0,
    dy: int = 0,
    domain: float = 10,
) -> Tensor:
    r"""One ``size x size`` receptive field (module docstring): the Gaussian of covariance
    ``scale * covariance_matrix(ratio, 1/ratio, angle)`` on ``[-domain, domain]^2``,
    normalised to sum 1, differentiated ``dx`` times at ``angle`` and ``dy`` times across it.

    Args:
        scale: variance scale ``s > 0``.
        angle: orientation in radians.
        ratio: eccentricity ``r != 0`` (standard deviations ``r`` and ``1/r`` before scaling).
        size: side in pixels. dx, dy: derivative orders >= 0 (rounded to whole numbers).
        domain: half-width of the sampled square (default 10).
    """
    scale, angle, ratio = _float_tensors(scale, angle, ratio)
    orders = [_orders(d, name).reshape(1) for d, name in ((dx, "dx"), (dy, "dy"))]
    one = [t.reshape(1) for t in (scale, angle, ratio)]
    return _fields(*one, *orders, size, domain)[0]


def _derivative_list(derivatives: Derivatives) -> list[tuple[int, int]]:
    """Norse's derivative spec as a list of ``(dx, dy)``: an int ``n`` means every pair with
    ``0 <= dx, dy <= n`` (``dx`` outer); a list of pairs or an ``(k, 2)`` tensor is taken as is."""
    if isinstance(derivatives, int) and not isinstance(derivatives, bool):
        if derivatives < 0:
            raise ValueError(f"derivatives must be >= 0, got {derivatives}")
        return [(x, y) for x in range(derivatives + 1) for y in range(derivatives + 1)]
    if isinstance(derivatives, Tensor):
        derivatives = derivatives.tolist()
    if not isinstance(derivatives, list | tuple) or not derivatives:
        raise ValueError(
            f"derivatives must be an int or a non-empty list of (dx, dy) pairs, got {derivatives!r}"
        )
    pairs = []
    for pair in derivatives:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f"derivatives must be (dx, dy) pairs, got {pair!r}")
        pairs.append(tuple(int(v) for v in _orders(list(pair), "derivatives").tolist()))
    return pairs


def spatial_parameters(
    scales: Tensor,
    angles: Tensor,
    ratios: Tensor,
    derivatives: Derivatives,
    include_replicas: bool = False,
) -> Tensor:
    """Every combination of ``scales x angles x ratios`` (1-D tensors) with every derivative
    pair: an ``(n, 5)`` tensor of rows ``(scale, angle, ratio, dx, dy)``, derivatives varying
    fastest, then ratios, angles, scales.

    ``derivatives``: an int ``n`` (all ``(dx, dy)`` with ``0 <= dx, dy <= n``), a list of
    ``(dx, dy)`` pairs or an ``(k, 2)`` tensor. Unless ``include_replicas``, combinations
    with ratio 1 (circular fields) come after all the others, as in Norse 1.x (none is
    dropped). Differentiable in ``scales``, ``angles`` and ``ratios``.
    """
    for name, t in (("scales", scales), ("angles", angles), ("ratios", ratios)):
        if not isinstance(t, Tensor) or t.dim() != 1:
            raise ValueError(f"{name} must be a 1-D tensor, got {t!r}")
    scales, angles, ratios = _float_tensors(scales, angles, ratios)
    if include_replicas or not (ratios == 1).any():
        parameters = torch.cartesian_prod(scales, angles, ratios)
    else:
        mask = ratios != 1
        parameters = torch.cat(
            [
                torch.cartesian_prod(scales, angles, ratios[mask]).reshape(-1, 3),
                torch.cartesian_prod(scales, angles, ratios[~mask]).reshape(-1, 3),
            ]
        )
    parameters = parameters.reshape(-1, 3)
    pairs = torch.tensor(_derivative_list(derivatives), dtype=scales.dtype, device=scales.device)
    return torch.cat(
        [parameters.repeat_interleave(len(pairs), 0), pairs.repeat(len(parameters), 1)], 1
    )


def spatial_receptive_fields_with_derivatives(
    combinations: Tensor, size: int, domain: float = 1
) -> Tensor:
    """The fields ``(n, size, size)`` of ``combinations``, an ``(n, 5)`` tensor of rows
    ``(scale, angle, ratio, dx, dy)`` (:func:`spatial_parameters`), each as
    :func:`spatial_receptive_field` (but with ``domain`` default 1), computed together.
    Differentiable in the first three columns."""
    if (
        not isinstance(combinations, Tensor)
        or combinations.dim() != 2
        or combinations.shape[1] != 5
    ):
        shape = tuple(combinations.shape) if isinstance(combinations, Tensor) else combinations
        raise ValueError(
            f"combinations must be an (n, 5) tensor of (scale, angle, ratio, dx, dy), got {shape}"
        )
    combinations = _float_tensors(combinations)[0]
    scales, angles, ratios = combinations[:, 0], combinations[:, 1], combinations[:, 2]
    dx = _orders(combinations[:, 3], "combinations[:, 3] (dx)")
    dy = _orders(combinations[:, 4], "combinations[:, 4] (dy)")
    return _fields(scales, angles, ratios, dx, dy, size, domain)


def temporal_scale_distribution(
    n_scales: int,
    min_scale: float = 1,
    max_scale: float | None = None,
    c: float | None = 1.41421,
) -> Tensor:
    r"""``n_scales`` temporal scales :math:`\sqrt{\tau_k}`, :math:`k = 1..K`, with the
    variances :math:`\tau_k` spaced geometrically (Lindeberg 2016):

    .. math::
        \tau_k = \tau_{min}\, c^{2(k-1)}

    so consecutive variances have the ratio :math:`c^2`. With ``max_scale`` the ratio is
    chosen so that :math:`\tau_1 = \tau_{min}` and :math:`\tau_K = \tau_{max}` (``c`` is
    ignored): :math:`\tau_k = \tau_{min} (\tau_{max}/\tau_{min})^{(k-1)/(K-1)}`.

    Args:
        n_scales: number of scales ``K >= 1``.
        min_scale: smallest variance :math:`\tau_{min} > 0` (default 1).
        max_scale: largest variance (``>= min_scale``), or None (default) to use ``c``.
        c: base, > 0; Lindeberg recommends ``1 < c < 2`` (default :math:`\approx\sqrt 2`).

    Returns:
        ``(n_scales,)`` tensor of the default dtype, increasing.
    """
    _check_size(n_scales, "n_scales")
    if not min_scale > 0:
        raise ValueError(f"min_scale must be positive, got {min_scale!r}")
    k = torch.arange(n_scales, dtype=torch.get_default_dtype())
    if max_scale is not None:
        if not max_scale >= min_scale:
            raise ValueError(f"max_scale must be >= min_scale ({min_scale}), got {max_scale!r}")
        ratio = max_scale / min_scale
        taus = min_scale * ratio ** (k / max(n_scales - 1, 1))
    else:
        if c is None or not c > 0:
            raise ValueError(f"c must be positive when max_scale is None, got {c!r}")
        taus = min_scale * c ** (2 * k)
    return taus.sqrt()


def spatio_temporal_parameters(
    scales: Tensor,
    angles: Tensor,
    ratios: Tensor,
    derivatives: Derivatives,
    temporal_scales: Tensor,
    include_replicas: bool = False,
) -> Tensor:
    """Each row of :func:`spatial_parameters` with each of ``temporal_scales`` (1-D): an
    ``(n * m, 6)`` tensor of rows ``(scale, angle, ratio, dx, dy, temporal_scale)``, temporal
    scales varying fastest."""
    spatial = spatial_parameters(scales, angles, ratios, derivatives, include_replicas)
    if not isinstance(temporal_scales, Tensor) or temporal_scales.dim() != 1:
        raise ValueError(f"temporal_scales must be a 1-D tensor, got {temporal_scales!r}")
    temporal = temporal_scales.to(spatial.dtype)
    return torch.cat(
        [spatial.repeat_interleave(len(temporal), 0), temporal.repeat(len(spatial))[:, None]], 1
    )
