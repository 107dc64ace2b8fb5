"""Export of what users train: sequence modules, Lift-wrapped layers, branching graphs; dt,
recurrent bias and Norse 1.x keywords."""

import nir
import numpy as np
import pytest
import torch
from torch import nn

import norse.torch as snn
import norse_nir

DT = 1e-4


def _run_steps(model, x):
    state, outs = None, []
    for t in range(x.shape[0]):
        out, state = model(x[t], state)
        outs.append(out)
    return torch.stack(outs)


def _lif_box():
    return snn.LIFBoxCell(snn.LIFBoxParameters(tau_mem_inv=torch.tensor(400.0), v_th=0.1), dt=DT)


class Residual(nn.Module):
    """A residual block with a skip connection and a concatenation."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4, 4)
        self.n1 = _lif_box()
        self.l2 = nn.Linear(4, 4)
        self.n2 = _lif_box()
        self.head = nn.Linear(8, 3)

    def forward(self, x, state=None):
        state = state or [None, None]
        y, s1 = self.n1(self.l1(x), state[0])
        z, s2 = self.n2(self.l2(y) + x, state[1])
        return self.head(torch.cat([z, y], -1)), [s1, s2]


def test_residual_block_with_skip_and_concatenation_round_trips_bit_equal(tmp_path):
    torch.manual_seed(0)
    model = Residual()
    x = 2 * torch.rand(30, 2, 4)
    graph = norse_nir.to_nir(model, x[0])
    assert ("input", "n2") in graph.edges and ("l2", "n2") in graph.edges  # the sum
    assert {"cat.0", "cat.1"} <= set(graph.nodes)  # the concatenation: selection Linears
    path = tmp_path / "residual.nir"
    norse_nir.write(path, graph)
    actual, _ = norse_nir.from_nir(path)(x)
    expected = _run_steps(model, x)
    assert torch.equal(actual, expected) and expected.abs().sum() > 0


def test_sequence_conv_net_and_recurrent_layer_in_sequential_state_export(tmp_path):
    torch.manual_seed(1)
    model = snn.SequentialState(
        snn.Lift(nn.Conv2d(2, 3, 3)),
        snn.LIF(dt=DT),
        snn.Lift(nn.Flatten()),
        snn.Lift(nn.Linear(48, 5)),
        snn.LIFRecurrent(5, 4, dt=DT),
        snn.LI(dt=DT),
    )
    x = 40 * torch.rand(12, 2, 2, 6, 6)
    graph = norse_nir.to_nir(model, x)
    assert graph.nodes["input"].input_type["input"].tolist() == [2, 6, 6]  # no T, B
    assert list(graph.nodes["0"].input_shape) == [6, 6]
    assert graph.nodes["output"].output_type["output"].tolist() == [4]
    assert ("4.w_rec", "4.lif") in graph.edges  # flat recurrent layer, snnTorch style
    norse_nir.write(tmp_path / "net.nir", graph)
    actual, _ = norse_nir.from_nir(tmp_path / "net.nir")(x)
    expected, _ = model(x)
    assert torch.equal(actual, expected)


def test_lif_recurrent_alone_has_no_batch_in_its_types():
    graph = norse_nir.to_nir(snn.LIFRecurrent(4, 3, dt=DT), torch.zeros(5, 2, 4))
    assert graph.nodes["input"].input_type["input"].tolist() == [4]
    assert set(graph.nodes) == {"input", "norse.w_in", "norse.lif", "norse.w_rec", "output"}


def test_unsupported_operations_name_themselves():
    class Bad(nn.Module):
        def forward(self, x):
            return torch.relu(x)

    with pytest.raises(TypeError, match="relu"):
        norse_nir.to_nir(Bad(), torch.zeros(1, 2))


def test_dt_travels_in_the_metadata_and_a_conflicting_dt_warns(tmp_path):
    torch.manual_seed(2)
    model = snn.SequentialState(nn.Linear(2, 3), snn.LIFBoxCell(dt=1e-3))
    x = 20 * torch.rand(100, 1, 2)
    with pytest.warns(UserWarning, match="assume dt=0.0001"):
        graph = norse_nir.to_nir(model, x[0])
    norse_nir.write(tmp_path / "m.nir", graph)
    expected = _run_steps(model, x)
    actual, _ = norse_nir.from_nir(tmp_path / "m.nir")(x)  # no dt given
    assert torch.equal(actual, expected) and expected.sum() > 10
    with pytest.warns(UserWarning, match=r"dt=0\.0001 was passed.*dt=0\.001"):
        norse_nir.from_nir(tmp_path / "m.nir", dt=1e-4)


def test_recurrent_affine_bias_acts_at_the_first_step():
    """NIR's y = W·x + b: the recurrent Affine gives b at step 0, as snnTorch's RLeaky."""
    n = 2
    lif = nir.LIF(
        tau=np.full(n, 1e-3),
        r=np.full(n, 10.0),
        v_leak=np.zeros(n),
        v_threshold=np.full(n, 100.0),
        v_reset=np.zeros(n),
    )
    rec = nir.Affine(weight=np.zeros((n, n)), bias=np.array([0.5, -0.25]))
    graph = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type={"input": np.array([n])}),
            "lif": lif,
            "rec": rec,
            "output": nir.Output(output_type={"output": np.array([n])}),
        },
        edges=[("input", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")],
        type_check=False,
    )
    module = norse_nir.from_nir(graph, dt=1e-4)
    _, state = module(torch.zeros(1, 1, n))
    v = state.nodes["lif"].v  # in units of r: the first step adds b·(dt·r/τ)/r = b
    torch.testing.assert_close(v * 10, torch.tensor([[0.5, -0.25]]))


def test_norse_1_keywords_are_accepted():
    model = snn.SequentialState(nn.Linear(2, 3), _lif_box())
    graph = norse_nir.to_nir(model, sample_data=torch.zeros(1, 2), model_name="net")
    assert set(graph.nodes) == {"input", "0", "1", "output"}
    graph = norse_nir.to_nir(nn.Linear(2, 3), sample_data=torch.zeros(1, 2))
    assert set(graph.nodes) == {"input", "norse", "output"}  # as Norse 1.1.0 names it
    from norse.torch.functional.reset import reset_subtract

    module = norse_nir.from_nir(graph, ignore_warnings=True, reset_method=reset_subtract, dt=1e-3)
    assert module(torch.zeros(1, 2))[0].shape == (1, 3)


class ChannelNet(nn.Module):
    """Two conv branches concatenated along channels, scaled, through a lifted sub-network."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 2, 3, padding=1)
        self.b = nn.Conv2d(1, 1, 3, padding=1)
        self.neuron = snn.LIFBox(snn.LIFBoxParameters(tau_mem_inv=torch.tensor(400.0)), dt=DT)
        self.head = snn.Lift(nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 2)))

    def forward(self, x):
        lifted = [torch.cat([self.a(x[t]), self.b(x[t])], 1) for t in range(x.shape[0])]
        z, _ = self.neuron(0.5 * torch.stack(lifted))
        return self.head(z)


def test_channel_concatenation_scale_and_lifted_subnetwork_round_trip():
    torch.manual_seed(3)
    model = ChannelNet()
    x = 60 * torch.rand(6, 2, 1, 4, 4)
    with pytest.raises(TypeError, match="Python control flow"):  # a loop over time
        norse_nir.to_nir(model, x)
    wrapped = _Wrapped(model)
    graph = norse_nir.to_nir(wrapped, x)
    kinds = sorted(type(n).__name__ for n in graph.nodes.values())
    assert kinds.count("Conv2d") == 4 and "Scale" in kinds and "Flatten" in kinds
    actual, _ = norse_nir.from_nir(graph)(x)
    expected = wrapped(x)
    assert torch.equal(actual, expected) and expected.abs().sum() > 0


class _Cat(nn.Module):
    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x):
        return torch.cat([self.a(x), self.b(x)], 1)


class _Wrapped(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.cat = snn.Lift(_Cat(model.a, model.b))
        self.neuron, self.head = model.neuron, model.head

    def forward(self, x):
        z, _ = self.neuron(0.5 * self.cat(x))
        return self.head(z)
