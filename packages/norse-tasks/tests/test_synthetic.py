import argparse

import pytest
import torch

import norse.plugins
from norse_tasks.cli import TASK_COMMAND
from norse_tasks.synthetic import SYNTHETIC_TASK, SyntheticConfig, make_batch, parser, train


def test_batches_have_the_documented_shapes_and_rates():
    config = SyntheticConfig(time_steps=2000)
    spikes, labels = make_batch(config, 8, torch.Generator().manual_seed(1))
    assert spikes.shape == (2000, 8, 40)
    assert labels.shape == (8,) and labels.dtype == torch.int64
    assert set(spikes.unique().tolist()) <= {0.0, 1.0}
    rates = spikes.mean(dim=0)  # (8, 40)
    own = torch.arange(40) // 10 == labels[:, None]
    assert abs(rates[own].mean().item() - 0.3) < 0.01
    assert abs(rates[~own].mean().item() - 0.05) < 0.005


def test_training_lifts_accuracy_from_chance_to_near_perfect():
    before, after = train(SyntheticConfig(steps=150, test_samples=256))
    assert before < 0.5
    assert after > 0.9


def test_task_and_command_are_registered_through_the_entry_point():
    info = {i.name: i for i in norse.plugins.plugin_info()}["norse_tasks"]
    assert (info.distribution, info.version) == ("norse-tasks", "0.1.0")
    assert norse.plugins.tasks()["synthetic"] is SYNTHETIC_TASK
    assert norse.plugins.commands()["task"] is TASK_COMMAND


def test_task_command_lists_and_rejects_unknown_tasks(capsys):
    parser = argparse.ArgumentParser(prog="norse task")
    TASK_COMMAND.configure(parser)
    assert TASK_COMMAND.run(parser.parse_args(["list"])) == 0
    assert "synthetic: tell apart four classes" in capsys.readouterr().out
    assert TASK_COMMAND.run(parser.parse_args(["run", "nope"])) == 2
    assert "unknown task 'nope'; registered tasks: synthetic" in capsys.readouterr().out


def test_task_run_prints_accuracies_and_rejects_negative_steps(capsys):
    assert (parser().parse_args([]).steps, parser().parse_args([]).seed) == (200, 0)
    assert SYNTHETIC_TASK.run(["--steps", "0", "--seed", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("0 training steps")
    before = float(out[1].split(":")[1])
    after = float(out[2].split(":")[1])
    assert before == after  # no training step: the same network on the same test set
    with pytest.raises(SystemExit):
        SYNTHETIC_TASK.run(["--steps", "-1"])
