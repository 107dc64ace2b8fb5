"""Export, write, read, import: identical outputs for every supported module and neuron."""

import pytest
import torch
from torch import nn

import norse.torch as snn
import norse_nir
from norse.torch.functional.iaf import IAFParameters
from norse.torch.functional.leaky_integrator import LIParameters
from norse.torch.functional.leaky_integrator_box import LIBoxParameters
from norse.torch.functional.lif import LIFParameters
from norse.torch.functional.lif_box import LIFBoxParameters
from norse.torch.functional.reset import reset_subtract

DT = 1e-3


def _rand(*shape):
    return torch.rand(*shape)


def _lif_p(shape, integrator="euler"):
    return LIFParameters(
        tau_syn_inv=100 + 200 * _rand(*shape),
        tau_mem_inv=50 + 100 * _rand(*shape),
        v_leak=0.1 * _rand(*shape),
        v_th=0.2 + 0.2 * _rand(*shape),
        v_reset=-0.1 * _rand(*shape),
        integrator=integrator,
    )


def _lif_box_p(shape, integrator="euler"):
    return LIFBoxParameters(
        tau_mem_inv=50 + 100 * _rand(*shape),
        v_leak=0.1 * _rand(*shape),
        v_th=0.1 + 0.2 * _rand(*shape),
        v_reset=-0.1 * _rand(*shape),
        integrator=integrator,
    )


def _li_p(shape, integrator="euler"):
    return LIParameters(
        tau_syn_inv=100 + 200 * _rand(*shape),
        tau_mem_inv=50 + 100 * _rand(*shape),
        v_leak=0.1 * _rand(*shape),
        integrator=integrator,
    )


def _li_box_p(shape, integrator="euler"):
    return LIBoxParameters(
        tau_mem_inv=50 + 100 * _rand(*shape), v_leak=0.1 * _rand(*shape), integrator=integrator
    )


def _iaf_p(shape):
    return IAFParameters(v_th=0.5 + _rand(*shape), v_reset=-0.2 * _rand(*shape))


def _cell_models(integrator):
    n = 6
    return {
        "LIFBoxCell": snn.SequentialState(
            nn.Linear(4, n), snn.LIFBoxCell(_lif_box_p((n,), integrator), dt=DT)
        ),
        "LIFCell": snn.SequentialState(
            nn.Linear(4, n), snn.LIFCell(_lif_p((n,), integrator), dt=DT)
        ),
        "LICell": snn.SequentialState(
            nn.Linear(4, n, bias=False), snn.LICell(_li_p((n,), integrator), dt=DT)
        ),
        "LIBoxCell": snn.SequentialState(
            nn.Linear(4, n), snn.LIBoxCell(_li_box_p((n,), integrator), dt=DT)
        ),
        "IAFCell": snn.SequentialState(nn.Linear(4, n), snn.IAFCell(_iaf_p((n,)), dt=DT)),
        "LIFRecurrentCell": snn.SequentialState(
            snn.LIFRecurrentCell(4, n, _lif_p((n,), integrator), dt=DT),
            nn.Linear(n, 3),
            snn.LICell(_li_p((3,), integrator), dt=DT),
        ),
        "scalar parameters": snn.SequentialState(
            nn.Linear(4, n), snn.LIFCell(LIFParameters(integrator=integrator), dt=DT), nn.Identity()
        ),
    }


def _run_steps(model, x):
    state, outs = None, []
    for t in range(x.shape[0]):
        out, state = model(x[t], state)
        outs.append(out)
    return torch.stack(outs)


def _round_trip(graph, tmp_path, dt, integration="euler"):
    path = tmp_path / "model.nir"
    norse_nir.write(path, graph)
    return norse_nir.from_nir(path, dt=dt, integration=integration)


@pytest.mark.parametrize("integrator", ["euler", "exact"])
@pytest.mark.parametrize(
    "name",
    [
        "LIFBoxCell",
        "LIFCell",
        "LICell",
        "LIBoxCell",
        "IAFCell",
        "LIFRecurrentCell",
        "scalar parameters",
    ],
)
def test_cell_round_trip_is_identical(tmp_path, name, integrator):
    torch.manual_seed(3)
    model = _cell_models(integrator)[name]
    x = 3 * torch.rand(50, 5, 4)
    expected = _run_steps(model, x)
    imported = _round_trip(norse_nir.to_nir(model, x[0]), tmp_path, DT, integrator)
    actual, _ = imported(x)
    # float32 rounding only (the exact factors are computed with different expressions)
    tolerance = 2e-6 if integrator == "euler" else 2e-5
    torch.testing.assert_close(actual, expected, atol=tolerance, rtol=1e-5)
    assert expected.abs().sum() > 0  # the test sees spikes or voltages


