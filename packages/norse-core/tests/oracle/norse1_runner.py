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


def main(argv):
    cases = torch.load(argv[1])
    with torch.no_grad():
        results = {name: MODELS[case["model"]](case) for name, case in cases.items()}
    torch.save(results, argv[2])


if __name__ == "__main__":
    main(sys.argv)
