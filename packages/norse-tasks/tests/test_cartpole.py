import json
import os
import subprocess
import sys

import pytest
import torch

from norse.cli import main
from norse_tasks.cartpole import SpikingPolicy, discounted


def test_returns_to_go_are_discounted_and_stop_at_each_episode_end():
    alive = torch.tensor([[1, 1], [1, 1], [1, 0], [0, 0]], dtype=torch.bool)
    returns = discounted(alive, gamma=0.5)
    assert returns[:, 0].tolist() == [1.75, 1.5, 1.0, 0.0]
    assert returns[:, 1].tolist() == [1.5, 1.0, 0.0, 0.0]


def test_policy_maps_observations_to_logits_with_gradients():
    policy = SpikingPolicy(hidden=16, population=4, timesteps=3, neuron="lif_box")
    logits = policy(torch.randn(5, 4))
    assert logits.shape == (5, 2)
    logits.sum().backward()
    assert policy.encoder.weight.grad.abs().sum() > 0


def _policy(output):
    return torch.load(output / "checkpoints" / "last.pt", weights_only=True)["policy"]


@pytest.mark.slow
def test_resumed_training_ends_with_the_weights_of_an_uninterrupted_run(tmp_path):
    common = ["task", "run", "cartpole", "--batch-size", "8", "--hidden", "16", "--seed", "4"]
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert main([*common, "--epochs", "3", "--output", str(full)]) == 0
    assert main([*common, "--epochs", "2", "--output", str(cut)]) == 0
    assert main([*common, "--epochs", "3", "--output", str(cut), "--resume"]) == 0
    for key, value in _policy(full).items():
        assert torch.equal(_policy(cut)[key], value), key
    lines = (cut / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["update"] for line in lines] == [1, 2, 3]


@pytest.mark.slow
def test_the_default_command_solves_cartpole(tmp_path):
    """The main job: ``norse task run cartpole`` with its defaults (one run, about a minute on
    an idle 2-core CPU)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "norse", "task", "run", "cartpole", "--output", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["solved"] is True and summary["eval_mean_return"] >= 475
    assert summary["task"] == "cartpole" and summary["world_size"] == 1
    metrics = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert len(metrics) == summary["updates"] and metrics[-1]["episodes"] == summary["episodes"]
    assert metrics[-1]["eval_mean_return"] == summary["eval_mean_return"]
    assert f"summary: {tmp_path / 'summary.json'}" in done.stdout
