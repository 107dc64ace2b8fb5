import math

import numpy as np
import pytest
import torch
from torch import nn
from viz_pictures import inked_fraction, png_pixels

import norse.torch as snn
from norse_viz import firing_rate_histogram, firing_rates, heatmap, layer_summary, record, weights
from norse_viz.activity import mosaic


def test_firing_rates_are_spikes_per_second():
    spikes = torch.zeros(100, 3)
    spikes[::10, 0] = 1  # 10 spikes in 0.1 s
    spikes[::2, 1] = 1
    torch.testing.assert_close(
        firing_rates(spikes, dt=1e-3), torch.tensor([100.0, 500.0, 0.0]).double()
    )
    with pytest.raises(ValueError, match="dt must be positive"):
        firing_rates(spikes, dt=0)


def test_mosaic_tiles_channels_with_nan_gaps():
    images = torch.arange(5 * 2 * 3, dtype=torch.float64).reshape(5, 2, 3)
    tiled = mosaic(images)
    assert tiled.shape == (2 * 3 - 1, 3 * 4 - 1)  # 3 columns, 2 rows
    torch.testing.assert_close(tiled[3:5, 4:7], images[4])
    assert math.isnan(float(tiled[2, 0])) and math.isnan(float(tiled[0, 3]))


def test_heatmap_of_a_recorded_conv_layer_is_one_image_of_mean_activity():
    model = snn.SequentialState(nn.Conv2d(1, 4, 3), snn.LIFCell())
    spikes = record(model, torch.rand(20, 2, 1, 8, 8) * 5)["1"].output
    assert spikes.shape == (20, 2, 4, 6, 6)
    ax = heatmap(spikes, batch=1)
    assert len(ax.images) == 1
    shown = np.asarray(ax.images[0].get_array())
    np.testing.assert_allclose(shown[:6, :6], spikes[:, 1, 0].double().mean(0).numpy())
    assert shown.shape == (13, 13)
    assert ax.get_xlabel() == "x (pixel), 4 channels tiled" and ax.get_ylabel() == "y (pixel)"
    assert inked_fraction(png_pixels(ax.figure)) > 0.2
    with pytest.raises(ValueError, match=r"batch must be in \[0, 2\)"):
        heatmap(spikes, batch=2)
    with pytest.raises(ValueError, match=r"got \(3,\)"):
        heatmap(torch.zeros(3))


def test_firing_rate_histogram_counts_every_neuron():
    spikes = (torch.rand(200, 4, 25) < 0.05).float()
    ax = firing_rate_histogram(spikes, dt=1e-3, bins=10)
    assert sum(p.get_height() for p in ax.patches) == 100
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("firing rate (Hz)", "neurons (count)")


def test_layer_summary_has_one_bar_per_spiking_layer():
    model = snn.SequentialState(
        nn.Linear(3, 10), snn.LIFCell(), nn.Linear(10, 5), snn.LIFCell(), snn.LICell()
    )
    recordings = record(model, torch.rand(50, 2, 3) * 4)
    ax = layer_summary(recordings)
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "1\nLIFCell",
        "3\nLIFCell",
    ]  # the LI readout is left out
    expected = float((recordings["1"].output.sum(0) / 0.05).mean())
    assert ax.patches[0].get_height() == pytest.approx(expected)
    assert ax.get_ylabel() == "mean firing rate (Hz)"


def test_weights_draws_a_symmetric_colour_scale():
    layer = nn.Linear(6, 4)
    ax = weights(layer)
    image = ax.images[0]
    np.testing.assert_allclose(image.get_array(), layer.weight.detach().numpy())
    low, high = image.get_clim()
    assert low == -high == pytest.approx(-float(layer.weight.detach().abs().max()))
    assert weights(nn.Conv2d(2, 3, 3)).images[0].get_array().shape == (3, 18)
    with pytest.raises(TypeError, match="module ReLU has no weight"):
        weights(nn.ReLU())
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        weights(torch.zeros(3))
