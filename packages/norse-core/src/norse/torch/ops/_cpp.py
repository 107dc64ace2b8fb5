"""Optional C++ CPU kernels for the fused leaky op, compiled on first use.

The kernels are built by :func:`norse.torch.ops._build.build_extension` the first time a
fused op runs on the CPU (about a minute on two cores, announced on stderr; cached afterwards
in torch's extension directory, ``TORCH_EXTENSIONS_DIR``, or built ahead of time with
``norse kernels build``). Installing norse-core never needs a compiler: if none is found, the
build fails or the cache is read-only without a prebuilt kernel, a
:class:`~norse.torch.ops._build.KernelFallbackWarning` says why, once, and the reference
PyTorch kernels serve (:func:`norse.torch.ops.kernel_table` shows the reason too).

Each neuron is independent, so the kernels split the neurons of a step across threads
(``at::parallel_for``) and run the time loop for a tile of neurons at a time (its state stays
in the L2 cache), reading every input once; a step updates the tile a block at a time (the
block's coefficients stay in the L1 cache). The loops over a block are
straight-line code, specialised at compile time for the model (synaptic current or not,
spiking or not, reset by value or subtraction), and vectorised for the CPU that compiles
them (``-march=native`` where the compiler accepts it). The backward evaluates the surrogate
derivative inline, one row of a block at a time, with code generated from the surrogates'
expressions (:data:`EXPRESSIONS`, rendered by
:func:`norse.torch.functional.surrogate_expression.render`; selected by expression text); a
surrogate's ``exp`` and ``tanh`` use a vectorisable ``exp`` within an ulp of libm's; a
surrogate whose expression is not compiled in, or that has none, is evaluated in PyTorch and
read as a precomputed derivative (kernel contract 1.1, :mod:`norse.torch.ops.contract`), so
every surrogate, a plugin's included, runs here. An output gradient
that is one value broadcast (``out.sum().backward()``) is read as a scalar. The kernels compute
in float32 and float64; float16 and bfloat16 are handed to the PyTorch reference.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from norse.torch.functional.surrogate import BUILTIN_SURROGATES
from norse.torch.functional.surrogate_expression import render
from norse.torch.ops import _reference
from norse.torch.ops._build import build_extension, extension_status

__all__ = ["BACKWARD", "EXPRESSIONS", "FORWARD", "CppKernel", "load", "status"]

EXPRESSIONS: tuple[str, ...] = tuple(
    dict.fromkeys(spec.expression for spec in BUILTIN_SURROGATES if spec.expression)
)
"""The surrogate expressions compiled into the backward kernel: the core's built-in ones."""

_SURROGATE_FUNCTIONS = {
    "abs": "std::abs({0})",
    "exp": "surrogate_exp({0})",
    "tanh": "surrogate_tanh({0})",
    "sigmoid": "surrogate_sigmoid({0})",
    "sqrt": "std::sqrt({0})",
    "relu": "surrogate_relu({0})",
    "square": "surrogate_square({0})",
}
"""How the surrogate expressions' functions are written in the C++ source."""

