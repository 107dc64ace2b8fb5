"""The fused sequence ops against the step-by-step reference (functional step loops).

For random shapes, parameters and seeds: spikes equal, voltages/currents equal to rounding,
gradients for inputs, initial state and parameters equal to autograd through the loop; and
float64 gradcheck of the op. Every test runs on both CPU kernels: the C++ one (compiled once
per machine, cached) and the PyTorch reference (``NORSE_KERNELS=reference``).
"""

from __future__ import annotations

import pytest
import torch

import norse.torch as norse_torch
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
from norse.torch.ops import leaky_sequence, select
from norse.torch.ops.models import fused_sequence

DT = 1e-3


@pytest.fixture(params=["cpp", "reference"])
def kernels(request, monkeypatch):
    """Run the test with the C++ CPU kernel and with the forced PyTorch reference."""
    if request.param == "reference":
        monkeypatch.setenv("NORSE_KERNELS", "reference")
    else:
        monkeypatch.delenv("NORSE_KERNELS", raising=False)
        if select("norse::leaky_sequence", "cpu").source == "reference":
            pytest.skip("the C++ kernel is unavailable here (no compiler)")
    return request.param


def _loop(step, x, state, p):
    outs = []
    for t in range(x.shape[0]):
        out, state = step(x[t], state, p, DT)
        outs.append(out)
    return torch.stack(outs), state


def _param(value, shape, gen, requires_grad):
    """A parameter: a float64 scalar or per-neuron tensor around ``value``."""
    if shape is None:
        t = torch.tensor(value, dtype=torch.float64)
    else:
        t = value * (1 + 0.2 * torch.rand(shape, generator=gen, dtype=torch.float64))
    return t.requires_grad_(requires_grad)


def _case(model, seed, integrator, reset, method):
    """Random (step, x, state, p, trainable tensors) for ``model``."""
    gen = torch.Generator().manual_seed(seed)
    shape = (1 + seed % 3, 2 + seed % 4) + ((2,) if seed % 2 else ())
    steps = 12 + seed % 9
    per_neuron = shape[1:] if seed % 2 else None
    x = (torch.randn((steps, *shape), generator=gen, dtype=torch.float64) * 2 + 1.5) * 20
    spk = {"method": method, "alpha": torch.tensor(4.0, dtype=torch.float64)}
    rm = {"value": reset_value, "subtract": reset_subtract}[reset]
    tau_mem = _param(100.0, per_neuron, gen, True)
    tau_syn = _param(200.0, per_neuron, gen, True)
    v_leak = _param(0.1, per_neuron, gen, True)
    v_th = _param(1.0, per_neuron, gen, True)
    v_reset = _param(-0.1, per_neuron, gen, True)
    v0 = (torch.rand(shape, generator=gen, dtype=torch.float64) * 0.9).requires_grad_()
    i0 = (torch.rand(shape, generator=gen, dtype=torch.float64) * 5).requires_grad_()
    if model == "lif":
        p = LIFParameters(
            tau_syn, tau_mem, v_leak, v_th, v_reset, **spk, integrator=integrator, reset_method=rm
        )
        return lif_feed_forward_step, x, LIFFeedForwardState(v0, i0), p
    if model == "lif_box":
        p = LIFBoxParameters(
            tau_mem, v_leak, v_th, v_reset, **spk, reset_method=rm, integrator=integrator
        )
        return lif_box_feed_forward_step, x / 10, LIFBoxFeedForwardState(v0), p
    if model == "iaf":
        p = IAFParameters(v_th, v_reset, **spk, reset_method=rm)
        return iaf_feed_forward_step, x / 200, IAFFeedForwardState(v0), p
    if model == "li":
        p = LIParameters(tau_syn, tau_mem, v_leak, integrator=integrator)
        return li_feed_forward_step, x, LIState(v0, i0), p
    p = LIBoxParameters(tau_mem, v_leak, integrator=integrator)
    return li_box_feed_forward_step, x / 10, LIBoxState(v0), p


def _leaves(x, state, p):
    return [x, *state, *(f for f in p if isinstance(f, torch.Tensor) and f.requires_grad)]


