"""The ``norse viz`` command: draw a neuron, a recorded raster or a training run to a file.

::

    norse viz list                                  # the registered plots
    norse viz neuron lif --output lif.png           # any registered neuron, plugins too
    norse viz raster spikes.pt --output raster.png  # a saved (T, N) or (T, B, ...) tensor
    norse viz metrics runs/mnist --output run.png   # a norse-tasks run directory
    norse viz animate frames.pt --output movie.gif  # (T, H, W) activity; .mp4 needs ffmpeg

Pictures are drawn with matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from norse.hookspecs import CommandSpec

__all__ = ["VIZ_COMMAND"]

DPI = 100


def _configure(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="viz_command", metavar="PLOT")
    commands.add_parser("list", help="list the registered plots and neurons")
    neuron = commands.add_parser(
        "neuron", help="simulate a registered neuron under a step current and draw its states"
    )
    neuron.add_argument("name", help="a registered neuron (see `norse plugins`)")
    neuron.add_argument("--output", "-o", required=True, help="the picture file (.png, .svg, ...)")
    neuron.add_argument(
        "--amplitude", type=float, default=None, help="step height (default: found to spike)"
    )
    neuron.add_argument("--steps", type=int, default=300, help="time steps (default 300)")
    neuron.add_argument("--onset", type=int, default=30, help="step of the onset (default 30)")
    neuron.add_argument(
        "--dt", type=float, default=None, help="seconds per step (default: the cell's)"
    )
    raster = commands.add_parser("raster", help="draw a spike raster of a saved tensor (.pt)")
    raster.add_argument("file", help="a torch.save'd (T, N) or (T, B, ...) spike tensor")
    raster.add_argument("--output", "-o", required=True, help="the picture file")
    raster.add_argument("--dt", type=float, default=None, help="seconds per step (x in ms)")
    raster.add_argument("--batch", type=int, default=0, help="batch entry of (T, B, ...) input")
    metrics = commands.add_parser("metrics", help="draw the training curves of a norse-tasks run")
    metrics.add_argument("run", help="a run directory (with metrics.jsonl) or the file itself")
    metrics.add_argument("--output", "-o", required=True, help="the picture file")
    animate = commands.add_parser("animate", help="animate saved 2-D activity over time")
    animate.add_argument("file", help="a torch.save'd (T, H, W), (T, C, H, W) or 5-D tensor")
    animate.add_argument("--output", "-o", required=True, help="a .gif (or .mp4 with ffmpeg)")
    animate.add_argument("--fps", type=int, default=10, help="frames per second (default 10)")
    animate.add_argument("--dt", type=float, default=1e-3, help="seconds per step (titles)")
    parser.set_defaults(_viz_parser=parser)


def _load_tensor(path: str):
    import torch

    if not Path(path).is_file():
        raise FileNotFoundError(f"no such file: {path}")
    value = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(value, dict) and "spikes" in value:
        value = value["spikes"]
    if not isinstance(value, torch.Tensor):
        raise ValueError(
            f"{path} must hold a tensor (or a dict with 'spikes'), got {type(value).__name__}"
        )
    return value


def _save(fig, output: str) -> None:
    import matplotlib.pyplot as plt

    Path(output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {output}")


def _run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import norse.plugins

    command = args.viz_command
    try:
        if command is None:
            args._viz_parser.print_help(sys.stderr)
            return 2
        if command == "list":
            for name, entry in sorted(norse.plugins.registry("plots").items()):
                print(f"{name:16} {entry.spec.description} ({entry.plugin})")
            print("neurons for `norse viz neuron`:")
            for name, spec in sorted(norse.plugins.neurons().items()):
                print(f"  {name:16} {spec.description}")
            return 0
        if command == "neuron":
            from norse_viz.traces import plot_neuron

            fig, _ = plot_neuron(args.name, args.amplitude, args.steps, args.onset, args.dt)
            _save(fig, args.output)
        elif command == "raster":
            from norse_viz.raster import raster

            spikes = _load_tensor(args.file)
            if spikes.dim() > 2:
                if not 0 <= args.batch < spikes.shape[1]:
                    raise ValueError(f"--batch must be in [0, {spikes.shape[1]}), got {args.batch}")
                spikes = spikes[:, args.batch].reshape(spikes.shape[0], -1)
            elif spikes.dim() < 2:
                raise ValueError(
                    f"{args.file}: spikes must be (T, N) or (T, B, ...), got {tuple(spikes.shape)}"
                )
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(8, 5))
            raster(spikes, ax=ax, dt=args.dt)
            ax.set_title(f"{Path(args.file).name}: {int((spikes != 0).sum())} spikes")
            _save(fig, args.output)
        elif command == "metrics":
            from norse_viz.metrics import training_curves

            fig, _ = training_curves(args.run)
            _save(fig, args.output)
        elif command == "animate":
            from norse_viz.animation import animate

            animate(_load_tensor(args.file), args.output, fps=args.fps, dt=args.dt)
            print(f"wrote {args.output}")
    except (ValueError, TypeError, FileNotFoundError, RuntimeError) as error:
        print(f"norse viz {command}: error: {error}", file=sys.stderr)
        return 1
    return 0


VIZ_COMMAND = CommandSpec(
    "viz",
    "draw a neuron's states, a spike raster, training curves or an animation",
    _configure,
    _run,
)
"""The ``norse viz`` subcommand (registered by norse-viz's plugin)."""
