"""Closed-form pseudo-derivatives for surrogate-gradient training of spiking neurons.

A spiking neuron emits ``z = H(x)`` with ``x = v - v_th`` and ``H`` the Heaviside step
(``H(x) = 1`` for ``x > 0``, else 0). ``H`` has zero derivative almost everywhere, so the
backward pass replaces ``dz/dx`` by a smooth *pseudo-derivative* ``s(x; alpha)``. Each
function below computes one such ``s``; ``alpha`` is its sharpness (larger = narrower).

Every derivative is finite, with a finite gradient, for every finite ``x`` (written without
``exp`` overflow or ``0 * inf``), and accepts ``alpha`` as a float or a tensor that
broadcasts against ``x``. They are collected as :class:`norse.hookspecs.SurrogateSpec` in
:data:`BUILTIN_SURROGATES`, which the core registers through the plugin hook
``norse_register_surrogates``; plugins add more with ``register(SurrogateSpec(...))`` and
they become usable as ``method=...`` everywhere (see :func:`norse.torch.functional.threshold`).

Where a formula matches a Norse 1.x, snnTorch or SpikingJelly surrogate, the name and scaling
follow that library (noted per function).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from norse.hookspecs import SurrogateSpec

__all__ = [
    "BUILTIN_SURROGATES",
    "atan_derivative",
    "circ_derivative",
    "fast_sigmoid_derivative",
    "heavi_erfc_derivative",
    "sigmoid_derivative",
    "straight_through_derivative",
    "super_derivative",
    "tanh_derivative",
    "triangle_derivative",
]

Alpha = float | Tensor


def super_derivative(x: Tensor, alpha: Alpha = 100.0) -> Tensor:
    """SuperSpike (Zenke & Ganguli 2018): ``s(x) = 1 / (alpha * |x| + 1)^2``.

    Peak 1 at ``x = 0``. Norse's default surrogate, with ``alpha`` honoured as in Norse's
    main branch (Norse 1.1.0 ignored ``alpha`` and used ``1 / (|x| + 1)^2``).
    """
    return (alpha * x.abs() + 1.0).reciprocal().square()


def triangle_derivative(x: Tensor, alpha: Alpha = 0.3) -> Tensor:
    """Triangle: ``s(x) = alpha * relu(1 - |x|)`` (Norse's ``triangle``).

    Peak ``alpha`` at 0, zero for ``|x| >= 1``; ``alpha`` scales the height, not the width.
    """
    return alpha * torch.relu(1.0 - x.abs())


def tanh_derivative(x: Tensor, alpha: Alpha = 100.0) -> Tensor:
    """Hyperbolic tangent (Norse's ``tanh``): ``s(x) = 1 - tanh^2(alpha * x)``.

    Peak 1 at 0; this is ``2 / alpha`` times the derivative of ``1/2 + 1/2 tanh(alpha x)``.
    """
    return 1.0 - torch.tanh(alpha * x).square()


def circ_derivative(x: Tensor, alpha: Alpha = 100.0) -> Tensor:
    """Norse's ``circ``: ``s(x) = alpha^3 / (x^2 + alpha^2)^(3/2) = (1 + (x/alpha)^2)^(-3/2)``.

    Peak 1 at 0, half width about ``0.77 * alpha`` (``alpha`` is a width here). Computed in the
    second form, which cannot overflow.
    """
    return (1.0 + (x / alpha).square()).pow(-1.5)


def heavi_erfc_derivative(x: Tensor, alpha: Alpha = 100.0) -> Tensor:
    """Norse's ``heavi_erfc``: ``s(x) = 2 / sqrt(pi) * exp(-(alpha * x)^2)``.

    Peak ``2 / sqrt(pi)`` at 0, width ``~1 / alpha`` (Norse's backward, whose height does not
    depend on ``alpha``).
    """
    return (2.0 / math.sqrt(math.pi)) * torch.exp(-(alpha * x).square())


def sigmoid_derivative(x: Tensor, alpha: Alpha = 5.0) -> Tensor:
    """Logistic sigmoid: ``s(x) = alpha * sigma(alpha x) * sigma(-alpha x)``.

    The derivative of ``sigma(alpha x)`` (snnTorch's ``sigmoid``, SpikingJelly's
    ``Sigmoid``); integrates to 1, peak ``alpha / 4``.
    """
    scaled = alpha * x
    return alpha * torch.sigmoid(scaled) * torch.sigmoid(-scaled)


def atan_derivative(x: Tensor, alpha: Alpha = 2.0) -> Tensor:
    """Arc tangent: ``s(x) = (alpha / 2) / (1 + (pi/2 * alpha * x)^2)``.

    The derivative of ``1/2 + atan(pi/2 * alpha x) / pi`` (snnTorch's and SpikingJelly's
    ``ATan``); integrates to 1, peak ``alpha / 2``.
    """
    return (0.5 * alpha) / (1.0 + (0.5 * math.pi * alpha * x).square())


def fast_sigmoid_derivative(x: Tensor, alpha: Alpha = 25.0) -> Tensor:
    """Fast sigmoid (snnTorch's ``fast_sigmoid``, ``slope = alpha``): ``1 / (alpha |x| + 1)^2``.

    The same curve as SuperSpike, registered under snnTorch's name with snnTorch's default
    slope 25.
    """
    return (alpha * x.abs() + 1.0).reciprocal().square()


def straight_through_derivative(x: Tensor, alpha: Alpha = 1.0) -> Tensor:
    """Straight-through estimator: ``s(x) = 1`` everywhere (``alpha`` is ignored)."""
    return torch.ones_like(x)


BUILTIN_SURROGATES: list[SurrogateSpec] = [
    SurrogateSpec("super", super_derivative, "1 / (alpha*|x| + 1)^2", 100.0),
    SurrogateSpec("triangle", triangle_derivative, "alpha * relu(1 - |x|)", 0.3),
    SurrogateSpec("tanh", tanh_derivative, "1 - tanh(alpha*x)^2", 100.0),
    SurrogateSpec("circ", circ_derivative, "alpha^3 / (x^2 + alpha^2)^(3/2)", 100.0),
    SurrogateSpec("heavi_erfc", heavi_erfc_derivative, "2/sqrt(pi) * exp(-(alpha*x)^2)", 100.0),
    SurrogateSpec(
        "sigmoid", sigmoid_derivative, "alpha * sigmoid(alpha*x) * sigmoid(-alpha*x)", 5.0
    ),
    SurrogateSpec("atan", atan_derivative, "(alpha/2) / (1 + (pi/2 * alpha * x)^2)", 2.0),
    SurrogateSpec("fast_sigmoid", fast_sigmoid_derivative, "1 / (alpha*|x| + 1)^2", 25.0),
    SurrogateSpec("straight_through", straight_through_derivative, "1", 1.0),
    SurrogateSpec("heaviside", None, "none (zero gradient almost everywhere)", 100.0),
]
"""The core's surrogates, registered under plugin name ``"norse"``."""
