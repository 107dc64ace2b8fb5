"""Base classes of the neuron modules: one step or a sequence, with or without weights.

========================  ===========  ==============================================
class                     time loop    forward
========================  ===========  ==============================================
:class:`SNNCell`          no           ``activation(x, state, p, dt)``
:class:`SNNRecurrentCell` no           ``activation(x, state, w_in, w_rec, p, dt)``
:class:`SNN`              over dim 0   the cell's step for each ``x[t]`` of ``(T, B, ...)``
:class:`SNNRecurrent`     over dim 0   the recurrent step for each ``x[t]``
========================  ===========  ==============================================

**Modules from a model description.** :class:`NeuronCell`, :class:`NeuronSequence`,
:class:`NeuronRecurrentCell` and :class:`NeuronRecurrent` build a model's four modules from
its :class:`~norse.hookspecs.NeuronSpec` (step functions, parameter and state types,
``initial_state`` rule). A model's module file holds only named class statements with their
docstrings, ``class LIFCell(NeuronCell, spec=...)``; see
``packages/norse-core/docs/adding-a-neuron-model.md``.

The constructors of the base classes take Norse 1.x's arguments (``activation``,
``state_fallback``, ``p``, ``dt``, ``activation_sparse``, and for recurrent ones
``input_size``, ``hidden_size``, ``input_weights``, ``recurrent_weights``, ``autapses``);
a sequence module takes its one-step module's arguments plus the keyword ``record_states``
(Norse 1.x's ``SNN`` and ``SNNRecurrent`` also took it as their last positional argument;
its model modules, ``LIF(p, **kwargs)``, only by keyword). Every
``forward(input_tensor, state=None)`` returns ``(output, state)``; with ``state=None`` it
starts from ``state_fallback(input_tensor)`` (the model's ``initial_state``). State is never
stored on the module.

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
- **Validation.** At construction and when ``load_state_dict`` loads neuron parameters
  (before anything is copied): every numeric parameter must be finite; inverse time
  constants (``tau_*``, ``*_inv``) and ``alpha`` positive; ``delta_T``, ``rho_reset`` and
  ``g_l`` not negative; ``alpha`` one number (:func:`check_parameter_value`); ``dt`` finite
  and positive; ``method`` a registered surrogate; ``integrator`` (when present) ``"euler"``
  or ``"exact"``. Errors are ``ValueError``\\ s naming the field and the value. A
  ``state_dict`` without any of a module's neuron parameters (Norse 1.x saved none) keeps
  the module's own, with a warning. On forward:
  the input must be a floating-point tensor (integer and bool inputs raise ``TypeError``;
  convert spikes with ``.float()``); a sequence input must have at least 2 dimensions
  ``(T, B, ...)`` (a 1-D input is an error, not T steps of scalar neurons); per-neuron
  parameter tensors and the fields of a given state must broadcast to the neuron shape
  without enlarging it (``ValueError`` naming the parameter or state field).
- **Dtypes** follow the input: parameters enter the arithmetic in their own dtype (torch's
  promotion rules) and the recurrent weights are converted to the input's dtype in forward,
  so a float64 input gives float64 outputs and states in every module.
- **Recurrent weights without autapses** are masked in forward
  (``w_rec - diag(diag(w_rec))``), so the diagonal has zero effect and zero gradient whatever
  is loaded into it; it is also zeroed at construction.
- **Initial states** are created with the input's dtype and device (no forced float32, no
  ``requires_grad``).
"""

from __future__ import annotations

import inspect
import math
import typing
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from norse import plugins
from norse.hookspecs import NeuronSpec
from norse.torch.functional._integration import as_float_input, check_input, check_integrator

