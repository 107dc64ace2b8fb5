"""The fused recurrent ops (``norse.torch.ops.recurrent``) against the step loop.

In float64: spikes equal to looping ``lif_step`` / ``lsnn_step``; gradients for the input,
both weight matrices, the initial state and every parameter within 1e-9 of autograd through
the loop, for both resets, both integrators and every registered surrogate; float64
gradcheck where the op is differentiable (the ``heaviside`` surrogate: every path but the
spike's); the modules' routing (autapses, fallbacks); ``torch.compile(fullgraph=True)``.
Every equivalence test runs on both CPU kernels: C++ and the PyTorch reference.
"""

from __future__ import annotations

import warnings

import pytest
import torch

import norse.torch as norse_torch
from norse import plugins
from norse.testing import check_recurrent_kernels
from norse.torch.functional.coba_lif import CobaLIFParameters
from norse.torch.functional.lif import LIFParameters, LIFState, lif_step
from norse.torch.functional.lif_adex import LIFAdExParameters
from norse.torch.functional.lsnn import LSNNParameters, LSNNState, lsnn_step
from norse.torch.functional.reset import reset_subtract, reset_value
from norse.torch.ops.recurrent import (
    fused_recurrent,
    lif_recurrent_sequence,
    lsnn_recurrent_sequence,
)

F64 = torch.float64
OP = "norse::lif_recurrent_sequence"  # the op whose C++ kernel the `kernels` fixture needs
T, B, N_IN, H = 25, 3, 4, 6


def _loop(step, x, state, w_in, w_rec, p):
    outs = []
    for t in range(x.shape[0]):
        z, state = step(x[t], state, w_in, w_rec, p)
        outs.append(z)
    return torch.stack(outs), state


def _scalar(value):
    return torch.tensor(value, dtype=F64, requires_grad=True)


def _case(model, reset, integrator, method, gen):
    """Random float64 inputs, weights, initial state and trainable parameters."""

    def rnd(*shape, scale=1.0, shift=0.0):
        return (torch.rand(shape, generator=gen, dtype=F64) * scale + shift).requires_grad_()

    x = rnd(T, B, N_IN, scale=2.0)
    w_in = (torch.randn(H, N_IN, generator=gen, dtype=F64)).requires_grad_()
    w_rec = (torch.randn(H, H, generator=gen, dtype=F64) * 0.5).requires_grad_()
    common = {
        "tau_syn_inv": _scalar(200.0),
        "tau_mem_inv": rnd(H, scale=50.0, shift=80.0),
        "v_leak": _scalar(0.1),
        "v_th": rnd(H, scale=0.2, shift=0.4),
        "v_reset": _scalar(-0.1),
        "method": method,
        "alpha": 10.0 if method == "triangle" else 20.0,
        "integrator": integrator,
        "reset_method": reset,
    }
    z0 = (torch.rand(B, H, generator=gen, dtype=F64) < 0.3).to(F64).requires_grad_()
    v0, i0 = rnd(B, H, scale=0.5), rnd(B, H, scale=0.5)
    if model == "lif":
        return x, w_in, w_rec, LIFState(z0, v0, i0), LIFParameters(**common)
    p = LSNNParameters(tau_adapt_inv=_scalar(20.0), beta=_scalar(0.3), **common)
    return x, w_in, w_rec, LSNNState(z0, v0, i0, rnd(B, H, scale=0.3, shift=0.4)), p


_STEPS = {"lif": (lif_step, lif_recurrent_sequence), "lsnn": (lsnn_step, lsnn_recurrent_sequence)}


def _compare(model, reset, integrator, method, seed):
    gen = torch.Generator().manual_seed(seed)
    x, w_in, w_rec, state, p = _case(model, reset, integrator, method, gen)
    step, fused = _STEPS[model]
    tensors = [v for v in p if isinstance(v, torch.Tensor)]
    leaves = [x, w_in, w_rec, *state, *tensors]
    weights = torch.rand(T, B, H, generator=gen, dtype=F64)

    def loss(z, final):
        return (z * weights).sum() + sum((f * f).sum() for f in final)

    z_loop, s_loop = _loop(step, x, state, w_in, w_rec, p)
    g_loop = torch.autograd.grad(loss(z_loop, s_loop), leaves, allow_unused=True)
    z_fused, s_fused = fused(x, state, w_in, w_rec, p)
    g_fused = torch.autograd.grad(loss(z_fused, s_fused), leaves, allow_unused=True)
    assert torch.equal(z_fused, z_loop)
    assert 0 < z_loop.mean() < 0.9  # spikes, and not everywhere
    for a, b in zip(s_fused, s_loop):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
    for leaf, a, b in zip(leaves, g_fused, g_loop):
        if b is None:  # v_reset under reset_subtract
            assert a is None or not a.any()
            continue
        assert a is not None and a.shape == leaf.shape
        torch.testing.assert_close(a, b, rtol=0, atol=1e-9)


