"""Importing Norse and taking a first step: no warning, no plugin's heavy dependency, no compiler.

Run in a fresh interpreter each, since the test process has imported much already. In a full
install (every plugin present, as in the nox ``build`` session) this checks that plugins are
light: a built-in neuron step discovers and imports none of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("matplotlib", "nir", "h5py", "triton", "torchvision", "gymnasium", "lightning")
"""Plugin dependencies a first step must not import."""
TORCH_COMPILER = ("torch._dynamo", "torch._inductor")
"""Imported by torch.compile only: an eager fused op must not need them (see
:mod:`norse.torch.ops._define`)."""
PLUGINS = ("norse_cuda", "norse_nir", "norse_tasks", "norse_viz", "norse_plugin_example")

FIRST_STEP = """
import json, sys, warnings
warnings.simplefilter("error")
import torch
import norse.torch as norse
spikes, state = norse.LIF()(torch.ones(4, 1, 3))
spikes.sum().backward() if spikes.requires_grad else None
print(json.dumps(sorted(m for m in %r if m in sys.modules)))
"""


def run(code: str) -> subprocess.CompletedProcess:
    # The reference kernels: a first C++ build (a minute or more) is not what this measures.
    env = {**os.environ, "NORSE_KERNELS": "reference"}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )


def test_import_and_first_lif_step_warn_nothing_and_import_no_plugin_dependency():
    result = run(FIRST_STEP % (HEAVY + PLUGINS + TORCH_COMPILER,))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
    assert "Failed to initialize NumPy" not in result.stderr
