"""norse-viz reads the neuron registry: ``description`` (``norse viz list``), the state-field
names and ``spiking`` (``state_traces``) and the module classes (``record``'s neuron names).
Each test registers a changed spec and sees the plots follow."""

import pytest

import norse.plugins
import norse.torch as snn
from norse.cli import main
from norse.hookspecs import hookimpl
from norse_viz import simulate_neuron, state_traces
from norse_viz.record import neuron_name

LSNN = norse.plugins.neurons()["lsnn"]


class _Plugin:
    """An in-process plugin that registers ``spec``."""

    def __init__(self, spec):
        self.spec = spec

    @hookimpl
    def norse_register_neurons(self, register):
        register(self.spec)


@pytest.fixture
def register():
    names = []

    def add(spec):
        names.append(norse.plugins.register_plugin(_Plugin(spec), f"fields_{spec.name}"))

    yield add
    for name in names:
        norse.plugins.unregister_plugin(name)


def test_description_is_listed(register, capsys):
    register(LSNN._replace(name="lsnn_described", description="an LSNN under another name"))
    assert main(["viz", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.split() == ["lsnn_described", "an", "LSNN", "under", "another", "name"]
        for line in lines
    )


def _labels(ax):
    return [line.get_label() for line in ax.lines]


def test_state_field_names_and_spiking_sort_the_traces(register):
    recording, _ = simulate_neuron("lsnn", steps=100)
    _, (volt, current) = state_traces(recording)
    assert _labels(volt)[:2] == ["v", "b (threshold)"] and _labels(current) == ["i"]
    assert any(label.startswith("spikes") for label in _labels(volt))
    register(
        LSNN._replace(
            name="lsnn_relabelled",
            voltage_fields=("i",),
            current_fields=("v",),
            threshold_fields=(),
            spiking=False,
        )
    )
    _, (volt, current, other) = state_traces(recording, neuron="lsnn_relabelled")
    assert _labels(volt)[0] == "i" and "b (threshold)" not in _labels(volt)
    assert not any(label.startswith("spikes") for label in _labels(volt))
    assert _labels(current) == ["v"] and _labels(other) == ["b"]


class MyLSNNCell(snn.LSNNCell):
    """Not named by any registered spec unless a test registers one."""


class MyLSNN(snn.LSNN):
    """Not named by any registered spec unless a test registers one."""


class MyLSNNRecurrentCell(snn.LSNNRecurrentCell):
    """Not named by any registered spec unless a test registers one."""


class MyLSNNRecurrent(snn.LSNNRecurrent):
    """Not named by any registered spec unless a test registers one."""


@pytest.mark.parametrize(
    "field, module",
    [
        ("cell", MyLSNNCell()),
        ("sequence", MyLSNN()),
        ("recurrent_cell", MyLSNNRecurrentCell(2, 3)),
        ("recurrent", MyLSNNRecurrent(2, 3)),
    ],
)
def test_module_classes_name_the_neuron_of_a_recorded_layer(register, field, module):
    assert neuron_name(module) is None
    register(LSNN._replace(name="lsnn_subclassed", **{field: type(module)}))
    assert neuron_name(module) == "lsnn_subclassed"
