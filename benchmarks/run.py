"""Benchmark Norse (this repository) against Norse 1.1.0, snnTorch and SpikingJelly on CPU.

Each library runs in its own environment (``--python LIBRARY=INTERPRETER``), one fresh
process per library and configuration (so peak memory is per run). Configurations, for N
in ``--sizes``, T=500, B=16, forward + backward of ``spikes.sum()``:

- ``lifbox``: a neuron-only box LIF layer (gradient to the input);
- ``linear+lif``: Linear(N, N) followed by the box LIF layer (the Open Neuromorphic setup).

Before timing, every library's spikes for one shared input are compared with ours.

Whole networks (``network_worker.py``; ``--network-configs``), with the same weights and
input in every library:

- ``rlif``, ``rlsnn``, ``rlifrefrac``: a recurrent LIF / LSNN / refractory LIF layer, N in
  ``--recurrent-sizes`` neurons,
  ``--recurrent-inputs`` inputs, T=500, B=16, forward + backward with weight gradients
  (Norse 1.1.0; snnTorch's closest ``RSynaptic`` for ``rlif``). Recurrent float32 networks
  amplify rounding differences, so the total spike counts are compared (the last column is
  the relative difference of the count), not every spike.
- ``conv``: a convolutional SNN training step on MNIST-shaped input, T=32, B=32 (every
  library); the first run's spikes are compared element by element.
- ``conv-malloc``: ``conv`` with glibc's allocator told to keep freed memory
  (:data:`TUNED_MALLOC`, set for every library alike). With glibc's defaults, blocks above
  32 MiB (here the first convolution's output and its gradients, ``(1024, 16, 24, 24)``
  float32 = 37.7 MB) are fresh ``mmap`` regions whose every page faults on first touch, unless
  the heap happens to hold a free block that large: which depends on how many mid-sized
  tensors a library allocates, not on its kernels (measured: 16 000 page faults per step for
  norse-core, 1 for SpikingJelly, whose per-step tensors keep a large heap). PyTorch's
  performance guide recommends a caching allocator (jemalloc, tcmalloc) on CPU for this reason;
  these glibc tunables are the equivalent without installing one.
- ``conv-cl``: ``conv`` on ``channels_last`` frames (weights and input converted, for every
  library alike; glibc's default allocator): PyTorch's recommended memory format for
  convolutions on CPU, where oneDNN's convolutions and max pooling run much faster (measured
  here: the first convolution's weight gradient 2x, the first pooling 3x). Neurons receive
  ``channels_last`` sequences; each library's own ops decide what they return.

Writes a Markdown table (``--markdown``) and prints ratios. ``nox -s bench`` creates the
environments.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARIES = ("norse-core", "spikingjelly", "snntorch", "norse-1.1.0")
NETWORK_LIBRARIES = {
    "rlif": ("norse-core", "snntorch", "norse-1.1.0"),
    "rlsnn": ("norse-core", "norse-1.1.0"),
    "rlifrefrac": ("norse-core", "norse-1.1.0"),
    "conv": LIBRARIES,
}
NETWORK_LIBRARIES["conv-malloc"] = NETWORK_LIBRARIES["conv-cl"] = LIBRARIES
CONV_STEPS, CONV_BATCH = 32, 32
TUNED_MALLOC = "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824"
"""``GLIBC_TUNABLES`` of ``conv-malloc``: blocks up to 1 GiB come from the heap (no ``mmap``),
and up to 1 GiB of free heap is kept instead of being returned to the system."""


def run_worker(python, library, config, n, steps, batch, repeats, inp, out):
    script = "worker.py" if config in ("lifbox", "linear+lif") else "network_worker.py"
    env = dict(os.environ)
    if config == "conv-malloc":
        config, env["GLIBC_TUNABLES"] = "conv", TUNED_MALLOC
    cmd = [
        python,
        os.path.join(HERE, script),
        library,
        config,
        str(n),
        str(steps),
        str(batch),
        str(repeats),
        inp,
        out,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{library} {config} N={n} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_network_input(config, n, inputs, steps, batch, path):
    """Shared input and weights of a network configuration (see ``network_worker.py``)."""
    rng = np.random.default_rng(n + 1)
    if config.startswith("conv"):
        np.save(path, (rng.random((steps, batch, 1, 28, 28)) * 8).astype(np.float32))
        np.save(path.replace(".npy", "_labels.npy"), rng.integers(0, 10, batch))
        shapes = {
            "conv1.weight": (16, 1, 5, 5),
            "conv1.bias": (16,),
            "conv2.weight": (32, 16, 5, 5),
            "conv2.bias": (32,),
            "linear.weight": (10, 512),
            "linear.bias": (10,),
        }
        for name, shape in shapes.items():
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 25
            w = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
            np.save(path.replace(".npy", f"_w_{name}.npy"), w.astype(np.float32))
        return
    gain = 20.0 if config == "rlsnn" else 1.0
    np.save(path, (rng.random((steps, batch, inputs)) * gain).astype(np.float32))
    w_in = rng.standard_normal((n, inputs)) * np.sqrt(2.0 / n)
    w_rec = rng.standard_normal((n, n)) * np.sqrt(2.0 / n)
    np.fill_diagonal(w_rec, 0.0)
    np.save(path.replace(".npy", "_w_in.npy"), w_in.astype(np.float32))
    np.save(path.replace(".npy", "_w_rec.npy"), w_rec.astype(np.float32))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", default=[], metavar="LIBRARY=PYTHON")
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 1024, 4096])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--slow-repeats",
        type=int,
        default=1,
        help="repeats for the per-step Python-loop libraries (snntorch, norse-1.1.0)",
    )
    parser.add_argument("--configs", nargs="*", default=["lifbox", "linear+lif"])
    parser.add_argument(
        "--network-configs",
        nargs="*",
        default=["rlif", "rlsnn", "rlifrefrac", "conv", "conv-malloc", "conv-cl"],
        choices=NETWORK_LIBRARIES,
    )
    parser.add_argument("--recurrent-sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--recurrent-inputs", type=int, default=128)
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args()
    pythons = {"norse-core": sys.executable}
    pythons.update(dict(item.split("=", 1) for item in args.python))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for config in args.configs:
            for n in args.sizes:
                rng = np.random.default_rng(n)
                inp = os.path.join(tmp, f"in_{n}.npy")
                np.save(inp, (rng.random((50, 2, n)) * 3).astype(np.float32))
                np.save(
                    inp.replace(".npy", "_w.npy"),
                    (rng.standard_normal((n, n)) * 2 / np.sqrt(n)).astype(np.float32),
                )
                ours = None
                for library in LIBRARIES:
                    if library not in pythons:
                        continue
                    out = os.path.join(tmp, f"out_{library}_{n}.npy")
                    slow = library in ("snntorch", "norse-1.1.0")
                    reps = args.slow_repeats if slow else args.repeats
                    result = run_worker(
                        pythons[library], library, config, n, args.steps, args.batch, reps, inp, out
                    )
                    spikes = np.load(out)
                    if ours is None:
                        ours = spikes
                    mismatch = float((spikes != ours).mean())
                    rows.append(
                        {
                            "config": config,
                            "n": n,
                            "library": library,
                            "mismatch": mismatch,
                            **result,
                        }
                    )
                    print(
                        f"{config:10s} N={n:5d} {library:13s} {result['median_s']:9.4f} s "
                        f"peak +{result['peak_extra_mib']:8.1f} MiB  spike mismatch {mismatch:.2e}",
                        flush=True,
                    )
        for config in args.network_configs:
            conv = config.startswith("conv")
            sizes = [0] if conv else args.recurrent_sizes
            for n in sizes:
                inp = os.path.join(tmp, f"{config}_{n}.npy")
                steps, batch = (args.steps, args.batch) if n else (CONV_STEPS, CONV_BATCH)
                write_network_input(config, n, args.recurrent_inputs, steps, batch, inp)
                ours = None
                for library in NETWORK_LIBRARIES[config]:
                    if library not in pythons:
                        continue
                    out = os.path.join(tmp, f"out_{config}_{library}_{n}.npy")
                    slow = library in ("snntorch", "norse-1.1.0")
                    reps = args.slow_repeats if slow else args.repeats
                    result = run_worker(
                        pythons[library], library, config, n, steps, batch, reps, inp, out
                    )
                    spikes = np.load(out)
                    if ours is None:
                        ours = spikes
                    if conv:
                        mismatch = float((spikes != ours).mean())
                    else:
                        mismatch = float(abs(spikes.sum() - ours.sum()) / max(ours.sum(), 1))
                    rows.append(
                        {
                            "config": config,
                            "n": n,
                            "library": library,
                            "mismatch": mismatch,
                            "rate": float(spikes.mean()),
                            **result,
                        }
                    )
                    print(
                        f"{config:10s} N={n:5d} {library:13s} {result['median_s']:9.4f} s "
                        f"rate {spikes.mean():.4f} difference {mismatch:.2e}",
                        flush=True,
                    )
    lines = [
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}; T={args.steps}, B={args.batch} "
        f"(conv: T={CONV_STEPS}, B={CONV_BATCH}).",
        "",
        "| config | N | library | median fwd+bwd (s) | vs norse-core | peak extra memory (MiB) "
        "| spikes differing from norse-core | spike rate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        base = next(
            r
            for r in rows
            if r["config"] == row["config"] and r["n"] == row["n"] and r["library"] == "norse-core"
        )
        ratio = row["median_s"] / base["median_s"]
        lines.append(
            f"| {row['config']} | {row['n']} | {row['library']} | {row['median_s']:.4f} | "
            f"{ratio:.2f}x | {row['peak_extra_mib']:.0f} | {row['mismatch']:.1e} | "
            f"{format(row['rate'], '.3f') if 'rate' in row else 'n/a'} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
