"""The plugin as installed: discovered through its entry point and usable by name."""

import importlib.metadata
import math

import torch

import norse.plugins
from norse.torch import LIF, LIFParameters
from norse.torch.functional import threshold
from norse_plugin_example import QIF, QIFCell, piecewise_exp_derivative


def test_norse_plugins_lists_the_example_plugin():
    info = {i.name: i for i in norse.plugins.plugin_info()}["qif"]
    assert info.distribution == "norse-plugin-example"
    assert info.version == importlib.metadata.version("norse-plugin-example")
    assert info.registered["neurons"] == ["qif"]
    assert info.registered["surrogates"] == ["piecewise_exp"]
    assert info.errors == []


def test_the_neuron_is_usable_by_name():
    spec = norse.plugins.neurons()["qif"]
    assert (spec.cell, spec.sequence) == (QIFCell, QIF)
    spikes, state = spec.sequence()(torch.ones(40, 2, 3))
    assert spikes.shape == (40, 2, 3)
    assert state.v.shape == (2, 3)
    assert spikes.sum() > 0


def test_the_surrogate_is_usable_by_name_in_the_core():
    x = torch.tensor([-1e30, -0.1, 0.0, 0.05, 1e30], requires_grad=True)
    z = threshold(x, "piecewise_exp", 10.0)
    z.sum().backward()
    assert z.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    expected = [0.0, 5 * math.exp(-1.0), 5.0, 5 * math.exp(-0.5), 0.0]
    assert torch.allclose(x.grad, torch.tensor(expected))
    assert torch.isfinite(x.grad).all()
    assert norse.plugins.surrogates()["piecewise_exp"].derivative is piecewise_exp_derivative


def test_a_core_neuron_trains_with_the_plugin_surrogate():
    lif = LIF(LIFParameters(method="piecewise_exp", alpha=10.0))
    x = torch.full((20, 1, 2), 0.5, requires_grad=True)
    spikes, _ = lif(x)
    spikes.sum().backward()
    assert spikes.sum() > 0
    assert x.grad.abs().sum() > 0


def test_the_surrogate_integrates_to_one():
    x = torch.linspace(-5, 5, 100001, dtype=torch.float64)
    area = torch.trapezoid(piecewise_exp_derivative(x, 10.0), x).item()
    assert abs(area - 1.0) < 1e-6
