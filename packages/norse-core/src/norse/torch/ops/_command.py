"""The ``norse kernels`` command: build the compiled kernels ahead of time, show what serves.

``norse kernels build`` prepares every registered kernel that needs preparing (the core's C++
CPU kernels are compiled into torch's extension cache, ``TORCH_EXTENSIONS_DIR``), so that
container images and cluster nodes can ship a ready, even read-only, cache and no training
run compiles. ``norse kernels status`` lists what serves each fused op, never building.
"""

from __future__ import annotations

import argparse

from norse.hookspecs import CommandSpec

__all__ = ["KERNELS_COMMAND"]


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("build", help="compile the C++ kernels now (into TORCH_EXTENSIONS_DIR)")
    actions.add_parser("status", help="show what serves each fused op (never compiles)")


def _run(args: argparse.Namespace) -> int:
    from norse import plugins
    from norse.torch.ops import kernel_table

    if args.action == "status":
        for k in kernel_table():
            print(f"{k.op} [{k.device}]: {k.source}: {k.description}")
        return 0
    failed = 0
    for key, entry in plugins.registry("kernels").items():
        available = getattr(entry.spec.impl, "available", None)
        if available is None or entry.spec.device != "cpu":
            continue
        ok, why = available()
        print(f"{key} ({entry.plugin}): {'ready' if ok else 'UNAVAILABLE'}: {why}")
        failed += not ok
    return 1 if failed else 0


KERNELS_COMMAND = CommandSpec(
    "kernels",
    "build Norse's compiled CPU kernels ahead of time (`norse kernels build`) or show them",
    _configure,
    _run,
)
"""The ``norse kernels {build,status}`` subcommand, registered by the core's own plugin."""
