"""LIFRefracRecurrent forward + backward: the fused op against the step loop and Norse 1.1.0.

One run, side by side, single-threaded: a recurrent refractory LIF layer (``rho_reset`` 5
steps, no autapses), T=500, B=16, ``--inputs`` inputs, N in ``--sizes``, float32, the
gradient of ``spikes.sum()`` with respect to both weight matrices. The same input and weights
(the ``rlif`` configuration of ``run.py``) for every variant:

- ``fused``: ``norse.torch.LIFRefracRecurrent`` (the fused op
  ``norse::lif_refrac_recurrent_sequence``, C++ kernel on the CPU);
- ``loop``: the same module's step loop (``lif_refrac_step`` per step, autograd through it),
  what the module ran before the fused op;
- ``norse-1.1.0``: Norse 1.1.0's ``LIFRefracRecurrent`` in the Python given by ``--norse1``
  (skipped if it is not given).

Prints the median of ``--repeats`` timed runs after one warm-up, the spike rate (spikes must be
equal between fused and loop, and their count within 2% of Norse 1.1.0's) and the load
average. Usage: ``python benchmarks/recurrent_refrac.py --norse1 /path/to/python``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch


def _layer(w_in: np.ndarray, w_rec: np.ndarray):
    import norse.torch as nt

    n, inputs = w_in.shape
    layer = nt.LIFRefracRecurrent(inputs, n, autapses=False)
    with torch.no_grad():
        layer.input_weights.copy_(torch.from_numpy(w_in))
        layer.recurrent_weights.copy_(torch.from_numpy(w_rec))
    return layer


def _runner(variant: str, layer):
    if variant != "loop":
        return lambda x: layer(x)[0]
    from norse.torch.module.snn import _step_loop

    def loop(x):
        state = layer.initial_state(x[0])
        w_in, w_rec = layer.weights(x.dtype)
        args = (w_in, w_rec, layer.p, layer.dt)
        return _step_loop(layer._step_function(x), x, state, args, False)[0]

    return loop


def worker(variant: str, path: str, repeats: int) -> dict:
    """Time ``variant`` on the saved input and weights; save its spikes next to them."""
    torch.set_num_threads(1)
    x = torch.from_numpy(np.load(path))
    layer = _layer(np.load(path + ".w_in.npy"), np.load(path + ".w_rec.npy"))
    run = _runner(variant, layer)
    times = []
    for k in range(repeats + 1):
        layer.zero_grad()
        t0 = time.perf_counter()
        spikes = run(x)
        spikes.sum().backward()
        times.append(time.perf_counter() - t0)
        if k == 0:
            np.save(f"{path}.{variant}.npy", spikes.detach().numpy())
    return {"median_s": statistics.median(times[1:]), "times_s": times[1:]}


def _call(python: str, variant: str, path: str, repeats: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [python, __file__, "--worker", variant, path, str(repeats)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{variant} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    if sys.argv[1:2] == ["--worker"]:
        variant, path, repeats = sys.argv[2:5]
        print(json.dumps(worker(variant, path, int(repeats))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--inputs", type=int, default=128)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--slow-repeats", type=int, default=2, help="repeats of the loops")
    parser.add_argument("--norse1", default=None, help="a Python with Norse 1.1.0 installed")
    args = parser.parse_args()
    variants = [
        ("fused", sys.executable, args.repeats),
        ("loop", sys.executable, args.slow_repeats),
    ]
    if args.norse1:
        variants.append(("norse-1.1.0", args.norse1, args.slow_repeats))
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            rng = np.random.default_rng(n + 1)  # the rlif configuration of run.py
            path = os.path.join(tmp, f"refrac{n}.npy")
            x = rng.random((args.steps, args.batch, args.inputs))
            np.save(path, x.astype(np.float32))
            w_in = rng.standard_normal((n, args.inputs)) * np.sqrt(2.0 / n)
            w_rec = rng.standard_normal((n, n)) * np.sqrt(2.0 / n)
            np.fill_diagonal(w_rec, 0.0)
            np.save(path + ".w_in.npy", w_in.astype(np.float32))
            np.save(path + ".w_rec.npy", w_rec.astype(np.float32))
            results = {name: _call(python, name, path, k) for name, python, k in variants}
            spikes = {name: np.load(f"{path}.{name}.npy") for name in results}
            assert np.array_equal(spikes["fused"], spikes["loop"]), "fused != loop spikes"
            fused = results["fused"]["median_s"]
            for name, result in results.items():
                count = spikes[name].sum() / spikes["fused"].sum()
                print(
                    f"N={n:5d} {name:12s} {result['median_s'] * 1e3:9.1f} ms "
                    f"({result['median_s'] / fused:5.1f}x fused)  spike rate "
                    f"{spikes[name].mean():.4f} (count {count:.4f} of fused)"
                )
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
