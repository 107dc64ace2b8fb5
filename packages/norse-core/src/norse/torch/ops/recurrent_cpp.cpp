// C++ CPU kernels of the fused recurrent ops (norse::lif_recurrent_sequence,
// norse::lsnn_recurrent_sequence and their backward recursions). The equations are in
// recurrent_reference.py; these loops compute the same quantities. No surrogate is evaluated
// here: the backward receives the surrogate derivatives of all steps, computed in PyTorch.
//
// The recurrent input z_{t-1} @ W.T is a sum of rows of W.T (the outgoing weights of the
// neurons that spiked). While few neurons spike (at most `dense_above` of them), each batch
// row adds those weight rows; otherwise one dense matrix product serves the whole step. The
// recurrent weight gradient sum_t G_t.T @ z_{t-1} is formed the same way over all stored
// spikes. The backward's recurrent term (a dense gradient times W) is a dense product per
// step.
#include <torch/extension.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

constexpr int64_t kGrain = 16384;  // elements per parallel task of an elementwise pass

template <typename T>
inline T* ptr(torch::Tensor& t) {
  return t.numel() > 0 ? t.data_ptr<T>() : nullptr;
}

// acc[b, :] += sum_k zp[b, k] * wt[k, :] over the nonzero zp[b, k], for rows [b0, b1).
template <typename T>
inline void add_spiking_rows(const T* zp, const T* wt, T* acc, int64_t b0, int64_t b1,
                             int64_t h) {
  for (int64_t b = b0; b < b1; ++b) {
    const T* zr = zp + b * h;
    T* __restrict__ a = acc + b * h;
    for (int64_t k = 0; k < h; ++k) {
      const T zk = zr[k];
      if (zk == T(0)) continue;
      const T* __restrict__ row = wt + k * h;
      if (zk == T(1)) {
#pragma omp simd
        for (int64_t m = 0; m < h; ++m) a[m] += row[m];
      } else {
#pragma omp simd
        for (int64_t m = 0; m < h; ++m) a[m] += zk * row[m];
      }
    }
  }
}

template <typename T>
int64_t count_nonzero(const T* z, int64_t n) {
  int64_t count = 0;
  for (int64_t e = 0; e < n; ++e) count += z[e] != T(0);
  return count;
}

// Adds zp @ wt to acc (B x H): sparse row sums, or one dense product above the crossover.
template <typename T>
void add_recurrent(torch::Tensor zp, torch::Tensor wt, torch::Tensor acc, double dense_above) {
  const int64_t b = acc.size(0), h = acc.size(1);
  const T* z = zp.data_ptr<T>();
  if (double(count_nonzero(z, b * h)) > dense_above * double(b * h)) {
    acc.addmm_(zp, wt);
    return;
  }
  const T* w = wt.data_ptr<T>();
  T* a = acc.data_ptr<T>();
  at::parallel_for(0, b, std::max<int64_t>(1, kGrain / (h * 8 + 1)),
                   [&](int64_t b0, int64_t b1) { add_spiking_rows(z, w, a, b0, b1, h); });
}

template <typename F>
void elementwise(int64_t n, F&& f) {
  at::parallel_for(0, n, kGrain, [&](int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; ++e) f(e);
  });
}

}  // namespace

// Recurrent LIF forward; returns {z, u, j (empty unless keep_current), v_T, i_T}.
std::vector<torch::Tensor> lif_recurrent_forward(torch::Tensor x, torch::Tensor w,
                                                 torch::Tensor z0, torch::Tensor v0,
                                                 torch::Tensor i0, torch::Tensor p,
                                                 torch::Tensor q, torch::Tensor o,
                                                 torch::Tensor r, torch::Tensor th,
                                                 torch::Tensor rs, bool subtract,
                                                 bool keep_current, double dense_above) {
  const int64_t steps = x.size(0), n = v0.numel();
  auto z = torch::empty_like(x);
  auto u = torch::empty_like(x);
  auto j = keep_current ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto scratch = torch::empty_like(v0);
  auto v = v0.clone();
  auto i = i0.clone();
  auto wt = w.t().contiguous();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lif_recurrent_forward", [&] {
    using T = scalar_t;
    const T *P = ptr<T>(p), *Q = ptr<T>(q), *O = ptr<T>(o), *R = ptr<T>(r), *TH = ptr<T>(th),
            *RS = ptr<T>(rs);
    T *V = ptr<T>(v), *I = ptr<T>(i);
    for (int64_t t = 0; t < steps; ++t) {
      auto jt = keep_current ? j[t] : scratch;
      const T* X = x.data_ptr<T>() + t * n;
      T* J = jt.data_ptr<T>();
      elementwise(n, [&](int64_t e) { J[e] = I[e] + X[e]; });
      add_recurrent<T>(t == 0 ? z0 : z[t - 1], wt, jt, dense_above);
      T* U = u.data_ptr<T>() + t * n;
      T* Z = z.data_ptr<T>() + t * n;
      elementwise(n, [&](int64_t e) {
        const T uu = P[e] * V[e] + Q[e] * J[e] + O[e];
        const bool spiked = uu > TH[e];
        U[e] = uu;
        Z[e] = spiked ? T(1) : T(0);
        V[e] = spiked ? (subtract ? uu - TH[e] : RS[e]) : uu;
        I[e] = R[e] * J[e];
      });
    }
  });
  return {z, u, j, v, i};
}

