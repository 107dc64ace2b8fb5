import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import norse.plugins
from norse_viz import raster


def test_raster_marks_every_spike_at_its_time_and_neuron():
    spikes = torch.zeros(5, 3)
    spikes[0, 2] = 1
    spikes[3, 0] = 1
    spikes[4, 1] = 1
    ax = raster(spikes, dt=0.5)
    offsets = np.asarray(ax.collections[0].get_offsets())
    np.testing.assert_array_equal(offsets, [[0.0, 2.0], [1.5, 0.0], [2.0, 1.0]])
    assert ax.get_xlim() == (0.0, 2.5)
    plt.close(ax.figure)


def test_raster_draws_into_given_axes():
    _, ax = plt.subplots()
    assert raster(torch.eye(4), ax=ax) is ax
    assert len(ax.collections[0].get_offsets()) == 4
    plt.close(ax.figure)


def test_raster_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shape \(T, N\), got shape \(2, 3, 4\)"):
        raster(torch.zeros(2, 3, 4))
    with pytest.raises(TypeError, match=r"spikes must be a torch\.Tensor, got list"):
        raster([[1, 0]])
    with pytest.raises(ValueError, match="dt must be positive, got 0"):
        raster(torch.zeros(2, 2), dt=0)


def test_raster_is_registered_through_the_entry_point():
    info = {i.name: i for i in norse.plugins.plugin_info()}["norse_viz"]
    assert (info.distribution, info.version) == ("norse-viz", "0.1.0")
    assert info.registered["plots"] == ["raster"]
    assert norse.plugins.plots()["raster"].function is raster
