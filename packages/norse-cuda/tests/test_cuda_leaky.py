"""The Triton kernels agree with the core's reference implementation of the leaky op.

They run on CPU tensors under Triton's interpreter (``TRITON_INTERPRET=1``, set in
``conftest.py``), so shapes stay small. Forward: spikes equal, voltages and currents equal to
rounding (the interpreter rounds ``p v`` separately, where the reference and the GPU use a
fused multiply-add). Backward: every gradient equal to the reference's to float64 rounding.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
import torch
from torch import Tensor

from norse import plugins
from norse.hookspecs import SurrogateSpec, hookimpl
from norse.testing import check_leaky_kernels
from norse.torch.functional.surrogate import BUILTIN_SURROGATES
from norse.torch.ops import contract
from norse_cuda import leaky, plugin

ALPHA = 4.0
"""A surrogate sharpness under which every surrogate has a gradient over the voltage range."""


def surrogate(method: str, u: Tensor, v_th: Tensor) -> Tensor | None:
    """The surrogate derivative ``s`` of every step, as the core passes it to a kernel."""
    derivative = plugins.get("surrogates", method).derivative
    return None if derivative is None else derivative(u - v_th, ALPHA).to(u.dtype)


METHODS = [spec.name for spec in BUILTIN_SURROGATES]
"""The core's surrogates (the kernels contain none: the core passes the derivative in)."""


def make_case(
    seed: int,
    shape: tuple[int, ...],
    *,
    steps: int = 11,
    current: bool,
    per_neuron: bool,
    dtype: torch.dtype = torch.float64,
) -> dict[str, Tensor | None]:
    """Random input, state and coefficients of a leaky model with step shape ``shape``.

    ``per_neuron`` draws every coefficient per neuron; otherwise they are scalars expanded to
    the step shape (as ``norse.torch.ops.leaky_sequence`` passes them), except ``q``, which is
    per neuron along the last axis and broadcast over the others.
    """
    g = torch.Generator().manual_seed(seed)

    def rand(lo: float, hi: float, size: tuple[int, ...] = shape) -> Tensor:
        return (lo + (hi - lo) * torch.rand(size, generator=g, dtype=torch.float64)).to(dtype)

    def coefficient(lo: float, hi: float) -> Tensor:
        return rand(lo, hi) if per_neuron else rand(lo, hi, ()).expand(shape)

    return {
        "x": (torch.randn((steps, *shape), generator=g, dtype=torch.float64) * 0.6 + 0.25).to(
            dtype
        ),
        "v0": rand(-0.2, 0.6),
        "i0": rand(-0.3, 0.3) if current else None,
        "p": coefficient(0.7, 0.95),
        "q": rand(0.3, 1.2) if per_neuron else rand(0.3, 1.2, shape[-1:]).expand(shape),
        "o": coefficient(-0.05, 0.1),
        "r": coefficient(0.6, 0.9) if current else None,
        "v_th": coefficient(0.4, 0.6),
        "v_reset": coefficient(-0.1, 0.1),
    }


def forward_args(case: dict[str, Tensor | None]) -> list[Tensor | None]:
    return [case[name] for name in ("x", "v0", "i0", "p", "q", "o", "r", "v_th", "v_reset")]


def backward_args(
    case: dict[str, Tensor | None], u: Tensor, g_out: Tensor | None, g_v: Tensor | None, g_i
) -> list[Tensor | None]:
    c = case
    return [g_out, g_v, g_i, c["x"], u, c["v0"], c["i0"], c["p"], c["q"], c["r"]]


def all_needs(current: bool, spiking: bool) -> list[bool]:
    """Every gradient that ``norse::leaky_sequence``'s autograd can ask for."""
    need = dict.fromkeys(contract.LEAKY_GRAD_NAMES, True)
    need["i0"] = need["r"] = current
    need["v_th"] = need["v_reset"] = spiking
    return [need[name] for name in contract.LEAKY_GRAD_NAMES]


def assert_forward_equal(got, want, spiking: bool, tol: float) -> None:
    out, u, v, i = got
    out_ref, u_ref, v_ref, i_ref = want
    assert out.dtype == out_ref.dtype and out.shape == out_ref.shape
    if spiking:
        assert torch.equal(out, out_ref)
        torch.testing.assert_close(u, u_ref, rtol=tol, atol=tol)
    else:
        assert u.numel() == 0
        torch.testing.assert_close(out, out_ref, rtol=tol, atol=tol)
    torch.testing.assert_close(v, v_ref, rtol=tol, atol=tol)
    assert i.shape == i_ref.shape
    torch.testing.assert_close(i, i_ref, rtol=tol, atol=tol)