// Recurrent LIF backward recursion; returns {GU, GJ, gv0, gi0, gz0}.
std::vector<torch::Tensor> lif_recurrent_backward(torch::Tensor g_z, torch::Tensor g_v,
                                                  torch::Tensor g_i, torch::Tensor s,
                                                  torch::Tensor z, torch::Tensor w,
                                                  torch::Tensor p, torch::Tensor q,
                                                  torch::Tensor r, bool subtract) {
  const int64_t steps = g_z.size(0), n = g_v.numel();
  auto gu_all = torch::empty_like(g_z);
  auto gj_all = torch::empty_like(g_z);
  auto gz = torch::empty_like(g_v);
  auto gv = g_v.clone();
  auto gi = g_i.clone();
  AT_DISPATCH_FLOATING_TYPES(g_z.scalar_type(), "lif_recurrent_backward", [&] {
    using T = scalar_t;
    const T *P = ptr<T>(p), *Q = ptr<T>(q), *R = ptr<T>(r);
    T *GV = ptr<T>(gv), *GI = ptr<T>(gi);
    for (int64_t t = steps - 1; t >= 0; --t) {
      if (t == steps - 1) {
        gz.copy_(g_z[t]);
      } else {
        at::addmm_out(gz, g_z[t], gj_all[t + 1], w);
      }
      const T* GZ = gz.data_ptr<T>();
      const T* S = s.data_ptr<T>() + t * n;
      const T* Z = z.data_ptr<T>() + t * n;
      T* GU = gu_all.data_ptr<T>() + t * n;
      T* GJ = gj_all.data_ptr<T>() + t * n;
      elementwise(n, [&](int64_t e) {
        const T g = GZ[e] * S[e] + (subtract ? GV[e] : GV[e] * (T(1) - Z[e]));
        const T gj = Q[e] * g + R[e] * GI[e];
        GU[e] = g;
        GJ[e] = gj;
        GV[e] = P[e] * g;
        GI[e] = gj;
      });
    }
  });
  return {gu_all, gj_all, gv, gi, gj_all[0].mm(w)};
}

// Recurrent LSNN forward; returns {z, u, c, i_all (empty unless keep_current), v, i, b}.
std::vector<torch::Tensor> lsnn_recurrent_forward(
    torch::Tensor x, torch::Tensor w, torch::Tensor z0, torch::Tensor v0, torch::Tensor i0,
    torch::Tensor b0, torch::Tensor p, torch::Tensor q, torch::Tensor o, torch::Tensor r,
    torch::Tensor kb, torch::Tensor kv, torch::Tensor rs, torch::Tensor beta, bool subtract,
    bool keep_current, double dense_above) {
  const int64_t steps = x.size(0), n = v0.numel();
  auto z = torch::empty_like(x);
  auto u = torch::empty_like(x);
  auto c = torch::empty_like(x);
  auto i_all = keep_current ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto v = v0.clone();
  auto i = i0.clone();
  auto b = b0.clone();
  auto wt = w.t().contiguous();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lsnn_recurrent_forward", [&] {
    using T = scalar_t;
    const T *P = ptr<T>(p), *Q = ptr<T>(q), *O = ptr<T>(o), *R = ptr<T>(r), *KB = ptr<T>(kb),
            *KV = ptr<T>(kv), *RS = ptr<T>(rs), *BETA = ptr<T>(beta);
    T *V = ptr<T>(v), *I = ptr<T>(i), *B = ptr<T>(b);
    for (int64_t t = 0; t < steps; ++t) {
      const T* X = x.data_ptr<T>() + t * n;
      T* U = u.data_ptr<T>() + t * n;
      T* C = c.data_ptr<T>() + t * n;
      T* Z = z.data_ptr<T>() + t * n;
      elementwise(n, [&](int64_t e) {
        const T uu = P[e] * V[e] + Q[e] * I[e] + O[e];
        const T cc = KB[e] * B[e] + KV[e];
        const bool spiked = uu > cc;
        U[e] = uu;
        C[e] = cc;
        Z[e] = spiked ? T(1) : T(0);
        V[e] = spiked ? (subtract ? uu - cc : RS[e]) : uu;
        B[e] = spiked ? cc + BETA[e] : cc;
        I[e] = R[e] * I[e] + X[e];
      });
      add_recurrent<T>(t == 0 ? z0 : z[t - 1], wt, i, dense_above);
      if (keep_current) i_all[t].copy_(i);
    }
  });
  return {z, u, c, i_all, v, i, b};
}

