"""Plugins add NIR mappings through norse_register_nir_converters (the example plugin's QIF)."""

import numpy as np
import pytest
import torch

import norse.plugins
import norse.torch as snn
import norse_nir

qif = pytest.importorskip("norse_plugin_example")


def test_example_plugin_registers_its_qif_converter():
    spec = norse.plugins.nir_converters()["qif"]
    assert spec.module_types == (qif.QIFCell,)
    plugin = norse.plugins.registry("nir_converters")["qif"].plugin
    info = {i.name: i for i in norse.plugins.plugin_info()}[plugin]
    assert info.distribution == "norse-plugin-example"


def test_qif_exports_as_a_tagged_lif_and_imports_as_the_exact_qif(tmp_path):
    torch.manual_seed(7)
    p = qif.QIFParameters(
        a=1 + torch.rand(4), v_c=0.3 + 0.2 * torch.rand(4), v_th=torch.full((4,), 1.0)
    )
    model = snn.SequentialState(torch.nn.Linear(3, 4), qif.QIFCell(p, dt=1e-3))
    x = 30 * torch.rand(60, 2, 3)
    graph = norse_nir.to_nir(model, x[0])
    node = graph.nodes["1"]
    assert type(node).__name__ == "LIF" and node.metadata["norse_converter"] == "qif"
    np.testing.assert_allclose(node.metadata["a"], p.a.numpy())
    assert node.tau.shape == (4,)  # broadcast per neuron
    norse_nir.write(tmp_path / "qif.nir", graph)
    imported = norse_nir.from_nir(tmp_path / "qif.nir", dt=1e-3)
    assert isinstance(imported.layers["1"], qif.QIFCell)
    state, expected = None, []
    for t in range(60):
        out, state = model(x[t], state)
        expected.append(out)
    actual, _ = imported(x)
    torch.testing.assert_close(actual, torch.stack(expected))
    assert actual.sum() > 0
