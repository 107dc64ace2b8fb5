"""C++ CPU kernels of the fused recurrent ops, compiled on first use.

The sources are :data:`SOURCES` next to this file (``recurrent_cpp.cpp`` holds the shared
machinery and the LIF, LSNN and refractory LIF kernels; each further model has its own file),
compiled as one translation unit, so one extension serves every recurrent op. It is built by
:func:`norse.torch.ops._build.build_extension` the first time a recurrent op runs on the CPU
(about a minute on two cores; cached in torch's extension directory), with the flags of the
leaky kernels (:mod:`norse.torch.ops._cpp`). If it cannot be built, a
:class:`~norse.torch.ops._build.KernelFallbackWarning` says why, once, and the PyTorch
reference serves. Half-precision inputs are served by the reference.

The forward adds the outgoing weights of the spiking neurons (listed per batch row while
they are computed) while at most :data:`DENSE_ABOVE` of the previous step's spikes are
nonzero, and uses one dense product per step above it; the recurrent weight gradient is chosen
the same way over all stored spikes (``benchmarks/recurrent_crossover.py`` measures where
sparse and dense cost the same) and is formed inside the backward kernel, in cache-sized tiles
of columns. The backward's dense product per step (gradient times the recurrent weights) is a
register-blocked AVX2/FMA kernel on weights packed once per call, where the compiler targets
AVX2 and FMA, and a library product otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from norse.torch.ops import (
    _cpp,
    recurrent_coba_reference,
    recurrent_izhikevich_reference,
    recurrent_reference,
)
from norse.torch.ops._build import build_extension, extension_status

__all__ = ["DENSE_ABOVE", "SOURCES", "RecurrentCppKernel", "load", "status", "surrogate_values"]

DENSE_ABOVE = 0.2
"""Fraction of nonzero spikes above which the recurrent products are dense (measured with
``benchmarks/recurrent_crossover.py``; see ``docs/benchmarks.md``)."""


SOURCES = (
    "recurrent_cpp.cpp",
    "recurrent_coba.cpp",
    "recurrent_adex.cpp",
    "recurrent_izhikevich.cpp",
)
"""The C++ sources of the recurrent extension, concatenated in this order (the first defines
the helpers the others use)."""


@functools.cache
def _source() -> str:
    """:data:`SOURCES` concatenated, with the built-in surrogates' row functions generated from
    their expressions by the leaky kernel's generator (:mod:`norse.torch.ops._cpp`)."""
    here = Path(__file__).parent
    text = "\n".join((here / name).read_text(encoding="utf-8") for name in SOURCES)
    return text.replace("@SURROGATES@", _cpp._surrogate_source(_cpp.EXPRESSIONS))


_NAME = "norse_recurrent_cpu"
_FUNCTIONS = (
    "lif_recurrent_forward",
    "lif_recurrent_backward",
    "lsnn_recurrent_forward",
    "lsnn_recurrent_backward",
    "surrogate_values",
    "lif_refrac_recurrent_forward",
    "lif_refrac_recurrent_backward",
    "izhikevich_recurrent_forward",
    "izhikevich_recurrent_backward",
    "coba_lif_recurrent_forward",
    "coba_lif_recurrent_backward",
    "lif_adex_recurrent_forward",
    "lif_adex_recurrent_backward",
)


def load() -> Any:
    """The extension module, built on first use (None if it cannot be built; warned once)."""
    return build_extension(
        _NAME, _source(), _FUNCTIONS, flags=_cpp._FLAGS, description="Norse's recurrent CPU kernels"
    )


def status() -> tuple[bool, str]:
    """``(ok, reason)`` of the extension, without building it."""
    return extension_status(_NAME, _source(), _FUNCTIONS, flags=_cpp._FLAGS)


