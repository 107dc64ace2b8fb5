// C++ CPU kernels of the fused recurrent ops (norse::lif_recurrent_sequence,
// norse::lsnn_recurrent_sequence and their backward recursions). The equations are in
// recurrent_reference.py; these loops compute the same quantities. No surrogate is evaluated
// here: the backward receives the surrogate derivatives of all steps, computed in PyTorch.
// The backward writes the per-step sequences that only parameter gradients read (GU; LSNN's
// GC; the refractory GV) only when need_parameters is set (empty tensors otherwise).
//
// Forward: the recurrent input z_{t-1} @ W.T is a sum of rows of W.T (the outgoing weights of
// the neurons that spiked). Each batch row lists its spiking neurons while it computes them;
// the next step adds those weight rows and runs the neuron update while the row is in cache.
// After a step with more than `dense_above` of the spikes nonzero (and at the first step,
// whose initial spikes may take any value) the step uses add_recurrent instead (one dense
// product above the crossover). Backward: the recurrent term (a dense gradient times W) is a
// register-blocked product with W packed once per call (RightProduct); the recurrent weight
// gradient sum_t G_t.T @ z_{t-1} is formed from the stored spikes (no shifted copy of them):
// the nonzero previous spikes are listed once, then each tile of 64 output columns
// accumulates in a cache-resident buffer while the rows of G pass once (tiles in parallel);
// a dense product above the crossover. The backward reads the output gradient with its own
// strides (an expanded gradient, as `spikes.sum()` gives, is copied once, not per step).
#include <torch/extension.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#if defined(__GNUC__)
#define NORSE_NOINLINE __attribute__((noinline))
#else
#define NORSE_NOINLINE
#endif

namespace {

template <typename T>
using SurrogateRow = void (*)(const T*, const T*, T, T*, int64_t);

// The built-in surrogates' row functions, generated from their expressions (the leaky kernel's
// generator, norse.torch.ops._cpp): `surrogate_row<T>(expression)` writes s(u - th; alpha) of
// a row, or is null for an expression that is not compiled in.
@SURROGATES@

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


constexpr int64_t kTile = 64;  // columns of the weight gradient per pass over the rows

// One tile of columns [m0, m0 + width) of gW = sum_row g[row]^T z_prev[row], from the nonzero
// v = z_prev[row, k] (row-compressed in start/cols/vals): acc[k, m] += v * g[row, m0 + m] in a
// contiguous H x width buffer that stays in cache while every row of g passes once, then
// gW[m0 + m, k] = acc[k, m].
template <typename T>
void spike_gradient_tile(const T* g, const int64_t* start, const int32_t* cols, const T* vals,
                         T* gw, int64_t rows, int64_t h, int64_t m0, int64_t width) {
  std::vector<T> acc(h * width, T(0));
  for (int64_t row = 0; row < rows; ++row) {
    const T* __restrict__ gr = g + row * h + m0;
    for (int64_t e = start[row]; e < start[row + 1]; ++e) {
      const T v = vals[e];
      T* __restrict__ a = acc.data() + int64_t(cols[e]) * width;
#pragma omp simd
      for (int64_t m = 0; m < width; ++m) a[m] += v * gr[m];
    }
  }
  for (int64_t m = 0; m < width; ++m) {
    T* out = gw + (m0 + m) * h;
    for (int64_t k = 0; k < h; ++k) out[k] = acc[k * width + m];
  }
}

// sum_t g_t^T z_{t-1} (H x H) for g, z (T, B, H) and z_{-1} = z0 (B, H): the products of the
// nonzero previous spikes only, or one dense product above `dense_above` of them nonzero.
torch::Tensor recurrent_weight_gradient(torch::Tensor g, torch::Tensor z, torch::Tensor z0,
                                        double dense_above) {
  const int64_t steps = z.size(0), h = z.size(2), batch = z0.numel() / h;
  const int64_t rows = steps * batch;
  torch::Tensor result;
  AT_DISPATCH_FLOATING_TYPES(z.scalar_type(), "recurrent_weight_gradient", [&] {
    using T = scalar_t;
    const T* Z0 = z0.data_ptr<T>();
    const T* Z = z.data_ptr<T>();
    auto row_of = [&](int64_t row) { return row < batch ? Z0 + row * h : Z + (row - batch) * h; };
    int64_t nonzero = 0;
    for (int64_t row = 0; row < rows; ++row) nonzero += count_nonzero(row_of(row), h);
    if (double(nonzero) > dense_above * double(rows * h)) {
      auto z_prev = torch::cat({z0.reshape({1, batch, h}), z.narrow(0, 0, steps - 1)});
      result = g.reshape({rows, h}).t().mm(z_prev.reshape({rows, h}));
      return;
    }
    std::vector<int64_t> start(rows + 1, 0);
    std::vector<int32_t> cols;
    std::vector<T> vals;
    cols.reserve(nonzero);
    vals.reserve(nonzero);
    for (int64_t row = 0; row < rows; ++row) {
      const T* zr = row_of(row);
      for (int64_t k = 0; k < h; ++k) {
        if (zr[k] != T(0)) {
          cols.push_back(int32_t(k));
          vals.push_back(zr[k]);
        }
      }
      start[row + 1] = int64_t(cols.size());
    }
    result = torch::empty({h, h}, g.options());
    const T* G = g.data_ptr<T>();
    T* W = result.data_ptr<T>();
    const int64_t tiles = (h + kTile - 1) / kTile;
    at::parallel_for(0, tiles, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t tile = t0; tile < t1; ++tile) {
        const int64_t m0 = tile * kTile;
        spike_gradient_tile(G, start.data(), cols.data(), vals.data(), W, rows, h, m0,
                            std::min(kTile, h - m0));
      }
    });
  });
  return result;
}
// The indices of the nonzero spikes of every batch row of one step (row b's list is
// index[b * h, b * h + count[b])), written while the step's spikes are computed, so that the
// next step adds the outgoing weights of exactly these neurons.
struct SpikeLists {
  std::vector<int32_t> index;
  std::vector<int64_t> count;
  SpikeLists(int64_t batch, int64_t h) : index(batch * h), count(batch, 0) {}
  int64_t total() const {
    int64_t sum = 0;
    for (const int64_t c : count) sum += c;
    return sum;
  }
};

