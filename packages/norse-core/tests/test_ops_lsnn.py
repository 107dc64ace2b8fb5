"""The fused LSNN op (``norse::lsnn_sequence``) against the real LSNN step loop.

For random shapes, parameters (scalar or per-neuron), integrators, resets, surrogates and
seeds, in float64: spikes and final states bitwise equal, and gradients for the input, the
initial state ``(v, i, b)`` and every trainable parameter within 1e-9 of autograd through
``lsnn_feed_forward_step``. Half of the cases use tiny backward chunks, so the checkpointed
recomputation of the threshold trace crosses chunk boundaries. Also: float64 gradcheck of
the op where its derivative is exact (``method="heaviside"``), module routing and fallback,
and ``torch.compile(fullgraph=True)``.
"""

from __future__ import annotations

import pytest
import torch

import norse.torch as norse_torch
from norse.torch.functional.lsnn import (
    LSNNFeedForwardState,
    LSNNParameters,
    lsnn_feed_forward_step,
)
from norse.torch.functional.reset import reset_subtract, reset_value
from norse.torch.ops import _lsnn_reference, _reference, lsnn_sequence, select
from norse.torch.ops.models import fused_sequence

DT = 1e-3


def _loop(x, state, p):
    outs = []
    for t in range(x.shape[0]):
        out, state = lsnn_feed_forward_step(x[t], state, p, DT)
        outs.append(out)
    return torch.stack(outs), state


def _param(value, shape, gen):
    """A trainable float64 parameter: a scalar or a per-neuron tensor around ``value``."""
    if shape is None:
        t = torch.tensor(value, dtype=torch.float64)
    else:
        t = value * (1 + 0.2 * torch.rand(shape, generator=gen, dtype=torch.float64))
    return t.requires_grad_()


def _case(seed, integrator, reset, method):
    """Random ``(x, state, p)`` with every tensor a float64 leaf that requires grad."""
    gen = torch.Generator().manual_seed(seed)
    shape = (1 + seed % 3, 2 + seed % 4) + ((2,) if seed % 2 else ())
    steps = 15 + seed % 11
    per_neuron = shape[1:] if seed % 2 else None
    x = torch.randn((steps, *shape), generator=gen, dtype=torch.float64) * 1.5 + 0.6
    p = LSNNParameters(
        tau_syn_inv=_param(200.0, per_neuron, gen),
        tau_mem_inv=_param(100.0, per_neuron, gen),
        tau_adapt_inv=_param(40.0, per_neuron, gen),
        v_leak=_param(0.1, per_neuron, gen),
        v_th=_param(0.3, per_neuron, gen),
        v_reset=_param(-0.1, per_neuron, gen),
        beta=_param(0.4, per_neuron, gen),
        method=method,
        alpha=torch.tensor(3.0, dtype=torch.float64),
        integrator=integrator,
        reset_method={"value": reset_value, "subtract": reset_subtract}[reset],
    )
    state = LSNNFeedForwardState(
        v=(torch.rand(shape, generator=gen, dtype=torch.float64) * 0.3).requires_grad_(),
        i=(torch.rand(shape, generator=gen, dtype=torch.float64) * 20).requires_grad_(),
        b=(0.3 + torch.rand(shape, generator=gen, dtype=torch.float64)).requires_grad_(),
    )
    return x.requires_grad_(), state, p


CASES = [
    ("euler", "value", "super"),
    ("euler", "subtract", "super"),
    ("exact", "value", "super"),
    ("exact", "subtract", "triangle"),
    ("euler", "value", "tanh"),
    ("exact", "value", "sigmoid"),
    ("euler", "subtract", "atan"),
    ("exact", "subtract", "circ"),
    ("euler", "value", "heavi_erfc"),
    ("exact", "value", "fast_sigmoid"),
    ("euler", "subtract", "straight_through"),
    ("exact", "value", "heaviside"),
]


@pytest.fixture
def reference_kernels(monkeypatch):
    """Force the PyTorch reference and count calls of the fused LSNN forward."""
    monkeypatch.setenv("NORSE_KERNELS", "reference")
    calls = []
    original = _lsnn_reference.lsnn_forward

    def counting(*args):
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(_lsnn_reference, "lsnn_forward", counting)
    return calls


