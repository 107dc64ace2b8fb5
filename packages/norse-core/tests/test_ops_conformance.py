"""The kernel contract: the core's C++ kernels pass the public conformance suite, the suite
catches a wrong kernel, and the registry honours the contract version and NORSE_KERNELS."""

from __future__ import annotations

import pytest
import torch

from norse import plugins
from norse.hookspecs import KernelSpec, hookimpl
from norse.testing import check_leaky_kernels, leaky_cases
from norse.torch.ops import _cpp, contract, select


def test_the_cpp_kernels_conform():
    if not _cpp.FORWARD.available()[0]:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    dtypes = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
    count = check_leaky_kernels(_cpp.FORWARD, _cpp.BACKWARD, dtypes=dtypes)
    assert count == 4 * len(leaky_cases())


def test_the_suite_catches_a_wrong_gradient():
    def backward(*args):
        grads = contract.leaky_backward(*args)
        k = contract.LEAKY_GRAD_NAMES.index("p")
        if grads[k] is not None:
            grads[k] = grads[k] * 1.001
        return grads

    with pytest.raises(AssertionError, match="gradient of p"):
        check_leaky_kernels(contract.leaky_forward, backward, dtypes=(torch.float64,))


def test_the_suite_catches_a_missing_none():
    def backward(*args):
        return [g if g is not None else torch.zeros(()) for g in contract.leaky_backward(*args)]

    with pytest.raises(AssertionError, match="expected None"):
        check_leaky_kernels(contract.leaky_forward, backward, dtypes=(torch.float32,))


def test_a_kernel_of_another_contract_major_version_is_not_used(monkeypatch):
    monkeypatch.delenv("NORSE_KERNELS", raising=False)

    class Plugin:
        @hookimpl
        def norse_register_kernels(self, register):
            forward = contract.leaky_forward
            register(KernelSpec("norse::leaky_sequence", "meta", forward, "old", contract="0.3"))

    name = plugins.register_plugin(Plugin(), "old-kernels")
    try:
        choice = select("norse::leaky_sequence", "meta")
        assert choice.source == "reference"
        assert "implements contract 0.3, not 1.0" in choice.description
    finally:
        plugins.unregister_plugin(name)
    assert contract.compatible("1.7") and not contract.compatible("2.0")


def test_an_unknown_norse_kernels_value_is_an_error(monkeypatch):
    monkeypatch.setenv("NORSE_KERNELS", "bogus")
    with pytest.raises(ValueError, match=r"NORSE_KERNELS must be one of \('auto', 'reference'\)"):
        select("norse::leaky_sequence", "cpu")
    monkeypatch.setenv("NORSE_KERNELS", "auto")
    assert select("norse::leaky_sequence", "cpu").op == "norse::leaky_sequence"
