"""Every ``NeuronSpec`` field is read by something: each test changes one field and sees its
reader follow.

The fields read only by plugins are exercised in their packages' ``test_neuron_spec_fields.py``
(``norse-viz``: ``description``, the state-field names, ``spiking``, the module classes;
``norse-nir``: the module classes and ``spiking``), listed in ``READ_BY_PLUGINS``.
"""

import functools
from typing import NamedTuple

import pytest
import torch
from torch import Tensor

from norse import plugins
from norse.hookspecs import NeuronSpec, hookimpl
from norse.torch.functional.lif import LIFParameters
from norse.torch.models import fitting_neurons, neuron_layer
from norse.torch.module.lif import SPEC as LIF
from norse.torch.module.snn import NeuronCell, NeuronRecurrentCell, NeuronSequence

READ_BY_PLUGINS = {
    "description": "norse-viz cli.py (norse viz list)",
    "recurrent_cell": "norse-viz record.py, norse-nir exporter.py",
    "recurrent": "norse-viz record.py, norse-nir exporter.py",
    "voltage_fields": "norse-viz traces.py",
    "current_fields": "norse-viz traces.py",
    "threshold_fields": "norse-viz traces.py",
}
"""Fields whose only readers are plugins (each also read by a core reader is tested here)."""


def _cell(spec: NeuronSpec) -> NeuronCell:
    class Cell(NeuronCell, spec=spec):
        """A LIF cell built from a changed spec."""

    return Cell()


def _recurrent_cell(spec: NeuronSpec) -> NeuronRecurrentCell:
    class RecurrentCell(NeuronRecurrentCell, spec=spec):
        """A recurrent LIF cell built from a changed spec."""

    return RecurrentCell(2, 3)


class _Plugin:
    """An in-process plugin that registers ``spec``."""

    def __init__(self, spec: NeuronSpec) -> None:
        self.spec = spec

    @hookimpl
    def norse_register_neurons(self, register) -> None:
        register(self.spec)


@pytest.fixture
def register():
    names = []

    def add(spec: NeuronSpec) -> None:
        names.append(plugins.register_plugin(_Plugin(spec), f"fields_{spec.name}"))

    yield add
    for name in names:
        plugins.unregister_plugin(name)


def test_name_keys_the_registry(register):
    register(LIF._replace(name="lif_renamed"))
    assert plugins.neurons()["lif_renamed"].description == LIF.description


def test_parameters_give_the_default_p():
    spec = LIF._replace(parameters=functools.partial(LIFParameters, v_th=torch.tensor(0.25)))
    assert _cell(spec).p.v_th.item() == 0.25


class _WithTrace(NamedTuple):
    v: Tensor
    i: Tensor
    trace: Tensor


class _RecurrentWithTrace(NamedTuple):
    z: Tensor
    v: Tensor
    i: Tensor
    trace: Tensor


def test_feed_forward_state_and_state_are_the_initial_state_types():
    spec = LIF._replace(feed_forward_state=_WithTrace, state=_RecurrentWithTrace)
    assert type(_cell(spec).initial_state(torch.zeros(4))) is _WithTrace
    assert type(_recurrent_cell(spec).initial_state(torch.zeros(1, 2))) is _RecurrentWithTrace


def test_initial_state_sets_the_start_values():
    state = _cell(LIF._replace(initial_state={"v": 0.5, "i": "v_th"})).initial_state(torch.zeros(2))
    assert state.v.tolist() == [0.5, 0.5] and state.i.tolist() == [1.0, 1.0]


def test_feed_forward_step_and_step_are_what_forward_runs():
    calls = []

    def feed_forward_step(x, s, p, dt):
        calls.append("feed_forward_step")
        return x, s

    def step(x, s, w_in, w_rec, p, dt):
        calls.append("step")
        return x, s

    spec = LIF._replace(feed_forward_step=feed_forward_step, step=step)
    _cell(spec)(torch.zeros(3))
    _recurrent_cell(spec)(torch.zeros(1, 2))
    assert calls == ["feed_forward_step", "step"]


def test_cell_sequence_spiking_and_parameters_make_the_models_layers(register):
    class Cell(NeuronCell, spec=LIF):
        """A registered cell class."""

    class Sequence(NeuronSequence, spec=LIF):
        """A registered sequence class."""

    register(LIF._replace(name="lif_classes", cell=Cell, sequence=Sequence))
    register(LIF._replace(name="lif_voltage_out", spiking=False))
    assert "lif_classes" in fitting_neurons() and "lif_voltage_out" not in fitting_neurons()
    assert type(neuron_layer("lif_classes", "tanh", sequence=False)) is Cell
    layer = neuron_layer("lif_classes", "tanh", sequence=True, v_th=0.5)
    assert type(layer) is Sequence and layer.p.method == "tanh" and layer.p.v_th.item() == 0.5


def test_every_field_is_exercised_here_or_by_a_plugins_test():
    here = {"name", "parameters", "state", "feed_forward_state", "initial_state"}
    here |= {"feed_forward_step", "step", "cell", "sequence", "spiking"}
    assert here | set(READ_BY_PLUGINS) == set(NeuronSpec._fields)