def assert_grads_close(got: list, want: list, tol: float) -> None:
    for name, a, b in zip(contract.LEAKY_GRAD_NAMES, got, want):
        assert (a is None) == (b is None), name
        if b is not None:
            torch.testing.assert_close(a, b, rtol=tol, atol=tol, msg=f"gradient of {name}")


STEPS = (5, 8, 11, 19)
"""Sequence lengths: within one tile of 8 steps, exactly one, and several with a partial one."""

CONFIGS = list(itertools.product((False, True), (False, True), (False, True)))
"""(current, spiking, subtract)."""


@pytest.mark.parametrize(("current", "spiking", "subtract"), CONFIGS)
@pytest.mark.parametrize("per_neuron", [False, True])
def test_forward_matches_reference(current, spiking, subtract, per_neuron):
    seed = 8 * current + 4 * spiking + 2 * subtract + per_neuron
    steps = STEPS[seed % len(STEPS)]
    case = make_case(seed, (3, 5), steps=steps, current=current, per_neuron=per_neuron)
    args = [*forward_args(case), spiking, subtract]
    got = leaky.leaky_forward(*args)
    want = contract.leaky_forward(*args)
    assert_forward_equal(got, want, spiking, tol=1e-12)
    if spiking:
        assert 0 < want[0].sum() < want[0].numel()  # the case exercises both branches


@pytest.mark.parametrize("current", [False, True])
def test_forward_float32_matches_reference(current):
    case = make_case(3, (2, 7), steps=9, current=current, per_neuron=True, dtype=torch.float32)
    args = [*forward_args(case), True, False]
    assert_forward_equal(leaky.leaky_forward(*args), contract.leaky_forward(*args), True, 1e-6)


