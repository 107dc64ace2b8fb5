"""Triton kernels for the core's fused leaky op (``norse::leaky_sequence`` and its backward).

The recursion, its adjoint and the signatures are the kernel contract of
:mod:`norse.torch.ops.contract` (version 1); with ``S`` the
shape of one step, flattened to ``N`` neurons, and coefficients of shape ``S``::

    d_t = x_t                 or   d_t = i_{t-1} + x_t,  i_t = r d_t    (with a current)
    u_t = p v_{t-1} + q d_t + o ;  z_t = H(u_t - v_th)
    v_t = u_t - z_t (u_t - v_reset)   (reset to value)   or   v_t = u_t - z_t v_th (subtract)

Each program owns a block of neurons (one per thread) and loops over all ``T`` steps with
the state in registers. Time is read in tiles of :data:`_CHUNK` steps: the loads of the next
tile are issued before the current tile is computed, so that many steps' reads are in flight
at once (one step at a time would leave the loop waiting on memory latency, not bandwidth);
a thread holds whole rows of a tile, so picking out a step costs no shared memory. The
forward reads the ``(T, N)`` input once and saves only the pre-reset voltage ``u``; the
backward walks time in reverse, recomputes ``z``, the surrogate derivative and ``v_{t-1}``
from ``u``, and keeps the parameter gradients in registers until the end. The operations
round as the reference's do (``p v`` is added with one fused multiply-add, as ``addcmul``
does; no other contraction), so that on a GPU the kernel's voltages should match the
reference bit for bit in the common case; Triton's CPU interpreter emulates the fused
multiply-add with two roundings, which may differ in the last bit. Arithmetic runs in
float32 for float16 and bfloat16 inputs (float64 stays float64); the spike of a step is
decided on ``u`` as stored, so that forward and backward agree on it.

Coefficients that hold one value for every neuron (for example a scalar expanded to the step
shape) are read from a single element; any other coefficient is made contiguous. The
backward evaluates the surrogate derivative inline from the surrogate's expression (kernel
contract 1.1: :func:`surrogate_function` generates a Triton function from the expression's
text, the one definition the core's PyTorch and C++ forms come from too); for a surrogate
without an expression it reads the derivative ``s`` of every step, which the core computes
with the registered surrogate, so every surrogate (a plugin's included) runs here.

:func:`leaky_forward` and :func:`leaky_backward` have the signatures and results of the
reference functions. Under ``TRITON_INTERPRET=1`` (set before triton is imported) they run
on CPU tensors, which is how they are tested without a GPU.
"""

from __future__ import annotations

import functools
import linecache

import torch
import triton
import triton.language as tl
from torch import Tensor

from norse.torch.functional.surrogate_expression import render
from norse.torch.ops import contract

__all__ = ["leaky_backward", "leaky_forward", "surrogate_function"]

_FUNCTIONS = {
    "abs": "tl.abs({0})",
    "exp": "tl.exp({0})",
    "tanh": "(2.0 * tl.sigmoid(2.0 * ({0})) - 1.0)",
    "sigmoid": "tl.sigmoid({0})",
    "sqrt": "tl.sqrt({0})",
    "relu": "tl.maximum({0}, 0.0)",
    "square": "({0}) * ({0})",
}
"""How the functions of a surrogate expression are written in Triton."""


def _number(value: float) -> str:
    """A constant: a plain literal where float32 holds it exactly, else one in ``x``'s dtype
    (a Triton float literal is float32, which would round it for a float64 kernel)."""
    if float(torch.tensor(value, dtype=torch.float32)) == value:
        return repr(value)
    return f"tl.full([], {value!r}, x.dtype)"


@functools.lru_cache(maxsize=64)
def surrogate_function(expression: str) -> triton.JITFunction:
    """A ``@triton.jit`` function ``f(x, alpha)`` of the surrogate ``expression``.

    Generated from the expression's text (:func:`norse.torch.functional.surrogate_expression.render`)
    and registered with :mod:`linecache`, where Triton reads a function's source.
    """
    body = render(expression, _FUNCTIONS, number=_number)
    source = (
        "import triton\nimport triton.language as tl\n\n\n@triton.jit\n"
        f"def surrogate(x, alpha):\n    return {body}\n"
    )
    filename = f"<norse_cuda surrogate {expression}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["surrogate"]


_CHUNK = 8
"""Time steps per tile: the loads of a whole chunk are in flight while the previous is computed."""

