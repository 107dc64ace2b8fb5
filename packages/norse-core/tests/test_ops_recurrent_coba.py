"""The fused recurrent CobaLIF op (``norse::coba_lif_recurrent_sequence``) against the step loop.

In float64: spikes equal to looping ``coba_lif_step``; gradients for the input, both weight
matrices (some entries exactly 0, where ``relu``'s gradient convention matters), the initial
state (spikes, voltage, both conductances) and every parameter within 1e-9 of autograd through
the loop (absolute, or relative for entries above 1), for both resets and every registered
surrogate; float64 gradcheck with the ``heaviside`` surrogate; ``CobaLIFRecurrent``'s routing
(autapses, fallback); ``torch.compile(fullgraph=True)``; ``opcheck``; the kernel conformance
check. Every equivalence test runs on both CPU kernels: C++ and the PyTorch reference.
"""

from __future__ import annotations

import pytest
import torch

import norse.torch as norse_torch
from norse import plugins
from norse.testing import check_recurrent_kernels
from norse.torch.functional.coba_lif import CobaLIFParameters, CobaLIFState, coba_lif_step
from norse.torch.functional.reset import reset_subtract, reset_value
from norse.torch.ops import contract, recurrent, recurrent_cpp
from norse.torch.ops import recurrent_coba_reference as reference
from norse.torch.ops.recurrent import fused_recurrent
from norse.torch.ops.recurrent_coba import coba_lif_recurrent_sequence

F64 = torch.float64
T, B, N_IN, H = 25, 3, 4, 6
OP = "norse::coba_lif_recurrent_sequence"


def _loop(x, state, w_in, w_rec, p):
    outs = []
    for t in range(x.shape[0]):
        z, state = coba_lif_step(x[t], state, w_in, w_rec, p)
        outs.append(z)
    return torch.stack(outs), state


def _scalar(value):
    return torch.tensor(value, dtype=F64, requires_grad=True)


def _case(reset, method, gen, steps=T):
    """Random float64 inputs, signed weights (a few exactly 0), initial state and trainable
    parameters, in a potential range with a positive threshold (so that reset by subtraction
    lowers the voltage) and conductances that change within a few steps."""

    def rnd(*shape, scale=1.0, shift=0.0):
        return (torch.rand(shape, generator=gen, dtype=F64) * scale + shift).requires_grad_()

    x = rnd(steps, B, N_IN, scale=2.0)
    w_in = torch.randn(H, N_IN, generator=gen, dtype=F64)
    w_rec = torch.randn(H, H, generator=gen, dtype=F64)
    w_in[0, :2] = 0.0
    w_rec[1, :3] = 0.0
    p = CobaLIFParameters(
        tau_syn_exc_inv=rnd(H, scale=50.0, shift=100.0),
        tau_syn_inh_inv=_scalar(80.0),
        c_m_inv=_scalar(40.0),
        g_l=rnd(H, scale=0.5, shift=0.5),
        e_rev_I=_scalar(-3.0),
        e_rev_E=_scalar(5.0),
        v_rest=_scalar(0.0),
        v_reset=_scalar(-0.5),
        v_thresh=rnd(H, scale=0.4, shift=0.8),
        method=method,
        alpha=10.0 if method == "triangle" else 20.0,
        reset_method=reset,
    )
    z0 = (torch.rand(B, H, generator=gen, dtype=F64) < 0.3).to(F64).requires_grad_()
    state = CobaLIFState(z0, rnd(B, H, scale=0.8), rnd(B, H, scale=2.0), rnd(B, H))
    return x, w_in.requires_grad_(), w_rec.requires_grad_(), state, p


def _leaves(x, w_in, w_rec, state, p):
    parameters = [v for v in p if isinstance(v, torch.Tensor) and v.requires_grad]
    return [x, w_in, w_rec, *state, *parameters]


def _compare(reset, method, seed):
    gen = torch.Generator().manual_seed(seed)
    x, w_in, w_rec, state, p = _case(reset, method, gen)
    leaves = _leaves(x, w_in, w_rec, state, p)
    weights = torch.rand(T, B, H, generator=gen, dtype=F64)

    def loss(z, final):
        return (z * weights).sum() + sum((f * f).sum() for f in final[1:])

    z_loop, s_loop = _loop(x, state, w_in, w_rec, p)
    g_loop = torch.autograd.grad(loss(z_loop, s_loop), leaves, allow_unused=True)
    z_fused, s_fused = coba_lif_recurrent_sequence(x, state, w_in, w_rec, p)
    g_fused = torch.autograd.grad(loss(z_fused, s_fused), leaves, allow_unused=True)
    assert torch.equal(z_fused, z_loop)
    assert 0.02 < z_loop.mean() < 0.7  # spikes, and not everywhere
    for a, b in zip(s_fused, s_loop):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
    for leaf, a, b in zip(leaves, g_fused, g_loop):
        if b is None:  # v_reset under reset_subtract
            assert a is None or not a.any()
            continue
        assert a is not None and a.shape == leaf.shape
        # 1e-9 absolute, and relative for large entries
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)
    return g_loop