_SURROGATE_HELPERS = r"""// exp(a) in straight-line code that `#pragma omp simd` vectorises (libm's exp is one call
// per element): a = n ln2 + r with |r| <= ln2 / 2 (Cody-Waite: ln2 in two parts), exp(r) by
// its Taylor polynomial (truncation error below half an ulp of T; Horner steps multiply by
// the constant 1/k instead of dividing by k: divisions cost more than the rest), and 2^n written into the
// exponent bits (n from the rounding of a / ln2 + 1.5 2^m, m the mantissa width). Within a
// few ulp of std::exp; results below the smallest normal number are 0, above the largest +inf.
template <typename T>
struct ExpBits;
template <>
struct ExpBits<float> {
  using I = int32_t;
  static constexpr int kMantissa = 23;
  static constexpr I kBias = 127;
  static constexpr float kShift = 12582912.0f;  // 1.5 2^23
  static constexpr float kLow = -86.5f;         // n - 1 >= -126: a normal 2^(n - 1)
  static constexpr float kHigh = 88.72283f;     // log(FLT_MAX)
  static constexpr float kLn2Hi = 6.9314575195e-01f;
  static constexpr float kLn2Lo = 1.4286067653e-06f;
  static constexpr int kDegree = 8;
};
template <>
struct ExpBits<double> {
  using I = int64_t;
  static constexpr int kMantissa = 52;
  static constexpr I kBias = 1023;
  static constexpr double kShift = 6755399441055744.0;  // 1.5 2^52
  static constexpr double kLow = -707.5;                 // n - 1 >= -1022
  static constexpr double kHigh = 709.782712893384;      // log(DBL_MAX)
  static constexpr double kLn2Hi = 6.93147180369123816490e-01;
  static constexpr double kLn2Lo = 1.90821492927058770002e-10;
  static constexpr int kDegree = 14;
};

template <typename T>
inline T surrogate_exp(T a) {
  using B = ExpBits<T>;
  using I = typename B::I;
  const T c = a < B::kLow ? B::kLow : (a > B::kHigh ? B::kHigh : a);
  const T kd = c * T(1.4426950408889634) + B::kShift;
  const T n = kd - B::kShift;
  const T r = (c - n * B::kLn2Hi) - n * B::kLn2Lo;
  T p = T(1);
  for (int k = B::kDegree; k >= 1; --k) p = T(1) + (p * r) * (T(1) / T(k));  // 1/k folded
  I kbits, shift_bits;
  const T shift = B::kShift;
  __builtin_memcpy(&kbits, &kd, sizeof(T));
  __builtin_memcpy(&shift_bits, &shift, sizeof(T));
  const I scale_bits = (kbits - shift_bits + B::kBias - 1) << B::kMantissa;
  T scale;
  __builtin_memcpy(&scale, &scale_bits, sizeof(T));
  const T result = p * scale * T(2);
  const T inf = T(1) / T(0);
  return a < B::kLow ? T(0) : (a > B::kHigh ? inf : (a == a ? result : a));
}
template <typename T>
inline T surrogate_tanh(T a) {
  return T(1) - T(2) / (surrogate_exp(T(2) * a) + T(1));
}
template <typename T>
inline T surrogate_square(T a) {
  return a * a;
}
template <typename T>
inline T surrogate_relu(T a) {
  return a > T(0) ? a : T(0);
}
template <typename T>
inline T surrogate_sigmoid(T a) {
  return T(1) / (T(1) + surrogate_exp(-a));
}
"""


def _surrogate_source(expressions: tuple[str, ...]) -> str:
    """C++ row functions of ``expressions`` and ``surrogate_row<T>(expression)``, which
    selects one by its text."""
    parts = [_SURROGATE_HELPERS]
    select = []
    for k, expression in enumerate(expressions):
        body = render(expression, _SURROGATE_FUNCTIONS, number=lambda c: f"T({c!r})")
        parts.append(
            f"// s(x; alpha) = {expression}\n"
            "template <typename T>\n"
            f"void surrogate_row_{k}(const T* __restrict__ u, const T* __restrict__ th, "
            "T alpha, T* __restrict__ s, int64_t len) {\n"
            "  (void)alpha;\n"
            "#pragma omp simd\n"
            "  for (int64_t j = 0; j < len; ++j) {\n"
            "    const T x = u[j] - th[j];\n"
            f"    s[j] = {body};\n"
            "  }\n"
            "}\n"
        )
        select.append(
            f"  if (expression == {json.dumps(expression)}) return &surrogate_row_{k}<T>;"
        )
    parts.append(
        "template <typename T>\n"
        "SurrogateRow<T> surrogate_row(const std::string& expression) {\n"
        + "\n".join(select)
        + "\n  return nullptr;\n}\n"
    )
    return "\n".join(parts)


