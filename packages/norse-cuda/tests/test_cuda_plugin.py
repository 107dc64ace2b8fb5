import importlib.metadata
import json

import pytest
import torch

import norse.plugins
from norse import cli
from norse.torch import ops
from norse_cuda import leaky, plugin


def test_entry_point_points_at_the_plugin_module():
    (ep,) = [ep for ep in importlib.metadata.entry_points(group="norse") if ep.name == "norse_cuda"]
    assert ep.value == "norse_cuda.plugin"
    assert ep.dist.metadata["Name"] == "norse-cuda"


def test_plugin_loads_without_errors():
    info = {i.name: i for i in norse.plugins.plugin_info()}["norse_cuda"]
    assert (info.distribution, info.version) == ("norse-cuda", "0.1.0")
    assert info.errors == []


def test_triton_is_installed_with_it():
    assert int(importlib.metadata.version("triton").split(".")[0]) >= 3


def test_registers_both_leaky_kernels_for_cuda():
    kernels = norse.plugins.registry("kernels")
    for op, impl in [
        ("norse::leaky_sequence", plugin.FORWARD),
        ("norse::leaky_sequence_backward", plugin.BACKWARD),
    ]:
        entry = kernels[f"{op}[cuda]"]
        assert entry.plugin == "norse_cuda"
        assert entry.spec.impl is impl
        assert entry.spec.description.startswith("Triton, fused over time")
    info = {i.name: i for i in norse.plugins.plugin_info()}["norse_cuda"]
    assert info.registered == {
        "kernels": ["norse::leaky_sequence[cuda]", "norse::leaky_sequence_backward[cuda]"]
    }


def test_kernels_call_the_triton_functions():
    assert plugin.FORWARD.function is leaky.leaky_forward
    assert plugin.BACKWARD.function is leaky.leaky_backward


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only fallback")
def test_without_a_gpu_select_reports_why_the_reference_serves():
    assert plugin.FORWARD.available() == (False, "no CUDA device available to torch")
    for op in ("norse::leaky_sequence", "norse::leaky_sequence_backward"):
        choice = ops.select(op, "cuda")
        assert choice.source == "reference"
        assert "norse_cuda's kernel unavailable: no CUDA device" in choice.description
        assert (
            choice.impl is ops.contract.leaky_forward or choice.impl is ops.contract.leaky_backward
        )


def test_with_a_gpu_select_picks_the_triton_kernels(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert plugin.BACKWARD.available() == (True, "Triton with a CUDA device")
    forward = ops.select("norse::leaky_sequence", "cuda")
    assert (forward.source, forward.impl) == ("norse_cuda", plugin.FORWARD)
    backward = ops.select("norse::leaky_sequence_backward", "cuda")
    assert (backward.source, backward.impl) == ("norse_cuda", plugin.BACKWARD)
    monkeypatch.setenv(ops.KERNELS_ENV, "reference")
    assert ops.select("norse::leaky_sequence", "cuda").source == "reference"


def test_missing_triton_is_reported(monkeypatch):
    monkeypatch.setattr(plugin, "_triton_error", lambda: "triton cannot be imported (x)")
    assert plugin.FORWARD.available() == (False, "triton cannot be imported (x)")


def test_norse_plugins_json_lists_the_kernels(capsys):
    assert cli.main(["plugins", "--json"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)["plugins"]}
    assert listed["norse_cuda"]["distribution"] == "norse-cuda"
    assert listed["norse_cuda"]["registered"]["kernels"] == [
        "norse::leaky_sequence[cuda]",
        "norse::leaky_sequence_backward[cuda]",
    ]
    assert listed["norse_cuda"]["errors"] == []


def test_loading_the_plugin_and_listing_kernels_imports_no_triton():
    """Registering the kernels (and ``norse plugins``' status) must not import Triton."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from norse import plugins\n"
        "from norse.torch.ops import kernel_table\n"
        "assert 'norse::leaky_sequence[cuda]' in plugins.kernels()\n"
        "kernel_table()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('triton', 'norse_cuda')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['norse_cuda', 'norse_cuda.plugin']"


def test_status_answers_without_triton(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert plugin.FORWARD.status() == (False, "no CUDA device available to torch")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert plugin.FORWARD.status()[0]
