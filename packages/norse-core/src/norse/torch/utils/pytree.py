"""Named tuples of tensors as PyTorch pytrees (Norse 1.x's ``norse.torch.utils.pytree``).

``torch.compile``, ``torch.utils._pytree.tree_map`` and friends see through a registered
tuple to its tensors. :class:`StateTuple` adds device and dtype moves and broadcasting to a
named tuple; :class:`MultipleInheritanceNamedTupleMeta` builds such a tuple from a class
body::

    class TraceState(StateTuple, metaclass=MultipleInheritanceNamedTupleMeta):
        x: torch.Tensor
        y: torch.Tensor = torch.tensor(0.0)

    s = TraceState(torch.zeros(3)).to(torch.float64)   # every tensor field moved
    s = TraceState(torch.tensor(1.0)).broadcast(torch.zeros(2, 3))  # 0-d fields filled
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable
from numbers import Number
from typing import Any, TypeVar

import torch
import torch.utils._pytree as _pytree
from torch import Tensor

__all__ = [
    "MultipleInheritanceNamedTupleMeta",
    "StateTuple",
    "broadcast_input",
    "map_only",
    "register_tuple",
    "tree_map_only",
]

T = TypeVar("T")


def map_only(
    ty: type[T] | tuple[type, ...],
) -> Callable[[Callable[[T], Any]], Callable[[Any], Any]]:
    """A decorator: ``map_only(ty)(fn)`` applies ``fn`` to instances of ``ty`` and returns
    anything else unchanged (for ``tree_map(map_only(ty)(fn), tree)``)."""

    def decorate(fn: Callable[[T], Any]) -> Callable[[Any], Any]:
        @functools.wraps(fn)
        def only(x: Any) -> Any:
            return fn(x) if isinstance(x, ty) else x

        return only

    return decorate


def tree_map_only(ty: type[T] | tuple[type, ...], fn: Callable[[T], Any], pytree: Any) -> Any:
    """``pytree`` with every leaf ``x`` that is an instance of ``ty`` replaced by ``fn(x)``.

    Other leaves are kept; the structure (tuples, lists, dicts, named tuples) is rebuilt.
    """
    return _pytree.tree_map(map_only(ty)(fn), pytree)


def broadcast_input(potential_scalar: Tensor | Number, template: Tensor) -> Tensor:
    """``potential_scalar`` as a tensor of ``template``'s shape, dtype and device.

    A number or a one-element (0-d or single-value) tensor is filled into
    ``torch.full_like(template, value)``; a tensor of ``template``'s shape is returned as it
    is.

    Raises:
        ValueError: for a tensor of another shape with more than one element.
    """
    if isinstance(potential_scalar, Tensor):
        if potential_scalar.shape == template.shape:
            return potential_scalar
        if potential_scalar.numel() != 1:
            raise ValueError(
                "potential_scalar must be a number, a one-element tensor or a tensor of "
                f"template's shape {tuple(template.shape)}, got shape "
                f"{tuple(potential_scalar.shape)}"
            )
        return torch.full_like(template, potential_scalar.item())
    if isinstance(potential_scalar, Number) and not isinstance(potential_scalar, bool):
        return torch.full_like(template, potential_scalar)
    raise ValueError(
        f"potential_scalar must be a number or a tensor, got {type(potential_scalar).__name__}"
    )


def register_tuple(typ: type) -> None:
    """Register the named-tuple class ``typ`` as a pytree node (flattened to its fields).

    Registering a class twice is a no-op. ``torch.utils._pytree`` already flattens plain
    named tuples; registration gives the class its own node type, as Norse 1.x did.
    """
    if not (isinstance(typ, type) and issubclass(typ, tuple) and hasattr(typ, "_fields")):
        raise TypeError(f"typ must be a named-tuple class, got {typ!r}")
    if typ in _pytree.SUPPORTED_NODES:
        return
    _pytree.register_pytree_node(
        typ,
        lambda t: (list(t), None),
        lambda values, _: typ(*values),
        serialized_type_name=f"{typ.__module__}.{typ.__qualname__}",
    )


class StateTuple:
    """Mixin for named tuples of tensors: device and dtype moves and broadcasting.

    Every method returns a new tuple of the same class with the method applied to each tensor
    field (nested tuples included); other fields (e.g. a ``method`` string) are kept. Build
    one with :class:`MultipleInheritanceNamedTupleMeta` (see the module docstring).
    """

    __slots__ = ()

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """Every tensor ``t`` replaced by ``t.to(*args, **kwargs)`` (a device and/or a dtype)."""
        return tree_map_only(Tensor, lambda t: t.to(*args, **kwargs), self)

    def cuda(self, device: Any = None) -> Any:
        """Every tensor moved to a CUDA device (``t.cuda(device)``)."""
        return tree_map_only(Tensor, lambda t: t.cuda(device), self)

    def cpu(self) -> Any:
        """Every tensor moved to the CPU."""
        return tree_map_only(Tensor, lambda t: t.cpu(), self)

    def int(self) -> Any:
        """Every tensor converted to ``torch.int32``."""
        return tree_map_only(Tensor, lambda t: t.int(), self)

    def float(self) -> Any:
        """Every tensor converted to ``torch.float32``."""
        return tree_map_only(Tensor, lambda t: t.float(), self)

    def broadcast(self, template: Tensor) -> Any:
        """Every tensor field as a tensor of ``template``'s shape (:func:`broadcast_input`)."""
        return tree_map_only(Tensor, lambda t: broadcast_input(t, template), self)


class MultipleInheritanceNamedTupleMeta(type):
    """Metaclass that turns an annotated class body into a registered named tuple.

    ``class S(StateTuple, metaclass=MultipleInheritanceNamedTupleMeta)`` with annotated
    fields (defaults allowed on trailing fields, as in ``typing.NamedTuple``) and methods
    gives a tuple class ``S`` that is a subclass of its bases (e.g. :class:`StateTuple`) and
    of ``collections.namedtuple(S, fields)``, registered with :func:`register_tuple`.
    """

    def __new__(mcls, typename: str, bases: tuple[type, ...], ns: dict[str, Any]) -> type:
        fields = list(ns.get("__annotations__", {}))
        defaults = []
        for name in fields:
            if name in ns:
                defaults.append(ns[name])
            elif defaults:
                raise TypeError(
                    f"{typename}: field {name!r} without a default follows a field with one"
                )
        tuple_base = collections.namedtuple(
            typename, fields, defaults=defaults, module=ns.get("__module__")
        )
        body = {k: v for k, v in ns.items() if k not in fields}
        body.setdefault("__slots__", ())
        cls = type(typename, (*bases, tuple_base), body)
        register_tuple(cls)
        return cls
