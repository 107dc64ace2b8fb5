"""``Lift``: apply a one-step module to every time step of a ``(T, B, ...)`` sequence."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from norse.torch.module.sequential import is_module_stateful

__all__ = ["Lift"]


class Lift(nn.Module):
    """Lift ``module`` over time: ``out[t] = module(x[t])`` for ``x`` of shape ``(T, B, ...)``.

    If ``module`` is stateful (see :func:`norse.torch.module.sequential.is_module_stateful`)
    its state is threaded through the steps and ``forward`` returns
    ``(outputs (T, B, ...), final_state)``; otherwise it returns the stacked outputs.

    ``forward(input_tensor)`` takes the sequence, or an ``(input_tensor, state)`` tuple to
    start a stateful module from ``state`` (so a ``Lift`` can follow a stateful ``Lift`` in an
    ``nn.Sequential``). ``forward`` has no ``state`` parameter, so ``SequentialState`` treats a
    ``Lift`` as stateless, as in Norse.
    """

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        if not isinstance(module, nn.Module):
            raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
        self.lifted_module = module

    def forward(self, input_tensor: Any) -> Any:
        """Apply the module at each step of dim 0; see the class docstring for the result."""
        state = None
        if isinstance(input_tensor, tuple):
            input_tensor, state = input_tensor
        if not isinstance(input_tensor, Tensor) or input_tensor.dim() < 1:
            raise ValueError(
                "input_tensor must be a time-major tensor (T, B, ...), got "
                f"{getattr(input_tensor, 'shape', type(input_tensor).__name__)}"
            )
        stateful = is_module_stateful(self.lifted_module)
        outputs = []
        for x in input_tensor:
            if stateful:
                out, state = self.lifted_module(x, state)
            else:
                out = self.lifted_module(x)
            outputs.append(out)
        stacked = torch.stack(outputs)
        return (stacked, state) if stateful else stacked
