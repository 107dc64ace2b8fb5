"""Times one library on one configuration; run inside that library's own environment.

Usage: python worker.py LIBRARY CONFIG N T B REPEATS INPUT.npy OUTPUT.npy
Prints one JSON line: median and all times (s) of forward+backward, peak extra memory (MiB).
Every library simulates the same box LIF dynamics (see benchmarks/README.md):
v = v + 0.1 * (x - v); spike if v > 1; reset to 0; surrogate: sigmoid with alpha 4.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time

import numpy as np
import torch


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def neuron(library: str):
    """A callable mapping x (T, B, N) to spikes (T, B, N)."""
    if library == "norse-core":
        import norse.torch as nt
        from norse.torch.functional.lif_box import LIFBoxParameters

        module = nt.LIFBox(
            LIFBoxParameters(tau_mem_inv=100.0, method="sigmoid", alpha=4.0), dt=1e-3
        )
        return lambda x: module(x)[0]
    if library == "norse-1.1.0":
        from norse.torch.functional.lif_box import LIFBoxParameters
        from norse.torch.module.lif_box import LIFBoxCell

        # Norse 1.1.0 has no LIFBox sequence module: loop its cell (as its SNN base does).
        cell = LIFBoxCell(LIFBoxParameters(tau_mem_inv=torch.as_tensor(100.0)), dt=1e-3)

        def run(x):
            state, spikes = None, []
            for t in range(x.shape[0]):
                z, state = cell(x[t], state)
                spikes.append(z)
            return torch.stack(spikes)

        return run
    if library == "snntorch":
        import snntorch as snn
        from snntorch import surrogate

        lif = snn.Leaky(
            beta=0.9,
            threshold=1.0,
            reset_mechanism="zero",
            reset_delay=False,
            spike_grad=surrogate.sigmoid(slope=4),
        )

        def run(x):
            mem = torch.zeros_like(x[0])
            spikes = []
            for t in range(x.shape[0]):
                spk, mem = lif(0.1 * x[t], mem)
                spikes.append(spk)
            return torch.stack(spikes)

        return run
    if library == "spikingjelly":
        from spikingjelly.activation_based import functional, surrogate
        from spikingjelly.activation_based import neuron as sj_neuron

        node = sj_neuron.LIFNode(
            tau=10.0,
            decay_input=True,
            v_threshold=1.0,
            v_reset=0.0,
            surrogate_function=surrogate.Sigmoid(alpha=4.0),
            step_mode="m",
        )

        def run(x):
            functional.reset_net(node)
            return node(x)

        return run
    raise ValueError(f"unknown library {library!r}")


def main() -> None:
    library, config, n, steps, batch, repeats, inp, out = sys.argv[1:]
    n, steps, batch, repeats = int(n), int(steps), int(batch), int(repeats)
    torch.manual_seed(0)
    lif = neuron(library)
    linear = torch.nn.Linear(n, n) if config == "linear+lif" else None
    check = torch.from_numpy(np.load(inp))
    with torch.no_grad():
        if linear is not None:
            w = torch.from_numpy(np.load(inp.replace(".npy", "_w.npy")))
            linear.weight.copy_(w)
            linear.bias.zero_()
            check = linear(check)
        np.save(out, lif(check).numpy())
    x = torch.rand(steps, batch, n) * 3
    times = []
    base = rss_mib()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for _ in range(repeats + 1):
        xi = x.clone().requires_grad_(linear is None)
        t0 = time.perf_counter()
        h = linear(xi) if linear is not None else xi
        spikes = lif(h)
        spikes.sum().backward()
        times.append(time.perf_counter() - t0)
        del xi, h, spikes
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "median_s": statistics.median(times[1:]),
                "times_s": times[1:],
                "peak_extra_mib": max(peak, peak_before) - base,
            }
        )
    )


if __name__ == "__main__":
    main()
