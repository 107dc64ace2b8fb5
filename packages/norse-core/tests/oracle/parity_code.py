"""Norse 1.x API code run unchanged under any ``norse``: ``python parity_code.py OUT.pt``.

Each function in ``CASES`` exercises Norse 1.x names that norse-core added for parity (issue
"Norse 1.x parity") and returns a dict of tensors (outputs and gradients on seeded random
inputs). ``test_parity_code.py`` runs this file under norse-core and under Norse 1.1.0 (the
oracle, ``NORSE_ORACLE_PYTHON``) and compares what the two save. ``SURFACE`` lists Norse 1.x
public modules; the script also saves the public names each one defines here.

Refractory models are compared forward only: Norse 1.x passes a
surrogate gradient through the refractory counter ``rho``, norse-core does not (a documented
difference). Surrogate gradients use ``alpha=1`` with ``"super"`` because Norse 1.1.0 ignored ``alpha``
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
        "map_only": torch.tensor([float(pytree.map_only(int)(lambda v: v + 1)(v)) for v in (1, 2.5)]),
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


def _trace(step, x, state, extract):
    zs, vs = [], []
    for t in range(x.shape[0]):
        z, state = step(x[t], state)
        zs.append(z)
        vs.append(extract(state))
    return torch.stack(zs), torch.stack(vs), state


def _grads(z, v, *tensors):
    (z.sum() + v.pow(2).sum()).backward()
    return [t.grad for t in tensors]


def multicompartment():
    from norse.torch.functional.lif import LIFFeedForwardState, LIFParameters, LIFState
    from norse.torch.functional.lif_mc import lif_mc_feed_forward_step, lif_mc_step
    from norse.torch.functional.lif_mc_refrac import (
        lif_mc_refrac_feed_forward_step,
        lif_mc_refrac_step,
    )
    from norse.torch.functional.lif_refrac import (
        LIFRefracFeedForwardState,
        LIFRefracParameters,
        LIFRefracState,
    )

    p = LIFParameters(alpha=torch.tensor(1.0))
    pr = LIFRefracParameters(lif=p)
    z0 = torch.zeros(2, 4)
    out = {}
    for name in ("mc", "mc_ff", "mcr", "mcr_ff"):
        x = _rand(30, 2, 3 if name in ("mc", "mcr") else 4, seed=50, scale=2.0).requires_grad_()
        w_in = _randn(4, 3, seed=51, scale=2.0).requires_grad_()
        w_rec = _randn(4, 4, seed=52).fill_diagonal_(0.0)
        g = _randn(4, 4, seed=53, scale=0.05 if name.startswith("mcr") else 0.5).requires_grad_()
        if name == "mc":
            step = lambda xt, s: lif_mc_step(xt, s, w_in, w_rec, g, p)  # noqa: E731, B023
            z, v, _ = _trace(step, x, LIFState(z0, z0, z0), lambda s: s.v)
        elif name == "mc_ff":
            step = lambda xt, s: lif_mc_feed_forward_step(xt, s, g, p)  # noqa: E731, B023
            z, v, _ = _trace(step, x, LIFFeedForwardState(z0, z0), lambda s: s.v)
        elif name == "mcr":
            step = lambda xt, s: lif_mc_refrac_step(xt, s, w_in, w_rec, g, pr)  # noqa: E731, B023
            state = LIFRefracState(LIFState(z0, z0, z0), z0)
            z, v, _ = _trace(step, x, state, lambda s: s.lif.v)
        else:
            step = lambda xt, s: lif_mc_refrac_feed_forward_step(xt, s, g, pr)  # noqa: E731, B023
            state = LIFRefracFeedForwardState(LIFFeedForwardState(z0, z0), z0)
            z, v, _ = _trace(step, x, state, lambda s: s.lif.v)
        out.update({f"{name}.z": z, f"{name}.v": v})
        if not name.startswith("mcr"):  # refractory: forward only (module docstring)
            gx, gg = _grads(z, v, x, g)
            out.update({f"{name}.gx": gx, f"{name}.gg": gg})
    return out


def adex_refrac():
    import norse.torch as norse
    from norse.torch.functional.lif_adex import LIFAdExParameters
    from norse.torch.functional.lif_adex_refrac import LIFAdExRefracParameters

    p = LIFAdExRefracParameters(lif_adex=LIFAdExParameters(alpha=1.0))
    x = _rand(40, 2, 3, seed=60, scale=3.0).requires_grad_()
    z, v, s = _trace(norse.LIFAdExRefracCell(p), x, None, lambda s: s.lif_adex.v)
    out = {"cell.z": z, "cell.v": v, "cell.a": s.lif_adex.a, "cell.rho": s.rho}
    cell = norse.LIFAdExRefracRecurrentCell(3, 4, p)
    with torch.no_grad():  # Norse 1.x keeps input_weights= as a plain tensor: copy instead
        cell.input_weights.copy_(_randn(4, 3, seed=61, scale=2.0))
        cell.recurrent_weights.copy_(_randn(4, 4, seed=62).fill_diagonal_(0.0))
    x = _rand(40, 2, 3, seed=63, scale=2.0).requires_grad_()
    z, v, s = _trace(cell, x, None, lambda s: s.lif_adex.v)
    out.update({"rec.z": z, "rec.v": v, "rec.rho": s.rho})
    return out


def mc_cells_conv_sensors():
    import norse.torch as norse
    from norse.torch.functional import logical
    from norse.torch.functional.lif import LIFParameters
    from norse.torch.functional.lif_refrac import LIFRefracParameters

    out = {}
    p = LIFParameters(alpha=torch.tensor(1.0))
    for name, cls, params in (
        ("mc", norse.LIFMCRecurrentCell, p),
        ("mcr", norse.LIFMCRefracRecurrentCell, LIFRefracParameters(lif=p)),
    ):
        cell = cls(3, 4, params)
        with torch.no_grad():
            cell.input_weights.copy_(_randn(4, 3, seed=70, scale=2.0))
            cell.recurrent_weights.copy_(_randn(4, 4, seed=71).fill_diagonal_(0.0))
            cell.g_coupling.copy_(_randn(4, 4, seed=72, scale=0.05))
        x = _rand(30, 2, 3, seed=73, scale=2.0)
        extract = (lambda s: s.v) if name == "mc" else (lambda s: s.lif.v)
        z, v, _ = _trace(cell, x, None, extract)
        out.update({f"{name}.z": z, f"{name}.v": v})
        if name == "mc":
            _grads(z, v)
            out[f"{name}.gg"] = cell.g_coupling.grad
    conv = norse.LConv2d(2, 3, 3, padding=1)
    with torch.no_grad():
        conv.weight.copy_(_randn(*conv.weight.shape, seed=74))
    out["lconv"] = conv(_randn(4, 2, 2, 5, 5, seed=75))
    s = norse.STDPSensorState(torch.zeros(2, 3), torch.zeros(2, 3))
    for t in range(20):
        z_pre = (_rand(2, 3, seed=80 + t) < 0.3).float()
        z_post = (_rand(2, 3, seed=120 + t) < 0.3).float()
        s = norse.stdp_sensor_step(
            z_pre, z_post, s, norse.STDPSensorParameters(eta_m=torch.tensor(0.5))
        )
    out.update({"a_pre": s.a_pre, "a_post": s.a_post})
    a, b = (_rand(50, seed=90) < 0.5).float(), (_rand(50, seed=91) < 0.5).float()
    out.update({
        "and": norse.logical_and(a, b), "or": norse.logical_or(a, b),
        "xor": norse.logical_xor(a, b), "posedge": logical.posedge_detector(a, b),
        "muller": logical.muller_c((_rand(50, seed=92) < 0.5).float(), a, b),
    })  # fmt: skip
    return out


def dataset():
    from norse.dataset.memory import MemoryStoreRecallDataset

    data = MemoryStoreRecallDataset(3, 4, 6, 2, 2, poisson_rate=500, dt=0.001, seed=1)
    x, y = data[0]
    return {  # the random draws differ between the two; the layout does not
        "len": torch.tensor(float(len(data))),
        "x.shape": torch.tensor(x.shape, dtype=torch.float),
        "y.shape": torch.tensor(y.shape, dtype=torch.float),
        "y.uint8": torch.tensor(float(y.dtype == torch.uint8)),
        "recalls": y.sum(0).sum().float(),
        "x.binary": torch.tensor(float(((x == 0) | (x == 1)).all())),
        "recall_in_second_half": torch.tensor(
            float(all(int(r) % 6 >= 3 for r in torch.nonzero(y.sum(1)).flatten()))
        ),
    }


def correlation():
    import norse.torch as norse

    p = norse.CorrelationSensorParameters(
        eta_p=torch.tensor(2.0), eta_m=torch.tensor(0.5), tau_ac_inv=torch.tensor(50.0)
    )
    s = norse.CorrelationSensorState(
        torch.zeros(1, 3, 4), _rand(1, 3, 4, seed=100), _rand(1, 3, 4, seed=101)
    )
    for t in range(25):
        z_pre = (_rand(1, 3, seed=102 + t) < 0.3).float()
        z_post = (_rand(1, 4, seed=140 + t) < 0.3).float()
        s = norse.correlation_sensor_step(z_pre, z_post, s, p)
    out = {"post_pre": s.post_pre, "c": s.correlation_trace, "a": s.anti_correlation_trace}
    torch.manual_seed(3)
    update = torch.nn.Linear(24, 12)
    with torch.no_grad():
        update.weight.copy_(_randn(12, 24, seed=103))
        update.bias.copy_(_randn(12, seed=104))
    w = _randn(4, 3, seed=105)
    out["w1"] = norse.correlation_based_update(1, update, w, s, 0.1, 2).detach()
    out["w0"] = norse.correlation_based_update(4, update, w, s, 0.1, 2).detach()
    out["c_zeroed"] = s.correlation_trace.clone()
    cell = norse.LIFCorrelation(3, 4)
    w_in, w_rec = _randn(4, 3, seed=106, scale=3.0), _randn(4, 4, seed=107)
    state = None
    for t in range(25):
        _, state = cell((_rand(1, 3, seed=170 + t) < 0.5).float(), w_in, w_rec, state)
    out.update({
        "lif.v": state.lif_state.v, "in.c": state.input_correlation_state.correlation_trace,
        "in.a": state.input_correlation_state.anti_correlation_trace,
        "rec.c": state.recurrent_correlation_state.correlation_trace,
        "rec.flag": state.recurrent_correlation_state.post_pre,
    })  # fmt: skip
    return out


def receptive_fields():
    import norse.torch as norse
    from norse.torch.functional import receptive_field as rf

    out = {
        "gauss": rf.gaussian_kernel(7, torch.tensor([[2.0, 0.5], [0.5, 1.0]]), 3),
        "cov": rf.covariance_matrix(torch.tensor(1.5), torch.tensor(0.5), torch.tensor(0.4)),
        "norm": torch.as_tensor(rf.calculate_normalization(2, torch.tensor(1.7), 0.5)),
        "temporal": rf.temporal_scale_distribution(5, 2.0),
        "temporal_c": rf.temporal_scale_distribution(4, 0.5, c=1.2),
        "temporal_1": rf.temporal_scale_distribution(1, 2.0, 5.0),
    }
    field = rf.spatial_receptive_field(1.5, 0.2, 1.0, 9)
    out["derive"] = rf.derive_kernel(field, torch.tensor(0.6))
    out["derive_list"] = rf.derive_spatial_receptive_field(field, 1.5, 0.6, [(1, 0), (2, 1)])
    out["derive_single"] = rf.derive_spatial_receptive_field_single(
        field, 1.5, torch.tensor(0.6), 0, 2
    )
    s, a, r = (torch.tensor(v, requires_grad=True) for v in (2.0, 0.3, 1.5))
    f = rf.spatial_receptive_field(s, a, r, 9, 1, 2, domain=4)
    f.pow(2).sum().backward()
    out.update({"field": f.detach(), "field.gs": s.grad, "field.ga": a.grad, "field.gr": r.grad})
    out["field_default"] = rf.spatial_receptive_field(2.0, 0.3, 0.5, 11, 2, 0)
    scales, angles = torch.tensor([1.0, 2.5]), torch.tensor([0.0, 0.7])
    ratios = torch.tensor([1.0, 2.0, 0.5])
    combos = rf.spatial_parameters(scales, angles, ratios, 2)
    out["params"] = combos
    out["params_replicas"] = rf.spatial_parameters(scales, angles, ratios, 1, True)
    out["params_list"] = rf.spatial_parameters(scales, angles, ratios, [(0, 0), (2, 1)])
    out["fields"] = rf.spatial_receptive_fields_with_derivatives(combos, 11, domain=3)
    out["fields_default"] = rf.spatial_receptive_fields_with_derivatives(combos[:9], 5)

    x = _rand(2, 2, 12, 12, seed=200).requires_grad_()
    m = norse.SpatialReceptiveField2d(2, 7, combos[::5].clone(), padding=1, stride=2)
    y = m(x)
    y.pow(2).sum().backward()
    out.update({"srf.w": m.weights.detach(), "srf.y": y.detach(), "srf.gx": x.grad})
    out["srf.gp"] = m.rf_parameters.grad
    torch.optim.SGD(m.parameters(), lr=1e-3).step()
    out["srf.y2"] = m(x).detach()
    for name, cls in (
        ("sampled", norse.SampledSpatialReceptiveField2d),
        ("param", norse.ParameterizedSpatialReceptiveField2d),
    ):
        m = cls(2, 9, scales.clone(), angles.clone(), torch.tensor([0.5, 1.0]), 1, domain=5)
        optimizer = torch.optim.SGD(m.parameters(), lr=0.01)
        for step in range(2):
            optimizer.zero_grad()
            y = m(_rand(3, 2, 10, 10, seed=210 + step))
            y.pow(2).sum().backward()
            out[f"{name}.y{step}"] = y.detach()
            for p in ("scales", "angles", "ratios"):
                out[f"{name}.g{p}{step}"] = getattr(m, p).grad.clone()
            optimizer.step()
        out[f"{name}.ratios"] = m.ratios.detach().clone()
    m = norse.SampledSpatialReceptiveField2d(
        1, 5, scales.clone(), angles.clone(), ratios.clone(), [(0, 1)], False, True, False
    )
    out["sampled_frozen.y"] = m(_rand(1, 1, 5, 5, seed=220)).detach()

    t = norse.TemporalReceptiveField((2, 3, 3), n_scales=3, min_scale=2.0, dt=0.002)
    x = _rand(20, 4, 2, 3, 3, seed=230, scale=2.0).requires_grad_()
    state, ys = None, []
    for step in range(20):
        y, state = t(x[step], state)
        ys.append(y)
    y = torch.stack(ys)
    y.pow(2).sum().backward()
    out.update({"trf.y": y.detach(), "trf.gx": x.grad, "trf.gps": t.ps.grad, "trf.ps": t.ps})
    t = norse.TemporalReceptiveField(
        (2,), n_scales=2, time_constants=torch.tensor([[50.0], [80.0]])
    )
    out["trf_tc.y"] = t(_rand(3, 2, seed=240))[0]
    return out


def regularization():
    from norse.torch.functional.lif import LIFParameters
    from norse.torch.functional.regularization import voltage_accumulator
    from norse.torch.module.lif import LIFCell
    from norse.torch.module.regularization import RegularizationCell

    x = _rand(15, 2, 3, seed=250, scale=3.0).requires_grad_()
    cell, spikes = LIFCell(LIFParameters(alpha=1.0)), RegularizationCell()
    volts = RegularizationCell(voltage_accumulator, state=torch.zeros(2, 3))
    s, totals = None, []
    for t in range(15):
        z, s = cell(x[t], s)
        z, count = spikes(z, s)
        _, v_total = volts(z, s)
        totals.append(count)
    (count + v_total.pow(2).sum()).backward()
    return {"counts": torch.stack(totals).detach(), "v_total": v_total.detach(), "gx": x.grad}


CASES = [
    regularization,
    receptive_fields,
    correlation,
    dataset,
    multicompartment,
    adex_refrac,
    mc_cells_conv_sensors,
    ada_lif_step,
    lif_sparse_steps,
    thresholds,
    defaults,
    lift_and_containers,
    utils,
    decoders,
]

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
norse.torch.module.snn norse.torch.module.spikes_to_times_decoder
norse.torch.functional.lif_adex_refrac norse.torch.module.lif_adex_refrac
norse.torch.functional.lif_mc norse.torch.module.lif_mc norse.torch.functional.lif_mc_refrac
norse.torch.module.lif_mc_refrac norse.torch.functional.logical norse.torch.functional.stdp_sensor
norse.torch.module.conv norse.torch.functional.correlation_sensor
norse.torch.functional.lif_correlation norse.torch.module.lif_correlation norse.torch.utils.clone norse.torch.functional.adjoint.lif_adjoint
norse.torch.functional.adjoint.lif_refrac_adjoint norse.torch.functional.adjoint.lsnn_adjoint
norse.torch.utils.pytree norse.torch.utils.state
norse.torch.functional.receptive_field norse.torch.module.receptive_field
""".split()


def surface() -> dict:
    """For every module of ``SURFACE`` (None if absent): ``"all"`` its public names from
    norse, ``"defined"`` those it defines itself (not imported from another module)."""
    names = {}
    for module_name in SURFACE:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            names[module_name] = None
            continue
        public = {
            k: v
            for k, v in vars(module).items()
            if not k.startswith("_")
            and not isinstance(v, types.ModuleType)
            and str(getattr(v, "__module__", "") or "").startswith("norse")
        }
        names[module_name] = {
            "all": sorted(public),
            "defined": sorted(k for k, v in public.items() if v.__module__ == module_name),
        }
    return names


def main(path: str) -> None:
    results = {}
    for case in CASES:
        torch.manual_seed(0)
        results[case.__name__] = {k: v.detach().clone() for k, v in case().items()}
    torch.save({"cases": results, "surface": surface()}, path)


if __name__ == "__main__":
    main(sys.argv[1])
