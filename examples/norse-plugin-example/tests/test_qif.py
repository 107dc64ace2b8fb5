import math

import pytest
import torch

from norse_plugin_example import QIF, QIFCell, QIFFeedForwardState, QIFParameters
from norse_plugin_example.qif import qif_feed_forward_step


def euler_trace(x: float, steps: int, dt: float = 0.001):
    """The module docstring's equations with default parameters, step by step in floats."""
    p = QIFParameters()
    k, a, v_rest, v_c = dt * float(p.tau_mem_inv), float(p.a), float(p.v_rest), float(p.v_c)
    v, vs, zs = v_rest, [], []
    for _ in range(steps):
        v = v + k * (a * (v - v_rest) * (v - v_c) + x)
        z = 1.0 if v > float(p.v_th) else 0.0
        v = float(p.v_reset) if z else v
        vs.append(v)
        zs.append(z)
    return vs, zs


def test_sequence_matches_the_equations_step_by_step():
    vs, zs = euler_trace(1.0, 40)
    assert vs[:3] == pytest.approx([0.1, 0.196, 0.2900416], abs=1e-7)
    assert sum(zs) >= 2
    spikes, states = QIF(record_states=True).double()(torch.ones(40, 1, 1, dtype=torch.float64))
    assert spikes[:, 0, 0].tolist() == zs
    assert states.v[:, 0, 0].tolist() == pytest.approx(vs, abs=1e-12)


def test_cell_steps_agree_with_the_sequence_module():
    x = torch.rand(25, 3, 4, dtype=torch.float64) * 3
    cell, state, outputs = QIFCell(), None, []
    for t in range(x.shape[0]):
        z, state = cell(x[t], state)
        outputs.append(z)
    spikes, final = QIF()(x)
    assert torch.equal(torch.stack(outputs), spikes)
    assert torch.equal(final.v, state.v)


def test_subthreshold_input_settles_on_the_stable_fixed_point():
    # v (v - 1/2) + x = 0 has the stable root v* = 1/4 - sqrt(1/16 - x).
    spikes, state = QIF()(torch.full((2000, 1), 0.05, dtype=torch.float64))
    assert spikes.sum() == 0
    assert state.v.item() == pytest.approx(0.25 - math.sqrt(1 / 16 - 0.05), abs=1e-9)


def test_firing_starts_at_the_rheobase_current():
    # No fixed point remains for x > a (v_c - v_rest)^2 / 4 = 1/16.
    below, _ = QIF()(torch.full((3000, 1), 0.0620))
    above, _ = QIF()(torch.full((3000, 1), 0.0630))
    assert below.sum() == 0
    assert above.sum() > 0


def test_step_gradient_matches_finite_differences():
    p = QIFParameters(method="heaviside")  # zero surrogate: the gradient flows through v only
    x = torch.tensor([0.3, 0.5, 0.1], dtype=torch.float64, requires_grad=True)
    v = torch.tensor([0.2, 0.7, -0.1], dtype=torch.float64, requires_grad=True)

    def step(x, v):
        return qif_feed_forward_step(x, QIFFeedForwardState(v), p)[1].v

    assert torch.autograd.gradcheck(step, (x, v))


def test_parameters_live_on_the_module():
    cell = QIFCell(QIFParameters(v_c=0.6), trainable=("v_c",))
    assert dict(cell.named_parameters())["v_c"].item() == pytest.approx(0.6)
    assert "tau_mem_inv" in cell.state_dict()
