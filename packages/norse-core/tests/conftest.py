"""Shared fixtures for norse-core's tests."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Every test starts from the same random state."""
    torch.manual_seed(0)


@pytest.fixture(params=["cpp", "reference"])
def kernels(request, monkeypatch) -> str:
    """Run the test with the C++ CPU kernel and with the forced PyTorch reference.

    For the fused-op tests: the test module names its op in ``OP``; the ``cpp`` case is
    skipped where no C++ kernel serves it (none registered, or no compiler).
    """
    if request.param == "reference":
        monkeypatch.setenv("NORSE_KERNELS", "reference")
    else:
        monkeypatch.delenv("NORSE_KERNELS", raising=False)
        from norse.torch.ops import select

        op = request.module.OP
        if select(op, "cpu").source == "reference":
            pytest.skip(f"no C++ kernel serves {op} here (none registered, or no compiler)")
    return request.param


@pytest.fixture
def compiled_matches_eager():
    """``check(model, x, backend="aot_eager")``: ``torch.compile(model, fullgraph=True)`` gives
    the eager spikes (some nonzero) and the eager parameter gradients of ``spikes.sum()``.

    Compiles without torch's on-disk caches: they key a graph by its forward, not by the
    Python backward of a custom op, so an entry written before a backward op's signature
    changed would fail.
    """

    def check(model: torch.nn.Module, x: torch.Tensor, backend: str = "aot_eager") -> None:
        with torch.compiler.config.patch(force_disable_caches=True):
            model.zero_grad()
            eager, _ = model(x)
            eager.sum().backward()
            eager_grads = [q.grad.clone() for q in model.parameters()]
            model.zero_grad()
            torch._dynamo.reset()
            out, _ = torch.compile(model, fullgraph=True, backend=backend)(x)
            assert torch.equal(out, eager) and out.any()
            out.sum().backward()
            for q, g in zip(model.parameters(), eager_grads):
                torch.testing.assert_close(q.grad, g)

    return check


@pytest.fixture
def perturbed():
    """``perturbed(kernel, index)``: ``kernel`` with its output ``index`` scaled by 1.001 (a
    wrong kernel that a conformance check must catch)."""

    def make(function, index: int):
        def run(*args):
            results = list(function(*args))
            results[index] = results[index] * 1.001
            return results

        return run

    return make
