"""Training curves from a ``norse-tasks`` run's ``metrics.jsonl``."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["metric_series", "read_metrics", "training_curves"]

X_KEYS = ("epoch", "episodes", "episode", "step", "update", "iteration", "block")
"""Counter keys: the first present is the x axis (otherwise the row number); the others are
not drawn as series."""

_PREFIXES = ("train_", "val_", "valid_", "test_", "eval_", "mean_")


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """Read a ``metrics.jsonl`` (one JSON object per line; blank lines skipped).

    Args:
        path: the file, or a run directory that contains ``metrics.jsonl``.

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: if a line is not a JSON object (the message gives the line number).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "metrics.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"no metrics file at {path} (expected a norse-tasks run directory)")
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number} is not valid JSON: {error}") from error
        if not isinstance(row, dict):
            raise ValueError(f"{path}:{number} must be a JSON object, got {type(row).__name__}")
        rows.append(row)
    return rows


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _family(key: str) -> str:
    """The panel a series goes in: its key without split prefixes (``val_loss`` -> ``loss``)."""
    stripped = True
    while stripped:
        stripped = False
        for prefix in _PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key, stripped = key[len(prefix) :], True
    if "loss" in key:
        return "loss"
    if "acc" in key:
        return "accuracy"
    if "return" in key:
        return "return"
    return key


def metric_series(
    rows: Sequence[dict[str, Any]],
) -> tuple[str, dict[str, tuple[list[float], list[float]]]]:
    """Every numeric series in ``rows``, against the x key of :data:`X_KEYS`.

    Returns:
        ``(x_label, {key: (xs, ys)})``: rows without a finite number for a key (e.g.
        ``null``) are left out of that key's series; counters (:data:`X_KEYS`) are not
        series.
    """
    x_key = next((k for k in X_KEYS if any(_is_number(r.get(k)) for r in rows)), None)
    series: dict[str, tuple[list[float], list[float]]] = {}
    for number, row in enumerate(rows):
        x = row.get(x_key) if x_key else number
        if not _is_number(x):
            continue
        for key, value in row.items():
            if key not in X_KEYS and _is_number(value):
                xs, ys = series.setdefault(key, ([], []))
                xs.append(float(x))
                ys.append(float(value))
    return (x_key or "row"), series


def _unit(family: str) -> str:
    if family == "accuracy":
        return "accuracy (fraction)"
    if family.endswith("_s"):
        return f"{family[:-2].replace('_', ' ')} (s)"
    return f"{family.replace('_', ' ')} (a.u.)"


def training_curves(
    source: str | Path | Sequence[dict[str, Any]],
    axes: Sequence[Axes] | None = None,
    title: str | None = None,
) -> tuple[Figure, list[Axes]]:
    """Draw every numeric series of a training run against epoch (or step, episode, ...).

    Keys are read generically: series of the same family share a panel (``train_loss`` and
    ``val_loss`` in "loss", ``val_accuracy`` in "accuracy", returns in "return"; every other
    key, e.g. ``elapsed_s``, gets its own panel). Works for ``norse-tasks``' per-epoch rows
    and CartPole's per-evaluation-block rows alike.

    Args:
        source: a run directory, a ``metrics.jsonl`` file, or the rows themselves.
        axes: one axes per panel (families in order of first appearance), as a sequence
            or an array (``plt.subplots(1, 3)[1]``); a new figure when None.
        title: the figure title (default: the run directory's name).

    Returns:
        ``(figure, axes)``, one line per series (``ax.lines``), labelled with its key.

    Raises:
        ValueError: if there is no numeric series, or too few axes.
    """
    import matplotlib.pyplot as plt

    if isinstance(source, str | Path):
        if title is None:
            path = Path(source)
            title = (path if path.is_dir() else path.parent).name
        rows = read_metrics(source)
    else:
        rows = list(source)
    x_label, series = metric_series(rows)
    if not series:
        raise ValueError("the metrics hold no numeric series to plot")
    families: dict[str, list[str]] = {}
    for key in series:
        families.setdefault(_family(key), []).append(key)
    if axes is None:
        columns = min(len(families), 3)
        rows_n = math.ceil(len(families) / columns)
        fig, grid = plt.subplots(
            rows_n, columns, figsize=(4.2 * columns, 3.2 * rows_n), squeeze=False
        )
        axes = list(grid.flatten())
        for extra in axes[len(families) :]:
            extra.set_visible(False)
    else:
        axes = list(np.asarray(axes, dtype=object).flat)
        if len(axes) < len(families):
            raise ValueError(
                f"axes must hold {len(families)} axes ({', '.join(families)}), got {len(axes)}"
            )
        fig = axes[0].figure
    for ax, (family, keys) in zip(axes, families.items()):
        for key in keys:
            xs, ys = series[key]
            ax.plot(xs, ys, marker="o" if len(xs) < 30 else None, markersize=3, label=key)
        ax.set_xlabel(x_label)
        ax.set_ylabel(_unit(family))
        ax.legend(fontsize="small", frameon=False)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig, axes[: len(families)]