def test_sequence_modules_round_trip(tmp_path):
    torch.manual_seed(4)
    model = nn.Sequential(
        snn.Lift(nn.Linear(3, 5)),
        snn.LIF(_lif_p((5,)), dt=DT),
    )
    x = 2 * torch.rand(40, 2, 3)
    expected, _ = model[1](model[0](x))
    imported = _round_trip(norse_nir.to_nir(model, x), tmp_path, DT)
    actual, _ = imported(x)
    torch.testing.assert_close(actual, expected)
    assert expected.sum() > 0


def test_convolutional_network_round_trip(tmp_path):
    torch.manual_seed(5)
    model = snn.SequentialState(
        nn.Conv2d(2, 4, 3, stride=1, padding=1),
        snn.LIFBoxCell(_lif_box_p((4, 8, 8)), dt=DT),
        nn.LPPool2d(1, 2),
        nn.Conv2d(4, 3, 3, padding=1, bias=False),
        snn.IAFCell(_iaf_p((3, 4, 4)), dt=DT),
        nn.AvgPool2d(2, padding=1),
        nn.Flatten(),
        nn.Linear(27, 4),
        snn.LICell(_li_p((4,)), dt=DT),
    )
    x = 4 * torch.rand(20, 3, 2, 8, 8)
    expected = _run_steps(model, x)
    graph = norse_nir.to_nir(model, x[0])
    kinds = [type(graph.nodes[str(i)]).__name__ for i in range(9)]
    assert kinds == [
        "Conv2d",
        "LIF",
        "SumPool2d",
        "Conv2d",
        "IF",
        "AvgPool2d",
        "Flatten",
        "Affine",
        "CubaLI",
    ]
    actual, _ = _round_trip(graph, tmp_path, DT)(x)
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-5)


def test_conv1d_round_trip(tmp_path):
    torch.manual_seed(6)
    model = snn.SequentialState(
        nn.Conv1d(2, 3, 3, stride=2, dilation=1), snn.LIFBoxCell(_lif_box_p((3, 4)), dt=DT)
    )
    x = 3 * torch.rand(20, 2, 2, 10)
    expected = _run_steps(model, x)
    actual, _ = _round_trip(norse_nir.to_nir(model, x[0]), tmp_path, DT)(x)
    torch.testing.assert_close(actual, expected)


def test_exported_parameters_follow_the_documented_formulas():
    p = _lif_p((3,))
    graph = norse_nir.to_nir(snn.SequentialState(snn.LIFCell(p, dt=1e-4)), torch.zeros(1, 3))
    node = graph.nodes["0"]
    torch.testing.assert_close(torch.as_tensor(node.tau_mem), 1 / p.tau_mem_inv)
    torch.testing.assert_close(torch.as_tensor(node.tau_syn), 1 / p.tau_syn_inv)
    torch.testing.assert_close(torch.as_tensor(node.w_in), 1 / (1e-4 * p.tau_syn_inv))
    assert node.r.tolist() == [1.0, 1.0, 1.0]
    assert graph.metadata["dt"] == 1e-4
    iaf = norse_nir.to_nir(snn.IAFCell(dt=1e-3), torch.zeros(1, 2)).nodes["iafcell"]
    torch.testing.assert_close(torch.as_tensor(iaf.r), torch.full((2,), 1000.0))
    assert iaf.v_threshold.shape == (2,)  # scalar parameters are written per neuron


def test_subtractive_reset_is_refused_or_an_explicit_approximation():
    cell = snn.LIFBoxCell(LIFBoxParameters(reset_method=reset_subtract), dt=DT)
    with pytest.raises(ValueError, match="approximate_subtract_reset"):
        norse_nir.to_nir(cell, torch.zeros(1, 2))
    graph = norse_nir.to_nir(cell, torch.zeros(1, 2), approximate_subtract_reset=True)
    assert "reset_subtract" in graph.metadata["approximations"]


def test_unsupported_modules_and_mismatched_dt_are_errors():
    with pytest.raises(TypeError, match="has no NIR export"):
        norse_nir.to_nir(snn.SequentialState(nn.ReLU()), torch.zeros(1, 2))
    with pytest.raises(ValueError, match=r"dt=0\.001"):
        norse_nir.to_nir(snn.LIFBoxCell(dt=1e-3), torch.zeros(1, 2), dt=1e-4)