def surrogate_values(u: Tensor, threshold: Tensor, expression: str, alpha: float) -> Tensor | None:
    """``s(u_t - threshold_t; alpha)`` of every step of ``u`` ``(T, B, H)`` in one C++ pass.

    ``threshold`` has the step shape ``(B, H)`` or ``u``'s. The surrogate is the built-in
    one with ``expression`` (code generated from it, as for the leaky kernel,
    :data:`norse.torch.ops._cpp.EXPRESSIONS`). None where this cannot serve: another
    expression, a dtype other than float32/float64, or no extension (the caller then
    evaluates the registered derivative in PyTorch).
    """
    if expression not in _cpp.EXPRESSIONS or u.dtype not in (torch.float32, torch.float64):
        return None
    extension = load()
    if extension is None:
        return None
    th = threshold if threshold.shape == u.shape else threshold.expand(u.shape[1:])
    return extension.surrogate_values(u.contiguous(), th.contiguous(), expression, float(alpha))


class RecurrentCppKernel:
    """A registered CPU kernel that runs the C++ extension for float32/float64 tensors and
    the PyTorch reference otherwise. ``available()`` builds the extension on first call.

    Tensor arguments are made contiguous, except the first when ``strided_first`` (the
    backward's output gradient, often an expanded tensor, which the kernel reads step by
    step without copying it)."""

    def __init__(
        self,
        name: str,
        run: Callable[..., Any],
        reference: Callable[..., Any],
        strided_first: bool = False,
    ):
        self.__name__ = name
        self._run = run
        self._reference = reference
        self._strided_first = strided_first

    def available(self) -> tuple[bool, str]:
        """Whether the extension is built (building it on first call), and why not."""
        if load() is None:
            return status()
        return True, "compiled"

    def status(self) -> tuple[bool, str]:
        """Like :meth:`available`, but never builds."""
        return status()

    def __call__(self, *args: Any) -> Any:
        dtype = args[0].dtype
        if dtype not in (torch.float32, torch.float64):
            return self._reference(*args)
        first = args[0] if self._strided_first else args[0].contiguous()
        rest = (a.contiguous() if isinstance(a, Tensor) else a for a in args[1:])
        return self._run(first, *rest)


def _lif_forward(x, w, z0, v0, i0, p, q, o, r, v_th, v_reset, subtract, keep_current):
    args = (x, w, z0, v0, i0, p, q, o, r, v_th, v_reset, subtract, keep_current, DENSE_ABOVE)
    return tuple(load().lif_recurrent_forward(*args))


def _lif_backward(g_z, g_v, g_i, s, z, z0, w, p, q, r, subtract, need_w, need_parameters=True):
    args = (g_z, g_v, g_i, s, z, z0, w, p, q, r, subtract, need_w, need_parameters, DENSE_ABOVE)
    return tuple(load().lif_recurrent_backward(*args))


def _lsnn_forward(x, w, z0, v0, i0, b0, p, q, o, r, kb, kv, v_reset, beta, subtract, keep):
    args = (x, w, z0, v0, i0, b0, p, q, o, r, kb, kv, v_reset, beta, subtract, keep, DENSE_ABOVE)
    return tuple(load().lsnn_recurrent_forward(*args))


def _lsnn_backward(g_z, g_v, g_i, g_b, s, z, z0, w, p, q, r, kb, subtract, need_w, need_p=True):
    args = (g_z, g_v, g_i, g_b, s, z, z0, w, p, q, r, kb, subtract, need_w, need_p, DENSE_ABOVE)
    return tuple(load().lsnn_recurrent_backward(*args))


_R = recurrent_reference
LIF_FORWARD = RecurrentCppKernel(
    "lif_recurrent_forward_cpp", _lif_forward, _R.lif_recurrent_forward
)
"""The C++ forward of ``norse::lif_recurrent_sequence`` (CPU)."""
LIF_BACKWARD = RecurrentCppKernel(
    "lif_recurrent_backward_cpp", _lif_backward, _R.lif_recurrent_backward, strided_first=True
)
"""The C++ backward recursion of ``norse::lif_recurrent_sequence`` (CPU)."""
LSNN_FORWARD = RecurrentCppKernel(
    "lsnn_recurrent_forward_cpp", _lsnn_forward, _R.lsnn_recurrent_forward
)
"""The C++ forward of ``norse::lsnn_recurrent_sequence`` (CPU)."""
LSNN_BACKWARD = RecurrentCppKernel(
    "lsnn_recurrent_backward_cpp", _lsnn_backward, _R.lsnn_recurrent_backward, strided_first=True
)
"""The C++ backward recursion of ``norse::lsnn_recurrent_sequence`` (CPU)."""


