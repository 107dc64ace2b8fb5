import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from viz_pictures import inked_fraction, png_pixels

import norse.plugins
from norse_viz import raster


def test_raster_marks_every_spike_at_its_time_and_neuron():
    spikes = torch.zeros(5, 3)
    spikes[0, 2] = 1
    spikes[3, 0] = 1
    spikes[4, 1] = 1
    ax = raster(spikes, dt=0.5e-3)
    offsets = np.asarray(ax.collections[0].get_offsets())
    np.testing.assert_array_equal(offsets, [[0.0, 2.0], [1.5, 0.0], [2.0, 1.0]])
    assert ax.get_xlim() == (0.0, 2.5)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (ms)", "neuron (index)")


def test_raster_without_dt_counts_steps():
    ax = raster(torch.eye(4))
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), [[i, i] for i in range(4)])
    assert ax.get_xlabel() == "time step"


def test_raster_draws_into_given_axes():
    _, ax = plt.subplots()
    assert raster(torch.eye(4), ax=ax) is ax
    assert len(ax.collections[0].get_offsets()) == 4


def test_raster_of_a_million_events_is_one_collection_and_a_real_picture():
    spikes = torch.rand(2000, 1000) < 0.5
    ax = raster(spikes)
    assert len(ax.collections) == 1
    assert len(ax.collections[0].get_offsets()) == int(spikes.sum()) > 900_000
    pixels = png_pixels(ax.figure, dpi=50)
    assert pixels.shape == (240, 320, 3)
    assert inked_fraction(pixels) > 0.3  # axes and labels alone ink about 0.02


def test_raster_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shape \(T, N\), got shape \(2, 3, 4\)"):
        raster(torch.zeros(2, 3, 4))
    with pytest.raises(TypeError, match=r"spikes must be a torch\.Tensor, got list"):
        raster([[1, 0]])
    with pytest.raises(ValueError, match="dt must be positive"):
        raster(torch.zeros(2, 2), dt=0)


def test_plots_and_command_are_registered_through_the_entry_point():
    info = {i.name: i for i in norse.plugins.plugin_info()}["norse_viz"]
    assert (info.distribution, info.version) == ("norse-viz", "0.1.0")
    assert sorted(info.registered["plots"]) == sorted(
        [
            "raster",
            "neuron",
            "traces",
            "heatmap",
            "firing_rates",
            "layer_summary",
            "weights",
            "metrics",
            "animation",
        ]
    )
    assert info.registered["commands"] == ["viz"]
    assert norse.plugins.plots()["raster"].function is raster
