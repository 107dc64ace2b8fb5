"""Interoperability with snnTorch and SpikingJelly (test-only dependencies) and the dt = 1e-4,
r = tau/dt convention."""

import nir
import numpy as np
import pytest
import torch

import norse.torch as snn
import norse_nir
from norse.torch.functional.lif_box import LIFBoxParameters

T = 60


def _norse_lif_box_model():
    torch.manual_seed(0)
    p = LIFBoxParameters(tau_mem_inv=torch.tensor(400.0), v_th=torch.tensor(0.1))
    return snn.SequentialState(torch.nn.Linear(3, 5), snn.LIFBoxCell(p, dt=1e-4))


def _run_norse(model, x):
    state, outs = None, []
    for t in range(x.shape[0]):
        out, state = model(x[t], state)
        outs.append(out)
    return torch.stack(outs)


def _run_nirtorch(module, x):
    state, outs = None, []
    for t in range(x.shape[0]):
        result = module(x[t]) if state is None else module(x[t], state)
        if isinstance(result, tuple):
            result, state = result
        outs.append(result)
    return torch.stack(outs)


def test_r_equals_tau_over_dt_graph_reproduces_forward_euler():
    tau, dt = 1e-3, 1e-4
    graph = nir.NIRGraph.from_list(
        nir.LIF(
            tau=np.full(1, tau),
            r=np.full(1, tau / dt),
            v_leak=np.zeros(1),
            v_threshold=np.ones(1),
            v_reset=np.zeros(1),
        )
    )
    x = torch.zeros(100, 1, 1)
    x[::2] = 0.3
    out, _ = norse_nir.from_nir(graph, dt=dt)(x)
    v, spikes = 0.0, []
    for t in range(100):  # v[t+1] = (1 - dt/tau) v[t] + (dt/tau) r x[t] = 0.9 v + x
        v = 0.9 * v + float(x[t])
        spikes.append(float(v > 1.0))
        v = 0.0 if v > 1.0 else v
    assert out.flatten().tolist() == spikes
    assert sum(spikes) >= 3  # Norse 1.1.0 ignores r (uses r = 1) and emits none


def test_snntorch_export_imports_and_reproduces_snntorch():
    pytest.importorskip("snntorch")
    import snntorch
    import snntorch.utils
    from snntorch.export_nir import export_to_nir

    torch.manual_seed(1)
    leaky = snntorch.Leaky(
        beta=0.4 + 0.5 * torch.rand(5),
        threshold=torch.full((5,), 0.8),
        reset_mechanism="zero",
        reset_delay=False,
        init_hidden=True,
    )
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), leaky)
    x = 1.5 * torch.rand(T, 2, 3)
    graph = export_to_nir(net, x[0], ignore_dims=[0])
    snntorch.utils.reset(net)
    expected = torch.stack([net(x[t]) for t in range(T)])
    actual, _ = norse_nir.from_nir(graph, dt=1e-4)(x)
    torch.testing.assert_close(actual, expected.detach())
    assert expected.sum() > 0


def test_our_export_imports_into_snntorch_and_reproduces_ours():
    pytest.importorskip("snntorch")
    from snntorch.import_nir import import_from_nir

    model = _norse_lif_box_model()
    x = 2 * torch.rand(T, 2, 3)
    expected = _run_norse(model, x)
    net = import_from_nir(norse_nir.to_nir(model, x[0]))
    torch.testing.assert_close(_run_nirtorch(net, x).detach(), expected.detach())
    assert expected.sum() > 0


def test_spikingjelly_export_imports_and_reproduces_spikingjelly():
    pytest.importorskip("spikingjelly")
    from spikingjelly.activation_based import functional, layer, neuron
    from spikingjelly.activation_based.nir_exchange import export_to_nir

    torch.manual_seed(2)
    net = torch.nn.Sequential(
        layer.Linear(3, 5), neuron.LIFNode(tau=4.0, decay_input=True, v_threshold=0.3, v_reset=0.0)
    )
    x = torch.rand(40, 2, 3)
    graph = export_to_nir(net, x[0], dt=1e-4)
    functional.reset_net(net)
    expected = torch.stack([net(x[t]) for t in range(40)])
    actual, _ = norse_nir.from_nir(graph, dt=1e-4)(x)
    torch.testing.assert_close(actual, expected.detach())
    assert expected.sum() > 0


def test_our_export_imports_into_spikingjelly_and_reproduces_ours():
    pytest.importorskip("spikingjelly")
    from spikingjelly.activation_based.nir_exchange import import_from_nir

    model = _norse_lif_box_model()
    x = 2 * torch.rand(T, 2, 3)
    expected = _run_norse(model, x)
    net = import_from_nir(norse_nir.to_nir(model, x[0]), dt=1e-4)
    torch.testing.assert_close(_run_nirtorch(net, x).detach(), expected.detach())