CASES = [
    (model, seed, integrator, reset, method)
    for seed, (model, integrator, reset, method) in enumerate(
        [
            ("lif", "euler", "value", "super"),
            ("lif", "exact", "subtract", "sigmoid"),
            ("lif", "euler", "subtract", "atan"),
            ("lif_box", "euler", "value", "super"),
            ("lif_box", "exact", "value", "tanh"),
            ("lif_box", "euler", "subtract", "triangle"),
            ("iaf", "euler", "value", "circ"),
            ("iaf", "euler", "subtract", "heavi_erfc"),
            ("li", "euler", "value", "super"),
            ("li", "exact", "value", "super"),
            ("li_box", "euler", "value", "super"),
            ("li_box", "exact", "value", "super"),
            ("lif", "euler", "value", "fast_sigmoid"),
            ("lif_box", "euler", "value", "straight_through"),
            ("lif_box", "exact", "subtract", "heaviside"),
        ]
    )
]


@pytest.mark.parametrize(("model", "seed", "integrator", "reset", "method"), CASES)
def test_fused_equals_step_loop(kernels, model, seed, integrator, reset, method):
    step, x, state, p = _case(model, seed, integrator, reset, method)
    x.requires_grad_()
    out_ref, state_ref = _loop(step, x, state, p)
    fused = fused_sequence(step, x, state, p, DT)
    assert fused is not None
    out, state_fused = fused
    if model in ("li", "li_box"):
        torch.testing.assert_close(out, out_ref, rtol=1e-12, atol=1e-12)
    else:
        assert torch.equal(out, out_ref)
        assert 0 < out_ref.mean() < 1  # the case exercises spikes and silence
    for a, b in zip(state_fused, state_ref):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)

    gen = torch.Generator().manual_seed(seed + 100)
    w_out = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    w_state = [torch.randn(s.shape, generator=gen, dtype=torch.float64) for s in state_ref]

    def loss(o, s):
        return (o * w_out).sum() + sum((a * w).sum() for a, w in zip(s, w_state))

    leaves = _leaves(x, state, p)
    g_ref = torch.autograd.grad(loss(out_ref, state_ref), leaves, allow_unused=True)
    g_fused = torch.autograd.grad(loss(out, state_fused), leaves, allow_unused=True)
    for a, b in zip(g_fused, g_ref):
        if b is None:
            assert a is None or not a.any()
        else:
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("current", [False, True])
def test_gradcheck_non_spiking(kernels, current):
    """float64 gradcheck where the op is differentiable: no threshold (LI, LIBox dynamics).

    Spiking outputs are steps whose true derivative is zero; their surrogate gradients are
    checked against autograd through the step loop above instead.
    """
    gen = torch.Generator().manual_seed(7)

    def rnd(*shape, scale=1.0):
        t = torch.rand(shape, generator=gen, dtype=torch.float64) * scale
        return t.requires_grad_()

    x = rnd(6, 2, 3, scale=0.8)
    v0, i0 = rnd(2, 3, scale=0.5), rnd(2, 3, scale=0.2) if current else None
    p, q, o = rnd(3, scale=0.9), rnd(1, scale=0.3), rnd(3, scale=0.05)
    r = rnd(scale=0.8) if current else None

    def f(x, v0, p, q, o, *cur):
        i, rr = cur if cur else (None, None)
        out, v, i = leaky_sequence(x, v0, i, p=p, q=q, o=o, r=rr, spiking=False)
        return (out, v) if i is None else (out, v, i)

    args = (x, v0, p, q, o) + ((i0, r) if current else ())
    assert torch.autograd.gradcheck(f, args)


def test_leaky_sequence_rejects_bad_arguments():
    x = torch.zeros(4, 2, 3)
    with pytest.raises(TypeError, match="input_tensor"):
        leaky_sequence(x.long(), 0.0, None, p=1.0, q=1.0, o=0.0)
    with pytest.raises(ValueError, match=r"input_tensor must have shape \(T, B, ...\)"):
        leaky_sequence(torch.zeros(4), 0.0, None, p=1.0, q=1.0, o=0.0)
    with pytest.raises(ValueError, match="v_th of shape \\(4,\\) does not broadcast"):
        leaky_sequence(x, 0.0, None, p=1.0, q=1.0, o=0.0, v_th=torch.ones(4))
    with pytest.raises(ValueError, match="reset must be one of"):
        leaky_sequence(x, 0.0, None, p=1.0, q=1.0, o=0.0, reset="zero")
    with pytest.raises(ValueError, match="i and r"):
        leaky_sequence(x, 0.0, 0.0, p=1.0, q=1.0, o=0.0)


