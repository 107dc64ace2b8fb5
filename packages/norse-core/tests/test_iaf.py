"""IAF: spike times, resets, record_states, recurrent step and gradients."""

import pytest
import torch

from norse.torch.functional.iaf import (
    IAFFeedForwardState,
    IAFParameters,
    IAFState,
    iaf_feed_forward_step,
    iaf_step,
)
from norse.torch.functional.reset import reset_subtract
from norse.torch.module.iaf import IAF, IAFCell


def test_constant_input_spikes_every_third_step_and_ignores_dt():
    for dt in (0.001, 0.5):
        zs, states = IAF(dt=dt, record_states=True)(torch.full((9, 1), 0.4))
        assert zs.flatten().tolist() == [0, 0, 1, 0, 0, 1, 0, 0, 1]
        assert states.v.flatten().tolist() == pytest.approx([0.4, 0.8, 0, 0.4, 0.8, 0, 0.4, 0.8, 0])


def test_reset_by_subtraction():
    z, s = iaf_feed_forward_step(
        torch.tensor([1.5]),
        IAFFeedForwardState(torch.zeros(1)),
        IAFParameters(reset_method=reset_subtract),
    )
    assert z.item() == 1 and s.v.item() == pytest.approx(0.5)


def test_initial_state_is_v_reset_without_touching_the_parameter():
    cell = IAFCell(IAFParameters(v_reset=torch.tensor(-0.5)))
    z, s = cell(torch.tensor([0.2]))
    assert s.v.item() == pytest.approx(-0.3) and z.item() == 0
    assert not cell.v_reset.requires_grad


def test_recurrent_step():
    x = torch.tensor([[1.0, 0.0]])
    w_in, w_rec = torch.tensor([[0.7, 0.0], [0.0, 0.0]]), torch.tensor([[0.0, 0.0], [0.6, 0.0]])
    state = IAFState(torch.zeros(1, 2), torch.zeros(1, 2))
    z, state = iaf_step(x, state, w_in, w_rec)
    assert z.tolist() == [[0, 0]]
    z, state = iaf_step(x, state, w_in, w_rec)  # neuron 0 reaches 1.4 and spikes
    assert z.tolist() == [[1, 0]]
    z, state = iaf_step(x, state, w_in, w_rec)  # neuron 1 receives 0.6
    assert state.v[0].tolist() == pytest.approx([0.7, 0.6])


def test_gradcheck_in_float64():
    x = torch.rand(6, 2, 3, dtype=torch.float64, requires_grad=True)
    module = IAF(IAFParameters(method="heaviside")).double()
    assert module(x)[0].sum() > 0
    assert torch.autograd.gradcheck(lambda inp: module(inp)[1].v, (x,))
