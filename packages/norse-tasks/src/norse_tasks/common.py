"""What every task shares: its command-line options, optional imports, and output files.

Output files in ``--output DIR`` (written by rank 0 only):

- ``metrics.jsonl``: one JSON object per line, per epoch (per update for ``cartpole``);
- ``summary.json``: task, seed, world size, wall time, every option (``config``), versions;
- ``checkpoints/``: what ``--resume`` continues from.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import time
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any


class MissingDependency(ImportError):
    """A task needs a package that is not installed; the message says what to install."""


class DataNotFound(FileNotFoundError):
    """A task's data set is not on disk and ``--download`` was not given."""


def require(module: str, package: str, task: str) -> ModuleType:
    """Import ``module`` for ``task``; raise :class:`MissingDependency` naming ``package``."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingDependency(
            f"norse task {task} needs the package {package!r} (import {module!r} failed: "
            f"{error}); install it with: pip install {package}  (pip install norse-tasks "
            "installs every task's dependencies)"
        ) from error


def add_common_options(
    parser: argparse.ArgumentParser, defaults: dict[str, Any], supervised: bool = True
) -> None:
    """Add the options every task takes; ``defaults`` gives each option's task default."""

    def option(name: str, kind: type, text: str) -> None:
        dest = name.lstrip("-").replace("-", "_")
        parser.add_argument(
            name, type=kind, default=defaults[dest], help=f"{text} (default %(default)s)"
        )

    option("--epochs", int, "epochs" if supervised else "maximum policy updates")
    option("--batch-size", int, "batch size per process" if supervised else "episodes per update")
    option("--lr", float, "learning rate of Adam")
    option("--seed", int, "random seed (same seed, same final weights)")
    option("--timesteps", int, "simulation steps per input")
    option("--neuron", str, "registered neuron model of the spiking layers (norse plugins)")
    option("--surrogate", str, "registered surrogate gradient")
    option("--output", str, "directory for metrics.jsonl, summary.json and checkpoints")
    parser.add_argument(
        "--resume", action="store_true", help="continue from OUTPUT/checkpoints (the last one)"
    )
    if supervised:
        option("--data-root", str, "directory of the data set")
        parser.add_argument(
            "--download", action="store_true", help="download the data set if it is missing"
        )
        parser.add_argument(
            "--limit-batches",
            type=float,
            default=None,
            help="batches per epoch (int) or fraction of them (float <= 1); default all",
        )
        option("--accelerator", str, "Lightning accelerator: cpu, gpu, auto")
        parser.add_argument(
            "--devices",
            default=defaults["devices"],
            help="devices (processes) (default %(default)s)",
        )
        option("--precision", str, "Lightning precision: 32-true, bf16-mixed, 16-mixed, ...")


def check_common(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Reject impossible option values and unknown neuron or surrogate names."""
    from norse.torch.models import fitting_neurons

    for name in ("epochs", "batch_size", "timesteps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.lr <= 0:
        parser.error(f"--lr must be > 0, got {args.lr}")
    if args.neuron not in fitting_neurons():
        parser.error(f"--neuron must be one of {fitting_neurons()}, got {args.neuron!r}")
    import norse.plugins

    if args.surrogate not in norse.plugins.surrogates():
        known = sorted(norse.plugins.surrogates())
        parser.error(f"--surrogate must be one of {known}, got {args.surrogate!r}")


def versions() -> dict[str, str]:
    """Installed versions of norse-core, norse-tasks and torch."""
    import torch

    found = {"torch": torch.__version__}
    for distribution in ("norse-core", "norse-tasks"):
        try:
            found[distribution] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            found[distribution] = "not installed"
    return found


class Outputs:
    """The files of one run in ``directory``; every method does nothing unless ``writer``.

    Args:
        directory: the ``--output`` directory (created).
        writer: whether this process writes (rank 0).
        resume: append to an existing ``metrics.jsonl`` instead of starting it anew.
    """

    def __init__(self, directory: str | os.PathLike, writer: bool, resume: bool) -> None:
        self.directory = Path(directory)
        self.checkpoints = self.directory / "checkpoints"
        self.metrics_path = self.directory / "metrics.jsonl"
        self.summary_path = self.directory / "summary.json"
        self.writer = writer
        self.start = time.perf_counter()
        if writer:
            self.checkpoints.mkdir(parents=True, exist_ok=True)
            if not resume:
                self.metrics_path.write_text("")

    def elapsed(self) -> float:
        """Seconds since this object was made."""
        return time.perf_counter() - self.start

    def metrics(self, record: dict[str, Any]) -> None:
        """Append ``record`` (plus ``elapsed_s``) as one line of ``metrics.jsonl``."""
        if self.writer:
            with self.metrics_path.open("a") as file:
                file.write(json.dumps({**record, "elapsed_s": round(self.elapsed(), 3)}) + "\n")

    def summary(self, task: str, args: argparse.Namespace, world_size: int, **results: Any) -> None:
        """Write ``summary.json``: task, seed, world size, wall time, config, versions and
        ``results``."""
        if self.writer:
            summary = {
                "task": task,
                "seed": args.seed,
                "world_size": world_size,
                "wall_time_s": round(self.elapsed(), 3),
                "config": vars(args),
                "versions": versions(),
                **results,
            }
            self.summary_path.write_text(json.dumps(summary, indent=2) + "\n")
