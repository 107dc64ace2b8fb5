"""The fused recurrent LIFEx / LIFAdEx op (``norse::lif_adex_recurrent_sequence``) against the
step loop.

In float64: spikes equal to looping ``lif_ex_step`` / ``lif_adex_step``; gradients for the
input, both weight matrices, the initial state and every parameter within 1e-9 of autograd
through the loop (absolute, or relative for entries above 1), for both models, both resets and
every registered surrogate; the exponential term's clamped region and ``delta_T = 0``;
float64 gradcheck with the ``heaviside`` surrogate; the modules' routing (autapses,
fallback); ``torch.compile(fullgraph=True)``; ``opcheck``; the kernel conformance check.
Every equivalence test runs on both CPU kernels: C++ and the PyTorch reference.
"""

from __future__ import annotations

import pytest
import torch

import norse.torch as norse_torch
from norse import plugins
from norse.testing import check_recurrent_kernels
from norse.torch.functional.lif_adex import LIFAdExParameters, LIFAdExState, lif_adex_step
from norse.torch.functional.lif_adex_refrac import (
    LIFAdExRefracParameters,
    LIFAdExRefracState,
    lif_adex_refrac_step,
)
from norse.torch.functional.lif_ex import LIFExParameters, LIFExState, lif_ex_step
from norse.torch.functional.reset import reset_subtract, reset_value
from norse.torch.ops import contract, recurrent
from norse.torch.ops.recurrent import fused_recurrent
from norse.torch.ops.recurrent_adex import (
    LIF_ADEX_BACKWARD,
    LIF_ADEX_FORWARD,
    lif_adex_recurrent_sequence,
    lif_adex_refrac_recurrent_sequence,
    lif_ex_recurrent_sequence,
)

F64 = torch.float64
T, B, N_IN, H = 25, 3, 4, 6
OP = "norse::lif_adex_recurrent_sequence"
MODELS = {
    "lif_ex": (lif_ex_step, lif_ex_recurrent_sequence),
    "lif_adex": (lif_adex_step, lif_adex_recurrent_sequence),
    "lif_adex_refrac": (lif_adex_refrac_step, lif_adex_refrac_recurrent_sequence),
}


def _loop(step, x, state, w_in, w_rec, p):
    outs = []
    for t in range(x.shape[0]):
        z, state = step(x[t], state, w_in, w_rec, p)
        outs.append(z)
    return torch.stack(outs), state


def _case(model, reset, method, gen, steps=T):
    """Random float64 inputs, weights, initial state and parameters, every one trainable;
    one neuron has ``delta_T = 0`` (no exponential term); with the refractory period, two
    neurons start refractory for longer than the sequence (so the initial counter gets a
    gradient)."""

    def rnd(*shape, scale=1.0, shift=0.0):
        return (torch.rand(shape, generator=gen, dtype=F64) * scale + shift).requires_grad_()

    x = rnd(steps, B, N_IN, scale=0.7)
    w_in = (torch.rand(H, N_IN, generator=gen, dtype=F64) * 0.6).requires_grad_()
    w_rec = (torch.randn(H, H, generator=gen, dtype=F64) * 0.3).requires_grad_()
    delta_T = torch.rand(H, generator=gen, dtype=F64) * 0.3 + 0.1
    delta_T[0] = 0.0
    fields = {
        "delta_T": delta_T.requires_grad_(),
        "tau_syn_inv": torch.tensor(200.0, dtype=F64, requires_grad=True),
        "tau_mem_inv": rnd(H, scale=50.0, shift=80.0),
        "v_leak": torch.tensor(0.1, dtype=F64, requires_grad=True),
        "v_th": rnd(H, scale=0.2, shift=0.5),
        "v_reset": torch.tensor(-0.1, dtype=F64, requires_grad=True),
        "method": method,
        "alpha": 10.0 if method == "triangle" else 20.0,
        "reset_method": reset,
    }
    z0 = (torch.rand(B, H, generator=gen, dtype=F64) < 0.3).to(F64).requires_grad_()
    state = [z0, rnd(B, H, scale=0.5), rnd(B, H, scale=0.5)]
    if model == "lif_ex":
        return x, w_in, w_rec, LIFExState(*state), LIFExParameters(**fields)
    fields["tau_ada_inv"] = rnd(H, scale=50.0, shift=50.0)
    fields["adaptation_current"] = rnd(H, scale=2.0, shift=1.0)
    fields["adaptation_spike"] = torch.tensor(0.3, dtype=F64, requires_grad=True)
    state = LIFAdExState(*state, rnd(B, H, scale=0.3))
    if model == "lif_adex":
        return x, w_in, w_rec, state, LIFAdExParameters(**fields)
    rho0 = torch.randint(0, 4, (B, H), generator=gen).to(F64)
    rho0[0, :2] = steps + 3
    rho_reset = torch.randint(1, 4, (H,), generator=gen).to(F64).requires_grad_()
    p = LIFAdExRefracParameters(LIFAdExParameters(**fields), rho_reset)
    return x, w_in, w_rec, LIFAdExRefracState(state, rho0.requires_grad_()), p


