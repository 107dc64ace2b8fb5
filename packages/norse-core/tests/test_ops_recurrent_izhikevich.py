"""The fused recurrent Izhikevich op (``norse::izhikevich_recurrent_sequence``) against the
step loop.

In float64: spikes equal to looping ``izhikevich_recurrent_step``; gradients for the input,
both weight matrices, the initial state ``(z, v, u)`` and every parameter (``a, b, c, d, sq,
mn, bias, v_th, tau_inv``) within 1e-9 of autograd through the loop (absolute, or relative
for entries above 1) for every registered surrogate; float64 gradcheck with the ``heaviside``
surrogate; ``IzhikevichRecurrent``'s routing (autapses, fallback); ``torch.compile(
fullgraph=True)``; ``opcheck``; the kernel conformance check. Every equivalence test runs on
both CPU kernels: C++ and the PyTorch reference. (The model has no ``reset_method``: the
reset is always to ``c``.)
"""

from __future__ import annotations

import pytest
import torch

import norse.torch as norse_torch
from norse import plugins
from norse.testing import check_recurrent_kernels
from norse.torch.functional.izhikevich import (
    IzhikevichParameters,
    IzhikevichRecurrentState,
    izhikevich_recurrent_step,
)
from norse.torch.ops import contract, recurrent, recurrent_cpp
from norse.torch.ops import recurrent_izhikevich_reference as reference
from norse.torch.ops.recurrent import fused_recurrent
from norse.torch.ops.recurrent_izhikevich import izhikevich_recurrent_sequence

F64 = torch.float64
T, B, N_IN, H = 25, 3, 4, 6
OP = "norse::izhikevich_recurrent_sequence"
FIELDS = ("a", "b", "c", "d", "sq", "mn", "bias", "v_th", "tau_inv")


def _loop(x, state, w_in, w_rec, p):
    outs = []
    for t in range(x.shape[0]):
        z, state = izhikevich_recurrent_step(x[t], state, w_in, w_rec, p)
        outs.append(z)
    return torch.stack(outs), state


def _case(method, gen, steps=T, batch=B):
    """Random float64 inputs, weights, an initial state between rest and threshold, and
    trainable parameters around ``tonic_spiking`` (per neuron where that is natural)."""

    def rnd(*shape, low=0.0, high=1.0):
        return (low + (high - low) * torch.rand(shape, generator=gen, dtype=F64)).requires_grad_()

    x = rnd(steps, batch, N_IN, high=40.0)
    w_in = (torch.randn(H, N_IN, generator=gen, dtype=F64) * 2).requires_grad_()
    w_rec = (torch.randn(H, H, generator=gen, dtype=F64) * 6).requires_grad_()
    scalar = lambda value: torch.tensor(value, dtype=F64, requires_grad=True)  # noqa: E731
    p = IzhikevichParameters(
        a=rnd(H, low=0.01, high=0.05),
        b=rnd(H, low=0.15, high=0.25),
        c=rnd(H, low=-65.0, high=-50.0),
        d=rnd(H, low=2.0, high=8.0),
        sq=scalar(0.04),
        mn=scalar(5.0),
        bias=rnd(H, low=120.0, high=140.0),
        v_th=rnd(H, low=25.0, high=35.0),
        tau_inv=scalar(250.0),
        method=method,
        alpha=10.0 if method == "triangle" else 20.0,
    )
    z0 = (torch.rand(batch, H, generator=gen, dtype=F64) < 0.3).to(F64).requires_grad_()
    state = IzhikevichRecurrentState(
        z0, rnd(batch, H, low=-70.0, high=25.0), rnd(batch, H, low=-16.0, high=-10.0)
    )
    return x, w_in, w_rec, state, p


def _compare(method, seed):
    gen = torch.Generator().manual_seed(seed)
    x, w_in, w_rec, state, p = _case(method, gen)
    leaves = [x, w_in, w_rec, *state, *(getattr(p, f) for f in FIELDS)]
    weights = torch.rand(T, B, H, generator=gen, dtype=F64)

    def loss(z, final):
        return (z * weights).sum() + 1e-3 * (final.v**2).sum() + 1e-2 * (final.u**2).sum()

    z_loop, s_loop = _loop(x, state, w_in, w_rec, p)
    g_loop = torch.autograd.grad(loss(z_loop, s_loop), leaves, allow_unused=True)
    z_fused, s_fused = izhikevich_recurrent_sequence(x, state, w_in, w_rec, p)
    g_fused = torch.autograd.grad(loss(z_fused, s_fused), leaves, allow_unused=True)
    assert torch.equal(z_fused, z_loop)
    assert 0.02 < z_loop.mean() < 0.5  # spikes, and not everywhere
    # The recurrent sums are grouped differently; the quadratic voltage amplifies rounding.
    torch.testing.assert_close(s_fused, s_loop, rtol=1e-10, atol=1e-10)
    for leaf, a, b in zip(leaves, g_fused, g_loop):
        assert a is not None and a.shape == leaf.shape
        if b is None:  # v_th with the heaviside surrogate: no gradient through the spike
            assert not a.any()
            continue
        # 1e-9 absolute, and relative for large entries (the gradient through the resets,
        # (c - V_t) s_t at every spike, grows without bound over a sequence).
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)
    return g_loop


