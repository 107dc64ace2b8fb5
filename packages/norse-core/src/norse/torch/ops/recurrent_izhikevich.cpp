// C++ CPU kernels of norse::izhikevich_recurrent_sequence and its backward recursion (the
// equations are in recurrent_izhikevich_reference.py; these loops compute the same quantities
// in the same order). Compiled after recurrent_cpp.cpp in one translation unit: the forward
// adds the previous step's spiking neurons' weight rows as the LIF forward does (SpikeLists,
// add_listed_rows, add_recurrent above the crossover), the backward uses the packed product
// (RightProduct), the strided output gradient (StepGradient) and recurrent_weight_gradient.

namespace {

// One batch row of the Izhikevich update with the current i (pointers at the row).
template <typename T>
inline void izhikevich_row(int64_t h, const T* __restrict__ k, const T* __restrict__ a,
                           const T* __restrict__ b, const T* __restrict__ c,
                           const T* __restrict__ d, const T* __restrict__ sq,
                           const T* __restrict__ mn, const T* __restrict__ bias,
                           const T* __restrict__ th, const T* __restrict__ i, T* __restrict__ v,
                           T* __restrict__ u, T* __restrict__ vp, T* __restrict__ z) {
#pragma omp simd
  for (int64_t m = 0; m < h; ++m) {
    const T vv = v[m], uu = u[m];
    const T vn = vv + k[m] * (sq[m] * vv * vv + mn[m] * vv + bias[m] - uu + i[m]);
    const T un = uu + k[m] * a[m] * (b[m] * vv - uu);
    const T zz = vn > th[m] ? T(1) : T(0);
    vp[m] = vn;
    z[m] = zz;
    v[m] = (T(1) - zz) * vn + zz * c[m];
    u[m] = un + zz * d[m];
  }
}

// One span [e0, e1) of a backward step (mm: gi_{t+1} @ W, zero at the last step; vpp, zp:
// the pre-reset voltages and spikes of step t - 1, or v0 and zeros at the first step).
template <typename T>
void izhikevich_backward_span(int64_t e0, int64_t e1, const T* __restrict__ gz,
                              const T* __restrict__ mm, const T* __restrict__ s,
                              const T* __restrict__ z, const T* __restrict__ vp,
                              const T* __restrict__ vpp, const T* __restrict__ zp,
                              const T* __restrict__ k, const T* __restrict__ a,
                              const T* __restrict__ b, const T* __restrict__ c,
                              const T* __restrict__ d, const T* __restrict__ sq,
                              const T* __restrict__ mn, T* __restrict__ gv_t,
                              T* __restrict__ gu_t, T* __restrict__ gi_t, T* __restrict__ gv,
                              T* __restrict__ gu, T* __restrict__ gc, T* __restrict__ gd,
                              T* __restrict__ gth) {
#pragma omp simd
  for (int64_t e = e0; e < e1; ++e) {
    const T zt = z[e], gve = gv[e], gue = gu[e];
    const T gzt = gz[e] + mm[e] + (c[e] - vp[e]) * gve + d[e] * gue;
    const T gzs = s[e] * gzt;
    const T g = (T(1) - zt) * gve + gzs;
    gv_t[e] = g;
    gu_t[e] = gue;
    gi_t[e] = k[e] * g;
    gc[e] += zt * gve;
    gd[e] += zt * gue;
    gth[e] -= gzs;
    const T v = (T(1) - zp[e]) * vpp[e] + zp[e] * c[e];
    const T ka = k[e] * a[e];
    gv[e] = g * (T(1) + k[e] * (T(2) * sq[e] * v + mn[e])) + gue * ka * b[e];
    gu[e] = gue * (T(1) - ka) - k[e] * g;
  }
}

}  // namespace

