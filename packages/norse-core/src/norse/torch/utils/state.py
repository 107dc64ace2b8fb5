"""Is a module stateful? (Norse 1.x's ``norse.torch.utils.state``.)

A module is *stateful* when its ``forward`` has a parameter named ``state`` or it is a
``torch.nn.RNNBase``; ``SequentialState`` and ``Lift`` pass such modules their state.
"""

from __future__ import annotations

from norse.torch.module.sequential import is_module_stateful

__all__ = ["is_module_stateful"]

_is_module_stateful = is_module_stateful
"""Norse 1.x's (private) name of :func:`is_module_stateful`."""
