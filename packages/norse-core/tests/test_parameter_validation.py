"""Neuron parameters, dt and inputs are validated with errors that name the field and the value."""

import math

import pytest
import torch

import norse.torch as N
from norse import plugins
from norse._builtins import NEURON_MODULES
from norse.torch import tonic_spiking

SPECS = {
    name: spec
    for name, spec in plugins.neurons().items()
    if spec.cell.__module__.rsplit(".", 1)[-1] in NEURON_MODULES
}


def _defaults(spec):
    return tonic_spiking.p if spec.name == "izhikevich" else spec.parameters()


def _numeric_fields(p, prefix=""):
    """``(path, flattened name, field)`` of every numeric field of a (nested) parameter tuple."""
    for field, value in zip(p._fields, p):
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            yield from _numeric_fields(value, f"{prefix}{field}.")
        elif isinstance(value, torch.Tensor | int | float) and not isinstance(value, bool):
            yield prefix + field, (prefix + field).replace(".", "_"), field


def _replace(p, path, value):
    head, _, rest = path.partition(".")
    return p._replace(**{head: _replace(getattr(p, head), rest, value) if rest else value})


def _cell(spec, p):
    if spec.name == "izhikevich":
        return spec.cell(tonic_spiking._replace(p=p))
    return spec.cell(p)


def _positive(field):
    return field.startswith("tau_") or field.endswith("_inv") or field == "alpha"


CASES = [
    (name, path, flat, field)
    for name, spec in sorted(SPECS.items())
    for path, flat, field in _numeric_fields(_defaults(spec))
]


def test_every_model_has_numeric_parameters_checked():
    assert {name for name, *_ in CASES} == set(SPECS)
    assert len(CASES) > 60


@pytest.mark.parametrize(("name", "path", "flat", "field"), CASES)
def test_nan_and_infinite_parameters_are_rejected(name, path, flat, field):
    spec = SPECS[name]
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match=rf"\.{flat} must be .*finite.*, got -?(nan|inf)"):
            _cell(spec, _replace(_defaults(spec), path, bad))


@pytest.mark.parametrize(("name", "path", "flat", "field"), CASES)
def test_sign_rules(name, path, flat, field):
    spec = SPECS[name]
    p = _defaults(spec)
    if _positive(field):
        for bad in (0.0, -1.0):
            with pytest.raises(ValueError, match=rf"{flat} must be positive and finite"):
                _cell(spec, _replace(p, path, bad))
    elif field in ("delta_T", "rho_reset", "g_l"):
        _cell(spec, _replace(p, path, 0.0))
        with pytest.raises(ValueError, match=rf"{flat} must be non-negative and finite, got -1.0"):
            _cell(spec, _replace(p, path, -1.0))
    else:
        _cell(spec, _replace(p, path, -3.0))  # any finite value, of either sign


def test_default_parameters_of_every_model_are_valid():
    for spec in SPECS.values():
        _cell(spec, _defaults(spec))


@pytest.mark.parametrize("dt", [math.nan, math.inf, 0.0, -0.001, True, "0.001"])
def test_bad_dt_is_rejected(dt):
    for make in (
        lambda: N.LIFCell(dt=dt),
        lambda: N.LIF(dt=dt),
        lambda: N.LSNNRecurrent(2, 3, dt=dt),
    ):
        with pytest.raises(ValueError, match="dt must be a finite positive number"):
            make()


def test_alpha_must_be_one_number():
    with pytest.raises(
        ValueError, match=r"LIFParameters\.alpha must be a single number .* shape \(2,\)"
    ):
        N.LIF(N.LIFParameters(alpha=torch.tensor([100.0, 50.0])))
    N.LIF(N.LIFParameters(alpha=torch.tensor([100.0])))
    with pytest.raises(ValueError, match=r"alpha must be positive and finite, got \[100.0, -1.0\]"):
        N.LIF(N.LIFParameters(alpha=torch.tensor([100.0, -1.0])))


def test_per_neuron_values_are_checked_elementwise():
    with pytest.raises(ValueError, match=r"LIFParameters\.v_th must be finite .*got \[1.0, nan\]"):
        N.LIFCell(N.LIFParameters(v_th=torch.tensor([1.0, math.nan])))


def test_load_state_dict_validates_before_copying():
    module = N.LIFRecurrent(2, 3, N.LIFParameters(tau_mem_inv=50.0))
    good = module.state_dict()
    for field, bad in (("tau_mem_inv", -1.0), ("v_th", math.nan), ("alpha", 0.0)):
        state = {**good, field: torch.tensor(bad)}
        with pytest.raises(
            ValueError, match=rf"state_dict\['{field}'\]: LIFParameters\.{field} must be"
        ):
            module.load_state_dict(state)
        assert module.tau_mem_inv.item() == 50.0 and module.v_th.item() == 1.0
    module.load_state_dict({**good, "tau_mem_inv": torch.tensor(80.0)})
    assert module.tau_mem_inv.item() == 80.0


def test_load_state_dict_validates_nested_and_submodule_parameters():
    net = N.SequentialState(torch.nn.Linear(2, 2), N.LIFRefrac())
    state = net.state_dict()
    state["1.lif_tau_syn_inv"] = torch.tensor(math.inf)
    with pytest.raises(
        ValueError, match=r"state_dict\['1.lif_tau_syn_inv'\]: LIFRefracParameters\.lif_tau_syn_inv"
    ):
        net.load_state_dict(state)


@pytest.mark.parametrize(
    "module", [N.LIF(), N.LI(), N.LSNN(), N.LIFRecurrent(1, 2), N.Izhikevich(tonic_spiking)],
    ids=lambda m: type(m).__name__,
)  # fmt: skip
def test_one_dimensional_sequence_input_is_an_error(module):
    with pytest.raises(
        ValueError,
        match=r"\(T, B, \.\.\.\) .* at least 2 dimensions, got shape \(5,\).*unsqueeze\(1\)",
    ):
        module(torch.ones(5))


def test_recurrent_modules_follow_the_input_dtype():
    torch.manual_seed(1)
    module = N.LIFRecurrent(3, 4, autapses=True)
    x = torch.rand(6, 2, 3, dtype=torch.float64) * 4
    out, state = module(x)
    assert out.dtype == state.v.dtype == torch.float64
    reference = N.LIFRecurrent(3, 4, autapses=True).double()
    reference.load_state_dict(module.state_dict())
    expected, _ = reference(x)
    torch.testing.assert_close(out, expected)
    (out.sum() + state.v.sum()).backward()
    assert module.input_weights.grad.dtype == torch.float32
    assert module.input_weights.grad.abs().sum() > 0
    z, s = N.LIFRecurrentCell(3, 4)(x[0])
    assert z.dtype == s.i.dtype == torch.float64
    v, _ = N.LILinearCell(3, 4)(x[0])
    assert v.dtype == torch.float64
