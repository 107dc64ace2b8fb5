"""Defining the fused ops in the ``norse`` namespace without importing ``torch._dynamo``.

``torch.library.custom_op`` wraps every implementation in ``torch._disable_dynamo``, which
imports ``torch._dynamo`` (and through it ``triton``, where installed) on the first eager
call: a second or two before the first step of a fused neuron. :func:`custom_op` here
defines the same operator from the same type hints (``torch.library.infer_schema``) with the
lower-level ``torch.library.Library`` (``define`` + ``impl`` for the
``CompositeExplicitAutograd`` key + ``register_fake``), so an eager call runs the function
directly. ``torch.library.register_autograd`` and ``torch.compile(fullgraph=True)`` work as
with ``custom_op`` (the op is one opaque graph node); ``torch.library.opcheck`` checks them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

__all__ = ["LIBRARY", "Op", "custom_op"]

LIBRARY = torch.library.Library("norse", "FRAGMENT")
"""The fragment of the ``norse`` operator namespace that holds every fused op."""


class Op:
    """A functional operator ``norse::NAME`` defined from ``function``'s type hints.

    Calling it calls the operator (``torch.ops.norse.NAME.default``) with positional
    arguments; the registered implementation is ``function`` for every device (it selects a
    device kernel itself). :meth:`register_fake` registers the shape function used by
    ``torch.compile``.
    """

    def __init__(self, qualname: str, function: Callable[..., Any]) -> None:
        namespace, name = qualname.split("::")
        if namespace != "norse":
            raise ValueError(f"qualname must be in the norse namespace, got {qualname!r}")
        schema = torch.library.infer_schema(function, mutates_args=())
        LIBRARY.define(name + schema, tags=(torch.Tag.pt2_compliant_tag,))
        LIBRARY.impl(name, function, "CompositeExplicitAutograd")
        self.qualname = qualname
        self.function = function
        self.__doc__ = function.__doc__
        self.__name__ = name
        self.default = getattr(torch.ops.norse, name).default

    def __call__(self, *args: Any) -> Any:
        return self.default(*args)

    def register_fake(self, fake: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``fake`` (same signature, returns empty tensors of the outputs' shapes)."""
        torch.library.register_fake(self.qualname, fake, lib=LIBRARY)
        return fake


def custom_op(qualname: str) -> Callable[[Callable[..., Any]], Op]:
    """Decorator: define ``qualname`` (``"norse::NAME"``) as a functional operator.

    Use like ``torch.library.custom_op(qualname, mutates_args=())``: the function's type hints
    give the schema; the result is an :class:`Op`.
    """

    def define(function: Callable[..., Any]) -> Op:
        return Op(qualname, function)

    return define