__all__ = [
    "SNN",
    "NeuronCell",
    "NeuronRecurrent",
    "NeuronRecurrentCell",
    "NeuronSequence",
    "SNNCell",
    "SNNRecurrent",
    "SNNRecurrentCell",
    "filled_state",
    "new_state",
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


# Numeric parameter fields that must be positive besides every ``tau_*`` and ``*_inv`` field
# (inverse time constants and capacitances), and those that must not be negative. Every
# other numeric field must be finite.
_POSITIVE_FIELDS = frozenset({"alpha"})
_NON_NEGATIVE_FIELDS = frozenset({"delta_T", "rho_reset", "g_l"})


def _value_rule(field: str) -> tuple[str, Callable[[Tensor], Tensor]]:
    """``(what is expected, elementwise check)`` of a numeric parameter field."""
    if field.startswith("tau_") or field.endswith("_inv") or field in _POSITIVE_FIELDS:
        return "positive and finite", lambda t: torch.isfinite(t) & (t > 0)
    if field in _NON_NEGATIVE_FIELDS:
        return "non-negative and finite", lambda t: torch.isfinite(t) & (t >= 0)
    return "finite (not NaN or infinite)", torch.isfinite


def check_parameter_value(name: str, field: str, value: Tensor, owner: str) -> None:
    """Raise ``ValueError`` naming ``owner.name`` and the value if ``value`` breaks its rule.

    Every numeric neuron parameter must be finite; inverse time constants (``tau_*``,
    ``*_inv``) and ``alpha`` must be positive; ``delta_T``, ``rho_reset`` and ``g_l`` must
    not be negative; ``alpha`` (the surrogate's sharpness) must be a single number.
    """
    with torch.no_grad():
        expected, rule = _value_rule(field)
        if not bool(rule(value.detach().float()).all()):
            raise ValueError(f"{owner}.{name} must be {expected}, got {_show(value)}")
    if field == "alpha" and value.numel() != 1:
        raise ValueError(
            f"{owner}.{name} must be a single number (the surrogate's sharpness), got a "
            f"tensor of shape {tuple(value.shape)}"
        )


def _show(value: Tensor) -> str:
    return repr(value.item()) if value.numel() == 1 else repr(value.detach().tolist())


def _check_static_parameter(name: str, field: str, value: Any, owner: str) -> None:
    if field == "method" and isinstance(value, str):
        plugins.get("surrogates", value)
    if field == "integrator":
        check_integrator(value, owner)
    if field == "reset_method" and not callable(value):
        raise TypeError(
            f"{owner}.reset_method must be callable (e.g. reset_value), got {type(value).__name__}"
        )


def _check_dt(dt: Any) -> None:
    if not isinstance(dt, int | float) or isinstance(dt, bool) or not math.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be a finite positive number (seconds), got {dt!r}")


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
        _check_dt(dt)
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
                _check_static_parameter(name, field, value, owner)
                leaves.append(_Leaf(field, "static", value))
                continue
            tensor = _as_tensor(value)
            check_parameter_value(name, field, tensor, owner)
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
        return [name for name, _ in self._tensor_fields()]

    def _tensor_fields(self) -> list[tuple[str, str]]:
        """``(flattened name, field name)`` of every parameter held as a tensor."""

        def fields(layout: _Layout) -> list[tuple[str, str]]:
            out: list[tuple[str, str]] = []
            for leaf in layout.leaves:
                if leaf.kind == "tensor":
                    out.append((leaf.payload, leaf.field))
                elif leaf.kind == "nested":
                    out.extend(fields(leaf.payload))
            return out

        return fields(self._p_layout)

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # Loaded neuron parameters pass the constructor's checks before anything is copied.
        for name, field in self._tensor_fields():
            value = state_dict.get(prefix + name)
            if isinstance(value, Tensor):
                check_parameter_value(
                    name,
                    field,
                    value,
                    f"state_dict[{prefix + name!r}]: {self._p_layout.type.__name__}",
                )
        missing_before = len(missing_keys)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
        # Norse 1.x saved no neuron parameters: a state_dict without any of them keeps the
        # module's own (as loading it into Norse 1.x did) and warns (once: one message).
        names = {prefix + name for name, _ in self._tensor_fields()}
        if names and not names & state_dict.keys():
            missing_keys[missing_before:] = [
                k for k in missing_keys[missing_before:] if k not in names
            ]
            warnings.warn(
                "loaded a state_dict without neuron parameters (Norse 1.x saved none): "
                "the neuron modules keep their own",
                stacklevel=2,
            )

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
        input_tensor = as_float_input(input_tensor)
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


class _RecordStates:
    """The sequence modules' option: the one-step module's arguments plus ``record_states``.

    ``record_states`` (keyword, default False): if True, the returned state holds every
    step's state stacked over time (each field ``(T, B, ...)``); otherwise the final state.
    """

    record_states: bool

    def __init__(self, *args: Any, record_states: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.record_states = record_states

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__signature__ = _sequence_signature(cls)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", record_states={self.record_states}"


def _sequence_signature(cls: type) -> inspect.Signature | None:
    """The signature ``help()`` and editors show for a sequence class: its one-step module's
    constructor plus the keyword ``record_states`` (None: a class with its own ``__init__``
    keeps that one's)."""
    owners = [klass for klass in cls.__mro__ if "__init__" in vars(klass)]
    if owners[0] is not _RecordStates:
        return None
    step = inspect.signature(owners[1].__init__)
    params = list(step.parameters.values())[1:]  # without self
    record = inspect.Parameter(
        "record_states", inspect.Parameter.KEYWORD_ONLY, default=False, annotation="bool"
    )
    last = len(params)
    if params and params[-1].kind is inspect.Parameter.VAR_KEYWORD:
        last -= 1
    return step.replace(parameters=[*params[:last], record, *params[last:]])


class SNN(_RecordStates, SNNCell):
    """A feed-forward neuron model looped over time (dim 0 of ``(T, B, ...)``).

    Args: as :class:`SNNCell`, plus the keyword ``record_states``: if True, the returned
    state holds every step's state stacked over time (each field ``(T, B, ...)``);
    otherwise the final state.

    Returns ``(outputs, state)`` with ``outputs`` of shape ``(T, B, ...)``.
    """

    def forward(self, input_tensor: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """Run every step of ``input_tensor`` ``(T, B, ...)``; returns ``(outputs, state)``."""
        input_tensor = as_float_input(input_tensor)
        _check_sequence(input_tensor)
        state = self._prepare(input_tensor, state, input_tensor.shape[1:])
        p = self.p
        step = self._step_function(input_tensor)
        # The one place a feed-forward sequence chooses: the fused sequence op
        # (norse.torch.ops.models) when it reproduces this model's step loop, else the loop.
        if not self.record_states:
            from norse.torch.ops.models import fused_sequence

            fused = fused_sequence(step, input_tensor, state, p, self.dt)
            if fused is not None:
                return fused
        return _step_loop(step, input_tensor, state, (p, self.dt), self.record_states)


def _step_loop(
    step: Callable[..., tuple[Any, Any]],
    input_tensor: Tensor,
    state: Any,
    args: tuple[Any, ...],
    record_states: bool,
) -> tuple[Tensor, Any]:
    """``step(input_tensor[t], state, *args)`` for every ``t``; outputs stacked over time.

    Returns the final state, or every step's state stacked over time if ``record_states``.
    """
    outputs, states = [], []
    for ts in range(input_tensor.shape[0]):
        out, state = step(input_tensor[ts], state, *args)
        outputs.append(out)
        if record_states:
            states.append(state)
    return torch.stack(outputs), stack_states(states) if record_states else state


def _check_sequence(input_tensor: Tensor) -> None:
    check_input(input_tensor)
    if input_tensor.dim() < 2 or input_tensor.shape[0] == 0:
        raise ValueError(
            "input_tensor must be a time-major sequence (T, B, ...) with T >= 1 and at least "
            f"2 dimensions, got shape {tuple(input_tensor.shape)}; for one sequence without "
            "a batch use input_tensor.unsqueeze(1)"
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
        _check_sizes(input_size, hidden_size)
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

    def weights(self, dtype: torch.dtype | None = None) -> tuple[Tensor, Tensor]:
        """``(input_weights, recurrent_weights)`` as used in forward (diagonal masked).

        With ``dtype`` (forward passes the input's), both are converted to it, so that a
        recurrent module follows its input's dtype as the feed-forward ones do; gradients
        flow back to the weights in their own dtype.
        """
        w_in, w_rec = self.input_weights, self.recurrent_weights
        if not self.autapses:
            w_rec = w_rec - torch.diag_embed(torch.diagonal(w_rec))
        if dtype is not None:
            w_in, w_rec = w_in.to(dtype), w_rec.to(dtype)
        return w_in, w_rec

    def _check_features(self, input_tensor: Tensor) -> torch.Size:
        check_input(input_tensor)
        return _layer_shape(input_tensor, self.input_size, self.hidden_size)

    def forward(self, input_tensor: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """One step: input ``(B, I)`` to ``(output (B, H), new_state)``."""
        input_tensor = as_float_input(input_tensor)
        neuron_shape = self._check_features(input_tensor)
        state = self._prepare(input_tensor, state, neuron_shape)
        w_in, w_rec = self.weights(input_tensor.dtype)
        step = self._step_function(input_tensor)
        return step(input_tensor, state, w_in, w_rec, self.p, self.dt)

    def extra_repr(self) -> str:
        return (
            f"input_size={self.input_size}, hidden_size={self.hidden_size}, "
            f"autapses={self.autapses}, " + super().extra_repr()
        )


def _check_sizes(input_size: Any, hidden_size: Any) -> None:
    """Raise ``ValueError`` naming the argument unless both sizes are positive ints."""
    for name, size in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise ValueError(f"{name} must be a positive int, got {size!r}")


def _layer_shape(input_tensor: Tensor, input_size: int, hidden_size: int) -> torch.Size:
    """The neuron shape ``(B, hidden_size)`` of a layer's input ``(B, input_size)``.

    Raises ``ValueError`` if the last dimension of ``input_tensor`` is not ``input_size``.
    """
    if input_tensor.dim() < 1 or input_tensor.shape[-1] != input_size:
        raise ValueError(
            f"input_tensor must have {input_size} features in its last dimension "
            f"(input_size), got shape {tuple(input_tensor.shape)}"
        )
    return torch.Size((*input_tensor.shape[:-1], hidden_size))


def _weight(name: str, value: Tensor | None, shape: tuple[int, int], scale: float) -> nn.Parameter:
    if value is None:
        return nn.Parameter(torch.randn(*shape) * scale)
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a tensor of shape {shape}, got {type(value).__name__}")
    if tuple(value.shape) != shape:
        raise ValueError(f"{name} must have shape {shape}, got {tuple(value.shape)}")
    return value if isinstance(value, nn.Parameter) else nn.Parameter(value)


class SNNRecurrent(_RecordStates, SNNRecurrentCell):
    """A recurrent neuron model looped over time: input ``(T, B, I)``, output ``(T, B, H)``.

    Args: as :class:`SNNRecurrentCell`, plus the keyword ``record_states`` as in :class:`SNN`.
    """

    def forward(self, input_tensor: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """Run every step of ``input_tensor`` ``(T, B, I)``; returns ``(outputs, state)``."""
        input_tensor = as_float_input(input_tensor)
        _check_sequence(input_tensor)
        neuron_shape = self._check_features(input_tensor)[1:]
        state = self._prepare(input_tensor, state, neuron_shape)
        w_in, w_rec = self.weights(input_tensor.dtype)
        p = self.p
        step = self._step_function(input_tensor)
        # The one place a recurrent sequence chooses: the fused recurrent op
        # (norse.torch.ops.recurrent) when it supports this model, else the step loop.
        if not self.record_states:
            from norse.torch.ops.recurrent import fused_recurrent

            fused = fused_recurrent(step, input_tensor, state, w_in, w_rec, p, self.dt)
            if fused is not None:
                return fused
        return _step_loop(step, input_tensor, state, (w_in, w_rec, p, self.dt), self.record_states)


# ----------------------------------------------------------------- modules from a spec


class _StateLayout(NamedTuple):
    type: type
    fields: tuple[tuple[str, _StateLayout | None], ...]  # (field, nested layout or None)


def _state_layout(state_type: type) -> _StateLayout:
    hints = typing.get_type_hints(state_type)
    fields = []
    for field in state_type._fields:
        hint = hints.get(field)
        nested = isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields")
        fields.append((field, _state_layout(hint) if nested else None))
    return _StateLayout(state_type, tuple(fields))


def _fill(
    layout: _StateLayout, values: Mapping[str, Any], shape: Sequence[int], like: Tensor, prefix: str
) -> Any:
    return layout.type(
        *[
            _fill(nested, values, shape, like, f"{prefix}{field}.")
            if nested is not None
            else filled_state(values.get(prefix + field, 0.0), shape, like)
            for field, nested in layout.fields
        ]
    )


def new_state(
    state_type: type, values: Mapping[str, Any], shape: Sequence[int], like: Tensor
) -> Any:
    """A new ``state_type`` whose fields are ``shape``-d tensors in ``like``'s dtype and device.

    ``values`` maps a field (dotted for a nested state: ``"lif.v"``) to its start value (a
    number or a tensor that broadcasts to ``shape``); every other field starts at 0.
    """
    return _fill(_state_layout(state_type), values, shape, like, "")


class _FromSpec:
    """Builds a model's modules from its :class:`~norse.hookspecs.NeuronSpec`.

    A subclass names the spec in its class statement, ``class LIFCell(NeuronCell,
    spec=...)``, and gets the spec's step function, default parameters and initial state.
    """

    spec: NeuronSpec
    _initial_sources: tuple[tuple[str, Any], ...]
    _layouts: dict[str, _StateLayout]

    def __init_subclass__(cls, spec: NeuronSpec | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if spec is None:
            return
        if spec.step is None and issubclass(cls, SNNRecurrentCell):
            raise TypeError(
                f"{cls.__name__}: the NeuronSpec {spec.name!r} has no recurrent step "
                "(NeuronSpec.step), so it has no recurrent modules"
            )
        cls.spec = spec
        # Worked out once here, so that forward (and torch.compile) only fills tensors.
        cls._initial_sources = tuple(spec.initial_state.items())
        cls._layouts = {
            "feed_forward": _state_layout(spec.feed_forward_state or spec.state),
            "recurrent": _state_layout(spec.state),
        }

    def _parameters(self, p: NamedTuple | None) -> NamedTuple:
        if getattr(type(self), "spec", None) is None:
            raise TypeError(
                f"{type(self).__name__} names no NeuronSpec; declare it as "
                f"class {type(self).__name__}({type(self).__mro__[1].__name__}, spec=...)"
            )
        return self.spec.parameters() if p is None else p

    def _initial_values(self) -> Mapping[str, Any]:
        """The values the initial state starts at: ``spec.initial_state`` resolved in ``p``."""
        p = self.p
        return {
            field: _lookup(p, source) if isinstance(source, str) else source
            for field, source in self._initial_sources
        }

    def _filled(self, kind: str, shape: Sequence[int], like: Tensor) -> Any:
        return _fill(self._layouts[kind], self._initial_values(), shape, like, "")


def _lookup(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = getattr(value, part)
    return value


class NeuronCell(_FromSpec, SNNCell):
    """One feed-forward step of the model named by ``spec`` (see :class:`SNNCell`).

    Args:
        p: the model's parameter ``NamedTuple``; None (default) means ``spec.parameters()``.
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\\ s, e.g. ``("tau_mem_inv",)``.

    ``forward(input_tensor (B, ...), state=None) -> (output (B, ...), feed-forward state)``.
    """

    def __init__(
        self,
        p: NamedTuple | None = None,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        p = self._parameters(p)
        super().__init__(
            self.spec.feed_forward_step,
            self.initial_state,
            p,
            dt,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> Any:
        """The spec's initial state, shaped like ``input_tensor``."""
        return self._filled("feed_forward", input_tensor.shape, input_tensor)


class NeuronSequence(SNN, NeuronCell):
    """The model named by ``spec`` over a sequence ``(T, B, ...)`` (see :class:`SNN`).

    Args: as :class:`NeuronCell` (``p``, ``dt``, ``trainable``), plus the keyword
    ``record_states``: return every step's state stacked over time instead of the last one.
    """

    def initial_state(self, input_tensor: Tensor) -> Any:
        """The spec's initial state, shaped like one step ``input_tensor[0]``."""
        return self._filled("feed_forward", input_tensor.shape[1:], input_tensor)


class NeuronRecurrentCell(_FromSpec, SNNRecurrentCell):
    """One recurrent step of the model named by ``spec`` (see :class:`SNNRecurrentCell`).

    Args:
        input_size, hidden_size: the numbers of inputs ``I`` and neurons ``H``.
        p: the model's parameter ``NamedTuple``; None (default) means ``spec.parameters()``.
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``).
        autapses: allow self-connections (default False).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\\ s.

    ``forward(input_tensor (B, I), state=None) -> (output (B, H), state)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: NamedTuple | None = None,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = False,
        dt: float = 0.001,
        *,
        trainable: Iterable[str] = (),
    ) -> None:
        p = self._parameters(p)
        super().__init__(
            self.spec.step,
            self.initial_state,
            input_size,
            hidden_size,
            p,
            input_weights,
            recurrent_weights,
            autapses,
            dt,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> Any:
        """The spec's initial (recurrent) state of shape ``(B, hidden_size)``."""
        shape = (*input_tensor.shape[:-1], self.hidden_size)
        return self._filled("recurrent", shape, input_tensor)


class NeuronRecurrent(SNNRecurrent, NeuronRecurrentCell):
    """The recurrent model named by ``spec`` over a sequence ``(T, B, I)`` (see
    :class:`SNNRecurrent`).

    Args: as :class:`NeuronRecurrentCell`, plus the keyword ``record_states`` as in
    :class:`NeuronSequence`.
    """

    def initial_state(self, input_tensor: Tensor) -> Any:
        """The spec's initial (recurrent) state of shape ``(B, hidden_size)``."""
        shape = (*input_tensor.shape[1:-1], self.hidden_size)
        return self._filled("recurrent", shape, input_tensor)
