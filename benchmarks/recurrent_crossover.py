"""Where summing the spiking neurons' weight rows stops beating a dense matrix product.

The recurrent ops' C++ kernel computes ``z_{t-1} @ W.T`` (``B x H`` binary spikes times
``H x H`` weights) by adding the weight rows of the spiking neurons while the fraction of
nonzero spikes is at most ``norse.torch.ops.recurrent_cpp.DENSE_ABOVE``, and by one dense
product above it. This script runs the kernel's recurrent LIF forward with both paths forced
(``dense_above`` 2: always sparse, -1: always dense) on neurons made to spike at a fixed
rate (``p = q = 0``, a constant drive ``o`` above the threshold for that fraction of the
neurons: every step has the same spikes, and the same elementwise work on both paths),
for B = 16 and H in ``--sizes``, and prints the time per step and the rate from which the
dense product wins. Usage: ``python benchmarks/recurrent_crossover.py [--sizes 256 1024]``.
"""

from __future__ import annotations

import argparse
import time

import torch

from norse.torch.ops import recurrent_cpp

RATES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)


def best_time(f, repeats: int) -> float:
    """The fastest of ``repeats`` timed calls of ``f`` (after one warm-up)."""
    f()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    extension = recurrent_cpp.load()
    if extension is None:
        raise SystemExit("the recurrent C++ kernel is unavailable (see the warning above)")
    torch.manual_seed(0)
    print(f"threads: {torch.get_num_threads()}, B = {args.batch}, T = {args.steps}")
    print("| H | spike rate | sparse (us/step) | dense (us/step) | sparse / dense |")
    print("|---|---|---|---|---|")
    for h in args.sizes:
        w = torch.randn(h, h)
        x = torch.zeros(args.steps, args.batch, h)
        zeros = torch.zeros(args.batch, h)
        crossover = None
        for rate in RATES:
            o = (torch.rand(args.batch, h) < rate).float() * 2  # spikes where o > v_th = 1
            ones = torch.ones_like(zeros)

            def forward(dense_above, o=o, ones=ones, w=w, x=x, zeros=zeros):
                return extension.lif_recurrent_forward(
                    x, w, zeros, zeros, zeros, zeros, zeros, o, zeros, ones, zeros,
                    False, False, dense_above,
                )  # fmt: skip

            sparse = best_time(lambda f=forward: f(2.0), args.repeats) / args.steps
            dense = best_time(lambda f=forward: f(-1.0), args.repeats) / args.steps
            print(
                f"| {h} | {rate} | {sparse * 1e6:.1f} | {dense * 1e6:.1f} | {sparse / dense:.2f} |"
            )
            if crossover is None and sparse > dense:
                crossover = rate
        print(f"H = {h}: the dense product wins from a spike rate of about {crossover} on")


if __name__ == "__main__":
    main()