template <typename T>
inline int64_t list_spikes(const T* z, int64_t h, int32_t* index) {
  int64_t count = 0;
  for (int64_t k = 0; k < h; ++k) {
    index[count] = int32_t(k);
    count += z[k] != T(0);
  }
  return count;
}

// acc[0:h] += wt[k, :] for the listed k (spikes of value 1).
// (The row sum is a separate function: inlined, GCC vectorises across the listed rows with
// gathers, several times slower.)
template <typename T>
NORSE_NOINLINE void add_row(const T* __restrict__ row, T* __restrict__ acc, int64_t h) {
#pragma omp simd
  for (int64_t m = 0; m < h; ++m) acc[m] += row[m];
}

template <typename T>
inline void add_listed_rows(const int32_t* index, int64_t count, const T* wt, T* acc, int64_t h) {
  for (int64_t e = 0; e < count; ++e) add_row(wt + int64_t(index[e]) * h, acc, h);
}

// One batch row of the LIF update (pointers at the row; j is the current after the jump).
template <typename T, bool kSubtract>
inline void lif_row(int64_t h, const T* __restrict__ p, const T* __restrict__ q,
                    const T* __restrict__ o, const T* __restrict__ r, const T* __restrict__ th,
                    const T* __restrict__ rs, const T* __restrict__ j, T* __restrict__ v,
                    T* __restrict__ i, T* __restrict__ u, T* __restrict__ z) {
#pragma omp simd
  for (int64_t m = 0; m < h; ++m) {
    const T uu = p[m] * v[m] + q[m] * j[m] + o[m];
    const bool spiked = uu > th[m];
    u[m] = uu;
    z[m] = spiked ? T(1) : T(0);
    v[m] = spiked ? (kSubtract ? uu - th[m] : rs[m]) : uu;
    i[m] = r[m] * j[m];
  }
}

// One batch row of the LSNN update before the recurrent input is added to i.
template <typename T, bool kSubtract>
inline void lsnn_row(int64_t h, const T* __restrict__ p, const T* __restrict__ q,
                     const T* __restrict__ o, const T* __restrict__ r, const T* __restrict__ kb,
                     const T* __restrict__ kv, const T* __restrict__ rs,
                     const T* __restrict__ beta, const T* __restrict__ x, T* __restrict__ v,
                     T* __restrict__ i, T* __restrict__ b, T* __restrict__ u, T* __restrict__ c,
                     T* __restrict__ z) {
#pragma omp simd
  for (int64_t m = 0; m < h; ++m) {
    const T uu = p[m] * v[m] + q[m] * i[m] + o[m];
    const T cc = kb[m] * b[m] + kv[m];
    const bool spiked = uu > cc;
    u[m] = uu;
    c[m] = cc;
    z[m] = spiked ? T(1) : T(0);
    v[m] = spiked ? (kSubtract ? uu - cc : rs[m]) : uu;
    b[m] = spiked ? cc + beta[m] : cc;
    i[m] = r[m] * i[m] + x[m];
  }
}

