"""Spike thresholds: Heaviside forward, registered surrogate gradient backward.

``threshold(x, method, alpha)`` returns ``H(x) = 1 if x > 0 else 0`` (in ``x``'s dtype) and,
in the backward pass, ``dL/dx = dL/dz * s(x; alpha)`` where ``s`` is the pseudo-derivative
that the surrogate registry holds under ``method`` (see
:mod:`norse.torch.functional.surrogate` and :func:`norse.plugins.surrogates`). ``alpha``
receives no gradient. ``method="heaviside"`` is the plain step with zero gradient.

All surrogates share one :class:`torch.autograd.Function`, :class:`SurrogateSpike`, that takes
the derivative as an argument, so ``torch.compile(fullgraph=True)`` traces ``threshold`` as a
single autograd function (the registry lookup is plain Python that Dynamo constant-folds).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from norse import plugins

__all__ = [
    "heavi_circ_fn",
    "heavi_erfc_fn",
    "heavi_tanh_fn",
    "heaviside",
    "super_fn",
    "threshold",
    "triangle_fn",
]

Derivative = Callable[[Tensor, "float | Tensor"], Tensor]


def heaviside(x: Tensor) -> Tensor:
    """Heaviside step ``H(x) = 1 if x > 0 else 0``, in ``x``'s dtype (zero gradient)."""
    return (x > 0).to(x.dtype)


class SurrogateSpike(torch.autograd.Function):
    """Heaviside forward; backward ``grad * derivative(x, alpha)`` (no gradient to ``alpha``).

    Called as ``SurrogateSpike.apply(x, alpha, derivative)``. One class serves every
    surrogate (the derivative is an argument), so ``torch.compile(fullgraph=True)`` traces it
    without creating classes. ``forward`` takes ``ctx`` itself (no separate
    ``setup_context``): with a ``setup_context``, every ``apply`` binds its arguments with
    ``inspect.signature``, which costs more than the rest of a small step.
    """

    @staticmethod
    def forward(ctx, x: Tensor, alpha: float | Tensor, derivative: Derivative) -> Tensor:
        ctx.derivative = derivative
        if isinstance(alpha, Tensor):
            ctx.save_for_backward(x, alpha)
            ctx.alpha = None
        else:
            ctx.save_for_backward(x)
            ctx.alpha = alpha
        return heaviside(x)

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, None, None]:
        if ctx.alpha is None:
            x, alpha = ctx.saved_tensors
        else:
            (x,) = ctx.saved_tensors
            alpha = ctx.alpha
        return grad_output * ctx.derivative(x, alpha), None, None


def threshold(x: Tensor, method: str = "super", alpha: float | Tensor | None = 100.0) -> Tensor:
    """Spike function: ``H(x)`` forward, the surrogate ``method``'s derivative backward.

    Args:
        x: the distance to threshold, ``v - v_th``, any shape, floating dtype.
        method: the name of a registered surrogate (``"super"``, ``"triangle"``, ``"tanh"``,
            ``"circ"``, ``"heavi_erfc"``, ``"sigmoid"``, ``"atan"``, ``"fast_sigmoid"``,
            ``"straight_through"``, ``"heaviside"`` or one added by a plugin).
        alpha: the surrogate's sharpness, a float or a tensor broadcastable to ``x``;
            None uses the surrogate's registered default.

    Returns:
        Spikes in ``{0, 1}``, same shape and dtype as ``x``.

    Raises:
        ValueError: if ``method`` is not registered (the message lists the registered names).
    """
    spec = plugins.get("surrogates", method)
    if spec.derivative is None:
        return heaviside(x)
    if alpha is None:
        alpha = spec.default_alpha
    return SurrogateSpike.apply(x, alpha, spec.derivative)


def super_fn(x: Tensor, alpha: float | Tensor = 100.0) -> Tensor:
    """SuperSpike threshold: ``H(x)`` forward, ``1 / (alpha |x| + 1)^2`` backward."""
    return threshold(x, "super", alpha)


def heavi_tanh_fn(x: Tensor, k: float | Tensor) -> Tensor:
    """Threshold with the ``tanh`` surrogate: ``1 - tanh^2(k x)`` backward."""
    return threshold(x, "tanh", k)


def heavi_erfc_fn(x: Tensor, k: float | Tensor) -> Tensor:
    """Threshold with the ``heavi_erfc`` surrogate: ``2/sqrt(pi) exp(-(k x)^2)`` backward."""
    return threshold(x, "heavi_erfc", k)


