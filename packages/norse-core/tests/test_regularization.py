"""Regularisation: accumulated spike counts and voltages with explicit state."""

from typing import NamedTuple

import pytest
import torch

from norse.torch.functional.regularization import (
    regularize_step,
    spike_accumulator,
    voltage_accumulator,
)
from norse.torch.module.regularization import RegularizationCell


class State(NamedTuple):
    v: torch.Tensor


def test_spike_accumulator_counts():
    z = torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    assert spike_accumulator(z, None).item() == 4.0
    assert spike_accumulator(z, None, torch.tensor(3.0)).item() == 7.0


def test_voltage_accumulator_sums_per_neuron():
    s = State(torch.tensor([0.5, -1.0]))
    first = voltage_accumulator(None, s)
    torch.testing.assert_close(first, torch.tensor([0.5, -1.0]))
    torch.testing.assert_close(voltage_accumulator(None, s, first), torch.tensor([1.0, -2.0]))
    with pytest.raises(TypeError, match="'v' field"):
        voltage_accumulator(None, object())


def test_regularize_step_passes_spikes_through():
    z = torch.tensor([1.0, 0.0])
    out, state = regularize_step(z, None)
    assert out is z and state.item() == 1.0
    out, state = regularize_step(z, State(torch.tensor([2.0, 3.0])), voltage_accumulator, None)
    torch.testing.assert_close(state, torch.tensor([2.0, 3.0]))


def test_cell_state_is_explicit_and_differentiable():
    cell = RegularizationCell()
    z = torch.tensor([1.0, 1.0, 0.0], requires_grad=True)
    reg = None
    for _ in range(3):
        _, reg = cell(z, None, reg)
    assert reg.item() == 6.0
    reg.backward()
    torch.testing.assert_close(z.grad, torch.full((3,), 3.0))
    # A new run starts from None: nothing carried over inside the module.
    _, fresh = cell(z, None)
    assert fresh.item() == 2.0
    assert list(cell.state_dict()) == []
    v_cell = RegularizationCell(voltage_accumulator)
    _, total = v_cell(None, State(torch.tensor([0.25])), torch.tensor([1.0]))
    assert total.item() == 1.25
    with pytest.raises(TypeError, match="accumulator must be callable"):
        RegularizationCell(3)


def test_cell_without_state_keeps_norse_1_running_total():
    z = torch.tensor([1.0, 0.0, 1.0], requires_grad=True)
    cell = RegularizationCell(state=torch.tensor(1.0))
    totals = [cell(z, None)[1] for _ in range(3)]
    assert [t.item() for t in totals] == [3.0, 5.0, 7.0] and cell.state is totals[-1]
    totals[-1].backward()
    torch.testing.assert_close(z.grad, torch.full((3,), 3.0))
    cell.reset()
    assert cell(z, None)[1].item() == 3.0
    _, explicit = cell(z, None, None)  # the explicit form leaves the running total alone
    assert explicit.item() == 2.0 and cell.state.item() == 3.0