_STEP_ARGS = ("v0", "i0", "p", "q", "o", "r", "v_th", "v_reset")
_PARAMS = ("p", "q", "o", "r", "v_th", "v_reset")


@triton.jit
def _load_step(ptr, offs, stride, mask, COMPUTE: tl.constexpr):
    """One step tensor (``stride`` 1) or one value broadcast to every neuron (``stride`` 0)."""
    return tl.load(ptr + offs * stride, mask=mask, other=0.0).to(COMPUTE)


@triton.jit
def _column(tile, cols, j: tl.constexpr):
    """Column ``j`` of a ``(BLOCK, CHUNK)`` tile, exactly (each thread holds whole rows)."""
    return tl.sum(tl.where(cols[None, :] == j, tile, 0.0), axis=1)


@triton.jit
def _forward_kernel(
    x_ptr,
    out_ptr,
    u_ptr,
    v_ptr,
    i_ptr,
    v0_ptr,
    i0_ptr,
    p_ptr,
    q_ptr,
    o_ptr,
    r_ptr,
    th_ptr,
    rs_ptr,
    s_v0,
    s_i0,
    s_p,
    s_q,
    s_o,
    s_r,
    s_th,
    s_rs,
    steps,
    n,
    CURRENT: tl.constexpr,
    SPIKING: tl.constexpr,
    SUBTRACT: tl.constexpr,
    COMPUTE: tl.constexpr,
    BLOCK: tl.constexpr,
    CHUNK: tl.constexpr,
):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    cols = tl.arange(0, CHUNK)
    tile = offs[:, None] + cols[None, :] * n
    v = _load_step(v0_ptr, offs, s_v0, mask, COMPUTE)
    p = _load_step(p_ptr, offs, s_p, mask, COMPUTE)
    q = _load_step(q_ptr, offs, s_q, mask, COMPUTE)
    o = _load_step(o_ptr, offs, s_o, mask, COMPUTE)
    th = _load_step(th_ptr, offs, s_th, mask, COMPUTE)
    rs = _load_step(rs_ptr, offs, s_rs, mask, COMPUTE)
    if CURRENT:
        i = _load_step(i0_ptr, offs, s_i0, mask, COMPUTE)
        r = _load_step(r_ptr, offs, s_r, mask, COMPUTE)
    out_ptrs = out_ptr + offs
    u_ptrs = u_ptr + offs
    # Steps [c, c + CHUNK) are loaded as one tile while the previous chunk is computed.
    x_base = x_ptr
    x_next = tl.load(x_base + tile, mask=mask[:, None] & (cols[None, :] < steps), other=0.0)
    for c in range(0, steps, CHUNK):
        x_tile = x_next.to(COMPUTE)
        x_base += CHUNK * n
        live_next = cols[None, :] + (c + CHUNK) < steps
        x_next = tl.load(x_base + tile, mask=mask[:, None] & live_next, other=0.0)
        for j in tl.static_range(CHUNK):
            live = c + j < steps
            d = _column(x_tile, cols, j)
            if CURRENT:
                d = i + d
                i = tl.where(live, d * r, i)
                uu = tl.fma(p, v, q * d) + o
            else:
                uu = tl.fma(p, v, q * d + o)
            stored = uu.to(out_ptr.dtype.element_ty)
            if SPIKING:
                spiked = stored.to(COMPUTE) > th
                z = tl.where(spiked, 1.0, 0.0)
                tl.store(u_ptrs, stored, mask=mask & live)
                tl.store(out_ptrs, z.to(out_ptr.dtype.element_ty), mask=mask & live)
                if SUBTRACT:
                    v_new = tl.where(spiked, uu - th, uu)
                else:
                    v_new = tl.where(spiked, rs + 0.0 * uu, uu)  # u = +inf leaves NaN
                u_ptrs += n
            else:
                tl.store(out_ptrs, stored, mask=mask & live)
                v_new = uu
            v = tl.where(live, v_new, v)
            out_ptrs += n
    tl.store(v_ptr + offs, v.to(v_ptr.dtype.element_ty), mask=mask)
    if CURRENT:
        tl.store(i_ptr + offs, i.to(i_ptr.dtype.element_ty), mask=mask)