def _flat(values):
    """The tensors of a (nested) state or parameters."""
    out = []
    for value in values:
        out += _flat(value) if isinstance(value, tuple) else [value]
    return [v for v in out if isinstance(v, torch.Tensor)]


def _compare(model, reset, method, seed, steps=T, case=None):
    gen = torch.Generator().manual_seed(seed)
    step, fused = MODELS[model]
    x, w_in, w_rec, state, p = case or _case(model, reset, method, gen, steps)
    leaves = [x, w_in, w_rec, *_flat(state), *(v for v in _flat(p) if v.requires_grad)]
    weights = torch.rand(x.shape[0], B, H, generator=gen, dtype=F64)

    def loss(z, final):
        return (z * weights).sum() + sum((f * f).sum() for f in _flat(final))

    z_loop, s_loop = _loop(step, x, state, w_in, w_rec, p)
    g_loop = torch.autograd.grad(loss(z_loop, s_loop), leaves, allow_unused=True)
    z_fused, s_fused = fused(x, state, w_in, w_rec, p)
    g_fused = torch.autograd.grad(loss(z_fused, s_fused), leaves, allow_unused=True)
    assert torch.equal(z_fused, z_loop)
    for a, b in zip(_flat(s_fused), _flat(s_loop)):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    for leaf, a, b in zip(leaves, g_fused, g_loop):
        if b is None:  # v_reset under reset_subtract
            assert a is None or not a.any()
            continue
        assert a is not None and a.shape == leaf.shape
        # 1e-9 absolute, and relative for large entries (the triangle surrogate's).
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)
    return z_loop, dict(zip(map(id, leaves), g_loop)), state, p


@pytest.mark.parametrize("reset", [reset_value, reset_subtract])
@pytest.mark.parametrize("model", list(MODELS))
def test_equals_step_loop(kernels, model, reset):
    z, grads, state, p = _compare(model, reset, "super", seed=1)
    assert 0 < z.mean() < 0.5  # spikes, and not everywhere
    delta_T = grads[id(getattr(p, "lif_adex", p).delta_T)]
    assert delta_T[1:].all() and not delta_T[0].any()  # no gradient where delta_T = 0
    if model == "lif_adex_refrac":  # the counter's gradient paths are exercised
        assert grads[id(state.rho)].any() and grads[id(p.rho_reset)].any()
        assert not z[:, 0, :2].any()  # held for the whole sequence


def test_every_registered_surrogate(kernels):
    for seed, method in enumerate(plugins.registry("surrogates")):
        model = list(MODELS)[seed % 3]
        _compare(model, reset_value if seed % 3 else reset_subtract, method, seed, steps=10)


def test_clamped_exponent(kernels):
    """A neuron starting far above threshold with a small ``delta_T``: its exponent is clamped
    at 60 (E finite, slope 0), it spikes and resets; gradients still equal the loop's."""
    gen = torch.Generator().manual_seed(5)
    x, w_in, w_rec, state, p = _case("lif_adex", reset_value, "super", gen, steps=6)
    with torch.no_grad():
        p.delta_T[2] = 0.01
        state.v[:, 2] = p.v_th[2] + 1.0  # exponent 100
    z, _, _, _ = _compare("lif_adex", reset_value, "super", 5, case=(x, w_in, w_rec, state, p))
    assert z[0, :, 2].all()


def test_gradcheck(kernels):
    """float64 gradcheck of LIFAdExRefrac with the ``heaviside`` surrogate (no gradient
    through the spike): every other path (currents, voltages through the exponential term,
    adaptation, voltages held while refractory, both weight matrices through the stored
    spikes, the initial state, the counter through ``rho_reset`` and ``rho0``, every
    parameter) is exact. Counters and ``rho_reset`` are away from the kinks of ``H(rho)`` and
    ``relu(rho - 1)``."""
    gen = torch.Generator().manual_seed(3)
    x, w_in, w_rec, state, p = _case("lif_adex_refrac", reset_subtract, "heaviside", gen, 5)
    x = x[:, :2].detach().requires_grad_()
    lif_adex = LIFAdExState(*(f[:2].detach().requires_grad_() for f in state.lif_adex))
    rho0 = torch.tensor([-0.5, 0.5, 1.5, 2.5, 7.5, 0.5], dtype=F64).expand(2, H)
    rho0 = rho0.clone().requires_grad_()
    rho_reset = torch.tensor(2.5, dtype=F64, requires_grad=True)
    names = ("delta_T", "tau_mem_inv", "v_th", "tau_ada_inv", "adaptation_current", "tau_syn_inv")

    def f(x, w_in, w_rec, z0, v0, i0, a0, rho0, rho_reset, *values):
        q = LIFAdExRefracParameters(p.lif_adex._replace(**dict(zip(names, values))), rho_reset)
        s = LIFAdExRefracState(LIFAdExState(z0, v0, i0, a0), rho0)
        z, final = lif_adex_refrac_recurrent_sequence(x, s, w_in, w_rec, q)
        return (z, *final.lif_adex[1:], final.rho)

    values = (getattr(p.lif_adex, n) for n in names)
    args = (x, w_in, w_rec, *lif_adex, rho0, rho_reset, *values)
    assert torch.autograd.gradcheck(f, args)


