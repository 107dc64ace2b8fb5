// C++ CPU kernels of norse::lif_adex_recurrent_sequence (recurrent LIFAdEx; LIFEx without
// adaptation; LIFAdExRefrac with the refractory counter) and its backward recursion; equations
// in recurrent_adex_reference.py. Compiled in one translation unit after recurrent_cpp.cpp,
// whose helpers (SpikeLists, add_listed_rows, add_recurrent, RightProduct, StepGradient,
// recurrent_weight_gradient, with_reset) and vectorisable surrogate_exp these loops use.
// Reset, adaptation and refractory period are template parameters.

namespace {

// The step coefficients (each (B, H)), offset to one batch row or span (the backward has no
// v_leak: vl is null there).
template <typename T>
struct AdexCoefficients {
  const T *k, *ks, *vl, *th, *rs, *dt, *ka, *c, *bs, *rr;
  AdexCoefficients at(int64_t e) const {
    return {k + e, ks + e, vl + e, th + e, rs + e, dt + e, ka + e, c + e, bs + e, rr + e};
  }
};

template <typename T>
AdexCoefficients<T> adex_coefficients(torch::Tensor& k, torch::Tensor& ks, torch::Tensor* vl,
                                      torch::Tensor& th, torch::Tensor& rs, torch::Tensor& dt,
                                      torch::Tensor& ka, torch::Tensor& c, torch::Tensor& bs,
                                      torch::Tensor& rr) {
  return {k.data_ptr<T>(),  ks.data_ptr<T>(), vl != nullptr ? vl->data_ptr<T>() : nullptr,
          th.data_ptr<T>(), rs.data_ptr<T>(), dt.data_ptr<T>(),
          ka.data_ptr<T>(), c.data_ptr<T>(),  bs.data_ptr<T>(), rr.data_ptr<T>()};
}

// (v - th) / delta_T, with delta_T replaced by 1 where it is not positive.
template <typename T>
inline T adex_exponent(T v, T th, T delta) {
  return (v - th) / (delta > T(0) ? delta : T(1));
}

// E(v) = delta_T exp(min(exponent, 60)), 0 where delta_T <= 0.
template <typename T>
inline T adex_exponential(T v, T th, T delta) {
  const T x = adex_exponent(v, th, delta);
  return delta > T(0) ? delta * surrogate_exp(x > T(60) ? T(60) : x) : T(0);
}

// dE/dv = exp(exponent), 0 where the exponent is clamped or delta_T <= 0.
template <typename T>
inline T adex_slope(T v, T th, T delta) {
  const T x = adex_exponent(v, th, delta);
  return delta > T(0) && x <= T(60) ? surrogate_exp(x > T(60) ? T(60) : x) : T(0);
}

// One batch row of the LIFAdEx update (pointers at the row; j is the current after the jump);
// writes u, z, the new v (also into v_out), with kAdapt a, with kRefrac rho (also into
// rho_out): while rho > 0 no spike and v held, a and i as without refractory period.
template <typename T, bool kSubtract, bool kAdapt, bool kRefrac>
inline void adex_row(int64_t h, const AdexCoefficients<T>& p, const T* __restrict__ j,
                     T* __restrict__ v, T* __restrict__ i, T* __restrict__ a,
                     T* __restrict__ rho, T* __restrict__ u, T* __restrict__ z,
                     T* __restrict__ v_out, T* __restrict__ rho_out) {
  const T *__restrict__ K = p.k, *__restrict__ KS = p.ks, *__restrict__ VL = p.vl,
          *__restrict__ TH = p.th, *__restrict__ RS = p.rs, *__restrict__ DT = p.dt,
          *__restrict__ KA = p.ka, *__restrict__ C = p.c, *__restrict__ BS = p.bs,
          *__restrict__ RR = p.rr;
#pragma omp simd
  for (int64_t m = 0; m < h; ++m) {
    const T vv = v[m];
    T drive = (VL[m] - vv) + adex_exponential(vv, TH[m], DT[m]) + j[m];
    if (kAdapt) drive = drive - a[m];
    const T uu = vv + K[m] * drive;
    const bool above = uu > TH[m];  // the LIFAdEx step's spike
    T vn = above ? (kSubtract ? uu - TH[m] : RS[m]) : uu;
    T zn = above ? T(1) : T(0);
    if (kRefrac) {  // (selects on values: GCC vectorises these better than && of masks)
      const T r = rho[m];
      const T counted = r > T(0) ? r - T(1) : r;
      vn = r > T(0) ? vv : vn;
      zn = r > T(0) ? T(0) : zn;
      const T left = counted > T(0) ? counted : T(0);
      rho[m] = zn != T(0) ? RR[m] : left;
      rho_out[m] = rho[m];
    }
    u[m] = uu;
    z[m] = zn;
    v[m] = vn;
    v_out[m] = vn;
    i[m] = j[m] - KS[m] * j[m];
    if (kAdapt) {
      a[m] = (a[m] + KA[m] * (C[m] * (vv - VL[m]) - a[m])) + (above ? BS[m] : T(0));
    }
  }
}

// One span [e0, e1) of a backward step (mm: gj_{t+1} @ W, zero at the last step; vp, rp: the
// voltages and counters before step t; gw_t, ga_t: the gradients reaching w_t, a_t, kept for
// the caller).
template <typename T, bool kSubtract, bool kAdapt, bool kRefrac>
void adex_backward_span(int64_t e0, int64_t e1, const AdexCoefficients<T>& p,
                        const T* __restrict__ gz, const T* __restrict__ mm,
                        const T* __restrict__ s, const T* __restrict__ z,
                        const T* __restrict__ u, const T* __restrict__ vp,
                        const T* __restrict__ rp, T* __restrict__ gu, T* __restrict__ gj,
                        T* __restrict__ gw_t, T* __restrict__ ga_t, T* __restrict__ gv,
                        T* __restrict__ gi, T* __restrict__ ga, T* __restrict__ grho,
                        T* __restrict__ grr) {
  const T *__restrict__ K = p.k, *__restrict__ KS = p.ks, *__restrict__ TH = p.th,
          *__restrict__ RS = p.rs, *__restrict__ DT = p.dt, *__restrict__ KA = p.ka,
          *__restrict__ C = p.c, *__restrict__ BS = p.bs, *__restrict__ RR = p.rr;
#pragma omp simd
  for (int64_t e = e0; e < e1; ++e) {
    const T gve = gv[e];
    T g = gz[e] + mm[e];
    T held = T(0), gwe = gve;
    if (kRefrac) {
      held = rp[e] > T(0) ? T(1) : T(0);
      const T left = rp[e] - held;
      const T counted = left > T(0) ? left : T(0);
      const T free = T(1) - held;
      g = free * (g + grho[e] * (RR[e] - counted));
      grr[e] = grr[e] + grho[e] * z[e];
      grho[e] = z[e] != T(0) ? T(0) : (counted > T(0) ? grho[e] : T(0));
      gwe = free * gve;
    }
    const T above = u[e] > TH[e] ? T(1) : T(0);  // the LIFAdEx step's spike
    g = kSubtract ? g - gwe * TH[e] : g + gwe * (RS[e] - u[e]);
    if (kAdapt) g = g + ga[e] * BS[e];
    const T gue = g * s[e] + (kSubtract ? gwe : gwe * (T(1) - above));
    const T gje = K[e] * gue + (T(1) - KS[e]) * gi[e];
    gu[e] = gue;
    gj[e] = gje;
    gw_t[e] = gwe;
    T gv_next = (T(1) + K[e] * (adex_slope(vp[e], TH[e], DT[e]) - T(1))) * gue;
    if (kRefrac) gv_next = gv_next + held * gve;
    if (kAdapt) {
      ga_t[e] = ga[e];
      gv_next = gv_next + KA[e] * C[e] * ga[e];
      ga[e] = (T(1) - KA[e]) * ga[e] - K[e] * gue;
    }
    gv[e] = gv_next;
    gi[e] = gje;
  }
}
}  // namespace

