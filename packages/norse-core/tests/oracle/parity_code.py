"""Norse 1.x API code run unchanged under any ``norse``: ``python parity_code.py OUT.pt``.

Each function in ``CASES`` exercises Norse 1.x names that norse-core added for parity (issue
"Norse 1.x parity") and returns a dict of tensors (outputs and gradients on seeded random
inputs). ``test_parity_code.py`` runs this file under norse-core and under Norse 1.1.0 (the
oracle, ``NORSE_ORACLE_PYTHON``) and compares what the two save. ``SURFACE`` lists Norse 1.x
public modules; the script also saves the public names each one defines here.

Surrogate gradients use ``alpha=1`` with ``"super"`` because Norse 1.1.0 ignored ``alpha``
(see docs/differences-from-norse-1.md).
"""

import importlib
import sys
import types

import torch


def _rand(*shape, seed=0, scale=1.0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed)) * scale


def _randn(*shape, seed=0, scale=1.0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed)) * scale


def ada_lif_step():
    from norse.torch.functional.lsnn import LSNNParameters, LSNNState, ada_lif_step

    x = (_rand(30, 2, 3, seed=1) < 0.5).float().requires_grad_()
    w_in = _randn(4, 3, seed=2, scale=2.0).requires_grad_()
    w_rec = _randn(4, 4, seed=3)
    p = LSNNParameters(alpha=1.0)
    s = LSNNState(*(torch.zeros(2, 4) for _ in range(3)), b=torch.full((2, 4), 0.3))
    zs, vs = [], []
    for t in range(30):
        z, s = ada_lif_step(x[t], s, w_in, w_rec, p)
        zs.append(z)
        vs.append(s.v)
    z, v = torch.stack(zs), torch.stack(vs)
    (z.sum() + v.sum()).backward()
    return {"z": z.detach(), "v": v.detach(), "b": s.b.detach(), "gx": x.grad, "gw": w_in.grad}


def lif_sparse_steps():
    from norse.torch.functional.lif import (
        LIFFeedForwardState,
        LIFParameters,
        LIFState,
        lif_feed_forward_step_sparse,
        lif_step_sparse,
    )

    w_in, w_rec = _randn(4, 3, seed=4, scale=3.0), _randn(4, 4, seed=5)
    s = LIFState(z=torch.zeros(2, 4).to_sparse(), v=torch.zeros(2, 4), i=torch.zeros(2, 4))
    ff = LIFFeedForwardState(torch.zeros(2, 3), torch.zeros(2, 3))
    out = {}
    for t in range(8):
        x = (_rand(2, 3, seed=10 + t) < 0.6).float().to_sparse()
        z, s = lif_step_sparse(x, s, w_in, w_rec, LIFParameters())
        zf, ff = lif_feed_forward_step_sparse(x * 2.0, ff, LIFParameters())
        out[f"z{t}"], out[f"zf{t}"] = z.to_dense(), zf.to_dense()
    out.update(v=s.v, i=s.i, vf=ff.v, i_f=ff.i)
    return out


def thresholds():
    import norse.torch.functional.threshold as th

    x = torch.linspace(-2.0, 2.0, 41)
    out = {}
    for cls in (th.HeaviErfc, th.HeaviTanh, th.HeaviCirc, th.Triangle):
        for a in (0.5, 2.0):
            xg = x.clone().requires_grad_()
            y = cls.apply(xg, a)
            y.sum().backward()
            out[f"{cls.__name__}{a}"], out[f"{cls.__name__}{a}.grad"] = y.detach(), xg.grad
    for name, fn in (("logistic", th.logistic_fn), ("circ_dist", th.circ_dist_fn)):
        xg = x.clone().requires_grad_()
        fn(xg, 0.7).sum().backward()
        out[f"{name}.grad"] = xg.grad  # the forward is a random sample
    xg = x.clone().requires_grad_()
    y = th.sign(xg, "super", 1.0)
    y.sum().backward()
    out["sign"], out["sign.grad"] = y.detach(), xg.grad
    import norse.torch.functional.superspike as ss
    from norse.torch.functional.heaviside import heaviside

    xg = x.clone().requires_grad_()
    ss.SuperSpike.apply(xg, 1.0).sum().backward()
    out["superspike.grad"], out["heaviside"] = xg.grad, heaviside(x)
    return out


def _numbers(values):
    return torch.tensor([float(v) for v in values if not isinstance(v, str) and not callable(v)])


def defaults():
    import norse.torch.functional.coba_lif as coba
    import norse.torch.functional.izhikevich as iz
    import norse.torch.functional.lif as lif

    out = {}
    for name in dir(iz):
        if name.endswith("_p") and not name.startswith("_"):
            out[name] = torch.tensor([float(v) for v in getattr(iz, name)[:9]])
    out["coba.bio_p"] = _numbers(coba.default_bio_parameters)
    out["coba.bio_s"] = _numbers(coba.default_bio_state)
    out["lif.bio_p"] = _numbers(lif.default_bio_parameters[:5])
    out["lif.bio_s"] = _numbers(lif.default_bio_initial_state)
    return out


