import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from viz_pictures import inked_fraction, png_pixels

import norse.plugins
import norse.torch as snn
from norse_viz import plot_neuron, record, simulate_neuron, state_traces


def _spike_marks(ax):
    (marks,) = [line for line in ax.lines if line.get_label().startswith("spikes")]
    return marks


def test_plot_neuron_lif_draws_voltage_threshold_spikes_and_current():
    fig, axes = plot_neuron("lif")
    recording, amplitude = simulate_neuron("lif")
    volt, current = axes
    spikes = int(recording.output.sum())
    assert spikes >= 4
    marks = _spike_marks(volt)
    assert len(marks.get_xdata()) == spikes
    np.testing.assert_allclose(marks.get_ydata(), 1.0)  # drawn at v_th
    threshold = [line for line in volt.lines if line.get_label() == "threshold = 1"]
    assert len(threshold) == 1 and threshold[0].get_ydata()[0] == 1.0
    assert [line.get_label() for line in current.lines] == ["i"]
    assert (volt.get_ylabel(), current.get_ylabel()) == ("voltage (a.u.)", "current (a.u.)")
    assert current.get_xlabel() == "time (ms)"
    assert volt.lines[0].get_xdata()[-1] == pytest.approx(300.0)  # 300 steps of 1 ms
    pixels = png_pixels(fig)
    assert pixels.shape[0] >= 300 and pixels.shape[1] >= 400
    assert inked_fraction(pixels) > 0.03
    assert "lif: step current of" in volt.get_title()
    assert 0.1 < amplitude < 1


def test_plot_neuron_of_the_example_plugins_qif_neuron(qif):
    fig, axes = plot_neuron(qif)
    recording, _ = simulate_neuron(qif)
    assert len(axes) == 1  # QIF has only a voltage
    assert len(_spike_marks(axes[0]).get_xdata()) == int(recording.output.sum()) >= 4
    assert axes[0].lines[0].get_label() == "v"
    assert inked_fraction(png_pixels(fig)) > 0.03  # an empty figure: about 0.02


@pytest.mark.parametrize("name", sorted(norse.plugins.neurons()))
def test_every_registered_neuron_is_simulated_with_its_registry_fields(name):
    spec = norse.plugins.neurons()[name]
    recording, _ = simulate_neuron(name, steps=120, onset=10)
    for field in (*spec.voltage_fields, *spec.current_fields, *spec.threshold_fields):
        assert recording.state[field].shape == (120, 1, 1)
    if spec.spiking:
        assert int(recording.output.sum()) >= 4


def test_state_traces_puts_threshold_fields_on_the_voltage_axes_and_the_rest_below():
    recording, _ = simulate_neuron("lif_adex", steps=100)
    _, (_, _, other) = state_traces(recording)
    assert [line.get_label() for line in other.lines] == ["a"]
    recording, _ = simulate_neuron("lsnn", steps=100)
    _, axes = state_traces(recording)
    assert "b (threshold)" in [line.get_label() for line in axes[0].lines]


def test_state_traces_of_a_recorded_layer_into_given_axes():
    model = snn.SequentialState(torch.nn.Linear(1, 4), snn.LIFCell())
    recording = record(model, torch.ones(50, 2, 1) * 3)["1"]
    _, ax = plt.subplots()
    _, axes = state_traces(recording, index=5, ax=ax)
    assert axes == [ax]
    expected = recording.output.reshape(50, -1)[:, 5]
    assert len(_spike_marks(ax).get_xdata()) == int(expected.sum())
    with pytest.raises(ValueError, match=r"index must be in \[0, 8\)"):
        state_traces(recording, index=8)
    with pytest.raises(ValueError, match="ax must hold 2 axes"):
        state_traces(recording, ax=[ax])


def test_unknown_neuron_is_a_clear_error():
    with pytest.raises(ValueError, match="no_such_neuron"):
        plot_neuron("no_such_neuron")


def test_state_traces_of_a_recurrent_layer_leave_out_its_spike_field():
    cell = snn.LIFRecurrentCell(1, 3)
    with torch.no_grad():
        cell.input_weights.fill_(1.0)
    recording = record(cell, torch.ones(60, 1, 1))["LIFRecurrentCell"]
    assert set(recording.state) == {"z", "v", "i"} and recording.neuron == "lif"
    _, axes = state_traces(recording)
    assert len(axes) == 2  # voltage and current, no panel for z
    assert len(_spike_marks(axes[0]).get_xdata()) == int(recording.output[:, 0, 0].sum()) > 0


def test_state_traces_into_an_array_of_axes():
    recording, _ = simulate_neuron("lif", steps=60)
    _, grid = plt.subplots(2, 1)
    _, axes = state_traces(recording, ax=grid)
    assert axes == list(grid) and [line.get_label() for line in grid[1].lines] == ["i"]


def test_the_static_threshold_is_found_under_each_models_name():
    recording, _ = simulate_neuron("coba_lif", steps=80, onset=10)
    _, axes = state_traces(recording)
    assert "threshold = -10" in [line.get_label() for line in axes[0].lines]
    recording, _ = simulate_neuron("lif_refrac", steps=80, onset=10)
    _, axes = state_traces(recording)
    assert "threshold = 1" in [line.get_label() for line in axes[0].lines]


def test_a_neuron_that_never_spikes_enough_is_drawn_with_a_warning(monkeypatch):
    import norse_viz.traces

    monkeypatch.setattr(norse_viz.traces, "_AMPLITUDES", torch.tensor([1e-4, 1.0, 2e-4]))
    with pytest.warns(UserWarning, match="'lif' spiked fewer than 4 times .* drawing amplitude 1"):
        recording, amplitude = simulate_neuron("lif", steps=40)
    assert amplitude == 1.0 and recording.output.shape == (40, 1, 1)