@pytest.mark.parametrize("integrator", ["euler", "exact"])
@pytest.mark.parametrize("reset", [reset_value, reset_subtract])
@pytest.mark.parametrize("model", ["lif", "lsnn"])
def test_equals_step_loop(kernels, model, reset, integrator):
    _compare(model, reset, integrator, "super", seed=1)


@pytest.mark.parametrize("model", ["lif", "lsnn"])
def test_every_registered_surrogate(kernels, model):
    for seed, method in enumerate(plugins.registry("surrogates")):
        _compare(model, reset_value if seed % 2 else reset_subtract, "euler", method, seed)


@pytest.mark.parametrize("model", ["lif", "lsnn"])
def test_gradcheck(kernels, model):
    """float64 gradcheck with the ``heaviside`` surrogate (no gradient through the spike):
    the op is then differentiable, so every other path (currents, voltages, resets, both
    weight matrices through the stored spikes, the initial spikes) is checked exactly."""
    gen = torch.Generator().manual_seed(3)
    x, w_in, w_rec, state, p = _case(model, reset_value, "euler", "heaviside", gen)
    x = x[:5, :2].detach().requires_grad_()
    state = type(state)(*(f[:2].detach().requires_grad_() for f in state))
    fused = _STEPS[model][1]
    names = ("tau_mem_inv", "v_th", "v_reset", "tau_syn_inv")

    def f(x, w_in, w_rec, *rest):
        s = type(state)(*rest[: len(state)])
        q = p._replace(**dict(zip(names, rest[len(state) :])))
        z, final = fused(x, s, w_in, w_rec, q)
        return (z, *final)

    args = (x, w_in, w_rec, *state, *(getattr(p, n) for n in names))
    assert torch.autograd.gradcheck(f, args)


def test_modules_route_through_fused_op_with_autapses_masked(kernels):
    torch.manual_seed(0)
    for cls in (norse_torch.LIFRecurrent, norse_torch.LSNNRecurrent):
        for autapses in (False, True):
            m = cls(5, 7, autapses=autapses, trainable=("tau_mem_inv",)).double()
            with torch.no_grad():
                m.recurrent_weights.add_(torch.eye(7, dtype=F64))  # a diagonal to mask
            x = torch.rand(30, 2, 5, dtype=F64) * 4
            z, _ = m(x)
            z.sum().backward()
            grads = [q.grad.clone() for q in m.parameters()]
            m.zero_grad()
            m.record_states = True  # the step loop
            z_loop, _ = m(x)
            z_loop.sum().backward()
            assert torch.equal(z, z_loop) and z.any()
            for g, q in zip(grads, m.parameters()):
                torch.testing.assert_close(g, q.grad, rtol=0, atol=1e-9)
            diagonal = torch.diagonal(m.recurrent_weights.grad)
            assert diagonal.any() == autapses


def test_surrogate_evaluated_in_chunks_of_steps():
    """B x H large enough that the surrogate derivative is computed in several chunks of
    time steps (the LSNN threshold is a whole sequence, not one step)."""
    torch.manual_seed(1)
    for cls in (norse_torch.LIFRecurrent, norse_torch.LSNNRecurrent):
        m = cls(4, 256).double()
        x = torch.rand(40, 40, 4, dtype=F64) * 12
        z, _ = m(x)
        z.sum().backward()
        grads = [q.grad.clone() for q in m.parameters()]
        m.zero_grad()
        m.record_states = True
        z_loop, _ = m(x)
        z_loop.sum().backward()
        assert torch.equal(z, z_loop) and z.any()
        for g, q in zip(grads, m.parameters()):
            torch.testing.assert_close(g, q.grad, rtol=1e-9, atol=1e-9)


