// C++ CPU kernels of the fused recurrent CobaLIF op (norse::coba_lif_recurrent_sequence and
// its backward recursion); equations in recurrent_coba_reference.py, which these loops follow
// operation by operation. Part of the recurrent extension's one translation unit: it uses the
// helpers of recurrent_cpp.cpp (SpikeLists, list_spikes, add_recurrent, RightProduct,
// StepGradient, recurrent_weight_gradient, with_reset).
//
// Forward: the weights arrive split by sign (we = relu(W_rec), wi = relu(-W_rec)); each batch
// row passes once over the rows of the signed (we - wi).T of its neurons that spiked in the
// previous step (listed while they were computed), adding the positive parts to its jumped
// excitatory and the negated negative parts to its inhibitory conductance, then runs the
// update while the row is in cache. The first step (whose initial spikes may take any value)
// and every step after one with more than `dense_above` of the spikes nonzero use
// add_recurrent with we.T and wi.T instead. The voltages after the reset are not stored: the
// backward recomputes them from the spikes and pre-reset voltages.
// Backward: the two recurrent terms GE_{t+1} @ we and GI_{t+1} @ wi are register-blocked
// products on weights packed once per call; the weight gradients are formed from the stored
// spikes (recurrent_weight_gradient, once per sign).

namespace {

// ej[0:h] += relu(row), ij[0:h] += relu(-row): one spiking neuron's outgoing weights, signed.
// (A separate function, as add_row, so that the loop over listed rows is not vectorised.)
template <typename T>
NORSE_NOINLINE void add_signed_row(const T* __restrict__ row, T* __restrict__ ej,
                                   T* __restrict__ ij, int64_t h) {
#pragma omp simd
  for (int64_t m = 0; m < h; ++m) {
    const T w = row[m];
    ej[m] += w > T(0) ? w : T(0);
    ij[m] += w < T(0) ? -w : T(0);
  }
}

// One batch row of the CobaLIF update from the jumped conductances ej, ij (pointers at the
// row): decays them into ge, gi, integrates v, spikes and resets.
template <typename T, bool kSubtract>
inline void coba_row(int64_t h, const T* __restrict__ de, const T* __restrict__ di,
                     const T* __restrict__ k, const T* __restrict__ gl, const T* __restrict__ vr,
                     const T* __restrict__ ee, const T* __restrict__ ei, const T* __restrict__ th,
                     const T* __restrict__ rs, const T* __restrict__ ej, const T* __restrict__ ij,
                     T* __restrict__ v, T* __restrict__ ge, T* __restrict__ gi,
                     T* __restrict__ u, T* __restrict__ z) {
#pragma omp simd
  for (int64_t m = 0; m < h; ++m) {
    const T e = ej[m] - de[m] * ej[m];
    const T i = ij[m] - di[m] * ij[m];
    const T vv = v[m];
    const T uu = vv + k[m] * (gl[m] * (vr[m] - vv) + e * (ee[m] - vv) + i * (ei[m] - vv));
    const bool spiked = uu > th[m];
    u[m] = uu;
    z[m] = spiked ? T(1) : T(0);
    v[m] = spiked ? (kSubtract ? uu - th[m] : rs[m]) : uu;
    ge[m] = e;
    gi[m] = i;
  }
}

// One span [e0, e1) of a CobaLIF backward step (me, mi: GE_{t+1} @ we, GI_{t+1} @ wi, zero at
// the last step; zp, up: the spikes and pre-reset voltages of step t - 1, or null at the first
// step, whose voltage before is v0; gu_t, gv_t null where they are not kept). Writes GU, GV,
// GE, GI of step t and updates the running gradients gv, gge, ggi.
template <typename T, bool kSubtract>
void coba_backward_span(int64_t e0, int64_t e1, const T* __restrict__ gz,
                        const T* __restrict__ me, const T* __restrict__ mi,
                        const T* __restrict__ s, const T* __restrict__ z,
                        const T* __restrict__ u, const T* __restrict__ zp,
                        const T* __restrict__ up, const T* __restrict__ v0,
                        const T* __restrict__ ej, const T* __restrict__ ij,
                        const T* __restrict__ de, const T* __restrict__ di,
                        const T* __restrict__ k, const T* __restrict__ gl,
                        const T* __restrict__ ee, const T* __restrict__ ei,
                        const T* __restrict__ th, const T* __restrict__ rs, T* __restrict__ gu_t,
                        T* __restrict__ gv_t, T* __restrict__ ge_t, T* __restrict__ gi_t,
                        T* __restrict__ gv, T* __restrict__ gge, T* __restrict__ ggi) {
#pragma omp simd
  for (int64_t e = e0; e < e1; ++e) {
    const T g = gz[e] + me[e] + mi[e];
    const T gve = gv[e];
    const T gu = kSubtract ? (g - gve * th[e]) * s[e] + gve
                           : (g + gve * (rs[e] - u[e])) * s[e] + gve * (T(1) - z[e]);
    if (gu_t != nullptr) {
      gv_t[e] = gve;
      gu_t[e] = gu;
    }
    const T vp = zp == nullptr ? v0[e]
                               : (zp[e] != T(0) ? (kSubtract ? up[e] - th[e] : rs[e]) : up[e]);
    const T kg = k[e] * gu;
    const T ge = (T(1) - de[e]) * (gge[e] + kg * (ee[e] - vp));
    const T gi = (T(1) - di[e]) * (ggi[e] + kg * (ei[e] - vp));
    ge_t[e] = ge;
    gi_t[e] = gi;
    gge[e] = ge;
    ggi[e] = gi;
    const T decayed_e = ej[e] - de[e] * ej[e];
    const T decayed_i = ij[e] - di[e] * ij[e];
    gv[e] = gu * (T(1) - k[e] * (gl[e] + decayed_e + decayed_i));
  }
}

}  // namespace

