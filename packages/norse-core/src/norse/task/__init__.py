"""``norse.task`` (Norse 1.x's tasks) resolves to the ``norse-tasks`` plugin (``norse_tasks``).

``from norse.task import cartpole, mnist, cifar10`` returns ``norse_tasks``' modules (and any
other attribute of ``norse_tasks``); without norse-tasks installed it raises an ``ImportError``
saying ``pip install norse-tasks``. The command line is ``norse task run NAME``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

MISSING = (
    "norse.task needs the norse-tasks package, which is not installed: pip install norse-tasks"
)


def _plugin() -> ModuleType:
    try:
        return importlib.import_module("norse_tasks")
    except ModuleNotFoundError as error:
        if error.name != "norse_tasks":
            raise
        raise ImportError(MISSING) from error


def __getattr__(name: str) -> Any:
    """A submodule or attribute of ``norse_tasks`` (``cartpole``, ``mnist``, ``cifar10``, ...)."""
    if name.startswith("__"):
        raise AttributeError(name)
    plugin = _plugin()
    try:
        return importlib.import_module(f"norse_tasks.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"norse_tasks.{name}":
            raise
    try:
        return getattr(plugin, name)
    except AttributeError:
        raise AttributeError(f"norse.task (norse_tasks) has no attribute {name!r}") from None