def test_unsupported_arguments_fall_back_with_a_warning():
    x = torch.rand(4, 2, 3)
    m = norse_torch.LIFRecurrent(3, 5, p=LIFParameters(reset_method=lambda z, v, r, th: v))
    state = m.initial_state(x[0])
    with pytest.warns(UserWarning, match="reset_method"):
        fused_recurrent(lif_step, x, state, *m.weights(), m.p, m.dt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # other models: no fused op, no warning
        assert fused_recurrent(_other_step, x, state, *m.weights(), m.p, m.dt) is None
        norse_torch.LIFRecurrent(3, 5)(x)  # supported: no warning


def _other_step(input_tensor, state, w_in, w_rec, p, dt):
    raise AssertionError("never called")


def test_rejects_bad_shapes():
    x = torch.rand(4, 2, 3)
    state = LIFState(torch.zeros(2, 5), torch.zeros(2, 5), torch.zeros(2, 5))
    with pytest.raises(ValueError, match="input_weights must have shape"):
        lif_recurrent_sequence(x, state, torch.zeros(5, 4), torch.zeros(5, 5), LIFParameters())
    with pytest.raises(ValueError, match="recurrent_weights must have shape"):
        lif_recurrent_sequence(x, state, torch.zeros(5, 3), torch.zeros(5, 4), LIFParameters())
    with pytest.raises(ValueError, match=r"\(T, B, input_size\)"):
        lif_recurrent_sequence(x[0], state, torch.zeros(5, 3), torch.zeros(5, 5), LIFParameters())


@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
def test_torch_compile_fullgraph_matches_eager(backend, compiled_matches_eager):
    torch.manual_seed(2)
    models = [norse_torch.LIFRecurrent(4, 6), norse_torch.LSNNRecurrent(4, 6)]
    if backend == "inductor":
        models = models[:1]  # one inductor compile (slow on two cores) is enough
    for model in models:
        compiled_matches_eager(model, torch.rand(12, 3, 4) * 3, backend)


@pytest.mark.parametrize("rate", [0.05, 0.5])  # sparse and dense weight-gradient paths
@pytest.mark.parametrize("model", ["lif", "lsnn"])
def test_cpp_backward_equals_reference(model, rate):
    """The C++ backward recursion against the reference on random float64 sequences: more
    neurons than one weight-gradient tile (and not a multiple of it), an expanded output
    gradient (as ``spikes.sum()`` gives) and a contiguous one, both resets. The C++ product
    per step fuses multiply-adds (the reference's library product rounds differently), hence
    a few ulp of difference after several steps."""
    from norse.torch.ops import recurrent_cpp, recurrent_reference

    if recurrent_cpp.load() is None:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    gen = torch.Generator().manual_seed(4)
    steps, batch, h = 7, 3, 150

    def rnd(*shape):
        return torch.rand(shape, generator=gen, dtype=F64)

    z = (rnd(steps, batch, h) < rate).to(F64)
    z0 = (rnd(batch, h) < rate).to(F64)
    common = [rnd(steps, batch, h), z, z0, torch.randn(h, h, generator=gen, dtype=F64)]
    coefficients = [rnd(batch, h) for _ in range(3 if model == "lif" else 4)]
    states = [rnd(batch, h) for _ in range(2 if model == "lif" else 3)]
    kernels = {
        "lif": (recurrent_cpp.LIF_BACKWARD, recurrent_reference.lif_recurrent_backward),
        "lsnn": (recurrent_cpp.LSNN_BACKWARD, recurrent_reference.lsnn_recurrent_backward),
    }[model]
    for g_z in (torch.ones((), dtype=F64).expand(steps, batch, h), rnd(steps, batch, h)):
        for subtract in (False, True):
            args = (g_z, *states, *common, *coefficients, subtract, True)
            cpp, reference = (kernel(*args) for kernel in kernels)
            assert len(cpp) == len(reference)
            for a, b in zip(cpp, reference):
                assert a.shape == b.shape
                torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("model", ["lif", "lsnn"])
def test_cpp_forward_equals_reference(model):
    """The C++ forward against the reference in float64 on a sequence whose spike rate crosses
    ``DENSE_ABOVE`` both ways (steps that add the listed spiking neurons' weights row by row,
    and dense steps), with non-binary initial spikes, both resets, currents kept or not."""
    from norse.torch.ops import recurrent_cpp, recurrent_reference

    if recurrent_cpp.load() is None:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    gen = torch.Generator().manual_seed(6)
    steps, batch, h = 40, 3, 150

    def rnd(*shape, scale=1.0):
        return torch.rand(shape, generator=gen, dtype=F64) * scale

    drive = torch.linspace(0, 1, steps, dtype=F64).sin().mul(3).reshape(steps, 1, 1)
    x = rnd(steps, batch, h) * drive  # quiet, busy, quiet
    w = torch.randn(h, h, generator=gen, dtype=F64) * 0.1
    z0 = (rnd(batch, h) < 0.1) * rnd(batch, h, scale=2.0)
    states = [rnd(batch, h, scale=0.5) for _ in range(2 if model == "lif" else 3)]
    membrane = [
        0.9 + rnd(batch, h, scale=0.05),
        rnd(batch, h, scale=0.2),
        rnd(batch, h, scale=0.01),
    ]
    membrane.append(0.8 + rnd(batch, h, scale=0.1))  # p, q, o, r
    if model == "lif":
        extra = [0.3 + rnd(batch, h, scale=0.2), rnd(batch, h, scale=0.1)]  # v_th, v_reset
        kernels = (recurrent_cpp.LIF_FORWARD, recurrent_reference.lif_recurrent_forward)
    else:  # kb, kv, v_reset, beta
        extra = [0.9 + rnd(batch, h, scale=0.05), rnd(batch, h, scale=0.03)]
        extra += [rnd(batch, h, scale=0.1), rnd(batch, h, scale=0.2)]
        kernels = (recurrent_cpp.LSNN_FORWARD, recurrent_reference.lsnn_recurrent_forward)
    rates = set()
    for subtract in (False, True):
        for keep in (False, True):
            args = (x, w, z0, *states, *membrane, *extra, subtract, keep)
            cpp, reference = (kernel(*args) for kernel in kernels)
            assert torch.equal(cpp[0], reference[0])
            for a, b in zip(cpp[1:], reference[1:]):
                torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
            rates |= {bool(r > recurrent_cpp.DENSE_ABOVE) for r in cpp[0].mean((1, 2))}
    assert rates == {False, True}  # both sparse and dense steps ran


def test_cpp_surrogate_values_equal_registered_derivatives():
    """The C++ pass evaluates every built-in surrogate with an expression (step-shaped and
    per-step thresholds) as the registry's derivative does; others are left to PyTorch."""
    from norse.torch.ops import recurrent_cpp

    if recurrent_cpp.load() is None:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    gen = torch.Generator().manual_seed(5)
    u = torch.randn(6, 3, 5, generator=gen, dtype=F64)
    th = torch.rand(3, 5, generator=gen, dtype=F64)
    c = torch.rand(6, 3, 5, generator=gen, dtype=F64)
    evaluated = 0
    for name in plugins.registry("surrogates"):
        spec = plugins.get("surrogates", name)
        if spec.derivative is None or spec.expression is None:
            continue
        alpha = torch.tensor(7.0, dtype=F64)
        for threshold in (th, c):
            s = recurrent_cpp.surrogate_values(u, threshold, spec.expression, alpha)
            torch.testing.assert_close(
                s, spec.derivative(u - threshold, alpha), rtol=1e-12, atol=1e-15
            )
        evaluated += 1
    assert evaluated >= 9
    assert recurrent_cpp.surrogate_values(u, th, "alpha * x", 1.0) is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: norse_torch.LIF(LIFParameters(alpha=None)),
        lambda: norse_torch.LSNN(LSNNParameters(alpha=None)),
        lambda: norse_torch.LIFRecurrent(3, 5, p=LIFParameters(alpha=None)),
        lambda: norse_torch.LSNNRecurrent(3, 5, p=LSNNParameters(alpha=None)),
        lambda: norse_torch.LIFAdExRecurrent(3, 5, p=LIFAdExParameters(alpha=None)),
        lambda: norse_torch.CobaLIFRecurrent(3, 5, p=CobaLIFParameters(alpha=None)),
    ],
)
def test_alpha_none_is_the_surrogates_default_as_in_the_step_loop(make):
    """``alpha=None`` (accepted by the step functions: the surrogate's ``default_alpha``) runs
    fused and gives the step loop's spikes and gradients."""
    torch.manual_seed(0)
    module = make().double()
    x = torch.rand(30, 2, 3, dtype=torch.float64) * 8
    if isinstance(module, norse_torch.CobaLIFRecurrent):
        x = x * 10
    weights = torch.rand(30, 2, 5 if isinstance(module, norse_torch.SNNRecurrent) else 3)
    results = []
    for record in (False, True):
        module.record_states = record
        xr = x.clone().requires_grad_()
        z = module(xr)[0]
        (g,) = torch.autograd.grad((z * weights).sum(), xr)
        results.append((z, g))
    (z, g), (z_loop, g_loop) = results
    assert torch.equal(z, z_loop) and z.any()
    torch.testing.assert_close(g, g_loop, rtol=0, atol=1e-9)


