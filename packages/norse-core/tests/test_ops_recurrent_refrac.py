"""The fused recurrent refractory LIF op (``norse::lif_refrac_recurrent_sequence``) against
the step loop.

In float64: spikes equal to looping ``lif_refrac_step``; gradients for the input, both weight
matrices, the initial state (spikes, voltage, current and refractory counter) and every
parameter (``rho_reset`` included) within 1e-9 of autograd through the loop (absolute, or
relative for entries above 1), for both resets, both integrators and every registered
surrogate; float64 gradcheck with the ``heaviside`` surrogate; ``LIFRefracRecurrent``'s
routing (autapses, fallback); ``torch.compile(fullgraph=True)``; ``opcheck``; the kernel
conformance check. Every equivalence test runs on both CPU kernels: C++ and the PyTorch
reference.
"""

from __future__ import annotations

import pytest
import torch

import norse.torch as norse_torch
from norse import plugins
from norse.testing import check_recurrent_kernels
from norse.torch.functional.lif import LIFParameters, LIFState
from norse.torch.functional.lif_refrac import (
    LIFRefracParameters,
    LIFRefracState,
    lif_refrac_step,
)
from norse.torch.functional.reset import reset_subtract, reset_value
from norse.torch.ops import contract, recurrent, recurrent_cpp
from norse.torch.ops.recurrent import (
    fused_recurrent,
    lif_recurrent_sequence,
    lif_refrac_recurrent_sequence,
)

F64 = torch.float64
T, B, N_IN, H = 25, 3, 4, 6
OP = "norse::lif_refrac_recurrent_sequence"


def _loop(x, state, w_in, w_rec, p):
    outs = []
    for t in range(x.shape[0]):
        z, state = lif_refrac_step(x[t], state, w_in, w_rec, p)
        outs.append(z)
    return torch.stack(outs), state


def _scalar(value):
    return torch.tensor(value, dtype=F64, requires_grad=True)


def _case(reset, integrator, method, gen, steps=T):
    """Random float64 inputs, weights, initial state and trainable parameters; two neurons
    start refractory for longer than the sequence (so the initial counter gets a gradient)."""

    def rnd(*shape, scale=1.0, shift=0.0):
        return (torch.rand(shape, generator=gen, dtype=F64) * scale + shift).requires_grad_()

    x = rnd(steps, B, N_IN, scale=8.0)
    w_in = torch.randn(H, N_IN, generator=gen, dtype=F64).requires_grad_()
    w_rec = (torch.randn(H, H, generator=gen, dtype=F64) * 0.5).requires_grad_()
    lif = LIFParameters(
        tau_syn_inv=_scalar(200.0),
        tau_mem_inv=rnd(H, scale=50.0, shift=80.0),
        v_leak=_scalar(0.1),
        v_th=rnd(H, scale=0.2, shift=0.4),
        v_reset=_scalar(-0.1),
        method=method,
        alpha=10.0 if method == "triangle" else 20.0,
        integrator=integrator,
        reset_method=reset,
    )
    rho_reset = torch.randint(1, 4, (H,), generator=gen).to(F64).requires_grad_()
    z0 = (torch.rand(B, H, generator=gen, dtype=F64) < 0.3).to(F64).requires_grad_()
    rho0 = torch.randint(0, 4, (B, H), generator=gen).to(F64)
    rho0[0, :2] = steps + 3
    state = LIFRefracState(LIFState(z0, rnd(B, H, scale=0.5), rnd(B, H, scale=0.5)), rho0)
    state.rho.requires_grad_()
    return x, w_in, w_rec, state, LIFRefracParameters(lif, rho_reset)


def _leaves(x, w_in, w_rec, state, p):
    lif = [v for v in p.lif if isinstance(v, torch.Tensor) and v.requires_grad]
    return [x, w_in, w_rec, *state.lif, state.rho, *lif, p.rho_reset]