def _grad(parameter):
    """``parameter.grad``, zeros where no gradient reached it (``rho_reset`` in the loop when
    the loss does not depend on the counter)."""
    return torch.zeros_like(parameter) if parameter.grad is None else parameter.grad.clone()


@pytest.mark.parametrize("model", ["LIFExRecurrent", "LIFAdExRecurrent", "LIFAdExRefracRecurrent"])
def test_module_routes_through_fused_op_with_autapses_masked(kernels, model):
    torch.manual_seed(0)
    trainable = ("tau_mem_inv", "v_th", "delta_T")
    if model == "LIFAdExRefracRecurrent":
        trainable = (*(f"lif_adex_{name}" for name in trainable), "rho_reset")
    for autapses in (False, True):
        m = getattr(norse_torch, model)(5, 7, autapses=autapses, trainable=trainable).double()
        with torch.no_grad():
            m.recurrent_weights.add_(torch.eye(7, dtype=F64))  # a diagonal to mask
        x = torch.rand(30, 2, 5, dtype=F64) * 4
        z, state = m(x)
        assert "lif_adex_recurrent" in type(z.grad_fn).__name__  # the fused op ran
        (z.sum() + _flat(state)[1].sum()).backward()  # the spikes and voltages
        grads = [_grad(q) for q in m.parameters()]
        m.zero_grad()
        m.record_states = True  # the step loop
        z_loop, states = m(x)
        (z_loop.sum() + _flat(states)[1][-1].sum()).backward()
        assert torch.equal(z, z_loop) and z.any()
        for g, q in zip(grads, m.parameters()):
            torch.testing.assert_close(g, _grad(q), rtol=1e-9, atol=1e-9)
        diagonal = torch.diagonal(m.recurrent_weights.grad)
        assert diagonal.any() == autapses


def test_unsupported_arguments_fall_back_with_a_warning(monkeypatch):
    monkeypatch.setattr(recurrent, "_warned", set())  # each cause warns once per process
    x = torch.rand(4, 2, 3)
    custom = LIFAdExParameters(reset_method=lambda z, v, r, th: v)
    m = norse_torch.LIFAdExRecurrent(3, 5, p=custom)
    state = m.initial_state(x[0])
    with pytest.warns(UserWarning, match="reset_method"):
        assert fused_recurrent(lif_adex_step, x, state, *m.weights(), m.p, m.dt) is None
    other = state._replace(a=state.a.double())
    p = LIFAdExParameters()
    with pytest.warns(UserWarning, match="torch.float64 on cpu with an input of torch.float32"):
        assert fused_recurrent(lif_adex_step, x, other, *m.weights(), p, m.dt) is None

    def keep(z, v, reset, th):
        return v

    m = norse_torch.LIFAdExRefracRecurrent(3, 5)
    nested = LIFAdExRefracParameters(lif_adex=LIFAdExParameters(reset_method=keep))
    state, p = m.initial_state(x[0]), nested
    with pytest.warns(UserWarning, match="reset_method 'keep'"):
        assert fused_recurrent(lif_adex_refrac_step, x, state, *m.weights(), p, m.dt) is None


def test_torch_compile_fullgraph_matches_eager(compiled_matches_eager):
    torch.manual_seed(2)
    model = norse_torch.LIFAdExRecurrent(4, 6, trainable=("tau_ada_inv", "delta_T"))
    x = torch.rand(12, 3, 4) * 3
    compiled_matches_eager(model, x)


