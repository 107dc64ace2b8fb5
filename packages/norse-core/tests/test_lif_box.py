"""Box LIF: Norse's reference trace, integrators, resets, modules and gradients."""

import math

import pytest
import torch

import norse.torch as norse_torch
from norse.torch.functional.lif_box import (
    LIFBoxFeedForwardState,
    LIFBoxParameters,
    lif_box_feed_forward_step,
)
from norse.torch.functional.reset import reset_subtract
from norse.torch.module.lif_box import LIFBox, LIFBoxCell


def test_reference_trace_from_a_high_start():
    state = LIFBoxFeedForwardState(torch.tensor([10.0]))
    vs, zs = [], []
    for x in [1, 1, 1, 1, 1, 0, 0]:
        z, state = lif_box_feed_forward_step(torch.tensor([float(x)]), state)
        vs.append(state.v.item())
        zs.append(z.item())
    assert vs == pytest.approx([0, 0.1, 0.19, 0.271, 0.3439, 0.3095, 0.2786], abs=1e-4)
    assert zs == [1, 0, 0, 0, 0, 0, 0]


def test_exact_integrator_and_subtractive_reset():
    p = LIFBoxParameters(
        tau_mem_inv=torch.tensor(100.0, dtype=torch.float64), v_th=1e9, integrator="exact"
    )
    v = LIFBoxFeedForwardState(torch.zeros(1, dtype=torch.float64))
    for k in range(1, 4):
        _, v = lif_box_feed_forward_step(torch.full((1,), 3.0, dtype=torch.float64), v, p)
        assert v.v.item() == pytest.approx(3.0 * (1 - math.exp(-0.1 * k)), rel=1e-12)
    p = LIFBoxParameters(reset_method=reset_subtract)
    z, s = lif_box_feed_forward_step(torch.tensor([5.0]), LIFBoxFeedForwardState(torch.ones(1)), p)
    # v_dec = 1 + 0.1 * (5 - 1) = 1.4 -> spike -> 1.4 - 1
    assert z.item() == 1 and s.v.item() == pytest.approx(0.4, abs=1e-6)


def test_sequence_module_is_exported_and_matches_the_cell():
    assert norse_torch.LIFBox is LIFBox
    x = torch.rand(8, 2, 3) * 30
    zs, states = LIFBox(record_states=True)(x)
    cell, state = LIFBoxCell(), None
    for t in range(8):
        z, state = cell(x[t], state)
        assert torch.equal(z, zs[t])
        torch.testing.assert_close(state.v, states.v[t])
    assert zs.sum() > 0


def test_gradcheck_in_float64():
    x = (torch.rand(5, 2, 3, dtype=torch.float64) * 30).requires_grad_(True)
    for integrator in ("euler", "exact"):
        module = LIFBox(LIFBoxParameters(method="heaviside", integrator=integrator)).double()
        assert module(x)[0].sum() > 0

        def voltage(inp, module=module):
            return module(inp)[1].v

        assert torch.autograd.gradcheck(voltage, (x,))
