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
pytestmark = pytest.mark.filterwarnings("ignore:to_nir. this graph uses dt")


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


def _round_trip(graph, tmp_path):
    """Write, read and import with the defaults: dt and integrators come from the file."""
    path = tmp_path / "model.nir"
    norse_nir.write(path, graph)
    return norse_nir.from_nir(path)


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
@pytest.mark.parametrize("convention", ["tau_over_dt", "unit_r"])
def test_cell_round_trip_is_bit_equal(tmp_path, name, integrator, convention):
    torch.manual_seed(3)
    model = _cell_models(integrator)[name]
    x = 3 * torch.rand(25, 5, 4)
    expected = _run_steps(model, x)
    graph = norse_nir.to_nir(model, x[0], convention=convention)
    actual, _ = _round_trip(graph, tmp_path)(x)
    assert torch.equal(actual, expected)  # the core's own neurons, the exact parameters
    assert expected.abs().sum() > 0  # the test sees spikes or voltages


def test_import_from_the_fields_alone_matches_closely(tmp_path):
    """Without norse metadata (another tool's file) the fields alone give the same model."""
    torch.manual_seed(7)
    model = _cell_models("euler")["LIFCell"]
    x = 3 * torch.rand(25, 5, 4)
    expected = _run_steps(model, x)
    graph = norse_nir.to_nir(model, x[0])
    for node in graph.nodes.values():
        node.metadata.pop("norse", None)
    imported = norse_nir.from_nir(graph)
    cell = imported.layers["1"].cell
    assert type(cell) is snn.LIFCell  # a core neuron module
    torch.testing.assert_close(cell.p.v_th, model[1].p.v_th)  # voltages in Norse's unit
    actual, _ = imported(x)
    torch.testing.assert_close(actual, expected)


def test_sequence_modules_round_trip(tmp_path):
    torch.manual_seed(4)
    model = nn.Sequential(
        snn.Lift(nn.Linear(3, 5)),
        snn.LIF(_lif_p((5,)), dt=DT),
    )
    x = 2 * torch.rand(25, 2, 3)
    expected, _ = model[1](model[0](x))
    imported = _round_trip(norse_nir.to_nir(model, x), tmp_path)
    actual, _ = imported(x)
    assert torch.equal(actual, expected)
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
    x = 4 * torch.rand(12, 3, 2, 8, 8)
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
    actual, _ = _round_trip(graph, tmp_path)(x)
    assert torch.equal(actual, expected)


def test_conv1d_round_trip(tmp_path):
    torch.manual_seed(6)
    model = snn.SequentialState(
        nn.Conv1d(2, 3, 3, stride=2, dilation=1), snn.LIFBoxCell(_lif_box_p((3, 4)), dt=DT)
    )
    x = 3 * torch.rand(12, 2, 2, 10)
    expected = _run_steps(model, x)
    actual, _ = _round_trip(norse_nir.to_nir(model, x[0]), tmp_path)(x)
    assert torch.equal(actual, expected)


def test_exported_parameters_follow_the_documented_formulas():
    p = _lif_p((3,))
    dt = 1e-4
    model = snn.SequentialState(snn.LIFCell(p, dt=dt))
    node = norse_nir.to_nir(model, torch.zeros(1, 3)).nodes["0"]
    r = 1 / (dt * p.tau_mem_inv.double())  # r = tau_mem / dt, voltages scaled by r
    torch.testing.assert_close(torch.as_tensor(node.tau_mem).double(), 1 / p.tau_mem_inv.double())
    torch.testing.assert_close(torch.as_tensor(node.tau_syn).double(), 1 / p.tau_syn_inv.double())
    torch.testing.assert_close(
        torch.as_tensor(node.w_in).double(), 1 / (dt * p.tau_syn_inv.double())
    )
    torch.testing.assert_close(torch.as_tensor(node.r).double(), r)
    torch.testing.assert_close(torch.as_tensor(node.v_threshold).double(), p.v_th.double() * r)
    torch.testing.assert_close(torch.as_tensor(node.v_leak).double(), p.v_leak.double() * r)
    unit = norse_nir.to_nir(model, torch.zeros(1, 3), convention="unit_r").nodes["0"]
    assert unit.r.tolist() == [1.0, 1.0, 1.0]
    torch.testing.assert_close(torch.as_tensor(unit.v_threshold), p.v_th)
    with pytest.warns(UserWarning, match=r"dt=0\.001 s.*assume dt=0\.0001"):
        graph = norse_nir.to_nir(snn.IAFCell(dt=1e-3), torch.zeros(1, 2))
    assert graph.metadata["dt"] == 1e-3
    iaf = graph.nodes["norse"]  # a module exported on its own is named as in Norse 1.x
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
