"""Base classes of the neuron modules: one step or a sequence, with or without weights.

========================  ===========  ==============================================
class                     time loop    forward
========================  ===========  ==============================================
:class:`SNNCell`          no           ``activation(x, state, p, dt)``
:class:`SNNRecurrentCell` no           ``activation(x, state, w_in, w_rec, p, dt)``
:class:`SNN`              over dim 0   the cell's step for each ``x[t]`` of ``(T, B, ...)``
:class:`SNNRecurrent`     over dim 0   the recurrent step for each ``x[t]``
========================  ===========  ==============================================

The constructors take Norse 1.x's arguments (``activation``, ``state_fallback``, ``p``,
``dt``, ``activation_sparse``, and for recurrent ones ``input_size``, ``hidden_size``,
``input_weights``, ``recurrent_weights``, ``autapses``; ``record_states`` for sequences).
Every ``forward(input_tensor, state=None)`` returns ``(output, state)``; with ``state=None``
it starts from ``state_fallback(input_tensor)`` (the model's ``initial_state``). State is
never stored on the module.

Differences from Norse 1.x (deliberate):

- **Neuron parameters live on the module.** Every numeric field of the parameter
  ``NamedTuple`` ``p`` is registered as a buffer named after the field (numbers become tensors
  of the default dtype, integer tensors are converted to it, tensors are cloned), so
  ``.to()``, ``.double()`` and ``state_dict()`` include them. Nested tuples are flattened
  with ``_`` (``LIFRefracParameters(lif=LIFParameters(...))`` gives ``lif_v_th``). Fields
  named in ``trainable=`` become ``nn.Parameter``\\ s, and a field that already holds an
  ``nn.Parameter`` is registered as that same parameter (Norse's "parametrised cell"
  pattern). Non-numeric fields (``method``, ``integrator``, ``reset_method``) are kept as
  they are. The property :attr:`SNNCell.p` rebuilds the tuple from the current tensors.
- **Validation.** At construction: every field whose name starts with ``tau_`` must be
  positive, ``method`` must be a registered surrogate, ``integrator`` (when present) must be
  ``"euler"`` or ``"exact"``. On forward: the input must be a floating-point tensor (integer
  and bool inputs raise ``TypeError``; convert spikes with ``.float()``); per-neuron parameter
  tensors and the fields of a given state must broadcast to the neuron shape without
  enlarging it (``ValueError`` naming the parameter or state field).
- **Recurrent weights without autapses** are masked in forward
  (``w_rec - diag(diag(w_rec))``), so the diagonal has zero effect and zero gradient whatever
  is loaded into it; it is also zeroed at construction.
- **Initial states** are created with the input's dtype and device (no forced float32, no
  ``requires_grad``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from norse import plugins
from norse.torch.functional._integration import check_input, check_integrator

__all__ = [
    "SNN",
    "SNNCell",
    "SNNRecurrent",
    "SNNRecurrentCell",
    "filled_state",
    "stack_states",
]


class _Leaf(NamedTuple):
    field: str
    kind: str  # "tensor" (payload: attribute name), "static" (value) or "nested" (layout)
    payload: Any


class _Layout(NamedTuple):
    type: type
    leaves: tuple[_Leaf, ...]


def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _as_tensor(value: Any) -> Tensor:
    if isinstance(value, nn.Parameter):
        return value
    tensor = value.clone() if isinstance(value, Tensor) else torch.as_tensor(value)
    if not tensor.is_floating_point():
        tensor = tensor.to(torch.get_default_dtype())
    return tensor


def _is_numeric(value: Any) -> bool:
    return isinstance(value, Tensor) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    )


def _check_parameter_values(name: str, field: str, value: Any, owner: str) -> None:
    if field.startswith("tau_") and isinstance(value, Tensor):
        with torch.no_grad():
            if not bool((value > 0).all()):
                raise ValueError(
                    f"{owner}.{name} must be positive (an inverse time constant), got "
                    f"{value.tolist()}"
                )
    if field == "method" and isinstance(value, str):
        plugins.get("surrogates", value)
    if field == "integrator":
        check_integrator(value, owner)
    if field == "reset_method" and not callable(value):
        raise TypeError(
            f"{owner}.reset_method must be callable (e.g. reset_value), got {type(value).__name__}"
        )


def filled_state(value: Tensor | float, shape: Sequence[int], like: Tensor) -> Tensor:
    """A new state tensor of ``shape`` filled with ``value``, in ``like``'s dtype and device.

    ``value`` may be a per-neuron tensor that broadcasts to ``shape``; gradients flow to it.
    """
    value = torch.as_tensor(value, device=like.device)
    return torch.zeros(shape, dtype=like.dtype, device=like.device) + value.to(like.dtype)


def stack_states(states: Sequence[Any]) -> Any:
    """Stack a list of (possibly nested) state ``NamedTuple``\\ s field by field over time."""
    first = states[0]
    if _is_namedtuple(first):
        return type(first)(*(stack_states(parts) for parts in zip(*states)))
    return torch.stack(list(states))


def _check_state(state: Any, shape: torch.Size, prefix: str = "state") -> None:
    if not _is_namedtuple(state):
        raise TypeError(f"state must be a state NamedTuple, got {type(state).__name__}")
    for field, value in zip(state._fields, state):
        name = f"{prefix}.{field}"
        if _is_namedtuple(value):
            _check_state(value, shape, name)
        elif isinstance(value, Tensor) and not _broadcasts(value.shape, shape):
            raise ValueError(
                f"{name} has shape {tuple(value.shape)}, which does not match the neuron "
                f"shape {tuple(shape)} of input_tensor"
            )


def _broadcasts(shape: torch.Size, target: torch.Size) -> bool:
    try:
        return torch.broadcast_shapes(shape, target) == target
    except RuntimeError:
        return False


class SNNCell(nn.Module):
    """One step of a feed-forward neuron model: ``activation(input, state, p, dt)``.

    Args:
        activation: the step function ``(input, state, p, dt) -> (output, state)``.
        state_fallback: ``f(input_tensor) -> state``, used when ``forward`` gets no state.
        p: the parameter ``NamedTuple``; registered as buffers (see the module docstring).
        dt: the time step in seconds (default 0.001).
        activation_sparse: a step function used instead when the input is a sparse tensor.
        trainable: names of parameter fields (flattened names for nested tuples) to
            register as ``nn.Parameter`` instead of buffers.

    Input ``(B, ...)`` float; output and state fields have the same shape.
    """

    def __init__(
        self,
        activation: Callable[..., tuple[Any, Any]],
        state_fallback: Callable[[Tensor], Any],
        p: NamedTuple,
        dt: float = 0.001,
        activation_sparse: Callable[..., tuple[Any, Any]] | None = None,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__()
        if not _is_namedtuple(p):
            raise TypeError(f"p must be a parameter NamedTuple, got {type(p).__name__}")
        if not isinstance(dt, int | float) or isinstance(dt, bool) or dt <= 0:
            raise ValueError(f"dt must be a positive number (seconds), got {dt!r}")
        self.activation = activation
        self.activation_sparse = activation_sparse
        self.state_fallback = state_fallback
        self.dt = float(dt)
        trainable = set(trainable)
        self._p_layout = self._register_parameters(p, "", trainable, type(p).__name__)
        unknown = trainable - set(self.parameter_names())
        if unknown:
            raise ValueError(
                f"trainable names unknown parameter fields {sorted(unknown)}; the numeric "
                f"fields of {type(p).__name__} are {self.parameter_names()}"
            )

    def _register_parameters(
        self, p: NamedTuple, prefix: str, trainable: set[str], owner: str
    ) -> _Layout:
        leaves = []
        for field, value in zip(p._fields, p):
            name = prefix + field
            if _is_namedtuple(value):
                layout = self._register_parameters(value, name + "_", trainable, owner)
                leaves.append(_Leaf(field, "nested", layout))
                continue
            if not _is_numeric(value):
                _check_parameter_values(name, field, value, owner)
                leaves.append(_Leaf(field, "static", value))
                continue
            tensor = _as_tensor(value)
            _check_parameter_values(name, field, tensor, owner)
            if isinstance(tensor, nn.Parameter):
                self.register_parameter(name, tensor)
            elif name in trainable:
                self.register_parameter(name, nn.Parameter(tensor.detach()))
            else:
                self.register_buffer(name, tensor)
            leaves.append(_Leaf(field, "tensor", name))
        return _Layout(type(p), tuple(leaves))

    def parameter_names(self) -> list[str]:
        """The (flattened) names of the neuron parameters held as tensors on this module."""

        def names(layout: _Layout) -> list[str]:
            out: list[str] = []
            for leaf in layout.leaves:
                if leaf.kind == "tensor":
                    out.append(leaf.payload)
                elif leaf.kind == "nested":
                    out.extend(names(leaf.payload))
            return out

        return names(self._p_layout)

    def _build(self, layout: _Layout) -> Any:
        values = {}
        for leaf in layout.leaves:
            if leaf.kind == "tensor":
                values[leaf.field] = getattr(self, leaf.payload)
            elif leaf.kind == "nested":
                values[leaf.field] = self._build(leaf.payload)
            else:
                values[leaf.field] = leaf.payload
        return layout.type(**values)

    @property
    def p(self) -> Any:
        """The parameter ``NamedTuple``, rebuilt from the module's current tensors."""
        return self._build(self._p_layout)

    def _check_neuron_shape(self, shape: torch.Size) -> None:
        for name in self.parameter_names():
            value = getattr(self, name)
            if value.dim() > 0 and not _broadcasts(value.shape, shape):
                raise ValueError(
                    f"parameter {name} has shape {tuple(value.shape)}, which does not "
                    f"broadcast to the neuron shape {tuple(shape)} of input_tensor without "
                    "enlarging it"
                )

    def initial_state(self, input_tensor: Tensor) -> Any:
        """The state used when ``forward`` gets none: ``state_fallback(input_tensor)``."""
        return self.state_fallback(input_tensor)

    def _prepare(self, input_tensor: Tensor, state: Any, neuron_shape: torch.Size) -> Any:
        check_input(input_tensor)
        self._check_neuron_shape(neuron_shape)
        if state is None:
            return self.initial_state(input_tensor)
        _check_state(state, neuron_shape)
        return state

    def _step_function(self, input_tensor: Tensor) -> Callable[..., tuple[Any, Any]]:
        if input_tensor.is_sparse and self.activation_sparse is not None:
            return self.activation_sparse
        return self.activation

    def forward(self, input_tensor: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """One step: ``(output, new_state)`` for input ``(B, ...)``."""
        state = self._prepare(input_tensor, state, input_tensor.shape)
        return self._step_function(input_tensor)(input_tensor, state, self.p, self.dt)

    def extra_repr(self) -> str:
        return f"p={_describe(self.p)}, dt={self.dt}"


def _describe(value: Any) -> str:
    if _is_namedtuple(value):
        inner = ", ".join(f"{f}={_describe(v)}" for f, v in zip(value._fields, value))
        return f"{type(value).__name__}({inner})"
    if isinstance(value, Tensor):
        if value.dim() == 0:
            return repr(value.item())
        return f"tensor(shape={tuple(value.shape)})"
    if callable(value):
        return getattr(value, "__name__", repr(value))
    return repr(value)


class SNN(SNNCell):
    """A feed-forward neuron model looped over time (dim 0 of ``(T, B, ...)``).

    Args: as :class:`SNNCell`, plus ``record_states``: if True, the returned state holds
    every step's state stacked over time (each field ``(T, B, ...)``); otherwise the final
    state.

    Returns ``(outputs, state)`` with ``outputs`` of shape ``(T, B, ...)``.
    """

    def __init__(
        self,
        activation: Callable[..., tuple[Any, Any]],
        state_fallback: Callable[[Tensor], Any],
        p: NamedTuple,
        dt: float = 0.001,
        activation_sparse: Callable[..., tuple[Any, Any]] | None = None,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(activation, state_fallback, p, dt, activation_sparse, trainable=trainable)
        self.record_states = record_states

    def forward(self, input_tensor: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """Run every step of ``input_tensor`` ``(T, B, ...)``; returns ``(outputs, state)``."""
        _check_sequence(input_tensor)
        state = self._prepare(input_tensor, state, input_tensor.shape[1:])
        p = self.p
        step = self._step_function(input_tensor)
        if not self.record_states:
            # The fused sequence op (norse.torch.ops) when it supports this model, else loop.
            from norse.torch.ops.models import fused_sequence

            fused = fused_sequence(step, input_tensor, state, p, self.dt)
            if fused is not None:
                return fused
        outputs, states = [], []
        for ts in range(input_tensor.shape[0]):
            out, state = step(input_tensor[ts], state, p, self.dt)
            outputs.append(out)
            if self.record_states:
                states.append(state)
        return torch.stack(outputs), stack_states(states) if self.record_states else state

    def extra_repr(self) -> str:
        return super().extra_repr() + f", record_states={self.record_states}"


def _check_sequence(input_tensor: Tensor) -> None:
    check_input(input_tensor)
    if input_tensor.dim() < 1 or input_tensor.shape[0] == 0:
        raise ValueError(
            "input_tensor must be a time-major sequence (T, B, ...) with T >= 1, got shape "
            f"{tuple(input_tensor.shape)}"
        )


class SNNRecurrentCell(SNNCell):
    """One step of a recurrent neuron model with input and recurrent weights.

    Calls ``activation(input, state, input_weights, recurrent_weights, p, dt)``.

    Args:
        activation, state_fallback, p, dt, activation_sparse, trainable: as :class:`SNNCell`.
        input_size: the number of input features ``I``.
        hidden_size: the number of neurons ``H``.
        input_weights: an initial ``(H, I)`` weight; default ``randn(H, I) * sqrt(2 / H)``.
        recurrent_weights: an initial ``(H, H)`` weight; default ``randn(H, H) * sqrt(2 / H)``.
        autapses: if False (default), a neuron's own spikes do not feed back to it: the
            diagonal of the recurrent weights is zeroed and masked out in forward.

    Input ``(B, I)``; output and state ``(B, H)``.
    """

    def __init__(
        self,
        activation: Callable[..., tuple[Any, Any]],
        state_fallback: Callable[[Tensor], Any],
        input_size: int,
        hidden_size: int,
        p: NamedTuple,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        activation_sparse: Callable[..., tuple[Any, Any]] | None = None,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(activation, state_fallback, p, dt, activation_sparse, trainable=trainable)
        for name, size in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
                raise ValueError(f"{name} must be a positive int, got {size!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.autapses = autapses
        scale = (2.0 / hidden_size) ** 0.5
        self.input_weights = _weight(
            "input_weights", input_weights, (hidden_size, input_size), scale
        )
        self.recurrent_weights = _weight(
            "recurrent_weights", recurrent_weights, (hidden_size, hidden_size), scale
        )
        if not autapses:
            with torch.no_grad():
                self.recurrent_weights.fill_diagonal_(0.0)

    def weights(self) -> tuple[Tensor, Tensor]:
        """``(input_weights, recurrent_weights)`` as used in forward (diagonal masked)."""
        w_rec = self.recurrent_weights
        if not self.autapses:
            w_rec = w_rec - torch.diag_embed(torch.diagonal(w_rec))
        return self.input_weights, w_rec

    def _check_features(self, input_tensor: Tensor) -> torch.Size:
        check_input(input_tensor)
        if input_tensor.dim() < 1 or input_tensor.shape[-1] != self.input_size:
            raise ValueError(
                f"input_tensor must have {self.input_size} features in its last dimension "
                f"(input_size), got shape {tuple(input_tensor.shape)}"
            )
        return torch.Size((*input_tensor.shape[:-1], self.hidden_size))

    def forward(self, input_tensor: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """One step: input ``(B, I)`` to ``(output (B, H), new_state)``."""
        neuron_shape = self._check_features(input_tensor)
        state = self._prepare(input_tensor, state, neuron_shape)
        w_in, w_rec = self.weights()
        step = self._step_function(input_tensor)
        return step(input_tensor, state, w_in, w_rec, self.p, self.dt)

    def extra_repr(self) -> str:
        return (
            f"input_size={self.input_size}, hidden_size={self.hidden_size}, "
            f"autapses={self.autapses}, " + super().extra_repr()
        )


def _weight(name: str, value: Tensor | None, shape: tuple[int, int], scale: float) -> nn.Parameter:
    if value is None:
        return nn.Parameter(torch.randn(*shape) * scale)
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a tensor of shape {shape}, got {type(value).__name__}")
    if tuple(value.shape) != shape:
        raise ValueError(f"{name} must have shape {shape}, got {tuple(value.shape)}")
    return value if isinstance(value, nn.Parameter) else nn.Parameter(value)


class SNNRecurrent(SNNRecurrentCell):
    """A recurrent neuron model looped over time: input ``(T, B, I)``, output ``(T, B, H)``.

    Args: as :class:`SNNRecurrentCell`, plus ``record_states`` as in :class:`SNN`.
    """

    def __init__(
        self,
        activation: Callable[..., tuple[Any, Any]],
        state_fallback: Callable[[Tensor], Any],
        input_size: int,
        hidden_size: int,
        p: NamedTuple,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        activation_sparse: Callable[..., tuple[Any, Any]] | None = None,
        record_states: bool = False,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        super().__init__(
            activation,
            state_fallback,
            input_size,
            hidden_size,
            p,
            input_weights,
            recurrent_weights,
            autapses,
            dt,
            activation_sparse,
            trainable=trainable,
        )
        self.record_states = record_states

    def forward(self, input_tensor: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """Run every step of ``input_tensor`` ``(T, B, I)``; returns ``(outputs, state)``."""
        _check_sequence(input_tensor)
        neuron_shape = self._check_features(input_tensor)[1:]
        state = self._prepare(input_tensor, state, neuron_shape)
        w_in, w_rec = self.weights()
        p = self.p
        step = self._step_function(input_tensor)
        if not self.record_states:
            # The fused recurrent op (norse.torch.ops.recurrent) when it supports this model.
            from norse.torch.ops.recurrent import fused_recurrent

            fused = fused_recurrent(step, input_tensor, state, w_in, w_rec, p, self.dt)
            if fused is not None:
                return fused
        outputs, states = [], []
        for ts in range(input_tensor.shape[0]):
            out, state = step(input_tensor[ts], state, w_in, w_rec, p, self.dt)
            outputs.append(out)
            if self.record_states:
                states.append(state)
        return torch.stack(outputs), stack_states(states) if self.record_states else state

    def extra_repr(self) -> str:
        return super().extra_repr() + f", record_states={self.record_states}"