_TEMPLATE = r"""
#include <torch/extension.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace {

// Neurons per block: a step updates a tile one block at a time, so that the block's
// coefficients and scratch rows (a few KiB) stay in the L1 cache.
template <typename T>
constexpr int64_t kBlock = 2048 / sizeof(T);
// Neurons per tile: the time loop runs over one tile at a time, so that the tile's state
// (32 KiB a variable) stays in the L2 cache while every row of the sequences is read or
// written once, in runs of 32 KiB: long enough for the hardware prefetcher and few page
// (TLB) changes per step. (Measured against running the time loop per block: the box LIF
// forward 10-25% faster on (32, 65536) and (32, 294912) sequences.)
template <typename T>
constexpr int64_t kTile = 32768 / sizeof(T);
constexpr int64_t kLine = 64;  // bytes per cache line

template <typename T>
inline void prefetch_row(const T* row, int64_t len, int write) {
  for (int64_t k = 0; k < len; k += kLine / int64_t(sizeof(T))) {
    if (write) {
      __builtin_prefetch(row + k, 1);
    } else {
      __builtin_prefetch(row + k, 0);
    }
  }
}

// Per-neuron coefficients: each a contiguous array of one step's size, or one value for
// every neuron (`one` set: a scalar parameter broadcast, which then needs no copy).
template <typename T>
struct Coefficients {
  const T* p;
  const T* q;
  const T* o;
  const T* r;
  const T* th;
  const T* rs;
  bool one[6];
};

// Rows of a thread's block-sized buffers, each filled with one broadcast coefficient.
template <typename T>
struct Broadcast {
  T rows[6][kBlock<T>];
  explicit Broadcast(const Coefficients<T>& c) {
    const T* src[6] = {c.p, c.q, c.o, c.r, c.th, c.rs};
    for (int j = 0; j < 6; ++j) {
      const T value = c.one[j] && src[j] ? src[j][0] : T(0);
      for (int64_t k = 0; k < kBlock<T>; ++k) rows[j][k] = value;
    }
  }
  // The coefficients of the block starting at neuron b0 (null stays null).
  Coefficients<T> at(const Coefficients<T>& c, int64_t b0) const {
    const T* src[6] = {c.p, c.q, c.o, c.r, c.th, c.rs};
    const T* out[6];
    for (int j = 0; j < 6; ++j) {
      out[j] = src[j] == nullptr ? nullptr : (c.one[j] ? rows[j] : src[j] + b0);
    }
    return {out[0], out[1], out[2], out[3], out[4], out[5], {false, false, false, false, false, false}};
  }
};

// One time step of the forward over `len` neurons (pointers already offset to the block).
template <typename T, bool CURRENT, bool SPIKING, bool SUBTRACT>
inline void forward_row(const T* __restrict__ xt, T* __restrict__ ot, T* __restrict__ ut,
                        T* __restrict__ v, T* __restrict__ i, const T* __restrict__ p,
                        const T* __restrict__ q, const T* __restrict__ o,
                        const T* __restrict__ r, const T* __restrict__ th,
                        const T* __restrict__ rs, int64_t len) {
#pragma omp simd
  for (int64_t k = 0; k < len; ++k) {
    T uu;
    if constexpr (CURRENT) {
      const T d = i[k] + xt[k];
      i[k] = d * r[k];
      uu = (q[k] * d + p[k] * v[k]) + o[k];
    } else {
      uu = (q[k] * xt[k] + o[k]) + p[k] * v[k];
    }
    if constexpr (SPIKING) {
      // Every store is unconditional, of a value computed in registers: a conditional store
      // of the spike compiled to a blend with the (cold) output row, read before it was written.
      const bool z = uu > th[k];
      const T reset = SUBTRACT ? uu - th[k] : rs[k] + T(0) * uu;  // u = +inf: NaN, as the loop
      ut[k] = uu;
      ot[k] = z ? T(1) : T(0);
      v[k] = z ? reset : uu;
    } else {
      ot[k] = uu;
      v[k] = uu;
    }
  }
}

template <typename T, bool CURRENT, bool SPIKING, bool SUBTRACT>
void forward_kernel(const T* x, T* out, T* u, T* v, T* i, Coefficients<T> c, int64_t steps,
                    int64_t n) {
  at::parallel_for(0, n, kBlock<T>, [&](int64_t begin, int64_t end) {
    const Broadcast<T> broadcast(c);
    for (int64_t tile = begin; tile < end; tile += kTile<T>) {
      const int64_t tile_end = std::min(end, tile + kTile<T>);
      for (int64_t t = 0; t < steps; ++t) {
        for (int64_t b0 = tile; b0 < tile_end; b0 += kBlock<T>) {
          const int64_t len = std::min(tile_end, b0 + kBlock<T>) - b0;
          const Coefficients<T> cb = broadcast.at(c, b0);
          if (t + 1 < steps) {
            prefetch_row(x + (t + 1) * n + b0, len, 0);
          }
          forward_row<T, CURRENT, SPIKING, SUBTRACT>(
              x + t * n + b0, out + t * n + b0, SPIKING ? u + t * n + b0 : nullptr, v + b0,
              CURRENT ? i + b0 : nullptr, cb.p, cb.q, cb.o, CURRENT ? cb.r : nullptr,
              SPIKING ? cb.th : nullptr, SPIKING && !SUBTRACT ? cb.rs : nullptr, len);
        }
      }
    }
  });
}

// Scratch rows of one block kept for the parameter gradients (PARAMS only).
template <typename T>
struct Saved {
  T* gu;   // gradient reaching u_t
  T* gv;   // gradient reaching v_t from later steps (before this step)
  T* gi;   // gradient reaching i_t from later steps (before this step)
  T* gzs;  // (gradient reaching z_t) * s_t
};

// One time step of the backward over `len` neurons; see _reference.py for the adjoint.
template <typename T, bool CURRENT, bool SPIKING, bool SUBTRACT, bool DENSE_G, bool PARAMS>
inline void backward_row(const T* __restrict__ ut, const T* __restrict__ st,
                         const T* __restrict__ got, T g_scalar, const T* __restrict__ p,
                         const T* __restrict__ q, const T* __restrict__ r,
                         const T* __restrict__ th, const T* __restrict__ rs,
                         T* __restrict__ gxt, T* __restrict__ gv, T* __restrict__ gi,
                         T* __restrict__ sgu, T* __restrict__ sgv, T* __restrict__ sgi,
                         T* __restrict__ sgzs, int64_t len) {
#pragma omp simd
  for (int64_t k = 0; k < len; ++k) {
    const T g_o = DENSE_G ? got[k] : g_scalar;
    const T g_v = gv[k];
    T gu;
    T gzs = T(0);
    if constexpr (SPIKING) {
      const T s = st[k];
      if constexpr (SUBTRACT) {
        const T gz = g_o - g_v * th[k];
        gzs = gz * s;
        gu = g_v + gzs;
      } else {
        const T uu = ut[k];
        const T gz = g_o + g_v * (rs[k] - uu);
        gzs = gz * s;
        gu = (uu > th[k] ? T(0) : g_v) + gzs;
      }
    } else {
      gu = g_v + g_o;
    }
    if constexpr (PARAMS) {
      sgu[k] = gu;
      sgv[k] = g_v;
      if constexpr (SPIKING) sgzs[k] = gzs;
      if constexpr (CURRENT) sgi[k] = gi[k];
    }
    if constexpr (CURRENT) {
      const T gd = gi[k] * r[k] + gu * q[k];
      gxt[k] = gd;
      gi[k] = gd;
    } else {
      gxt[k] = q[k] * gu;
    }
    gv[k] = p[k] * gu;
  }
}

// Parameter-gradient accumulators (null where not needed), each one step's size.
template <typename T>
struct Accumulators {
  T* p;
  T* q;
  T* o;
  T* r;
  T* th;
  T* rs;
};

// Add one step's contributions to the parameter gradients of neurons [b0, b0 + len).
// `ut` is the step's pre-reset voltage row, `uprev` the previous one (null at t = 0: v0),
// `dt` the step's drive row (x_t, or the post-jump current d_t), all un-offset; `c` holds
// the block's coefficients (already offset).
template <typename T, bool CURRENT, bool SPIKING, bool SUBTRACT>
void accumulate(const T* ut, const T* uprev, const T* v0, const T* dt, Coefficients<T> c,
                Saved<T> sv, Accumulators<T> a, int64_t b0, int64_t len) {
  const T* __restrict__ gu = sv.gu;
  if (a.p) {
    T* __restrict__ gp = a.p + b0;
    if (uprev == nullptr) {
      const T* __restrict__ vp = v0 + b0;
#pragma omp simd
      for (int64_t k = 0; k < len; ++k) gp[k] += gu[k] * vp[k];
    } else {
      const T* __restrict__ up = uprev + b0;
#pragma omp simd
      for (int64_t k = 0; k < len; ++k) {
        T vp = up[k];
        if constexpr (SPIKING && SUBTRACT) {
          vp = up[k] > c.th[k] ? up[k] - c.th[k] : up[k];
        } else if constexpr (SPIKING) {
          vp = up[k] > c.th[k] ? c.rs[k] : up[k];
        }
        gp[k] += gu[k] * vp;
      }
    }
  }
  if (a.o) {
    T* __restrict__ go = a.o + b0;
#pragma omp simd
    for (int64_t k = 0; k < len; ++k) go[k] += gu[k];
  }
  if (a.q) {
    T* __restrict__ gq = a.q + b0;
    const T* __restrict__ d = dt + b0;
#pragma omp simd
    for (int64_t k = 0; k < len; ++k) gq[k] += gu[k] * d[k];
  }
  if constexpr (CURRENT) {
    if (a.r) {
      T* __restrict__ gr = a.r + b0;
      const T* __restrict__ gi = sv.gi;
      const T* __restrict__ d = dt + b0;
#pragma omp simd
      for (int64_t k = 0; k < len; ++k) gr[k] += gi[k] * d[k];
    }
  }
  if constexpr (SPIKING) {
    const T* __restrict__ u = ut + b0;
    const T* __restrict__ th = c.th;
    const T* __restrict__ gv = sv.gv;
    const T* __restrict__ gzs = sv.gzs;
    if (a.th) {
      T* __restrict__ gth = a.th + b0;
#pragma omp simd
      for (int64_t k = 0; k < len; ++k) {
        if constexpr (SUBTRACT) {
          gth[k] -= (u[k] > th[k] ? gv[k] : T(0)) + gzs[k];
        } else {
          gth[k] -= gzs[k];
        }
      }
    }
    if constexpr (!SUBTRACT) {
      if (a.rs) {
        T* __restrict__ grs = a.rs + b0;
#pragma omp simd
        for (int64_t k = 0; k < len; ++k) grs[k] += u[k] > th[k] ? gv[k] : T(0);
      }
    }
  }
}

// The surrogate derivative rows, generated from the surrogates' expressions (_cpp.py):
// `surrogate_row<T>(expression)` returns the function that writes s(u - th; alpha) of a row,
// or null for an expression that is not compiled in.
template <typename T>
using SurrogateRow = void (*)(const T*, const T*, T, T*, int64_t);

@SURROGATES@

// The surrogate derivative s_t of a row is evaluated by `row` (inline, into a block buffer) or
// read from `s` (every step's derivative, computed by the caller); both null: zero.
template <typename T, bool CURRENT, bool SPIKING, bool SUBTRACT, bool DENSE_G, bool PARAMS>
void backward_kernel(const T* g_out, T g_scalar, const T* u, const T* s, SurrogateRow<T> row,
                     T alpha, const T* x_or_d, const T* v0, Coefficients<T> c, T* gx, T* gv,
                     T* gi, bool zero_v, bool zero_i, Accumulators<T> a, int64_t steps, int64_t n) {
  at::parallel_for(0, n, kBlock<T>, [&](int64_t begin, int64_t end) {
    const Broadcast<T> broadcast(c);
    T zeros[kBlock<T>] = {};
    T srow[kBlock<T>];
    T sgu[kBlock<T>], sgv[kBlock<T>], sgi[kBlock<T>], sgzs[kBlock<T>];
    const Saved<T> saved{sgu, sgv, sgi, sgzs};
    for (int64_t tile = begin; tile < end; tile += kTile<T>) {
      const int64_t tile_end = std::min(end, tile + kTile<T>);
      // No gradient reaching the final state: the adjoint starts from zero (filled here, a
      // tile at a time, rather than by a separate pass over a zeroed tensor).
      if (zero_v) std::fill(gv + tile, gv + tile_end, T(0));
      if (CURRENT && zero_i) std::fill(gi + tile, gi + tile_end, T(0));
      for (int64_t t = steps - 1; t >= 0; --t) {
        for (int64_t b0 = tile; b0 < tile_end; b0 += kBlock<T>) {
          const int64_t len = std::min(tile_end, b0 + kBlock<T>) - b0;
          const Coefficients<T> cb = broadcast.at(c, b0);
          const T* ut = u + t * n;
          if (t > 0) {
            prefetch_row(ut - n + b0, len, 0);
            if (s) prefetch_row(s + (t - 1) * n + b0, len, 0);
            if (DENSE_G) prefetch_row(g_out + (t - 1) * n + b0, len, 0);
          }
          const T* st = zeros;
          if (row) {
            row(ut + b0, cb.th, alpha, srow, len);
            st = srow;
          } else if (s) {
            st = s + t * n + b0;
          }
          backward_row<T, CURRENT, SPIKING, SUBTRACT, DENSE_G, PARAMS>(
              ut + b0, st, DENSE_G ? g_out + t * n + b0 : nullptr,
              g_scalar, cb.p, cb.q, CURRENT ? cb.r : nullptr, SPIKING ? cb.th : nullptr,
              SPIKING && !SUBTRACT ? cb.rs : nullptr,
              gx + t * n + b0, gv + b0, CURRENT ? gi + b0 : nullptr, sgu, sgv, sgi, sgzs, len);
          if constexpr (PARAMS) {
            accumulate<T, CURRENT, SPIKING, SUBTRACT>(
                ut, t > 0 ? ut - n : nullptr, v0, x_or_d ? x_or_d + t * n : nullptr, cb, saved,
                a, b0, len);
          }
        }
      }
    }
  });
}

template <typename T>
T* ptr(const torch::Tensor& t) {
  return t.defined() && t.numel() > 0 ? t.data_ptr<T>() : nullptr;
}

// The coefficients p, q, o, r, th, rs for n neurons: each has n values, or one (broadcast).
template <typename T>
Coefficients<T> coefficients(const torch::Tensor& p, const torch::Tensor& q,
                             const torch::Tensor& o, const torch::Tensor& r,
                             const torch::Tensor& th, const torch::Tensor& rs, int64_t n) {
  const torch::Tensor* all[6] = {&p, &q, &o, &r, &th, &rs};
  Coefficients<T> c{ptr<T>(p), ptr<T>(q), ptr<T>(o), ptr<T>(r), ptr<T>(th), ptr<T>(rs), {}};
  for (int j = 0; j < 6; ++j) {
    const int64_t size = all[j]->defined() ? all[j]->numel() : 0;
    TORCH_CHECK(size == 0 || size == 1 || size == n, "a coefficient has ", size,
                " values, expected 1 or ", n);
    c.one[j] = size == 1;
  }
  return c;
}

// An uninitialised contiguous tensor of `like`'s shape and dtype (the kernels write it in full,
// once). On Linux, buffers of 1 MiB or more start on a 2 MiB boundary and are advised to use
// transparent huge pages: a fresh buffer then takes one page fault per 2 MiB on first touch
// instead of one per 4 KiB, which otherwise costs more than the kernel's own writes. The
// allocation is up to 4 MiB larger than the tensor; pages never touched use no memory.
torch::Tensor fresh_like(const torch::Tensor& like) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr int64_t huge = int64_t(1) << 21;
  const int64_t nbytes = like.numel() * int64_t(like.element_size());
  if (nbytes >= huge / 2) {
    const int64_t rounded = (nbytes + huge - 1) / huge * huge;
    auto raw = torch::empty({rounded + huge}, like.options().dtype(torch::kUInt8));
    const auto base = reinterpret_cast<uintptr_t>(raw.data_ptr());
    const auto aligned = (base + uintptr_t(huge) - 1) & ~uintptr_t(huge - 1);
    madvise(reinterpret_cast<void*>(aligned), size_t(rounded), MADV_HUGEPAGE);
    return raw.narrow(0, int64_t(aligned - base), nbytes)
        .view(like.scalar_type())
        .view(like.sizes());
  }
#endif
  return torch::empty_like(like, at::MemoryFormat::Contiguous);
}

// Calls f(std::integral_constant<bool, b>) for a run-time bool b.
template <typename F>
void with_bool(bool b, F&& f) {
  if (b) {
    f(std::true_type{});
  } else {
    f(std::false_type{});
  }
}

// Calls f(std::integral_constant<bool, spiking>, std::integral_constant<bool, subtract>)
// for the three model kinds: non-spiking, reset to value, reset by subtraction.
template <typename F>
void with_kind(bool spiking, bool subtract, F&& f) {
  if (!spiking) {
    f(std::false_type{}, std::false_type{});
  } else if (subtract) {
    f(std::true_type{}, std::true_type{});
  } else {
    f(std::true_type{}, std::false_type{});
  }
}

}  // namespace

std::vector<torch::Tensor> leaky_forward(torch::Tensor x, torch::Tensor v0, torch::Tensor i0,
                                         torch::Tensor p, torch::Tensor q, torch::Tensor o,
                                         torch::Tensor r, torch::Tensor th, torch::Tensor rs,
                                         bool current, bool spiking, bool subtract) {
  const int64_t steps = x.size(0);
  const int64_t n = steps > 0 ? x.numel() / steps : v0.numel();
  auto out = fresh_like(x);
  auto u = spiking ? fresh_like(x) : torch::empty({0}, x.options());
  auto v = v0.clone(at::MemoryFormat::Contiguous);
  auto i = current ? i0.clone(at::MemoryFormat::Contiguous) : torch::empty({0}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "leaky_forward", [&] {
    using T = scalar_t;
    const Coefficients<T> c = coefficients<T>(p, q, o, r, th, rs, n);
    with_bool(current, [&](auto cur) {
      with_kind(spiking, subtract, [&](auto spk, auto sub) {
        forward_kernel<T, decltype(cur)::value, decltype(spk)::value, decltype(sub)::value>(
            ptr<T>(x), ptr<T>(out), ptr<T>(u), ptr<T>(v), ptr<T>(i), c, steps, n);
      });
    });
  });
  return {out, u, v, i};
}

std::vector<torch::Tensor> leaky_backward(torch::Tensor g_out, torch::Tensor g_v,
                                          torch::Tensor g_i, torch::Tensor x_or_d,
                                          torch::Tensor u, torch::Tensor v0, torch::Tensor p,
                                          torch::Tensor q, torch::Tensor r, torch::Tensor th,
                                          torch::Tensor rs, torch::Tensor s, bool current,
                                          bool spiking, bool subtract,
                                          std::vector<bool> needs, std::string expression,
                                          double alpha) {
  const int64_t steps = u.size(0);
  const int64_t n = v0.numel();
  const auto v0_dense = needs[0] ? v0.contiguous() : torch::Tensor();  // only gp reads v0
  // g_out: empty (no gradient), one value broadcast everywhere (all strides 0), or dense.
  bool dense_g = false;
  for (int64_t stride : g_out.strides()) dense_g = dense_g || stride != 0;
  dense_g = dense_g && g_out.numel() > 0;
  auto gx = fresh_like(u);
  const bool zero_v = g_v.numel() == 0, zero_i = current && g_i.numel() == 0;
  auto state = [&](const torch::Tensor& g, bool zero) {  // zero: filled by the kernel
    return zero ? torch::empty(v0.sizes(), u.options()) : g.clone(at::MemoryFormat::Contiguous);
  };
  auto gv = state(g_v, zero_v);
  auto gi = current ? state(g_i, zero_i) : torch::empty({0}, u.options());
  auto make = [&](bool flag) {
    return flag ? torch::zeros(v0.sizes(), u.options()) : torch::empty({0}, u.options());
  };
  auto gp = make(needs[0]), gq = make(needs[1]), go = make(needs[2]), gr = make(needs[3]),
       gth = make(needs[4]), grs = make(needs[5]);
  const bool params = needs[0] || needs[1] || needs[2] || needs[3] || needs[4] || needs[5];
  AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "leaky_backward", [&] {
    using T = scalar_t;
    const Coefficients<T> c = coefficients<T>(p, q, torch::Tensor(), r, th, rs, n);
    const Accumulators<T> a{ptr<T>(gp), ptr<T>(gq), ptr<T>(go), ptr<T>(gr), ptr<T>(gth),
                            ptr<T>(grs)};
    const T g_scalar = g_out.numel() > 0 && !dense_g ? *g_out.data_ptr<T>() : T(0);
    const SurrogateRow<T> row = spiking ? surrogate_row<T>(expression) : nullptr;
    TORCH_CHECK(row || expression.empty(), "surrogate expression not compiled in: ", expression);
    with_bool(current, [&](auto cur) {
      with_kind(spiking, subtract, [&](auto spk, auto sub) {
        with_bool(dense_g, [&](auto dense) {
          with_bool(params, [&](auto par) {
            backward_kernel<T, decltype(cur)::value, decltype(spk)::value, decltype(sub)::value,
                            decltype(dense)::value, decltype(par)::value>(
                dense_g ? ptr<T>(g_out) : nullptr, g_scalar, ptr<T>(u),
                spiking ? ptr<T>(s) : nullptr, row, T(alpha), ptr<T>(x_or_d), ptr<T>(v0_dense), c,
                ptr<T>(gx),
                ptr<T>(gv), ptr<T>(gi), zero_v, zero_i, a, steps, n);
          });
        });
      });
    });
  });
  return {gx, gv, gi, gp, gq, go, gr, gth, grs};
}
"""