def _compare(reset, integrator, method, seed):
    gen = torch.Generator().manual_seed(seed)
    x, w_in, w_rec, state, p = _case(reset, integrator, method, gen)
    leaves = _leaves(x, w_in, w_rec, state, p)
    weights = torch.rand(T, B, H, generator=gen, dtype=F64)

    def loss(z, final):
        return (z * weights).sum() + sum((f * f).sum() for f in (*final.lif, final.rho))

    z_loop, s_loop = _loop(x, state, w_in, w_rec, p)
    g_loop = torch.autograd.grad(loss(z_loop, s_loop), leaves, allow_unused=True)
    z_fused, s_fused = lif_refrac_recurrent_sequence(x, state, w_in, w_rec, p)
    g_fused = torch.autograd.grad(loss(z_fused, s_fused), leaves, allow_unused=True)
    assert torch.equal(z_fused, z_loop)
    assert 0 < z_loop.mean() < 0.5  # spikes, and not everywhere
    lif_only, _ = lif_recurrent_sequence(x, state.lif, w_in, w_rec, p.lif)
    assert not torch.equal(lif_only, z_loop)  # the refractory period matters here
    assert torch.equal(s_fused.rho, s_loop.rho)
    for a, b in zip((*s_fused.lif, s_fused.rho), (*s_loop.lif, s_loop.rho)):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
    for leaf, a, b in zip(leaves, g_fused, g_loop):
        if b is None:  # v_reset under reset_subtract
            assert a is None or not a.any()
            continue
        assert a is not None and a.shape == leaf.shape
        # 1e-9 absolute, and relative for large entries (to 1e7 with the triangle
        # surrogate, where float64 rounding alone exceeds 1e-9 absolute).
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)
    return g_loop


@pytest.mark.parametrize("integrator", ["euler", "exact"])
@pytest.mark.parametrize("reset", [reset_value, reset_subtract])
def test_equals_step_loop(kernels, reset, integrator):
    grads = _compare(reset, integrator, "super", seed=1)
    rho0, rho_reset = grads[6], grads[-1]
    assert rho0.any() and rho_reset.any()  # the counter's gradient paths are exercised


def test_every_registered_surrogate(kernels):
    for seed, method in enumerate(plugins.registry("surrogates")):
        _compare(reset_value if seed % 2 else reset_subtract, "euler", method, seed)


def test_gradcheck(kernels):
    """float64 gradcheck with the ``heaviside`` surrogate (no gradient through the spike):
    every other path (currents, voltages held while refractory, resets, both weight matrices
    through the stored spikes, the initial spikes, the counter through ``rho_reset`` and
    ``rho0``) is checked exactly. Counters and ``rho_reset`` are away from the kinks of
    ``H(rho)`` and ``relu(rho - 1)``."""
    gen = torch.Generator().manual_seed(3)
    x, w_in, w_rec, state, p = _case(reset_value, "euler", "heaviside", gen, steps=5)
    x = x[:, :2].detach().requires_grad_()
    lif_state = LIFState(*(f[:2].detach().requires_grad_() for f in state.lif))
    rho0 = torch.tensor([-0.5, 0.5, 1.5, 2.5, 7.5, 0.5], dtype=F64).expand(2, H)
    rho0 = rho0.clone().requires_grad_()
    names = ("tau_mem_inv", "v_th", "v_reset", "tau_syn_inv")

    def f(x, w_in, w_rec, z0, v0, i0, rho0, rho_reset, *lif):
        q = LIFRefracParameters(p.lif._replace(**dict(zip(names, lif))), rho_reset)
        s = LIFRefracState(LIFState(z0, v0, i0), rho0)
        z, final = lif_refrac_recurrent_sequence(x, s, w_in, w_rec, q)
        return (z, *final.lif, final.rho)

    rho_reset = _scalar(2.5)
    args = (x, w_in, w_rec, *lif_state, rho0, rho_reset, *(getattr(p.lif, n) for n in names))
    assert torch.autograd.gradcheck(f, args)


