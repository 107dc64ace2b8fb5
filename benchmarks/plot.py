"""Plot the table written by ``run.py --markdown``: ``python plot.py TABLE.md OUT.png``.

One panel per configuration; for each N, one bar per library (median forward + backward
time, log scale), annotated with the ratio to norse-core.
"""

from __future__ import annotations

import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

LIBRARIES = ("norse-core", "spikingjelly", "snntorch", "norse-1.1.0")
COLUMNS = ("config", "n", "library", "median_s")


def read_table(path: str) -> dict[str, dict[int, dict[str, float]]]:
    """``{config: {N: {library: median seconds}}}`` from a ``run.py`` Markdown table."""
    results: dict[str, dict[int, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    with open(path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 4 or not cells[1].isdigit():
                continue
            config, n, library, median = cells[:4]
            results[config][int(n)][library] = float(median)
    if not results:
        raise ValueError(f"{path}: no result rows found (expected run.py's Markdown table)")
    return results


def plot(results: dict[str, dict[int, dict[str, float]]], out: str) -> None:
    """Draw one log-scale bar panel per configuration and save it to ``out``."""
    configs = sorted(results)
    columns = min(3, len(configs))
    rows = -(-len(configs) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns, 4 * rows), squeeze=False)
    width = 0.8 / len(LIBRARIES)
    for ax in axes.flat[len(configs) :]:
        ax.set_visible(False)
    for ax, config in zip(axes.flat, configs):
        sizes = sorted(results[config])
        for k, library in enumerate(LIBRARIES):
            points = [
                (j + (k - (len(LIBRARIES) - 1) / 2) * width, results[config][n][library], n)
                for j, n in enumerate(sizes)
                if library in results[config][n]
            ]
            if not points:
                continue
            xs, ys, _ = zip(*points)
            ax.bar(xs, ys, width, label=library, color=f"C{k}")  # one colour per library
            for x, y, n in points:
                ratio = y / results[config][n]["norse-core"]
                ax.annotate(f"{ratio:.1f}x", (x, y), ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(sizes)), [f"N={n}" if n else "MNIST-shaped" for n in sizes])
        ax.set_yscale("log")
        ax.set_ylabel("forward + backward, median (s)")
        shape = "T=32, B=32" if config.startswith("conv") else "T=500, B=16"
        ax.set_title(f"{config}, {shape} (lower is better)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python plot.py TABLE.md OUT.png")
    plot(read_table(sys.argv[1]), sys.argv[2])
