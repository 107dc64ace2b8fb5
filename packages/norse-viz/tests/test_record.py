import pytest
import torch
from torch import nn

import norse.torch as snn
from norse_viz import record


def test_record_steps_a_model_of_cells_and_keeps_each_layers_outputs_and_states():
    model = snn.SequentialState(nn.Linear(2, 3), snn.LIFCell(), nn.Linear(3, 2), snn.LICell())
    inputs = torch.rand(20, 4, 2) * 3
    recordings = record(model, inputs)
    assert list(recordings) == ["1", "3"]
    lif, li = recordings["1"], recordings["3"]
    assert (lif.module, lif.neuron, li.neuron) == ("LIFCell", "lif", "li")
    assert set(lif.state) == {"v", "i"} and lif.state["v"].shape == (20, 4, 3)
    assert lif.output.sum() > 0
    state, outputs, voltages = None, [], []
    with torch.no_grad():
        for x in inputs:
            out, state = model(x, state)
            outputs.append(out)
            voltages.append(state[1].v)
    torch.testing.assert_close(li.output, torch.stack(outputs))
    torch.testing.assert_close(lif.state["v"], torch.stack(voltages))
    assert lif.dt == 1e-3 and float(lif.parameters.v_th) == 1.0


def test_record_runs_sequence_modules_once_with_states_recorded():
    module = snn.LIF()
    inputs = torch.rand(30, 2, 5)
    recordings = record(module, inputs)
    assert list(recordings) == ["LIF"] and module.record_states is False
    expected_out, expected_states = snn.LIF(record_states=True)(inputs)
    torch.testing.assert_close(recordings["LIF"].output, expected_out)
    torch.testing.assert_close(recordings["LIF"].state["v"], expected_states.v)
    assert recordings["LIF"].state["i"].shape == (30, 2, 5)


def test_record_names_nested_state_fields_with_dots():
    recordings = record(snn.LIFRefracCell(), torch.ones(10, 1, 2))
    assert set(recordings["LIFRefracCell"].state) == {"lif.v", "lif.i", "rho"}
    assert recordings["LIFRefracCell"].neuron == "lif_refrac"


def test_record_rejects_bad_input():
    with pytest.raises(ValueError, match="no stateful layer ran in Linear"):
        record(nn.Linear(2, 2), torch.zeros(3, 1, 2))
    with pytest.raises(ValueError, match=r"at least \(T, B\), got shape \(3,\)"):
        record(snn.LIFCell(), torch.zeros(3))
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module, got function"):
        record(lambda x: x, torch.zeros(3, 1))
