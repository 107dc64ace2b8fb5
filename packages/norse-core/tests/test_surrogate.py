"""Surrogate gradients: formulas, stability, the registry and torch.compile."""

import math

import pytest
import torch

import norse
from norse.hookspecs import SurrogateSpec, hookimpl
from norse.torch.functional import surrogate
from norse.torch.functional.lif import LIFParameters
from norse.torch.functional.threshold import (
    heavi_circ_fn,
    heavi_erfc_fn,
    heavi_tanh_fn,
    heaviside,
    super_fn,
    threshold,
    triangle_fn,
)
from norse.torch.module.lif import LIFCell

SMOOTH = [s for s in surrogate.BUILTIN_SURROGATES if s.derivative is not None]


def _grad(method, x, alpha):
    x = x.clone().requires_grad_(True)
    threshold(x, method, alpha).sum().backward()
    return x.grad


def test_forward_is_heaviside_for_every_builtin():
    x = torch.tensor([-2.0, -1e-6, 0.0, 1e-6, 3.0])
    for spec in surrogate.BUILTIN_SURROGATES:
        assert threshold(x, spec.name, 2.0).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert heaviside(x.double()).dtype == torch.float64


def test_superspike_gradient_honours_alpha():
    # Reference values of Norse's main branch (1.1.0 ignored alpha).
    x = torch.tensor([0.0, 0.01, 0.1, 1.0], dtype=torch.float64)
    expected = [1.0, 0.25, 1 / 121, 1 / 101**2]
    assert _grad("super", x, 100.0).tolist() == pytest.approx(expected, rel=1e-12)
    assert _grad("super", x, None).tolist() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("method", "alpha", "x", "expected"),
    [
        ("triangle", 0.3, 0.25, 0.3 * 0.75),
        ("triangle", 100.0, 1.5, 0.0),
        ("tanh", 2.0, 0.3, 1 - math.tanh(0.6) ** 2),
        ("circ", 2.0, 0.5, 8 / (0.25 + 4) ** 1.5),
        ("heavi_erfc", 3.0, 0.2, 2 / math.sqrt(math.pi) * math.exp(-0.36)),
        ("sigmoid", 4.0, 0.1, 4 / (1 + math.exp(-0.4)) / (1 + math.exp(0.4))),
        ("atan", 2.0, 0.5, 1.0 / (1 + (math.pi / 2) ** 2)),
        ("fast_sigmoid", 25.0, 0.2, 1 / 36),
        ("straight_through", 7.0, 123.0, 1.0),
    ],
)
def test_derivative_values(method, alpha, x, expected):
    got = _grad(method, torch.tensor([x], dtype=torch.float64), alpha)
    assert got.item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("spec", SMOOTH, ids=lambda s: s.name)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_finite_values_and_gradients_for_extreme_inputs(spec, dtype):
    x = torch.cat([torch.linspace(-1e6, 1e6, 2001), torch.tensor([0.0, 1e-30, -1e-30])]).to(dtype)
    for alpha in (spec.default_alpha, 100.0, 1e-3):
        xs = x.clone().requires_grad_(True)
        d = spec.derivative(xs, alpha)
        assert torch.isfinite(d).all()
        assert (d >= 0).all()
        if d.requires_grad:  # straight_through's derivative is a constant
            (g,) = torch.autograd.grad(d.sum(), xs)
            assert torch.isfinite(g).all()
        assert torch.isfinite(_grad(spec.name, x, alpha)).all()


@pytest.mark.parametrize(
    "spec", [s for s in SMOOTH if s.name != "straight_through"], ids=lambda s: s.name
)
def test_derivative_is_gradcheckable_away_from_kinks(spec):
    x = torch.tensor([-0.7, -0.3, 0.2, 0.45, 0.8], dtype=torch.float64, requires_grad=True)
    alpha = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(spec.derivative, (x, alpha))


@pytest.mark.parametrize("spec", SMOOTH, ids=lambda s: s.name)
def test_backward_is_grad_times_derivative_with_tensor_alpha(spec):
    x = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    alpha = torch.linspace(0.5, 3, 9, dtype=torch.float64)
    upstream = torch.linspace(-1, 1, 9, dtype=torch.float64)
    (threshold(x, spec.name, alpha) * upstream).sum().backward()
    torch.testing.assert_close(x.grad, upstream * spec.derivative(x.detach(), alpha))


def test_heaviside_method_has_no_gradient():
    x = torch.randn(4, requires_grad=True)
    assert not threshold(x, "heaviside").requires_grad


def test_unknown_method_lists_registered_names():
    with pytest.raises(ValueError, match=r"unknown surrogate 'nope'.*super"):
        threshold(torch.zeros(2), "nope")
    with pytest.raises(ValueError, match="nope"):
        LIFCell(LIFParameters(method="nope"))


def test_norse_named_wrappers():
    x = torch.tensor([0.5], dtype=torch.float64)
    assert _grad("super", x, 2.0).item() == pytest.approx(0.25)
    for fn, method in (
        (heavi_tanh_fn, "tanh"),
        (heavi_erfc_fn, "heavi_erfc"),
        (heavi_circ_fn, "circ"),
        (super_fn, "super"),
    ):
        xs = x.clone().requires_grad_(True)
        fn(xs, 2.0).sum().backward()
        assert xs.grad.item() == pytest.approx(_grad(method, x, 2.0).item())
    xs = x.clone().requires_grad_(True)
    triangle_fn(xs).sum().backward()
    assert xs.grad.item() == pytest.approx(0.3 * 0.5)


class _LinearSurrogatePlugin:
    @hookimpl
    def norse_register_surrogates(self, register):
        register(
            SurrogateSpec(
                "test_box", lambda x, a: a * (x.abs() < 0.5).to(x.dtype), "a*1[|x|<0.5]", 3.0
            )
        )


def test_plugin_surrogate_is_usable_as_method_everywhere():
    name = norse.plugins.register_plugin(_LinearSurrogatePlugin(), "test-box-surrogate")
    try:
        assert _grad("test_box", torch.tensor([0.2, 0.7]), None).tolist() == [3.0, 0.0]
        cell = LIFCell(LIFParameters(method="test_box", alpha=2.0))
        x = torch.full((1,), 10.0, requires_grad=True)
        z, _ = cell(x)  # v_dec = 0.1 * 10 = 1.0 -> x = 0 -> in the box
        z.sum().backward()
        assert x.grad.item() == pytest.approx(2.0 * 0.1)
    finally:
        norse.plugins.unregister_plugin(name)
    with pytest.raises(ValueError, match="test_box"):
        threshold(torch.zeros(1), "test_box")


def test_threshold_under_torch_compile_fullgraph_matches_eager():
    def f(x, alpha):
        return (threshold(x * 2 - 1, "tanh", alpha) * x).sum()

    compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
    x = torch.randn(6, requires_grad=True)
    alpha = torch.tensor(3.0)
    (g_compiled,) = torch.autograd.grad(compiled(x, alpha), x)
    (g_eager,) = torch.autograd.grad(f(x, alpha), x)
    torch.testing.assert_close(g_compiled, g_eager)
