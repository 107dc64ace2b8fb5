"""LI and LIBox: traces from the equations, integrators, modules and gradients."""

import math

import pytest
import torch

import norse.torch as norse_torch
from norse.torch.functional.leaky_integrator import (
    LIParameters,
    LIState,
    li_feed_forward_step,
    li_step,
)
from norse.torch.functional.leaky_integrator_box import (
    LIBoxParameters,
    LIBoxState,
    li_box_feed_forward_step,
    li_box_step,
)
from norse.torch.module.leaky_integrator import LI, LICell, LILinearCell
from norse.torch.module.leaky_integrator_box import LIBox, LIBoxCell


def test_li_constant_input_trace_and_output_is_a_copy():
    state = LIState(torch.zeros(1), torch.zeros(1))
    vs = []
    for _ in range(4):
        v, state = li_feed_forward_step(torch.ones(1), state)
        assert torch.equal(v, state.v) and v.data_ptr() != state.v.data_ptr()
        vs.append(v.item())
    # i_jump: 1, 1.8, 2.44, 2.952; v += 0.1 * (i_jump - v)
    assert vs == pytest.approx([0.1, 0.27, 0.487, 0.7335], abs=1e-6)


def test_li_exact_pulse_response():
    p = LIParameters(
        tau_syn_inv=torch.tensor(200.0, dtype=torch.float64),
        tau_mem_inv=torch.tensor(100.0, dtype=torch.float64),
        integrator="exact",
    )
    state = LIState(*torch.zeros(2, 1, dtype=torch.float64))
    for k in range(1, 6):
        x = torch.full((1,), 2.0 if k == 1 else 0.0, dtype=torch.float64)
        v, state = li_feed_forward_step(x, state, p)
        t = k * 1e-3
        assert v.item() == pytest.approx(
            2.0 * 100 / (100 - 200) * (math.exp(-200 * t) - math.exp(-100 * t)), rel=1e-12
        )


def test_li_box_traces():
    state = LIBoxState(torch.zeros(1))
    vs = []
    for _ in range(3):
        v, state = li_box_feed_forward_step(torch.ones(1), state)
        vs.append(v.item())
    assert vs == pytest.approx([0.1, 0.19, 0.271], abs=1e-6)
    p = LIBoxParameters(integrator="exact")
    v, _ = li_box_feed_forward_step(
        torch.ones(1, dtype=torch.float64), LIBoxState(torch.zeros(1, dtype=torch.float64)), p
    )
    assert v.item() == pytest.approx(1 - math.exp(-0.1), rel=1e-6)


def test_weighted_steps_equal_feed_forward_of_the_projection():
    x, w = torch.rand(2, 3), torch.rand(4, 3)
    s = LIState(torch.rand(2, 4), torch.rand(2, 4))
    torch.testing.assert_close(li_step(x, s, w)[0], li_feed_forward_step(x @ w.T, s)[0])
    sb = LIBoxState(torch.rand(2, 4))
    torch.testing.assert_close(li_box_step(x, sb, w)[0], li_box_feed_forward_step(x @ w.T, sb)[0])


def test_modules_match_cells_and_are_exported():
    assert norse_torch.LIBox is LIBox
    x = torch.rand(6, 2, 3)
    for seq, cell in ((LI(record_states=True), LICell()), (LIBox(record_states=True), LIBoxCell())):
        vs, states = seq(x)
        state = None
        for t in range(6):
            v, state = cell(x[t], state)
            torch.testing.assert_close(v, vs[t])
            torch.testing.assert_close(state.v, states.v[t])


def test_li_linear_cell():
    cell = LILinearCell(400, 300)
    assert cell.input_weights.shape == (300, 400)
    assert cell.input_weights.std().item() == pytest.approx(400**-0.5, rel=0.05)
    x = torch.rand(2, 400)
    v, _state = cell(x)
    torch.testing.assert_close(
        v, li_step(x, LIState(*torch.zeros(2, 2, 300)), cell.input_weights)[0]
    )
    with pytest.raises(ValueError, match="input_size"):
        cell(torch.rand(2, 3))


def test_gradcheck_in_float64():
    x = torch.rand(4, 2, 3, dtype=torch.float64, requires_grad=True)
    for module in (
        LI().double(),
        LI(LIParameters(integrator="exact")).double(),
        LIBox().double(),
        LIBox(LIBoxParameters(integrator="exact")).double(),
    ):

        def out(inp, module=module):
            return module(inp)[0]

        assert torch.autograd.gradcheck(out, (x,))