@triton.jit
def _currents_kernel(
    x_ptr,
    d_ptr,
    i0_ptr,
    r_ptr,
    s_i0,
    s_r,
    steps,
    n,
    COMPUTE: tl.constexpr,
    BLOCK: tl.constexpr,
    CHUNK: tl.constexpr,
):
    """Recompute the post-jump currents ``d_t = i_{t-1} + x_t`` (stored in ``COMPUTE``)."""
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    cols = tl.arange(0, CHUNK)
    tile = offs[:, None] + cols[None, :] * n
    i = _load_step(i0_ptr, offs, s_i0, mask, COMPUTE)
    r = _load_step(r_ptr, offs, s_r, mask, COMPUTE)
    d_ptrs = d_ptr + offs
    x_base = x_ptr
    x_next = tl.load(x_base + tile, mask=mask[:, None] & (cols[None, :] < steps), other=0.0)
    for c in range(0, steps, CHUNK):
        x_tile = x_next.to(COMPUTE)
        x_base += CHUNK * n
        live_next = cols[None, :] + (c + CHUNK) < steps
        x_next = tl.load(x_base + tile, mask=mask[:, None] & live_next, other=0.0)
        for j in tl.static_range(CHUNK):
            d = i + _column(x_tile, cols, j)
            tl.store(d_ptrs, d, mask=mask & (c + j < steps))
            i = d * r
            d_ptrs += n


