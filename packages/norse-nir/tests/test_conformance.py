"""The NIR paper's graphs (tests/data, from neuromorphs/NIR) import, run and reproduce."""

import math

import numpy as np
import pytest
import torch

import norse_nir
from norse_nir import NIRFormatError


def _lif_trace(path, integration):
    rows = np.loadtxt(path.parent / "lif_exact.csv", delimiter=",")
    model = norse_nir.from_nir(path, dt=1e-4, integration=integration)
    x = torch.tensor(rows[:, 0], dtype=torch.float32).reshape(-1, 1, 1)
    state, spikes, voltages = None, [], []
    for t in range(x.shape[0]):
        z, state = model(x[t], state)
        spikes.append(z.item())
        voltages.append(state.nodes["1"].v.item())
    return rows, np.array(spikes), np.array(voltages)


@pytest.mark.parametrize("integration", ["euler", "exact"])
def test_lif_norse_spikes_where_the_exact_solution_does(data_dir, integration):
    rows, spikes, _ = _lif_trace(data_dir / "lif_norse.nir", integration)
    assert np.nonzero(spikes)[0].tolist() == [460, 510, 710, 760]
    assert np.nonzero(rows[:, 2])[0].tolist() == [460, 510, 710, 760]


def test_lif_norse_euler_reproduces_the_norse_and_snntorch_voltages(data_dir):
    _, _, v = _lif_trace(data_dir / "lif_norse.nir", "euler")
    norse = np.loadtxt(data_dir / "lif_norse.csv", delimiter=",")
    snntorch = np.loadtxt(data_dir / "lif_snntorch.csv", delimiter=",")
    np.testing.assert_allclose(v, norse[:, 1], atol=1e-7)
    # snnTorch imports r = 1 with unit input gain, so its voltage is tau/dt = 25 times ours
    np.testing.assert_allclose(v, snntorch[:, 1] / 25, atol=1e-7)


def test_lif_norse_exact_integration_matches_the_analytic_solution(data_dir):
    rows, _, v = _lif_trace(data_dir / "lif_norse.nir", "exact")
    # identical up to the first spike; the paper's exact solver then resets by subtraction
    np.testing.assert_allclose(v[:460], rows[:460, 1], atol=1e-7)
    assert np.abs(v[:460] - rows[:460, 1]).max() < 1e-7
    euler = _lif_trace(data_dir / "lif_norse.nir", "euler")[2]
    assert np.abs(euler[:460] - rows[:460, 1]).max() > 1e-4  # Euler is measurably different


@pytest.mark.parametrize("dt", [1e-4, 1e-3])
def test_two_lif_neurons_self_spiking_neuron_and_dt_dependent_effect(data_dir, dt):
    model = norse_nir.from_nir(data_dir / "two_lif_neurons.nir", dt=dt)
    state, lif1, lif2_v = None, [], []
    for _ in range(400):
        out, state = model(torch.zeros(1, 1), state)
        lif1.append(state.values["lif1"].item())
        lif2_v.append(state.nodes["lif2"].v.item())
        assert out.item() == 0.0  # threshold 20 is never reached
    # lif1 starts at v_leak = 1.2 > 1 and spikes; then v = 1.2 (1 - (1 - dt/tau)^n) after a reset
    decay = 1 - dt / 0.01
    period = next(n for n in range(1, 10_000) if 1.2 * (1 - decay**n) > 1.0)
    assert period == (179 if dt == 1e-4 else 18)
    assert np.nonzero(lif1)[0].tolist() == list(range(0, 400, period))
    # one spike moves lif2 by dt/tau: the effect of a spike depends on dt
    assert lif2_v[0] == pytest.approx(dt / 0.01, rel=1e-6)


def test_cnn_sinabs_runs_with_batch_8(data_dir):
    torch.manual_seed(0)
    model = norse_nir.from_nir(data_dir / "cnn_sinabs.nir", dt=1.0)
    x = (torch.rand(6, 8, 2, 34, 34) < 0.3).float()
    out, state = model(x)
    assert out.shape == (6, 8, 10)
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    assert out.sum() > 0
    first = state.values["1"]
    assert first.shape == (8, 16, 16, 16)
    # batch elements are independent: element 3 alone gives the same outputs
    alone, _ = model(x[:, 3:4])
    torch.testing.assert_close(alone[:, 0], out[:, 3])


