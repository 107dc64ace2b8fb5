"""Norse 1.x checkpoints load here with ``strict=True`` and give Norse 1.1.0's outputs.

``checkpoint_code.py save`` runs under Norse 1.1.0 (``NORSE_ORACLE_PYTHON``) and saves
trained-looking state dicts and outputs; ``checkpoint_code.py load`` runs here, loads them
and computes the same outputs.
"""

import os
import pathlib
import subprocess
import sys

import pytest
import torch

SCRIPT = pathlib.Path(__file__).with_name("checkpoint_code.py")


def test_norse_1_checkpoints_load_and_give_the_same_outputs(tmp_path):
    oracle = os.environ.get("NORSE_ORACLE_PYTHON")
    if not oracle:
        pytest.skip("set NORSE_ORACLE_PYTHON to a Python with Norse 1.x to compare against it")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    path = tmp_path / "norse1.pt"
    subprocess.run([oracle, str(SCRIPT), "save", str(path)], check=True, timeout=300, env=env)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "load", str(path)],
        check=True, timeout=300, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert "state_dict without neuron parameters" in done.stderr
    result = torch.load(f"{path}.ours")
    assert result["outputs"].keys() == result["expected"].keys()
    for name, expected in result["expected"].items():
        assert expected.abs().sum() > 0, f"{name}: all-zero output, a vacuous check"
        torch.testing.assert_close(result["outputs"][name], expected, msg=name)
