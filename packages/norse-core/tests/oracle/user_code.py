"""Norse-1.x-style user code, run unchanged against any ``norse``: ``python user_code.py OUT.pt``.

The same file runs under norse-core and under Norse 1.1.0 (the oracle, in its own
environment); ``test_user_code.py`` compares what the two save. Every weight is overwritten
with deterministic values after construction, so that differences in initialisation order do
not matter; everything else is exactly what a Norse 1.x user writes.
"""

import sys

import torch

import norse.torch as norse


def _fix_weights(model: torch.nn.Module, seed: int) -> None:
    """Overwrite every ``nn.Parameter`` with values drawn from a seeded generator, by name."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, parameter in sorted(model.named_parameters()):
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.6)


def _no_autapses(model: torch.nn.Module) -> None:
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("recurrent_weights"):
                parameter.fill_diagonal_(0.0)


def _run(model: torch.nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Forward, a loss, backward: the output and the gradient of every parameter."""
    out, _ = model(x)
    if isinstance(out, tuple):  # sequence modules of Norse 1.x return (out, state)
        out = out[0]
    out.float().pow(2).sum().backward()
    grads = {f"grad.{n}": p.grad.clone() for n, p in sorted(model.named_parameters())}
    return {"out": out.detach(), **grads}


def _cases() -> dict[str, dict[str, torch.Tensor]]:
    generator = torch.Generator().manual_seed(7)
    x = torch.rand(60, 4, 5, generator=generator) * 2.0
    results = {}

    # 1. The README one-liner: a LIF layer over a sequence.
    spikes, state = norse.LIF()(x)
    results["lif"] = {"out": spikes, "v": state.v, "i": state.i}

    # 2. A feed-forward network in SequentialState with an LI readout (tanh surrogate:
    #    SuperSpike differs on purpose, see docs/differences-from-norse-1.md).
    p = norse.LIFParameters(method="tanh", alpha=torch.as_tensor(2.0))
    model = norse.SequentialState(
        torch.nn.Linear(5, 8),
        norse.LIF(p),
        torch.nn.Linear(8, 3),
        norse.LI(),
    )
    _fix_weights(model, 1)
    results["sequential"] = _run(model, x)

    # 3. A recurrent layer followed by a Lifted linear readout.
    model = norse.SequentialState(
        norse.LIFRecurrent(5, 6, p=p),
        norse.Lift(torch.nn.Linear(6, 2)),
    )
    _fix_weights(model, 2)
    _no_autapses(model)
    results["recurrent"] = _run(model, x)

    # 4. A recurrent cell stepped by hand, as in Norse's tutorials.
    cell = norse.LIFRecurrentCell(5, 6, p=p)
    _fix_weights(cell, 3)
    _no_autapses(cell)
    state, outs = None, []
    for t in range(x.shape[0]):
        z, state = cell(x[t], state)
        outs.append(z)
    out = torch.stack(outs)
    out.sum().backward()
    results["recurrent_cell"] = {
        "out": out.detach(),
        "grad.input_weights": cell.input_weights.grad.clone(),
    }

    # 5. An adaptive (LSNN) recurrent layer.
    model = norse.LSNNRecurrent(5, 6, p=norse.LSNNParameters(method="tanh", alpha=2.0))
    _fix_weights(model, 4)
    _no_autapses(model)
    results["lsnn"] = _run(model, x)

    # 6. A recurrent layer with a refractory period (ours runs the fused op). Forward only:
    #    Norse 1.x passes a surrogate gradient through the step counter, ours does not
    #    (docs/differences-from-norse-1.md).
    p = norse.LIFRefracParameters(lif=p, rho_reset=torch.as_tensor(3.0))
    model = norse.LIFRefracRecurrent(5, 6, p=p)
    _fix_weights(model, 5)
    _no_autapses(model)
    out, state = model(x)
    results["lif_refrac"] = {"out": out.detach(), "rho": state.rho.detach()}

    # 7. A recurrent Izhikevich layer (ours runs the fused op) with a tonic-spiking behaviour.
    #    Forward only: its float32 gradients through the quadratic voltage are conditioned to
    #    about 5e-4 (Norse 1.1.0's own differ that much from float64), far above the tolerance.
    model = norse.IzhikevichRecurrent(5, 6, norse.tonic_spiking)
    _fix_weights(model, 6)
    _no_autapses(model)
    with torch.no_grad():
        out, state = model(x * 20.0)
    results["izhikevich"] = {"out": out, "v": state.v, "u": state.u}

    # 8. An adaptive exponential recurrent layer (ours runs the fused op): forward and every
    #    parameter's gradient (the spike in the reset and the adaptation jump is not detached
    #    in either).
    p = norse.LIFAdExParameters(method="tanh", alpha=2.0)
    model = norse.LIFAdExRecurrent(5, 6, p=p)
    _fix_weights(model, 6)
    _no_autapses(model)
    results["lif_adex"] = _run(model, x)

    # 9. The same with a refractory period (the fused op too). Forward only, as in case 6.
    p = norse.LIFAdExRefracParameters(lif_adex=p, rho_reset=torch.as_tensor(3.0))
    model = norse.LIFAdExRefracRecurrent(5, 6, p=p)
    _fix_weights(model, 8)
    _no_autapses(model)
    with torch.no_grad():
        out, state = model(x)
    results["lif_adex_refrac"] = {"out": out, "v": state.lif_adex.v, "rho": state.rho}
    return results


if __name__ == "__main__":
    torch.save(_cases(), sys.argv[1])
