"""Conformance tests for kernel plugins: run a fused-op kernel against the core's reference.

One check per op family of the kernel contract (:mod:`norse.torch.ops.contract`):
:func:`check_leaky_kernels`, :func:`check_lsnn_kernels` and :func:`check_recurrent_kernels`.

A plugin that registers kernels for the fused ops (see :mod:`norse.torch.ops.contract`) calls
the checks below from its own tests; the core runs them for its C++ CPU kernels::

    from norse.testing import check_leaky_kernels
    from my_plugin import leaky_forward, leaky_backward

    def test_my_kernels_conform():
        check_leaky_kernels(leaky_forward, leaky_backward, device="cuda")

:func:`check_leaky_kernels` runs a fixed set of small random cases (every model kind: with
and without a synaptic current, spiking or not, reset to value or by subtraction; one-step and
multi-step sequences; per-neuron and broadcast coefficients; dense, broadcast and missing
output gradients; partial ``needs``; a zero surrogate derivative) in each dtype, and raises an
``AssertionError`` naming the case at the first disagreement: spikes must be equal, everything
else equal to the tolerance of the dtype, and ``None`` exactly where ``needs`` is False. A
kernel of contract 1.1 (``contract="1.1"``) is also checked with the surrogate given inline
(a :class:`~norse.torch.ops.contract.Surrogate`): each built-in surrogate's expression in
turn, and one that no kernel has compiled in (:data:`EXTRA_EXPRESSION`). A recurrent LIF, LSNN
or refractory LIF backward kernel of contract 1.2 is also checked with ``need_parameters``
False (:func:`check_recurrent_kernels`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import torch
from torch import Tensor

from norse.torch.ops import contract

__all__ = [
    "EXTRA_EXPRESSION",
    "LeakyCase",
    "check_leaky_kernels",
    "check_lsnn_kernels",
    "check_recurrent_kernels",
    "leaky_cases",
]

EXTRA_EXPRESSION = "2 / (1 + square(alpha * x))"
"""A surrogate expression that is not a built-in one (a plugin's, say)."""

ALPHA = 4.0
"""The surrogates' sharpness in the inline cases: every one has a gradient over the range."""


def _expressions() -> list[str]:
    from norse.torch.functional.surrogate import BUILTIN_SURROGATES

    builtin = [spec.expression for spec in BUILTIN_SURROGATES if spec.expression]
    return [*dict.fromkeys(builtin), EXTRA_EXPRESSION]


TOLERANCES = {
    torch.float64: (1e-10, 1e-10),
    torch.float32: (2e-5, 2e-5),
    torch.float16: (2e-2, 2e-2),
    torch.bfloat16: (5e-2, 5e-2),
}
"""``(rtol, atol)`` per dtype for everything but spikes."""


class LeakyCase(NamedTuple):
    """One configuration of the leaky op (see :func:`leaky_cases`)."""

    name: str
    steps: int
    current: bool
    spiking: bool
    subtract: bool
    broadcast: bool
    output_gradient: str  # "dense", "broadcast" or "none"
    all_needs: bool
    zero_surrogate: bool


def leaky_cases() -> list[LeakyCase]:
    """The configurations :func:`check_leaky_kernels` runs (14 per dtype)."""
    kinds = [
        (False, False, False),
        (True, False, False),
        (False, True, False),
        (False, True, True),
        (True, True, False),
        (True, True, True),
    ]
    cases = []
    for k, (current, spiking, subtract) in enumerate(kinds):
        for broadcast in (False, True):
            steps = (1, 13, 20)[(2 * k + broadcast) % 3]
            kind = ("current" if current else "plain") + (
                ("-subtract" if subtract else "-value") if spiking else "-nonspiking"
            )
            cases.append(
                LeakyCase(
                    f"{kind}-T{steps}{'-broadcast' if broadcast else ''}",
                    steps,
                    current,
                    spiking,
                    subtract,
                    broadcast,
                    "dense",
                    True,
                    False,
                )
            )
    cases.append(
        LeakyCase("sum-gradient-x-only", 17, True, True, False, True, "broadcast", False, False)
    )
    cases.append(
        LeakyCase("state-gradient-heaviside", 9, False, True, True, False, "none", True, True)
    )
    return cases


def _inputs(case: LeakyCase, dtype: torch.dtype, device: str, seed: int) -> dict[str, Any]:
    gen = torch.Generator().manual_seed(seed)
    shape = (2, 5)

    def rand(*size: int, low: float = 0.0, high: float = 1.0) -> Tensor:
        t = low + (high - low) * torch.rand(size, generator=gen, dtype=torch.float64)
        return t.to(dtype=dtype, device=device)

    def step(low: float, high: float) -> Tensor:
        if case.broadcast:
            return rand(low=low, high=high).expand(shape)
        return rand(*shape, low=low, high=high)

    x = rand(case.steps, *shape, low=-0.2, high=0.9)
    return {
        "x": x,
        "v0": rand(*shape, high=0.5),
        "i0": rand(*shape, high=0.3) if case.current else None,
        "p": step(0.7, 0.95),
        "q": step(0.3, 0.6),
        "o": step(-0.02, 0.05),
        "r": step(0.6, 0.9) if case.current else None,
        "v_th": step(0.4, 0.6),
        "v_reset": step(-0.1, 0.1),
        "gen": gen,
        "rand": rand,
    }


def _close(what: str, got: Any, want: Any, dtype: torch.dtype, exact: bool = False) -> None:
    if want is None:
        assert got is None, f"{what}: expected None, got {type(got).__name__}"
        return
    assert isinstance(got, Tensor), f"{what}: expected a tensor, got {type(got).__name__}"
    assert got.shape == want.shape, f"{what}: shape {tuple(got.shape)} != {tuple(want.shape)}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    got, want = got.detach().cpu().double(), want.detach().cpu().double()
    if exact:
        assert torch.equal(got, want), f"{what}: differs at {(got != want).nonzero()[:5].tolist()}"
        return
    rtol, atol = TOLERANCES[dtype]
    torch.testing.assert_close(got, want, rtol=rtol, atol=atol, msg=lambda m: f"{what}: {m}")


def _check_case(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    case: LeakyCase,
    dtype: torch.dtype,
    device: str,
    seed: int,
    inline: bool,
) -> None:
    a = _inputs(case, dtype, device, seed)
    args = [a[name] for name in contract.LEAKY_FORWARD_ARGS[:9]] + [case.spiking, case.subtract]
    want = contract.leaky_forward(*args)
    got = forward(*args)
    label = f"{case.name} [{dtype}]"
    assert len(got) == 4, f"{label}: forward must return (out, u, v_T, i_T), got {len(got)} items"
    for k, name in enumerate(("out", "u", "v_T", "i_T")):
        _close(
            f"{label} forward {name}", got[k], want[k], dtype, exact=name == "out" and case.spiking
        )

    out, u = want[0], (want[1] if case.spiking else want[0])
    rand = a["rand"]
    if case.output_gradient == "dense":
        g_out = rand(*out.shape, low=-1.0, high=1.0)
    elif case.output_gradient == "broadcast":
        g_out = torch.ones((), dtype=dtype, device=device).expand(out.shape)
    else:
        g_out = None
    g_v = rand(*a["v0"].shape, low=-1.0, high=1.0)
    g_i = rand(*a["v0"].shape, low=-1.0, high=1.0) if case.current else None
    s = None
    if case.spiking and not case.zero_surrogate:
        s = rand(*u.shape, high=1.0)
    needs = [True] * len(contract.LEAKY_GRAD_NAMES)
    if not case.all_needs:
        needs = [name == "x" for name in contract.LEAKY_GRAD_NAMES]
    if not case.current:
        needs[contract.LEAKY_GRAD_NAMES.index("i0")] = False
        needs[contract.LEAKY_GRAD_NAMES.index("r")] = False
    if not case.spiking:
        needs[contract.LEAKY_GRAD_NAMES.index("v_th")] = False
        needs[contract.LEAKY_GRAD_NAMES.index("v_reset")] = False
    names = contract.LEAKY_BACKWARD_ARGS
    values = {
        **{name: a[name] for name in ("v0", "i0", "p", "q", "r", "v_th", "v_reset")},
        "g_out": g_out,
        "g_v": g_v,
        "g_i": g_i,
        "x": a["x"],
        "u": u,
        "s": s,
        "spiking": case.spiking,
        "subtract": case.subtract,
        "needs": needs,
    }
    backward_args = [values[name] for name in names]
    runs = [(label, backward_args, backward_args)]
    if inline:
        runs[0] = (label, backward_args, [*backward_args, None])
        if case.spiking and not case.zero_surrogate:
            expressions = _expressions()
            expression = expressions[seed % len(expressions)]
            surrogate = contract.Surrogate("conformance", expression, ALPHA)
            values["s"] = contract.surrogate_values(u, a["v_th"], surrogate)
            want_args = [values[name] for name in names]
            values["s"] = None
            got_args = [*(values[name] for name in names), surrogate]
            runs.append((f"{label} inline surrogate {expression!r}", want_args, got_args))
    for run_label, want_args, got_args in runs:
        want_grads = contract.leaky_backward(*want_args)
        got_grads = list(backward(*got_args))
        assert len(got_grads) == len(contract.LEAKY_GRAD_NAMES), (
            f"{run_label}: backward must return {len(contract.LEAKY_GRAD_NAMES)} gradients, "
            f"got {len(got_grads)}"
        )
        for name, g, w in zip(contract.LEAKY_GRAD_NAMES, got_grads, want_grads):
            _close(f"{run_label} gradient of {name}", g, w, dtype)


def check_leaky_kernels(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    *,
    device: str = "cpu",
    dtypes: Sequence[torch.dtype] = (torch.float32, torch.float64),
    seed: int = 0,
    contract_version: str = "1.0",
) -> int:
    """Check a ``norse::leaky_sequence`` kernel pair against the reference.

    Args:
        forward: the kernel of ``norse::leaky_sequence`` (arguments
            :data:`norse.torch.ops.contract.LEAKY_FORWARD_ARGS`).
        backward: the kernel of ``norse::leaky_sequence_backward``
            (:data:`~norse.torch.ops.contract.LEAKY_BACKWARD_ARGS`).
        device: where the inputs are made (the kernel's device type).
        dtypes: the dtypes to check; tolerances in :data:`TOLERANCES`.
        seed: seeds the random inputs.
        contract_version: the contract the kernels are registered for; from ``"1.1"`` on,
            the backward is called with the ``surrogate`` argument (None, and inline
            surrogates; see :mod:`norse.torch.ops.contract`).

    Returns:
        The number of cases checked (each a forward and a backward).

    Raises:
        AssertionError: at the first disagreement, naming the case, dtype and output.
    """
    count = 0
    for dtype in dtypes:
        for k, case in enumerate(leaky_cases()):
            inline = contract.inline_surrogates(contract_version)
            _check_case(forward, backward, case, dtype, device, seed + k, inline)
            count += 1
    return count


def _random(gen: torch.Generator, dtype: torch.dtype, device: str):
    def rand(*size: int, low: float = 0.0, high: float = 1.0) -> Tensor:
        t = low + (high - low) * torch.rand(size, generator=gen, dtype=torch.float64)
        return t.to(dtype=dtype, device=device)

    return rand


def _compare(label: str, names: Sequence[str], got: Any, want: Any, dtype: torch.dtype, exact=()):
    got = list(got)
    assert len(got) == len(want), f"{label}: expected {len(want)} results, got {len(got)}"
    for name, g, w in zip(names, got, want):
        _close(f"{label} {name}", g, w, dtype, exact=name in exact)


def check_lsnn_kernels(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    *,
    device: str = "cpu",
    dtypes: Sequence[torch.dtype] = (torch.float32, torch.float64),
    seed: int = 0,
) -> int:
    """Check a ``norse::lsnn_sequence`` kernel pair against the reference.

    Runs both integrators (``cur`` None: Euler) and both resets with per-neuron parameters,
    a dense output gradient and every gradient needed, with the ``super`` surrogate.
    Arguments as :func:`check_leaky_kernels` (:data:`~norse.torch.ops.contract.LSNN_FORWARD_ARGS`,
    :data:`~norse.torch.ops.contract.LSNN_BACKWARD_ARGS`). Returns the number of cases checked.
    """
    count = 0
    for dtype in dtypes:
        for k, (exact, subtract) in enumerate([(False, False), (False, True), (True, False)]):
            gen = torch.Generator().manual_seed(seed + k)
            rand = _random(gen, dtype, device)
            shape = (2, 5)
            steps = (1, 12, 20)[k]
            state = [
                rand(*shape, high=0.5),
                rand(*shape, high=1.0),
                rand(*shape, low=0.3, high=0.6),
            ]
            params = [
                rand(*shape, low=0.05, high=0.2),
                rand(*shape, low=0.05, high=0.2) if exact else None,
                rand(*shape, low=0.1, high=0.3),
                rand(*shape, low=0.01, high=0.1),
                rand(*shape, low=-0.1, high=0.1),
                rand(*shape, low=0.3, high=0.5),
                rand(*shape, low=-0.1, high=0.1),
                rand(*shape, low=0.5, high=2.0),
            ]
            x = rand(steps, *shape, low=0.0, high=3.0)
            label = f"lsnn {'exact' if exact else 'euler'}-{'subtract' if subtract else 'value'}"
            label += f"-T{steps} [{dtype}]"
            args = [x, *state, *params, subtract]
            want = contract.lsnn_forward(*args)
            names = ("z", "u", "v_T", "i_T", "b_T")
            _compare(f"{label} forward", names, forward(*args), want, dtype, exact=("z",))
            grads = [rand(steps, *shape, low=-1.0, high=1.0)]
            grads += [rand(*shape, low=-1.0, high=1.0) for _ in range(3)]
            needs = [name != "cur" or exact for name in contract.LSNN_GRAD_NAMES]
            alpha = torch.tensor(4.0, dtype=torch.float64)
            args = [*grads, x, want[1], *state, *params, subtract, "super", alpha, needs]
            names = [f"gradient of {n}" for n in contract.LSNN_GRAD_NAMES]
            _compare(label, names, backward(*args), contract.lsnn_backward(*args), dtype)
            count += 1
    return count


def check_recurrent_kernels(
    op: str,
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    *,
    device: str = "cpu",
    dtypes: Sequence[torch.dtype] = (torch.float64,),
    seed: int = 0,
    contract_version: str = "1.0",
) -> int:
    """Check a kernel pair of a recurrent op (``"lif"``, ``"lsnn"``, ``"lif_refrac"``,
    ``"coba_lif"``, ``"lif_adex"`` or ``"izhikevich"``) against the reference.

    ``forward`` serves ``norse::{op}_recurrent_sequence``, ``backward``
    ``norse::{op}_recurrent_backward`` (arguments in :mod:`norse.torch.ops.contract`). Runs
    both resets, with and without the per-step currents and the weight gradient. Float64 by
    default: the recurrent sums may be grouped differently, which in float32 may flip a spike
    that sits on the threshold. From ``contract_version`` ``"1.2"`` on, the LIF, LSNN and
    refractory LIF backward is called with ``need_parameters`` True and False, and the
    sequences only parameter gradients read must be empty where it is False. Returns the
    number of cases checked.
    """
    if op == "lif_refrac":
        return _check_lif_refrac_recurrent(
            forward, backward, device, dtypes, seed, contract_version
        )
    if op == "coba_lif":
        return _check_coba_lif_recurrent(forward, backward, device, dtypes, seed)
    if op == "lif_adex":
        return _check_lif_adex_recurrent(forward, backward, device, dtypes, seed)
    if op == "izhikevich":
        return _check_izhikevich_recurrent(forward, backward, device, dtypes, seed)
    if op not in ("lif", "lsnn"):
        raise ValueError(
            "op must be 'lif', 'lsnn', 'lif_refrac', 'coba_lif', 'lif_adex' or 'izhikevich', "
            f"got {op!r}"
        )
    lif = op == "lif"
    reference_forward = contract.lif_recurrent_forward if lif else contract.lsnn_recurrent_forward
    reference_backward = (
        contract.lif_recurrent_backward if lif else contract.lsnn_recurrent_backward
    )
    count = 0
    for dtype in dtypes:
        for k, (subtract, keep) in enumerate([(False, True), (True, False), (True, True)]):
            gen = torch.Generator().manual_seed(seed + k)
            rand = _random(gen, dtype, device)
            steps, batch, hidden = (1, 9, 16)[k], 3, 6
            shape = (batch, hidden)
            x = rand(steps, *shape, low=0.0, high=2.0 if lif else 3.0)
            w = rand(hidden, hidden, low=-0.5, high=0.5)
            z0 = (rand(*shape) > 0.5).to(dtype)
            state = [rand(*shape, high=0.5), rand(*shape, high=0.5)]
            p, q, o, r = (rand(*shape, low=lo, high=hi) for lo, hi in _LIF_RANGES)
            if lif:
                extra = [rand(*shape, low=0.3, high=0.6), rand(*shape, low=-0.1, high=0.1)]
                args = [x, w, z0, *state, p, q, o, r, *extra, subtract, keep]
                names = ("z", "u", "j", "v_T", "i_T")
            else:
                state.append(rand(*shape, low=0.3, high=0.6))
                kb, kv = rand(*shape, low=0.9, high=0.99), rand(*shape, low=0.003, high=0.006)
                extra = [rand(*shape, low=-0.1, high=0.1), rand(*shape, low=0.5, high=2.0)]
                args = [x, w, z0, *state, p, q, o, r, kb, kv, *extra, subtract, keep]
                names = ("z", "u", "c", "i", "v_T", "i_T", "b_T")
            label = f"{op} recurrent {'subtract' if subtract else 'value'}-T{steps}"
            label += f"{'-keep_current' if keep else ''} [{dtype}]"
            want = reference_forward(*args)
            _compare(f"{label} forward", names, forward(*args), want, dtype, exact=("z",))
            z = want[0]
            g = [rand(steps, *shape, low=-1.0, high=1.0)]
            if k == 2:  # the gradient of z.sum(): one value, all strides 0
                g = [torch.ones((), dtype=dtype, device=device).expand(steps, *shape)]
            g += [rand(*shape, low=-1.0, high=1.0) for _ in range(2 if lif else 3)]
            s = rand(steps, *shape)
            need_w = k != 1
            if lif:
                args = [*g, s, z, z0, w, p, q, r, subtract, need_w]
                names = ("GU", "GJ", "gv0", "gi0", "gz0", "gW")
            else:
                args = [*g, s, z, z0, w, p, q, r, kb, subtract, need_w]
                names = ("GU", "GC", "GI", "gv0", "gi0", "gb0", "gz0", "gW")
            skipped = ("GU",) if lif else ("GU", "GC")
            check = (backward, reference_backward, args, names, skipped)
            _check_recurrent_backward(label, *check, dtype, contract_version)
            count += 1
    return count


def _check_recurrent_backward(
    label: str,
    backward: Callable[..., Any],
    reference: Callable[..., Any],
    args: list[Any],
    names: Sequence[str],
    skipped: Sequence[str],
    dtype: torch.dtype,
    contract_version: str,
) -> None:
    """Compare a recurrent backward kernel with the reference on ``args``; a kernel of
    contract 1.2 or later also with ``need_parameters`` False, where the results named in
    ``skipped`` (read only by parameter gradients) must be empty and the others unchanged."""
    want = reference(*args)
    if not contract.takes_need_parameters(contract_version):
        _compare(f"{label} backward", names, backward(*args), want, dtype)
        return
    _compare(f"{label} backward", names, backward(*args, True), want, dtype)
    got = list(backward(*args, False))
    assert len(got) == len(want), f"{label}: expected {len(want)} results, got {len(got)}"
    for name in skipped:
        result = got[names.index(name)]
        assert result.numel() == 0, (
            f"{label} backward: {name} must be empty with need_parameters False, "
            f"got shape {tuple(result.shape)}"
        )
    kept = [k for k, name in enumerate(names) if name not in skipped]
    _compare(
        f"{label} backward (need_parameters False)",
        [names[k] for k in kept],
        [got[k] for k in kept],
        [want[k] for k in kept],
        dtype,
    )


_LIF_RANGES = ((0.7, 0.95), (0.05, 0.3), (-0.02, 0.05), (0.6, 0.9))
"""Ranges of the recurrent cases' ``p``, ``q``, ``o``, ``r``."""


def _check_lif_refrac_recurrent(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    device: str,
    dtypes: Sequence[torch.dtype],
    seed: int,
    contract_version: str,
) -> int:
    """:func:`check_recurrent_kernels` for ``norse::lif_refrac_recurrent_sequence``: the same
    cases as LIF, with initial counters of 0 to 3 steps (some neurons start refractory) and
    refractory periods of 1 to 3 steps; spikes and counters must be equal."""
    count = 0
    for dtype in dtypes:
        for k, (subtract, keep) in enumerate([(False, True), (True, False), (True, True)]):
            gen = torch.Generator().manual_seed(seed + k)
            rand = _random(gen, dtype, device)
            steps, batch, hidden = (1, 9, 16)[k], 3, 6
            shape = (batch, hidden)
            x = rand(steps, *shape, low=0.0, high=3.0)
            w = rand(hidden, hidden, low=-0.5, high=0.5)
            z0 = (rand(*shape) > 0.5).to(dtype)
            state = [rand(*shape, high=0.5), rand(*shape, high=0.5)]
            rho0 = torch.floor(rand(*shape, high=4.0))
            p, q, o, r = (rand(*shape, low=lo, high=hi) for lo, hi in _LIF_RANGES)
            v_th, v_reset = rand(*shape, low=0.3, high=0.6), rand(*shape, low=-0.1, high=0.1)
            rho_reset = torch.floor(rand(*shape, low=1.0, high=4.0))
            args = [x, w, z0, *state, rho0, p, q, o, r, v_th, v_reset, rho_reset, subtract, keep]
            names = ("z", "u", "j", "v", "rho", "v_T", "i_T", "rho_T")
            label = f"lif_refrac recurrent {'subtract' if subtract else 'value'}-T{steps}"
            label += f"{'-keep_states' if keep else ''} [{dtype}]"
            want = contract.lif_refrac_recurrent_forward(*args)
            exact = ("z", "rho", "rho_T")
            _compare(f"{label} forward", names, forward(*args), want, dtype, exact=exact)
            z, rho = want[0], want[4]
            g = [rand(steps, *shape, low=-1.0, high=1.0)]
            if k == 2:  # the gradient of z.sum(): one value, all strides 0
                g = [torch.ones((), dtype=dtype, device=device).expand(steps, *shape)]
            g += [rand(*shape, low=-1.0, high=1.0) for _ in range(3)]
            s = rand(steps, *shape)
            args = [*g, s, z, z0, rho, rho0, w, p, q, r, rho_reset, subtract, k != 1]
            names = ("GU", "GJ", "GV", "gv0", "gi0", "grho0", "gz0", "g_rho_reset", "gW")
            reference = contract.lif_refrac_recurrent_backward
            check = (backward, reference, args, names, ("GU", "GV"))
            _check_recurrent_backward(label, *check, dtype, contract_version)
            count += 1
    return count


_COBA_RANGES = (
    (0.05, 0.3), (0.05, 0.3), (0.02, 0.1), (0.1, 0.4), (-0.1, 0.1), (4.0, 6.0), (-4.0, -2.0),
    (0.8, 1.2), (-0.6, -0.4),
)  # fmt: skip
"""Ranges of the CobaLIF cases' ``de, di, k, gl, vr, ee, ei, v_th, v_reset`` (potentials
shifted so that the threshold is positive and reset by subtraction lowers the voltage)."""


def _check_coba_lif_recurrent(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    device: str,
    dtypes: Sequence[torch.dtype],
    seed: int,
) -> int:
    """:func:`check_recurrent_kernels` for ``norse::coba_lif_recurrent_sequence``: both
    resets, with and without the per-step states (the backward always gets them, from the
    reference) and the weight gradients; some weights exactly zero, as ``relu`` makes them."""
    count = 0
    for dtype in dtypes:
        for k, (subtract, keep) in enumerate([(False, True), (True, False), (True, True)]):
            gen = torch.Generator().manual_seed(seed + k)
            rand = _random(gen, dtype, device)
            steps, batch, hidden = (1, 9, 16)[k], 3, 6
            shape = (batch, hidden)
            xe, xi = rand(steps, *shape, high=3.0), rand(steps, *shape, high=1.0)
            we, wi = (torch.relu(rand(hidden, hidden, low=-0.5, high=1.0)) for _ in range(2))
            z0 = (rand(*shape) > 0.5).to(dtype)
            state = [rand(*shape, high=0.8), rand(*shape, high=0.5)]
            state.append(rand(*shape, high=0.5))
            c = [rand(*shape, low=lo, high=hi) for lo, hi in _COBA_RANGES]
            args = [xe, xi, we, wi, z0, *state, *c, subtract]
            names = ("z", "u", "ej", "ij", "v_T", "ge_T", "gi_T")
            label = f"coba_lif recurrent {'subtract' if subtract else 'value'}-T{steps}"
            label += f"{'-keep_states' if keep else ''} [{dtype}]"
            want = contract.coba_lif_recurrent_forward(*args, keep)
            _compare(f"{label} forward", names, forward(*args, keep), want, dtype, exact=("z",))
            z, u, ej, ij, *_ = contract.coba_lif_recurrent_forward(*args, True)
            g = [rand(steps, *shape, low=-1.0, high=1.0)]
            if k == 2:  # the gradient of z.sum(): one value, all strides 0
                g = [torch.ones((), dtype=dtype, device=device).expand(steps, *shape)]
            g += [rand(*shape, low=-1.0, high=1.0) for _ in range(3)]
            s = rand(steps, *shape)
            coefficients = [*c[:4], *c[5:]]  # all but vr
            flags = [subtract, k != 1, k != 2]  # need_w, need_parameters
            args = [*g, s, z, z0, u, state[0], ej, ij, we, wi, *coefficients, *flags]
            names = ("GU", "GV", "GE", "GI", "gv0", "gge0", "ggi0", "gz0", "gWe", "gWi")
            got, want = backward(*args), contract.coba_lif_recurrent_backward(*args)
            _compare(f"{label} backward", names, got, want, dtype)
            count += 1
    return count


def _check_lif_adex_recurrent(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    device: str,
    dtypes: Sequence[torch.dtype],
    seed: int,
) -> int:
    """:func:`check_recurrent_kernels` for ``norse::lif_adex_recurrent_sequence``: both resets,
    LIFAdEx, LIFEx (no adaptation) and LIFAdExRefrac (initial counters of 0 to 3 steps,
    refractory periods of 1 to 3), per-step states kept or not, the weight gradient or not;
    ``delta_T`` 0 for one neuron and clamped exponents for another (its initial voltage far
    above threshold with a small ``delta_T``); spikes and counters must be equal."""
    count = 0
    cases = [
        (False, True, False, True), (True, True, True, False), (True, False, False, True),
        (False, True, True, True),
    ]  # fmt: skip
    for dtype in dtypes:
        for n, (subtract, adaptive, refractory, keep) in enumerate(cases):
            gen = torch.Generator().manual_seed(seed + n)
            rand = _random(gen, dtype, device)
            steps, batch, hidden = (1, 9, 16, 5)[n], 3, 6
            shape = (batch, hidden)
            x = rand(steps, *shape, low=0.0, high=1.5)
            w = rand(hidden, hidden, low=-0.5, high=0.5)
            z0 = (rand(*shape) > 0.5).to(dtype)
            v_th = rand(*shape, low=0.5, high=0.7)
            delta_T = rand(*shape, low=0.1, high=0.4)
            delta_T[:, 0] = 0.0
            delta_T[:, 1] = 0.01
            v0 = rand(*shape, high=0.5)
            v0[:, 1] = v_th[:, 1] + 1.0  # exponent 100: clamped at 60
            rho0 = torch.floor(rand(*shape, high=4.0))
            state = [v0, rand(*shape, high=0.5), rand(*shape, high=0.3), rho0]
            k, ks = rand(*shape, low=0.05, high=0.15), rand(*shape, low=0.1, high=0.3)
            v_leak, v_reset = rand(*shape, low=-0.1, high=0.1), rand(*shape, low=-0.1, high=0.1)
            ranges = ((0.02, 0.1), (1.0, 3.0), (0.1, 0.4))
            ka, c, bs = (rand(*shape, low=lo, high=hi) for lo, hi in ranges)
            rho_reset = torch.floor(rand(*shape, low=1.0, high=4.0))
            coefficients = [k, ks, v_leak, v_th, v_reset, delta_T, ka, c, bs, rho_reset]
            flags = [subtract, adaptive, refractory]
            args = [x, w, z0, *state, *coefficients, *flags, keep]
            names = ("z", "u", "v", "j", "a", "rho", "v_T", "i_T", "a_T", "rho_T")
            label = f"lif_adex recurrent {'subtract' if subtract else 'value'}-T{steps}"
            label += "-adaptive" if adaptive else ""
            label += "-refractory" if refractory else ""
            label += f"{'-keep_states' if keep else ''} [{dtype}]"
            want = contract.lif_adex_recurrent_forward(*args)
            exact = ("z", "rho", "rho_T")
            _compare(f"{label} forward", names, forward(*args), want, dtype, exact=exact)
            z, u, v, rho = want[0], want[1], want[2], want[5]
            g = [rand(steps, *shape, low=-1.0, high=1.0)]
            if n == 2:  # the gradient of z.sum(): one value, all strides 0
                g = [torch.ones((), dtype=dtype, device=device).expand(steps, *shape)]
            g += [rand(*shape, low=-1.0, high=1.0) for _ in range(4)]
            s = rand(steps, *shape)
            coefficients = [k, ks, v_th, v_reset, delta_T, ka, c, bs, rho_reset]  # no v_leak
            args = [*g, s, z, z0, u, v, v0, rho, rho0, w, *coefficients, *flags, n != 1]
            names = ("GU", "GJ", "GW", "GA", "gv0", "gi0", "ga0", "grho0", "gz0", "g_rho_reset")
            names += ("gW",)
            got, want = backward(*args), contract.lif_adex_recurrent_backward(*args)
            _compare(f"{label} backward", names, got, want, dtype)
            count += 1
    return count


def _check_izhikevich_recurrent(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    device: str,
    dtypes: Sequence[torch.dtype],
    seed: int,
) -> int:
    """:func:`check_recurrent_kernels` for ``norse::izhikevich_recurrent_sequence``: 1, 9 and
    16 steps of neurons starting between rest and threshold, with per-neuron parameters
    around the ``tonic_spiking`` preset, with and without the kept states and the weight
    gradient; spikes must be equal."""
    count = 0
    for dtype in dtypes:
        for k, keep in enumerate([True, False, True]):
            gen = torch.Generator().manual_seed(seed + k)
            rand = _random(gen, dtype, device)
            steps, shape = (1, 9, 16)[k], (3, 6)
            x = rand(steps, *shape, low=0.0, high=30.0)
            w = rand(shape[1], shape[1], low=-8.0, high=8.0)
            z0 = (rand(*shape) > 0.5).to(dtype)
            v0, u0 = rand(*shape, low=-70.0, high=25.0), rand(*shape, low=-16.0, high=-10.0)
            ranges = (
                (0.15, 0.3), (0.01, 0.05), (0.15, 0.25), (-65.0, -50.0), (2.0, 8.0),
                (0.035, 0.045), (4.5, 5.5), (120.0, 140.0), (25.0, 35.0),
            )  # fmt: skip
            k_, a, b, c, d, sq, mn, bias, v_th = (
                rand(*shape, low=lo, high=hi) for lo, hi in ranges
            )
            args = [x, w, z0, v0, u0, k_, a, b, c, d, sq, mn, bias, v_th, keep]
            names = ("z", "vp", "u", "i", "v_T", "u_T")
            label = f"izhikevich recurrent T{steps}{'-keep_states' if keep else ''} [{dtype}]"
            want = contract.izhikevich_recurrent_forward(*args)
            _compare(f"{label} forward", names, forward(*args), want, dtype, exact=("z",))
            z, vp = want[0], want[1]
            g = [rand(steps, *shape, low=-1.0, high=1.0)]
            if k == 2:  # the gradient of z.sum(): one value, all strides 0
                g = [torch.ones((), dtype=dtype, device=device).expand(steps, *shape)]
            g += [rand(*shape, low=-1.0, high=1.0) for _ in range(2)]
            s = rand(steps, *shape, high=0.05)  # (c - V_t) s_t, not far above 1
            args = [*g, s, z, vp, z0, v0, w, k_, a, b, c, d, sq, mn, k != 1]
            names = ("GV", "GU", "GI", "gv0", "gu0", "gz0", "g_c", "g_d", "g_vth", "gW")
            got, want = backward(*args), contract.izhikevich_recurrent_backward(*args)
            _compare(f"{label} backward", names, got, want, dtype)
            count += 1
    return count