def test_module_routes_through_fused_op_with_autapses_masked(kernels):
    torch.manual_seed(0)
    for autapses in (False, True):
        m = norse_torch.LIFRefracRecurrent(
            5, 7, autapses=autapses, trainable=("lif_tau_mem_inv", "lif_v_th", "rho_reset")
        ).double()
        with torch.no_grad():
            m.recurrent_weights.add_(torch.eye(7, dtype=F64))  # a diagonal to mask
        x = torch.rand(30, 2, 5, dtype=F64) * 4
        z, state = m(x)
        assert "lif_refrac_recurrent" in type(z.grad_fn).__name__  # the fused op ran
        (z.sum() + state.rho.sum()).backward()
        grads = [q.grad.clone() for q in m.parameters()]
        m.zero_grad()
        m.record_states = True  # the step loop
        z_loop, states = m(x)
        (z_loop.sum() + states.rho[-1].sum()).backward()
        assert torch.equal(z, z_loop) and z.any()
        assert z.sum(0).max() <= 6  # at most one spike in rho_reset + 1 = 6 steps
        for g, q in zip(grads, m.parameters()):
            torch.testing.assert_close(g, q.grad, rtol=0, atol=1e-9)
        diagonal = torch.diagonal(m.recurrent_weights.grad)
        assert diagonal.any() == autapses


def test_unsupported_arguments_fall_back_with_a_warning(monkeypatch):
    monkeypatch.setattr(recurrent, "_warned", set())  # each cause warns once per process
    x = torch.rand(4, 2, 3)
    custom = LIFParameters(reset_method=lambda z, v, r, th: v)
    m = norse_torch.LIFRefracRecurrent(3, 5, p=LIFRefracParameters(lif=custom))
    state = m.initial_state(x[0])
    with pytest.warns(UserWarning, match="reset_method"):
        assert fused_recurrent(lif_refrac_step, x, state, *m.weights(), m.p, m.dt) is None
    other = state._replace(rho=state.rho.double())  # a nested field is checked too
    p = LIFRefracParameters()
    with pytest.warns(UserWarning, match="torch.float64 on cpu with an input of torch.float32"):
        assert fused_recurrent(lif_refrac_step, x, other, *m.weights(), p, m.dt) is None


def test_torch_compile_fullgraph_matches_eager(compiled_matches_eager):
    torch.manual_seed(2)
    model = norse_torch.LIFRefracRecurrent(4, 6, p=LIFRefracParameters(rho_reset=2.0))
    x = torch.rand(12, 3, 4) * 3
    compiled_matches_eager(model, x)


def test_the_conformance_check_passes_the_reference_and_catches_a_wrong_kernel(perturbed):
    forward, backward = (
        contract.lif_refrac_recurrent_forward,
        contract.lif_refrac_recurrent_backward,
    )
    assert check_recurrent_kernels("lif_refrac", forward, backward) == 3

    with pytest.raises(AssertionError, match="backward g_rho_reset"):
        check_recurrent_kernels("lif_refrac", forward, perturbed(backward, -2))
    with pytest.raises(AssertionError, match="forward v_T"):
        check_recurrent_kernels("lif_refrac", perturbed(forward, -3), backward)