def test_equals_step_loop(kernels):
    grads = _compare("super", seed=1)
    assert all(g.any() for g in grads)  # every gradient path is exercised


def test_every_registered_surrogate(kernels):
    for seed, method in enumerate(plugins.registry("surrogates")):
        _compare(method, seed + 2)


def test_gradcheck(kernels):
    """float64 gradcheck with the ``heaviside`` surrogate (no gradient through the spike):
    every other path (the quadratic voltage, the recovery, both resets' values, both weight
    matrices through the stored spikes, the initial state, every parameter) exactly."""
    gen = torch.Generator().manual_seed(3)
    x, w_in, w_rec, state, p = _case("heaviside", gen, steps=6, batch=2)

    def f(x, w_in, w_rec, z0, v0, u0, *values):
        q = p._replace(**dict(zip(FIELDS, values)))
        z, final = izhikevich_recurrent_sequence(
            x, IzhikevichRecurrentState(z0, v0, u0), w_in, w_rec, q
        )
        return z, final.v, final.u

    args = (x, w_in, w_rec, *state, *(getattr(p, name) for name in FIELDS))
    assert f(*args)[0].any()
    assert torch.autograd.gradcheck(f, args)


def test_module_routes_through_fused_op_with_autapses_masked(kernels):
    torch.manual_seed(0)
    for autapses in (False, True):
        m = norse_torch.IzhikevichRecurrent(
            5,
            7,
            norse_torch.tonic_spiking,
            autapses=autapses,
            trainable=("a", "d", "v_th", "tau_inv"),
        ).double()
        with torch.no_grad():
            m.recurrent_weights.mul_(20).add_(torch.eye(7, dtype=F64))  # a diagonal to mask
        x = torch.rand(40, 2, 5, dtype=F64) * 40
        z, state = m(x)
        assert "izhikevich_recurrent" in type(z.grad_fn).__name__  # the fused op ran
        (z.sum() + 1e-3 * state.v.sum()).backward()
        grads = [q.grad.clone() for q in m.parameters()]
        m.zero_grad()
        m.record_states = True  # the step loop
        z_loop, states = m(x)
        (z_loop.sum() + 1e-3 * states.v[-1].sum()).backward()
        assert torch.equal(z, z_loop) and z.any()
        for g, q in zip(grads, m.parameters()):
            torch.testing.assert_close(g, q.grad, rtol=1e-9, atol=1e-9)
        diagonal = torch.diagonal(m.recurrent_weights.grad)
        assert diagonal.any() == autapses


def test_unsupported_arguments_fall_back_with_a_warning(monkeypatch):
    monkeypatch.setattr(recurrent, "_warned", set())  # each cause warns once per process
    x = torch.rand(4, 2, 3)
    m = norse_torch.IzhikevichRecurrent(3, 5, norse_torch.tonic_spiking)
    state = m.initial_state(x[0])
    p = m.p._replace(alpha=torch.tensor(100.0, requires_grad=True))
    with pytest.warns(UserWarning, match="trainable or non-scalar alpha"):
        assert fused_recurrent(izhikevich_recurrent_step, x, state, *m.weights(), p, m.dt) is None
    other = state._replace(u=state.u.double())
    with pytest.warns(UserWarning, match="torch.float64 on cpu with an input of torch.float32"):
        assert fused_recurrent(izhikevich_recurrent_step, x, other, *m.weights(), m.p, m.dt) is None


def test_torch_compile_fullgraph_matches_eager(compiled_matches_eager):
    torch.manual_seed(2)
    model = norse_torch.IzhikevichRecurrent(4, 6, norse_torch.tonic_spiking, trainable=("a",))
    x = torch.rand(12, 3, 4) * 40
    compiled_matches_eager(model, x)


def test_the_conformance_check_passes_the_reference_and_catches_a_wrong_kernel(perturbed):
    forward, backward = (
        contract.izhikevich_recurrent_forward,
        contract.izhikevich_recurrent_backward,
    )
    assert check_recurrent_kernels("izhikevich", forward, backward) == 3

    with pytest.raises(AssertionError, match="backward g_d"):
        check_recurrent_kernels("izhikevich", forward, perturbed(backward, 7))
    with pytest.raises(AssertionError, match="forward u_T"):
        check_recurrent_kernels("izhikevich", perturbed(forward, -1), backward)