@triton.jit
def _backward_kernel(
    g_out_ptr,
    u_ptr,
    s_ptr,
    d_ptr,
    gx_ptr,
    gv_ptr,
    gi_ptr,
    v0_ptr,
    p_ptr,
    q_ptr,
    r_ptr,
    th_ptr,
    rs_ptr,
    gp_ptr,
    gq_ptr,
    go_ptr,
    gr_ptr,
    gth_ptr,
    grs_ptr,
    alpha_ptr,
    s_v0,
    s_p,
    s_q,
    s_r,
    s_th,
    s_rs,
    first,
    last,
    steps,
    n,
    CURRENT: tl.constexpr,
    SPIKING: tl.constexpr,
    SUBTRACT: tl.constexpr,
    HAS_S: tl.constexpr,
    SURROGATE: tl.constexpr,
    INLINE: tl.constexpr,
    HAS_G_OUT: tl.constexpr,
    NEED_X: tl.constexpr,
    NEED_P: tl.constexpr,
    NEED_Q: tl.constexpr,
    NEED_O: tl.constexpr,
    NEED_R: tl.constexpr,
    NEED_TH: tl.constexpr,
    NEED_RS: tl.constexpr,
    COMPUTE: tl.constexpr,
    BLOCK: tl.constexpr,
    CHUNK: tl.constexpr,
):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    cols = tl.arange(0, CHUNK)
    tile = offs[:, None] + cols[None, :] * n
    p = _load_step(p_ptr, offs, s_p, mask, COMPUTE)
    q = _load_step(q_ptr, offs, s_q, mask, COMPUTE)
    th = _load_step(th_ptr, offs, s_th, mask, COMPUTE)
    rs = _load_step(rs_ptr, offs, s_rs, mask, COMPUTE)
    v0 = _load_step(v0_ptr, offs, s_v0, mask, COMPUTE)
    gv = tl.load(gv_ptr + offs, mask=mask, other=0.0).to(COMPUTE)
    if CURRENT:
        r = _load_step(r_ptr, offs, s_r, mask, COMPUTE)
        gi = tl.load(gi_ptr + offs, mask=mask, other=0.0).to(COMPUTE)
    zero = tl.zeros([BLOCK], COMPUTE)
    if INLINE:
        alpha = tl.load(alpha_ptr).to(COMPUTE)
    gp = zero
    gq = zero
    go = zero
    gr = zero
    gth = zero
    grs = zero
    # Time runs backwards in chunks of steps [t0, t0 + CHUNK), t0 = steps - CHUNK - c; each
    # stream's tile for the next (earlier) chunk is loaded while the current one is computed.
    # ``first`` is the offset of step steps - CHUNK (negative rows are masked), ``last`` that
    # of step steps - 1.
    u_base = u_ptr + first
    s_base = s_ptr + first
    g_base = g_out_ptr + first
    d_base = d_ptr + first
    gx_ptrs = gx_ptr + last + offs
    rows = mask[:, None] & (cols[None, :] + (steps - CHUNK) >= 0)
    u_next = tl.load(u_base + tile, mask=rows, other=0.0)
    if HAS_S:
        s_next = tl.load(s_base + tile, mask=rows, other=0.0)
    if HAS_G_OUT:
        g_next = tl.load(g_base + tile, mask=rows, other=0.0)
    if NEED_Q or NEED_R:
        d_next = tl.load(d_base + tile, mask=rows, other=0.0)
    for c in range(0, steps, CHUNK):
        t0 = steps - CHUNK - c
        rows = mask[:, None] & (cols[None, :] + (t0 - CHUNK) >= 0)
        u_tile = u_next.to(COMPUTE)
        u_base -= CHUNK * n
        u_next = tl.load(u_base + tile, mask=rows, other=0.0)
        if HAS_S:
            s_tile = s_next.to(COMPUTE)
            s_base -= CHUNK * n
            s_next = tl.load(s_base + tile, mask=rows, other=0.0)
        if HAS_G_OUT:
            g_tile = g_next.to(COMPUTE)
            g_base -= CHUNK * n
            g_next = tl.load(g_base + tile, mask=rows, other=0.0)
        if NEED_Q or NEED_R:
            d_tile = d_next.to(COMPUTE)
            d_base -= CHUNK * n
            d_next = tl.load(d_base + tile, mask=rows, other=0.0)
        for j in tl.static_range(CHUNK - 1, -1, -1):
            t = t0 + j
            live = t >= 0
            uu = _column(u_tile, cols, j)
            g_o = zero
            if HAS_G_OUT:
                g_o = _column(g_tile, cols, j)
            if SPIKING:
                s = zero
                if INLINE:
                    s = zero + SURROGATE(uu - th, alpha)  # a constant expression broadcasts
                elif HAS_S:
                    s = _column(s_tile, cols, j)
                spiked = uu > th
                if SUBTRACT:
                    gz = g_o - gv * th
                    gu = gv + gz * s
                    if NEED_TH:
                        gth -= tl.where(live, tl.where(spiked, gv, zero) + gz * s, zero)
                else:
                    gz = g_o + gv * (rs - uu)
                    gu = tl.where(spiked, zero, gv) + gz * s
                    if NEED_TH:
                        gth -= tl.where(live, gz * s, zero)
                    if NEED_RS:
                        grs += tl.where(live & spiked, gv, zero)
            else:
                gu = gv + g_o
            gu = tl.where(live, gu, zero)
            if NEED_P:
                if j > 0:
                    u_prev = _column(u_tile, cols, j - 1)
                else:
                    u_prev = _column(u_next.to(COMPUTE), cols, CHUNK - 1)
                if SPIKING:
                    if SUBTRACT:
                        v_prev = tl.where(u_prev > th, u_prev - th, u_prev)
                    else:
                        v_prev = tl.where(u_prev > th, rs, u_prev)
                else:
                    v_prev = u_prev
                v_prev = tl.where(t > 0, v_prev, v0)
                gp += gu * v_prev
            if NEED_O:
                go += gu
            if NEED_Q or NEED_R:
                dd = _column(d_tile, cols, j)
            if NEED_Q:
                gq += gu * dd
            if CURRENT:
                if NEED_R:
                    gr += gi * dd
                gi = tl.where(live, gi * r + gu * q, gi)
                gx = gi
            else:
                gx = q * gu
            if NEED_X:
                tl.store(gx_ptrs, gx.to(gx_ptr.dtype.element_ty), mask=mask & live)
            gx_ptrs -= n
            gv = tl.where(live, p * gu, gv)
    tl.store(gv_ptr + offs, gv.to(gv_ptr.dtype.element_ty), mask=mask)
    if CURRENT:
        tl.store(gi_ptr + offs, gi.to(gi_ptr.dtype.element_ty), mask=mask)
    if NEED_P:
        tl.store(gp_ptr + offs, gp.to(gp_ptr.dtype.element_ty), mask=mask)
    if NEED_Q:
        tl.store(gq_ptr + offs, gq.to(gq_ptr.dtype.element_ty), mask=mask)
    if NEED_O:
        tl.store(go_ptr + offs, go.to(go_ptr.dtype.element_ty), mask=mask)
    if NEED_R:
        tl.store(gr_ptr + offs, gr.to(gr_ptr.dtype.element_ty), mask=mask)
    if NEED_TH:
        tl.store(gth_ptr + offs, gth.to(gth_ptr.dtype.element_ty), mask=mask)
    if NEED_RS:
        tl.store(grs_ptr + offs, grs.to(grs_ptr.dtype.element_ty), mask=mask)


def _compute_dtype(dtype: torch.dtype) -> tl.dtype:
    if dtype == torch.float64:
        return tl.float64
    if dtype in (torch.float32, torch.float16, torch.bfloat16):
        return tl.float32
    raise TypeError(f"x must be float16, bfloat16, float32 or float64, got {dtype}")


