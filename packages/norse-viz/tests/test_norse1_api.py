"""Norse 1.x's plotting API, called with the inputs of Norse 1.x's own docstring examples."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from viz_pictures import inked_fraction, png_pixels

import norse.torch
from norse.torch import LIF
from norse.torch.functional import tonic_spiking
from norse.torch.utils.plot import (
    plot_heatmap_2d,
    plot_heatmap_3d,
    plot_histogram_2d,
    plot_izhikevich,
    plot_neuron_states,
    plot_scatter_3d,
    plot_spikes_2d,
)


def test_names_resolve_from_every_norse_1_path():
    import norse.torch.utils.plot.plot as deep

    for name in ("plot_spikes_2d", "plot_heatmap_2d", "plot_izhikevich"):
        assert getattr(norse.torch, name) is getattr(deep, name) is globals()[name]


def test_plot_spikes_2d_draws_every_spike():
    spikes, _ = LIF()(torch.randn(200, 10) + 1)
    assert spikes.sum() > 100
    ax = plot_spikes_2d(spikes)
    image = ax.images[0]
    np.testing.assert_array_equal(image.get_array(), spikes.T.numpy())
    assert image.get_cmap().name == "binary"
    assert list(ax.get_yticks()) == list(range(10))
    assert inked_fraction(png_pixels(ax.figure)) > 0.03


def test_plot_heatmap_2d_draws_into_the_given_axes_with_a_colorbar():
    data = torch.randn(28, 20)
    _, (left, right) = plt.subplots(1, 2)
    assert plot_heatmap_2d(data, axes=right, show_colorbar=True) is right
    assert not left.images
    np.testing.assert_allclose(right.images[0].get_array(), data.T.numpy())
    assert len(right.figure.axes) == 3  # two axes and the colour bar


def test_plot_heatmap_3d_places_one_point_per_entry():
    data = torch.rand(4, 28, 28)
    ax = plot_heatmap_3d(data)
    points = ax.collections[0]
    assert len(points._offsets3d[0]) == 4 * 28 * 28
    np.testing.assert_allclose(points.get_array(), data.flatten().numpy())
    reordered = plot_heatmap_3d(data.permute(1, 2, 0), names=("X", "Y", "L")).collections[0]
    for mine, theirs in zip(reordered._offsets3d, points._offsets3d):
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_allclose(reordered.get_array(), points.get_array())


def test_plot_scatter_3d_draws_every_spike_of_every_layer():
    distribution = torch.distributions.bernoulli.Bernoulli(torch.tensor([0.02]))
    data = distribution.sample(sample_shape=(3, 100, 10, 10)).squeeze()  # (L, T, X, Y)
    plt.figure(figsize=(10, 3))
    axes = plot_scatter_3d(data, names=("L", "T", "X", "Y"))
    assert len(axes) == 3
    for layer, ax in enumerate(axes):
        assert len(ax.collections[0]._offsets3d[0]) == int(data[layer].sum())
    with pytest.raises(ValueError, match="names must be a permutation"):
        plot_scatter_3d(data, names=("L", "T", "X", "Z"))


def test_plot_neuron_states_draws_recorded_states():
    data = torch.ones(10, 3) * torch.tensor([0.0, 0.1, 0.3])
    _, states = LIF(record_states=True)(data)
    ax = plot_neuron_states(states, "i")
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[2].get_ydata(), states.i[:, 2].numpy())
    assert ax.get_legend().get_texts()[0].get_text() == "i"
    with pytest.raises(ValueError, match="states has no field 'w'"):
        plot_neuron_states(states, "w")


def test_plot_histogram_2d_of_a_voltage_state():
    _, state = LIF()(torch.ones(10, 10) + torch.randn(10, 10))
    ax = plot_histogram_2d(state.v, bins=5)
    assert sum(p.get_height() for p in ax.patches) == state.v.numel()


def test_plot_izhikevich_simulates_time_print_ms():
    ax = plot_izhikevich(tonic_spiking, current=10)
    times = ax.lines[0].get_xdata()
    assert len(times) == 2500 and times[-1] == pytest.approx(249.9)
    assert ax.get_xlabel() == "Time (ms)" and ax.get_ylabel() == "Membrane potential (mV)"
    assert max(ax.lines[0].get_ydata()) > -30  # spikes reach well above rest
