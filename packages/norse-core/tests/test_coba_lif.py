"""CobaLIF: a step by hand, the fixed recurrent input, initial v = v_rest, gradients, modules."""

import pytest
import torch

from norse.torch import CobaLIF, CobaLIFCell, CobaLIFFeedForwardCell, CobaLIFRecurrent
from norse.torch.functional.coba_lif import (
    CobaLIFFeedForwardState,
    CobaLIFParameters,
    CobaLIFState,
    coba_lif_feed_forward_step,
    coba_lif_step,
)
from norse.torch.functional.reset import reset_subtract
from norse.torch.module.coba_lif import SPEC


def test_defaults_match_norse_as_floats():
    p = CobaLIFParameters()
    assert [float(x) for x in p[:9]] == pytest.approx([0.2, 0.2, 5, 0.25, -100, 60, -20, -70, -10])
    assert all(x.is_floating_point() for x in p[:9])  # Norse 1.x: e_rev_*, v_* are int64


def test_step_by_hand():
    state = CobaLIFFeedForwardState(torch.tensor([-20.0, -20.0]), torch.zeros(2), torch.zeros(2))
    z, s = coba_lif_feed_forward_step(torch.tensor([1.0, -1.0]), state)
    g = 1 - 0.001 * 0.2
    assert s.g_e.tolist() == pytest.approx([g, 0.0]) and s.g_i.tolist() == pytest.approx([0.0, g])
    assert s.v.tolist() == pytest.approx([-20 + 0.005 * g * 80, -20 + 0.005 * g * (-80)], abs=1e-5)
    assert z.tolist() == [0.0, 0.0]


def test_spike_and_reset_subtract():
    state = CobaLIFFeedForwardState(torch.tensor([-10.5]), torch.tensor([10.0]), torch.zeros(1))
    z, s = coba_lif_feed_forward_step(torch.zeros(1), state)
    v_dec = -10.5 + 0.005 * (0.25 * (-20 + 10.5) + 10 * (1 - 0.0002) * 70.5)
    assert z.item() == 1.0 and s.v.item() == -70.0
    z, s = coba_lif_feed_forward_step(
        torch.zeros(1), state, CobaLIFParameters(reset_method=reset_subtract)
    )
    assert s.v.item() == pytest.approx(v_dec + 10, abs=1e-4)


def test_recurrent_step_uses_its_input():
    # Norse 1.x: W_in = 5, input ones, W_rec = 0 gives g_e = 0 (input ignored)
    state = CobaLIFState(
        torch.zeros(1, 2), torch.full((1, 2), -20.0), torch.zeros(1, 2), torch.zeros(1, 2)
    )
    w_in = torch.tensor([[5.0], [-5.0]])
    _z, s = coba_lif_step(torch.ones(1, 1), state, w_in, torch.zeros(2, 2))
    g = 5 * (1 - 0.0002)
    assert s.g_e[0].tolist() == pytest.approx([g, 0.0])
    assert s.g_i[0].tolist() == pytest.approx([0.0, g])
    state = state._replace(z=torch.tensor([[1.0, 0.0]]))
    w_rec = torch.tensor([[0.0, 0.0], [-3.0, 0.0]])
    _, s = coba_lif_step(torch.ones(1, 1), state, w_in, w_rec)
    assert s.g_i[0, 1].item() == pytest.approx((5 + 3) * (1 - 0.0002))


def test_initial_state_is_v_rest_and_silent():
    # Norse 1.x starts at v = 0 > v_thresh = -10: every neuron spikes in the first step
    cell = CobaLIFFeedForwardCell()
    assert torch.equal(cell.initial_state(torch.zeros(2, 3)).v, torch.full((2, 3), -20.0))
    z, _ = cell(torch.zeros(2, 3))
    assert z.sum() == 0
    assert torch.equal(
        CobaLIFCell(3, 2).initial_state(torch.zeros(4, 3)).v, torch.full((4, 2), -20.0)
    )


def test_gradcheck_subthreshold_and_surrogate():
    p = CobaLIFParameters(method="heaviside")

    def steps(x):
        s = CobaLIFFeedForwardState(
            *(torch.full((2,), v, dtype=torch.float64) for v in (-20.0, 0.0, 0.0))
        )
        for t in range(x.shape[0]):
            _, s = coba_lif_feed_forward_step(x[t], s, p)
        return s.v, s.g_e, s.g_i

    x = (torch.rand(4, 2, dtype=torch.float64) - 0.5).requires_grad_()
    assert torch.autograd.gradcheck(steps, (x,))
    grads = []
    x = (torch.rand(30, 1, 3) * 2).requires_grad_()
    for method in ("super", "atan"):
        out, _ = CobaLIF(CobaLIFParameters(method=method, alpha=2.0))(x)
        grads.append(torch.autograd.grad(out.sum(), x)[0])
        assert torch.isfinite(grads[-1]).all()
    assert not torch.allclose(grads[0], grads[1])


def test_modules():
    cell = CobaLIFCell(3, 4, CobaLIFParameters(), 0.001)
    assert cell.input_weights.shape == (4, 3) and cell.autapses
    x = torch.rand(7, 2, 3) * 5
    out, s = CobaLIFRecurrent(
        3,
        4,
        input_weights=cell.input_weights.detach(),
        recurrent_weights=cell.recurrent_weights.detach(),
    )(x)
    cs, zs = None, []
    for t in range(7):
        z, cs = cell(x[t], cs)
        zs.append(z)
    assert torch.equal(out, torch.stack(zs)) and torch.allclose(s.g_e, cs.g_e)
    out, s = CobaLIF()(x)
    assert out.shape == x.shape
    with pytest.raises(TypeError, match="input_tensor"):
        CobaLIFCell(3, 4)(torch.ones(2, 3, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"state\.g_i"):
        CobaLIFFeedForwardCell()(
            torch.ones(2, 3),
            CobaLIFFeedForwardState(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3, 3)),
        )
    with pytest.raises(ValueError, match="tau_syn_exc_inv"):
        CobaLIF(CobaLIFParameters(tau_syn_exc_inv=torch.tensor(-0.2)))
    assert SPEC.current_fields == ("g_e", "g_i") and SPEC.recurrent_cell is CobaLIFCell