#if defined(__AVX2__) && defined(__FMA__)
#define NORSE_RECURRENT_PANELS 1
template <typename T>
struct Simd;
template <>
struct Simd<float> {
  using V = __m256;
  static constexpr int64_t width = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
};
template <>
struct Simd<double> {
  using V = __m256d;
  static constexpr int64_t width = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static V broadcast(const double* p) { return _mm256_broadcast_sd(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
};

// c[r, 0:width] = sum_k a[r, k] panel[k, :] for R rows of a (row stride h) and one panel
// (h x 2 vectors, contiguous): R x 2 vector accumulators stay in registers.
template <typename T, int R>
inline void panel_rows(const T* a, int64_t h, const T* panel, T* c, int64_t width) {
  using S = Simd<T>;
  constexpr int64_t n = S::width;
  typename S::V lo[R], hi[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) lo[r] = hi[r] = S::zero();
  for (int64_t k = 0; k < h; ++k) {
    const auto b0 = S::load(panel + k * 2 * n), b1 = S::load(panel + k * 2 * n + n);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const auto ar = S::broadcast(a + r * h + k);
      lo[r] = S::fma(ar, b0, lo[r]);
      hi[r] = S::fma(ar, b1, hi[r]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    if (width == 2 * n) {
      S::store(c + r * h, lo[r]);
      S::store(c + r * h + n, hi[r]);
    } else {
      T out[2 * n];
      S::store(out, lo[r]);
      S::store(out + n, hi[r]);
      std::copy(out, out + width, c + r * h);
    }
  }
}
#endif

// c = a @ w for a, c (rows, h) contiguous and a fixed w (h, h): the backward's product per
// step. With AVX2 and FMA, w is packed once into panels of two vectors' width (h x 2 vectors
// contiguous, the last zero-padded) and every product runs a register-blocked kernel (6 rows
// x 2 vectors of accumulators) over the panels, in parallel: w passes through the caches once
// per step and is never repacked (a library product packs it on every call, which dominates
// at a batch of 16). Otherwise one library product per call.
template <typename T>
class RightProduct {
 public:
  explicit RightProduct(const torch::Tensor& w) : w_(w), h_(w.size(0)) {
#ifdef NORSE_RECURRENT_PANELS
    const int64_t p = 2 * Simd<T>::width, panels = (h_ + p - 1) / p;
    packed_.assign(panels * h_ * p, T(0));
    const T* W = w.data_ptr<T>();
    for (int64_t k = 0; k < h_; ++k) {
      for (int64_t m = 0; m < h_; ++m) packed_[(m / p) * h_ * p + k * p + m % p] = W[k * h_ + m];
    }
#endif
  }

  void operator()(const torch::Tensor& a, torch::Tensor& c) const {
#ifdef NORSE_RECURRENT_PANELS
    const int64_t p = 2 * Simd<T>::width, panels = (h_ + p - 1) / p, rows = a.size(0);
    const T* A = a.data_ptr<T>();
    T* C = c.data_ptr<T>();
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 18) / (rows * h_ * p));
    at::parallel_for(0, panels, grain, [&](int64_t p0, int64_t p1) {
      for (int64_t panel = p0; panel < p1; ++panel) {
        const T* P = packed_.data() + panel * h_ * p;
        const int64_t width = std::min(p, h_ - panel * p);
        for (int64_t r0 = 0; r0 < rows; r0 += 6) {
          const T* ar = A + r0 * h_;
          T* cr = C + r0 * h_ + panel * p;
          switch (std::min<int64_t>(6, rows - r0)) {
            case 6: panel_rows<T, 6>(ar, h_, P, cr, width); break;
            case 5: panel_rows<T, 5>(ar, h_, P, cr, width); break;
            case 4: panel_rows<T, 4>(ar, h_, P, cr, width); break;
            case 3: panel_rows<T, 3>(ar, h_, P, cr, width); break;
            case 2: panel_rows<T, 2>(ar, h_, P, cr, width); break;
            default: panel_rows<T, 1>(ar, h_, P, cr, width); break;
          }
        }
      }
    });
#else
    at::mm_out(c, a, w_);
#endif
  }

 private:
  torch::Tensor w_;
  int64_t h_;
  std::vector<T> packed_;
};

// The output gradient of step t as a contiguous (B, H) array: g_z's own memory when it is
// contiguous, one copy for all steps when it does not change with time (an expanded gradient,
// as `spikes.sum()` gives), else a copy per step.
template <typename T>
class StepGradient {
 public:
  explicit StepGradient(const torch::Tensor& g) : g_(g), n_(g[0].numel()) {}
  const T* operator()(int64_t t) {
    if (g_.is_contiguous()) return g_.data_ptr<T>() + t * n_;
    if (!step_.defined() || g_.stride(0) != 0) step_ = g_[t].contiguous();
    return step_.data_ptr<T>();
  }

 private:
  torch::Tensor g_, step_;
  int64_t n_;
};

// Calls f with std::true_type for subtract, else std::false_type (a compile-time reset;
// also used for the other compile-time flags, such as whether to keep a sequence).
template <typename F>
void with_reset(bool subtract, F&& f) {
  if (subtract) {
    f(std::true_type{});
  } else {
    f(std::false_type{});
  }
}
}  // namespace

