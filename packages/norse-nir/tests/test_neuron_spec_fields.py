"""NIR export reads the neuron registry: which module classes export as a model's node
(``NeuronSpec.cell``, ``sequence``, ``recurrent_cell``, ``recurrent``) and whether its reset
is checked (``spiking``). Each test changes the registry and sees the export follow."""

import nir
import pytest
import torch

import norse.plugins
import norse.torch as snn
import norse_nir

DT = 1e-4


class MyLIFBoxCell(snn.LIFBoxCell):
    """A subclass that the registry does not name unless a test puts it there."""


class MyLIFBox(snn.LIFBox):
    """A subclass that the registry does not name unless a test puts it there."""


class MyLIFRecurrentCell(snn.LIFRecurrentCell):
    """A subclass that the registry does not name unless a test puts it there."""


class MyLIFRecurrent(snn.LIFRecurrent):
    """A subclass that the registry does not name unless a test puts it there."""


@pytest.fixture
def registry(monkeypatch):
    """Replace the registered spec of a model: ``registry(name, **fields)``."""
    specs = dict(norse.plugins.neurons())

    def change(name: str, **fields) -> None:
        specs[name] = specs[name]._replace(**fields)

    monkeypatch.setattr(norse.plugins, "neurons", lambda: specs)
    return change


@pytest.mark.parametrize(
    "field, module, sample",
    [
        ("cell", MyLIFBoxCell, torch.rand(1, 3)),
        ("sequence", MyLIFBox, torch.rand(4, 1, 3)),
    ],
)
def test_cell_and_sequence_name_the_classes_that_export(registry, field, module, sample):
    with pytest.raises(TypeError, match="has no NIR export"):
        norse_nir.to_nir(module(dt=DT), sample)
    registry("lif_box", **{field: module})
    graph = norse_nir.to_nir(module(dt=DT), sample)
    assert isinstance(graph.nodes["norse"], nir.LIF)


@pytest.mark.parametrize(
    "field, module, sample",
    [
        ("recurrent_cell", MyLIFRecurrentCell, torch.rand(1, 2)),
        ("recurrent", MyLIFRecurrent, torch.rand(4, 1, 2)),
    ],
)
def test_recurrent_classes_export_as_the_recurrent_lif_layer(registry, field, module, sample):
    with pytest.raises(TypeError, match="has no NIR export"):
        norse_nir.to_nir(module(2, 3, dt=DT), sample)
    registry("lif", **{field: module})
    graph = norse_nir.to_nir(module(2, 3, dt=DT), sample)
    assert isinstance(graph.nodes["norse.lif"], nir.CubaLIF)
    assert set(graph.nodes) >= {"norse.w_in", "norse.w_rec"}


def test_spiking_decides_whether_the_reset_is_checked(registry):
    p = snn.LIFBoxParameters(reset_method=snn.functional.reset_subtract)
    with pytest.raises(ValueError, match="reset_subtract"):
        norse_nir.to_nir(snn.LIFBoxCell(p, dt=DT), torch.rand(1, 3))
    registry("lif_box", spiking=False)
    assert isinstance(
        norse_nir.to_nir(snn.LIFBoxCell(p, dt=DT), torch.rand(1, 3)).nodes["norse"], nir.LIF
    )