_MODULES = {
    "lif": norse_torch.LIFRecurrent,
    "lsnn": norse_torch.LSNNRecurrent,
    "lif_refrac": norse_torch.LIFRefracRecurrent,
}


_SKIPPED = {"lif": ("GU",), "lsnn": ("GU", "GC"), "lif_refrac": ("GU", "GV")}
"""The backward results only parameter gradients read (contract 1.2's ``need_parameters``)."""


@pytest.mark.parametrize("op", ["lif", "lsnn", "lif_refrac"])
def test_kernels_conform_to_contract_1_2(op):
    """The C++ kernels and the reference, called as contract 1.2 kernels: with
    ``need_parameters`` False the parameter-only sequences are empty, the rest unchanged."""
    from norse.torch.ops import contract, recurrent_cpp

    version = contract.CONTRACT_VERSION
    assert contract.takes_need_parameters(version) and contract.takes_need_parameters("1.3")
    assert not contract.takes_need_parameters("1.1") and not contract.takes_need_parameters("2.2")
    pairs = [
        (
            getattr(contract, f"{op}_recurrent_forward"),
            getattr(contract, f"{op}_recurrent_backward"),
        )
    ]
    if recurrent_cpp.load() is not None:
        pairs.append(
            (
                getattr(recurrent_cpp, f"{op.upper()}_FORWARD"),
                getattr(recurrent_cpp, f"{op.upper()}_BACKWARD"),
            )
        )
    for forward, backward in pairs:
        assert check_recurrent_kernels(op, forward, backward, contract_version=version) == 3