// Recurrent LIF forward; returns {z, u, j (empty unless keep_current), v_T, i_T}. Each batch row
// adds the outgoing weights of its neurons that spiked in the previous step (listed while they
// were computed) and runs the update while the row is in cache; a step after one with more
// than `dense_above` of the spikes nonzero (and the first step, whose initial spikes may be
// any values) adds them with add_recurrent instead.
std::vector<torch::Tensor> lif_recurrent_forward(torch::Tensor x, torch::Tensor w,
                                                 torch::Tensor z0, torch::Tensor v0,
                                                 torch::Tensor i0, torch::Tensor p,
                                                 torch::Tensor q, torch::Tensor o,
                                                 torch::Tensor r, torch::Tensor th,
                                                 torch::Tensor rs, bool subtract,
                                                 bool keep_current, double dense_above) {
  const int64_t steps = x.size(0), n = v0.numel(), h = w.size(0);
  const int64_t batch = h > 0 ? n / h : 0;
  auto z = torch::empty_like(x);
  auto u = torch::empty_like(x);
  auto j = keep_current ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto scratch = torch::empty_like(v0);
  auto v = v0.clone();
  auto i = i0.clone();
  auto wt = w.t().contiguous();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lif_recurrent_forward", [&] {
    using T = scalar_t;
    with_reset(subtract, [&](auto reset) {
      constexpr bool kSubtract = decltype(reset)::value;
      const T *P = ptr<T>(p), *Q = ptr<T>(q), *O = ptr<T>(o), *R = ptr<T>(r), *TH = ptr<T>(th),
              *RS = ptr<T>(rs), *WT = ptr<T>(wt);
      T *V = ptr<T>(v), *I = ptr<T>(i);
      SpikeLists lists[2] = {SpikeLists(batch, h), SpikeLists(batch, h)};
      for (int64_t t = 0; t < steps; ++t) {
        const SpikeLists& prev = lists[(t + 1) % 2];
        SpikeLists& current = lists[t % 2];
        auto jt = keep_current ? j[t] : scratch;
        const T* X = x.data_ptr<T>() + t * n;
        T* J = jt.data_ptr<T>();
        const bool sparse = t > 0 && double(prev.total()) <= dense_above * double(n);
        if (!sparse) {
          elementwise(n, [&](int64_t e) { J[e] = I[e] + X[e]; });
          add_recurrent<T>(t == 0 ? z0 : z[t - 1], wt, jt, dense_above);
        }
        T* U = u.data_ptr<T>() + t * n;
        T* Z = z.data_ptr<T>() + t * n;
        at::parallel_for(0, batch, std::max<int64_t>(1, kGrain / (h * 8 + 1)),
                         [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            const int64_t e = b * h;
            if (sparse) {
              for (int64_t m = 0; m < h; ++m) J[e + m] = I[e + m] + X[e + m];
              add_listed_rows(prev.index.data() + e, prev.count[b], WT, J + e, h);
            }
            lif_row<T, kSubtract>(h, P + e, Q + e, O + e, R + e, TH + e, RS + e, J + e, V + e,
                                  I + e, U + e, Z + e);
            current.count[b] = list_spikes(Z + e, h, current.index.data() + e);
          }
        });
      }
    });
  });
  return {z, u, j, v, i};
}

// One span [e0, e1) of a LIF backward step (mm: gj_{t+1} @ W, zero at the last step).
template <typename T, bool kSubtract, bool kKeep>
void lif_backward_span(int64_t e0, int64_t e1, const T* __restrict__ gz, const T* __restrict__ mm,
                       const T* __restrict__ s, const T* __restrict__ z, const T* __restrict__ p,
                       const T* __restrict__ q, const T* __restrict__ r, T* __restrict__ gu,
                       T* __restrict__ gj, T* __restrict__ gv, T* __restrict__ gi) {
#pragma omp simd
  for (int64_t e = e0; e < e1; ++e) {
    const T g = (gz[e] + mm[e]) * s[e] + (kSubtract ? gv[e] : gv[e] * (T(1) - z[e]));
    const T gje = q[e] * g + r[e] * gi[e];
    if constexpr (kKeep) gu[e] = g;
    gj[e] = gje;
    gv[e] = p[e] * g;
    gi[e] = gje;
  }
}

