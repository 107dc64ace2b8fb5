"""Where a library's conv training step spends its time, stage by stage.

Usage: python conv_breakdown.py LIBRARY [--channels-last] [--repeats R]
(run inside that library's environment, as ``network_worker.py``).

Runs the ``conv`` network of ``network_worker.py`` (random weights and MNIST-shaped input,
T = 32, B = 32) and times every stage of the training step: the forward of each stage, and
in the backward the time between the gradient reaching a stage's output and reaching its
input (autograd markers between the stages). Prints one JSON line: the median milliseconds
of each stage, the step, and the sum of the LIF stages ("lif") and of the rest ("shared",
the torch calls that are the same in every library). ``shared`` bounds any neuron library's
ratio: a library whose LIF took no time at all would still take ``shared``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from network_worker import ConvNet
from worker import neuron


class _Marker(torch.autograd.Function):
    """Identity whose backward records when the gradient reaches it."""

    @staticmethod
    def forward(ctx, x, name, log):
        ctx.name, ctx.log = name, log
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        ctx.log.append((ctx.name, time.perf_counter()))
        return grad, None, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    torch.manual_seed(0)
    net = ConvNet(neuron(args.library))
    x = torch.rand(32, 32, 1, 28, 28) * 8
    if args.channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.flatten(0, 1).contiguous(memory_format=torch.channels_last).unflatten(0, (32, 32))
    labels = torch.randint(0, 10, (32,))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    times: dict[str, list[float]] = {}

    def step() -> None:
        optimizer.zero_grad()
        log: list[tuple[str, float]] = []
        h, t0 = x, time.perf_counter()
        names = []
        for name, stage in net.stages():
            h = _Marker.apply(stage(h), name, log)
            t1 = time.perf_counter()
            times.setdefault(f"{name} fwd", []).append(t1 - t0)
            names.append(name)
            t0 = t1
        loss = torch.nn.functional.cross_entropy(h, labels)
        t_loss = time.perf_counter()
        loss.backward()
        t_end = time.perf_counter()
        # The gradient reaches the markers in reverse order; a stage's backward runs from its
        # output's marker to the next marker (the readout's from the loss, the first stage's
        # to the end).
        assert [name for name, _ in log] == names[::-1]
        bounds = [t_loss, *(t for _, t in log[1:]), t_end]
        for name, start, stop in zip(names[::-1], bounds, bounds[1:]):
            times.setdefault(f"{name} bwd", []).append(stop - start)
        optimizer.step()

    for _ in range(3):
        step()
    times.clear()
    steps = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        step()
        steps.append(time.perf_counter() - t0)
    ms = {name: 1e3 * statistics.median(values) for name, values in times.items()}
    lif = sum(value for name, value in ms.items() if name.startswith("lif"))
    summary = {
        "library": args.library,
        "channels_last": args.channels_last,
        "step": 1e3 * statistics.median(steps),
        "lif": lif,
        "shared": sum(ms.values()) - lif,
        **ms,
    }
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in summary.items()}))


if __name__ == "__main__":
    main()
