"""Surrogate derivatives written once, as a small expression, and rendered for every backend.

A surrogate's derivative ``s(x; alpha)`` (``x = v - v_th``) is written as a Python-syntax
expression in the two variables ``x`` and ``alpha``, numbers, ``+ - * /``, unary minus and
the functions of :data:`FUNCTIONS`, for example SuperSpike's ``1 / square(alpha * abs(x) + 1)``.
From that one text :func:`derivative_function` generates the PyTorch function that the
registry and the step loops call, and :func:`render` writes the same arithmetic, operation for
operation, as source text of another language: the core's C++ kernel and norse-cuda's Triton
kernel evaluate the built-in surrogates inline this way (see
:mod:`norse.torch.ops.contract`), so each surrogate is defined in exactly one place.

A function's argument must depend on ``x`` (``exp(-alpha)`` alone is rejected; write such a
factor with arithmetic), so every function is applied to a tensor.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

__all__ = ["FUNCTIONS", "PYTHON_FUNCTIONS", "derivative_function", "parse", "render"]

FUNCTIONS = ("abs", "exp", "tanh", "sigmoid", "sqrt", "relu", "square")
"""The functions an expression may call (one argument each)."""

VARIABLES = ("x", "alpha")
"""The variables of an expression: the distance to threshold and the surrogate's sharpness."""

PYTHON_FUNCTIONS: Mapping[str, str] = {
    "abs": "torch.abs({0})",
    "exp": "torch.exp({0})",
    "tanh": "torch.tanh({0})",
    "sigmoid": "torch.sigmoid({0})",
    "sqrt": "torch.sqrt({0})",
    "relu": "torch.relu({0})",
    "square": "torch.square({0})",
}
"""How :func:`derivative_function` writes each function in PyTorch."""

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _uses_x(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "x" for n in ast.walk(node))


def _check(node: ast.AST, expression: str) -> None:
    def bad(what: str) -> ValueError:
        return ValueError(
            f"surrogate expression {expression!r}: {what}; allowed are numbers, the variables "
            f"{VARIABLES}, + - * /, unary minus and the functions {FUNCTIONS}"
        )

    if isinstance(node, ast.BinOp):
        if type(node.op) not in _OPERATORS:
            raise bad(f"operator {type(node.op).__name__} is not allowed")
        _check(node.left, expression)
        _check(node.right, expression)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub):
            raise bad(f"unary operator {type(node.op).__name__} is not allowed")
        _check(node.operand, expression)
    elif isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS or len(node.args) != 1 or node.keywords:
            raise bad(f"call {ast.unparse(node)!r} is not one of the one-argument functions")
        if not _uses_x(node.args[0]):
            raise bad(f"the argument of {ast.unparse(node)!r} does not depend on x")
        _check(node.args[0], expression)
    elif isinstance(node, ast.Name):
        if node.id not in VARIABLES:
            raise bad(f"unknown name {node.id!r}")
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise bad(f"constant {node.value!r} is not a number")
    else:
        raise bad(f"{type(node).__name__} is not allowed")


def parse(expression: str) -> ast.expr:
    """Parse and check ``expression``; returns its syntax tree.

    Raises:
        ValueError: the text is not an expression of the allowed form (the message says why).
    """
    if not isinstance(expression, str):
        raise TypeError(f"a surrogate expression must be a str, got {type(expression).__name__}")
    try:
        tree = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError as error:
        raise ValueError(f"surrogate expression {expression!r} is not valid: {error}") from None
    _check(tree, expression)
    return tree


def render(
    expression: str,
    functions: Mapping[str, str],
    number: Callable[[float], str] = repr,
    variables: Mapping[str, str] | None = None,
) -> str:
    """``expression`` as source text of another language, fully parenthesised.

    Args:
        expression: a checked surrogate expression (see :func:`parse`).
        functions: a format string per name of :data:`FUNCTIONS`, ``{0}`` standing for the
            argument (``{"exp": "std::exp({0})", ...}``).
        number: writes a numeric constant (``lambda c: f"T({c!r})"`` for C++).
        variables: the target's names of ``x`` and ``alpha`` (default: unchanged).

    Returns:
        The expression's text in the target language; the operations and their order are the
        expression's, so every backend rounds the same way where its functions do.
    """
    names = {"x": "x", "alpha": "alpha", **(variables or {})}
    missing = [name for name in FUNCTIONS if name not in functions]
    if missing:
        raise ValueError(f"functions must give a format for {missing}")

    def emit(node: ast.AST) -> str:
        if isinstance(node, ast.BinOp):
            return f"({emit(node.left)} {_OPERATORS[type(node.op)]} {emit(node.right)})"
        if isinstance(node, ast.UnaryOp):
            return f"(-{emit(node.operand)})"
        if isinstance(node, ast.Call):
            return "(" + functions[node.func.id].format(emit(node.args[0])) + ")"
        if isinstance(node, ast.Name):
            return names[node.id]
        return number(float(node.value))

    return emit(parse(expression))


def derivative_function(
    expression: str, name: str = "derivative", default_alpha: float = 100.0
) -> Callable[[Tensor, Any], Tensor]:
    """The PyTorch function ``f(x, alpha=default_alpha)`` of ``expression``.

    ``x`` is a tensor, ``alpha`` a number or a tensor that broadcasts against it; the result
    has ``x``'s shape (an expression without ``x`` is broadcast to it).
    """
    body = render(expression, PYTHON_FUNCTIONS)
    if not _uses_x(parse(expression)):
        body = f"torch.ones_like(x) * {body}"
    source = f"def {name}(x, alpha={float(default_alpha)!r}):\n    return {body}\n"
    namespace: dict[str, Any] = {"torch": torch}
    exec(compile(source, f"<surrogate {name}: {expression}>", "exec"), namespace)
    function = namespace[name]
    function.expression = expression
    return function
