"""Norse-1.x-style user code gives the same outputs and gradients here and in Norse 1.1.0.

``user_code.py`` is run unchanged by this package's interpreter and by the oracle's
(``NORSE_ORACLE_PYTHON``, an environment where ``import norse`` is Norse 1.1.0).
"""

import os
import pathlib
import subprocess
import sys

import pytest
import torch

SCRIPT = pathlib.Path(__file__).with_name("user_code.py")


def _run(python: str, out: pathlib.Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([python, str(SCRIPT), str(out)], check=True, timeout=300, env=env)
    return torch.load(out)


def test_user_code_matches_norse_1(tmp_path):
    oracle = os.environ.get("NORSE_ORACLE_PYTHON")
    if not oracle:
        pytest.skip("set NORSE_ORACLE_PYTHON to a Python with Norse 1.x to compare against it")
    ours = _run(sys.executable, tmp_path / "ours.pt")
    theirs = _run(oracle, tmp_path / "theirs.pt")
    assert ours.keys() == theirs.keys()
    for case, values in theirs.items():
        assert ours[case].keys() == values.keys(), case
        for name, expected in values.items():
            # Outputs and states at float32's default tolerance; gradients are float32 sums
            # over time (the fused ops group them differently than Norse's step loop), so
            # they get a relative tolerance of 1e-5 of their largest magnitude.
            scale = float(expected.abs().max()) if name.startswith("grad.") else 0.0
            torch.testing.assert_close(
                ours[case][name],
                expected,
                rtol=1.3e-6,
                atol=max(1e-5, 1e-5 * scale),
                msg=f"{case}: {name}",
            )
        assert ours[case]["out"].abs().sum() > 0, f"{case}: all-zero output, a vacuous check"
