"""The kernel contract: the core's C++ kernels pass the public conformance suite, the suite
catches a wrong kernel, and the registry honours the contract version and NORSE_KERNELS."""

from __future__ import annotations

import inspect

import pytest
import torch

from norse import plugins
from norse.hookspecs import KernelSpec, hookimpl
from norse.testing import (
    check_leaky_kernels,
    check_lsnn_kernels,
    check_recurrent_kernels,
    leaky_cases,
)
from norse.torch.ops import OPS, _cpp, contract, recurrent_cpp, select


def test_the_cpp_kernels_conform():
    if not _cpp.FORWARD.available()[0]:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    dtypes = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
    count = check_leaky_kernels(
        _cpp.FORWARD, _cpp.BACKWARD, dtypes=dtypes, contract_version=contract.CONTRACT_VERSION
    )
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
        assert f"implements contract 0.3, not {contract.CONTRACT_VERSION}" in choice.description
    finally:
        plugins.unregister_plugin(name)
    assert contract.compatible("1.7") and not contract.compatible("2.0")


def test_an_unknown_norse_kernels_value_is_an_error(monkeypatch):
    monkeypatch.setenv("NORSE_KERNELS", "bogus")
    with pytest.raises(ValueError, match=r"NORSE_KERNELS must be one of \('auto', 'reference'\)"):
        select("norse::leaky_sequence", "cpu")
    monkeypatch.setenv("NORSE_KERNELS", "auto")
    assert select("norse::leaky_sequence", "cpu").op == "norse::leaky_sequence"


def test_the_suite_catches_a_kernel_that_ignores_the_inline_surrogate():
    def backward(*args):
        return contract.leaky_backward(*args[:16])  # drops `surrogate`: a zero derivative

    with pytest.raises(AssertionError, match="inline surrogate"):
        check_leaky_kernels(
            contract.leaky_forward, backward, dtypes=(torch.float64,), contract_version="1.1"
        )


def test_contract_versions():
    assert contract.inline_surrogates(contract.CONTRACT_VERSION)
    assert contract.inline_surrogates("1.1") and contract.inline_surrogates("1.4")
    assert not contract.inline_surrogates("1.0") and not contract.inline_surrogates("2.1")


@pytest.mark.parametrize("op", ["lif", "lsnn"])
def test_the_cpp_recurrent_kernels_conform(op):
    forward = getattr(recurrent_cpp, f"{op.upper()}_FORWARD")
    if not forward.available()[0]:
        pytest.skip("the C++ kernel is unavailable here (no compiler)")
    backward = getattr(recurrent_cpp, f"{op.upper()}_BACKWARD")
    dtypes = (torch.float32, torch.float64)
    assert check_recurrent_kernels(op, forward, backward, dtypes=dtypes) == 6


def _perturbed(function, index):
    def wrong(*args):
        results = list(function(*args))
        results[index] = results[index] * 1.001
        return results

    return wrong


def test_the_lsnn_suite_catches_a_wrong_kernel():
    k = contract.LSNN_GRAD_NAMES.index("beta")
    with pytest.raises(AssertionError, match="gradient of beta"):
        check_lsnn_kernels(contract.lsnn_forward, _perturbed(contract.lsnn_backward, k))
    with pytest.raises(AssertionError, match="forward u"):
        check_lsnn_kernels(_perturbed(contract.lsnn_forward, 1), contract.lsnn_backward)


@pytest.mark.parametrize("op", ["lif", "lsnn"])
def test_the_recurrent_suite_catches_a_wrong_kernel(op):
    forward = getattr(contract, f"{op}_recurrent_forward")
    backward = getattr(contract, f"{op}_recurrent_backward")
    with pytest.raises(AssertionError, match="backward gW"):
        check_recurrent_kernels(op, forward, _perturbed(backward, -1))
    with pytest.raises(AssertionError, match="forward v_T"):
        check_recurrent_kernels(op, _perturbed(forward, -3 if op == "lsnn" else -2), backward)


def test_the_contract_names_every_op_and_the_references_signatures():
    documented = {
        "leaky_sequence": (contract.LEAKY_FORWARD_ARGS, contract.leaky_forward),
        "leaky_sequence_backward": (contract.LEAKY_BACKWARD_ARGS, contract.leaky_backward),
        "lsnn_sequence": (contract.LSNN_FORWARD_ARGS, contract.lsnn_forward),
        "lsnn_sequence_backward": (contract.LSNN_BACKWARD_ARGS, contract.lsnn_backward),
        "lif_recurrent_sequence": (
            contract.LIF_RECURRENT_FORWARD_ARGS,
            contract.lif_recurrent_forward,
        ),
        "lif_recurrent_backward": (
            contract.LIF_RECURRENT_BACKWARD_ARGS,
            contract.lif_recurrent_backward,
        ),
        "lsnn_recurrent_sequence": (
            contract.LSNN_RECURRENT_FORWARD_ARGS,
            contract.lsnn_recurrent_forward,
        ),
        "lsnn_recurrent_backward": (
            contract.LSNN_RECURRENT_BACKWARD_ARGS,
            contract.lsnn_recurrent_backward,
        ),
        "lif_refrac_recurrent_sequence": (
            contract.LIF_REFRAC_RECURRENT_FORWARD_ARGS,
            contract.lif_refrac_recurrent_forward,
        ),
        "lif_refrac_recurrent_backward": (
            contract.LIF_REFRAC_RECURRENT_BACKWARD_ARGS,
            contract.lif_refrac_recurrent_backward,
        ),
        "izhikevich_recurrent_sequence": (
            contract.IZHIKEVICH_RECURRENT_FORWARD_ARGS,
            contract.izhikevich_recurrent_forward,
        ),
        "izhikevich_recurrent_backward": (
            contract.IZHIKEVICH_RECURRENT_BACKWARD_ARGS,
            contract.izhikevich_recurrent_backward,
        ),
        "coba_lif_recurrent_sequence": (
            contract.COBA_LIF_RECURRENT_FORWARD_ARGS,
            contract.coba_lif_recurrent_forward,
        ),
        "coba_lif_recurrent_backward": (
            contract.COBA_LIF_RECURRENT_BACKWARD_ARGS,
            contract.coba_lif_recurrent_backward,
        ),
        "lif_adex_recurrent_sequence": (
            contract.LIF_ADEX_RECURRENT_FORWARD_ARGS,
            contract.lif_adex_recurrent_forward,
        ),
        "lif_adex_recurrent_backward": (
            contract.LIF_ADEX_RECURRENT_BACKWARD_ARGS,
            contract.lif_adex_recurrent_backward,
        ),
    }
    assert {f"norse::{name}" for name in documented} == set(OPS)
    for name, (args, reference) in documented.items():
        parameters = list(inspect.signature(reference).parameters)
        if name == "leaky_sequence_backward":
            assert parameters[-1] == "surrogate"  # contract 1.1's extra argument
            parameters = parameters[:-1]
        if name in (
            "lif_recurrent_backward",
            "lsnn_recurrent_backward",
            "lif_refrac_recurrent_backward",
        ):
            assert parameters[-1] == "need_parameters"  # contract 1.2's extra argument
            parameters = parameters[:-1]
        assert tuple(parameters) == args, name
