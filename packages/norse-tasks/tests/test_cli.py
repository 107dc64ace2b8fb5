import json
import subprocess
import sys

import pytest

import norse.plugins
from norse.cli import main
from norse_tasks.cli import TASK_COMMAND
from norse_tasks.plugin import TASKS


def test_tasks_and_command_are_registered_through_the_entry_point():
    info = {i.name: i for i in norse.plugins.plugin_info()}["norse_tasks"]
    assert info.distribution == "norse-tasks"
    assert {name: norse.plugins.tasks()[name] for name in ("cartpole", "mnist", "cifar10")} == {
        t.name: t for t in TASKS
    }
    assert norse.plugins.commands()["task"] is TASK_COMMAND


@pytest.mark.parametrize("argv", [["task", "list"], ["task", "--list"]])
def test_task_list_prints_each_task_with_its_description(argv, capsys):
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert {"cartpole", "mnist", "cifar10"} <= set(names)
    assert any(line.startswith("mnist") and "convolutional SNN" in line for line in lines)


def test_unknown_task_and_no_subcommand_exit_with_status_2(capsys):
    assert main(["task", "run", "nope"]) == 2
    assert (
        "unknown task 'nope'; registered tasks: cartpole, cifar10, mnist" in capsys.readouterr().err
    )
    assert main(["task"]) == 2


def test_loading_the_plugin_imports_nothing_heavy():
    code = (
        "import sys, json, norse.plugins; norse.plugins.tasks(); norse.plugins.commands(); "
        "print(json.dumps([m for m in ('lightning', 'torchvision', 'gymnasium') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


@pytest.mark.parametrize(
    ("task", "expected"),
    [("mnist", "MNIST/raw (missing train-images-idx3-ubyte"), ("cifar10", "cifar-10-batches-py")],
)
def test_missing_data_says_where_and_how_to_fetch_it(task, expected, tmp_path, capsys):
    root = tmp_path / "nothing"
    assert main(["task", "run", task, "--data-root", str(root), "--output", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert expected in err and str(root) in err
    assert f"norse task run {task} --data-root {root} --download" in err


def test_missing_dependency_names_the_package(monkeypatch):
    from norse_tasks import common

    with pytest.raises(common.MissingDependency, match="pip install gymnasium"):
        common.require("gymnasium_is_not_installed", "gymnasium", "cartpole")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--neuron", "li"], "--neuron must be one of"),
        (["--surrogate", "nope"], "--surrogate must be one of"),
        (["--epochs", "0"], "--epochs must be >= 1"),
    ],
)
def test_bad_options_are_rejected(argv, message, capsys):
    from norse_tasks import cartpole

    with pytest.raises(SystemExit):
        cartpole.run(argv)
    assert message in capsys.readouterr().err


def test_norse_task_resolves_to_norse_tasks():
    import norse.task
    import norse_tasks.cartpole
    from norse.task import cartpole

    assert cartpole is norse_tasks.cartpole
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        norse.task.nope  # noqa: B018
