"""The ``norse task`` command: ``norse task list`` (or ``--list``) and ``norse task run NAME``."""

from __future__ import annotations

import argparse
import sys

from norse.hookspecs import CommandSpec


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``list``, ``--list`` and ``run NAME [ARGS...]`` to ``parser``."""
    parser.add_argument("--list", action="store_true", help="list the registered tasks")
    commands = parser.add_subparsers(dest="task_command", metavar="SUBCOMMAND")
    commands.add_parser("list", help="list the registered tasks")
    run_parser = commands.add_parser("run", help="run a task (norse task run NAME --help)")
    run_parser.add_argument("name", help="the task's name (see norse task list)")
    run_parser.add_argument("task_args", nargs=argparse.REMAINDER, help="arguments of the task")


def run(args: argparse.Namespace) -> int:
    """Run ``norse task list`` or ``norse task run``; unknown task names exit with status 2,
    a task's missing dependency or data with status 1 and one message on stderr."""
    import norse.plugins
    from norse_tasks.common import DataNotFound, MissingDependency

    tasks = norse.plugins.registry("tasks")
    if args.list or args.task_command == "list":
        width = max((len(name) for name in tasks), default=0)
        for name, entry in sorted(tasks.items()):
            print(f"{name:<{width}}  {entry.spec.description} (plugin {entry.plugin})")
        return 0
    if args.task_command is None:
        print("norse task: give list, --list or run NAME (norse task --help)", file=sys.stderr)
        return 2
    if args.name not in tasks:
        known = ", ".join(sorted(tasks)) or "none"
        print(f"norse task: unknown task {args.name!r}; registered tasks: {known}", file=sys.stderr)
        return 2
    try:
        return tasks[args.name].spec.run(args.task_args) or 0
    except (MissingDependency, DataNotFound) as error:
        print(f"norse task run {args.name}: error: {error}", file=sys.stderr)
        return 1


TASK_COMMAND = CommandSpec("task", "list and run training tasks", configure, run)
