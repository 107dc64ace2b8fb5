"""mnist on real handwritten digits (scikit-learn's) written as MNIST IDX files."""

import json
import os
import subprocess
import sys

import pytest
import torch
from formats import write_mnist

from norse.cli import main

pytestmark = pytest.mark.slow  # skipped in the build session (see noxfile)

OPTIONS = ["--timesteps", "4", "--batch-size", "32", "--accelerator", "cpu", "--seed", "3"]


def _weights(output):
    state = torch.load(output / "checkpoints" / "last.ckpt", weights_only=False)["state_dict"]
    return {k: v for k, v in state.items() if k.startswith("network.")}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_mnist(root, train=1200, test=500)
    return root


def _run(data, output, *extra):
    argv = ["task", "run", "mnist", "--data-root", str(data), "--output", str(output)]
    assert main([*argv, *OPTIONS, *extra]) == 0


def test_mnist_learns_and_resume_continues_to_the_same_weights(data, tmp_path):
    full, cut = tmp_path / "full", tmp_path / "cut"
    _run(data, full, "--epochs", "2")
    metrics = [json.loads(line) for line in (full / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics] == [1, 2]
    assert all(m["elapsed_s"] > 0 and 0 <= m["val_accuracy"] <= 1 for m in metrics)
    summary = json.loads((full / "summary.json").read_text())
    assert summary["task"] == "mnist" and summary["seed"] == 3 and summary["world_size"] == 1
    assert summary["epochs"] == 2 and summary["config"]["timesteps"] == 4
    assert set(summary["versions"]) == {"torch", "norse-core", "norse-tasks"}
    assert summary["test_accuracy"] > 0.88  # 0.92 measured (0.90-0.95 over seeds 0-4)
    assert metrics[1]["train_loss"] < metrics[0]["train_loss"]

    _run(data, cut, "--epochs", "1")  # interrupted after one epoch ...
    first = _weights(cut)
    saved = torch.load(full / "checkpoints" / "epoch0.ckpt", weights_only=False)["state_dict"]
    for key, value in first.items():  # same seed, same weights
        assert torch.equal(value, saved[key]), key
    _run(data, cut, "--epochs", "2", "--resume")  # ... and resumed
    resumed, uninterrupted = _weights(cut), _weights(full)
    assert resumed.keys() == uninterrupted.keys()
    for key, value in resumed.items():
        assert torch.equal(value, uninterrupted[key]), key
    assert len((cut / "metrics.jsonl").read_text().splitlines()) == 2


def test_two_ddp_processes_end_with_the_weights_of_one_process_on_the_same_batches(data, tmp_path):
    common = ["--data-root", str(data), "--epochs", "1", "--limit-batches", "3"]
    common += ["--timesteps", "2", "--accelerator", "cpu", "--seed", "5"]
    single, ddp = tmp_path / "single", tmp_path / "ddp"
    assert (
        main(["task", "run", "mnist", *common, "--batch-size", "16", "--output", str(single)]) == 0
    )
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2"]
    command += ["--master_port", "29517", "-m", "norse", "task", "run", "mnist", *common]
    command += ["--batch-size", "8", "--devices", "2", "--output", str(ddp)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((ddp / "summary.json").read_text())
    assert summary["world_size"] == 2
    first, second = summary["weights_sha256_per_rank"]
    assert first == second  # both ranks hold the same weights
    one, two = _weights(single), _weights(ddp)
    for key, value in one.items():
        torch.testing.assert_close(two[key], value, rtol=1e-4, atol=1e-5)
    assert not torch.equal(
        two["network.conv1.weight"],
        torch.load(ddp / "checkpoints" / "last.ckpt", weights_only=False)["state_dict"][
            "network.conv1.weight"
        ]
        * 0,
    )
