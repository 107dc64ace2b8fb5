"""Neuron models on the fused leaky op: coefficients from parameters, with fallback.

Each supported feed-forward step function maps onto ``norse::leaky_sequence`` (equations in
:mod:`norse.torch.ops._reference`) through coefficients computed from its parameters with
ordinary autograd, so gradients reach trainable time constants and voltages:

=======================  =============================  ==================  ==========
step function            ``p``, ``q``, ``o``            ``r``               output
=======================  =============================  ==================  ==========
``lif_*`` euler          ``1 - a``, ``a``, ``a v_leak``  ``1 - dt tau_syn``  spikes
``lif_*`` exact          ``e``, ``c``, ``(1 - e) v_leak`` ``exp(-dt tau_syn)`` spikes
``lif_box_*``            ``1 - k``, ``k``, ``k v_leak``  (no current)        spikes
``li_*``                 as ``lif_*``                   as ``lif_*``        voltage
``li_box_*``             as ``lif_box_*``               (no current)        voltage
``iaf_*``                ``1``, ``1``, ``0``            (no current)        spikes
=======================  =============================  ==================  ==========

with ``a = dt tau_mem_inv``, ``e = exp(-dt tau_mem_inv)``, ``c`` the exact current-to-voltage
factor and ``k`` = ``a`` (euler) or ``1 - e`` (exact). Results equal the step loop's up to
floating-point rounding (the same spikes; voltages to a few ulp, as the products are grouped
differently).

``lsnn_feed_forward_step`` maps onto ``norse::lsnn_sequence`` through
:func:`norse.torch.ops.lsnn.lsnn_sequence`, which evaluates the step's own expressions: its
spikes and states are bitwise the step loop's.

:func:`fused_sequence` returns None when the fused op cannot reproduce the step loop, and
the caller then loops: an unknown step function, a reset method other than
``reset_value``/``reset_subtract``, a trainable ``alpha``, sparse inputs, or parameter or
state tensors of another dtype or device than the input (the loop's type promotion then
decides the result's dtype: a float64 state gives float64 results).

Non-finite values (an infinite or NaN input, state or coefficient) are also left to the step
loop, whose arithmetic decides what they become (an infinite current turns NaN under Euler
integration; a reset of an infinite voltage gives NaN): the fused op never lets a non-finite
value vanish from the state (see :mod:`norse.torch.ops.contract`), so a non-finite final state
reveals them, and the sequence is then run again by the loop. Under ``torch.compile`` that
check (a data-dependent branch) is skipped and the fused result stands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from norse.torch.functional import _integration as integ
from norse.torch.functional.iaf import IAFFeedForwardState, iaf_feed_forward_step
from norse.torch.functional.leaky_integrator import LIState, li_feed_forward_step
from norse.torch.functional.leaky_integrator_box import LIBoxState, li_box_feed_forward_step
from norse.torch.functional.lif import LIFFeedForwardState, lif_feed_forward_step
from norse.torch.functional.lif_box import LIFBoxFeedForwardState, lif_box_feed_forward_step
from norse.torch.functional.lsnn import LSNNFeedForwardState, lsnn_feed_forward_step
from norse.torch.functional.reset import reset_subtract, reset_value
from norse.torch.ops.lsnn import lsnn_sequence
from norse.torch.ops.sequence import leaky_sequence

__all__ = ["fused_sequence", "supports"]

_RESETS = {reset_value: "value", reset_subtract: "subtract"}


def _membrane(p: Any, dt: float) -> tuple[Any, Any, Any]:
    """``(p, q, o)`` of a current-free membrane (LIFBox, LIBox)."""
    k = integ.approach_factor(p.tau_mem_inv, dt, p.integrator)
    return 1 - k, k, k * p.v_leak


def _current_membrane(p: Any, dt: float) -> tuple[Any, Any, Any, Any]:
    """``(p, q, o, r)`` of a current-driven membrane (LIF, LI)."""
    if p.integrator == "euler":
        a = dt * p.tau_mem_inv
        return 1 - a, a, a * p.v_leak, 1 - dt * p.tau_syn_inv
    e = integ.decay_factor(p.tau_mem_inv, dt, "exact")
    c = integ.current_to_voltage_factor(p.tau_mem_inv, p.tau_syn_inv, dt, "exact")
    return e, c, (1 - e) * p.v_leak, integ.decay_factor(p.tau_syn_inv, dt, "exact")


def _spiking(p: Any) -> dict[str, Any]:
    return {
        "v_th": p.v_th,
        "v_reset": p.v_reset,
        "reset": _RESETS[p.reset_method],
        "method": p.method,
        "alpha": p.alpha,
    }


def _lif(x: Tensor, s: LIFFeedForwardState, p: Any, dt: float):
    pp, q, o, r = _current_membrane(p, dt)
    z, v, i = leaky_sequence(x, s.v, s.i, p=pp, q=q, o=o, r=r, **_spiking(p))
    return z, LIFFeedForwardState(v=v, i=i)


def _lif_box(x: Tensor, s: LIFBoxFeedForwardState, p: Any, dt: float):
    pp, q, o = _membrane(p, dt)
    z, v, _ = leaky_sequence(x, s.v, None, p=pp, q=q, o=o, **_spiking(p))
    return z, LIFBoxFeedForwardState(v=v)


def _iaf(x: Tensor, s: IAFFeedForwardState, p: Any, dt: float):
    z, v, _ = leaky_sequence(x, s.v, None, p=1.0, q=1.0, o=0.0, **_spiking(p))
    return z, IAFFeedForwardState(v=v)


def _li(x: Tensor, s: LIState, p: Any, dt: float):
    pp, q, o, r = _current_membrane(p, dt)
    out, v, i = leaky_sequence(x, s.v, s.i, p=pp, q=q, o=o, r=r, spiking=False)
    return out, LIState(v=v, i=i)


def _li_box(x: Tensor, s: LIBoxState, p: Any, dt: float):
    pp, q, o = _membrane(p, dt)
    out, v, _ = leaky_sequence(x, s.v, None, p=pp, q=q, o=o, spiking=False)
    return out, LIBoxState(v=v)


def _lsnn(x: Tensor, s: LSNNFeedForwardState, p: Any, dt: float):
    integ.check_integrator(p.integrator, "LSNNParameters")
    z, v, i, b = lsnn_sequence(
        x,
        s.v,
        s.i,
        s.b,
        tau_syn_inv=p.tau_syn_inv,
        tau_mem_inv=p.tau_mem_inv,
        tau_adapt_inv=p.tau_adapt_inv,
        v_leak=p.v_leak,
        beta=p.beta,
        dt=dt,
        integrator=p.integrator,
        **_spiking(p),
    )
    return z, LSNNFeedForwardState(v=v, i=i, b=b)


_FUSED: dict[Callable[..., Any], Callable[..., Any]] = {
    lif_feed_forward_step: _lif,
    lif_box_feed_forward_step: _lif_box,
    iaf_feed_forward_step: _iaf,
    li_feed_forward_step: _li,
    li_box_feed_forward_step: _li_box,
    lsnn_feed_forward_step: _lsnn,
}


def supports(step: Callable[..., Any], input_tensor: Tensor, p: Any) -> bool:
    """Whether :func:`fused_sequence` can run ``step`` with parameters ``p`` on the input."""
    if step not in _FUSED or input_tensor.is_sparse or input_tensor.dim() < 2:
        return False
    if hasattr(p, "reset_method") and p.reset_method not in _RESETS:
        return False
    if hasattr(p, "method") and not isinstance(p.method, str):
        return False
    alpha = getattr(p, "alpha", None)
    if isinstance(alpha, Tensor) and (alpha.requires_grad or alpha.numel() != 1):
        return False
    return all(
        value.dtype == input_tensor.dtype and value.device == input_tensor.device
        for value in p
        if isinstance(value, Tensor) and value.is_floating_point() and value is not alpha
    )


def fused_sequence(
    step: Callable[..., Any], input_tensor: Tensor, state: Any, p: Any, dt: float
) -> tuple[Tensor, Any] | None:
    """Run the sequence equivalent of ``step`` over ``input_tensor`` ``(T, B, ...)``.

    Returns ``(outputs, final_state)`` as the step loop would, or None when the fused op
    does not support this step function or these parameters (see the module docstring).
    """
    if not supports(step, input_tensor, p):
        return None
    if any(
        isinstance(t, Tensor) and (t.dtype != input_tensor.dtype or t.device != input_tensor.device)
        for t in state
    ):
        return None  # the loop promotes (a float64 state gives float64 results)
    result = _FUSED[step](input_tensor, state, p, dt)
    if not torch.compiler.is_compiling() and not all(
        bool(torch.isfinite(t).all()) for t in result[1] if isinstance(t, Tensor)
    ):
        return None  # a non-finite value: the step loop's own arithmetic decides (see above)
    return result
