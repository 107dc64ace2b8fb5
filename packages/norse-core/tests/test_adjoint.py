"""Adjoint steps: same forward numbers and gradients (float64) as backpropagation through the
ordinary step loop; less memory saved for the backward pass."""

import pytest
import torch

from norse.torch.functional.adjoint import (
    lif_feed_forward_adjoint_step,
    lif_feed_forward_adjoint_step_sparse,
    lif_refrac_feed_forward_adjoint_step,
    lsnn_feed_forward_adjoint_step,
)
from norse.torch.functional.lif import LIFFeedForwardState, LIFParameters, lif_feed_forward_step
from norse.torch.functional.lif_refrac import (
    LIFRefracFeedForwardState,
    LIFRefracParameters,
    lif_refrac_feed_forward_step,
)
from norse.torch.functional.lsnn import (
    LSNNFeedForwardState,
    LSNNParameters,
    lsnn_feed_forward_step,
)
from norse.torch.functional.reset import reset_subtract

D = torch.float64


def _lif_state():
    return LIFFeedForwardState(torch.rand(3, 5, dtype=D), torch.rand(3, 5, dtype=D))


def _refrac_state():
    return LIFRefracFeedForwardState(_lif_state(), torch.zeros(3, 5, dtype=D))


def _lsnn_state():
    return LSNNFeedForwardState(
        torch.rand(3, 5, dtype=D), torch.rand(3, 5, dtype=D), torch.ones(3, 5, dtype=D)
    )


CASES = {
    "lif": (lif_feed_forward_step, lif_feed_forward_adjoint_step, _lif_state, LIFParameters(alpha=20.0)),
    "lif_triangle": (
        lif_feed_forward_step, lif_feed_forward_adjoint_step, _lif_state,
        LIFParameters(method="triangle", alpha=0.5),
    ),
    "lif_refrac": (
        lif_refrac_feed_forward_step, lif_refrac_feed_forward_adjoint_step, _refrac_state,
        LIFRefracParameters(lif=LIFParameters(alpha=20.0), rho_reset=torch.tensor(3.0)),
    ),
    "lsnn": (lsnn_feed_forward_step, lsnn_feed_forward_adjoint_step, _lsnn_state, LSNNParameters(alpha=20.0)),
}  # fmt: skip


def _leaves(state):
    return [t for t in torch.utils._pytree.tree_leaves(state)]


def _run(step, x, state, p):
    zs, vs = [], []
    for t in range(x.shape[0]):
        z, state = step(x[t], state, p)
        zs.append(z)
        vs.append(_leaves(state)[0])
    return torch.stack(zs), torch.stack(vs), state


@pytest.mark.parametrize("name", sorted(CASES))
def test_adjoint_gradients_equal_backpropagation(name):
    ordinary, adjoint, make_state, p = CASES[name]
    torch.manual_seed(5)
    x = (torch.rand(60, 3, 5, dtype=D) * 4.0).requires_grad_()
    state = make_state()
    weights = torch.randn(60, 3, 5, dtype=D)
    grads, outputs = [], []
    for step in (ordinary, adjoint):
        xs = x.detach().clone().requires_grad_()
        s0 = torch.utils._pytree.tree_map(lambda t: t.clone().requires_grad_(), state)
        z, v, final = _run(step, xs, s0, p)
        loss = (
            (weights * z).sum() + (weights * v).pow(2).sum() + sum(t.sum() for t in _leaves(final))
        )
        loss.backward()
        outputs.append((z.detach(), v.detach()))
        grads.append([xs.grad, *[t.grad for t in _leaves(s0)]])
    assert torch.equal(outputs[0][0], outputs[1][0]) and outputs[0][0].sum() > 10
    torch.testing.assert_close(outputs[1][1], outputs[0][1])
    for ours, reference in zip(grads[1], grads[0]):
        torch.testing.assert_close(ours, reference, rtol=1e-10, atol=1e-12)
    assert grads[0][0].abs().sum() > 0


def test_broadcast_state_gets_reduced_gradients():
    x = torch.rand(4, 3, 5, dtype=D, requires_grad=True)
    v0 = torch.zeros(5, dtype=D, requires_grad=True)
    state = LIFFeedForwardState(v0, torch.zeros(5, dtype=D))
    _z, s = lif_feed_forward_adjoint_step(x[0], state)
    s.v.sum().backward()
    assert v0.grad.shape == (5,)


def test_sparse_input_and_unsupported_options():
    x = (torch.rand(2, 4) < 0.5).float() * 3
    state = LIFFeedForwardState(torch.zeros(2, 4), torch.zeros(2, 4))
    z, s = lif_feed_forward_adjoint_step_sparse(x.to_sparse(), state)
    z_ref, s_ref = lif_feed_forward_step(x, state)
    assert z.is_sparse and torch.equal(z.to_dense(), z_ref) and torch.equal(s.v, s_ref.v)
    with pytest.raises(ValueError, match="euler"):
        lif_feed_forward_adjoint_step(x, state, LIFParameters(integrator="exact"))
    with pytest.raises(ValueError, match="reset_value"):
        lif_feed_forward_adjoint_step(x, state, LIFParameters(reset_method=reset_subtract))


def _saved_bytes(step, p, T=200):
    saved = []

    def pack(t):
        saved.append(t.numel() * t.element_size())
        return t

    x = torch.rand(T, 4, 64, requires_grad=True) * 3
    state = LIFFeedForwardState(torch.zeros(4, 64), torch.zeros(4, 64))
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        _z, _v, _ = _run(step, x, state, p)
    return sum(saved)


def test_adjoint_saves_less_for_backward():
    p = LIFParameters()
    assert _saved_bytes(lif_feed_forward_adjoint_step, p) * 3 < _saved_bytes(
        lif_feed_forward_step, p
    )
