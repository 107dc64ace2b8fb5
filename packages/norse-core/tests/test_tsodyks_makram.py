"""Tsodyks-Markram synapse: exact values from the equations, depression and facilitation."""

import itertools

import pytest
import torch

from norse.torch.functional.tsodyks_makram import (
    TsodyksMakramParameters,
    TsodyksMakramState,
    stp_step,
)

DT = 1e-3


def responses(p, period=100, spikes=8):
    """Released resources at each spike of a regular train, starting at rest (float64)."""
    s = TsodyksMakramState(torch.zeros(1, dtype=torch.float64), torch.ones(1, dtype=torch.float64))
    out = []
    for t in range(period * spikes):
        z = torch.full((1,), float(t % period == 0), dtype=torch.float64)
        r, s = stp_step(z, s, p, DT)
        if t % period == 0:
            out.append(r.item())
    return out


def test_defaults():
    p = TsodyksMakramParameters()
    assert (p.tau_f_inv, p.tau_s_inv, p.tau_d_inv, p.U) == pytest.approx(
        (20.0, 50.0, 1 / 0.75, 0.45)
    )


def test_first_two_responses_exact():
    p = TsodyksMakramParameters()
    r = responses(p, period=100, spikes=2)
    # First spike from rest (u=0, x=1): u' = U, released U * 1.
    assert r[0] == pytest.approx(0.45, abs=1e-15)
    # After it u = U and x = 1 - U. 99 silent steps: u decays by (1 - dt*tau_f_inv) each,
    # 1 - x decays by (1 - dt*tau_d_inv) each. At the spike u' = u(1 - dt tau_f) + U(1 - u).
    u = 0.45 * (1 - DT * 20) ** 99
    x = 1 - 0.45 * (1 - DT / 0.75) ** 99
    u_new = u * (1 - DT * 20) + 0.45 * (1 - u)
    assert r[1] == pytest.approx(u_new * x, abs=1e-14)


def test_silent_input_relaxes_to_rest():
    p = TsodyksMakramParameters()
    s = TsodyksMakramState(torch.tensor([0.5]), torch.tensor([0.2]))
    out, s = stp_step(torch.zeros(1), s, p, DT)
    assert out.item() == 0.0
    assert s.u.item() == pytest.approx(0.5 * (1 - 0.02))
    assert s.x.item() == pytest.approx(0.2 + (DT / 0.75) * 0.8)


def test_depression_with_default_parameters():
    r = responses(TsodyksMakramParameters())
    assert all(later < earlier for earlier, later in itertools.pairwise(r))
    assert r[-1] < 0.5 * r[0]


def test_facilitation_with_facilitating_parameters():
    p = TsodyksMakramParameters(tau_f_inv=1 / 750e-3, tau_d_inv=1 / 50e-3, U=0.15)
    r = responses(p, period=20)
    assert r[0] == pytest.approx(0.15, abs=1e-15)
    assert r[1] > r[0] and r[2] > r[1]
    assert max(r) > 1.5 * r[0]


def test_batched_independent_synapses():
    p = TsodyksMakramParameters()
    s = TsodyksMakramState(torch.zeros(2, 3), torch.ones(2, 3))
    z = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    out, s = stp_step(z, s, p, DT)
    torch.testing.assert_close(out, 0.45 * z)
    torch.testing.assert_close(s.x, 1 - 0.45 * z)


def test_bad_dt():
    with pytest.raises(ValueError, match="dt"):
        stp_step(torch.zeros(1), TsodyksMakramState(torch.zeros(1), torch.ones(1)), dt=0.0)