def test_opcheck(monkeypatch):
    """``torch.library.opcheck``: schema (no aliasing), autograd registration, fake tensors."""
    monkeypatch.setenv("NORSE_KERNELS", "reference")
    gen = torch.Generator().manual_seed(0)
    steps, batch, hidden = 4, 2, 3

    def step(low=0.0, high=1.0):
        t = low + (high - low) * torch.rand((batch, hidden), generator=gen, dtype=F64)
        return t.requires_grad_()

    x = torch.rand((steps, batch, hidden), generator=gen, dtype=F64).requires_grad_()
    w = (0.3 * torch.rand((hidden, hidden), generator=gen, dtype=F64)).requires_grad_()
    rho0 = torch.tensor([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]], dtype=F64)
    coefficients = [step(lo, hi) for lo, hi in ((0.7, 0.9), (0.3, 0.6), (0, 0.05), (0.6, 0.9))]
    v_th, v_reset, rho_reset = step(0.4, 0.6), step(-0.1, 0.1), torch.full_like(rho0, 2.0)
    z0, v0, i0 = torch.zeros(batch, hidden, dtype=F64), step(high=0.5), step(high=0.3)
    args = (x, w, z0, v0, i0, rho0, *coefficients, v_th, v_reset, rho_reset, False, True)
    utils = ("test_schema", "test_autograd_registration", "test_faketensor")
    op = torch.ops.norse.lif_refrac_recurrent_sequence.default
    torch.library.opcheck(op, (*args, "super", torch.tensor(4.0, dtype=F64)), test_utils=utils)


def test_the_cpp_kernels_conform():
    if not recurrent_cpp.LIF_REFRAC_FORWARD.available()[0]:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    dtypes = (torch.float32, torch.float64)
    kernels = (recurrent_cpp.LIF_REFRAC_FORWARD, recurrent_cpp.LIF_REFRAC_BACKWARD)
    assert check_recurrent_kernels("lif_refrac", *kernels, dtypes=dtypes) == 6


@pytest.mark.parametrize("drive", [0.3, 3.0])  # sparse and dense recurrent paths
def test_cpp_kernels_equal_reference_on_a_wide_layer(drive):
    """The C++ forward and backward against the reference with more neurons than one
    weight-gradient tile (and not a multiple of it), at a low and a high spike rate (the
    sparse row sums and the dense products), an expanded output gradient and both resets."""
    from norse.torch.ops import recurrent_reference as reference

    if recurrent_cpp.load() is None:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    gen = torch.Generator().manual_seed(4)
    steps, batch, h = 12, 3, 150

    def rnd(*shape, low=0.0, high=1.0):
        return low + (high - low) * torch.rand(shape, generator=gen, dtype=F64)

    x = rnd(steps, batch, h, high=drive)
    w = torch.randn(h, h, generator=gen, dtype=F64) * 0.05
    z0 = (rnd(batch, h) < 0.3).to(F64)
    state = [rnd(batch, h, high=0.5), rnd(batch, h, high=0.5), torch.floor(rnd(batch, h, high=3))]
    p, q, o, r = rnd(batch, h, low=0.8, high=0.95), rnd(batch, h, low=0.05, high=0.2), 0.01, 0.8
    coefficients = [p, q, torch.full_like(p, o), torch.full_like(p, r)]
    coefficients += [rnd(batch, h, low=0.3, high=0.6), rnd(batch, h, low=-0.1, high=0.1)]
    coefficients.append(torch.full_like(p, 2.0))
    rates = []
    for subtract in (False, True):
        args = (x, w, z0, *state, *coefficients, subtract, True)
        cpp = recurrent_cpp.LIF_REFRAC_FORWARD(*args)
        want = reference.lif_refrac_recurrent_forward(*args)
        assert torch.equal(cpp[0], want[0]) and torch.equal(cpp[4], want[4])
        for a, b in zip(cpp, want):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
        z, rho = want[0], want[4]
        rates.append(z.mean().item())
        g_z = torch.ones((), dtype=F64).expand(steps, batch, h)
        grads = [rnd(batch, h, low=-1.0, high=1.0) for _ in range(3)]
        s = rnd(steps, batch, h)
        args = (g_z, *grads, s, z, z0, rho, state[2], w, p, q, coefficients[3], coefficients[-1])
        cpp = recurrent_cpp.LIF_REFRAC_BACKWARD(*args, subtract, True)
        want = reference.lif_refrac_recurrent_backward(*args, subtract, True)
        for a, b in zip(cpp, want):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    sparse = max(rates) < recurrent_cpp.DENSE_ABOVE
    assert sparse == (drive < 1), rates
