"""Norse 1.x checkpoints load here with ``strict=True`` and give Norse 1.1.0's outputs.

``checkpoint_code.py save`` runs under Norse 1.1.0 (``NORSE_ORACLE_PYTHON``) and saves
trained-looking state dicts and outputs; here the same file's ``load`` builds the models,
loads those state dicts and computes the outputs again (in this process).
"""

import importlib.util
import os
import pathlib
import subprocess

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
    spec = importlib.util.spec_from_file_location("checkpoint_code", SCRIPT)
    code = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(code)
    with pytest.warns(UserWarning, match="state_dict without neuron parameters"):
        code.main("load", str(path))
    result = torch.load(f"{path}.ours")
    assert result["outputs"].keys() == result["expected"].keys()
    for name, expected in result["expected"].items():
        assert expected.abs().sum() > 0, f"{name}: all-zero output, a vacuous check"
        torch.testing.assert_close(result["outputs"][name], expected, msg=name)
