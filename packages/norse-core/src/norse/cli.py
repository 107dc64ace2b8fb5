"""The ``norse`` command line (also ``python -m norse``).

``norse --version`` prints the core's version; ``norse plugins [--json]`` lists every plugin,
its distribution and version and what it registered, then which kernel serves each fused
sequence op on each device (``kernels_in_use`` in the JSON). Every other subcommand comes from a
plugin's ``norse_register_commands`` hook (the core registers ``plugins`` the same way).

Plugin failures never stop the command: each is printed to stderr as a warning that names
the plugin and the error, and the remaining plugins and commands keep working.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence

from norse import __version__, plugins
from norse.hookspecs import CommandSpec

__all__ = ["PLUGINS_COMMAND", "build_parser", "main"]


def _configure_plugins(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def _run_plugins(args: argparse.Namespace) -> int:
    from norse.torch.ops import kernel_table

    infos = plugins.plugin_info()
    serving = kernel_table()
    if args.json:
        listing = {
            "plugins": [info._asdict() for info in infos],
            "kernels_in_use": [
                {"op": k.op, "device": k.device, "source": k.source, "description": k.description}
                for k in serving
            ],
        }
        print(json.dumps(listing, indent=2))
        return 0
    for info in infos:
        origin = f"{info.distribution} {info.version}" if info.distribution else "in-process"
        print(f"{info.name} ({origin})")
        for kind, names in info.registered.items():
            print(f"  {kind}: {', '.join(names)}")
        if not info.registered and not info.errors:
            print("  (registers nothing)")
        for error in info.errors:
            print(f"  error: {error}")
    print("fused ops (what serves each op on each device now):")
    for k in serving:
        print(f"  {k.op} [{k.device}]: {k.source}: {k.description}")
    return 0


PLUGINS_COMMAND = CommandSpec(
    "plugins",
    "list installed Norse plugins, their versions and what they registered",
    _configure_plugins,
    _run_plugins,
)
"""The ``norse plugins [--json]`` subcommand, registered by the core's own plugin."""


def build_parser() -> argparse.ArgumentParser:
    """Build the ``norse`` argument parser with one subcommand per registered command.

    A command whose ``configure`` raises is reported with a
    :class:`norse.plugins.PluginWarning` naming its plugin; running it prints that error
    and exits with status 1.
    """
    parser = argparse.ArgumentParser(
        prog="norse", description="Norse: deep learning with spiking neural networks."
    )
    parser.add_argument("--version", action="version", version=f"norse-core {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, entry in sorted(plugins.registry("commands").items()):
        subparser = subparsers.add_parser(name, help=entry.spec.help, description=entry.spec.help)
        try:
            entry.spec.configure(subparser)
        except Exception as error:
            message = (
                f"Norse plugin {entry.plugin!r} command {name!r} could not be configured: "
                f"{type(error).__name__}: {error}"
            )
            warnings.warn(plugins.PluginWarning(message), stacklevel=2)
            subparser.set_defaults(_command=None, _error=message)
            continue
        subparser.set_defaults(_command=entry.spec, _error=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``norse`` command with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Without a subcommand it prints the help and returns 2.
    """
    with warnings.catch_warnings():
        show_other_warning = warnings.showwarning

        def show_warning(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, plugins.PluginWarning):
                print(f"norse: warning: {message}", file=sys.stderr)
            else:
                show_other_warning(message, category, filename, lineno, file, line)

        warnings.showwarning = show_warning
        warnings.simplefilter("default", plugins.PluginWarning)
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        if args._error is not None:
            print(f"norse: error: {args._error}", file=sys.stderr)
            return 1
        status = args._command.run(args)
    return 0 if status is None else int(status)
