"""Fused sequence ops: whole-sequence neuron dynamics with a hand-written backward.

A sequence module does not have to loop in Python with autograd recording every
elementwise op. The ops here run a neuron model over all ``T`` steps of a ``(T, B, ...)``
input in one call, save only the pre-reset voltages, and backpropagate through time by hand
with the surrogate derivative. They are ``torch.library`` custom ops (``norse::*``), so
``torch.compile(fullgraph=True)`` treats each as one node, and device kernels registered
through the ``norse_register_kernels`` hook replace the reference implementation
(:mod:`norse.torch.ops._registry`; ``NORSE_KERNELS=reference`` forces the reference).
"""

from norse.hookspecs import KernelSpec
from norse.torch.ops import _cpp, recurrent_adex, recurrent_cpp
from norse.torch.ops._build import KernelFallbackWarning
from norse.torch.ops.contract import CONTRACT_VERSION
from norse.torch.ops._registry import KERNELS_ENV, OPS, KernelChoice, kernel_table, select
from norse.torch.ops.lsnn import lsnn_sequence
from norse.torch.ops.sequence import RESETS, leaky_sequence

__all__ = [
    "KERNELS_ENV",
    "OPS",
    "REFERENCE_KERNELS",
    "RESETS",
    "KernelChoice",
    "KernelFallbackWarning",
    "kernel_table",
    "leaky_sequence",
    "lsnn_sequence",
    "select",
]

_CPP = "C++ (compiled on first use with torch.utils.cpp_extension; PyTorch reference if that fails)"

REFERENCE_KERNELS: list[KernelSpec] = [
    KernelSpec("norse::leaky_sequence", "cpu", _cpp.FORWARD, _CPP, CONTRACT_VERSION),
    KernelSpec("norse::leaky_sequence_backward", "cpu", _cpp.BACKWARD, _CPP, CONTRACT_VERSION),
    KernelSpec(
        "norse::lif_recurrent_sequence", "cpu", recurrent_cpp.LIF_FORWARD, _CPP, CONTRACT_VERSION
    ),
    KernelSpec(
        "norse::lif_recurrent_backward", "cpu", recurrent_cpp.LIF_BACKWARD, _CPP, CONTRACT_VERSION
    ),
    KernelSpec(
        "norse::lsnn_recurrent_sequence", "cpu", recurrent_cpp.LSNN_FORWARD, _CPP, CONTRACT_VERSION
    ),
    KernelSpec(
        "norse::lsnn_recurrent_backward", "cpu", recurrent_cpp.LSNN_BACKWARD, _CPP, CONTRACT_VERSION
    ),
    KernelSpec(
        "norse::lif_refrac_recurrent_sequence",
        "cpu",
        recurrent_cpp.LIF_REFRAC_FORWARD,
        _CPP,
        CONTRACT_VERSION,
    ),
    KernelSpec(
        "norse::lif_refrac_recurrent_backward",
        "cpu",
        recurrent_cpp.LIF_REFRAC_BACKWARD,
        _CPP,
        CONTRACT_VERSION,
    ),
    KernelSpec(
        "norse::izhikevich_recurrent_sequence",
        "cpu",
        recurrent_cpp.IZHIKEVICH_FORWARD,
        _CPP,
        CONTRACT_VERSION,
    ),
    KernelSpec(
        "norse::izhikevich_recurrent_backward",
        "cpu",
        recurrent_cpp.IZHIKEVICH_BACKWARD,
        _CPP,
        CONTRACT_VERSION,
    ),
    KernelSpec(
        "norse::coba_lif_recurrent_sequence",
        "cpu",
        recurrent_cpp.COBA_LIF_FORWARD,
        _CPP,
        CONTRACT_VERSION,
    ),
    KernelSpec(
        "norse::coba_lif_recurrent_backward",
        "cpu",
        recurrent_cpp.COBA_LIF_BACKWARD,
        _CPP,
        CONTRACT_VERSION,
    ),
    KernelSpec(
        "norse::lif_adex_recurrent_sequence",
        "cpu",
        recurrent_adex.LIF_ADEX_FORWARD,
        _CPP,
        CONTRACT_VERSION,
    ),
    KernelSpec(
        "norse::lif_adex_recurrent_backward",
        "cpu",
        recurrent_adex.LIF_ADEX_BACKWARD,
        _CPP,
        CONTRACT_VERSION,
    ),
]
"""The core's own CPU kernels, registered through ``norse_register_kernels``.

``norse::lsnn_sequence`` and its backward have no C++ kernel: the PyTorch reference serves
them on the CPU. Every other device type is served by the PyTorch reference unless a plugin
(``norse-cuda``) registers a kernel for it.
"""
