"""Times one library on a whole network; run inside that library's own environment.

Usage: python network_worker.py LIBRARY CONFIG N T B REPEATS INPUT.npy OUTPUT.npy

Configurations (weights and input are read from ``INPUT.npy`` and its ``_w*.npy`` siblings,
so every library runs the same numbers):

- ``rlif``: a recurrent LIF layer (``N`` neurons, ``I`` inputs, no autapses), input currents
  ``(T, B, I)``; forward + backward of ``spikes.sum()`` with gradients for both weight
  matrices. Norse's dynamics (Euler, dt = 1 ms, tau_syn = 5 ms, tau_mem = 10 ms, reset to
  0, ``super`` surrogate with alpha 100). snnTorch has no recurrent neuron with these
  dynamics; ``RSynaptic`` (alpha 0.8, beta 0.9, threshold 1, input and weights scaled by 0.1,
  ``fast_sigmoid(slope=100)``, which is ``super``) is the closest: same currents and
  membrane decay, but its reset subtracts the threshold one step late, so its spike counts
  are close, not equal.
- ``rlsnn``: the same with recurrent LSNN neurons (Norse's defaults: tau_adapt = 800 ms,
  beta = 1.8). snnTorch has no adaptive-threshold recurrent neuron.
- ``rlifrefrac``: ``rlif`` with a refractory period (Norse's ``LIFRefracRecurrent``,
  ``rho_reset`` = 5 steps). snnTorch has no refractory recurrent neuron.
- ``conv``: a training step of a convolutional SNN on MNIST-shaped input ``(T, B, 1, 28,
  28)``: Conv2d(1, 16, 5) - box LIF - MaxPool2d(2) - Conv2d(16, 32, 5) - box LIF -
  MaxPool2d(2) - Linear(512, 10), read out as the time average of the linear output;
  cross-entropy, backward, SGD step. The box LIF is the one of ``worker.py`` (equal dynamics
  in every library); convolutions and pooling run on ``(T * B, ...)`` as SpikingJelly's
  ``SeqToANNContainer`` does.
- ``conv-cl``: ``conv`` with the weights and the input in the ``channels_last`` memory format.

Prints one JSON line: median and all times (s), peak extra memory (MiB). ``OUTPUT.npy``
receives the spikes of the first (untimed) run (recurrent: the layer's spikes; conv: both
LIF layers' spikes, flattened).
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
from worker import neuron, rss_mib


def recurrent(library: str, config: str, w_in: torch.Tensor, w_rec: torch.Tensor):
    """``(module parameters, run)``: ``run(x)`` maps input ``(T, B, I)`` to spikes."""
    n, i = w_in.shape
    if library in ("norse-core", "norse-1.1.0"):
        import norse.torch as nt

        classes = {
            "rlif": nt.LIFRecurrent,
            "rlsnn": nt.LSNNRecurrent,
            "rlifrefrac": nt.LIFRefracRecurrent,
        }
        cls = classes[config]
        layer = cls(i, n, autapses=False)
        with torch.no_grad():
            layer.input_weights.copy_(w_in)
            layer.recurrent_weights.copy_(w_rec)
        return layer, lambda x: layer(x)[0]
    if library == "snntorch" and config == "rlif":
        import snntorch as snn
        from snntorch import surrogate

        layer = snn.RSynaptic(
            alpha=0.8,
            beta=0.9,
            threshold=1.0,
            linear_features=n,
            reset_mechanism="subtract",
            spike_grad=surrogate.fast_sigmoid(slope=100),
        )
        linear = torch.nn.Linear(i, n, bias=False)
        with torch.no_grad():
            linear.weight.copy_(0.1 * w_in)
            layer.recurrent.weight.copy_(0.1 * w_rec)
            layer.recurrent.bias.zero_()
        module = torch.nn.ModuleList([layer, linear])

        def run(x):
            spk, syn, mem = layer.reset_mem()
            current = linear(x)  # the input projection, as in Norse (x @ W_in.T)
            out = []
            for t in range(x.shape[0]):
                spk, syn, mem = layer(current[t], spk, syn, mem)
                out.append(spk)
            return torch.stack(out)

        return module, run
    raise ValueError(f"{library} has no {config} layer")


class ConvNet(torch.nn.Module):
    """conv-LIF-pool x2, linear, time-averaged readout; ``lif`` maps (T, B, ...) to spikes."""

    def __init__(self, lif) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, 5)
        self.conv2 = torch.nn.Conv2d(16, 32, 5)
        self.linear = torch.nn.Linear(512, 10)
        self.lif = lif
        self.spikes: list[torch.Tensor] = []

    def stages(self) -> list[tuple[str, Callable[[torch.Tensor], torch.Tensor]]]:
        """The forward as named stages, each a function of the previous stage's output
        (``conv_breakdown.py`` times them one by one); the LIF stages' names start "lif"."""

        def frames(layer):  # a layer applied to every (time step, batch) frame
            return lambda h: layer(h.flatten(0, 1)).unflatten(0, h.shape[:2])

        def pool(h):
            return frames(lambda f: torch.nn.functional.max_pool2d(f, 2))(h)

        return [
            ("conv1", frames(self.conv1)),
            ("lif1", self.lif),
            ("pool1", pool),
            ("conv2", frames(self.conv2)),
            ("lif2", self.lif),
            ("pool2", pool),
            ("readout", lambda h: self.linear(h.flatten(2)).mean(0)),
        ]

    def forward(self, x):
        self.spikes = []
        for name, stage in self.stages():
            x = stage(x)
            if name.startswith("lif"):
                self.spikes.append(x)
        return x