def _warps(block: int) -> int:
    """One neuron per thread."""
    return max(1, block // 32)


def _block(n: int, device: torch.device) -> int:
    """Neurons per program: enough programs to fill the device, at least one warp each."""
    if device.type != "cuda":
        return max(16, min(128, triton.next_power_of_2(max(n, 1))))
    sms = torch.cuda.get_device_properties(device).multi_processor_count
    return max(32, min(256, triton.next_power_of_2(triton.cdiv(n, 4 * sms))))


def _step_arg(name: str, t: Tensor, shape: torch.Size) -> tuple[Tensor, int]:
    """``t`` as ``(flat tensor, stride)``: one element with stride 0 if it holds one value."""
    if t.shape != shape:
        raise ValueError(f"{name} must have the step shape {tuple(shape)}, got {tuple(t.shape)}")
    if t.numel() > 0 and all(s == 0 or n == 1 for s, n in zip(t.stride(), t.shape)):
        return t.as_strided((1,), (1,)), 0
    return t.contiguous().view(-1), 1


def _check(x: Tensor, step_args: dict[str, Tensor | None]) -> torch.Size:
    if x.dim() < 1:
        raise ValueError(f"x must have shape (T, ...), got {tuple(x.shape)}")
    _compute_dtype(x.dtype)
    for name, t in step_args.items():
        if t is not None and t.device != x.device:
            raise ValueError(f"{name} must be on {x.device}, got {t.device}")
    if x.shape[1:].numel() * _CHUNK >= 2**31:
        raise ValueError(
            f"at most {2**31 // _CHUNK - 1} neurons per step are supported (int32 offsets "
            f"within a tile), got {x.shape[1:].numel()}"
        )
    return x.shape[1:]


def leaky_forward(
    x: Tensor,
    v0: Tensor,
    i0: Tensor | None,
    p: Tensor,
    q: Tensor,
    o: Tensor,
    r: Tensor | None,
    v_th: Tensor,
    v_reset: Tensor,
    spiking: bool,
    subtract: bool,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Run the leaky recursion over ``x`` of shape ``(T, *S)`` with the Triton forward kernel.

    Same arguments and results as :func:`norse.torch.ops.contract.leaky_forward`:
    ``(out, u, v_T, i_T)``, ``u`` empty for non-spiking models, ``i_T`` empty without a
    current. Step tensors have shape ``S`` and may be expanded views.
    """
    values = dict(zip(_STEP_ARGS, (v0, i0, p, q, o, r, v_th, v_reset)))
    shape = _check(x, values)
    if (i0 is None) != (r is None):
        raise ValueError("i0 and r must both be tensors (a current) or both be None")
    current = i0 is not None
    flat = {
        name: _step_arg(name, t, shape) if t is not None else (x, 0) for name, t in values.items()
    }
    steps = x.shape[0]
    n = shape.numel()
    xs = x.contiguous()
    out = torch.empty_like(xs)
    u = torch.empty_like(xs) if spiking else x.new_empty(0)
    v = torch.empty(shape, dtype=x.dtype, device=x.device)
    i = torch.empty(shape, dtype=x.dtype, device=x.device) if current else x.new_empty(0)
    if n == 0:
        return out, u, v, i
    block = _block(n, x.device)
    _forward_kernel[(triton.cdiv(n, block),)](
        xs,
        out,
        u if spiking else out,
        v,
        i if current else v,
        *(flat[name][0] for name in _STEP_ARGS),
        *(flat[name][1] for name in _STEP_ARGS),
        steps,
        n,
        CURRENT=current,
        SPIKING=spiking,
        SUBTRACT=subtract,
        COMPUTE=_compute_dtype(x.dtype),
        BLOCK=block,
        CHUNK=_CHUNK,
        num_warps=_warps(block),
        enable_fp_fusion=False,
    )
    return out, u, v, i


def _currents(x: Tensor, i0: tuple[Tensor, int], r: tuple[Tensor, int], n: int) -> Tensor:
    """The post-jump currents ``d`` of shape ``(T, N)``, in the compute dtype."""
    compute = _compute_dtype(x.dtype)
    d = torch.empty(
        x.shape, dtype=torch.float64 if compute == tl.float64 else torch.float32, device=x.device
    )
    block = _block(n, x.device)
    _currents_kernel[(triton.cdiv(n, block),)](
        x.contiguous(),
        d,
        i0[0],
        r[0],
        i0[1],
        r[1],
        x.shape[0],
        n,
        COMPUTE=compute,
        BLOCK=block,
        CHUNK=_CHUNK,
        num_warps=_warps(block),
        enable_fp_fusion=False,
    )
    return d


def leaky_backward(
    g_out: Tensor | None,
    g_v: Tensor | None,
    g_i: Tensor | None,
    x: Tensor | None,
    u: Tensor,
    v0: Tensor,
    i0: Tensor | None,
    p: Tensor,
    q: Tensor,
    r: Tensor | None,
    v_th: Tensor,
    v_reset: Tensor,
    s: Tensor | None,
    spiking: bool,
    subtract: bool,
    needs: list[bool],
    surrogate: contract.Surrogate | None = None,
) -> list[Tensor | None]:
    """Backpropagate through the leaky recursion with the Triton backward kernel.

    Same arguments and results as :func:`norse.torch.ops.contract.leaky_backward`: one
    gradient per name in ``LEAKY_GRAD_NAMES`` (``x``: shape ``(T, *S)``; the others: ``S``),
    None where ``needs`` is False. ``surrogate`` (contract 1.1) is evaluated inline from its
    expression; otherwise ``s`` is the surrogate derivative of every step (None: 0).
    """
    names = contract.LEAKY_GRAD_NAMES
    if len(needs) != len(names):
        raise ValueError(f"needs must have {len(names)} entries, got {len(needs)}")
    need = dict(zip(names, needs))
    current = i0 is not None
    values = {"v0": v0, "i0": i0, "p": p, "q": q, "r": r, "v_th": v_th, "v_reset": v_reset}
    shape = _check(u, values)
    flat = {
        name: _step_arg(name, t, shape) if t is not None else (u, 0) for name, t in values.items()
    }
    steps = u.shape[0]
    n = shape.numel()
    need_q = need["q"]
    need_r = current and need["r"]
    if (need_q or need_r) and x is None:
        raise ValueError("x is required when the gradient of q or r is needed")
    d = u
    if need_q or need_r:
        d = _currents(x, flat["i0"], flat["r"], n) if current else x.contiguous()
    grad_shape = {"dtype": u.dtype, "device": u.device}
    gv = g_v.clone() if g_v is not None else torch.zeros(shape, **grad_shape)
    gi = None
    if current:
        gi = g_i.clone() if g_i is not None else torch.zeros(shape, **grad_shape)
    gx = torch.empty_like(u) if need["x"] else u.new_empty(0)
    # Zeros where the kernel writes nothing (e.g. v_reset under subtraction).
    grads = {name: torch.zeros(shape, **grad_shape) for name in _PARAMS if need[name]}
    if n > 0:
        inline = spiking and surrogate is not None
        has_s = spiking and s is not None and not inline
        alpha = torch.full((1,), surrogate.alpha if inline else 0.0, dtype=torch.float64)
        g_out_c = g_out.contiguous() if g_out is not None else u
        block = _block(n, u.device)
        _backward_kernel[(triton.cdiv(n, block),)](
            g_out_c,
            u.contiguous(),
            s.contiguous() if has_s else u,
            d,
            gx if need["x"] else u,
            gv,
            gi if current else gv,
            flat["v0"][0],
            flat["p"][0],
            flat["q"][0],
            flat["r"][0],
            flat["v_th"][0],
            flat["v_reset"][0],
            *(grads.get(name, gv) for name in _PARAMS),
            alpha.to(u.device),
            *(flat[name][1] for name in ("v0", "p", "q", "r", "v_th", "v_reset")),
            (steps - _CHUNK) * n,
            max(steps - 1, 0) * n,
            steps,
            n,
            CURRENT=current,
            SPIKING=spiking,
            SUBTRACT=subtract,
            HAS_S=has_s,
            SURROGATE=surrogate_function(surrogate.expression if inline else "1"),
            INLINE=inline,
            HAS_G_OUT=g_out is not None,
            NEED_X=need["x"],
            NEED_P=need["p"],
            NEED_Q=need_q,
            NEED_O=need["o"],
            NEED_R=need_r,
            NEED_TH=spiking and need["v_th"],
            NEED_RS=spiking and not subtract and need["v_reset"],
            COMPUTE=_compute_dtype(u.dtype),
            BLOCK=block,
            CHUNK=_CHUNK,
            num_warps=_warps(block),
            enable_fp_fusion=False,
        )
    result: dict[str, Tensor | None] = {"x": gx, "v0": gv, "i0": gi, **grads}
    return [result.get(name) if need[name] else None for name in names]