// Recurrent LIF backward recursion; returns {GU (empty unless need_parameters), GJ, gv0, gi0,
// gz0, gW (empty unless need_w)}. g_z may have any strides (an expanded gradient is not copied
// per step).
std::vector<torch::Tensor> lif_recurrent_backward(torch::Tensor g_z, torch::Tensor g_v,
                                                  torch::Tensor g_i, torch::Tensor s,
                                                  torch::Tensor z, torch::Tensor z0,
                                                  torch::Tensor w, torch::Tensor p,
                                                  torch::Tensor q, torch::Tensor r, bool subtract,
                                                  bool need_w, bool need_parameters,
                                                  double dense_above) {
  const int64_t steps = z.size(0), n = g_v.numel();
  auto gu_all = need_parameters ? torch::empty_like(z) : torch::empty({0}, z.options());
  auto gj_all = torch::empty_like(z);
  auto mm = torch::zeros_like(g_v);  // gj_{t+1} @ W
  auto gv = g_v.clone();
  auto gi = g_i.clone();
  auto gz0 = torch::empty_like(g_v);
  AT_DISPATCH_FLOATING_TYPES(z.scalar_type(), "lif_recurrent_backward", [&] {
    using T = scalar_t;
    with_reset(subtract, [&](auto reset) {
      with_reset(need_parameters, [&](auto keep) {
        constexpr bool kSubtract = decltype(reset)::value, kKeep = decltype(keep)::value;
        const RightProduct<T> times_w(w);
        StepGradient<T> output(g_z);
        const T *P = ptr<T>(p), *Q = ptr<T>(q), *R = ptr<T>(r), *MM = ptr<T>(mm);
        T *GV = ptr<T>(gv), *GI = ptr<T>(gi);
        for (int64_t t = steps - 1; t >= 0; --t) {
          if (t < steps - 1) times_w(gj_all[t + 1], mm);
          const T* GZ = output(t);
          const T* S = s.data_ptr<T>() + t * n;
          const T* Z = z.data_ptr<T>() + t * n;
          T* GU = kKeep ? gu_all.data_ptr<T>() + t * n : nullptr;
          T* GJ = gj_all.data_ptr<T>() + t * n;
          at::parallel_for(0, n, kGrain, [&](int64_t e0, int64_t e1) {
            lif_backward_span<T, kSubtract, kKeep>(e0, e1, GZ, MM, S, Z, P, Q, R, GU, GJ, GV, GI);
          });
        }
        if (steps > 0) times_w(gj_all[0], gz0);
      });
    });
  });
  auto gw = need_w ? recurrent_weight_gradient(gj_all, z, z0, dense_above)
                   : torch::empty({0}, z.options());
  return {gu_all, gj_all, gv, gi, gz0, gw};
}

// Recurrent LSNN forward; returns {z, u, c, i_all (empty unless keep_current), v, i, b}. As
// the LIF forward: each batch row runs the update, then adds the outgoing weights of the
// neurons listed as spiking in the previous step to its current (add_recurrent after the
// first step and after dense steps).
std::vector<torch::Tensor> lsnn_recurrent_forward(
    torch::Tensor x, torch::Tensor w, torch::Tensor z0, torch::Tensor v0, torch::Tensor i0,
    torch::Tensor b0, torch::Tensor p, torch::Tensor q, torch::Tensor o, torch::Tensor r,
    torch::Tensor kb, torch::Tensor kv, torch::Tensor rs, torch::Tensor beta, bool subtract,
    bool keep_current, double dense_above) {
  const int64_t steps = x.size(0), n = v0.numel(), h = w.size(0);
  const int64_t batch = h > 0 ? n / h : 0;
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
    with_reset(subtract, [&](auto reset) {
      constexpr bool kSubtract = decltype(reset)::value;
      const T *P = ptr<T>(p), *Q = ptr<T>(q), *O = ptr<T>(o), *R = ptr<T>(r),
              *KB = ptr<T>(kb), *KV = ptr<T>(kv), *RS = ptr<T>(rs), *BETA = ptr<T>(beta),
              *WT = ptr<T>(wt);
      T *V = ptr<T>(v), *I = ptr<T>(i), *B = ptr<T>(b);
      SpikeLists lists[2] = {SpikeLists(batch, h), SpikeLists(batch, h)};
      for (int64_t t = 0; t < steps; ++t) {
        const SpikeLists& prev = lists[(t + 1) % 2];
        SpikeLists& current = lists[t % 2];
        const bool sparse = t > 0 && double(prev.total()) <= dense_above * double(n);
        const T* X = x.data_ptr<T>() + t * n;
        T* U = u.data_ptr<T>() + t * n;
        T* C = c.data_ptr<T>() + t * n;
        T* Z = z.data_ptr<T>() + t * n;
        at::parallel_for(0, batch, std::max<int64_t>(1, kGrain / (h * 8 + 1)),
                         [&](int64_t b0, int64_t b1) {
          for (int64_t row = b0; row < b1; ++row) {
            const int64_t e = row * h;
            lsnn_row<T, kSubtract>(h, P + e, Q + e, O + e, R + e, KB + e, KV + e, RS + e,
                                   BETA + e, X + e, V + e, I + e, B + e, U + e, C + e, Z + e);
            if (sparse) add_listed_rows(prev.index.data() + e, prev.count[row], WT, I + e, h);
            current.count[row] = list_spikes(Z + e, h, current.index.data() + e);
          }
        });
        if (!sparse) add_recurrent<T>(t == 0 ? z0 : z[t - 1], wt, i, dense_above);
        if (keep_current) i_all[t].copy_(i);
      }
    });
  });
  return {z, u, c, i_all, v, i, b};
}