@pytest.mark.parametrize(("current", "spiking", "subtract"), CONFIGS)
def test_backward_matches_reference(current, spiking, subtract):
    seed = 20 + 4 * current + 2 * spiking + subtract
    steps = STEPS[seed % len(STEPS)]
    case = make_case(seed, (2, 6), steps=steps, current=current, per_neuron=bool(seed % 2))
    out, u, v, _ = contract.leaky_forward(*forward_args(case), spiking, subtract)
    saved = u if spiking else out
    g_out = torch.randn_like(out)
    g_v = torch.randn_like(v)
    g_i = torch.randn_like(v) if current else None
    tail = [
        case["v_th"],
        case["v_reset"],
        surrogate("super", saved, case["v_th"]) if spiking else None,
        spiking,
        subtract,
    ]
    needs = all_needs(current, spiking)
    args = [*backward_args(case, saved, g_out, g_v, g_i), *tail, needs]
    assert_grads_close(leaky.leaky_backward(*args), contract.leaky_backward(*args), 1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_backward_every_surrogate(method):
    index = METHODS.index(method)
    current, subtract = bool(index % 2), bool(index // 2 % 2)
    case = make_case(40 + index, (3, 4), current=current, per_neuron=True)
    _, u, _, _ = contract.leaky_forward(*forward_args(case), True, subtract)
    g_out = torch.randn_like(u)
    tail = [case["v_th"], case["v_reset"], surrogate(method, u, case["v_th"]), True, subtract]
    args = [*backward_args(case, u, g_out, None, None), *tail, all_needs(current, True)]
    got = leaky.leaky_backward(*args)
    want = contract.leaky_backward(*args)
    assert_grads_close(got, want, 1e-10)
    if method != "heaviside":
        assert want[0].abs().max() > 1e-3  # the surrogate carries a gradient to x


@pytest.mark.parametrize("method", METHODS[:-1])
def test_backward_inline_surrogate_equals_precomputed(method):
    """Contract 1.1: the expression evaluated inside the kernel gives the reference's
    gradients computed from the precomputed derivative."""
    index = METHODS.index(method)
    current, subtract = bool(index % 2), not bool(index // 2 % 2)
    case = make_case(80 + index, (3, 4), current=current, per_neuron=index % 3 == 0)
    _, u, _, _ = contract.leaky_forward(*forward_args(case), True, subtract)
    g_out = torch.randn_like(u)
    spec = plugins.get("surrogates", method)
    inline = contract.Surrogate(method, spec.expression, ALPHA)
    head = [*backward_args(case, u, g_out, None, None), case["v_th"], case["v_reset"]]
    needs = all_needs(current, True)
    got = leaky.leaky_backward(*head, None, True, subtract, needs, inline)
    want = contract.leaky_backward(*head, surrogate(method, u, case["v_th"]), True, subtract, needs)
    assert_grads_close(got, want, 1e-10)


def test_surrogates_stay_finite_far_from_threshold():
    case = make_case(5, (2, 3), current=False, per_neuron=True)
    values = [-1e30, -50.0, 0.5, 50.0, 1e20, 1e30]
    u = torch.tensor(values, dtype=torch.float64).reshape(1, 2, 3).expand(6, 2, 3)
    needs = all_needs(False, True)
    for method in METHODS:
        tail = [case["v_th"], case["v_reset"], surrogate(method, u, case["v_th"]), True, False]
        args = [*backward_args(case, u.contiguous(), torch.ones_like(u), None, None), *tail, needs]
        got = leaky.leaky_backward(*args)
        want = contract.leaky_backward(*args)
        for name, a, b in zip(contract.LEAKY_GRAD_NAMES, got, want):
            if b is not None:
                assert torch.isfinite(a).all(), (method, name)
                torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10, msg=f"{method} {name}")


@pytest.mark.parametrize(
    ("needs_names", "has_g_out", "has_g_v"),
    [({"x"}, True, False), ({"v0", "o"}, False, True), ({"q", "r", "v_reset"}, True, True)],
)
def test_backward_partial_needs_and_missing_gradients(needs_names, has_g_out, has_g_v):
    case = make_case(61, (4, 3), current=True, per_neuron=False)
    _, u, _, v = contract.leaky_forward(*forward_args(case), True, False)
    g_out = torch.randn_like(u) if has_g_out else None
    g_v = torch.randn_like(v) if has_g_v else None
    needs = [name in needs_names for name in contract.LEAKY_GRAD_NAMES]
    tail = [case["v_th"], case["v_reset"], surrogate("triangle", u, case["v_th"]), True, False]
    args = [*backward_args(case, u, g_out, g_v, None), *tail, needs]
    got = leaky.leaky_backward(*args)
    assert [g is not None for g in got] == needs
    assert_grads_close(got, contract.leaky_backward(*args), 1e-10)


def test_subtract_reset_gives_zero_v_reset_gradient():
    case = make_case(62, (5,), current=False, per_neuron=True)
    _, u, _, _ = contract.leaky_forward(*forward_args(case), True, True)
    needs = [name == "v_reset" for name in contract.LEAKY_GRAD_NAMES]
    tail = [case["v_th"], case["v_reset"], surrogate("super", u, case["v_th"]), True, True]
    got = leaky.leaky_backward(
        *backward_args(case, u, torch.ones_like(u), None, None), *tail, needs
    )
    assert torch.equal(
        got[contract.LEAKY_GRAD_NAMES.index("v_reset")], torch.zeros(5, dtype=u.dtype)
    )


def test_a_plugin_surrogate_runs_on_the_kernel():
    def doubled_square(x: Tensor, alpha) -> Tensor:
        return 2.0 / (1.0 + (alpha * x) ** 2)

    class Plugin:
        @hookimpl
        def norse_register_surrogates(self, register: Callable[[SurrogateSpec], None]) -> None:
            register(SurrogateSpec("test_cuda_lorentz", doubled_square, "2 / (1 + (a x)^2)"))

    name = plugins.register_plugin(Plugin(), "test_cuda_surrogate")
    try:
        case = make_case(63, (3, 2), current=True, per_neuron=True)
        _, u, _, _ = contract.leaky_forward(*forward_args(case), True, False)
        tail = [
            case["v_th"],
            case["v_reset"],
            surrogate("test_cuda_lorentz", u, case["v_th"]),
            True,
            False,
        ]
        args = [
            *backward_args(case, u, torch.ones_like(u), None, None),
            *tail,
            all_needs(True, True),
        ]
        got = leaky.leaky_backward(*args)
        assert got[0].abs().max() > 0
        assert_grads_close(got, contract.leaky_backward(*args), 1e-12)
    finally:
        plugins.unregister_plugin(name)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_inputs_accumulate_in_float32(dtype):
    """Half inputs give half outputs that match a float32 run on the same values."""
    case = make_case(64, (4, 6), steps=10, current=True, per_neuron=True, dtype=dtype)
    args = forward_args(case)
    wide = [a.float() if a is not None else None for a in args]
    out, u, v, i = leaky.leaky_forward(*args, True, False)
    _, u_ref, v_ref, i_ref = contract.leaky_forward(*wide, True, False)
    assert out.dtype == u.dtype == v.dtype == i.dtype == dtype
    tol = {"rtol": 0, "atol": 2e-3 if dtype == torch.float16 else 2e-2}
    torch.testing.assert_close(u.float(), u_ref, **tol)
    torch.testing.assert_close(v.float(), v_ref, **tol)
    torch.testing.assert_close(i.float(), i_ref, **tol)
    # The spike of a step is decided on the stored (rounded) voltage.
    assert torch.equal(out, (u > case["v_th"]).to(dtype))
    g_out = torch.randn(out.shape).to(dtype)
    tail = [case["v_th"], case["v_reset"], surrogate("super", u, case["v_th"]), True, False]
    needs = all_needs(True, True)
    got = leaky.leaky_backward(*backward_args(case, u, g_out, None, None), *tail, needs)
    wide_case = {k: (t.float() if t is not None else None) for k, t in case.items()}
    want = contract.leaky_backward(
        *backward_args(wide_case, u.float(), g_out.float(), None, None),
        *[
            wide_case["v_th"],
            wide_case["v_reset"],
            surrogate("super", u.float(), wide_case["v_th"]),
        ],
        True,
        False,
        needs,
    )
    for name, a, b in zip(contract.LEAKY_GRAD_NAMES, got, want):
        if b is not None:
            assert a.dtype == dtype, name
            scale = b.abs().max().item()
            torch.testing.assert_close(a.float(), b, rtol=0, atol=0.02 * scale, msg=name)


def test_empty_sequence_returns_the_initial_state():
    case = make_case(65, (2, 3), steps=0, current=True, per_neuron=True)
    out, u, v, i = leaky.leaky_forward(*forward_args(case), True, False)
    assert out.shape == u.shape == (0, 2, 3)
    assert torch.equal(v, case["v0"]) and torch.equal(i, case["i0"])
    g_v = torch.randn(2, 3, dtype=torch.float64)
    tail = [case["v_th"], case["v_reset"], surrogate("super", u, case["v_th"]), True, False]
    grads = leaky.leaky_backward(*backward_args(case, u, None, g_v, None), *tail, [True] * 9)
    assert grads[0].shape == (0, 2, 3)
    assert torch.equal(grads[1], g_v)
    assert torch.equal(grads[2], torch.zeros(2, 3, dtype=torch.float64))
    assert all(torch.equal(g, torch.zeros(2, 3, dtype=torch.float64)) for g in grads[3:])


def test_zero_neurons():
    case = make_case(66, (0, 4), current=False, per_neuron=True)
    out, u, v, _ = leaky.leaky_forward(*forward_args(case), True, True)
    assert out.shape == u.shape == (11, 0, 4) and v.shape == (0, 4)


def test_non_contiguous_input_and_state():
    case = make_case(67, (5, 4), current=True, per_neuron=True)
    case["x"] = case["x"].transpose(1, 2).contiguous().transpose(1, 2)
    case["v0"] = case["v0"].t().contiguous().t()
    assert not case["x"].is_contiguous() and not case["v0"].is_contiguous()
    args = [*forward_args(case), True, True]
    assert_forward_equal(leaky.leaky_forward(*args), contract.leaky_forward(*args), True, 1e-12)


def test_bad_arguments_are_named():
    case = make_case(68, (2, 3), current=False, per_neuron=True)
    args = forward_args(case)
    bad_shape = list(args)
    bad_shape[3] = torch.ones(3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"p must have the step shape \(2, 3\), got \(3,\)"):
        leaky.leaky_forward(*bad_shape, True, False)
    integer = [a.to(torch.int64) if a is not None else None for a in args]
    with pytest.raises(TypeError, match=r"float16, bfloat16, float32 or float64, got torch\.int64"):
        leaky.leaky_forward(*integer, True, False)
    no_r = list(args)
    no_r[2] = torch.zeros(2, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match="i0 and r must both be"):
        leaky.leaky_forward(*no_r, True, False)


def test_the_kernels_pass_the_core_conformance_suite():
    """The core's public conformance suite (every model kind, float32 and float64)."""
    count = check_leaky_kernels(
        leaky.leaky_forward, leaky.leaky_backward, contract_version=plugin.CONTRACT
    )
    assert count == 28
