"""Optional C++ CPU kernels for the fused leaky op, compiled on first use.

The kernels are built with ``torch.utils.cpp_extension.load_inline`` the first time a fused
op runs on the CPU (about a minute on two cores; cached afterwards in torch's extension
directory, ``TORCH_EXTENSIONS_DIR``). Installing norse-core never needs a compiler: if none
is found or the build fails, :meth:`CppKernel.available` says so, the reference PyTorch
kernels serve instead, and the reason is logged at debug level on ``norse.torch.ops`` and
shown by :func:`norse.torch.ops.kernel_table`.

Each neuron is independent, so the kernels split the neurons of a step across threads
(``at::parallel_for``) and run the time loop for a block of neurons at a time, reading every
input once. The backward evaluates the surrogate derivative inline for the built-in
surrogates named in :data:`SURROGATES` (same formulas as
:mod:`norse.torch.functional.surrogate`); any other surrogate is served by the reference
backward, which calls the registered derivative.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable
from typing import Any

from torch import Tensor

from norse.torch.ops import _reference

__all__ = ["SURROGATES", "CppKernel", "load"]

_log = logging.getLogger("norse.torch.ops")

SURROGATES = (
    "super",
    "triangle",
    "tanh",
    "circ",
    "heavi_erfc",
    "sigmoid",
    "atan",
    "fast_sigmoid",
    "straight_through",
    "heaviside",
)
"""Surrogates whose derivative the C++ backward evaluates inline (index = C++ id)."""

_SOURCE = r"""
#include <torch/extension.h>
#include <ATen/Parallel.h>
#include <cmath>

namespace {

constexpr int64_t kBlock = 256;

template <typename T, int S>
inline T surrogate(T x, T alpha) {
  if constexpr (S == 0 || S == 7) {  // super, fast_sigmoid: 1 / (alpha |x| + 1)^2
    T d = T(1) / (alpha * std::abs(x) + T(1));
    return d * d;
  } else if constexpr (S == 1) {  // triangle: alpha relu(1 - |x|)
    T m = T(1) - std::abs(x);
    return alpha * (m > T(0) ? m : T(0));
  } else if constexpr (S == 2) {  // tanh: 1 - tanh^2(alpha x)
    T th = std::tanh(alpha * x);
    return T(1) - th * th;
  } else if constexpr (S == 3) {  // circ: (1 + (x / alpha)^2)^(-3/2)
    T y = x / alpha;
    return std::pow(T(1) + y * y, T(-1.5));
  } else if constexpr (S == 4) {  // heavi_erfc: 2 / sqrt(pi) exp(-(alpha x)^2)
    T y = alpha * x;
    return T(1.1283791670955126) * std::exp(-(y * y));
  } else if constexpr (S == 5) {  // sigmoid: alpha sigma(alpha x) sigma(-alpha x)
    T y = alpha * x;
    T a = T(1) / (T(1) + std::exp(-y));
    T b = T(1) / (T(1) + std::exp(y));
    return alpha * a * b;
  } else if constexpr (S == 6) {  // atan: (alpha / 2) / (1 + (pi/2 alpha x)^2)
    T y = T(1.5707963267948966) * alpha * x;
    return (T(0.5) * alpha) / (T(1) + y * y);
  } else if constexpr (S == 8) {  // straight_through
    return T(1);
  } else {  // heaviside: no gradient
    return T(0);
  }
}

template <typename T>
void forward_kernel(const T* x, T* out, T* u, T* v, T* i, const T* p, const T* q,
                    const T* o, const T* r, const T* th, const T* rs, int64_t steps,
                    int64_t n, bool current, bool spiking, bool subtract) {
  at::parallel_for(0, n, kBlock, [&](int64_t begin, int64_t end) {
    for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
      const int64_t b1 = std::min(end, b0 + kBlock);
      for (int64_t t = 0; t < steps; ++t) {
        const T* xt = x + t * n;
        T* ot = out + t * n;
        T* ut = u + t * n;
        for (int64_t k = b0; k < b1; ++k) {
          T d = xt[k];
          T uu;
          if (current) {
            d = i[k] + d;
            i[k] = d * r[k];
            uu = (q[k] * d + p[k] * v[k]) + o[k];
          } else {
            uu = (q[k] * d + o[k]) + p[k] * v[k];
          }
          if (spiking) {
            const bool z = uu > th[k];
            ut[k] = uu;
            ot[k] = z ? T(1) : T(0);
            v[k] = subtract ? (z ? uu - th[k] : uu) : (z ? rs[k] : uu);
          } else {
            ot[k] = uu;
            v[k] = uu;
          }
        }
      }
    }
  });
}