@pytest.mark.parametrize("op", ["lif", "lsnn", "lif_refrac"])
def test_the_suite_catches_a_kernel_that_forms_parameter_sequences_anyway(op):
    from norse.torch.ops import contract

    reference = getattr(contract, f"{op}_recurrent_backward")

    def ignores_the_flag(*args):
        return reference(*args[:-1])  # drops need_parameters: forms every sequence

    forward = getattr(contract, f"{op}_recurrent_forward")
    with pytest.raises(AssertionError, match=f"{_SKIPPED[op][0]} must be empty"):
        check_recurrent_kernels(op, forward, ignores_the_flag, contract_version="1.2")


def test_plain_parameters_skip_the_parameter_sequences(kernels, monkeypatch):
    """Parameters that are plain tensors (Norse's default), or trainable ones whose gradients
    read no parameter-only sequence (the current decay, the refractory period): the backward
    kernel is asked for none, and every gradient equals the step loop's."""
    from norse.torch.ops import recurrent

    calls = []

    def spy(op, args, need_parameters, parameter_outputs):
        calls.append(need_parameters)
        results = run_backward(op, args, need_parameters, parameter_outputs)
        assert all(results[k].numel() == 0 for k in parameter_outputs)
        return results

    run_backward = recurrent._run_backward
    monkeypatch.setattr(recurrent, "_run_backward", spy)
    cases = [(cls, ()) for cls in _MODULES.values()]
    cases += [(_MODULES["lif"], ("tau_syn_inv",)), (_MODULES["lsnn"], ("tau_syn_inv",))]
    cases += [(_MODULES["lif_refrac"], ("lif_tau_syn_inv", "rho_reset"))]
    for cls, trainable in cases:
        module = cls(4, 6, autapses=False, trainable=trainable).double()
        x = torch.rand(30, 2, 4, dtype=F64) * 4
        grads = []
        for record in (False, True):
            module.record_states = record
            module.zero_grad()
            xr = x.clone().requires_grad_()
            z, state = module(xr)
            loss = (z * torch.arange(6.0, dtype=F64)).sum()
            if "rho_reset" in trainable:  # the final counter (recorded: of every step)
                loss = loss + (state.rho[-1] if record else state.rho).sum()
            loss.backward()
            grads.append((z, xr.grad, [q.grad.clone() for q in module.parameters()]))
        (z, g, weights), (z_loop, g_loop, weights_loop) = grads
        assert torch.equal(z, z_loop) and z.any()
        torch.testing.assert_close(g, g_loop, rtol=0, atol=1e-9)
        assert len(weights) == 2 + len(trainable)
        for a, b in zip(weights, weights_loop):
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)
    assert len(calls) == len(cases) and not any(calls)


