"""The ``norse nir`` command group."""

from __future__ import annotations

import argparse
import importlib.metadata

from norse.hookspecs import CommandSpec


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``norse nir`` subcommands to ``parser``."""
    parser.add_subparsers(dest="nir_command", metavar="SUBCOMMAND")


def run(args: argparse.Namespace) -> int:
    """Run ``norse nir``: without a subcommand, print the NIR version and the converters."""
    import norse.plugins

    print(f"nir {importlib.metadata.version('nir')}")
    converters = norse.plugins.registry("nir_converters")
    print(f"{len(converters)} NIR converters registered")
    for name, entry in sorted(converters.items()):
        print(f"  {name} (node {entry.spec.node_type}, from plugin {entry.plugin})")
    return 0


NIR_COMMAND = CommandSpec("nir", "convert between Norse and NIR graphs", configure, run)