struct Needs {
  bool p, q, o, r, th, rs;
};

template <typename T, int S>
void backward_kernel(const T* g_out, const T* u, const T* x_or_d, const T* v0, const T* p,
                     const T* q, const T* r, const T* th, const T* rs, T* gx, T* gv, T* gi,
                     T* gp, T* gq, T* go, T* gr, T* gth, T* grs, T alpha, int64_t steps,
                     int64_t n, bool current, bool spiking, bool subtract, Needs need) {
  at::parallel_for(0, n, kBlock, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      if (need.p) gp[k] = T(0);
      if (need.q) gq[k] = T(0);
      if (need.o) go[k] = T(0);
      if (need.r) gr[k] = T(0);
      if (need.th) gth[k] = T(0);
      if (need.rs) grs[k] = T(0);
    }
    for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
    const int64_t b1 = std::min(end, b0 + kBlock);
    for (int64_t t = steps - 1; t >= 0; --t) {
      const T* ut = u + t * n;
      const T* uprev = t > 0 ? u + (t - 1) * n : nullptr;
      const T* got = g_out ? g_out + t * n : nullptr;
      const T* dt_ = x_or_d ? x_or_d + t * n : nullptr;
      T* gxt = gx + t * n;
      for (int64_t k = b0; k < b1; ++k) {
        const T uu = ut[k];
        const T g_o = got ? got[k] : T(0);
        const T g_v = gv[k];
        T gu;
        if (spiking) {
          const T s = surrogate<T, S>(uu - th[k], alpha);
          const bool z = uu > th[k];
          if (subtract) {
            const T gz = g_o - g_v * th[k];
            gu = g_v + gz * s;
            if (need.th) gth[k] -= (z ? g_v : T(0)) + gz * s;
          } else {
            const T gz = g_o + g_v * (rs[k] - uu);
            gu = (z ? T(0) : g_v) + gz * s;
            if (need.th) gth[k] -= gz * s;
            if (need.rs && z) grs[k] += g_v;
          }
        } else {
          gu = g_v + g_o;
        }
        if (need.p) {
          T vp;
          if (uprev == nullptr) {
            vp = v0[k];
          } else {
            const T up = uprev[k];
            vp = up;
            if (spiking && up > th[k]) vp = subtract ? up - th[k] : rs[k];
          }
          gp[k] += gu * vp;
        }
        if (need.o) go[k] += gu;
        if (current) {
          if (need.q) gq[k] += gu * dt_[k];
          if (need.r) gr[k] += gi[k] * dt_[k];
          const T gd = gi[k] * r[k] + gu * q[k];
          gxt[k] = gd;
          gi[k] = gd;
        } else {
          if (need.q) gq[k] += gu * dt_[k];
          gxt[k] = q[k] * gu;
        }
        gv[k] = p[k] * gu;
      }
    }
    }
  });
}

template <typename T>
T* ptr(const torch::Tensor& t) {
  return t.defined() && t.numel() > 0 ? t.data_ptr<T>() : nullptr;
}

}  // namespace

std::vector<torch::Tensor> leaky_forward(torch::Tensor x, torch::Tensor v0, torch::Tensor i0,
                                         torch::Tensor p, torch::Tensor q, torch::Tensor o,
                                         torch::Tensor r, torch::Tensor th, torch::Tensor rs,
                                         bool current, bool spiking, bool subtract) {
  const int64_t steps = x.size(0);
  const int64_t n = steps > 0 ? x.numel() / steps : v0.numel();
  auto out = torch::empty_like(x);
  auto u = spiking ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto v = v0.clone();
  auto i = current ? i0.clone() : torch::empty({0}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "leaky_forward", [&] {
    forward_kernel<scalar_t>(ptr<scalar_t>(x), ptr<scalar_t>(out),
                             spiking ? ptr<scalar_t>(u) : ptr<scalar_t>(out), ptr<scalar_t>(v),
                             ptr<scalar_t>(i), ptr<scalar_t>(p), ptr<scalar_t>(q),
                             ptr<scalar_t>(o), ptr<scalar_t>(r), ptr<scalar_t>(th),
                             ptr<scalar_t>(rs), steps, n, current, spiking, subtract);
  });
  return {out, u, v, i};
}

