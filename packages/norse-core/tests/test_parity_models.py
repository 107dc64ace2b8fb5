"""Models added for Norse 1.x parity: reference behaviour, shapes and errors (no oracle)."""

import itertools

import pytest
import torch

import norse.torch as nt
from norse.torch.functional import logical
from norse.torch.functional.lif import LIFFeedForwardState, lif_feed_forward_step
from norse.torch.functional.lif_adex_refrac import (
    LIFAdExRefracFeedForwardState,
    lif_adex_refrac_feed_forward_step,
)
from norse.torch.functional.lif_mc import lif_mc_feed_forward_step


def test_adex_refrac_spikes_then_stays_silent_for_rho_reset_steps():
    z, _ = nt.LIFAdExRefrac()(torch.full((30, 1, 1), 10.0))
    steps = torch.nonzero(z.flatten()).flatten().tolist()
    assert len(steps) >= 3
    assert all(b - a == 6 for a, b in itertools.pairwise(steps))  # one spike, 5 silent steps


def test_adex_refrac_functional_holds_voltage_while_refractory():
    zeros = torch.zeros(1)
    state = LIFAdExRefracFeedForwardState(
        nt.LIFAdExFeedForwardState(torch.tensor([0.5]), zeros, zeros), torch.tensor([2.0])
    )
    z, new = lif_adex_refrac_feed_forward_step(torch.tensor([5.0]), state)
    assert z.item() == 0.0 and new.lif_adex.v.item() == 0.5 and new.rho.item() == 1.0
    assert new.lif_adex.i.item() > 0  # the current keeps integrating


def test_adex_refrac_modules_and_registry():
    from norse import plugins

    spec = plugins.get("neurons", "lif_adex_refrac")
    assert spec.cell is nt.LIFAdExRefracCell
    cell = nt.LIFAdExRefracRecurrentCell(3, 4)
    z, s = cell(torch.ones(2, 3))
    assert z.shape == (2, 4) and s.lif_adex.v.shape == (2, 4)
    out, states = nt.LIFAdExRefracRecurrent(3, 4, record_states=True)(torch.ones(5, 2, 3))
    assert out.shape == (5, 2, 4) and states.rho.shape == (5, 2, 4)


def test_mc_coupling_zero_is_lif_and_coupling_moves_voltage():
    x = torch.rand(10, 2, 3)
    s_mc = s_lif = LIFFeedForwardState(torch.zeros(2, 3), torch.zeros(2, 3))
    for t in range(10):
        z1, s_mc = lif_mc_feed_forward_step(x[t], s_mc, torch.zeros(3, 3))
        z2, s_lif = lif_feed_forward_step(x[t], s_lif)
        assert torch.equal(z1, z2) and torch.equal(s_mc.v, s_lif.v)
    g = torch.eye(3) * 10.0
    _, coupled = lif_mc_feed_forward_step(
        torch.zeros(1, 3), LIFFeedForwardState(torch.full((1, 3), 0.5), torch.zeros(1, 3)), g
    )
    torch.testing.assert_close(coupled.v, torch.full((1, 3), 0.5 * 1.01 * 0.9))


def test_mc_cells_learn_the_coupling():
    for cls in (nt.LIFMCRecurrentCell, nt.LIFMCRefracRecurrentCell):
        cell = cls(3, 4)
        assert cell.g_coupling.shape == (4, 4) and cell.g_coupling.requires_grad
        state, total = None, 0.0
        for _ in range(5):
            _z, state = cell(torch.ones(2, 3) * 2, state)
            v = state.v if cls is nt.LIFMCRecurrentCell else state.lif.v
            total = total + v.pow(2).sum()
        total.backward()
        assert cell.g_coupling.grad.abs().sum() > 0
        with pytest.raises(ValueError, match="g_coupling"):
            cls(3, 4, g_coupling=torch.zeros(3, 3))


def test_lconv2d_is_conv2d_at_every_step():
    conv = nt.LConv2d(2, 3, 3, padding=1, stride=2)
    x = torch.randn(4, 2, 2, 7, 7)
    y = conv(x)
    ref = torch.nn.functional.conv2d(x.flatten(0, 1), conv.weight[..., 0], stride=2, padding=1)
    torch.testing.assert_close(y, ref.unflatten(0, (4, 2)))
    with pytest.raises(ValueError, match="T, N, C, H, W"):
        conv(torch.randn(2, 2, 7, 7))


def test_logic_and_stdp_sensor():
    a, b = torch.tensor([0.0, 0.0, 1.0, 1.0]), torch.tensor([0.0, 1.0, 0.0, 1.0])
    assert nt.logical_and(a, b).tolist() == [0, 0, 0, 1]
    assert nt.logical_or(a, b).tolist() == [0, 1, 1, 1]
    assert nt.logical_xor(a, b).tolist() == [0, 1, 1, 0]
    assert logical.posedge_detector(a, b).tolist() == [0, 0, 1, 0]
    assert logical.muller_c(torch.ones(4), a, b).tolist() == [0, 1, 1, 1]
    s = nt.STDPSensorState(torch.tensor([0.5]), torch.tensor([0.2]))
    s = nt.stdp_sensor_step(torch.tensor([1.0]), torch.tensor([0.0]), s)
    torch.testing.assert_close(s.a_pre, torch.tensor([0.5 * 0.99 + 1.0]))
    torch.testing.assert_close(s.a_post, torch.tensor([0.2 * 0.99]))


def test_correlation_sensor_batches_are_independent():
    # Norse 1.x's broadcasting failed for batch sizes other than 1 (or the post size)
    torch.manual_seed(4)
    z_pre, z_post = (torch.rand(3, 2) < 0.5).float(), (torch.rand(3, 5) < 0.5).float()
    s = nt.CorrelationSensorState(torch.rand(3, 2, 5), torch.rand(3, 2, 5), torch.rand(3, 2, 5))
    batched = nt.correlation_sensor_step(z_pre, z_post, s)
    for b in range(3):
        one = nt.correlation_sensor_step(
            z_pre[b : b + 1],
            z_post[b : b + 1],
            nt.CorrelationSensorState(*(t[b : b + 1] for t in s)),
        )
        for x, y in zip(batched, one):
            torch.testing.assert_close(x[b : b + 1], y)
    # pre spike only: flag cleared and causal trace jumps; post spike only: flag set
    flag = batched.post_pre
    assert torch.all(flag[(z_pre[:, :, None] * (1 - z_post[:, None, :])) > 0] == 0)
    assert torch.all(flag[((1 - z_pre[:, :, None]) * z_post[:, None, :]) > 0] == 1)


def test_lif_correlation_module_shapes_and_update():
    cell = nt.LIFCorrelation(3, 4)
    z, s = cell(torch.ones(2, 3), torch.ones(4, 3) * 5, torch.zeros(4, 4), None)
    assert z.shape == (2, 4) and s.input_correlation_state.post_pre.shape == (2, 3, 4)
    w = torch.zeros(4, 3)
    new = nt.correlation_based_update(
        0, torch.nn.Linear(48, 12), w, s.input_correlation_state, 0.1, 5
    )
    assert new.shape == w.shape and s.input_correlation_state.correlation_trace.abs().sum() == 0
    assert (
        nt.correlation_based_update(
            3, torch.nn.Linear(48, 12), w, s.input_correlation_state, 0.1, 5
        )
        is w
    )
    with pytest.raises(ValueError, match="input_tensor"):
        cell(torch.ones(2, 2), torch.ones(4, 3), torch.zeros(4, 4), None)