// One span [e0, e1) of an LSNN backward step (gs: gi_{t+1} @ W, zero at the last step);
// keeps the gradient reaching i_t in gi_t before updating gi.
template <typename T, bool kSubtract, bool kKeep>
void lsnn_backward_span(int64_t e0, int64_t e1, const T* __restrict__ gz,
                        const T* __restrict__ gs, const T* __restrict__ s,
                        const T* __restrict__ z, const T* __restrict__ p,
                        const T* __restrict__ q, const T* __restrict__ r,
                        const T* __restrict__ kb, T* __restrict__ gu, T* __restrict__ gc,
                        T* __restrict__ gi_t, T* __restrict__ gv, T* __restrict__ gi,
                        T* __restrict__ gb) {
#pragma omp simd
  for (int64_t e = e0; e < e1; ++e) {
    const T gzs = (gz[e] + gs[e]) * s[e];
    const T g = kSubtract ? gv[e] + gzs : gv[e] * (T(1) - z[e]) + gzs;
    const T gce = kSubtract ? gb[e] - z[e] * gv[e] - gzs : gb[e] - gzs;
    if constexpr (kKeep) {
      gu[e] = g;
      gc[e] = gce;
    }
    gi_t[e] = gi[e];
    gi[e] = r[e] * gi[e] + q[e] * g;
    gv[e] = p[e] * g;
    gb[e] = kb[e] * gce;
  }
}

// Recurrent LSNN backward recursion; returns {GU, GC (both empty unless need_parameters), GI,
// gv0, gi0, gb0, gz0, gW (empty unless need_w)}. g_z may have any strides.
std::vector<torch::Tensor> lsnn_recurrent_backward(
    torch::Tensor g_z, torch::Tensor g_v, torch::Tensor g_i, torch::Tensor g_b, torch::Tensor s,
    torch::Tensor z, torch::Tensor z0, torch::Tensor w, torch::Tensor p, torch::Tensor q,
    torch::Tensor r, torch::Tensor kb, bool subtract, bool need_w, bool need_parameters,
    double dense_above) {
  const int64_t steps = z.size(0), n = g_v.numel();
  const auto kept = [&] {
    return need_parameters ? torch::empty_like(z) : torch::empty({0}, z.options());
  };
  auto gu_all = kept();
  auto gc_all = kept();
  auto gi_all = torch::empty_like(z);
  auto g_state = torch::zeros_like(g_v);  // gradient reaching z_t through the recurrence
  auto gv = g_v.clone();
  auto gi = g_i.clone();
  auto gb = g_b.clone();
  AT_DISPATCH_FLOATING_TYPES(z.scalar_type(), "lsnn_recurrent_backward", [&] {
    using T = scalar_t;
    with_reset(subtract, [&](auto reset) {
      with_reset(need_parameters, [&](auto keep) {
        constexpr bool kSubtract = decltype(reset)::value, kKeep = decltype(keep)::value;
        const RightProduct<T> times_w(w);
        StepGradient<T> output(g_z);
        const T *P = ptr<T>(p), *Q = ptr<T>(q), *R = ptr<T>(r), *KB = ptr<T>(kb),
                *GS = ptr<T>(g_state);
        T *GV = ptr<T>(gv), *GI = ptr<T>(gi), *GB = ptr<T>(gb);
        for (int64_t t = steps - 1; t >= 0; --t) {
          const T* GZ = output(t);
          const T* S = s.data_ptr<T>() + t * n;
          const T* Z = z.data_ptr<T>() + t * n;
          T* GU = kKeep ? gu_all.data_ptr<T>() + t * n : nullptr;
          T* GC = kKeep ? gc_all.data_ptr<T>() + t * n : nullptr;
          T* GIT = gi_all.data_ptr<T>() + t * n;
          // g_state still holds the recurrence gradient of z_t; the next one is written after.
          at::parallel_for(0, n, kGrain, [&](int64_t e0, int64_t e1) {
            lsnn_backward_span<T, kSubtract, kKeep>(e0, e1, GZ, GS, S, Z, P, Q, R, KB, GU, GC,
                                                    GIT, GV, GI, GB);
          });
          times_w(gi_all[t], g_state);
        }
      });
    });
  });
  auto gw = need_w ? recurrent_weight_gradient(gi_all, z, z0, dense_above)
                   : torch::empty({0}, z.options());
  return {gu_all, gc_all, gi_all, gv, gi, gb, g_state, gw};
}

