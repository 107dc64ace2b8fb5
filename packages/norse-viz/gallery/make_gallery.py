"""Make the pictures of norse-viz's README gallery (run from anywhere; writes next to itself).

    python packages/norse-viz/gallery/make_gallery.py

Trains a small convolutional spiking network on a synthetic task (horizontal versus vertical
bars, 8x8 pixels, 20 steps of constant input current), writing its ``metrics.jsonl`` in the
format of norse-tasks, then draws: neurons (``norse viz neuron``), the trained network's conv
spikes (``norse viz raster``), its training curves (``norse viz metrics``), a conv heatmap, a
layer summary, the readout weights and an animation of the conv layer's spikes.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import torch
from torch import nn

import norse.plugins
import norse.torch as snn
import norse_viz
from norse.cli import main as norse_command

HERE = Path(__file__).parent
STEPS = 20


def bars(count: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` noisy 8x8 images of one bar: label 0 horizontal, 1 vertical."""
    labels = torch.randint(0, 2, (count,), generator=generator)
    images = torch.rand(count, 1, 8, 8, generator=generator) * 0.3
    where = torch.randint(1, 7, (count,), generator=generator)
    for n in range(count):
        if labels[n] == 0:
            images[n, 0, where[n], :] = 1.0
        else:
            images[n, 0, :, where[n]] = 1.0
    return images, labels


def model() -> nn.Module:
    return snn.SequentialState(
        nn.Conv2d(1, 4, 3),
        snn.LIFCell(),
        nn.Flatten(),
        nn.Linear(4 * 6 * 6, 32),
        snn.LIFCell(),
        nn.Linear(32, 2),
        snn.LICell(),
    )


def forward(network: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Run ``STEPS`` steps of constant input; the readout is the maximum LI voltage."""
    state, voltages = None, []
    for _ in range(STEPS):
        out, state = network(images * 5, state)
        voltages.append(out)
    return torch.stack(voltages).max(0).values


def train(network: nn.Module, run: Path, epochs: int = 8) -> None:
    """Train with Adam and write one norse-tasks style row per epoch to ``metrics.jsonl``."""
    generator = torch.Generator().manual_seed(0)
    train_x, train_y = bars(256, generator)
    val_x, val_y = bars(128, generator)
    optimiser = torch.optim.Adam(network.parameters(), lr=5e-3)
    start = time.perf_counter()
    run.mkdir(parents=True, exist_ok=True)
    with (run / "metrics.jsonl").open("w") as metrics:
        for epoch in range(1, epochs + 1):
            losses = []
            for batch in range(0, len(train_x), 32):
                loss = nn.functional.cross_entropy(
                    forward(network, train_x[batch : batch + 32]), train_y[batch : batch + 32]
                )
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                losses.append(loss.item())
            with torch.no_grad():
                logits = forward(network, val_x)
            row = {
                "epoch": epoch,
                "train_loss": sum(losses) / len(losses),
                "val_loss": nn.functional.cross_entropy(logits, val_y).item(),
                "val_accuracy": (logits.argmax(1) == val_y).double().mean().item(),
                "elapsed_s": time.perf_counter() - start,
            }
            metrics.write(json.dumps(row) + "\n")
            print(row)


def save(fig: plt.Figure, name: str) -> None:
    fig.savefig(HERE / name, dpi=70, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {HERE / name}")


def main() -> None:
    torch.manual_seed(0)
    for name in ("lif", "lsnn", "izhikevich", "qif"):
        if name in norse.plugins.neurons():
            norse_command(["viz", "neuron", name, "--output", str(HERE / f"neuron_{name}.png")])
    network = model()
    with tempfile.TemporaryDirectory() as scratch:
        run = Path(scratch) / "bars-run"
        train(network, run)
        norse_command(["viz", "metrics", str(run), "--output", str(HERE / "metrics.png")])
        images, _ = bars(4, torch.Generator().manual_seed(1))
        inputs = (images * 5).expand(STEPS, *images.shape)
        recordings = norse_viz.record(network, inputs)
        conv_spikes = recordings["1"].output  # (T, B, 4, 6, 6)
        torch.save(conv_spikes, Path(scratch) / "conv_spikes.pt")
        norse_command(
            [
                "viz",
                "raster",
                str(Path(scratch) / "conv_spikes.pt"),
                "--output",
                str(HERE / "raster.png"),
                "--dt",
                "1e-3",
            ]
        )
    save(norse_viz.heatmap(conv_spikes, label="spikes per step").figure, "heatmap.png")
    save(norse_viz.layer_summary(recordings).figure, "layer_summary.png")
    save(norse_viz.weights(network[3]).figure, "weights.png")
    norse_viz.animate(conv_spikes[:10], HERE / "conv_spikes.gif", fps=4)
    print(f"wrote {HERE / 'conv_spikes.gif'}")


if __name__ == "__main__":
    main()
