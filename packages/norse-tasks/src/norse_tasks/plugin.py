"""The Norse plugin of norse-tasks: registers its tasks and the ``norse task`` command."""

from __future__ import annotations

from collections.abc import Callable

from norse.hookspecs import CommandSpec, TaskSpec, hookimpl
from norse_tasks.cli import TASK_COMMAND
from norse_tasks.synthetic import SYNTHETIC_TASK


@hookimpl
def norse_register_tasks(register: Callable[[TaskSpec], None]) -> None:
    """Register the ``synthetic`` task."""
    register(SYNTHETIC_TASK)


@hookimpl
def norse_register_commands(register: Callable[[CommandSpec], None]) -> None:
    """Register ``norse task``."""
    register(TASK_COMMAND)
