"""The ``norse`` command: --version, plugins [--json], plugin subcommands, broken plugins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from norse import __version__, cli, plugins
from norse.hookspecs import CommandSpec, hookimpl
from norse.torch.ops import OPS


@pytest.fixture(autouse=True)
def core_only(monkeypatch):
    """In-process tests see only the core and the plugins they register."""
    monkeypatch.setenv(plugins.DISABLE_AUTOLOAD_ENV, "1")
    plugins._reset()
    yield
    plugins._reset()


def command_plugin(name: str, configure, run) -> object:
    class Plugin:
        @hookimpl
        def norse_register_commands(self, register):
            register(CommandSpec(name, f"the {name} command", configure, run))

    return Plugin()


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"norse-core {__version__}\n"


def test_no_subcommand_prints_help_and_fails(capsys):
    assert cli.main([]) == 2
    assert "plugins" in capsys.readouterr().err


def test_plugins_lists_the_core_and_its_registrations(capsys):
    assert cli.main(["plugins"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"norse (norse-core {__version__})"
    end = lines.index("fused ops (what serves each op on each device now):")
    registered = dict(line.strip().split(": ", 1) for line in lines[1:end])
    assert "lif" in registered["neurons"].split(", ")
    assert "super" in registered["surrogates"].split(", ")
    assert registered["commands"] == "kernels, plugins"
    serving = lines[end + 1 :]
    assert len(serving) == 2 * len(OPS)
    assert "  norse::leaky_sequence [cuda]: reference: PyTorch reference" in "\n".join(serving)


def test_plugins_json_matches_plugin_info(capsys):
    plugins.register_plugin(command_plugin("hello", lambda parser: None, lambda args: 0), "hi")
    assert cli.main(["plugins", "--json"]) == 0
    output = json.loads(capsys.readouterr().out)
    listed = output["plugins"]
    assert [p["name"] for p in listed] == ["norse", "hi"]
    assert listed[0]["distribution"] == "norse-core"
    assert listed[0]["version"] == __version__
    assert "lif" in listed[0]["registered"]["neurons"]
    assert listed[1] == {
        "name": "hi",
        "distribution": None,
        "version": None,
        "registered": {"commands": ["hello"]},
        "errors": [],
    }
    serving = {(k["op"], k["device"]): k for k in output["kernels_in_use"]}
    assert set(serving) == {(op, device) for op in OPS for device in ("cpu", "cuda")}
    cuda = serving["norse::leaky_sequence", "cuda"]
    assert cuda["source"] == "reference"
    assert "no kernel registered for cuda" in cuda["description"]


def test_plugin_commands_get_arguments_and_return_their_status(capsys):
    def configure(parser):
        parser.add_argument("count", type=int)

    def run(args):
        print("hello " * args.count)
        return 3

    plugins.register_plugin(command_plugin("hello", configure, run), "hi")
    assert cli.main(["hello", "2"]) == 3
    assert capsys.readouterr().out == "hello hello \n"


def test_a_command_that_fails_to_configure_warns_and_others_work(capsys):
    def configure(parser):
        raise RuntimeError("bad option table")

    plugins.register_plugin(command_plugin("broken", configure, lambda args: 0), "brk")
    assert cli.main(["plugins"]) == 0
    err = capsys.readouterr().err
    assert (
        "norse: warning: Norse plugin 'brk' command 'broken' could not be configured: "
        "RuntimeError: bad option table"
    ) in err
    assert cli.main(["broken"]) == 1
    assert "norse: error: Norse plugin 'brk' command 'broken'" in capsys.readouterr().err


def run_norse(args: list[str], tmp_path: Path, module: bool = True) -> subprocess.CompletedProcess:
    """Run ``norse`` in a subprocess with a broken and a working fake plugin installed."""
    info = tmp_path / "fake_norse_plugins-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-norse-plugins\nVersion: 0.3\n"
    )
    (info / "entry_points.txt").write_text(
        "[norse]\nexploding = exploding_plugin\nworking = working_plugin\n"
    )
    (tmp_path / "exploding_plugin.py").write_text("raise ImportError('libfoo.so not found')\n")
    (tmp_path / "working_plugin.py").write_text(
        textwrap.dedent(
            """
            from norse.hookspecs import CommandSpec, hookimpl

            @hookimpl
            def norse_register_commands(register):
                register(CommandSpec("greet", "greet", lambda p: None, lambda a: print("hi")))
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k != plugins.DISABLE_AUTOLOAD_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    if module:
        command = [sys.executable, "-m", "norse", *args]
    else:
        command = [str(Path(sys.executable).parent / "norse"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_an_installed_plugin_that_raises_on_import_leaves_norse_plugins_working(tmp_path):
    result = run_norse(["plugins"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "norse: warning: Norse plugin 'exploding' failed to import (exploding_plugin): "
        "ImportError: libfoo.so not found"
    ) in result.stderr
    assert "exploding (fake-norse-plugins 0.3)\n  error: failed to import" in result.stdout
    assert "working (fake-norse-plugins 0.3)\n  commands: greet\n" in result.stdout


def test_the_console_script_runs_plugin_commands_beside_a_broken_plugin(tmp_path):
    result = run_norse(["greet"], tmp_path, module=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hi\n"
    assert "'exploding' failed to import" in result.stderr