def heavi_circ_fn(x: Tensor, k: float | Tensor) -> Tensor:
    """Threshold with the ``circ`` surrogate: ``k^3 / (x^2 + k^2)^(3/2)`` backward."""
    return threshold(x, "circ", k)


def triangle_fn(x: Tensor, alpha: float | Tensor = 0.3) -> Tensor:
    """Threshold with the ``triangle`` surrogate: ``alpha * relu(1 - |x|)`` backward."""
    return threshold(x, "triangle", alpha)


# ---- Norse 1.x names: autograd classes, stochastic thresholds, sign (helper "parity")


class _Surrogate(torch.autograd.Function):
    """Base of Norse 1.x's per-surrogate autograd classes: ``Cls.apply(x, alpha)``.

    Forward ``H(x)``; backward ``grad * derivative(x, alpha)`` with the registered
    surrogate named by the subclass's ``method``.
    """

    method = "super"

    @staticmethod
    def forward(ctx, x: Tensor, alpha: float | Tensor) -> Tensor:
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return heaviside(x)

    @classmethod
    def backward(cls, ctx, grad_output: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        derivative = plugins.get("surrogates", cls.method).derivative
        return grad_output * derivative(x, ctx.alpha), None


class HeaviTanh(_Surrogate):
    """``HeaviTanh.apply(x, k)``: ``H(x)`` forward, ``1 - tanh^2(k x)`` backward."""

    method = "tanh"


class HeaviErfc(_Surrogate):
    """``HeaviErfc.apply(x, k)``: ``H(x)`` forward, ``2/sqrt(pi) exp(-(k x)^2)`` backward."""

    method = "heavi_erfc"


class HeaviCirc(_Surrogate):
    """``HeaviCirc.apply(x, alpha)``: ``H(x)`` forward, ``(1 + (x/alpha)^2)^(-3/2)`` backward."""

    method = "circ"


class Triangle(_Surrogate):
    """``Triangle.apply(x, alpha)``: ``H(x)`` forward, ``alpha * relu(1 - |x|)`` backward."""

    method = "triangle"


class Logistic(torch.autograd.Function):
    """``Logistic.apply(x, k)``: a stochastic threshold.

    Forward: a Bernoulli sample with probability ``1/2 + 1/2 tanh(k x)`` (uses the global
    random generator). Backward: ``grad * (1 - tanh^2(k x))``.
    """

    @staticmethod
    def forward(ctx, x: Tensor, k: float | Tensor) -> Tensor:
        ctx.save_for_backward(x)
        ctx.k = k
        return torch.bernoulli(0.5 + 0.5 * torch.tanh(k * x))

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad_output * (1.0 - torch.tanh(ctx.k * x).square()), None


class CircDist(torch.autograd.Function):
    """``CircDist.apply(x, alpha)``: a stochastic threshold.

    Forward: a Bernoulli sample with probability ``1/2 + 1/2 x / sqrt(x^2 + alpha^2)``.
    Backward: ``grad * (1 + (x/alpha)^2)^(-3/2)`` (the ``circ`` surrogate).
    """

    @staticmethod
    def forward(ctx, x: Tensor, alpha: float | Tensor) -> Tensor:
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return torch.bernoulli(0.5 + 0.5 * x * torch.rsqrt(x.square() + alpha**2))

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad_output * (1.0 + (x / ctx.alpha).square()).pow(-1.5), None


def logistic_fn(x: Tensor, k: float | Tensor) -> Tensor:
    """Stochastic threshold :class:`Logistic`: spikes with probability ``1/2 + 1/2 tanh(k x)``."""
    return Logistic.apply(x, k)


def circ_dist_fn(x: Tensor, k: float | Tensor) -> Tensor:
    """Stochastic threshold :class:`CircDist`: spikes with probability
    ``1/2 + 1/2 x / sqrt(x^2 + k^2)``."""
    return CircDist.apply(x, k)


def sign(x: Tensor, method: str = "super", alpha: float | Tensor | None = 100.0) -> Tensor:
    """``2 * threshold(x, method, alpha) - 1``: ``+1`` where ``x > 0``, else ``-1``."""
    return 2.0 * threshold(x, method, alpha) - 1.0


superspike_fn = super_fn
"""Norse 1.x's alias of :func:`super_fn`."""

# Exported from norse.torch as in Norse 1.x; the classes and sign stay at this module's path.
__all__ += ["circ_dist_fn", "logistic_fn"]