@pytest.mark.parametrize("small_chunks", [False, True])
@pytest.mark.parametrize(("seed", "case"), list(enumerate(CASES)))
def test_fused_equals_step_loop(monkeypatch, seed, case, small_chunks):
    integrator, reset, method = case
    x, state, p = _case(seed, integrator, reset, method)
    if small_chunks:  # chunks of 4 steps: checkpoints and replays cross chunk boundaries
        monkeypatch.setattr(_reference, "CHUNK_ELEMENTS", 4 * x[0].numel())
    z_ref, state_ref = _loop(x, state, p)
    fused = fused_sequence(lsnn_feed_forward_step, x, state, p, DT)
    assert fused is not None
    z, state_fused = fused
    assert torch.equal(z, z_ref)
    assert 0.1 < z_ref.mean() < 0.7  # spikes and silence
    for a, b in zip(state_fused, state_ref):
        assert torch.equal(a, b)

    gen = torch.Generator().manual_seed(seed + 100)
    w_z = torch.randn(z.shape, generator=gen, dtype=torch.float64)
    w_state = [torch.randn(s.shape, generator=gen, dtype=torch.float64) for s in state_ref]

    def loss(out, s):
        return (out * w_z).sum() + sum((a * w).sum() for a, w in zip(s, w_state))

    leaves = [x, *state, *(f for f in p if isinstance(f, torch.Tensor) and f.requires_grad)]
    g_ref = torch.autograd.grad(loss(z_ref, state_ref), leaves, allow_unused=True)
    g_fused = torch.autograd.grad(loss(z, state_fused), leaves, allow_unused=True)
    trained = [f for f, v in zip(p._fields, p) if isinstance(v, torch.Tensor) and v.requires_grad]
    names = ["x", "v", "i", "b", *trained]
    for name, a, b in zip(names, g_fused, g_ref):
        if b is None:  # v_reset with reset by subtraction
            assert a is None, name
        else:
            assert b.abs().sum() > 0 or method == "heaviside", name
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9, msg=name)


@pytest.mark.parametrize("integrator", ["euler", "exact"])
def test_gradcheck_where_the_derivative_is_exact(integrator):
    """With ``method="heaviside"`` (zero surrogate) the op's gradient is the true derivative
    of the piecewise-smooth map for fixed spikes, which finite differences can check."""
    gen = torch.Generator().manual_seed(3)

    def rnd(*shape, low=0.0, scale=1.0):
        t = low + torch.rand(shape, generator=gen, dtype=torch.float64) * scale
        return t.requires_grad_()

    x = rnd(12, 2, 3, low=-1, scale=15)
    state = (rnd(2, 3, scale=0.3), rnd(2, 3, scale=5), rnd(2, 3, low=0.4, scale=0.3))
    parameters = {
        "tau_syn_inv": rnd(3, low=150, scale=100),
        "tau_mem_inv": rnd(1, low=80, scale=40),
        "tau_adapt_inv": rnd(low=30, scale=30),
        "v_leak": rnd(3, scale=0.1),
        "v_th": rnd(3, low=0.3, scale=0.2),
        "v_reset": rnd(3, low=-0.1, scale=0.1),
        "beta": rnd(3, low=0.1, scale=0.3),
    }
    args = (x, *state, *parameters.values())
    for reset in ("value", "subtract"):

        def f(*args, reset=reset):
            kwargs = dict(zip(parameters, args[4:]))
            return lsnn_sequence(
                *args[:4], **kwargs, integrator=integrator, reset=reset, method="heaviside"
            )[1:]

        z = lsnn_sequence(*args[:4], **parameters, integrator=integrator, reset=reset)[0]
        assert 0.1 < z.mean() < 0.9
        assert torch.autograd.gradcheck(f, args, eps=1e-7, atol=1e-6)


def test_lsnn_sequence_rejects_bad_arguments():
    x = torch.zeros(4, 2, 3)
    with pytest.raises(TypeError, match="input_tensor must be floating point"):
        lsnn_sequence(x.long(), 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"input_tensor must have shape \(T, B, ...\)"):
        lsnn_sequence(torch.zeros(4), 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"beta of shape \(4,\) does not broadcast"):
        lsnn_sequence(x, 0.0, 0.0, 1.0, beta=torch.ones(4))
    with pytest.raises(ValueError, match=r"b of shape \(5, 3\) does not broadcast"):
        lsnn_sequence(x, 0.0, 0.0, torch.ones(5, 3))
    with pytest.raises(ValueError, match="reset must be one of"):
        lsnn_sequence(x, 0.0, 0.0, 1.0, reset="zero")
    with pytest.raises(ValueError, match="integrator must be one of"):
        lsnn_sequence(x, 0.0, 0.0, 1.0, integrator="rk4")
    with pytest.raises(ValueError, match="nonexistent"):
        lsnn_sequence(x, 0.0, 0.0, 1.0, method="nonexistent")


def test_reference_serves_lsnn_on_every_device():
    for op in ("norse::lsnn_sequence", "norse::lsnn_sequence_backward"):
        for device in ("cpu", "cuda"):
            choice = select(op, device)
            assert choice.source == "reference"
            assert choice.impl.__module__ == "norse.torch.ops._lsnn_reference"