std::vector<torch::Tensor> leaky_backward(torch::Tensor g_out, torch::Tensor g_v,
                                          torch::Tensor g_i, torch::Tensor x_or_d,
                                          torch::Tensor u, torch::Tensor v0, torch::Tensor p,
                                          torch::Tensor q, torch::Tensor r, torch::Tensor th,
                                          torch::Tensor rs, bool current, bool spiking,
                                          bool subtract, int64_t surrogate_id, double alpha,
                                          std::vector<bool> needs) {
  const int64_t steps = u.size(0);
  const int64_t n = v0.numel();
  auto gx = torch::empty_like(u);
  auto gv = g_v.numel() > 0 ? g_v.clone() : torch::zeros_like(v0);
  auto gi = current ? (g_i.numel() > 0 ? g_i.clone() : torch::zeros_like(v0))
                    : torch::empty({0}, u.options());
  Needs need{needs[0], needs[1], needs[2], needs[3], needs[4], needs[5]};
  auto make = [&](bool flag) { return flag ? torch::empty_like(v0) : torch::empty({0}, u.options()); };
  auto gp = make(need.p), gq = make(need.q), go = make(need.o), gr = make(need.r),
       gth = make(need.th), grs = make(need.rs);
  AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "leaky_backward", [&] {
    auto run = [&](auto id) {
      backward_kernel<scalar_t, decltype(id)::value>(
          ptr<scalar_t>(g_out), ptr<scalar_t>(u),
          ptr<scalar_t>(x_or_d), ptr<scalar_t>(v0),
          ptr<scalar_t>(p), ptr<scalar_t>(q), ptr<scalar_t>(r), ptr<scalar_t>(th),
          ptr<scalar_t>(rs), ptr<scalar_t>(gx), ptr<scalar_t>(gv), ptr<scalar_t>(gi),
          ptr<scalar_t>(gp), ptr<scalar_t>(gq), ptr<scalar_t>(go), ptr<scalar_t>(gr),
          ptr<scalar_t>(gth), ptr<scalar_t>(grs), static_cast<scalar_t>(alpha), steps, n,
          current, spiking, subtract, need);
    };
    switch (surrogate_id) {
      case 0: run(std::integral_constant<int, 0>{}); break;
      case 1: run(std::integral_constant<int, 1>{}); break;
      case 2: run(std::integral_constant<int, 2>{}); break;
      case 3: run(std::integral_constant<int, 3>{}); break;
      case 4: run(std::integral_constant<int, 4>{}); break;
      case 5: run(std::integral_constant<int, 5>{}); break;
      case 6: run(std::integral_constant<int, 6>{}); break;
      case 7: run(std::integral_constant<int, 7>{}); break;
      case 8: run(std::integral_constant<int, 8>{}); break;
      default: run(std::integral_constant<int, 9>{}); break;
    }
  });
  return {gx, gv, gi, gp, gq, go, gr, gth, grs};
}
"""

_DECLARATIONS = r"""
std::vector<torch::Tensor> leaky_forward(torch::Tensor x, torch::Tensor v0, torch::Tensor i0,
    torch::Tensor p, torch::Tensor q, torch::Tensor o, torch::Tensor r, torch::Tensor th,
    torch::Tensor rs, bool current, bool spiking, bool subtract);
std::vector<torch::Tensor> leaky_backward(torch::Tensor g_out, torch::Tensor g_v,
    torch::Tensor g_i, torch::Tensor x_or_d, torch::Tensor u, torch::Tensor v0, torch::Tensor p,
    torch::Tensor q, torch::Tensor r, torch::Tensor th, torch::Tensor rs, bool current,
    bool spiking, bool subtract, int64_t surrogate_id, double alpha, std::vector<bool> needs);
