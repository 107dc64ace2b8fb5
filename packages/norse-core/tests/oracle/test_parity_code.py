"""Norse 1.x parity: ``parity_code.py`` gives the same numbers here and under Norse 1.1.0, and
every public name of Norse 1.x's modules exists here.

Needs ``NORSE_ORACLE_PYTHON`` (an interpreter whose ``import norse`` is Norse 1.x). The script
runs once in each interpreter (one subprocess each); all checks compare those two results.
"""

import os
import pathlib
import subprocess
import sys

import pytest
import torch

SCRIPT = pathlib.Path(__file__).with_name("parity_code.py")

# Norse 1.x names checked elsewhere (plotting and TensorBoard flags: norse-viz).
OWNED_ELSEWHERE = {"norse.torch": {"HAS_MATPLOTLIB", "HAS_TENSORBOARD"}}
# Not provided (yet): the recurrent adjoint steps (the parity issue asks for the feed-forward
# ones).
NOT_PROVIDED = {
    "norse.torch.functional.adjoint.lif_adjoint": {
        "LIFAdjointFunction", "LIFSparseAdjointFunction", "lif_adjoint_step",
        "lif_adjoint_step_sparse",
    },
    "norse.torch.functional.adjoint.lif_refrac_adjoint": {
        "LIFAdjointRefracFunction", "LIFSparseAdjointRefracFunction",
        "lif_refrac_adjoint_step", "lif_refrac_adjoint_step_sparse",
    },
    "norse.torch.functional.adjoint.lsnn_adjoint": {"LSNNAdjointFunction", "lsnn_adjoint_step"},
}  # fmt: skip
MODELS = {
    "ConvNet",
    "ConvNet4",
    "MobileNetV2",
    "VGG",
    "mobilenet_v2",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
}  # fmt: skip  (norse.torch.models, issue 6 of the parity list, helper "tasks")


def _run(python: str, out: pathlib.Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([python, str(SCRIPT), str(out)], check=True, timeout=300, env=env)
    return torch.load(out)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    oracle = os.environ.get("NORSE_ORACLE_PYTHON")
    if not oracle:
        pytest.skip("set NORSE_ORACLE_PYTHON to a Python with Norse 1.x to compare against it")
    tmp = tmp_path_factory.mktemp("parity")
    return _run(sys.executable, tmp / "ours.pt"), _run(oracle, tmp / "theirs.pt")


# Cases whose float32 sums are grouped differently from Norse 1.1.0's (receptive fields: one
# batched einsum over all kernels against Norse's two per kernel): compared at 1e-5 of each
# tensor's largest magnitude.
SCALED_TOLERANCE = {"receptive_fields"}


@pytest.mark.parametrize("case", ["regularization", "receptive_fields", "correlation", "dataset", "multicompartment", "adex_refrac", "mc_cells_conv_sensors",
                                  "ada_lif_step", "lif_sparse_steps", "thresholds", "defaults",
                                  "lift_and_containers", "utils", "decoders"])  # fmt: skip
def test_numbers_match_norse_1(results, case):
    ours, theirs = results[0]["cases"][case], results[1]["cases"][case]
    assert ours.keys() == theirs.keys()
    for name, expected in theirs.items():
        tol = {}
        if case in SCALED_TOLERANCE:
            tol = {"rtol": 1e-5, "atol": 1e-5 * float(expected.abs().max())}
        torch.testing.assert_close(
            ours[name], expected, msg=f"{case}: {name}", check_dtype=False, **tol
        )
    assert any(v.abs().sum() > 0 for v in ours.values()), f"{case}: all zero, a vacuous check"


def test_ada_lif_step_spikes(results):
    assert results[0]["cases"]["ada_lif_step"]["z"].sum() > 5


def test_every_norse_1_public_name_exists(results):
    """Every name a Norse 1.x module defines (every name for ``norse.torch``) exists here."""
    ours, theirs = results[0]["surface"], results[1]["surface"]
    missing = {}
    for module, names in theirs.items():
        if names is None:
            continue  # a module this Norse 1.x install lacks
        if ours[module] is None:
            missing[module] = "module missing"
            continue
        expected = set(names["all"] if module == "norse.torch" else names["defined"])
        skip = OWNED_ELSEWHERE.get(module, set()) | NOT_PROVIDED.get(module, set())
        if module == "norse.torch":
            skip |= MODELS
        gone = sorted(expected - set(ours[module]["all"]) - skip)
        if gone:
            missing[module] = gone
    assert not missing, missing
