"""Files for nir 1.0.4 (pinned by Sinabs and Rockpool).

The reading checks run in the interpreter named by ``NORSE_NIR_LEGACY_PYTHON`` (an
environment with nir 1.0.4, and Sinabs if installed; the ``nir`` nox session makes
one); without it they are skipped with that reason.
"""

import os
import subprocess

import pytest
import torch
from torch import nn

import norse.torch as snn
import norse_nir

LEGACY = os.environ.get("NORSE_NIR_LEGACY_PYTHON")


def _model():
    torch.manual_seed(0)
    return snn.SequentialState(
        nn.Conv2d(1, 2, 3),
        snn.IAFCell(dt=1e-4),
        nn.Flatten(),
        nn.Linear(8, 3),
        snn.LIFBoxCell(dt=1e-4),
        nn.Linear(3, 2),
        snn.LIFCell(dt=1e-4),
    )


def test_nir_1_0_4_file_has_no_v_reset_and_imports_equal(tmp_path):
    model = _model()
    graph = norse_nir.to_nir(model, torch.zeros(1, 1, 4, 4))
    norse_nir.write(tmp_path / "old.nir", graph, nir_version="1.0.4")
    assert norse_nir.read_version(tmp_path / "old.nir") == "1.0.4"
    import h5py

    with h5py.File(tmp_path / "old.nir") as f:
        assert "v_reset" not in f["node/nodes/4"]
    x = 3 * torch.rand(10, 2, 1, 4, 4)
    old, _ = norse_nir.from_nir(tmp_path / "old.nir")(x)
    new, _ = norse_nir.from_nir(graph)(x)
    assert torch.equal(old, new)


def test_default_files_leave_out_zero_resets_and_nir_1_0_8_reads_them(tmp_path):
    import h5py
    import nir

    p = snn.LIFBoxParameters(v_reset=torch.tensor([0.0, -0.5]))
    model = snn.SequentialState(nn.Linear(2, 2), snn.IAFCell(), nn.Linear(2, 2), snn.LIFBoxCell(p))
    norse_nir.write(tmp_path / "new.nir", norse_nir.to_nir(model, torch.zeros(1, 2)))
    with h5py.File(tmp_path / "new.nir") as f:
        assert f["version"][()] == b"1.0.8"
        assert "v_reset" not in f["node/nodes/1"] and "v_reset" in f["node/nodes/3"]
    graph = nir.read(tmp_path / "new.nir")
    assert graph.nodes["1"].v_reset.tolist() == [0.0, 0.0]


def test_nir_1_0_4_refuses_what_it_cannot_express(tmp_path):
    p = snn.LIFBoxParameters(v_reset=torch.tensor(-0.5))
    graph = norse_nir.to_nir(snn.LIFBoxCell(p, dt=1e-4), torch.zeros(1, 2))
    with pytest.raises(norse_nir.NIRFormatError, match="v_reset") as error:
        norse_nir.write(tmp_path / "x.nir", graph, nir_version="1.0.4")
    assert error.value.node == "norse"
    graph = norse_nir.to_nir(snn.LICell(dt=1e-4), torch.zeros(1, 2))
    with pytest.raises(norse_nir.NIRFormatError, match="no CubaLI"):
        norse_nir.write(tmp_path / "x.nir", graph, nir_version="1.0.4")
    assert not (tmp_path / "x.nir").exists()


def _legacy(code):
    if not LEGACY:
        pytest.skip("set NORSE_NIR_LEGACY_PYTHON to a Python with nir 1.0.4 (nox -s nir)")
    result = subprocess.run([LEGACY, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_nir_1_0_4_reads_our_file(tmp_path):
    graph = norse_nir.to_nir(_model(), torch.zeros(1, 1, 4, 4))
    norse_nir.write(tmp_path / "old.nir", graph, nir_version="1.0.4")
    code = (
        "import nir\n"
        f"g = nir.read({str(tmp_path / 'old.nir')!r})\n"
        "print(nir.version, sorted(type(n).__name__ for n in g.nodes.values()))\n"
    )
    assert _legacy(code) == (
        "1.0.4 ['Affine', 'Affine', 'Conv2d', 'CubaLIF', 'Flatten', 'IF', 'Input', 'LIF', 'Output']"
    )


def test_sinabs_reads_our_integrate_and_fire_file(tmp_path):
    """Sinabs maps IF to IAFSqueeze, ignoring r (time in steps), so r = 1/dt is its v += x.

    Its outputs differ from ours: Sinabs resets by subtraction with multi-spikes by default,
    NIR (and this file) reset to 0.
    """
    torch.manual_seed(0)
    model = snn.SequentialState(nn.Linear(3, 5), snn.IAFCell(dt=1e-4))
    norse_nir.write(tmp_path / "if.nir", norse_nir.to_nir(model, torch.zeros(1, 3)))  # default
    code = (
        "import importlib.util, nir\n"
        "if importlib.util.find_spec('sinabs') is None: print('no sinabs'); raise SystemExit\n"
        "from sinabs.nir import from_nir\n"
        f"net = from_nir(nir.read({str(tmp_path / 'if.nir')!r}), batch_size=1)\n"
        "print(sorted(type(m).__name__ for m in net.children()))\n"
    )
    out = _legacy(code)
    if out == "no sinabs":
        pytest.skip("sinabs is not installed in NORSE_NIR_LEGACY_PYTHON")
    assert out == "['IAFSqueeze', 'Identity', 'Identity', 'Linear']"