def test_opcheck(monkeypatch):
    """``torch.library.opcheck``: schema (no aliasing), autograd registration, fake tensors."""
    monkeypatch.setenv("NORSE_KERNELS", "reference")
    gen = torch.Generator().manual_seed(0)
    steps, batch, hidden = 4, 2, 3

    def step(low=0.0, high=1.0):
        t = low + (high - low) * torch.rand((batch, hidden), generator=gen, dtype=F64)
        return t.requires_grad_()

    x = (20 * torch.rand((steps, batch, hidden), generator=gen, dtype=F64)).requires_grad_()
    w = (5 * torch.rand((hidden, hidden), generator=gen, dtype=F64)).requires_grad_()
    z0, v0, u0 = torch.zeros(batch, hidden, dtype=F64), step(-70, 25), step(-15, -10)
    ranges = ((0.2, 0.3), (0.01, 0.03), (0.1, 0.3), (-65, -50), (2, 8), (0.03, 0.05), (4, 6))
    coefficients = [step(lo, hi) for lo, hi in (*ranges, (120, 140), (25, 35))]
    args = (x, w, z0, v0, u0, *coefficients, True, "super", torch.tensor(4.0, dtype=F64))
    utils = ("test_schema", "test_autograd_registration", "test_faketensor")
    op = torch.ops.norse.izhikevich_recurrent_sequence.default
    torch.library.opcheck(op, args, test_utils=utils)


def test_the_cpp_kernels_conform():
    if not recurrent_cpp.IZHIKEVICH_FORWARD.available()[0]:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    dtypes = (torch.float32, torch.float64)
    kernels = (recurrent_cpp.IZHIKEVICH_FORWARD, recurrent_cpp.IZHIKEVICH_BACKWARD)
    assert check_recurrent_kernels("izhikevich", *kernels, dtypes=dtypes) == 6


@pytest.mark.parametrize("drive", [4.0, 200.0])  # sparse and dense recurrent paths
def test_cpp_kernels_equal_reference_on_a_wide_layer(drive):
    """The C++ forward and backward against the reference with more neurons than one
    weight-gradient tile (and not a multiple of it), at a low and a high spike rate (the
    sparse row sums and the dense products), kept states or not, an expanded output
    gradient."""
    if recurrent_cpp.load() is None:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    gen = torch.Generator().manual_seed(4)
    steps, batch, h = 12, 3, 150

    def rnd(*shape, low=0.0, high=1.0):
        return low + (high - low) * torch.rand(shape, generator=gen, dtype=F64)

    x = rnd(steps, batch, h, high=drive)
    w = torch.randn(h, h, generator=gen, dtype=F64)
    z0 = (rnd(batch, h) < 0.3).to(F64)
    v0, u0 = rnd(batch, h, low=-70.0, high=-20.0), rnd(batch, h, low=-16.0, high=-10.0)
    ranges = ((0.2, 0.3), (0.01, 0.05), (0.15, 0.25), (-65, -50), (2, 8), (0.035, 0.045))
    k, a, b, c, d, sq = (rnd(batch, h, low=lo, high=hi) for lo, hi in ranges)
    mn, bias, v_th = (
        torch.full_like(k, 5.0),
        rnd(batch, h, low=120, high=140),
        torch.full_like(k, 30.0),
    )
    rates = []
    for keep in (False, True):
        args = (x, w, z0, v0, u0, k, a, b, c, d, sq, mn, bias, v_th, keep)
        cpp = recurrent_cpp.IZHIKEVICH_FORWARD(*args)
        want = reference.izhikevich_recurrent_forward(*args)
        assert torch.equal(cpp[0], want[0])
        for got, expected in zip(cpp, want):
            torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
        z, vp = want[0], want[1]
        rates.append(z.mean((1, 2)).max().item())  # the highest rate of a step
        g_z = torch.ones((), dtype=F64).expand(steps, batch, h)
        g_v, g_u, s = rnd(batch, h, low=-1.0), rnd(batch, h, low=-1.0), rnd(steps, batch, h)
        args = (g_z, g_v, g_u, s, z, vp, z0, v0, w, k, a, b, c, d, sq, mn, keep)
        cpp = recurrent_cpp.IZHIKEVICH_BACKWARD(*args)
        want = reference.izhikevich_recurrent_backward(*args)
        for got, expected in zip(cpp, want):
            torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)
    sparse = max(rates) <= recurrent_cpp.DENSE_ABOVE
    assert sparse == (drive < 10) and min(rates) > 0, rates