// s(u_t - th_t; alpha) of every step of u (T, B, H), with th of shape (B, H) (the same every
// step) or (T, B, H), for a compiled-in expression (one pass, steps in parallel); an empty
// tensor for any other expression.
torch::Tensor surrogate_values(torch::Tensor u, torch::Tensor th, std::string expression,
                               double alpha) {
  const int64_t steps = u.size(0), n = steps > 0 ? u.numel() / steps : 0;
  const int64_t th_step = th.numel() == u.numel() ? n : 0;
  torch::Tensor s;
  AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "surrogate_values", [&] {
    using T = scalar_t;
    const SurrogateRow<T> row = surrogate_row<T>(expression);
    if (row == nullptr) {
      s = torch::empty({0}, u.options());
      return;
    }
    s = torch::empty_like(u);
    const T* U = u.data_ptr<T>();
    const T* TH = th.data_ptr<T>();
    T* S = s.data_ptr<T>();
    at::parallel_for(0, steps, std::max<int64_t>(1, kGrain / (n + 1)), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) row(U + t * n, TH + t * th_step, T(alpha), S + t * n, n);
    });
  });
  return s;
}

// Recurrent LIF with a refractory counter rho (recurrent_reference.py): the LIF step, then
// while rho_{t-1} > 0 no spike and the voltage held, and rho counted down (or set to
// rho_reset on a spike). Returns {z, u, j, v, rho, v_T, i_T, rho_T}; the currents j and the
// voltages v of every step are empty unless keep_states.
std::vector<torch::Tensor> lif_refrac_recurrent_forward(
    torch::Tensor x, torch::Tensor w, torch::Tensor z0, torch::Tensor v0, torch::Tensor i0,
    torch::Tensor rho0, torch::Tensor p, torch::Tensor q, torch::Tensor o, torch::Tensor r,
    torch::Tensor th, torch::Tensor rs, torch::Tensor rho_reset, bool subtract, bool keep_states,
    double dense_above) {
  const int64_t steps = x.size(0), n = v0.numel();
  auto z = torch::empty_like(x);
  auto u = torch::empty_like(x);
  auto j = keep_states ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto v_all = keep_states ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto rho_all = torch::empty_like(x);
  auto scratch = torch::empty_like(v0);
  auto v = v0.clone();
  auto i = i0.clone();
  auto rho = rho0.clone();
  auto wt = w.t().contiguous();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lif_refrac_recurrent_forward", [&] {
    using T = scalar_t;
    const T *P = ptr<T>(p), *Q = ptr<T>(q), *O = ptr<T>(o), *R = ptr<T>(r), *TH = ptr<T>(th),
            *RS = ptr<T>(rs), *RR = ptr<T>(rho_reset);
    T *V = ptr<T>(v), *I = ptr<T>(i), *RHO = ptr<T>(rho);
    for (int64_t t = 0; t < steps; ++t) {
      auto jt = keep_states ? j[t] : scratch;
      const T* X = x.data_ptr<T>() + t * n;
      T* J = jt.data_ptr<T>();
      elementwise(n, [&](int64_t e) { J[e] = I[e] + X[e]; });
      add_recurrent<T>(t == 0 ? z0 : z[t - 1], wt, jt, dense_above);
      T* U = u.data_ptr<T>() + t * n;
      T* Z = z.data_ptr<T>() + t * n;
      T* RHO_T = rho_all.data_ptr<T>() + t * n;
      T* V_T = keep_states ? v_all.data_ptr<T>() + t * n : nullptr;
      elementwise(n, [&](int64_t e) {
        const T uu = P[e] * V[e] + Q[e] * J[e] + O[e];
        const bool refractory = RHO[e] > T(0);
        const bool above = uu > TH[e];
        const bool spiked = above && !refractory;
        U[e] = uu;
        Z[e] = spiked ? T(1) : T(0);
        if (!refractory) V[e] = above ? (subtract ? uu - TH[e] : RS[e]) : uu;
        const T counted = RHO[e] - (refractory ? T(1) : T(0));
        RHO[e] = spiked ? RR[e] : (counted > T(0) ? counted : T(0));
        RHO_T[e] = RHO[e];
        I[e] = R[e] * J[e];
        if (V_T != nullptr) V_T[e] = V[e];
      });
    }
  });
  return {z, u, j, v_all, rho_all, v, i, rho};
}