_SOURCE = _TEMPLATE.replace("@SURROGATES@", _surrogate_source(EXPRESSIONS))
"""The extension's source: the kernels with the built-in surrogates' row functions."""

_FLAGS = ("-O3", "-fopenmp", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math")
"""Compiler flags. ``-ffp-contract=off`` keeps every product and sum separately rounded (no
fused multiply-add), so the forward's voltages round exactly as the reference's.
``-fno-math-errno`` (``sqrt`` sets no ``errno``) and ``-fno-trapping-math`` (no floating-point
traps, so both sides of a ``?:`` may be evaluated) let the loops vectorise; neither changes
any computed value. :func:`norse.torch.ops._build.build_extension` adds ``-march=native``
where the compiler accepts it."""

_NAME = "norse_leaky_cpu"
_FUNCTIONS = ("leaky_forward", "leaky_backward")


def load() -> Any:
    """The extension module, built on first use (None if it cannot be built; warned once)."""
    return build_extension(_NAME, _SOURCE, _FUNCTIONS, flags=_FLAGS)


def status() -> tuple[bool, str]:
    """``(ok, reason)`` of the extension, without building it."""
    return extension_status(_NAME, _SOURCE, _FUNCTIONS, flags=_FLAGS)


def _dense(t: Tensor | None, like: Tensor) -> Tensor:
    """``t`` contiguous, or an empty tensor standing for None."""
    return like.new_empty(0) if t is None else t.contiguous()


def _state(t: Tensor | None, like: Tensor) -> Tensor:
    """A state (or its gradient) for the kernel, which copies it into a contiguous output:
    ``t`` as is, or an empty tensor standing for None."""
    return like.new_empty(0) if t is None else t


def _coefficient(t: Tensor | None, like: Tensor) -> Tensor:
    """A coefficient for the kernel: one value where ``t`` is one value broadcast (all strides
    0, as a scalar parameter expanded to a step), which the kernel broadcasts without a copy;
    ``t`` contiguous otherwise (an empty tensor standing for None)."""
    if t is not None and t.numel() > 1 and not any(t.stride()):
        return t.as_strided((1,), (1,))
    return _dense(t, like)


def _output_gradient(g_out: Tensor | None, like: Tensor) -> Tensor:
    """``g_out`` for the kernel: as is if it is one value broadcast (all strides 0, as from
    ``out.sum().backward()``), which the kernel reads as a scalar; contiguous otherwise."""
    if g_out is not None and g_out.numel() > 0 and not any(g_out.stride()):
        return g_out
    return _dense(g_out, like)


class CppKernel:
    """A registered CPU kernel that uses the C++ extension when it can be built.

    ``available()`` returns ``(ok, reason)`` and triggers the one-time build (see
    :mod:`norse.torch.ops._build`); float16 and bfloat16 inputs are handed to the reference.
    """

    def __init__(self, name: str, run: Callable[..., Any]) -> None:
        self.__name__ = name
        self._run = run

    def available(self) -> tuple[bool, str]:
        """Whether the extension is built (building it on first call), and why not."""
        if load() is None:
            return status()
        return True, "compiled"

    def status(self) -> tuple[bool, str]:
        """Like :meth:`available`, but never builds: ``(True, "not compiled yet...")`` before."""
        return status()

    def __call__(self, *args: Any) -> Any:
        return self._run(*args)


_DTYPES = (torch.float32, torch.float64)
"""The dtypes the C++ kernels compute in; float16 and bfloat16 are handed to the reference,
which computes in the input's dtype as the step loop does."""


def _forward(x, v0, i0, p, q, o, r, v_th, v_reset, spiking, subtract):
    if x.dtype not in _DTYPES:
        return _reference.leaky_forward(x, v0, i0, p, q, o, r, v_th, v_reset, spiking, subtract)
    current = i0 is not None
    out, u, v, i = load().leaky_forward(
        x.contiguous(),
        v0,
        _state(i0, x),
        _coefficient(p, x),
        _coefficient(q, x),
        _coefficient(o, x),
        _coefficient(r, x),
        _coefficient(v_th, x),
        _coefficient(v_reset, x),
        current,
        spiking,
        subtract,
    )
    return out, u, v, i


def _backward(*args: Any) -> list[Tensor | None]:
    """The C++ backward; its arguments are those of :func:`_reference.leaky_backward`."""
    g_out, g_v, g_i, x, u, v0, i0, p, q, r, v_th, v_reset, s, spiking, subtract, needs = args[:16]
    surrogate = args[16] if len(args) > 16 else None
    if u.dtype not in _DTYPES:
        return _reference.leaky_backward(*args)
    expression, alpha = "", 0.0
    if surrogate is not None and surrogate.expression in EXPRESSIONS:
        expression, alpha = surrogate.expression, surrogate.alpha
    elif surrogate is not None:
        s = _reference.surrogate_values(u, v_th, surrogate)
    need = dict(zip(_reference.GRAD_NAMES, needs))
    current = i0 is not None
    x_or_d = None
    if need["q"] or need["r"]:
        x_or_d = _reference._currents(x, i0, r) if current else x
    grads = load().leaky_backward(
        _output_gradient(g_out, u),
        _state(g_v, u),
        _state(g_i, u),
        _dense(x_or_d, u),
        u.contiguous(),
        v0,
        _coefficient(p, u),
        _coefficient(q, u),
        _coefficient(r, u),
        _coefficient(v_th, u),
        _coefficient(v_reset, u),
        _dense(s, u),
        current,
        spiking,
        subtract,
        [need[name] for name in ("p", "q", "o", "r", "v_th", "v_reset")],
        expression,
        alpha,
    )
    return [g if need[name] else None for name, g in zip(_reference.GRAD_NAMES, grads)]


FORWARD = CppKernel("leaky_forward_cpp", _forward)
"""The C++ forward of ``norse::leaky_sequence`` (CPU)."""

BACKWARD = CppKernel("leaky_backward_cpp", _backward)
"""The C++ backward of ``norse::leaky_sequence`` (CPU)."""
