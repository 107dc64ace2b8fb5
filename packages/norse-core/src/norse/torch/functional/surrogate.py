"""Closed-form pseudo-derivatives for surrogate-gradient training of spiking neurons.

A spiking neuron emits ``z = H(x)`` with ``x = v - v_th`` and ``H`` the Heaviside step
(``H(x) = 1`` for ``x > 0``, else 0). ``H`` has zero derivative almost everywhere, so the
backward pass replaces ``dz/dx`` by a smooth *pseudo-derivative* ``s(x; alpha)``. Each
function below computes one such ``s``; ``alpha`` is its sharpness (larger = narrower).

Each derivative is written once, as a surrogate expression
(:mod:`norse.torch.functional.surrogate_expression`): the functions below are generated from
it, and the fused kernels evaluate the same expression inline. Every derivative is finite, with a finite gradient, for every finite ``x`` (written without
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

from torch import Tensor

from norse.hookspecs import SurrogateSpec
from norse.torch.functional.surrogate_expression import derivative_function

__all__ = [
    "BUILTIN_SURROGATES",
    "atan_derivative",
    "circ_derivative",
    "fast_sigmoid_derivative",
    "from_expression",
    "heavi_erfc_derivative",
    "sigmoid_derivative",
    "straight_through_derivative",
    "super_derivative",
    "tanh_derivative",
    "triangle_derivative",
]

Alpha = float | Tensor


def from_expression(
    name: str, expression: str, default_alpha: float = 100.0, formula: str | None = None
) -> SurrogateSpec:
    """A :class:`~norse.hookspecs.SurrogateSpec` defined by one surrogate expression.

    Its ``derivative`` is generated from ``expression`` (see
    :mod:`norse.torch.functional.surrogate_expression`), and the fused kernels evaluate the
    same expression inline, so the surrogate is written once and runs fast everywhere::

        register(from_expression("lorentz", "1 / (1 + square(alpha * x))", 3.0))

    Raises:
        ValueError: ``expression`` is not a valid surrogate expression.
    """
    derivative = derivative_function(expression, f"{name}_derivative", default_alpha)
    return SurrogateSpec(name, derivative, formula or expression, default_alpha, expression)


def _builtin(name: str, expression: str, default_alpha: float, formula: str, doc: str):
    spec = from_expression(name, expression, default_alpha, formula)
    spec.derivative.__doc__ = doc
    spec.derivative.__module__ = __name__
    return spec


_SUPER = _builtin(
    "super",
    "1 / square(alpha * abs(x) + 1)",
    100.0,
    "1 / (alpha*|x| + 1)^2",
    """SuperSpike (Zenke & Ganguli 2018): ``s(x) = 1 / (alpha * |x| + 1)^2``.

    Peak 1 at ``x = 0``. Norse's default surrogate, with ``alpha`` honoured as in Norse's
    main branch (Norse 1.1.0 ignored ``alpha`` and used ``1 / (|x| + 1)^2``).
    """,
)
_TRIANGLE = _builtin(
    "triangle",
    "alpha * relu(1 - abs(x))",
    0.3,
    "alpha * relu(1 - |x|)",
    """Triangle: ``s(x) = alpha * relu(1 - |x|)`` (Norse's ``triangle``).

    Peak ``alpha`` at 0, zero for ``|x| >= 1``; ``alpha`` scales the height, not the width.
    """,
)
_TANH = _builtin(
    "tanh",
    "1 - square(tanh(alpha * x))",
    100.0,
    "1 - tanh(alpha*x)^2",
    """Hyperbolic tangent (Norse's ``tanh``): ``s(x) = 1 - tanh^2(alpha * x)``.

    Peak 1 at 0; this is ``2 / alpha`` times the derivative of ``1/2 + 1/2 tanh(alpha x)``.
    """,
)
_CIRC = _builtin(
    "circ",
    "1 / ((1 + square(x / alpha)) * sqrt(1 + square(x / alpha)))",
    100.0,
    "alpha^3 / (x^2 + alpha^2)^(3/2)",
    """Norse's ``circ``: ``s(x) = alpha^3 / (x^2 + alpha^2)^(3/2) = (1 + (x/alpha)^2)^(-3/2)``.

    Peak 1 at 0, half width about ``0.77 * alpha`` (``alpha`` is a width here). Computed in the
    second form, which cannot overflow.
    """,
)
_HEAVI_ERFC = _builtin(
    "heavi_erfc",
    f"{2.0 / math.sqrt(math.pi)!r} * exp(-square(alpha * x))",
    100.0,
    "2/sqrt(pi) * exp(-(alpha*x)^2)",
    """Norse's ``heavi_erfc``: ``s(x) = 2 / sqrt(pi) * exp(-(alpha * x)^2)``.

    Peak ``2 / sqrt(pi)`` at 0, width ``~1 / alpha`` (Norse's backward, whose height does not
    depend on ``alpha``).
    """,
)
_SIGMOID = _builtin(
    "sigmoid",
    "alpha * exp(-abs(alpha * x)) / square(1 + exp(-abs(alpha * x)))",
    5.0,
    "alpha * sigmoid(alpha*x) * sigmoid(-alpha*x)",
    """Logistic sigmoid: ``s(x) = alpha * sigma(alpha x) * sigma(-alpha x)``.

    The derivative of ``sigma(alpha x)`` (snnTorch's ``sigmoid``, SpikingJelly's
    ``Sigmoid``); integrates to 1, peak ``alpha / 4``. Evaluated as
    ``alpha e / (1 + e)^2`` with ``e = exp(-|alpha x|)``: one exponential (the compiled
    kernels evaluate the repeated subexpression once), never overflowing.
    """,
)
_ATAN = _builtin(
    "atan",
    f"(0.5 * alpha) / (1 + square({0.5 * math.pi!r} * alpha * x))",
    2.0,
    "(alpha/2) / (1 + (pi/2 * alpha * x)^2)",
    """Arc tangent: ``s(x) = (alpha / 2) / (1 + (pi/2 * alpha * x)^2)``.

    The derivative of ``1/2 + atan(pi/2 * alpha x) / pi`` (snnTorch's and SpikingJelly's
    ``ATan``); integrates to 1, peak ``alpha / 2``.
    """,
)
_FAST_SIGMOID = _builtin(
    "fast_sigmoid",
    "1 / square(alpha * abs(x) + 1)",
    25.0,
    "1 / (alpha*|x| + 1)^2",
    """Fast sigmoid (snnTorch's ``fast_sigmoid``, ``slope = alpha``): ``1 / (alpha |x| + 1)^2``.

    The same curve as SuperSpike, registered under snnTorch's name with snnTorch's default
    slope 25.
    """,
)
_STRAIGHT_THROUGH = _builtin(
    "straight_through",
    "1",
    1.0,
    "1",
    """Straight-through estimator: ``s(x) = 1`` everywhere (``alpha`` is ignored).""",
)

super_derivative = _SUPER.derivative
triangle_derivative = _TRIANGLE.derivative
tanh_derivative = _TANH.derivative
circ_derivative = _CIRC.derivative
heavi_erfc_derivative = _HEAVI_ERFC.derivative
sigmoid_derivative = _SIGMOID.derivative
atan_derivative = _ATAN.derivative
fast_sigmoid_derivative = _FAST_SIGMOID.derivative
straight_through_derivative = _STRAIGHT_THROUGH.derivative

BUILTIN_SURROGATES: list[SurrogateSpec] = [
    _SUPER,
    _TRIANGLE,
    _TANH,
    _CIRC,
    _HEAVI_ERFC,
    _SIGMOID,
    _ATAN,
    _FAST_SIGMOID,
    _STRAIGHT_THROUGH,
    SurrogateSpec("heaviside", None, "none (zero gradient almost everywhere)", 100.0),
]
"""The core's surrogates, registered under plugin name ``"norse"``; each (but the plain
Heaviside) is defined by its ``expression``, from which its ``derivative`` is generated."""