def test_module_uses_the_fused_op_and_record_states_loops(reference_kernels):
    torch.manual_seed(0)
    module = norse_torch.LSNN(LSNNParameters(tau_adapt_inv=torch.tensor(50.0), beta=0.5))
    x = torch.rand(40, 2, 5) * 6
    z, state = module(x)
    assert len(reference_kernels) == 1
    module.record_states = True
    z_loop, states = module(x)
    assert len(reference_kernels) == 1
    assert torch.equal(z, z_loop)
    assert 0 < z.mean() < 0.5
    for final, recorded in zip(state, states):
        torch.testing.assert_close(final, recorded[-1], rtol=1e-5, atol=1e-5)


def test_module_falls_back_for_a_custom_reset_and_a_trainable_alpha(reference_kernels):
    def halve(z, v, reset, th):
        return v - z * v / 2

    x = torch.rand(10, 2, 3) * 8
    z, _ = norse_torch.LSNN(LSNNParameters(reset_method=halve))(x)
    assert z.sum() > 0
    alpha = torch.nn.Parameter(torch.tensor(100.0))
    norse_torch.LSNN(LSNNParameters(alpha=alpha))(x)
    assert len(reference_kernels) == 0


def test_trainable_module_parameters_get_the_loop_gradients(reference_kernels):
    torch.manual_seed(2)
    names = ("tau_syn_inv", "tau_mem_inv", "tau_adapt_inv", "v_leak", "v_th", "v_reset", "beta")
    p = LSNNParameters(tau_adapt_inv=torch.tensor(50.0), beta=torch.tensor(0.5))
    fused = norse_torch.LSNN(p, trainable=names).double()
    loop = norse_torch.LSNN(p, trainable=names, record_states=True).double()
    x = torch.rand(30, 3, 4, dtype=torch.float64) * 6
    z_fused, s_fused = fused(x)
    z_loop, s_loop = loop(x)
    assert len(reference_kernels) == 1
    assert torch.equal(z_fused, z_loop) and z_loop.sum() > 0
    (z_fused.sum() + s_fused.v.sum() + s_fused.b.sum()).backward()
    (z_loop.sum() + s_loop.v[-1].sum() + s_loop.b[-1].sum()).backward()
    for name in names:
        g, g_loop = getattr(fused, name).grad, getattr(loop, name).grad
        assert g_loop.abs() > 0, name
        torch.testing.assert_close(g, g_loop, rtol=1e-9, atol=1e-12, msg=name)


def test_torch_compile_fullgraph_matches_eager():
    torch.manual_seed(1)
    model = norse_torch.SequentialState(
        torch.nn.Linear(6, 8),
        norse_torch.LSNN(
            LSNNParameters(tau_adapt_inv=torch.tensor(50.0), beta=0.5),
            trainable=("tau_syn_inv", "tau_mem_inv", "beta"),
        ),
        torch.nn.Linear(8, 3),
    )
    x = torch.rand(20, 4, 6) * 10
    eager_out, _ = model(x)
    assert eager_out.abs().sum() > 0
    eager_out.square().sum().backward()
    eager_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager")
    out, _ = compiled(x)
    torch.testing.assert_close(out, eager_out)
    out.square().sum().backward()
    for g, g_eager in zip([p.grad for p in model.parameters()], eager_grads):
        torch.testing.assert_close(g, g_eager)


def test_channels_last_sequences_keep_their_memory_format():
    """``channels_last`` frames give spikes and input gradients in that memory format, and
    the values of the contiguous sequence."""
    gen = torch.Generator().manual_seed(4)
    frames = torch.rand(6 * 2, 3, 4, 5, generator=gen, dtype=torch.float64) * 30
    x = frames.contiguous(memory_format=torch.channels_last).unflatten(0, (6, 2))
    x = x.requires_grad_()
    x_dense = x.detach().contiguous().requires_grad_()
    tau_mem_inv = 100 * (1 + torch.rand(3, 4, 5, generator=gen, dtype=torch.float64))
    weights = torch.randn(x.shape, generator=gen, dtype=torch.float64)
    results = []
    for inp in (x, x_dense):
        z, v, i, b = lsnn_sequence(inp, 0.0, 0.0, 1.0, tau_mem_inv=tau_mem_inv, method="sigmoid")
        (g,) = torch.autograd.grad((z * weights).sum() + v.sum() + b.sum(), inp)
        results.append((z, v, i, b, g))
    (z, v, i, b, g), dense = results
    assert 0 < z.mean() < 1
    assert z.stride() == x.stride() and g.stride() == x.stride()
    for a, ref in zip((z, v, i, b), dense):
        assert torch.equal(a, ref)
    torch.testing.assert_close(g, dense[4], rtol=1e-12, atol=1e-12)