def test_cnn_sinabs_first_layer_is_integrate_and_fire_with_r_dt_1(data_dir):
    model = norse_nir.from_nir(data_dir / "cnn_sinabs.nir", dt=1.0)
    conv = model.layers["0"]
    x = torch.rand(4, 2, 2, 34, 34)
    _, state = model(x)
    # IF, r = 1, dt = 1, threshold 1, v_reset 0: v accumulates conv(x) and resets on a spike
    v = torch.zeros(2, 16, 16, 16)
    for t in range(4):
        v = v + conv(x[t])
        z = (v > 1).float()
        v = v * (1 - z)
    torch.testing.assert_close(state.nodes["1"].v, v)


@pytest.mark.parametrize(
    "name, hidden",
    [("braille_noDelay_bias_zero.nir", 38), ("braille_noDelay_noBias_subtract.nir", 40)],
)
def test_braille_graphs_import_with_a_recurrent_cuba_lif(data_dir, name, hidden):
    torch.manual_seed(1)
    model = norse_nir.from_nir(data_dir / name, dt=1e-4)
    x = (torch.rand(30, 4, 12) < 0.3).float()
    out, state = model(x)
    assert out.shape == (30, 4, 7)
    assert ("lif1.lif", "lif1.w_rec") not in model.shapes.recurrent
    assert ("lif1.w_rec", "lif1.lif") in model.shapes.recurrent
    # a hand-written loop with the snnTorch convention (alpha/beta decays, unit gains)
    g = model.graph.nodes
    lif = g["lif1.lif"]
    w1 = model.layers["fc1"]
    wrec = model.layers["lif1_w_rec"]
    alpha = torch.tensor(1 - 1e-4 / lif.tau_syn, dtype=torch.float32)
    beta = torch.tensor(1 - 1e-4 / lif.tau_mem, dtype=torch.float32)
    gain_i = torch.tensor(1e-4 / lif.tau_syn * lif.w_in, dtype=torch.float32)
    gain_v = torch.tensor(1e-4 / lif.tau_mem * lif.r, dtype=torch.float32)
    i = torch.zeros(4, hidden)
    v = torch.zeros(4, hidden)
    z = torch.zeros(4, hidden)
    spikes = []
    with torch.no_grad():
        for t in range(30):
            i = alpha * i + gain_i * (w1(x[t]) + wrec(z))
            v = beta * v + gain_v * i
            z = (v > 1).float()
            v = v * (1 - z)
            spikes.append(z)
    assert np.allclose(lif.v_threshold, 1) and np.allclose(lif.v_reset, 0)
    assert np.allclose(lif.v_leak, 0)
    np.testing.assert_allclose(lif.r * 1e-4 / lif.tau_mem, 1.0, rtol=1e-3)  # r = tau_mem / dt
    torch.testing.assert_close(state.values["lif1.lif"], spikes[-1])
    assert state.nodes["lif1.lif"].v.shape == (4, hidden)


def test_braille_subgraph_variant_defect_is_a_clear_error(data_dir):
    with pytest.raises(NIRFormatError) as info:
        norse_nir.read(data_dir / "braille_noDelay_bias_zero_subgraph.nir")
    message = str(info.value)
    assert info.value.node == "lif1" and info.value.field == "edges"
    assert "('input', 'lif')" in message and "'lif1'" in message


def test_rockpool_lif_graph_output_shape_defect_is_a_clear_error(data_dir):
    with pytest.raises(NIRFormatError, match="outputs shape") as info:
        norse_nir.read(data_dir / "lif_rockpool.nir")
    assert info.value.field == "input_type"


def test_paper_graph_versions_are_read(data_dir):
    assert norse_nir.read_version(data_dir / "lif_norse.nir") == "0.1.1"
    assert norse_nir.read_version(data_dir / "cnn_sinabs.nir") == "0.2.0"
    assert math.isclose(
        float(norse_nir.read(data_dir / "lif_norse.nir").nodes["1"].tau[0]), 2.5e-3, rel_tol=1e-6
    )
