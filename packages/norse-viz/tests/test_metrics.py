import json

import pytest
from viz_pictures import inked_fraction, png_pixels

from norse_viz import read_metrics, training_curves


def _write(path, rows):
    path.mkdir(parents=True, exist_ok=True)
    (path / "metrics.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_training_curves_of_a_supervised_run(tmp_path):
    rows = [
        {
            "epoch": e,
            "train_loss": 1 / e,
            "val_loss": 1.2 / e,
            "val_accuracy": 0.5 + e / 10,
            "elapsed_s": 3.0 * e,
            "task": "mnist",
        }
        for e in range(1, 5)
    ]
    run = _write(tmp_path / "mnist-run", rows)
    fig, axes = training_curves(run)
    assert [ax.get_ylabel() for ax in axes] == ["loss (a.u.)", "accuracy (fraction)", "elapsed (s)"]
    assert [line.get_label() for line in axes[0].lines] == ["train_loss", "val_loss"]
    assert list(axes[1].lines[0].get_xdata()) == [1, 2, 3, 4]
    assert list(axes[1].lines[0].get_ydata()) == pytest.approx([0.6, 0.7, 0.8, 0.9])
    assert all(ax.get_xlabel() == "epoch" for ax in axes)
    assert fig._suptitle.get_text() == "mnist-run"
    assert inked_fraction(png_pixels(fig)) > 0.03


def test_training_curves_of_cartpole_updates_read_keys_generically(tmp_path):
    rows = [
        {
            "update": u,
            "episodes": 16 * u,
            "train_mean_return": 20.0 + 50 * u,
            "train_max_return": 30.0 + 60 * u,
            "loss": 1.0 / u,
            "eval_mean_return": 480.0 if u == 6 else None,
            "elapsed_s": 2.0 * u,
        }
        for u in range(1, 7)
    ]
    _, axes = training_curves(_write(tmp_path / "cartpole", rows) / "metrics.jsonl")
    assert [ax.get_ylabel() for ax in axes] == ["return (a.u.)", "loss (a.u.)", "elapsed (s)"]
    assert all(ax.get_xlabel() == "episodes" for ax in axes)
    labels = [line.get_label() for line in axes[0].lines]
    assert labels == ["train_mean_return", "train_max_return", "eval_mean_return"]
    assert list(axes[0].lines[2].get_xdata()) == [96.0]  # the one evaluated row


def test_read_metrics_errors_name_the_file_and_line(tmp_path):
    with pytest.raises(FileNotFoundError, match="no metrics file"):
        read_metrics(tmp_path)
    (tmp_path / "metrics.jsonl").write_text('{"epoch": 1}\n\nnot json\n')
    with pytest.raises(ValueError, match=r"metrics.jsonl:3 is not valid JSON"):
        read_metrics(tmp_path)
    (tmp_path / "metrics.jsonl").write_text('{"task": "x"}\n')
    with pytest.raises(ValueError, match="no numeric series"):
        training_curves(tmp_path)


def test_training_curves_into_an_array_of_axes():
    import matplotlib.pyplot as plt

    _, grid = plt.subplots(2, 2)
    _, axes = training_curves(
        [{"step": 1, "loss": 2.0, "lr": 0.1}, {"step": 2, "loss": 1.0, "lr": 0.1}], axes=grid
    )
    assert axes == [grid[0, 0], grid[0, 1]] and axes[1].get_ylabel() == "lr (a.u.)"
