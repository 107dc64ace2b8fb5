"""The built-in neuron specs: their state fields, initial states and the modules built from them."""

import pytest
import torch

from norse import plugins
from norse._builtins import NEURON_MODULES
from norse.hookspecs import NeuronSpec
from norse.torch import tonic_spiking
from norse.torch.module.snn import NeuronCell, NeuronRecurrent, NeuronSequence, new_state

REGISTERED = plugins.neurons()
SPECS = {
    name: spec
    for name, spec in REGISTERED.items()
    if spec.cell.__module__.rsplit(".", 1)[-1] in NEURON_MODULES
}


def _get(state, path):
    for part in path.split("."):
        state = getattr(state, part)
    return state


def _has(state_type, path):
    head, _, rest = path.partition(".")
    if head not in state_type._fields:
        return False
    if not rest:
        return True
    nested = type(_get(new_state(state_type, {}, (1,), torch.zeros(1)), head))
    return _has(nested, rest)


def _cell(spec):
    return spec.cell(tonic_spiking) if spec.name == "izhikevich" else spec.cell()


def test_every_builtin_model_is_registered():
    assert len(SPECS) == len(NEURON_MODULES) >= 12


@pytest.mark.parametrize("name", sorted(REGISTERED))
def test_named_state_fields_exist_in_both_state_types(name):
    """For every registered model, plugins' included: norse-viz and NIR rely on these names."""
    spec = REGISTERED[name]
    named = (*spec.voltage_fields, *spec.current_fields, *spec.threshold_fields)
    assert spec.voltage_fields, "every model has a membrane voltage"
    assert len(set(named)) == len(named)
    for state_type in {spec.state, spec.feed_forward_state or spec.state}:
        for path in named:
            assert _has(state_type, path), f"{name}: {path} is not a field of {state_type.__name__}"
    for path in spec.initial_state:
        assert _has(spec.feed_forward_state or spec.state, path) and _has(spec.state, path)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_modules_are_built_from_the_spec(name):
    spec = SPECS[name]
    for kind in ("cell", "sequence", "recurrent_cell", "recurrent"):
        module = getattr(spec, kind)
        if module is not None:
            assert (
                module.spec._replace(
                    cell=spec.cell,
                    sequence=spec.sequence,
                    recurrent_cell=spec.recurrent_cell,
                    recurrent=spec.recurrent,
                )
                == spec
            )


@pytest.mark.parametrize("name", sorted(SPECS))
def test_initial_state_follows_the_spec(name):
    spec = SPECS[name]
    cell = _cell(spec)
    x = torch.zeros(2, 3, dtype=torch.float64)
    state = cell.initial_state(x)
    assert isinstance(state, spec.feed_forward_state)
    expected = (
        {"v": tonic_spiking.s.v, "u": tonic_spiking.s.u}
        if name == "izhikevich"
        else {field: float(_get(cell.p, source)) for field, source in spec.initial_state.items()}
    )
    for path in (*spec.voltage_fields, *spec.current_fields, *spec.threshold_fields):
        value = _get(state, path)
        assert value.shape == (2, 3) and value.dtype == torch.float64
        assert torch.all(value == expected.get(path, 0.0))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_output_is_spikes_exactly_when_spiking(name):
    spec = SPECS[name]
    cell = _cell(spec)
    x = torch.linspace(0.0, 80.0, 6).repeat(2, 1)
    state, outputs = None, []
    for _ in range(60):
        out, state = cell(x, state)
        outputs.append(out)
    outputs = torch.stack(outputs)
    if spec.spiking:
        assert set(outputs.unique().tolist()) == {0.0, 1.0}
    else:
        torch.testing.assert_close(out, _get(state, spec.voltage_fields[0]))
        assert len(outputs.unique()) > 2


def test_a_model_from_a_spec_with_a_nested_state():
    from typing import NamedTuple

    class Inner(NamedTuple):
        v: torch.Tensor
        i: torch.Tensor

    class Outer(NamedTuple):
        inner: Inner
        c: torch.Tensor

    class Params(NamedTuple):
        v_rest: float = -1.0
        tau_inv: float = 10.0

    def step(x, s, p, dt):
        v = s.inner.v + dt * p.tau_inv * (p.v_rest - s.inner.v) + x
        return v, Outer(Inner(v, s.inner.i), s.c + 1)

    spec = NeuronSpec(
        "toy", "toy", Params, Outer, step, feed_forward_state=Outer,
        initial_state={"inner.v": "v_rest", "c": 2.5}, voltage_fields=("inner.v",),
    )  # fmt: skip

    class ToyCell(NeuronCell, spec=spec):
        """A toy."""

    class Toy(NeuronSequence, spec=spec):
        """A toy sequence."""

    state = ToyCell().initial_state(torch.zeros(4))
    assert state.inner.v.tolist() == [-1.0] * 4 and state.inner.i.tolist() == [0.0] * 4
    assert state.c.tolist() == [2.5] * 4
    out, final = Toy(Params(v_rest=0.0), dt=0.01)(torch.ones(3, 1, 2))
    torch.testing.assert_close(out[:, 0, 0], torch.tensor([1.0, 1.9, 2.71]))
    assert final.c.tolist() == [[5.5, 5.5]]
    assert "Params(v_rest=0.0, tau_inv=10.0), dt=0.01, record_states=False" in repr(
        Toy(Params(0.0), 0.01)
    )


def test_a_spec_without_a_recurrent_step_has_no_recurrent_modules():
    assert SPECS["lif_box"].recurrent is None and SPECS["li"].recurrent_cell is None
    assert issubclass(SPECS["lif"].recurrent, NeuronRecurrent)


def test_a_module_class_without_a_spec_or_step_is_refused():
    class Nameless(NeuronCell):
        """No spec."""

    with pytest.raises(
        TypeError,
        match=r"Nameless names no NeuronSpec; declare it as class Nameless\(NeuronCell, spec=\.\.\.\)",
    ):
        Nameless()
    with pytest.raises(TypeError, match="'lif_box' has no recurrent step"):

        class LIFBoxRecurrent(NeuronRecurrent, spec=SPECS["lif_box"]):
            """LIFBox has no recurrent step."""