// Calls f with compile-time flags (std::true_type / std::false_type) for subtract, adaptive
// and refractory.
template <typename F>
void adex_with_flags(bool subtract, bool adaptive, bool refractory, F&& f) {
  with_reset(subtract, [&](auto reset) {
    with_reset(adaptive, [&](auto adapt) {
      with_reset(refractory, [&](auto refrac) { f(reset, adapt, refrac); });
    });
  });
}

// Recurrent LIFAdEx forward (LIFEx unless `adaptive`, LIFAdExRefrac if `refractory`); returns
// {z, u, v, j, a, rho, v_T, i_T, a_T, rho_T} (j, a empty unless keep_states, a also unless
// adaptive, rho unless refractory). As the LIF forward: each batch row adds the outgoing
// weights of its neurons listed as spiking in the previous step and runs the update while the
// row is in cache; add_recurrent at the first step and after dense steps.
std::vector<torch::Tensor> lif_adex_recurrent_forward(
    torch::Tensor x, torch::Tensor w, torch::Tensor z0, torch::Tensor v0, torch::Tensor i0,
    torch::Tensor a0, torch::Tensor rho0, torch::Tensor k, torch::Tensor ks, torch::Tensor vl,
    torch::Tensor th, torch::Tensor rs, torch::Tensor delta_t, torch::Tensor ka, torch::Tensor c,
    torch::Tensor bs, torch::Tensor rho_reset, bool subtract, bool adaptive, bool refractory,
    bool keep_states, double dense_above) {
  const int64_t steps = x.size(0), n = v0.numel(), h = w.size(0);
  const int64_t batch = h > 0 ? n / h : 0;
  auto z = torch::empty_like(x);
  auto u = torch::empty_like(x);
  auto v_all = torch::empty_like(x);
  auto j = keep_states ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto a_all = keep_states && adaptive ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto rho_all = refractory ? torch::empty_like(x) : torch::empty({0}, x.options());
  auto scratch = torch::empty_like(v0);
  auto v = v0.clone();
  auto i = i0.clone();
  auto a = a0.clone();
  auto rho = rho0.clone();
  auto wt = w.t().contiguous();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lif_adex_recurrent_forward", [&] {
    using T = scalar_t;
    const auto p = adex_coefficients<T>(k, ks, &vl, th, rs, delta_t, ka, c, bs, rho_reset);
    const T* WT = wt.data_ptr<T>();
    T *V = v.data_ptr<T>(), *I = i.data_ptr<T>(), *A = a.data_ptr<T>(), *RHO = rho.data_ptr<T>();
    adex_with_flags(subtract, adaptive, refractory, [&](auto reset, auto adapt, auto refrac) {
      constexpr bool kSubtract = decltype(reset)::value, kAdapt = decltype(adapt)::value,
                     kRefrac = decltype(refrac)::value;
      SpikeLists lists[2] = {SpikeLists(batch, h), SpikeLists(batch, h)};
      for (int64_t t = 0; t < steps; ++t) {
        const SpikeLists& prev = lists[(t + 1) % 2];
        SpikeLists& current = lists[t % 2];
        auto jt = keep_states ? j[t] : scratch;
        const T* X = x.data_ptr<T>() + t * n;
        T* J = jt.data_ptr<T>();
        const bool sparse = t > 0 && double(prev.total()) <= dense_above * double(n);
        if (!sparse) {
          elementwise(n, [&](int64_t e) { J[e] = I[e] + X[e]; });
          add_recurrent<T>(t == 0 ? z0 : z[t - 1], wt, jt, dense_above);
        }
        T* U = u.data_ptr<T>() + t * n;
        T* Z = z.data_ptr<T>() + t * n;
        T* VO = v_all.data_ptr<T>() + t * n;
        T* AO = a_all.numel() > 0 ? a_all.data_ptr<T>() + t * n : nullptr;
        T* RO = kRefrac ? rho_all.data_ptr<T>() + t * n : nullptr;
        at::parallel_for(0, batch, std::max<int64_t>(1, kGrain / (h * 8 + 1)),
                         [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            const int64_t e = b * h;
            if (sparse) {
              for (int64_t m = 0; m < h; ++m) J[e + m] = I[e + m] + X[e + m];
              add_listed_rows(prev.index.data() + e, prev.count[b], WT, J + e, h);
            }
            adex_row<T, kSubtract, kAdapt, kRefrac>(h, p.at(e), J + e, V + e, I + e, A + e,
                                                    RHO + e, U + e, Z + e, VO + e,
                                                    kRefrac ? RO + e : nullptr);
            if (AO != nullptr) std::copy(A + e, A + e + h, AO + e);
            current.count[b] = list_spikes(Z + e, h, current.index.data() + e);
          }
        });
      }
    });
  });
  return {z, u, v_all, j, a_all, rho_all, v, i, a, rho};
}