@pytest.mark.parametrize("op", ["lif", "lsnn", "lif_refrac"])
def test_a_contract_1_1_backward_kernel_still_serves(op, monkeypatch):
    """A backward kernel registered for contract 1.1 is called without ``need_parameters``
    (it forms every sequence); the op drops the parameter-only ones, as its fake kernel says,
    and the gradients are the current kernel's."""
    from norse.torch.ops import _registry, contract

    reference = getattr(contract, f"{op}_recurrent_backward")
    arguments = getattr(contract, f"{op.upper()}_RECURRENT_BACKWARD_ARGS")
    calls = []

    def old_kernel(*args):
        assert len(args) == len(arguments)
        calls.append(op)
        return reference(*args)

    backward_op, select = f"norse::{op}_recurrent_backward", _registry.select

    def selecting(name, device, **kwargs):
        if name == backward_op:
            return _registry.KernelChoice(name, device, old_kernel, "old", "a 1.1 kernel", "1.1")
        return select(name, device, **kwargs)

    module = _MODULES[op](4, 6).double()
    x = torch.rand(20, 2, 4, dtype=F64) * 4
    grads = []
    for choose in (selecting, select):
        monkeypatch.setattr(_registry, "select", choose)
        module.zero_grad()
        z, _ = module(x)
        z.sum().backward()
        grads.append([q.grad.clone() for q in module.parameters()])
    assert calls == [op] and z.any()
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


def test_refractory_period_without_a_gradient_gets_none_as_in_the_loop(kernels):
    """``rho_reset`` reaches the spikes only through a Heaviside of the counter: with a loss of
    the spikes alone the step loop gives it no gradient (None), and so does the fused op; with
    a loss of the final counter both give the same gradient."""
    torch.manual_seed(3)
    module = norse_torch.LIFRefracRecurrent(4, 6, trainable=("lif_v_th", "rho_reset")).double()
    x = torch.rand(25, 2, 4, dtype=F64) * 4
    for counter_loss in (False, True):
        results = []
        for record in (False, True):
            module.record_states = record
            module.zero_grad(set_to_none=True)
            z, state = module(x)
            rho = state.rho[-1] if record else state.rho  # recorded: the counters of every step
            (z.sum() + rho.sum() if counter_loss else z.sum()).backward()
            results.append((z, {n: q.grad for n, q in module.named_parameters()}))
        (z, grads), (z_loop, grads_loop) = results
        assert torch.equal(z, z_loop) and z.any()
        assert (grads_loop["rho_reset"] is None) == (not counter_loss)
        for name, g_loop in grads_loop.items():
            if g_loop is None:
                assert grads[name] is None, name
            else:
                torch.testing.assert_close(grads[name], g_loop, rtol=0, atol=1e-9)


@pytest.mark.parametrize("op", ["lif", "lsnn", "lif_refrac"])
def test_opcheck_backward_ops_with_and_without_parameter_sequences(kernels, op):
    """``torch.library.opcheck`` (schema, fake kernel against the real one) of the backward
    recursion ops, with ``need_parameters`` True and False."""
    gen = torch.Generator().manual_seed(7)

    def rnd(*shape):
        return torch.rand(shape, generator=gen, dtype=F64)

    steps, batch, h = 5, 2, 4
    z, z0, w = (rnd(steps, batch, h) < 0.3).to(F64), (rnd(batch, h) < 0.3).to(F64), rnd(h, h)
    g_z, s = rnd(steps, batch, h), rnd(steps, batch, h)
    state = [rnd(batch, h) for _ in range({"lif": 2, "lsnn": 3, "lif_refrac": 3}[op])]
    p, q, r = rnd(batch, h), rnd(batch, h), rnd(batch, h)
    if op == "lif":
        args = [g_z, *state, s, z, z0, w, p, q, r]
    elif op == "lsnn":
        args = [g_z, *state, s, z, z0, w, p, q, r, rnd(batch, h)]
    else:
        rho = torch.floor(rnd(steps, batch, h) * 3)
        args = [g_z, *state, s, z, z0, rho, torch.floor(rnd(batch, h) * 3), w, p, q, r]
        args.append(torch.full((batch, h), 2.0, dtype=F64))
    backward = getattr(torch.ops.norse, f"{op}_recurrent_backward").default
    fast = ("test_schema", "test_faketensor")
    for need_parameters in (True, False):
        full = (*args, False, True, need_parameters)
        torch.library.opcheck(backward, full, test_utils=fast)
        assert (backward(*full)[0].numel() > 0) == need_parameters
