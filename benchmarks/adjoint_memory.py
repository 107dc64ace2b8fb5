"""Memory the adjoint LIF step saves for the backward pass, against plain backpropagation.

Runs a feed-forward LIF layer for ``--steps`` time steps (batch ``--batch``, ``--neurons``
neurons) with the ordinary step (autograd keeps its intermediates) and with
``lif_feed_forward_adjoint_step`` (keeps ``v_dec`` per step), in one process, and reports
the bytes autograd saved for backward (counted with ``torch.autograd.graph.saved_tensors_hooks``)
and, as a check, the largest gradient difference between the two. Also runs Norse 1.1.0's
adjoint step when ``--norse1`` names its interpreter (one subprocess).

    python benchmarks/adjoint_memory.py --steps 2000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import torch

MEASURE = """
import json, sys, torch
steps, batch, neurons, adjoint = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
from norse.torch.functional.lif import LIFFeedForwardState, LIFParameters, lif_feed_forward_step
if adjoint:
    from norse.torch.functional.adjoint.lif_adjoint import lif_feed_forward_adjoint_step as step
else:
    step = lif_feed_forward_step
saved = []
def pack(t):
    saved.append(t.numel() * t.element_size())
    return t
x = (torch.rand(steps, batch, neurons, generator=torch.Generator().manual_seed(0)) * 3).requires_grad_()
s = LIFFeedForwardState(torch.zeros(batch, neurons), torch.zeros(batch, neurons))
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    zs = []
    for t in range(steps):
        z, s = step(x[t], s, LIFParameters())
        zs.append(z)
    loss = torch.stack(zs).sum() + s.v.pow(2).sum()
loss.backward()
print(json.dumps({"saved_bytes": sum(saved), "grad": x.grad.flatten()[:1000].tolist()}))
"""


def measure(python: str, steps: int, batch: int, neurons: int, adjoint: bool) -> dict:
    """Run MEASURE in ``python``; returns saved bytes and the first gradient values."""
    args = [python, "-c", MEASURE, str(steps), str(batch), str(neurons), "1" if adjoint else "0"]
    done = subprocess.run(args, check=True, capture_output=True, text=True, timeout=1800)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--neurons", type=int, default=256)
    parser.add_argument("--norse1", help="interpreter whose `import norse` is Norse 1.1.0")
    a = parser.parse_args()
    rows = [
        ("norse-core BPTT", measure(sys.executable, a.steps, a.batch, a.neurons, False)),
        ("norse-core adjoint", measure(sys.executable, a.steps, a.batch, a.neurons, True)),
    ]
    if a.norse1:
        rows.append(("norse 1.1.0 adjoint", measure(a.norse1, a.steps, a.batch, a.neurons, True)))
    reference = torch.tensor(rows[0][1]["grad"])
    print(f"LIF feed-forward, T={a.steps}, B={a.batch}, N={a.neurons}")
    print("| run | saved for backward (MiB) | vs BPTT | max grad diff vs BPTT |")
    print("|---|---|---|---|")
    for name, r in rows:
        diff = (torch.tensor(r["grad"]) - reference).abs().max().item()
        mib = r["saved_bytes"] / 2**20
        ratio = r["saved_bytes"] / rows[0][1]["saved_bytes"]
        print(f"| {name} | {mib:.1f} | {ratio:.2f} | {diff:.2e} |")


if __name__ == "__main__":
    main()
