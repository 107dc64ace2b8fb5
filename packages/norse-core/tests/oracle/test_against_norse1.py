"""Compares spikes and voltages with Norse 1.1.0 on random inputs (forward pass).

Needs ``NORSE_ORACLE_PYTHON``: an interpreter whose ``import norse`` is Norse 1.x. The oracle
runs in a subprocess (``norse1_runner.py``); inputs and outputs travel as ``torch.save`` files.
Add a model by adding an entry to ``OURS`` here and to ``MODELS`` in the runner.
"""

import os
import pathlib
import subprocess

import pytest
import torch

import norse.torch as _nt
from norse.torch.module.iaf import IAFCell
from norse.torch.module.leaky_integrator import LICell
from norse.torch.module.leaky_integrator_box import LIBoxCell
from norse.torch.module.lif import LIFCell, LIFRecurrentCell
from norse.torch.module.lif_box import LIFBoxCell

RUNNER = pathlib.Path(__file__).with_name("norse1_runner.py")

# neurons-B models


def _trace(step, x, state, voltage=lambda s: s.v):
    outs, vs = [], []
    for t in range(x.shape[0]):
        out, state = step(x[t], state)
        outs.append(out)
        vs.append(voltage(state))
    return {"z": torch.stack(outs).detach(), "v": torch.stack(vs).detach()}


def _rec(cls, c):
    h, i = c["w_in"].shape
    return cls(i, h, input_weights=c["w_in"], recurrent_weights=c["w_rec"])


def _coba_ff(c):
    zeros = torch.zeros_like(c["x"][0])
    state = _nt.CobaLIFFeedForwardState(zeros - 20.0, zeros, zeros)
    return _trace(_nt.coba_lif_feed_forward_step, c["x"], state)


def _coba_recurrent(c):
    """Our ``CobaLIFRecurrent`` (the fused op) from the case's initial state, with zero input
    weights: Norse 1.x's ``CobaLIFCell`` ignores its input. The voltage after step ``t`` is the
    final state of the sequence ``x[:t + 1]``."""
    h, i = c["w_in"].shape
    p = _nt.CobaLIFParameters(c_m_inv=torch.as_tensor(40.0))
    zero = torch.zeros(h, i)
    model = _nt.CobaLIFRecurrent(i, h, p, input_weights=zero, recurrent_weights=c["w_rec"])
    state = _nt.CobaLIFState(*c["state"])
    with torch.enable_grad():  # (the test runs without): to see which op ran
        z, _ = model(c["x"], state)
    assert "coba_lif_recurrent" in type(z.grad_fn).__name__  # the fused op
    voltages = [model(c["x"][: t + 1], state)[1].v for t in range(c["x"].shape[0])]
    return {"z": z.detach(), "v": torch.stack(voltages)}


NEURONS_B = {
    "lif_ex_cell": (lambda c: _trace(_nt.LIFExCell(), c["x"], None), 3.0),
    "lif_ex_recurrent_cell": (lambda c: _trace(_rec(_nt.LIFExRecurrentCell, c), c["x"], None), 3.0),
    "lif_adex_cell": (lambda c: _trace(_nt.LIFAdExCell(), c["x"], None), 3.0),
    "lif_adex_recurrent_cell": (
        lambda c: _trace(_rec(_nt.LIFAdExRecurrentCell, c), c["x"], None),
        3.0,
    ),
    "lif_refrac_cell": (
        lambda c: _trace(_nt.LIFRefracCell(), c["x"], None, lambda s: s.lif.v),
        3.0,
    ),
    "lif_refrac_recurrent_cell": (
        lambda c: _trace(_rec(_nt.LIFRefracRecurrentCell, c), c["x"], None, lambda s: s.lif.v),
        3.0,
    ),
    "lsnn_cell": (lambda c: _trace(_nt.LSNNCell(), c["x"], None), 3.0),
    "lsnn_recurrent_cell": (lambda c: _trace(_rec(_nt.LSNNRecurrentCell, c), c["x"], None), 3.0),
    "coba_lif_feed_forward": (_coba_ff, 20.0),
    "izhikevich_cell": (
        lambda c: _trace(_nt.IzhikevichCell(_nt.tonic_spiking), c["x"], None),
        40.0,
    ),
    "coba_lif_recurrent": (_coba_recurrent, 1.0),
}


def _loop(cell, x):
    state, outs, vs = None, [], []
    for t in range(x.shape[0]):
        out, state = cell(x[t], state)
        outs.append(out)
        vs.append(state.v)
    return {"z": torch.stack(outs).detach(), "v": torch.stack(vs).detach()}


def _lif_recurrent(case):
    h, i = case["w_in"].shape
    cell = LIFRecurrentCell(i, h, input_weights=case["w_in"], recurrent_weights=case["w_rec"])
    return _loop(cell, case["x"])


# model name -> (our function, input scale)
OURS = {
    "lif_cell": (lambda c: _loop(LIFCell(), c["x"]), 3.0),
    "lif_recurrent_cell": (_lif_recurrent, 3.0),
    "lif_box_cell": (lambda c: _loop(LIFBoxCell(), c["x"]), 3.0),
    "li_cell": (lambda c: _loop(LICell(), c["x"]), 3.0),
    "li_box_cell": (lambda c: _loop(LIBoxCell(), c["x"]), 3.0),
    "iaf_cell": (lambda c: _loop(IAFCell(), c["x"]), 0.6),
    **NEURONS_B,
}


def _cases():
    generator = torch.Generator().manual_seed(1234)
    cases = {}
    for model, (_, scale) in OURS.items():
        x = torch.rand(40, 3, 5, generator=generator) * scale
        case = {"model": model, "x": x}
        if model.endswith("recurrent_cell"):
            w_rec = torch.randn(6, 6, generator=generator) * 0.5
            w_rec.fill_diagonal_(0.0)
            case.update(w_in=torch.randn(6, 5, generator=generator) * 0.7, w_rec=w_rec)
        if model == "coba_lif_recurrent":  # from a random state (some start above threshold)
            w_rec = torch.randn(6, 6, generator=generator) * 0.5
            w_rec.fill_diagonal_(0.0)
            z0 = torch.zeros(3, 6)
            v0 = torch.rand(3, 6, generator=generator) * 20.0 - 20.0
            g0 = [torch.rand(3, 6, generator=generator) * s for s in (2.0, 1.0)]
            case.update(w_in=torch.zeros(6, 5), w_rec=w_rec, state=(z0, v0, *g0))
        cases[model] = case
    return cases


def test_forward_matches_norse_1(tmp_path):
    oracle = os.environ.get("NORSE_ORACLE_PYTHON")
    if not oracle:
        pytest.skip("set NORSE_ORACLE_PYTHON to a Python with Norse 1.x to compare against it")
    cases = _cases()
    torch.save(cases, tmp_path / "in.pt")
    subprocess.run(
        [oracle, str(RUNNER), str(tmp_path / "in.pt"), str(tmp_path / "out.pt")],
        check=True,
        timeout=300,
    )
    theirs = torch.load(tmp_path / "out.pt")
    with torch.no_grad():
        for name, case in cases.items():
            ours = OURS[case["model"]][0](case)
            assert ours["z"].shape == theirs[name]["z"].shape, name
            assert torch.equal(ours["z"], theirs[name]["z"]), name
            torch.testing.assert_close(ours["v"], theirs[name]["v"], msg=name)
            if name not in ("li_cell", "li_box_cell"):
                assert ours["z"].sum() > 0, f"{name}: no spikes, the comparison is vacuous"
