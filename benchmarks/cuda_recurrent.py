"""The fused recurrent layers on a device: checks against the step loop, then timing.

Called by ``cuda_kernels.py`` (and runnable alone: ``python benchmarks/cuda_recurrent.py
[--device cuda|cpu]``). On CUDA the recurrent ops are served by the PyTorch reference (no
Triton kernel yet; ``norse.torch.ops.kernel_table`` shows it): its time loop runs one dense
``addmm`` and a few elementwise kernels per step, and the parameter and weight gradients are
single batched products after the loop.

1. Checks (float64): every layer of :data:`MODELS` through the fused op against the same
   module's step loop (``record_states=True``): spikes equal, weight and parameter gradients
   within 1e-9.
2. Timing: forward + backward of ``spikes.sum()`` (weight gradients included), float32,
   T x B x N with N inputs, fused op against the step loop.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import norse.torch as norse_torch
from norse.torch.functional import izhikevich


def _izhikevich(input_size: int, hidden_size: int, trainable=()):
    return norse_torch.IzhikevichRecurrent(
        input_size, hidden_size, izhikevich.tonic_spiking, trainable=trainable
    )


MODELS = {
    "lif": (norse_torch.LIFRecurrent, ("tau_mem_inv", "v_th"), 2.0),
    "lsnn": (norse_torch.LSNNRecurrent, ("tau_mem_inv", "v_th"), 5.0),
    "lif_refrac": (norse_torch.LIFRefracRecurrent, ("lif_tau_mem_inv", "lif_v_th"), 2.0),
    "lif_ex": (norse_torch.LIFExRecurrent, ("tau_mem_inv", "delta_T"), 2.0),
    "lif_adex": (norse_torch.LIFAdExRecurrent, ("tau_ada_inv", "adaptation_spike"), 2.0),
    "lif_adex_refrac": (
        norse_torch.LIFAdExRefracRecurrent,
        ("lif_adex_tau_mem_inv", "rho_reset"),
        2.0,
    ),
    "coba_lif": (norse_torch.CobaLIFRecurrent, ("c_m_inv", "v_thresh"), 40.0),
    "izhikevich": (_izhikevich, ("a", "d"), 20.0),
}
"""The fused recurrent layers: ``name: (constructor(input_size, hidden_size, trainable=...),
trainable parameters in the check, input gain)``."""


def _run(model, x):
    model.zero_grad()
    z, _ = model(x)
    z.sum().backward()
    # zeros where no gradient reached a parameter (the loop leaves a refractory period's
    # rho_reset without one: it only enters through the counter's Heaviside)
    return z, [
        torch.zeros_like(p) if p.grad is None else p.grad.clone() for p in model.parameters()
    ]


def check(device: str) -> list[str]:
    """Fused against loop on ``device`` in float64; returns the failures (empty: passed)."""
    failures = []
    torch.manual_seed(0)
    for name, (cls, trainable, gain) in MODELS.items():
        model = cls(8, 24, trainable=trainable).double().to(device)
        x = torch.rand(60, 4, 8, dtype=torch.float64, device=device) * gain
        z_fused, g_fused = _run(model, x)
        model.record_states = True
        z_loop, g_loop = _run(model, x)
        model.record_states = False
        if not torch.equal(z_fused, z_loop) or not z_loop.any():
            failures.append(f"{name}: spikes differ from the step loop (or none)")
        for (p_name, _), a, b in zip(model.named_parameters(), g_fused, g_loop):
            if not torch.allclose(a, b, rtol=0, atol=1e-9):
                failures.append(f"{name}: gradient of {p_name} differs by {(a - b).abs().max()}")
    return failures


def _median_time(f, device: str, repeats: int = 5) -> float:
    f()
    times = []
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        f()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_sizes(device: str, steps: int, batch: int, sizes: list[int]) -> None:
    """Print fused and loop forward + backward times per model and size."""
    print(f"Recurrent layers on {device}: T={steps}, B={batch}, forward + backward")
    print(f"  {'model':<16} {'N':>6} {'fused ms':>10} {'loop ms':>10} {'speed-up':>9}")
    for name, (cls, _, gain) in MODELS.items():
        for n in sizes:
            torch.manual_seed(0)
            model = cls(n, n).to(device)
            x = torch.rand(steps, batch, n, device=device) * gain / 2
            fused = _median_time(lambda m=model, x=x: _run(m, x), device)
            model.record_states = True
            loop = _median_time(lambda m=model, x=x: _run(m, x), device, repeats=1)
            model.record_states = False
            print(
                f"  {name:<16} {n:>6} {fused * 1e3:>10.2f} {loop * 1e3:>10.2f} {loop / fused:>8.1f}x"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: run on a GPU machine, or with --device cpu")
        return 2
    failures = check(args.device)
    if failures:
        print("FAILED:", *failures, sep="\n  ")
        return 1
    print("recurrent checks passed")
    time_sizes(args.device, args.steps, args.batch, args.sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
