"""Runs Norse 1.x (the oracle) on saved inputs: ``python norse1_runner.py IN.pt OUT.pt``.

Run it with the interpreter of an environment where ``import norse`` is Norse 1.x (never in
the same process as norse-core). ``IN.pt`` holds ``{case_name: {"model": name, **tensors}}``;
``OUT.pt`` receives ``{case_name: {"z": (T, ...) outputs, "v": (T, ...) voltages}}``.

``MODELS`` maps a model name to a function ``f(case) -> {"z": ..., "v": ...}``; add an entry
per model to compare.
"""

import sys

import torch


def _loop(cell, x, *extra):
    state, outs, vs = None, [], []
    for t in range(x.shape[0]):
        out, state = cell(x[t], state)
        outs.append(out)
        vs.append(state.v)
    return {"z": torch.stack(outs).detach(), "v": torch.stack(vs).detach()}


def _lif_cell(case):
    import norse.torch as n

    return _loop(n.LIFCell(), case["x"])


def _lif_recurrent_cell(case):
    import norse.torch as n

    h, i = case["w_in"].shape
    cell = n.LIFRecurrentCell(
        i, h, input_weights=case["w_in"].clone(), recurrent_weights=case["w_rec"].clone()
    )
    return _loop(cell, case["x"])


def _lif_box_cell(case):
    import norse.torch as n

    return _loop(n.LIFBoxCell(), case["x"])


def _li_cell(case):
    import norse.torch as n

    return _loop(n.LICell(), case["x"])


def _li_box_cell(case):
    import norse.torch as n

    return _loop(n.LIBoxCell(), case["x"])


def _iaf_cell(case):
    import norse.torch as n

    return _loop(n.IAFCell(), case["x"])


MODELS = {
    "lif_cell": _lif_cell,
    "lif_recurrent_cell": _lif_recurrent_cell,
    "lif_box_cell": _lif_box_cell,
    "li_cell": _li_cell,
    "li_box_cell": _li_box_cell,
    "iaf_cell": _iaf_cell,
}


# ---- neurons-B models (LIFEx, LIFAdEx, LIFRefrac, LSNN, CobaLIF, Izhikevich)


def _trace(step, x, state, voltage=lambda s: s.v):
    outs, vs = [], []
    for t in range(x.shape[0]):
        out, state = step(x[t], state)
        outs.append(out)
        vs.append(voltage(state))
    return {"z": torch.stack(outs).detach(), "v": torch.stack(vs).detach()}


def _recurrent(cls, case):
    h, i = case["w_in"].shape
    return cls(i, h, input_weights=case["w_in"].clone(), recurrent_weights=case["w_rec"].clone())


def _neurons_b(case):
    import norse.torch as n

    model, x = case["model"], case["x"]
    if model == "lif_ex_cell":
        return _trace(n.LIFExCell(), x, None)
    if model == "lif_ex_recurrent_cell":
        return _trace(_recurrent(n.LIFExRecurrentCell, case), x, None)
    if model == "lif_adex_cell":
        return _trace(n.LIFAdExCell(), x, None)
    if model == "lif_adex_recurrent_cell":
        return _trace(_recurrent(n.LIFAdExRecurrentCell, case), x, None)
    if model == "lif_refrac_cell":
        return _trace(n.LIFRefracCell(), x, None, lambda s: s.lif.v)
    if model == "lif_refrac_recurrent_cell":
        return _trace(_recurrent(n.LIFRefracRecurrentCell, case), x, None, lambda s: s.lif.v)
    if model == "lsnn_cell":
        return _trace(n.LSNNCell(), x, None)
    if model == "lsnn_recurrent_cell":
        return _trace(_recurrent(n.LSNNRecurrentCell, case), x, None)
    if model == "coba_lif_feed_forward":
        # Norse 1.x has no feed-forward CobaLIF module; start both at v = v_rest
        zeros = torch.zeros_like(x[0])
        state = n.CobaLIFFeedForwardState(zeros - 20.0, zeros, zeros)
        return _trace(lambda xt, s: n.coba_lif_feed_forward_step(xt, s), x, state)
    if model == "izhikevich_cell":
        return _trace(n.IzhikevichCell(n.tonic_spiking), x, None)
    if model == "coba_lif_recurrent":
        # Norse 1.x's CobaLIFCell ignores its input (the recurrent jump overwrites it): it runs
        # from the case's initial state on its recurrent weights alone.
        h, i = case["w_in"].shape
        cell = n.CobaLIFCell(i, h, p=n.CobaLIFParameters(c_m_inv=torch.as_tensor(40.0)))
        cell.recurrent_weights.data.copy_(case["w_rec"])
        return _trace(cell, x, n.CobaLIFState(*case["state"]))
    raise KeyError(model)


for _name in (
    "lif_ex_cell",
    "lif_ex_recurrent_cell",
    "lif_adex_cell",
    "lif_adex_recurrent_cell",
    "lif_refrac_cell",
    "lif_refrac_recurrent_cell",
    "lsnn_cell",
    "lsnn_recurrent_cell",
    "coba_lif_feed_forward",
    "izhikevich_cell",
    "coba_lif_recurrent",
):
    MODELS[_name] = _neurons_b


def main(argv):
    cases = torch.load(argv[1])
    with torch.no_grad():
        results = {name: MODELS[case["model"]](case) for name, case in cases.items()}
    torch.save(results, argv[2])


if __name__ == "__main__":
    main(sys.argv)