def main() -> None:
    library, config, n, steps, batch, repeats, inp, out = sys.argv[1:]
    n, steps, batch, repeats = int(n), int(steps), int(batch), int(repeats)
    torch.manual_seed(0)
    x = torch.from_numpy(np.load(inp))
    if config in ("conv", "conv-cl"):
        net = ConvNet(neuron(library))
        with torch.no_grad():
            for name, param in net.named_parameters():
                param.copy_(torch.from_numpy(np.load(inp.replace(".npy", f"_w_{name}.npy"))))
        if config == "conv-cl":
            net = net.to(memory_format=torch.channels_last)
            x = (
                x.flatten(0, 1)
                .contiguous(memory_format=torch.channels_last)
                .unflatten(0, x.shape[:2])
            )
        labels = torch.from_numpy(np.load(inp.replace(".npy", "_labels.npy")))
        optimizer = torch.optim.SGD(net.parameters(), lr=0.01)

        def step():
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(x), labels)
            loss.backward()
            optimizer.step()
            return torch.cat([z.detach().flatten() for z in net.spikes])

        state = {name: p.detach().clone() for name, p in net.named_parameters()}

        def restore():
            with torch.no_grad():
                for name, param in net.named_parameters():
                    param.copy_(state[name])

    else:
        w_in = torch.from_numpy(np.load(inp.replace(".npy", "_w_in.npy")))
        w_rec = torch.from_numpy(np.load(inp.replace(".npy", "_w_rec.npy")))
        module, run = recurrent(library, config, w_in, w_rec)

        def step():
            module.zero_grad()
            spikes = run(x)
            spikes.sum().backward()
            return spikes.detach()

        def restore():
            pass

    times = []
    base = rss_mib()
    for k in range(repeats + 1):
        restore()
        t0 = time.perf_counter()
        spikes = step()
        times.append(time.perf_counter() - t0)
        if k == 0:
            np.save(out, spikes.numpy())
        del spikes
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "median_s": statistics.median(times[1:]),
                "times_s": times[1:],
                "peak_extra_mib": peak - base,
            }
        )
    )


if __name__ == "__main__":
    main()
