"""The Norse plugin of norse-tasks: registers its tasks and the ``norse task`` command.

Loading it is cheap: each task's module (and lightning, torchvision, gymnasium) is imported
only when the task runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from norse.hookspecs import CommandSpec, TaskSpec, hookimpl
from norse_tasks.cli import TASK_COMMAND


def _runner(module: str) -> Callable[[list[str]], int]:
    def run(argv: list[str]) -> int:
        return importlib.import_module(f"norse_tasks.{module}").run(argv)

    run.__doc__ = f"Run ``norse_tasks.{module}.run(argv)`` (imported on first use)."
    return run


TASKS = (
    TaskSpec(
        "cartpole",
        "balance gymnasium's CartPole-v1 with a spiking REINFORCE policy",
        _runner("cartpole"),
    ),
    TaskSpec(
        "mnist", "classify MNIST digits with a convolutional SNN (Lightning)", _runner("mnist")
    ),
    TaskSpec(
        "cifar10", "classify CIFAR-10 images with a VGG-style SNN (Lightning)", _runner("cifar10")
    ),
)
"""The tasks of norse-tasks."""


@hookimpl
def norse_register_tasks(register: Callable[[TaskSpec], None]) -> None:
    """Register ``cartpole``, ``mnist`` and ``cifar10``."""
    for task in TASKS:
        register(task)


@hookimpl
def norse_register_commands(register: Callable[[CommandSpec], None]) -> None:
    """Register ``norse task``."""
    register(TASK_COMMAND)