"""

_FLAGS = ["-O3", "-fopenmp", "-ffp-contract=off"]

_lock = threading.Lock()
_state: dict[str, Any] = {}


def _compiler() -> str | None:
    return shutil.which(os.environ.get("CXX", "c++"))


def load() -> Any:
    """Compile (once per process; cached on disk) and return the extension module.

    Raises:
        RuntimeError: if no C++ compiler is found or the build fails.
    """
    with _lock:
        if "module" in _state:
            return _state["module"]
        if "error" in _state:
            raise RuntimeError(_state["error"])
        try:
            if _compiler() is None:
                raise RuntimeError("no C++ compiler found (set CXX or install g++)")
            from torch.utils.cpp_extension import load_inline

            _state["module"] = load_inline(
                name="norse_leaky_cpu",
                cpp_sources=[_SOURCE],
                functions=["leaky_forward", "leaky_backward"],
                extra_cflags=_FLAGS,
                extra_ldflags=["-fopenmp"],
                verbose=False,
            )
        except Exception as error:
            _state["error"] = f"C++ kernel build failed: {type(error).__name__}: {error}"
            _log.debug("%s", _state["error"])
            raise RuntimeError(_state["error"]) from error
        return _state["module"]


def _dense(t: Tensor | None, like: Tensor) -> Tensor:
    """``t`` contiguous, or an empty tensor standing for None."""
    return like.new_empty(0) if t is None else t.contiguous()


class CppKernel:
    """A registered CPU kernel that uses the C++ extension when it can be built.

    ``available()`` returns ``(ok, reason)`` and triggers the one-time build; calling the
    kernel with an unsupported surrogate delegates to the reference implementation.
    """

    def __init__(self, name: str, run: Callable[..., Any]) -> None:
        self.__name__ = name
        self._run = run

    def available(self) -> tuple[bool, str]:
        """Whether the extension is built (building it on first call), and why not."""
        try:
            load()
        except RuntimeError as error:
            return False, str(error)
        return True, "compiled"

    def __call__(self, *args: Any) -> Any:
        return self._run(*args)


def _forward(x, v0, i0, p, q, o, r, v_th, v_reset, spiking, subtract):
    current = i0 is not None
    out, u, v, i = load().leaky_forward(
        x.contiguous(),
        v0.contiguous(),
        _dense(i0, x),
        p.contiguous(),
        q.contiguous(),
        o.contiguous(),
        _dense(r, x),
        v_th.contiguous(),
        v_reset.contiguous(),
        current,
        spiking,
        subtract,
    )
    return out, u, v, i


def _backward(
    g_out, g_v, g_i, x, u, v0, i0, p, q, r, v_th, v_reset, spiking, subtract, method, alpha, needs
):
    if spiking and method not in SURROGATES:
        return _reference.leaky_backward(
            g_out,
            g_v,
            g_i,
            x,
            u,
            v0,
            i0,
            p,
            q,
            r,
            v_th,
            v_reset,
            spiking,
            subtract,
            method,
            alpha,
            needs,
        )
    need = dict(zip(_reference.GRAD_NAMES, needs))
    current = i0 is not None
    x_or_d = None
    if need["q"] or need["r"]:
        x_or_d = _reference._currents(x, i0, r) if current else x
    grads = load().leaky_backward(
        _dense(g_out, u),
        _dense(g_v, u),
        _dense(g_i, u),
        _dense(x_or_d, u),
        u.contiguous(),
        v0.contiguous(),
        p.contiguous(),
        q.contiguous(),
        _dense(r, u),
        v_th.contiguous(),
        v_reset.contiguous(),
        current,
        spiking,
        subtract,
        SURROGATES.index(method) if spiking else 9,
        float(alpha),
        [need[name] for name in ("p", "q", "o", "r", "v_th", "v_reset")],
    )
    return [g if need[name] else None for name, g in zip(_reference.GRAD_NAMES, grads)]


FORWARD = CppKernel("leaky_forward_cpp", _forward)
"""The C++ forward of ``norse::leaky_sequence`` (CPU)."""

BACKWARD = CppKernel("leaky_backward_cpp", _backward)
"""The C++ backward of ``norse::leaky_sequence`` (CPU)."""
