"""The dt = 1e-4, r = tau/dt convention of snnTorch and SpikingJelly, against a hand-written
forward-Euler reference (the peers themselves: test_interop_matrix.py)."""

import nir
import numpy as np
import torch

import norse_nir


def test_r_equals_tau_over_dt_graph_reproduces_forward_euler():
    tau, dt = 1e-3, 1e-4
    graph = nir.NIRGraph.from_list(
        nir.LIF(
            tau=np.full(1, tau),
            r=np.full(1, tau / dt),
            v_leak=np.zeros(1),
            v_threshold=np.ones(1),
            v_reset=np.zeros(1),
        )
    )
    x = torch.zeros(100, 1, 1)
    x[::2] = 0.3
    out, _ = norse_nir.from_nir(graph, dt=dt)(x)
    v, spikes = 0.0, []
    for t in range(100):  # v[t+1] = (1 - dt/tau) v[t] + (dt/tau) r x[t] = 0.9 v + x
        v = 0.9 * v + float(x[t])
        spikes.append(float(v > 1.0))
        v = 0.0 if v > 1.0 else v
    assert out.flatten().tolist() == spikes
    assert sum(spikes) >= 3  # Norse 1.1.0 ignores r (uses r = 1) and emits none