@pytest.mark.parametrize("reset", [reset_value, reset_subtract])
def test_equals_step_loop(kernels, reset):
    grads = _compare(reset, "super", seed=1)
    g_w_in, g_w_rec = grads[1], grads[2]
    assert g_w_in[0, :2].eq(0).all() and g_w_rec[1, :3].eq(0).all()  # relu'(0) = 0 both ways
    assert g_w_in.ne(0).sum() > 20 and g_w_rec.ne(0).sum() > 20  # elsewhere the paths work


def test_every_registered_surrogate(kernels):
    for seed, method in enumerate(plugins.registry("surrogates")):
        _compare(reset_value if seed % 2 else reset_subtract, method, seed)


def test_gradcheck(kernels):
    """float64 gradcheck with the ``heaviside`` surrogate (no gradient through the spike):
    every other path (conductances, voltages, resets, both weight matrices through the stored
    spikes and their ``relu`` splits, the initial spikes, every parameter) is checked exactly."""
    gen = torch.Generator().manual_seed(3)
    x, w_in, w_rec, state, p = _case(reset_value, "heaviside", gen, steps=6)
    x = x[:, :2].detach().requires_grad_()
    w_in, w_rec = (w.detach().add(0.01).requires_grad_() for w in (w_in, w_rec))  # no kinks
    s = CobaLIFState(*(f[:2].detach().requires_grad_() for f in state))
    names = ("tau_syn_exc_inv", "tau_syn_inh_inv", "c_m_inv", "g_l", "e_rev_I", "e_rev_E")
    names += ("v_rest", "v_reset", "v_thresh")

    def f(x, w_in, w_rec, z0, v0, ge0, gi0, *values):
        q = p._replace(**dict(zip(names, values)))
        z, final = coba_lif_recurrent_sequence(x, CobaLIFState(z0, v0, ge0, gi0), w_in, w_rec, q)
        return (z, *final[1:])

    args = (x, w_in, w_rec, *s, *(getattr(p, n) for n in names))
    assert f(*args)[0].any()
    assert torch.autograd.gradcheck(f, args)


def test_module_routes_through_fused_op_with_autapses_masked(kernels):
    torch.manual_seed(0)
    p = CobaLIFParameters(c_m_inv=torch.as_tensor(40.0), tau_syn_exc_inv=torch.as_tensor(50.0))
    for autapses in (False, True):
        m = norse_torch.CobaLIFRecurrent(
            5, 7, p=p, autapses=autapses, trainable=("v_thresh", "g_l", "e_rev_E")
        ).double()
        with torch.no_grad():
            m.recurrent_weights.add_(torch.eye(7, dtype=F64))  # a diagonal to mask
        x = torch.rand(30, 2, 5, dtype=F64) * 4
        z, state = m(x)
        assert "coba_lif_recurrent" in type(z.grad_fn).__name__  # the fused op ran
        (z.sum() + state.g_e.sum()).backward()
        grads = [q.grad.clone() for q in m.parameters()]
        m.zero_grad()
        m.record_states = True  # the step loop
        z_loop, states = m(x)
        (z_loop.sum() + states.g_e[-1].sum()).backward()
        assert torch.equal(z, z_loop) and z.any()
        for g, q in zip(grads, m.parameters()):
            torch.testing.assert_close(g, q.grad, rtol=1e-9, atol=1e-9)
        diagonal = torch.diagonal(m.recurrent_weights.grad)
        assert diagonal.any() == autapses


def test_unsupported_arguments_fall_back_with_a_warning(monkeypatch):
    monkeypatch.setattr(recurrent, "_warned", set())  # each cause warns once per process
    x = torch.rand(4, 2, 3)
    custom = CobaLIFParameters(reset_method=lambda z, v, r, th: v)
    m = norse_torch.CobaLIFRecurrent(3, 5, p=custom)
    state = m.initial_state(x[0])
    with pytest.warns(UserWarning, match="reset_method"):
        assert fused_recurrent(coba_lif_step, x, state, *m.weights(), m.p, m.dt) is None
    trainable_alpha = CobaLIFParameters(alpha=torch.tensor(100.0, requires_grad=True))
    with pytest.warns(UserWarning, match="trainable or non-scalar alpha"):
        m = norse_torch.CobaLIFRecurrent(3, 5, p=trainable_alpha)
        z, _ = m(x)
    assert z.grad_fn is not None and "coba" not in type(z.grad_fn).__name__  # the loop ran


def test_torch_compile_fullgraph_matches_eager(compiled_matches_eager):
    torch.manual_seed(2)
    p = CobaLIFParameters(c_m_inv=torch.as_tensor(40.0))
    model = norse_torch.CobaLIFRecurrent(4, 6, p=p, trainable=("v_thresh",))
    x = torch.rand(12, 3, 4) * 3
    compiled_matches_eager(model, x)