// Recurrent CobaLIF forward; returns {z, u, ej, ij, v_T, ge_T, gi_T}: the jumped conductances
// of every step are empty unless keep_states.
std::vector<torch::Tensor> coba_lif_recurrent_forward(
    torch::Tensor xe, torch::Tensor xi, torch::Tensor we, torch::Tensor wi, torch::Tensor z0,
    torch::Tensor v0, torch::Tensor ge0, torch::Tensor gi0, torch::Tensor de, torch::Tensor di,
    torch::Tensor k, torch::Tensor gl, torch::Tensor vr, torch::Tensor ee, torch::Tensor ei,
    torch::Tensor th, torch::Tensor rs, bool subtract, bool keep_states, double dense_above) {
  const int64_t steps = xe.size(0), n = v0.numel(), h = we.size(0);
  const int64_t batch = h > 0 ? n / h : 0;
  auto z = torch::empty_like(xe);
  auto u = torch::empty_like(xe);
  auto none = torch::empty({0}, xe.options());
  auto ej_all = keep_states ? torch::empty_like(xe) : none;
  auto ij_all = keep_states ? torch::empty_like(xe) : none;
  auto ej_scratch = torch::empty_like(v0);
  auto ij_scratch = torch::empty_like(v0);
  auto v = v0.clone();
  auto ge = ge0.clone();
  auto gi = gi0.clone();
  auto wet = we.t().contiguous();
  auto wit = wi.t().contiguous();
  auto wt = (we - wi).t().contiguous();  // signed: relu(w) - relu(-w) = w exactly
  AT_DISPATCH_FLOATING_TYPES(xe.scalar_type(), "coba_lif_recurrent_forward", [&] {
    using T = scalar_t;
    with_reset(subtract, [&](auto reset) {
      constexpr bool kSubtract = decltype(reset)::value;
      const T *DE = ptr<T>(de), *DI = ptr<T>(di), *K = ptr<T>(k), *GL = ptr<T>(gl),
              *VR = ptr<T>(vr), *EE = ptr<T>(ee), *EI = ptr<T>(ei), *TH = ptr<T>(th),
              *RS = ptr<T>(rs), *WT = ptr<T>(wt);
      T *V = ptr<T>(v), *GE = ptr<T>(ge), *GI = ptr<T>(gi);
      SpikeLists lists[2] = {SpikeLists(batch, h), SpikeLists(batch, h)};
      for (int64_t t = 0; t < steps; ++t) {
        const SpikeLists& prev = lists[(t + 1) % 2];
        SpikeLists& current = lists[t % 2];
        auto ejt = keep_states ? ej_all[t] : ej_scratch;
        auto ijt = keep_states ? ij_all[t] : ij_scratch;
        const T* XE = xe.data_ptr<T>() + t * n;
        const T* XI = xi.data_ptr<T>() + t * n;
        T* EJ = ejt.data_ptr<T>();
        T* IJ = ijt.data_ptr<T>();
        const bool sparse = t > 0 && double(prev.total()) <= dense_above * double(n);
        if (!sparse) {
          elementwise(n, [&](int64_t e) {
            EJ[e] = GE[e] + XE[e];
            IJ[e] = GI[e] + XI[e];
          });
          auto zp = t == 0 ? z0 : z[t - 1];
          add_recurrent<T>(zp, wet, ejt, dense_above);
          add_recurrent<T>(zp, wit, ijt, dense_above);
        }
        T* U = u.data_ptr<T>() + t * n;
        T* Z = z.data_ptr<T>() + t * n;
        at::parallel_for(0, batch, std::max<int64_t>(1, kGrain / (h * 16 + 1)),
                         [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            const int64_t e = b * h;
            if (sparse) {
              for (int64_t m = 0; m < h; ++m) {
                EJ[e + m] = GE[e + m] + XE[e + m];
                IJ[e + m] = GI[e + m] + XI[e + m];
              }
              const int32_t* listed = prev.index.data() + e;
              for (int64_t l = 0; l < prev.count[b]; ++l) {
                add_signed_row(WT + int64_t(listed[l]) * h, EJ + e, IJ + e, h);
              }
            }
            coba_row<T, kSubtract>(h, DE + e, DI + e, K + e, GL + e, VR + e, EE + e, EI + e,
                                   TH + e, RS + e, EJ + e, IJ + e, V + e, GE + e, GI + e, U + e,
                                   Z + e);
            current.count[b] = list_spikes(Z + e, h, current.index.data() + e);
          }
        });
      }
    });
  });
  return {z, u, ej_all, ij_all, v, ge, gi};
}