def _lif_refrac_forward(x, w, z0, v0, i0, rho0, p, q, o, r, v_th, v_reset, rho_reset, sub, keep):
    args = (x, w, z0, v0, i0, rho0, p, q, o, r, v_th, v_reset, rho_reset, sub, keep, DENSE_ABOVE)
    return tuple(load().lif_refrac_recurrent_forward(*args))


def _lif_refrac_backward(
    g_z, g_v, g_i, g_rho, s, z, z0, rho, rho0, w, p, q, r, rr, sub, need_w, need_p=True
):
    args = (g_z, g_v, g_i, g_rho, s, z, z0, rho, rho0, w, p, q, r, rr, sub, need_w, need_p)
    return tuple(load().lif_refrac_recurrent_backward(*args, DENSE_ABOVE))


LIF_REFRAC_FORWARD = RecurrentCppKernel(
    "lif_refrac_recurrent_forward_cpp", _lif_refrac_forward, _R.lif_refrac_recurrent_forward
)
"""The C++ forward of ``norse::lif_refrac_recurrent_sequence`` (CPU)."""
LIF_REFRAC_BACKWARD = RecurrentCppKernel(
    "lif_refrac_recurrent_backward_cpp",
    _lif_refrac_backward,
    _R.lif_refrac_recurrent_backward,
    strided_first=True,
)
"""The C++ backward recursion of ``norse::lif_refrac_recurrent_sequence`` (CPU)."""


def _izhikevich_forward(x, w, z0, v0, u0, k, a, b, c, d, sq, mn, bias, v_th, keep):
    args = (x, w, z0, v0, u0, k, a, b, c, d, sq, mn, bias, v_th, keep, DENSE_ABOVE)
    return tuple(load().izhikevich_recurrent_forward(*args))


def _izhikevich_backward(g_z, g_v, g_u, s, z, vp, z0, v0, w, k, a, b, c, d, sq, mn, need_w):
    args = (g_z, g_v, g_u, s, z, vp, z0, v0, w, k, a, b, c, d, sq, mn, need_w, DENSE_ABOVE)
    return tuple(load().izhikevich_recurrent_backward(*args))


IZHIKEVICH_FORWARD = RecurrentCppKernel(
    "izhikevich_recurrent_forward_cpp",
    _izhikevich_forward,
    recurrent_izhikevich_reference.izhikevich_recurrent_forward,
)
"""The C++ forward of ``norse::izhikevich_recurrent_sequence`` (CPU)."""
IZHIKEVICH_BACKWARD = RecurrentCppKernel(
    "izhikevich_recurrent_backward_cpp",
    _izhikevich_backward,
    recurrent_izhikevich_reference.izhikevich_recurrent_backward,
    strided_first=True,
)
"""The C++ backward recursion of ``norse::izhikevich_recurrent_sequence`` (CPU)."""


def _coba_forward(xe, xi, we, wi, z0, v0, ge0, gi0, de, di, k, gl, vr, ee, ei, th, rs, sub, keep):
    args = (xe, xi, we, wi, z0, v0, ge0, gi0, de, di, k, gl, vr, ee, ei, th, rs, sub, keep)
    return tuple(load().coba_lif_recurrent_forward(*args, DENSE_ABOVE))


def _coba_backward(*args):
    return tuple(load().coba_lif_recurrent_backward(*args, DENSE_ABOVE))


COBA_LIF_FORWARD = RecurrentCppKernel(
    "coba_lif_recurrent_forward_cpp",
    _coba_forward,
    recurrent_coba_reference.coba_lif_recurrent_forward,
)
"""The C++ forward of ``norse::coba_lif_recurrent_sequence`` (CPU)."""
COBA_LIF_BACKWARD = RecurrentCppKernel(
    "coba_lif_recurrent_backward_cpp",
    _coba_backward,
    recurrent_coba_reference.coba_lif_recurrent_backward,
    strided_first=True,
)
"""The C++ backward recursion of ``norse::coba_lif_recurrent_sequence`` (CPU)."""