// Recurrent Izhikevich forward; returns {z, vp, u, i, v_T, u_T} (the recovery u and currents
// i of every step empty unless keep_states). Each batch row adds the outgoing weights of its
// neurons listed as spiking in the previous step to its current and runs the update while the
// row is in cache; the first step and a step after one with more than `dense_above` of the
// spikes nonzero use add_recurrent instead.
std::vector<torch::Tensor> izhikevich_recurrent_forward(
    torch::Tensor x, torch::Tensor w, torch::Tensor z0, torch::Tensor v0, torch::Tensor u0,
    torch::Tensor k, torch::Tensor a, torch::Tensor b, torch::Tensor c, torch::Tensor d,
    torch::Tensor sq, torch::Tensor mn, torch::Tensor bias, torch::Tensor th, bool keep_states,
    double dense_above) {
  const int64_t steps = x.size(0), n = v0.numel(), h = w.size(0);
  const int64_t batch = h > 0 ? n / h : 0;
  auto z = torch::empty_like(x);
  auto vp = torch::empty_like(x);
  auto u_all = keep_states ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto i_all = keep_states ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto scratch = torch::empty_like(v0);
  auto v = v0.clone();
  auto u = u0.clone();
  auto wt = w.t().contiguous();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "izhikevich_recurrent_forward", [&] {
    using T = scalar_t;
    const T *K = ptr<T>(k), *A = ptr<T>(a), *B = ptr<T>(b), *C = ptr<T>(c), *D = ptr<T>(d),
            *SQ = ptr<T>(sq), *MN = ptr<T>(mn), *BIAS = ptr<T>(bias), *TH = ptr<T>(th),
            *WT = ptr<T>(wt);
    T *V = ptr<T>(v), *U = ptr<T>(u);
    SpikeLists lists[2] = {SpikeLists(batch, h), SpikeLists(batch, h)};
    for (int64_t t = 0; t < steps; ++t) {
      const SpikeLists& prev = lists[(t + 1) % 2];
      SpikeLists& current = lists[t % 2];
      auto it = keep_states ? i_all[t] : scratch;
      const T* X = x.data_ptr<T>() + t * n;
      T* I = it.data_ptr<T>();
      const bool sparse = t > 0 && double(prev.total()) <= dense_above * double(n);
      if (!sparse) {
        elementwise(n, [&](int64_t e) { I[e] = X[e]; });
        add_recurrent<T>(t == 0 ? z0 : z[t - 1], wt, it, dense_above);
      }
      T* VP = vp.data_ptr<T>() + t * n;
      T* Z = z.data_ptr<T>() + t * n;
      at::parallel_for(0, batch, std::max<int64_t>(1, kGrain / (h * 8 + 1)),
                       [&](int64_t b0, int64_t b1) {
        for (int64_t row = b0; row < b1; ++row) {
          const int64_t e = row * h;
          if (sparse) {
            std::copy(X + e, X + e + h, I + e);
            add_listed_rows(prev.index.data() + e, prev.count[row], WT, I + e, h);
          }
          izhikevich_row<T>(h, K + e, A + e, B + e, C + e, D + e, SQ + e, MN + e, BIAS + e,
                            TH + e, I + e, V + e, U + e, VP + e, Z + e);
          current.count[row] = list_spikes(Z + e, h, current.index.data() + e);
        }
      });
      if (keep_states) u_all[t].copy_(u);
    }
  });
  return {z, vp, u_all, i_all, v, u};
}

// Recurrent Izhikevich backward recursion (recurrent_izhikevich_reference.py); returns {GV, GU,
// GI, gv0, gu0, gz0, g_c, g_d, g_vth, gW (empty unless need_w)}. g_z may have any strides.
std::vector<torch::Tensor> izhikevich_recurrent_backward(
    torch::Tensor g_z, torch::Tensor g_v, torch::Tensor g_u, torch::Tensor s, torch::Tensor z,
    torch::Tensor vp, torch::Tensor z0, torch::Tensor v0, torch::Tensor w, torch::Tensor k,
    torch::Tensor a, torch::Tensor b, torch::Tensor c, torch::Tensor d, torch::Tensor sq,
    torch::Tensor mn, bool need_w, double dense_above) {
  const int64_t steps = z.size(0), n = g_v.numel();
  auto gv_all = torch::empty_like(z);
  auto gu_all = torch::empty_like(z);
  auto gi_all = torch::empty_like(z);
  auto mm = torch::zeros_like(g_v);  // gi_{t+1} @ W
  auto no_spikes = torch::zeros_like(g_v);
  auto gz0 = torch::empty_like(g_v);
  auto gv = g_v.clone();
  auto gu = g_u.clone();
  auto g_c = torch::zeros_like(g_v);
  auto g_d = torch::zeros_like(g_v);
  auto g_th = torch::zeros_like(g_v);
  AT_DISPATCH_FLOATING_TYPES(z.scalar_type(), "izhikevich_recurrent_backward", [&] {
    using T = scalar_t;
    const RightProduct<T> times_w(w);
    StepGradient<T> output(g_z);
    const T *K = ptr<T>(k), *A = ptr<T>(a), *B = ptr<T>(b), *C = ptr<T>(c), *D = ptr<T>(d),
            *SQ = ptr<T>(sq), *MN = ptr<T>(mn), *MM = ptr<T>(mm);
    T *GV = ptr<T>(gv), *GU = ptr<T>(gu), *GC = ptr<T>(g_c), *GD = ptr<T>(g_d),
      *GTH = ptr<T>(g_th);
    for (int64_t t = steps - 1; t >= 0; --t) {
      if (t < steps - 1) times_w(gi_all[t + 1], mm);
      const T* GZ = output(t);
      const T* S = s.data_ptr<T>() + t * n;
      const T* Z = z.data_ptr<T>() + t * n;
      const T* VP = vp.data_ptr<T>() + t * n;
      const T* VPP = t > 0 ? VP - n : v0.data_ptr<T>();
      const T* ZP = t > 0 ? Z - n : no_spikes.data_ptr<T>();
      T* GVT = gv_all.data_ptr<T>() + t * n;
      T* GUT = gu_all.data_ptr<T>() + t * n;
      T* GIT = gi_all.data_ptr<T>() + t * n;
      at::parallel_for(0, n, kGrain, [&](int64_t e0, int64_t e1) {
        izhikevich_backward_span<T>(e0, e1, GZ, MM, S, Z, VP, VPP, ZP, K, A, B, C, D, SQ, MN,
                                    GVT, GUT, GIT, GV, GU, GC, GD, GTH);
      });
    }
    if (steps > 0) times_w(gi_all[0], gz0);
  });
  auto gw = need_w ? recurrent_weight_gradient(gi_all, z, z0, dense_above)
                   : torch::empty({0}, z.options());
  return {gv_all, gu_all, gi_all, gv, gu, gz0, g_c, g_d, g_th, gw};
}
