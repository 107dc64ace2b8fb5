"""``SequentialState``: an ``nn.Sequential`` that threads the state of stateful layers;
``RecurrentSequential``: the same, feeding its output back into its input at the next step.

A module is *stateful* when its ``forward`` has a parameter named ``state`` or it is a
``torch.nn.RNNBase`` (LSTM, GRU, RNN); see :func:`is_module_stateful`. Stateful layers are
called as ``layer(x, state_i)`` and return ``(x, state_i)``; the others as ``layer(x)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from torch import Tensor, nn
from torch.utils.hooks import RemovableHandle

__all__ = [
    "RecurrentSequential",
    "RecurrentSequentialState",
    "SequentialState",
    "is_module_stateful",
]


def is_module_stateful(module: nn.Module) -> bool:
    """True if ``module.forward`` takes a ``state`` argument or ``module`` is an ``RNNBase``."""
    if isinstance(module, nn.RNNBase):
        return True
    return "state" in inspect.signature(module.forward).parameters


class SequentialState(nn.Sequential):
    """Layers applied in order, passing each stateful layer its own state.

    Args:
        *modules: the layers.
        return_hidden: if True, ``forward`` returns the list of every layer's output instead
            of the last output.

    ``forward(input_tensor, state=None) -> (output, states)``: ``states`` is a list with one
    entry per layer (the layer's new state, or None for stateless layers); pass it back in
    at the next step. ``state=None`` starts every stateful layer from its initial state.

    Example::

        model = SequentialState(nn.Linear(4, 8), LIFCell(), nn.Linear(8, 2), LICell())
        state = None
        for x in inputs:  # (T, B, 4)
            out, state = model(x, state)
    """

    def __init__(self, *modules: nn.Module, return_hidden: bool = False) -> None:
        super().__init__(*modules)
        self.return_hidden = return_hidden
        self.forward_state_hooks: list[RemovableHandle] = []

    def forward(self, input_tensor: Any, state: list[Any] | None = None) -> tuple[Any, list[Any]]:
        """Apply each layer; returns ``(output or list of outputs, list of states)``."""
        outputs, new_state = _run_layers(self, input_tensor, state)
        if self.return_hidden:
            return outputs, new_state
        return (outputs[-1] if outputs else input_tensor), new_state

    def register_forward_state_hooks(
        self, forward_hook: Callable[[nn.Module, tuple[Any, ...], Any], Any]
    ) -> None:
        """Register ``forward_hook(module, inputs, outputs)`` on every stateful layer.

        ``outputs`` is the layer's ``(output, state)``. Raises ``ValueError`` if hooks are
        already registered (call :meth:`remove_forward_state_hooks` first).
        """
        if self.forward_state_hooks:
            raise ValueError("forward state hooks are already registered; remove them first")
        for module in self:
            if is_module_stateful(module):
                self.forward_state_hooks.append(module.register_forward_hook(forward_hook))

    def remove_forward_state_hooks(self) -> None:
        """Remove the hooks added by :meth:`register_forward_state_hooks`."""
        for handle in self.forward_state_hooks:
            handle.remove()
        self.forward_state_hooks.clear()

    def extra_repr(self) -> str:
        return f"return_hidden={self.return_hidden}" if self.return_hidden else ""


def _run_layers(
    layers: nn.Sequential, input_tensor: Any, state: list[Any] | None
) -> tuple[list[Any], list[Any]]:
    """Every layer's output and new state, passing stateful layers their state."""
    if state is None:
        state = [None] * len(layers)
    elif len(state) != len(layers):
        raise ValueError(
            f"state must be a list with one entry per layer ({len(layers)}), got "
            f"{len(state)} entries"
        )
    outputs, new_state = [], []
    for module, module_state in zip(layers, state):
        if is_module_stateful(module):
            input_tensor, module_state = module(input_tensor, module_state)
        else:
            input_tensor = module(input_tensor)
        outputs.append(input_tensor)
        new_state.append(module_state)
    return outputs, new_state


class RecurrentSequentialState(NamedTuple):
    """State of :class:`RecurrentSequential`: the fed-back output(s) ``cache`` of the last
    step and the list ``state`` of the layers' states (None before the first step)."""

    cache: Any = None
    state: Any = None


class RecurrentSequential(nn.Sequential):
    """Layers applied in order whose output is added to the input at the next step.

    Args:
        *modules: the layers (stateful ones get their state, as in :class:`SequentialState`).
        output_modules: the index of the layer whose output is returned and fed back
            (default -1, the last), or a list of indices: then the list of those layers'
            outputs is returned and their sum is fed back.

    ``forward(x, state=None) -> (output, RecurrentSequentialState(output, layer_states))``.
    At step ``t`` the first layer receives ``x_t + output_{t-1}`` (``x_t`` alone at the first
    step or when ``state`` is None); the fed-back output must have ``x``'s shape. Gradients
    flow through the feedback (nothing is detached).

    Example::

        model = RecurrentSequential(nn.Linear(4, 8), LIFCell(), nn.Linear(8, 4))
        state = None
        for x in inputs:  # (T, B, 4)
            out, state = model(x, state)
    """

    def __init__(self, *modules: nn.Module, output_modules: int | Sequence[int] = -1) -> None:
        super().__init__(*modules)
        indices = [output_modules] if isinstance(output_modules, int) else list(output_modules)
        if not indices or any(
            not isinstance(i, int) or not -len(modules) <= i < len(modules) for i in indices
        ):
            raise ValueError(
                f"output_modules must be a layer index or a non-empty list of indices in "
                f"[-{len(modules)}, {len(modules)}), got {output_modules!r}"
            )
        self.output_modules = output_modules

    def forward(
        self, x: Tensor, state: RecurrentSequentialState | None = None
    ) -> tuple[Any, RecurrentSequentialState]:
        """One step; see the class docstring."""
        if state is None:
            state = RecurrentSequentialState()
        if state.cache is not None:
            feedback = state.cache if isinstance(state.cache, Tensor) else sum(state.cache)
            if feedback.shape != x.shape:
                raise ValueError(
                    f"the fed-back output has shape {tuple(feedback.shape)}, but the input "
                    f"x has shape {tuple(x.shape)}; RecurrentSequential needs them equal"
                )
            x = x + feedback
        outputs, layer_states = _run_layers(self, x, state.state)
        if isinstance(self.output_modules, int):
            out = outputs[self.output_modules]
        else:
            out = [outputs[i] for i in self.output_modules]
        return out, RecurrentSequentialState(out, layer_states)

    def extra_repr(self) -> str:
        return f"output_modules={self.output_modules}"
