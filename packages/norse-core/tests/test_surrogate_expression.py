"""Surrogate expressions: checked, rendered for each backend, and run by the fused op.

The built-in surrogates' derivative functions are generated from their expressions; a plugin
surrogate defined by an expression runs on the fused C++ kernel, inline when the kernel has
it compiled in and through the precomputed derivative otherwise, with the gradients of the
step loop.
"""

from __future__ import annotations

import math

import pytest
import torch

import norse.torch as norse_torch
from norse import plugins
from norse.hookspecs import hookimpl
from norse.torch.functional.lif_box import LIFBoxParameters
from norse.torch.functional.surrogate import BUILTIN_SURROGATES, from_expression
from norse.torch.functional.surrogate_expression import (
    PYTHON_FUNCTIONS,
    derivative_function,
    parse,
    render,
)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("x ** 2", "operator Pow"),
        ("exp(-alpha) * x", "does not depend on x"),
        ("log(x)", "not one of the one-argument functions"),
        ("y + 1", "unknown name 'y'"),
        ("x if x else 1", "IfExp is not allowed"),
        ("'a'", "not a number"),
        ("1 +", "not valid"),
    ],
)
def test_parse_rejects_what_is_not_a_surrogate_expression(expression, message):
    with pytest.raises(ValueError, match=message):
        parse(expression)


def test_render_writes_every_operation_in_order():
    functions = {name: f"F_{name}({{0}})" for name in PYTHON_FUNCTIONS}
    text = render(
        "1 / square(alpha * abs(x) + 1)", functions, number=lambda c: f"T({c!r})", variables={}
    )
    assert text == "(T(1.0) / (F_square(((alpha * (F_abs(x))) + T(1.0)))))"


def test_builtin_derivatives_are_their_closed_forms():
    x = torch.linspace(-3, 3, 61, dtype=torch.float64)
    expected = {
        "super": lambda a: 1 / (a * x.abs() + 1) ** 2,
        "triangle": lambda a: a * torch.relu(1 - x.abs()),
        "tanh": lambda a: 1 - torch.tanh(a * x) ** 2,
        "circ": lambda a: a**3 / (x**2 + a**2) ** 1.5,
        "heavi_erfc": lambda a: 2 / math.sqrt(math.pi) * torch.exp(-((a * x) ** 2)),
        "sigmoid": lambda a: a * torch.sigmoid(a * x) * torch.sigmoid(-a * x),
        "atan": lambda a: (a / 2) / (1 + (math.pi / 2 * a * x) ** 2),
        "fast_sigmoid": lambda a: 1 / (a * x.abs() + 1) ** 2,
        "straight_through": lambda a: torch.ones_like(x),
    }
    for spec in BUILTIN_SURROGATES:
        if spec.derivative is None:
            assert spec.expression is None
            continue
        for alpha in (spec.default_alpha, 2.5, torch.tensor(0.7, dtype=torch.float64)):
            got = spec.derivative(x, alpha)
            torch.testing.assert_close(got, expected[spec.name](alpha), msg=spec.name)
            assert torch.equal(got, derivative_function(spec.expression)(x, alpha))


def test_sigmoid_is_one_exponential_that_never_overflows():
    # alpha e / (1 + e)^2 with e = exp(-|alpha x|): equal to alpha sigma(ax) sigma(-ax), and
    # finite (tending to 0) where exp(alpha x) overflows.
    spec = plugins.get("surrogates", "sigmoid")
    x = torch.tensor([-1e4, -50.0, -1.0, 0.0, 1e-3, 1.0, 50.0, 1e4], dtype=torch.float64)
    got = spec.derivative(x, 4.0)
    expected = 4.0 * torch.sigmoid(4.0 * x) * torch.sigmoid(-4.0 * x)
    torch.testing.assert_close(got, expected, rtol=1e-14, atol=0)
    assert got[0] == 0 and got[-1] == 0 and got[3] == 1.0
    x32 = torch.tensor([-1e30, 1e30, 0.0], dtype=torch.float32)
    assert torch.equal(spec.derivative(x32, 4.0), torch.tensor([0.0, 0.0, 1.0]))


def test_a_plugin_expression_runs_on_the_fused_op_with_the_loop_gradients():
    lorentz = "1 / (1 + square(alpha * x))"  # not a built-in: the C++ kernel lacks it

    class Plugin:
        @hookimpl
        def norse_register_surrogates(self, register):
            register(from_expression("test_expr_lorentz", lorentz, 3.0))
            register(from_expression("test_expr_super", BUILTIN_SURROGATES[0].expression, 3.0))

    name = plugins.register_plugin(Plugin(), "test_expression_surrogates")
    try:
        for method in ("test_expr_lorentz", "test_expr_super"):
            p = LIFBoxParameters(method=method, alpha=3.0, v_th=0.3)
            x = torch.rand(
                30, 2, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
            )
            grads = []
            for module in (norse_torch.LIFBox(p), norse_torch.LIFBox(p, record_states=True)):
                xi = x.clone().requires_grad_()
                z, _ = module(xi)  # record_states=True runs the step loop
                (z * torch.linspace(0, 1, 5, dtype=torch.float64)).sum().backward()
                grads.append(xi.grad)
            assert grads[0].abs().max() > 0
            torch.testing.assert_close(grads[0], grads[1], rtol=1e-10, atol=1e-12, msg=method)
    finally:
        plugins.unregister_plugin(name)
