"""Property test: the fused sequence path equals the step loop (issue: one semantics).

Over random shapes, dtypes (float32, float64), models, integrators, resets, surrogates (every
registered one, the plain Heaviside included), parameters and special input values (inf,
-inf, NaN, huge), :func:`norse.torch.ops.models.fused_sequence` (with whichever CPU kernel
serves) and the functional step loop give the same spikes, the same final state (NaN where
the loop has NaN) and, where everything is finite, the same gradients. Deterministic
(``derandomize``): the same examples on every run.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from norse import plugins
from norse.torch.functional.iaf import IAFFeedForwardState, IAFParameters, iaf_feed_forward_step
from norse.torch.functional.leaky_integrator import LIParameters, LIState, li_feed_forward_step
from norse.torch.functional.leaky_integrator_box import (
    LIBoxParameters,
    LIBoxState,
    li_box_feed_forward_step,
)
from norse.torch.functional.lif import LIFFeedForwardState, LIFParameters, lif_feed_forward_step
from norse.torch.functional.lif_box import (
    LIFBoxFeedForwardState,
    LIFBoxParameters,
    lif_box_feed_forward_step,
)
from norse.torch.functional.reset import reset_subtract, reset_value
from norse.torch.ops.models import fused_sequence

pytestmark = pytest.mark.slow  # skipped in the build session (see noxfile)

DT = 1e-3
SPECIAL = (math.inf, -math.inf, math.nan, 1e30, -1e30)


def _loop(step, x, state, p):
    outs = []
    for t in range(x.shape[0]):
        out, state = step(x[t], state, p, DT)
        outs.append(out)
    return torch.stack(outs), state


@st.composite
def cases(draw):
    model = draw(st.sampled_from(["lif", "lif_box", "iaf", "li", "li_box"]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    shape = (draw(st.integers(1, 9)), draw(st.integers(1, 3)), draw(st.integers(1, 4)))
    seed = draw(st.integers(0, 2**16))
    special = draw(st.none() | st.tuples(st.sampled_from(SPECIAL), st.integers(0, 10**6)))
    method = draw(st.sampled_from(sorted(plugins.surrogates())))
    spk = {
        "method": method,
        "alpha": torch.tensor(draw(st.floats(0.5, 20.0)), dtype=dtype),
        "reset_method": draw(st.sampled_from([reset_value, reset_subtract])),
    }
    integrator = draw(st.sampled_from(["euler", "exact"]))
    tau_mem = torch.tensor(draw(st.floats(20.0, 400.0)), dtype=dtype)
    tau_syn = torch.tensor(draw(st.floats(20.0, 400.0)), dtype=dtype)
    v_leak = torch.tensor(draw(st.floats(-0.2, 0.2)), dtype=dtype)
    v_th = torch.tensor(draw(st.floats(0.2, 1.5)), dtype=dtype)
    v_reset = torch.tensor(draw(st.floats(-0.3, 0.1)), dtype=dtype)
    gen = torch.Generator().manual_seed(seed)
    scale = {"lif": 40.0, "li": 40.0, "lif_box": 4.0, "li_box": 4.0, "iaf": 0.4}[model]
    x = (torch.rand(shape, generator=gen, dtype=torch.float64) * scale).to(dtype)
    if special is not None:
        value, where = special
        x.view(-1)[where % x.numel()] = value
    v0 = (torch.rand(shape[1:], generator=gen, dtype=torch.float64) * 0.5).to(dtype)
    i0 = (torch.rand(shape[1:], generator=gen, dtype=torch.float64) * 2).to(dtype)
    if model == "lif":
        p = LIFParameters(tau_syn, tau_mem, v_leak, v_th, v_reset, **spk, integrator=integrator)
        return lif_feed_forward_step, x, LIFFeedForwardState(v0, i0), p
    if model == "lif_box":
        p = LIFBoxParameters(tau_mem, v_leak, v_th, v_reset, **spk, integrator=integrator)
        return lif_box_feed_forward_step, x, LIFBoxFeedForwardState(v0), p
    if model == "iaf":
        return (
            iaf_feed_forward_step,
            x,
            IAFFeedForwardState(v0),
            IAFParameters(v_th, v_reset, **spk),
        )
    if model == "li":
        p = LIParameters(tau_syn, tau_mem, v_leak, integrator=integrator)
        return li_feed_forward_step, x, LIState(v0, i0), p
    return li_box_feed_forward_step, x, LIBoxState(v0), LIBoxParameters(tau_mem, v_leak, integrator)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
def test_fused_equals_the_step_loop(case):
    step, x, state, p = case
    x = x.clone().requires_grad_()
    state = type(state)(*(s.clone().requires_grad_() for s in state))
    fused = fused_sequence(step, x, state, p, DT)
    assert fused is not None or not torch.isfinite(x).all()
    if fused is None:  # a non-finite value: the caller loops, so both are the loop
        return
    out, final = fused
    out_ref, final_ref = _loop(step, x, state, p)
    assert out.dtype == out_ref.dtype and final.v.dtype == final_ref.v.dtype
    tol = {"rtol": 1e-5, "atol": 1e-5} if x.dtype == torch.float32 else {"rtol": 1e-9, "atol": 1e-9}
    if step in (li_feed_forward_step, li_box_feed_forward_step):
        torch.testing.assert_close(out, out_ref, **tol)
    else:
        assert torch.equal(out, out_ref)
    for a, b in zip(final, final_ref):
        torch.testing.assert_close(a, b, **tol)
    weights = [torch.linspace(-1, 1, t.numel(), dtype=t.dtype).view(t.shape) for t in final]
    leaves = [x, *state]

    def loss(o, s):
        return (o * torch.linspace(0, 1, o.numel(), dtype=o.dtype).view(o.shape)).sum() + sum(
            (a * w).sum() for a, w in zip(s, weights)
        )

    grads = torch.autograd.grad(loss(out, final), leaves, allow_unused=True)
    grads_ref = torch.autograd.grad(loss(out_ref, final_ref), leaves, allow_unused=True)
    for g, g_ref in zip(grads, grads_ref):
        if g_ref is None:
            assert g is None or not g.any()
        else:
            torch.testing.assert_close(g, g_ref, rtol=tol["rtol"] * 10, atol=tol["atol"] * 10)


def test_an_infinite_input_gives_the_loop_spikes_and_state():
    """The issue's case: ``x[1] = inf`` (loop: one spike, then NaN state, no more spikes)."""
    x = torch.rand(6, 1, 3) * 0.1
    x[1] = math.inf
    state = LIFFeedForwardState(torch.zeros(1, 3), torch.zeros(1, 3))
    p = LIFParameters()
    assert fused_sequence(lif_feed_forward_step, x, state, p, DT) is None
    import norse.torch as norse_torch

    out, final = norse_torch.LIF()(x)
    out_ref, final_ref = _loop(lif_feed_forward_step, x, state, p)
    assert torch.equal(out, out_ref) and out[:, 0, 0].tolist() == [0, 1, 0, 0, 0, 0]
    assert torch.isnan(final.v).all() and torch.isnan(final_ref.v).all()
