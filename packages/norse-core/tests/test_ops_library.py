"""The fused ops as ``torch.library`` operators: ``torch.library.opcheck`` on each.

opcheck checks the schema (no aliasing of inputs by outputs), the autograd registration,
the fake (shape) implementation against the real one and, for one case per forward op,
the op under AOT autograd with dynamic shapes. It runs the PyTorch reference kernels (the C++
ones have their own equivalence tests).
"""

from __future__ import annotations

import pytest
import torch

import norse.torch.ops.recurrent  # noqa: F401  (defines every fused op)

F64 = torch.float64
FAST = ("test_schema", "test_autograd_registration", "test_faketensor")
T, B, H = 4, 2, 3


@pytest.fixture(autouse=True)
def _reference(monkeypatch):
    monkeypatch.setenv("NORSE_KERNELS", "reference")


def _gen():
    return torch.Generator().manual_seed(0)


def _step(gen, low=0.0, high=1.0, grad=True):
    t = low + (high - low) * torch.rand((B, H), generator=gen, dtype=F64)
    return t.requires_grad_(grad)


def _alpha():
    return torch.tensor(4.0, dtype=F64)


@pytest.mark.parametrize(
    ("current", "spiking", "subtract", "utils"),
    [
        (True, True, False, None),
        (False, True, True, FAST),
        (True, False, False, FAST),
        (False, False, False, FAST),
    ],
)
def test_leaky_sequence(current, spiking, subtract, utils):
    gen = _gen()
    x = torch.rand((T, B, H), generator=gen, dtype=F64).requires_grad_()
    args = (
        x,
        _step(gen, high=0.5),
        _step(gen, high=0.3) if current else None,
        _step(gen, 0.7, 0.9),
        _step(gen, 0.3, 0.6),
        _step(gen, 0.0, 0.05),
        _step(gen, 0.6, 0.9) if current else None,
        _step(gen, 0.4, 0.6),
        _step(gen, -0.1, 0.1),
        spiking,
        subtract,
        "super",
        _alpha(),
    )
    kwargs = {} if utils is None else {"test_utils": utils}
    torch.library.opcheck(torch.ops.norse.leaky_sequence.default, args, **kwargs)


@pytest.mark.parametrize("exact", [False, True])
def test_lsnn_sequence(exact):
    gen = _gen()
    x = torch.rand((T, B, H), generator=gen, dtype=F64).requires_grad_()
    args = (
        x,
        _step(gen, high=0.5),
        _step(gen, high=0.3),
        _step(gen, 0.4, 0.6),
        _step(gen, 0.1, 0.3),
        _step(gen, 0.1, 0.3) if exact else None,
        _step(gen, 0.1, 0.3),
        _step(gen, 0.01, 0.1),
        _step(gen, -0.1, 0.1),
        _step(gen, 0.4, 0.6),
        _step(gen, -0.1, 0.1),
        _step(gen, 0.5, 2.0),
        False,
        "super",
        _alpha(),
    )
    kwargs = {"test_utils": FAST} if exact else {}
    torch.library.opcheck(torch.ops.norse.lsnn_sequence.default, args, **kwargs)


def test_lif_recurrent_sequence():
    gen = _gen()
    x = torch.rand((T, B, H), generator=gen, dtype=F64).requires_grad_()
    w = (0.3 * torch.rand((H, H), generator=gen, dtype=F64)).requires_grad_()
    z0 = torch.zeros(B, H, dtype=F64)
    coefficients = [_step(gen, lo, hi) for lo, hi in ((0.7, 0.9), (0.3, 0.6), (0, 0.05))]
    args = (
        x,
        w,
        z0,
        _step(gen, high=0.5),
        _step(gen, high=0.3),
        *coefficients,
        _step(gen, 0.6, 0.9),
        _step(gen, 0.4, 0.6),
        _step(gen, -0.1, 0.1),
        False,
        True,
        "super",
        _alpha(),
    )
    torch.library.opcheck(torch.ops.norse.lif_recurrent_sequence.default, args, test_utils=FAST)


def test_lsnn_recurrent_sequence():
    gen = _gen()
    x = torch.rand((T, B, H), generator=gen, dtype=F64).requires_grad_()
    w = (0.3 * torch.rand((H, H), generator=gen, dtype=F64)).requires_grad_()
    z0 = torch.zeros(B, H, dtype=F64)
    state = [_step(gen, high=0.5), _step(gen, high=0.3), _step(gen, 0.4, 0.6)]
    ranges = ((0.7, 0.9), (0.3, 0.6), (0, 0.05), (0.6, 0.9), (0.9, 1.0), (0, 0.05))
    coefficients = [_step(gen, lo, hi) for lo, hi in ranges]
    args = (
        x,
        w,
        z0,
        *state,
        *coefficients,
        _step(gen, -0.1, 0.1),
        _step(gen, 0.5, 2.0),
        True,
        True,
        "super",
        _alpha(),
    )
    torch.library.opcheck(torch.ops.norse.lsnn_recurrent_sequence.default, args, test_utils=FAST)