def test_unsupported_configurations_fall_back():
    x = torch.rand(3, 2, 4)
    state = LIFBoxFeedForwardState(torch.zeros(2, 4))

    def custom_reset(z, v, reset, th):
        return v * (1 - z)

    assert (
        fused_sequence(
            lif_box_feed_forward_step, x, state, LIFBoxParameters(reset_method=custom_reset), DT
        )
        is None
    )
    trainable_alpha = LIFBoxParameters(alpha=torch.tensor(100.0, requires_grad=True))
    assert fused_sequence(lif_box_feed_forward_step, x, state, trainable_alpha, DT) is None
    assert (
        fused_sequence(lif_box_feed_forward_step, x.double(), state, LIFBoxParameters(), DT) is None
    )
    assert fused_sequence(lambda *a: a, x, state, LIFBoxParameters(), DT) is None


@pytest.mark.parametrize("method", ["super", "sigmoid", "tanh", "heavi_erfc", "atan"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_broadcast_output_gradient_equals_the_dense_one(kernels, method, dtype):
    """``out.sum().backward()`` hands the op a stride-0 gradient, which the C++ kernel reads
    as one scalar: its gradients must equal those of the same gradient made dense."""
    gen = torch.Generator().manual_seed(3)
    x = (torch.rand(40, 3, 5, generator=gen, dtype=dtype) * 3).requires_grad_()
    p = LIFParameters(method=method, alpha=torch.tensor(4.0, dtype=dtype))
    p = p._replace(
        **{
            f: torch.as_tensor(getattr(p, f), dtype=dtype)
            for f in ("tau_syn_inv", "tau_mem_inv", "v_leak", "v_th", "v_reset")
        }
    )
    state = LIFFeedForwardState(v=torch.zeros(3, 5, dtype=dtype), i=torch.zeros(3, 5, dtype=dtype))
    z, _ = fused_sequence(lif_feed_forward_step, x, state, p, DT)
    (broadcast,) = torch.autograd.grad(z.sum(), x)
    z, _ = fused_sequence(lif_feed_forward_step, x, state, p, DT)
    (dense,) = torch.autograd.grad(z, x, torch.ones_like(z).contiguous())
    assert z.sum() > 0
    assert torch.equal(broadcast, dense)
    assert broadcast.abs().sum() > 0


_CPP_THEN_REFERENCE = (
    lambda monkeypatch: monkeypatch.delenv("NORSE_KERNELS", raising=False),
    lambda monkeypatch: monkeypatch.setenv("NORSE_KERNELS", "reference"),
)
"""Select the C++ kernel, then the PyTorch reference (within one test, to compare them)."""


def test_large_outputs_equal_the_reference(monkeypatch):
    """Outputs above 1 MiB (allocated 2 MiB-aligned by the C++ kernel) are ordinary
    contiguous tensors with the reference's values and gradients."""
    if select("norse::leaky_sequence", "cpu").source == "reference":
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    gen = torch.Generator().manual_seed(5)
    x = (torch.rand(64, 8, 1024, generator=gen) * 3).requires_grad_()
    p = LIFBoxParameters(method="sigmoid", alpha=torch.tensor(4.0))
    state = LIFBoxFeedForwardState(v=torch.zeros(8, 1024))
    results = []
    for kernels in _CPP_THEN_REFERENCE:
        kernels(monkeypatch)
        z, s = fused_sequence(lif_box_feed_forward_step, x, state, p, DT)
        (g,) = torch.autograd.grad((z * torch.arange(64.0).view(64, 1, 1)).sum(), x)
        results.append((z, s.v, g))
    (z, v, g), (z_ref, v_ref, g_ref) = results
    assert z.is_contiguous() and z.shape == x.shape and g.is_contiguous()
    assert torch.equal(z, z_ref)
    torch.testing.assert_close(v, v_ref)
    torch.testing.assert_close(g, g_ref)
    assert 0 < z.mean() < 1


def test_leaky_sequence_names_bad_lengths_and_alpha():
    with pytest.raises(ValueError, match=r"at least one time step, got shape \(0, 2, 3\)"):
        leaky_sequence(torch.zeros(0, 2, 3), 0.0, None, p=1.0, q=1.0, o=0.0)
    with pytest.raises(ValueError, match=r"alpha must be a number or a 1-element tensor.*\(2,\)"):
        leaky_sequence(torch.zeros(3, 2), 0.0, None, p=1.0, q=1.0, o=0.0, alpha=torch.ones(2))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
@pytest.mark.parametrize("make", [lambda: norse_torch.LIF(), lambda: norse_torch.LI()])
def test_every_floating_dtype_runs_on_the_cpu(kernels, dtype, make):
    """float16/bfloat16 are handed to the reference, which computes in the input's dtype as
    the step loop does: same spikes, states close, gradients reach the input."""
    module = make().to(dtype)
    x = (torch.rand(12, 2, 4, dtype=torch.float64) * 30).to(dtype).requires_grad_()
    out, state = module(x)
    module.record_states = True
    out_loop, states = module(x)
    assert out.dtype == dtype and state.v.dtype == dtype
    tol = {"rtol": 1e-2, "atol": 1e-2} if dtype in (torch.float16, torch.bfloat16) else {}
    torch.testing.assert_close(out, out_loop, **tol)
    torch.testing.assert_close(state.v, states.v[-1], **tol)
    (g,) = torch.autograd.grad(out.float().sum() + state.v.float().sum(), x)
    assert g.dtype == dtype and torch.isfinite(g).all() and g.abs().sum() > 0


def test_a_float64_state_gives_float64_results_like_the_loop(kernels):
    x = torch.rand(8, 2, 3) * 40
    state = LIFFeedForwardState(torch.zeros(2, 3, dtype=torch.float64), torch.zeros(2, 3))
    out, final = norse_torch.LIF()(x, state)
    out_ref, final_ref = _loop(lif_feed_forward_step, x, state, LIFParameters())
    assert final.v.dtype == final_ref.v.dtype == torch.float64
    assert out.dtype == out_ref.dtype
    assert torch.equal(out, out_ref)


def test_a_plugin_surrogate_reaches_the_fused_kernel(kernels, monkeypatch):
    """The kernels contain no surrogate formula: a plugin's surrogate runs on the C++ kernel
    (no fallback) with gradients equal to those of the step loop."""
    from norse.hookspecs import SurrogateSpec, hookimpl
    from norse.torch.ops import _cpp

    def lorentz(x, alpha):
        return 1.0 / (1.0 + (alpha * x) ** 2)

    class Plugin:
        @hookimpl
        def norse_register_surrogates(self, register):
            register(SurrogateSpec("test_lorentz", lorentz, "1 / (1 + (alpha x)^2)", 3.0))

    served = []
    original = _cpp.BACKWARD._run
    monkeypatch.setattr(_cpp.BACKWARD, "_run", lambda *a: served.append(1) or original(*a))
    name = plugins.register_plugin(Plugin(), "test-lorentz")
    try:
        step, x, state, p = _case("lif", 1, "euler", "value", "test_lorentz")
        x.requires_grad_()
        out, final = fused_sequence(step, x, state, p, DT)
        out_ref, final_ref = _loop(step, x, state, p)
        leaves = _leaves(x, state, p)
        g = torch.autograd.grad(out.sum() + final.v.sum(), leaves, allow_unused=True)
        g_ref = torch.autograd.grad(out_ref.sum() + final_ref.v.sum(), leaves, allow_unused=True)
        for a, b in zip(g, g_ref):
            if b is not None:
                torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)
        assert served == ([1] if kernels == "cpp" else [])
    finally:
        plugins.unregister_plugin(name)


@pytest.mark.parametrize("kind", ["lif", "subtract", "box", "li"])
@pytest.mark.parametrize("final_gradient", [False, True])
def test_broadcast_coefficients_equal_dense_ones(kernels, kind, final_gradient):
    """Scalar coefficients expanded to a step (stride 0, which the C++ kernel reads as one
    value without a copy) give exactly the outputs and per-neuron gradients of the same
    values as dense tensors; with and without gradients reaching the final state."""
    from norse.torch.ops import _library

    gen = torch.Generator().manual_seed(5)
    steps, shape = 30, (4, 700)  # more neurons than one C++ block
    x = torch.rand(steps, *shape, generator=gen) * 0.6
    v0 = torch.rand(shape, generator=gen) * 0.2
    current, spiking, subtract = kind == "lif", kind != "li", kind == "subtract"
    i0 = torch.rand(shape, generator=gen) * 0.1 if current else None
    values = {"p": 0.9, "q": 0.3, "o": 0.01, "r": 0.8 if current else None}
    values |= {"v_th": 0.5, "v_reset": 0.05}

    def coefficients(dense: bool) -> dict:
        return {
            k: None
            if v is None
            else (torch.full(shape, v) if dense else torch.tensor(v).expand(shape))
            for k, v in values.items()
        }

    alpha = torch.tensor(4.0, dtype=torch.float64)
    g_out = torch.randn(steps, *shape, generator=gen)
    g_v = torch.randn(shape, generator=gen) if final_gradient else None
    g_i = torch.randn(shape, generator=gen) if final_gradient and current else None
    needs = [True, True, current, True, True, True, current, spiking, spiking]
    results = []
    for dense in (True, False):
        c = coefficients(dense)
        out, u, v, i = _library.leaky_sequence(
            x, v0, i0, c["p"], c["q"], c["o"], c["r"], c["v_th"], c["v_reset"], spiking,
            subtract, "sigmoid", alpha,
        )  # fmt: skip
        grads = _library.leaky_sequence_backward(
            g_out, g_v, g_i, x, u if spiking else out, v0, i0, c["p"], c["q"], c["r"],
            c["v_th"], c["v_reset"], None, spiking, subtract, needs, "sigmoid", alpha,
        )  # fmt: skip
        results.append([out, u, v, i, *grads])
    if spiking:
        assert 0 < results[0][0].sum() < results[0][0].numel()
    for a, b in zip(*results):
        assert torch.equal(a, b)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_layers_wider_than_a_tile_equal_the_reference(monkeypatch, dtype):
    """Layers of several C++ tiles (32 KiB of neurons) plus a remainder, with per-neuron
    trainable parameters: the C++ kernel's spikes, final state and gradients (input, state,
    every parameter) equal the reference's."""
    if select("norse::leaky_sequence", "cpu").source == "reference":
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    gen = torch.Generator().manual_seed(7)
    steps, shape = 6, (3, 6001)  # 18003 neurons: 2 float32 tiles (4 float64) and a remainder
    x = (torch.rand(steps, *shape, generator=gen, dtype=dtype) * 60).requires_grad_()
    tau_mem = (100 * (1 + torch.rand(shape[1:], generator=gen, dtype=dtype))).requires_grad_()
    tau_syn = (200 * (1 + torch.rand(shape[1:], generator=gen, dtype=dtype))).requires_grad_()
    v_th = (0.5 + torch.rand(shape[1:], generator=gen, dtype=dtype)).requires_grad_()
    zero = torch.zeros((), dtype=dtype)
    p = LIFParameters(tau_syn, tau_mem, zero, v_th, zero, method="sigmoid", alpha=torch.tensor(4.0))
    state = LIFFeedForwardState(
        v=torch.rand(shape, generator=gen, dtype=dtype), i=torch.zeros(shape, dtype=dtype)
    )
    weights = torch.randn(steps, *shape, generator=gen, dtype=dtype)
    results = []
    for kernels in _CPP_THEN_REFERENCE:
        kernels(monkeypatch)
        z, s = fused_sequence(lif_feed_forward_step, x, state, p, DT)
        loss = (z * weights).sum() + s.v.sum()
        results.append((z, s.v, s.i, *torch.autograd.grad(loss, (x, tau_mem, tau_syn, v_th))))
    assert 0 < results[0][0].mean() < 1
    assert torch.equal(results[0][0], results[1][0])
    tolerance = 1e-12 if dtype == torch.float64 else 1e-5
    for a, b in zip(results[0][1:], results[1][1:]):
        torch.testing.assert_close(a, b, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("model", ["lif_box", "lif"])
def test_channels_last_sequences_keep_their_memory_format(kernels, model):
    """A sequence of ``channels_last`` frames (as a convolution on such frames returns) gives
    outputs and input gradients in that memory format, with the values of the contiguous
    sequence: the op runs on the permuted view instead of copying (the module's fused path:
    float32, as its parameters)."""
    gen = torch.Generator().manual_seed(3)
    frames = torch.rand(8 * 2, 3, 5, 6, generator=gen) * 30
    frames = frames.contiguous(memory_format=torch.channels_last)
    x = frames.unflatten(0, (8, 2)).requires_grad_()
    assert not x.is_contiguous()
    x_dense = x.detach().contiguous().requires_grad_()
    weights = torch.randn(x.shape, generator=gen)
    if model == "lif":
        module = norse_torch.LIF(LIFParameters(method="sigmoid", alpha=torch.tensor(4.0)))
    else:
        module = norse_torch.LIFBox(LIFBoxParameters(method="sigmoid", alpha=torch.tensor(4.0)))
    z, state = module(x)
    z_dense, state_dense = module(x_dense)
    assert z.stride() == x.stride()
    assert torch.equal(z, z_dense) and 0 < z.mean() < 1
    assert torch.equal(state.v, state_dense.v)
    (g,) = torch.autograd.grad((z * weights).sum() + state.v.sum(), x)
    (g_dense,) = torch.autograd.grad((z_dense * weights).sum() + state_dense.v.sum(), x_dense)
    assert g.stride() == x.stride()
    assert torch.equal(g, g_dense)