// Recurrent LIFAdEx backward recursion; returns {GU, GJ, GW, GA, gv0, gi0, ga0, grho0, gz0,
// g_rho_reset, gW} (GA empty unless adaptive, gW unless need_w). g_z may have any strides.
std::vector<torch::Tensor> lif_adex_recurrent_backward(
    torch::Tensor g_z, torch::Tensor g_v, torch::Tensor g_i, torch::Tensor g_a,
    torch::Tensor g_rho, torch::Tensor s, torch::Tensor z, torch::Tensor z0, torch::Tensor u,
    torch::Tensor v, torch::Tensor v0, torch::Tensor rho, torch::Tensor rho0, torch::Tensor w,
    torch::Tensor k, torch::Tensor ks, torch::Tensor th, torch::Tensor rs, torch::Tensor delta_t,
    torch::Tensor ka, torch::Tensor c, torch::Tensor bs, torch::Tensor rho_reset, bool subtract,
    bool adaptive, bool refractory, bool need_w, double dense_above) {
  const int64_t steps = z.size(0), n = g_v.numel();
  auto gu_all = torch::empty_like(z);
  auto gj_all = torch::empty_like(z);
  auto gw_all = torch::empty_like(z);
  auto ga_all = adaptive ? torch::empty_like(z) : torch::empty({0}, z.options());
  auto mm = torch::zeros_like(g_v);  // gj_{t+1} @ W
  auto gz0 = torch::zeros_like(g_v);
  auto gv = g_v.clone();
  auto gi = g_i.clone();
  auto ga = g_a.clone();
  auto grho = g_rho.clone();
  auto g_rho_reset = torch::zeros_like(g_v);
  AT_DISPATCH_FLOATING_TYPES(z.scalar_type(), "lif_adex_recurrent_backward", [&] {
    using T = scalar_t;
    const RightProduct<T> times_w(w);
    StepGradient<T> output(g_z);
    const auto p = adex_coefficients<T>(k, ks, nullptr, th, rs, delta_t, ka, c, bs, rho_reset);
    const T* MM = mm.data_ptr<T>();
    T *GV = gv.data_ptr<T>(), *GI = gi.data_ptr<T>(), *GA = ga.data_ptr<T>(),
      *GRHO = grho.data_ptr<T>(), *GRR = g_rho_reset.data_ptr<T>();
    adex_with_flags(subtract, adaptive, refractory, [&](auto reset, auto adapt, auto refrac) {
      constexpr bool kSubtract = decltype(reset)::value, kAdapt = decltype(adapt)::value,
                     kRefrac = decltype(refrac)::value;
      for (int64_t t = steps - 1; t >= 0; --t) {
        if (t < steps - 1) times_w(gj_all[t + 1], mm);
        const T* GZ = output(t);
        const T* S = s.data_ptr<T>() + t * n;
        const T* Z = z.data_ptr<T>() + t * n;
        const T* U = u.data_ptr<T>() + t * n;
        const T* VP = t > 0 ? v.data_ptr<T>() + (t - 1) * n : v0.data_ptr<T>();
        const T* RP = !kRefrac ? nullptr : t > 0 ? rho.data_ptr<T>() + (t - 1) * n
                                                 : rho0.data_ptr<T>();
        T* GU = gu_all.data_ptr<T>() + t * n;
        T* GJ = gj_all.data_ptr<T>() + t * n;
        T* GWT = gw_all.data_ptr<T>() + t * n;
        T* GAT = kAdapt ? ga_all.data_ptr<T>() + t * n : nullptr;
        at::parallel_for(0, n, kGrain, [&](int64_t e0, int64_t e1) {
          adex_backward_span<T, kSubtract, kAdapt, kRefrac>(e0, e1, p, GZ, MM, S, Z, U, VP, RP,
                                                            GU, GJ, GWT, GAT, GV, GI, GA, GRHO,
                                                            GRR);
        });
      }
    });
    if (steps > 0) times_w(gj_all[0], gz0);
  });
  auto gw = need_w ? recurrent_weight_gradient(gj_all, z, z0, dense_above)
                   : torch::empty({0}, z.options());
  return {gu_all, gj_all, gw_all, ga_all, gv, gi, ga, grho, gz0, g_rho_reset, gw};
}