def test_the_conformance_check_passes_the_reference_and_catches_a_wrong_kernel(perturbed):
    forward, backward = contract.coba_lif_recurrent_forward, contract.coba_lif_recurrent_backward
    assert check_recurrent_kernels("coba_lif", forward, backward) == 3

    with pytest.raises(AssertionError, match="backward gWi"):
        check_recurrent_kernels("coba_lif", forward, perturbed(backward, -1))
    with pytest.raises(AssertionError, match="forward ge_T"):
        check_recurrent_kernels("coba_lif", perturbed(forward, -2), backward)


def test_opcheck(monkeypatch):
    """``torch.library.opcheck``: schema (no aliasing), autograd registration, fake tensors."""
    monkeypatch.setenv("NORSE_KERNELS", "reference")
    gen = torch.Generator().manual_seed(0)
    steps, batch, hidden = 4, 2, 3

    def rnd(*shape, low=0.0, high=1.0):
        t = low + (high - low) * torch.rand(shape, generator=gen, dtype=F64)
        return t.requires_grad_()

    xe, xi = rnd(steps, batch, hidden, high=3.0), rnd(steps, batch, hidden)
    we, wi = rnd(hidden, hidden), rnd(hidden, hidden)
    z0 = torch.zeros(batch, hidden, dtype=F64)
    state = [rnd(batch, hidden, high=0.5), rnd(batch, hidden), rnd(batch, hidden)]
    ranges = ((0.05, 0.3), (0.05, 0.3), (0.1, 0.2), (0.1, 0.4), (0, 0.1), (4, 6), (-4, -2))
    coefficients = [rnd(batch, hidden, low=lo, high=hi) for lo, hi in ranges]
    coefficients += [rnd(batch, hidden, low=0.8, high=1.0), rnd(batch, hidden, low=-0.6, high=-0.4)]
    args = (xe, xi, we, wi, z0, *state, *coefficients, False, True)
    utils = ("test_schema", "test_autograd_registration", "test_faketensor")
    op = torch.ops.norse.coba_lif_recurrent_sequence.default
    torch.library.opcheck(op, (*args, "super", torch.tensor(4.0, dtype=F64)), test_utils=utils)


def test_the_cpp_kernels_conform():
    if not recurrent_cpp.COBA_LIF_FORWARD.available()[0]:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    dtypes = (torch.float32, torch.float64)
    kernels = (recurrent_cpp.COBA_LIF_FORWARD, recurrent_cpp.COBA_LIF_BACKWARD)
    assert check_recurrent_kernels("coba_lif", *kernels, dtypes=dtypes) == 6


@pytest.mark.parametrize("drive", [0.2, 3.0])  # sparse and dense recurrent paths
def test_cpp_kernels_equal_reference_on_a_wide_layer(drive):
    """The C++ forward and backward against the reference with more neurons than one
    weight-gradient tile (and not a multiple of it), at a low and a high spike rate (the
    sparse row sums and the dense products), an expanded output gradient and both resets
    (with and without the gradients reaching the voltages)."""
    if recurrent_cpp.load() is None:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    gen = torch.Generator().manual_seed(4)
    steps, batch, h = 12, 3, 150

    def rnd(*shape, low=0.0, high=1.0):
        return low + (high - low) * torch.rand(shape, generator=gen, dtype=F64)

    xe, xi = rnd(steps, batch, h, high=drive), rnd(steps, batch, h, high=0.3 * drive)
    w = torch.randn(h, h, generator=gen, dtype=F64) * 0.05
    we, wi = torch.relu(w), torch.relu(-w)
    z0 = (rnd(batch, h) < 0.3).to(F64)
    state = [rnd(batch, h, high=0.8), rnd(batch, h, high=0.5), rnd(batch, h, high=0.5)]
    ranges = ((0.05, 0.2), (0.05, 0.2), (0.02, 0.06), (0.3, 0.6), (0, 0.1), (4, 6), (-4, -2))
    ranges += ((0.8, 1.2), (-0.6, -0.4))
    c = [rnd(batch, h, low=lo, high=hi) for lo, hi in ranges]
    rates = []
    for subtract in (False, True):
        args = (xe, xi, we, wi, z0, *state, *c, subtract, True)
        cpp = recurrent_cpp.COBA_LIF_FORWARD(*args)
        want = reference.coba_lif_recurrent_forward(*args)
        assert torch.equal(cpp[0], want[0])
        for a, b in zip(cpp, want):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
        z, u, ej, ij = want[:4]
        rates.append(z.mean().item())
        g_z = torch.ones((), dtype=F64).expand(steps, batch, h)
        grads = [rnd(batch, h, low=-1.0, high=1.0) for _ in range(3)]
        s = rnd(steps, batch, h)
        coefficients = [*c[:4], *c[5:]]  # all but v_rest
        args = (g_z, *grads, s, z, z0, u, state[0], ej, ij, we, wi, *coefficients)
        flags = (subtract, True, subtract)  # need_w; need_parameters with one reset
        cpp = recurrent_cpp.COBA_LIF_BACKWARD(*args, *flags)
        want = reference.coba_lif_recurrent_backward(*args, *flags)
        for a, b in zip(cpp, want):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    sparse = max(rates) < recurrent_cpp.DENSE_ABOVE
    assert sparse == (drive < 1), rates