// Recurrent LSNN backward recursion; returns {GU, GC, GI, gv0, gi0, gb0, gz0}.
std::vector<torch::Tensor> lsnn_recurrent_backward(torch::Tensor g_z, torch::Tensor g_v,
                                                   torch::Tensor g_i, torch::Tensor g_b,
                                                   torch::Tensor s, torch::Tensor z,
                                                   torch::Tensor w, torch::Tensor p,
                                                   torch::Tensor q, torch::Tensor r,
                                                   torch::Tensor kb, bool subtract) {
  const int64_t steps = g_z.size(0), n = g_v.numel();
  auto gu_all = torch::empty_like(g_z);
  auto gc_all = torch::empty_like(g_z);
  auto gi_all = torch::empty_like(g_z);
  auto g_state = torch::zeros_like(g_v);  // gradient reaching z_t through the recurrence
  auto gv = g_v.clone();
  auto gi = g_i.clone();
  auto gb = g_b.clone();
  AT_DISPATCH_FLOATING_TYPES(g_z.scalar_type(), "lsnn_recurrent_backward", [&] {
    using T = scalar_t;
    const T *P = ptr<T>(p), *Q = ptr<T>(q), *R = ptr<T>(r), *KB = ptr<T>(kb);
    T *GV = ptr<T>(gv), *GI = ptr<T>(gi), *GB = ptr<T>(gb);
    for (int64_t t = steps - 1; t >= 0; --t) {
      auto gi_t = gi_all[t];
      gi_t.copy_(gi);
      const T* GZ = g_z.data_ptr<T>() + t * n;
      const T* GS = g_state.data_ptr<T>();
      const T* S = s.data_ptr<T>() + t * n;
      const T* Z = z.data_ptr<T>() + t * n;
      T* GU = gu_all.data_ptr<T>() + t * n;
      T* GC = gc_all.data_ptr<T>() + t * n;
      // g_state still holds the recurrence gradient of z_t; the next one is written after.
      elementwise(n, [&](int64_t e) {
        const T gzs = (GZ[e] + GS[e]) * S[e];
        T g, gc;
        if (subtract) {
          g = GV[e] + gzs;
          gc = GB[e] - Z[e] * GV[e] - gzs;
        } else {
          g = GV[e] * (T(1) - Z[e]) + gzs;
          gc = GB[e] - gzs;
        }
        GU[e] = g;
        GC[e] = gc;
        GI[e] = R[e] * GI[e] + Q[e] * g;
        GV[e] = P[e] * g;
        GB[e] = KB[e] * gc;
      });
      at::mm_out(g_state, gi_t, w);
    }
  });
  return {gu_all, gc_all, gi_all, gv, gi, gb, g_state};
}

namespace {

// gwt[k, :] += sum of z[row, k] * g[row, :] over every row, for the columns k in [k0, k1).
template <typename T>
void add_spiking_gradients(const T* z, const T* g, T* gwt, int64_t rows, int64_t h, int64_t k0,
                           int64_t k1) {
  for (int64_t row = 0; row < rows; ++row) {
    const T* zr = z + row * h;
    const T* __restrict__ gr = g + row * h;
    for (int64_t k = k0; k < k1; ++k) {
      const T zk = zr[k];
      if (zk == T(0)) continue;
      T* __restrict__ acc = gwt + k * h;
#pragma omp simd
      for (int64_t m = 0; m < h; ++m) acc[m] += zk * gr[m];
    }
  }
}

template <typename T>
torch::Tensor spike_weight_gradient_typed(torch::Tensor g, torch::Tensor z, double dense_above) {
  const int64_t rows = z.size(0), h = z.size(1);
  const T* Z = z.data_ptr<T>();
  if (double(count_nonzero(Z, rows * h)) > dense_above * double(rows * h)) return g.t().mm(z);
  auto gwt = torch::zeros({h, h}, g.options());  // row k: sum of g rows where z[:, k] != 0
  const T* G = g.data_ptr<T>();
  T* W = gwt.data_ptr<T>();
  at::parallel_for(0, h, 1, [&](int64_t k0, int64_t k1) {
    add_spiking_gradients(Z, G, W, rows, h, k0, k1);
  });
  return gwt.t().contiguous();
}

}  // namespace

// sum_n g[n, :]^T z[n, :] (H x H) for g, z of shape (N, H): sparse in z below the crossover.
torch::Tensor spike_weight_gradient(torch::Tensor g, torch::Tensor z, double dense_above) {
  if (z.scalar_type() == torch::kDouble) {
    return spike_weight_gradient_typed<double>(g, z, dense_above);
  }
  TORCH_CHECK(z.scalar_type() == torch::kFloat, "spike_weight_gradient: float32 or float64");
  return spike_weight_gradient_typed<float>(g, z, dense_above);
}
