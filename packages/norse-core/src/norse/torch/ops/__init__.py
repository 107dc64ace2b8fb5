"""Fused sequence ops: whole-sequence neuron dynamics with a hand-written backward.

A sequence module does not have to loop in Python with autograd recording every
elementwise op. The ops here run a neuron model over all ``T`` steps of a ``(T, B, ...)``
input in one call, save only the pre-reset voltages, and backpropagate through time by hand
with the surrogate derivative. They are ``torch.library`` custom ops (``norse::*``), so
``torch.compile(fullgraph=True)`` treats each as one node, and device kernels registered
through the ``norse_register_kernels`` hook replace the reference implementation
(:mod:`norse.torch.ops._registry`; ``NORSE_KERNELS=reference`` forces the reference).
"""

from norse.torch.ops._registry import KERNELS_ENV, OPS, KernelChoice, kernel_table, select
from norse.torch.ops.sequence import RESETS, leaky_sequence

__all__ = [
    "KERNELS_ENV",
    "OPS",
    "RESETS",
    "KernelChoice",
    "kernel_table",
    "leaky_sequence",
    "select",
]