def lift_and_containers():
    from norse.torch.functional.lif import (
        LIFFeedForwardState,
        LIFParameters,
        lif_feed_forward_step,
    )
    from norse.torch.functional.lift import lift
    from norse.torch.module.lif import LIFCell
    from norse.torch.module.sequential import RecurrentSequential

    x = _rand(12, 2, 3, seed=20, scale=2.0)
    f = lift(lif_feed_forward_step, p=LIFParameters())
    z, s = f(x, state=LIFFeedForwardState(torch.zeros(2, 3), torch.zeros(2, 3)), dt=0.002)
    out = {"lift.z": z, "lift.v": s.v}
    torch.manual_seed(0)
    model = RecurrentSequential(
        torch.nn.Linear(3, 4), LIFCell(LIFParameters(alpha=1.0)), torch.nn.Linear(4, 3)
    )
    with torch.no_grad():
        for i, (_, prm) in enumerate(sorted(model.named_parameters())):
            prm.copy_(_randn(*prm.shape, seed=30 + i, scale=2.0))
    state, outs = None, []
    xg = x.clone().requires_grad_()
    for t in range(12):
        o, state = model(xg[t], state)
        outs.append(o)
    y = torch.stack(outs)
    y.pow(2).sum().backward()
    out.update({"rs.out": y.detach(), "rs.gx": xg.grad, "rs.cache": state.cache.detach()})
    return out


def utils():
    from norse.torch.utils import pytree
    from norse.torch.utils.clone import clone_tensor

    class Trace(pytree.StateTuple, metaclass=pytree.MultipleInheritanceNamedTupleMeta):
        x: torch.Tensor
        y: torch.Tensor = torch.tensor(2.0)

    template = torch.zeros(2, 3)
    s = Trace(torch.tensor(1.0)).broadcast(template)
    s64 = Trace(torch.ones(2)).to(torch.float64)
    mapped = pytree.tree_map_only(
        torch.Tensor, lambda t: t * 3, (torch.ones(2), [torch.ones(1), 5])
    )
    return {
        "bx": s.x, "by": s.y, "x64": s64.x, "y64": s64.y,
        "fields": torch.tensor(float(len(Trace._fields))),
        "bi": pytree.broadcast_input(torch.tensor(4.0), template),
        "m0": mapped[0], "m1": mapped[1][0], "m2": torch.tensor(float(mapped[1][1])),
        "clone": clone_tensor(torch.tensor([1.5, 2.5])),
    }  # fmt: skip


def decoders():
    from norse.torch.functional.filter import exp_filter_step
    from norse.torch.module.exp_filter import ExpFilter
    from norse.torch.module.spikes_to_times_decoder import SpikesToTimesDecoder

    x = _rand(10, 2, 3, seed=40)
    ef = ExpFilter(3, 2, tau_filter_inv=300.0)
    with torch.no_grad():
        ef.linear.weight.copy_(_randn(2, 3, seed=41))
        ef.linear.bias.copy_(_randn(2, seed=42))
    spikes = (_rand(10, 2, 3, seed=43) < 0.3).float()
    times = SpikesToTimesDecoder(spike_count=torch.tensor(2))(spikes)
    return {
        "ef": ef(x).detach(),
        "step": exp_filter_step(torch.ones(3), torch.full((3,), 2.0), 0.5),
        "times": times,
    }


CASES = [ada_lif_step, lif_sparse_steps, thresholds, defaults, lift_and_containers, utils, decoders]

SURFACE = """
norse.torch norse.torch.functional.coba_lif norse.torch.functional.decode
norse.torch.functional.encode norse.torch.functional.filter norse.torch.functional.heaviside
norse.torch.functional.iaf norse.torch.functional.izhikevich
norse.torch.functional.leaky_integrator norse.torch.functional.leaky_integrator_box
norse.torch.functional.lif norse.torch.functional.lif_adex norse.torch.functional.lif_box
norse.torch.functional.lif_ex norse.torch.functional.lif_refrac norse.torch.functional.lift
norse.torch.functional.lsnn norse.torch.functional.regularization norse.torch.functional.reset
norse.torch.functional.spikes_to_times_decoder norse.torch.functional.stdp
norse.torch.functional.superspike norse.torch.functional.threshold
norse.torch.functional.tsodyks_makram norse.torch.module.coba_lif norse.torch.module.encode
norse.torch.module.exp_filter norse.torch.module.iaf norse.torch.module.izhikevich
norse.torch.module.leaky_integrator norse.torch.module.leaky_integrator_box
norse.torch.module.lif norse.torch.module.lif_adex norse.torch.module.lif_box
norse.torch.module.lif_ex norse.torch.module.lif_refrac norse.torch.module.lift
norse.torch.module.lsnn norse.torch.module.regularization norse.torch.module.sequential
norse.torch.module.snn norse.torch.module.spikes_to_times_decoder norse.torch.utils.clone
norse.torch.utils.pytree norse.torch.utils.state
""".split()


def surface() -> dict:
    """For every module of ``SURFACE``: its public names defined by norse (None if absent)."""
    names = {}
    for module_name in SURFACE:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            names[module_name] = None
            continue
        names[module_name] = sorted(
            k
            for k, v in vars(module).items()
            if not k.startswith("_")
            and not isinstance(v, types.ModuleType)
            and str(getattr(v, "__module__", "") or "").startswith("norse")
        )
    return names


def main(path: str) -> None:
    results = {}
    for case in CASES:
        torch.manual_seed(0)
        results[case.__name__] = {k: v.detach().clone() for k, v in case().items()}
    torch.save({"cases": results, "surface": surface()}, path)


if __name__ == "__main__":
    main(sys.argv[1])
