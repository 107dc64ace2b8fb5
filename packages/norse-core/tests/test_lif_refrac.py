"""LIFRefrac: the reference spike train, clamping, the gradient-free refractory mask, modules."""

import pytest
import torch

from norse.torch import (
    LIFRefrac,
    LIFRefracCell,
    LIFRefracRecurrent,
    LIFRefracRecurrentCell,
)
from norse.torch.functional.lif import LIFFeedForwardState, LIFParameters, LIFState
from norse.torch.functional.lif_refrac import (
    LIFRefracFeedForwardState,
    LIFRefracParameters,
    LIFRefracState,
    lif_refrac_feed_forward_step,
    lif_refrac_step,
)
from norse.torch.functional.reset import reset_subtract
from norse.torch.module.lif_refrac import SPEC


def _state(v=0.0, i=0.0, rho=0.0):
    return LIFRefracFeedForwardState(
        LIFFeedForwardState(torch.tensor([v]), torch.tensor([i])), torch.tensor([rho])
    )


def test_defaults():
    p = LIFRefracParameters()
    assert p.rho_reset.item() == 5.0 and p.lif == LIFParameters()


def test_strong_input_spikes_every_sixth_step():
    out, states = LIFRefrac(record_states=True)(torch.full((25, 1, 1), 5.0))
    assert out.flatten().nonzero().flatten().tolist() == [1, 7, 13, 19]
    rho = states.rho.flatten().tolist()
    assert rho[1:8] == [5.0, 4.0, 3.0, 2.0, 1.0, 0.0, 5.0]
    v = states.lif.v.flatten()
    assert torch.all(v[2:6] == v[1])  # voltage held at the reset value while refractory
    i = states.lif.i.flatten()
    assert i[5].item() > i[2].item()  # the current keeps integrating


def test_refractory_step_by_hand():
    # rho = 2: the LIF step would spike (v_dec = 0.9 + 0.1 * (-0.9 + 10) = 1.81), but
    # the neuron is refractory: z = 0, v stays 0.9, rho counts down to 1, i integrates.
    z, s = lif_refrac_feed_forward_step(torch.tensor([10.0]), _state(0.9, 0.0, 2.0))
    assert z.item() == 0.0 and s.lif.v.item() == pytest.approx(0.9)
    assert s.rho.item() == 1.0 and s.lif.i.item() == pytest.approx(8.0)
    z, s = lif_refrac_feed_forward_step(torch.tensor([10.0]), _state(0.9, 0.0, 0.0))
    assert z.item() == 1.0 and s.lif.v.item() == 0.0 and s.rho.item() == 5.0


def test_reset_subtract_inside():
    p = LIFRefracParameters(lif=LIFParameters(reset_method=reset_subtract))
    z, s = lif_refrac_feed_forward_step(torch.tensor([10.0]), _state(0.9), p)
    assert z.item() == 1.0 and s.lif.v.item() == pytest.approx(0.81, abs=1e-6)


def test_refractory_mask_carries_no_gradient():
    # Norse 1.x passes rho through the surrogate, so d(v)/d(rho) != 0; here it is 0.
    rho = torch.tensor([0.0, 3.0], requires_grad=True)
    state = LIFRefracFeedForwardState(
        LIFFeedForwardState(torch.tensor([0.5, 0.5]), torch.zeros(2)), rho
    )
    _, s = lif_refrac_feed_forward_step(torch.tensor([1.0, 1.0]), state)
    assert not s.lif.v.requires_grad


def test_recurrent_step_by_hand():
    state = LIFRefracState(
        LIFState(torch.tensor([[0.0, 1.0]]), torch.zeros(1, 2), torch.zeros(1, 2)),
        torch.tensor([[0.0, 2.0]]),
    )
    w_in, w_rec = torch.eye(2), torch.tensor([[0.0, 20.0], [0.0, 0.0]])
    z, s = lif_refrac_step(torch.tensor([[1.0, 1.0]]), state, w_in, w_rec)
    # neuron 0: i_jump = 1 + 20 -> v = 2.1 spikes; neuron 1 refractory, v held at 0
    assert z.tolist() == [[1.0, 0.0]] and s.rho.tolist() == [[5.0, 1.0]]
    assert s.lif.v.tolist() == [[0.0, 0.0]] and torch.equal(s.lif.z, z)


def test_gradcheck_subthreshold_and_surrogate_gradient():
    p = LIFRefracParameters(lif=LIFParameters(method="heaviside"))

    def steps(x):
        s = LIFRefracFeedForwardState(
            LIFFeedForwardState(
                torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
            ),
            torch.tensor([0.0, 2.0], dtype=torch.float64),
        )
        for t in range(x.shape[0]):
            _, s = lif_refrac_feed_forward_step(x[t], s, p)
        return s.lif.v, s.lif.i

    assert torch.autograd.gradcheck(
        steps, ((0.3 * torch.rand(4, 2, dtype=torch.float64)).requires_grad_(),)
    )
    grads = []
    x = (torch.rand(20, 1, 3) * 4).requires_grad_()
    for method in ("super", "atan"):
        out, _ = LIFRefrac(LIFRefracParameters(lif=LIFParameters(method=method, alpha=2.0)))(x)
        grads.append(torch.autograd.grad(out.sum(), x)[0])
    assert not torch.allclose(grads[0], grads[1])


def test_modules():
    x = torch.rand(6, 2, 3) * 5
    out, s = LIFRefrac()(x)
    cell, cs, zs = LIFRefracCell(), None, []
    for t in range(6):
        z, cs = cell(x[t], cs)
        zs.append(z)
    assert torch.equal(out, torch.stack(zs)) and torch.equal(s.rho, cs.rho)
    out, s = LIFRefracRecurrent(3, 4)(x)
    assert out.shape == (6, 2, 4) and s.lif.z.shape == (2, 4)
    assert LIFRefracRecurrentCell(3, 4)(x[0])[1].rho.shape == (2, 4)
    assert "lif_tau_mem_inv" in dict(LIFRefracCell().named_buffers())
    with pytest.raises(TypeError, match="input_tensor"):
        LIFRefracCell()(torch.ones(2, 3, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"state\.rho"):
        LIFRefracCell()(
            torch.ones(2, 3),
            LIFRefracFeedForwardState(
                LIFFeedForwardState(torch.zeros(2, 3), torch.zeros(2, 3)), torch.zeros(5)
            ),
        )
    with pytest.raises(ValueError, match="tau_mem_inv"):
        LIFRefracCell(LIFRefracParameters(lif=LIFParameters(tau_mem_inv=torch.tensor(-1.0))))
    assert SPEC.name == "lif_refrac" and SPEC.sequence is LIFRefrac
