"""Sequence modules on the fused op: routing, fallback, record_states, torch.compile."""

from __future__ import annotations

import pytest
import torch

import norse.torch as norse_torch
from norse import plugins
from norse.hookspecs import KernelSpec, hookimpl
from norse.torch.functional.lif import LIFParameters
from norse.torch.functional.lif_box import LIFBoxParameters
from norse.torch.ops import _reference, kernel_table, select


@pytest.fixture
def count_reference(monkeypatch):
    """Force the reference kernels and count calls of the fused forward."""
    monkeypatch.setenv("NORSE_KERNELS", "reference")
    calls = []
    original = _reference.leaky_forward

    def counting(*args):
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(_reference, "leaky_forward", counting)
    return calls


@pytest.mark.parametrize(
    "make",
    [
        lambda: norse_torch.LIF(),
        lambda: norse_torch.LIFBox(),
        lambda: norse_torch.LI(),
        lambda: norse_torch.LIBox(),
        lambda: norse_torch.IAF(),
    ],
)
def test_sequence_modules_use_the_fused_op(count_reference, make):
    module = make()
    x = torch.rand(30, 2, 5) * 40
    out, state = module(x)
    assert len(count_reference) == 1
    module.record_states = True
    out_loop, states = module(x)
    assert len(count_reference) == 1  # record_states=True runs the step loop
    if isinstance(module, norse_torch.LIF | norse_torch.LIFBox | norse_torch.IAF):
        assert torch.equal(out, out_loop)
        assert out.sum() > 0
    else:
        torch.testing.assert_close(out, out_loop, rtol=1e-5, atol=1e-6)
    for final, recorded in zip(state, states):
        torch.testing.assert_close(final, recorded[-1], rtol=1e-5, atol=1e-6)


def test_custom_reset_falls_back_to_the_loop(count_reference):
    def halve(z, v, reset, th):
        return v - z * v / 2

    out, _ = norse_torch.LIFBox(LIFBoxParameters(reset_method=halve))(torch.rand(10, 2, 3) * 50)
    assert len(count_reference) == 0
    assert out.sum() > 0


def test_trainable_parameters_get_gradients_through_the_fused_op(count_reference):
    torch.manual_seed(0)
    module = norse_torch.LIF(trainable=("tau_mem_inv", "v_th", "tau_syn_inv")).double()
    loop = norse_torch.LIF(trainable=("tau_mem_inv", "v_th", "tau_syn_inv"), record_states=True)
    loop = loop.double()
    x = torch.rand(25, 3, 4, dtype=torch.float64) * 30
    (module(x)[0].sum()).backward()
    (loop(x)[0].sum()).backward()
    assert len(count_reference) == 1
    for name in ("tau_mem_inv", "v_th", "tau_syn_inv"):
        g, g_loop = getattr(module, name).grad, getattr(loop, name).grad
        assert g_loop.abs().sum() > 0
        torch.testing.assert_close(g, g_loop, rtol=1e-9, atol=1e-12)


def test_kernel_registry_prefers_plugin_kernels_and_honours_norse_kernels(monkeypatch):
    calls = []

    def meta_forward(*args):
        calls.append(1)
        return _reference.leaky_forward(*args)

    class Plugin:
        @hookimpl
        def norse_register_kernels(self, register):
            register(KernelSpec("norse::leaky_sequence", "meta", meta_forward, "test kernel"))

    name = plugins.register_plugin(Plugin(), "test-kernels")
    try:
        assert "norse::leaky_sequence[meta]" in plugins.kernels()
        choice = select("norse::leaky_sequence", "meta")
        assert (choice.source, choice.impl, choice.description) == (
            "test-kernels",
            meta_forward,
            "test kernel",
        )
        monkeypatch.setenv("NORSE_KERNELS", "reference")
        forced = select("norse::leaky_sequence", "meta")
        assert forced.source == "reference" and "NORSE_KERNELS" in forced.description
    finally:
        plugins.unregister_plugin(name)
    table = {(c.op, c.device): c for c in kernel_table(("cpu", "cuda"))}
    assert table[("norse::leaky_sequence", "cuda")].source == "reference"
    assert plugins.registry("kernels")["norse::leaky_sequence[cpu]"].plugin == "norse"


@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
def test_torch_compile_fullgraph_matches_eager(backend):
    torch.manual_seed(1)
    model = norse_torch.SequentialState(
        torch.nn.Linear(6, 8),
        norse_torch.LIF(LIFParameters(tau_mem_inv=torch.tensor(200.0))),
        torch.nn.Linear(8, 3),
        norse_torch.LI(),
    )
    x = torch.rand(20, 4, 6) * 20
    eager_out, _ = model(x)
    (eager_out.sum()).backward()
    eager_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend=backend)
    out, _ = compiled(x)
    torch.testing.assert_close(out, eager_out)
    (out.sum()).backward()
    for g, g_eager in zip([p.grad for p in model.parameters()], eager_grads):
        torch.testing.assert_close(g, g_eager)


def test_kernel_table_never_compiles(monkeypatch):
    """``norse plugins`` lists kernels through ``kernel_table``: it must not start a C++ build."""
    from norse.torch.ops import _build

    monkeypatch.setattr(_build, "_results", {})
    monkeypatch.setattr(_build, "_library_path", lambda root, build: "/nonexistent/x.so")

    def no_build(*args, **kwargs):
        raise AssertionError("kernel_table started a C++ build")

    monkeypatch.setattr(_build, "build_extension", no_build)
    monkeypatch.setattr(_build, "_compile", no_build)
    monkeypatch.delenv("NORSE_KERNELS", raising=False)
    monkeypatch.setattr(_build, "_compiler", lambda: "/usr/bin/c++")
    cpu = {c.op: c for c in kernel_table(("cpu",))}["norse::leaky_sequence"]
    assert cpu.source == "norse" and "not compiled yet" in cpu.description
    monkeypatch.setattr(_build, "_compiler", lambda: None)
    cpu = {c.op: c for c in kernel_table(("cpu",))}["norse::leaky_sequence"]
    assert cpu.source == "reference" and "no C++ compiler" in cpu.description


def test_norse_kernels_build_prepares_every_cpu_kernel(monkeypatch, capsys):
    from norse import cli

    monkeypatch.delenv("NORSE_KERNELS", raising=False)
    calls = []

    class Kernel:
        def __init__(self, ok):
            self.ok = ok

        def available(self):
            calls.append(self.ok)
            return self.ok, "built" if self.ok else "no compiler here"

        def __call__(self, *args):
            raise AssertionError("not run")

    class Plugin:
        @hookimpl
        def norse_register_kernels(self, register):
            register(KernelSpec("norse::lsnn_sequence", "cpu", Kernel(False), "test"))

    for entry in plugins.registry("kernels").values():  # the core's: built elsewhere
        if entry.spec.device == "cpu" and hasattr(entry.spec.impl, "available"):
            monkeypatch.setattr(entry.spec.impl, "available", lambda: (True, "compiled"))
    plugins.register_plugin(Plugin(), name="kernel-test")
    try:
        assert cli.main(["kernels", "build"]) == 1
        out = capsys.readouterr().out
        assert "norse::lsnn_sequence[cpu] (kernel-test): UNAVAILABLE: no compiler here" in out
        assert "norse::leaky_sequence[cpu] (norse):" in out
        assert False in calls
        assert cli.main(["kernels", "status"]) == 0
        assert "norse::lsnn_sequence [cpu]: reference" in capsys.readouterr().out
    finally:
        plugins.unregister_plugin("kernel-test")