// Recurrent CobaLIF backward recursion (recurrent_coba_reference.py); u, ej, ij are the
// forward's sequences. Returns {GU, GV, GE, GI, gv0, gge0, ggi0, gz0, gWe, gWi}: GU and GV
// empty unless need_parameters, gWe and gWi unless need_w. g_z may have any strides.
std::vector<torch::Tensor> coba_lif_recurrent_backward(
    torch::Tensor g_z, torch::Tensor g_v, torch::Tensor g_ge, torch::Tensor g_gi,
    torch::Tensor s, torch::Tensor z, torch::Tensor z0, torch::Tensor u, torch::Tensor v0,
    torch::Tensor ej, torch::Tensor ij, torch::Tensor we, torch::Tensor wi, torch::Tensor de,
    torch::Tensor di, torch::Tensor k, torch::Tensor gl, torch::Tensor ee, torch::Tensor ei,
    torch::Tensor th, torch::Tensor rs, bool subtract, bool need_w, bool need_parameters,
    double dense_above) {
  const int64_t steps = z.size(0), n = g_v.numel();
  auto none = torch::empty({0}, z.options());
  auto gu_all = need_parameters ? torch::empty_like(z) : none;
  auto gv_all = need_parameters ? torch::empty_like(z) : none;
  auto ge_all = torch::empty_like(z);
  auto gi_all = torch::empty_like(z);
  auto me = torch::zeros_like(g_v);  // GE_{t+1} @ we
  auto mi = torch::zeros_like(g_v);  // GI_{t+1} @ wi
  auto gv = g_v.clone();
  auto gge = g_ge.clone();
  auto ggi = g_gi.clone();
  auto gz0 = torch::zeros_like(g_v);
  AT_DISPATCH_FLOATING_TYPES(z.scalar_type(), "coba_lif_recurrent_backward", [&] {
    using T = scalar_t;
    const RightProduct<T> times_we(we), times_wi(wi);
    StepGradient<T> output(g_z);
    const T *DE = ptr<T>(de), *DI = ptr<T>(di), *K = ptr<T>(k), *GL = ptr<T>(gl),
            *EE = ptr<T>(ee), *EI = ptr<T>(ei), *TH = ptr<T>(th), *RS = ptr<T>(rs),
            *ME = ptr<T>(me), *MI = ptr<T>(mi), *V0 = ptr<T>(v0);
    T *GV = ptr<T>(gv), *GGE = ptr<T>(gge), *GGI = ptr<T>(ggi);
    with_reset(subtract, [&](auto reset) {
      constexpr bool kSubtract = decltype(reset)::value;
      for (int64_t t = steps - 1; t >= 0; --t) {
        if (t < steps - 1) {
          times_we(ge_all[t + 1], me);
          times_wi(gi_all[t + 1], mi);
        }
        const T* GZ = output(t);
        const T* S = s.data_ptr<T>() + t * n;
        const T* Z = z.data_ptr<T>() + t * n;
        const T* U = u.data_ptr<T>() + t * n;
        const T* ZP = t > 0 ? Z - n : nullptr;
        const T* UP = t > 0 ? U - n : nullptr;
        const T* EJ = ej.data_ptr<T>() + t * n;
        const T* IJ = ij.data_ptr<T>() + t * n;
        T* GU = need_parameters ? gu_all.data_ptr<T>() + t * n : nullptr;
        T* GVT = need_parameters ? gv_all.data_ptr<T>() + t * n : nullptr;
        T* GET = ge_all.data_ptr<T>() + t * n;
        T* GIT = gi_all.data_ptr<T>() + t * n;
        at::parallel_for(0, n, kGrain, [&](int64_t e0, int64_t e1) {
          coba_backward_span<T, kSubtract>(e0, e1, GZ, ME, MI, S, Z, U, ZP, UP, V0, EJ, IJ, DE,
                                           DI, K, GL, EE, EI, TH, RS, GU, GVT, GET, GIT, GV, GGE,
                                           GGI);
        });
      }
    });
    if (steps > 0) {
      times_we(ge_all[0], gz0);
      times_wi(gi_all[0], mi);
      gz0.add_(mi);
    }
  });
  auto g_we = need_w ? recurrent_weight_gradient(ge_all, z, z0, dense_above) : none;
  auto g_wi = need_w ? recurrent_weight_gradient(gi_all, z, z0, dense_above) : none;
  return {gu_all, gv_all, ge_all, gi_all, gv, gge, ggi, gz0, g_we, g_wi};
}