def test_the_conformance_check_passes_the_reference_and_catches_a_wrong_kernel(perturbed):
    forward, backward = contract.lif_adex_recurrent_forward, contract.lif_adex_recurrent_backward
    assert check_recurrent_kernels("lif_adex", forward, backward) == 4

    with pytest.raises(AssertionError, match="backward GA"):
        check_recurrent_kernels("lif_adex", forward, perturbed(backward, 3))
    with pytest.raises(AssertionError, match="forward a_T"):
        check_recurrent_kernels("lif_adex", perturbed(forward, -2), backward)
    with pytest.raises(AssertionError, match="backward g_rho_reset"):
        check_recurrent_kernels("lif_adex", forward, perturbed(backward, -2))


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
    z0, v0, i0, a0 = torch.zeros(batch, hidden, dtype=F64), step(high=0.5), step(), step()
    rho0 = torch.tensor([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]], dtype=F64)
    k, ks, v_leak = step(0.05, 0.1), step(0.1, 0.2), step(-0.1, 0.1)
    v_th, v_reset, delta_T = step(0.4, 0.6), step(-0.1, 0.1), step(0.1, 0.5)
    ka, c, bs, rho_reset = step(0.01, 0.05), step(1, 3), step(0.1, 0.3), torch.full_like(rho0, 2)
    coefficients = (k, ks, v_leak, v_th, v_reset, delta_T, ka, c, bs, rho_reset)
    op = torch.ops.norse.lif_adex_recurrent_sequence.default
    utils = ("test_schema", "test_autograd_registration", "test_faketensor")
    alpha = torch.tensor(4.0, dtype=F64)
    for adaptive, refractory in ((False, False), (True, True)):
        flags = (False, adaptive, refractory, True, "super", alpha)
        args = (x, w, z0, v0, i0, a0, rho0, *coefficients, *flags)
        torch.library.opcheck(op, args, test_utils=utils)


def test_the_cpp_kernels_conform():
    if not LIF_ADEX_FORWARD.available()[0]:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    dtypes = (torch.float32, torch.float64)
    assert check_recurrent_kernels("lif_adex", LIF_ADEX_FORWARD, LIF_ADEX_BACKWARD, dtypes=dtypes)


@pytest.mark.parametrize("drive", [0.15, 0.8])  # sparse and dense recurrent paths
def test_cpp_kernels_equal_reference_on_a_wide_layer(drive):
    """The C++ forward and backward against the reference with more neurons than one
    weight-gradient tile (and not a multiple of it), at a low and a high spike rate (the
    sparse row sums and the dense products), an expanded output gradient, both resets and
    the three models."""
    from norse.torch.ops import recurrent_adex_reference as reference

    if not LIF_ADEX_FORWARD.available()[0]:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    gen = torch.Generator().manual_seed(4)
    steps, batch, h = 12, 3, 150

    def rnd(low=0.0, high=1.0, shape=(batch, h)):
        return low + (high - low) * torch.rand(shape, generator=gen, dtype=F64)

    x = rnd(high=drive, shape=(steps, batch, h))
    w = torch.randn(h, h, generator=gen, dtype=F64) * 0.05
    z0 = (rnd() < 0.3).to(F64)
    state = [rnd(high=0.5), rnd(high=0.5), rnd(high=0.3), torch.floor(rnd(high=3.0))]
    k, ks, v_leak = rnd(0.05, 0.15), rnd(0.1, 0.3), rnd(-0.1, 0.1)
    v_th, v_reset, delta_T = rnd(0.4, 0.6), rnd(-0.1, 0.1), rnd(0.1, 0.4)
    ka, c, bs, rho_reset = rnd(0.02, 0.1), rnd(1.0, 3.0), rnd(0.1, 0.4), torch.full_like(k, 2.0)
    rates = []
    for flags in ((False, True, False), (True, False, False), (False, True, True)):
        coefficients = (k, ks, v_leak, v_th, v_reset, delta_T, ka, c, bs, rho_reset)
        args = (x, w, z0, *state, *coefficients, *flags, True)
        cpp = LIF_ADEX_FORWARD(*args)
        want = reference.lif_adex_recurrent_forward(*args)
        assert torch.equal(cpp[0], want[0])
        for a, b in zip(cpp, want):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
        z, u, v, rho = want[0], want[1], want[2], want[5]
        rates.append(z.mean().item())
        g_z = torch.ones((), dtype=F64).expand(steps, batch, h)
        grads = [rnd(-1.0, 1.0) for _ in range(4)]
        s = rnd(shape=(steps, batch, h))
        coefficients = (k, ks, v_th, v_reset, delta_T, ka, c, bs, rho_reset)
        sequences = (s, z, z0, u, v, state[0], rho, state[3], w)
        args = (g_z, *grads, *sequences, *coefficients, *flags, True)
        for a, b in zip(LIF_ADEX_BACKWARD(*args), reference.lif_adex_recurrent_backward(*args)):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    from norse.torch.ops.recurrent_cpp import DENSE_ABOVE

    assert (max(rates) < DENSE_ABOVE) == (drive < 0.5), rates
