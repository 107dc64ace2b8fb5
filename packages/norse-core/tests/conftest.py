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
