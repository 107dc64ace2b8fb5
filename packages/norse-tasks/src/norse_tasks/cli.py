"""The ``norse task`` command: list and run the registered tasks."""

from __future__ import annotations

import argparse

from norse.hookspecs import CommandSpec


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``norse task list`` and ``norse task run NAME [ARGS...]`` to ``parser``."""
    commands = parser.add_subparsers(dest="task_command", metavar="SUBCOMMAND", required=True)
    commands.add_parser("list", help="list the registered tasks")
    run_parser = commands.add_parser("run", help="run a task")
    run_parser.add_argument("name", help="the task's name (see norse task list)")
    run_parser.add_argument("task_args", nargs=argparse.REMAINDER, help="arguments of the task")


def run(args: argparse.Namespace) -> int:
    """Run ``norse task list`` or ``norse task run``; unknown task names exit with status 2."""
    import norse.plugins

    tasks = norse.plugins.registry("tasks")
    if args.task_command == "list":
        for name, entry in sorted(tasks.items()):
            print(f"{name}: {entry.spec.description} (from plugin {entry.plugin})")
        return 0
    if args.name not in tasks:
        known = ", ".join(sorted(tasks)) or "none"
        print(f"norse task: unknown task {args.name!r}; registered tasks: {known}")
        return 2
    return tasks[args.name].spec.run(args.task_args) or 0


TASK_COMMAND = CommandSpec("task", "list and run training tasks", configure, run)
