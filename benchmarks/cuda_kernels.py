"""Check norse-cuda's Triton kernels against the reference on a GPU, then time them.

One short run on a CUDA machine with norse-core and norse-cuda installed::

    python benchmarks/cuda_kernels.py            # checks, then T=500, B=16, N in 128 1024 4096

1. Checks: for every combination of (current, spiking, reset) of the leaky op and several
   surrogates, the Triton forward and backward against the PyTorch reference on the same
   device (float32: spikes equal, voltages and gradients to rounding; float64 as well), and
   ``norse.torch.ops.leaky_sequence`` with autograd served by norse-cuda against the same op
   with ``NORSE_KERNELS=reference`` (float64); the kernel table shows what serves the op. Any failure ends the run with status 1.
2. Timing (median of ``triton.testing.do_bench``): the box LIF dynamics (no current, reset to
   value, SuperSpike) on ``(T, B, N)`` float32, forward and forward + backward (gradient to
   the input), Triton kernels against the reference kernels, and the whole autograd op.
   Achieved bandwidth counts the bytes the fused op must move: forward reads ``x`` and writes
   ``out`` and ``u``; backward reads ``u`` and ``g_out`` and writes ``g_x`` (24 bytes per
   element and step in float32).

3. The fused recurrent layers (``cuda_recurrent.py``): checks against the step loop, and
   forward + backward times at N = 256 and 1024 (served by the reference on CUDA).

``--device cpu`` runs the same script on tiny sizes under Triton's interpreter
(``TRITON_INTERPRET=1``), to check the script itself on a machine without a GPU.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 1024, 4096])
    parser.add_argument("--skip-checks", action="store_true")
    parser.add_argument("--skip-timing", action="store_true")
    return parser.parse_args()


ARGS = parse_args()
if ARGS.device == "cpu":
    os.environ["TRITON_INTERPRET"] = "1"  # must precede the first import of triton

import cuda_recurrent  # noqa: E402  (the fused recurrent layers, next to this script)
import torch  # noqa: E402
import triton  # noqa: E402

from norse import plugins  # noqa: E402
from norse.torch import ops  # noqa: E402
from norse.torch.ops import contract  # noqa: E402
from norse_cuda import leaky  # noqa: E402

GRADS = contract.LEAKY_GRAD_NAMES


def surrogate(method, u, v_th, alpha):
    """The surrogate derivative of every step, as the core passes it to a kernel."""
    return plugins.get("surrogates", method).derivative(u - v_th, alpha).to(u.dtype)


failures: list[str] = []


def case(shape, steps, *, current, dtype, device, seed):
    """Random leaky-model inputs: per-neuron coefficients, a scalar threshold and reset."""
    g = torch.Generator().manual_seed(seed)

    def rand(lo, hi, size=shape):
        return (lo + (hi - lo) * torch.rand(size, generator=g, dtype=torch.float64)).to(
            device=device, dtype=dtype
        )

    x = (torch.randn((steps, *shape), generator=g, dtype=torch.float64) * 0.6 + 0.25).to(
        device=device, dtype=dtype
    )
    scalar = torch.tensor(0.5, dtype=dtype, device=device).expand(shape)
    return {
        "x": x,
        "v0": rand(-0.2, 0.6),
        "i0": rand(-0.3, 0.3) if current else None,
        "p": rand(0.7, 0.95),
        "q": rand(0.3, 1.2),
        "o": rand(-0.05, 0.1),
        "r": rand(0.6, 0.9) if current else None,
        "v_th": scalar,
        "v_reset": torch.zeros(shape, dtype=dtype, device=device),
    }


def fwd_args(c):
    return [c[k] for k in ("x", "v0", "i0", "p", "q", "o", "r", "v_th", "v_reset")]


def bwd_args(c, u, g_out):
    return [g_out, None, None, c["x"], u, c["v0"], c["i0"], c["p"], c["q"], c["r"]]


def compare(label, got, want, rtol, atol):
    worst = 0.0
    for a, b in zip(got, want):
        if (a is None) != (b is None):
            failures.append(f"{label}: one side returned None")
            return
        if b is None or b.numel() == 0:
            continue
        scale = atol + rtol * b.abs()
        worst = max(worst, ((a - b).abs() / scale).max().item())
    status = "ok" if worst <= 1 else "FAIL"
    if worst > 1:
        failures.append(label)
    print(f"  {label:<60} worst |diff|/tol {worst:8.3g}  {status}")


def check_kernels(device, shape, steps):
    tolerances = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-11, 1e-11)}
    methods = ["super", "atan", "heavi_erfc", "tanh"]
    configs = list(itertools.product((False, True), (False, True), (False, True)))
    for dtype, (current, spiking, subtract) in itertools.product(tolerances, configs):
        rtol, atol = tolerances[dtype]
        seed = 4 * current + 2 * spiking + subtract
        c = case(shape, steps, current=current, dtype=dtype, device=device, seed=seed)
        f_args = [*fwd_args(c), spiking, subtract]
        got = leaky.leaky_forward(*f_args)
        want = contract.leaky_forward(*f_args)
        name = f"{str(dtype)[6:]} current={current:d} spiking={spiking:d} subtract={subtract:d}"
        if spiking:
            flips = (got[0] != want[0]).sum().item()
            print(f"  {name + ' spikes':<60} {flips} of {want[0].numel()} differ")
            if flips:
                failures.append(f"{name}: {flips} spikes differ")
        compare(f"{name} forward", got[1:], want[1:], rtol, atol)
        u = want[1] if spiking else want[0]
        g_out = torch.randn(u.shape, generator=torch.Generator().manual_seed(seed)).to(u)
        needs = [True, True, current, True, True, True, current, spiking, spiking]
        method = methods[seed % len(methods)]
        s = surrogate(method, u, c["v_th"], 4.0) if spiking else None
        tail = [c["v_th"], c["v_reset"], s, spiking, subtract, needs]
        got_g = leaky.leaky_backward(*bwd_args(c, u, g_out), *tail)
        want_g = contract.leaky_backward(*bwd_args(c, u, g_out), *tail)
        compare(f"{name} backward ({method})", got_g, want_g, rtol * 10, atol * 10)


def check_op(device, shape, steps):
    """The autograd op served by norse-cuda against the same op forced to the reference."""
    print("  kernel table for", device)
    for choice in ops.kernel_table((device,)):
        print(f"    {choice.op}: {choice.source} ({choice.description})")
    results = {}
    for mode in ("norse-cuda", "reference"):
        os.environ.pop(ops.KERNELS_ENV, None)
        if mode == "reference":
            os.environ[ops.KERNELS_ENV] = "reference"
        c = case(shape, steps, current=True, dtype=torch.float64, device=device, seed=99)
        x = c["x"].requires_grad_()
        p = torch.tensor(0.9, dtype=torch.float64, device=device, requires_grad=True)
        q = c["q"].requires_grad_()
        out, v, i = ops.leaky_sequence(
            x, c["v0"], c["i0"], p=p, q=q, o=0.0, r=c["r"], v_th=0.5, reset="subtract"
        )
        loss = out.sum() + v.square().sum() + i.sum()
        results[mode] = [out, v, i, *torch.autograd.grad(loss, [x, p, q])]
    os.environ.pop(ops.KERNELS_ENV, None)
    compare("leaky_sequence op, float64 (autograd)", results["norse-cuda"], results["reference"],
            1e-9, 1e-9)  # fmt: skip


def bench(fn):
    """Median milliseconds of ``fn`` (L2 cache flushed between runs on a GPU)."""
    if ARGS.device == "cuda":
        return triton.testing.do_bench(fn, warmup=10, rep=60, return_mode="median")
    fn()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def peak_bandwidth(device):
    props = torch.cuda.get_device_properties(device)
    clock = getattr(props, "memory_clock_rate", None)  # kHz
    width = getattr(props, "memory_bus_width", None)  # bits
    if not clock or not width:
        return None
    return 2 * clock * 1e3 * width / 8 / 1e9  # GB/s, double data rate


def time_size(device, steps, batch, n, peak):
    """Print the timing rows of one size ``N``."""
    shape = (batch, n)
    x = torch.rand((steps, *shape), device=device) * 2.2
    v0 = torch.zeros(shape, device=device)
    k = {
        name: torch.tensor(value, device=device).expand(shape)
        for name, value in (("p", 0.9), ("q", 0.1), ("o", 0.0), ("v_th", 1.0), ("v_reset", 0.0))
    }
    f_args = [x, v0, None, k["p"], k["q"], k["o"], None, k["v_th"], k["v_reset"], True, False]
    g_out = torch.ones_like(x)
    out, u, _, _ = leaky.leaky_forward(*f_args)
    s = surrogate("super", u, k["v_th"], 100.0)
    tail = [k["v_th"], k["v_reset"], s, True, False, [True] + [False] * 8]

    def backward(kernels):
        return kernels.leaky_backward(g_out, None, None, None, u, v0, None, k["p"], k["q"], None,
                                      *tail)  # fmt: skip

    def both(kernels):
        _, u_, _, _ = kernels.leaky_forward(*f_args)
        return kernels.leaky_backward(g_out, None, None, None, u_, v0, None, k["p"], k["q"],
                                      None, *tail)  # fmt: skip

    def op(reference):
        if reference:
            os.environ[ops.KERNELS_ENV] = "reference"
        xg = x.detach().requires_grad_()
        out, _, _ = ops.leaky_sequence(xg, 0.0, None, p=0.9, q=0.1, o=0.0, v_th=1.0)
        out.backward(g_out)
        os.environ.pop(ops.KERNELS_ENV, None)

    rows = [
        ("forward", lambda: leaky.leaky_forward(*f_args),
         lambda: contract.leaky_forward(*f_args), 12),
        ("backward", lambda: backward(leaky), lambda: backward(contract), 12),
        ("forward+backward", lambda: both(leaky), lambda: both(contract), 24),
    ]  # fmt: skip
    if device == "cuda":  # on the CPU the op is served by the core's C++ kernels
        rows.append(("autograd op fwd+bwd", lambda: op(False), lambda: op(True), 24))
    for what, fast, slow, bytes_per_element in rows:
        t_fast, t_slow = bench(fast), bench(slow)
        gbs = bytes_per_element * x.numel() / (t_fast * 1e-3) / 1e9
        share = f" ({gbs / peak:.1%} of peak)" if peak else ""
        print(f"  {n:>6} {what:<22} {t_fast:>10.3f} {t_slow:>13.3f} {t_slow / t_fast:>8.1f}x"
              f" {gbs:>12.1f}{share}")  # fmt: skip
    print(f"  {n:>6} spike rate {out.mean().item():.3f}")
    if device == "cuda":
        for label, reference in (("triton", False), ("reference", True)):
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            op(reference)
            torch.cuda.synchronize()
            extra = (torch.cuda.max_memory_allocated() - base) / 2**20
            print(f"  {n:>6} autograd op peak extra memory ({label}): {extra:.1f} MiB")


def time_sizes(device, steps, batch, sizes):
    peak = peak_bandwidth(device) if device == "cuda" else None
    print(f"\nTiming: T={steps}, B={batch}, float32 box LIF (no current, reset to value, super)")
    if peak:
        print(f"  theoretical memory bandwidth of this device: {peak:,.0f} GB/s")
    header = f"  {'N':>6} {'what':<22} {'triton ms':>10} {'reference ms':>13} {'speed-up':>9}"
    print(header + f" {'triton GB/s':>12}")
    for n in sizes:
        time_size(device, steps, batch, n, peak)


def main() -> int:
    device = ARGS.device
    if device == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: run on a GPU machine, or with --device cpu for a dry run")
        return 2
    if device == "cuda":
        print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, "
              f"triton {triton.__version__}")  # fmt: skip
    steps, batch, sizes = ARGS.steps, ARGS.batch, ARGS.sizes
    if device == "cpu":
        steps, batch, sizes = min(steps, 8), min(batch, 2), [min(s, 16) for s in sizes[:1]]
    if not ARGS.skip_checks:
        print("Checks against the reference on", device)
        shape = (4, 96) if device == "cuda" else (2, 5)
        check_kernels(device, shape, 40 if device == "cuda" else 6)
        if device == "cuda":
            check_op(device, (4, 96), 40)
        failures.extend(cuda_recurrent.check(device))
        if failures:
            print("FAILED:", *failures, sep="\n  ")
            return 1
        print("all checks passed")
    if not ARGS.skip_timing:
        time_sizes(device, steps, batch, sizes)
        recurrent_sizes = [256, 1024] if device == "cuda" else [16]
        cuda_recurrent.time_sizes(device, steps, batch, recurrent_sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