// One span [e0, e1) of a refractory LIF backward step (mm: gj_{t+1} @ W, zero at the last
// step; rp: the counters before step t; ga: GV of step t).
template <typename T, bool kSubtract, bool kKeep>
void lif_refrac_backward_span(int64_t e0, int64_t e1, const T* __restrict__ gz,
                              const T* __restrict__ mm, const T* __restrict__ s,
                              const T* __restrict__ z, const T* __restrict__ rp,
                              const T* __restrict__ p, const T* __restrict__ q,
                              const T* __restrict__ r, const T* __restrict__ rr,
                              T* __restrict__ gu, T* __restrict__ gj, T* __restrict__ ga,
                              T* __restrict__ gv, T* __restrict__ gi, T* __restrict__ grho,
                              T* __restrict__ grr) {
#pragma omp simd
  for (int64_t e = e0; e < e1; ++e) {
    const bool refractory = rp[e] > T(0);
    const T left = rp[e] - (refractory ? T(1) : T(0));
    const T counted = left > T(0) ? left : T(0);
    const T zt = z[e];
    const T gzt = gz[e] + mm[e] + grho[e] * (rr[e] - counted);
    const T free = gzt * s[e] + (kSubtract ? gv[e] : gv[e] * (T(1) - zt));
    const T g = refractory ? T(0) : free;
    const T gje = q[e] * g + r[e] * gi[e];
    if constexpr (kKeep) {
      gu[e] = g;
      ga[e] = gv[e];
    }
    gj[e] = gje;
    grr[e] += grho[e] * zt;
    gv[e] = refractory ? gv[e] : p[e] * g;
    gi[e] = gje;
    grho[e] = (zt == T(0) && counted > T(0)) ? grho[e] : T(0);
  }
}

// Recurrent refractory LIF backward recursion (recurrent_reference.py); rho holds the
// forward's counters after every step. Returns {GU, GJ, GV, gv0, gi0, grho0, gz0,
// g_rho_reset, gW} (GU and GV empty unless need_parameters, gW unless need_w). g_z may have
// any strides.
std::vector<torch::Tensor> lif_refrac_recurrent_backward(
    torch::Tensor g_z, torch::Tensor g_v, torch::Tensor g_i, torch::Tensor g_rho, torch::Tensor s,
    torch::Tensor z, torch::Tensor z0, torch::Tensor rho, torch::Tensor rho0, torch::Tensor w,
    torch::Tensor p, torch::Tensor q, torch::Tensor r, torch::Tensor rho_reset, bool subtract,
    bool need_w, bool need_parameters, double dense_above) {
  const int64_t steps = z.size(0), n = g_v.numel();
  const auto kept = [&] {
    return need_parameters ? torch::empty_like(z) : torch::empty({0}, z.options());
  };
  auto gu_all = kept();
  auto gj_all = torch::empty_like(z);
  auto gv_all = kept();
  auto mm = torch::zeros_like(g_v);  // gj_{t+1} @ W
  auto gz0 = torch::empty_like(g_v);
  auto gv = g_v.clone();
  auto gi = g_i.clone();
  auto grho = g_rho.clone();
  auto g_rho_reset = torch::zeros_like(g_v);
  AT_DISPATCH_FLOATING_TYPES(z.scalar_type(), "lif_refrac_recurrent_backward", [&] {
    using T = scalar_t;
    const RightProduct<T> times_w(w);  // the LIF backward's product per step
    StepGradient<T> output(g_z);
    const T *P = ptr<T>(p), *Q = ptr<T>(q), *R = ptr<T>(r), *RR = ptr<T>(rho_reset);
    const T* MM = ptr<T>(mm);
    T *GV = ptr<T>(gv), *GI = ptr<T>(gi), *GRHO = ptr<T>(grho), *GRR = ptr<T>(g_rho_reset);
    with_reset(subtract, [&](auto reset) {
      with_reset(need_parameters, [&](auto keep) {
        constexpr bool kSubtract = decltype(reset)::value, kKeep = decltype(keep)::value;
        for (int64_t t = steps - 1; t >= 0; --t) {
          if (t < steps - 1) times_w(gj_all[t + 1], mm);
          const T* GZ = output(t);
          const T* S = s.data_ptr<T>() + t * n;
          const T* Z = z.data_ptr<T>() + t * n;
          const T* RP = t > 0 ? rho.data_ptr<T>() + (t - 1) * n : rho0.data_ptr<T>();
          T* GU = kKeep ? gu_all.data_ptr<T>() + t * n : nullptr;
          T* GJ = gj_all.data_ptr<T>() + t * n;
          T* GA = kKeep ? gv_all.data_ptr<T>() + t * n : nullptr;
          at::parallel_for(0, n, kGrain, [&](int64_t e0, int64_t e1) {
            lif_refrac_backward_span<T, kSubtract, kKeep>(e0, e1, GZ, MM, S, Z, RP, P, Q, R, RR,
                                                          GU, GJ, GA, GV, GI, GRHO, GRR);
          });
        }
      });
    });
    if (steps > 0) times_w(gj_all[0], gz0);
  });
  auto gw = need_w ? recurrent_weight_gradient(gj_all, z, z0, dense_above)
                   : torch::empty({0}, z.options());
  return {gu_all, gj_all, gv_all, gv, gi, grho, gz0, g_rho_reset, gw};
}
