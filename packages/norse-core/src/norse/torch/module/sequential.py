"""``SequentialState``: an ``nn.Sequential`` that threads the state of stateful layers.

A module is *stateful* when its ``forward`` has a parameter named ``state`` or it is a
``torch.nn.RNNBase`` (LSTM, GRU, RNN); see :func:`is_module_stateful`. Stateful layers are
called as ``layer(x, state_i)`` and return ``(x, state_i)``; the others as ``layer(x)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from torch import nn
from torch.utils.hooks import RemovableHandle

__all__ = ["SequentialState", "is_module_stateful"]


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
        if state is None:
            state = [None] * len(self)
        elif len(state) != len(self):
            raise ValueError(
                f"state must be a list with one entry per layer ({len(self)}), got "
                f"{len(state)} entries"
            )
        new_state: list[Any] = []
        hidden: list[Any] = []
        for module, module_state in zip(self, state):
            if is_module_stateful(module):
                input_tensor, module_state = module(input_tensor, module_state)
            else:
                input_tensor = module(input_tensor)
            new_state.append(module_state)
            if self.return_hidden:
                hidden.append(input_tensor)
        return (hidden if self.return_hidden else input_tensor), new_state

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
