"""Conductance-based leaky integrate-and-fire neuron (CobaLIF) with exponential synapses.

Positive input opens excitatory, negative input inhibitory conductances. One forward-Euler
step of length ``dt``::

    g_e   = g_e + relu(I) ;  g_i = g_i + relu(-I)      (recurrent: see below)
    g_e   = g_e - dt * tau_syn_exc_inv * g_e ;  g_i = g_i - dt * tau_syn_inh_inv * g_i
    v_dec = v + dt * c_m_inv * (g_l (v_rest - v) + g_e (e_rev_E - v) + g_i (e_rev_I - v))
    z     = Θ(v_dec - v_thresh)                        (surrogate ``method``)
    v_new = reset_method(z, v_dec, v_reset, v_thresh)

The recurrent step's conductance jumps are the sum of the input and the recurrent parts,
each split by sign of the weights::

    g_e += input @ relu(W_in).T + z_prev @ relu(W_rec).T
    g_i += input @ relu(-W_in).T + z_prev @ relu(-W_rec).T

(Norse 1.x overwrites the input part with the recurrent part, so that its recurrent cell
ignores its input; this is fixed here.) The defaults are Norse 1.x's: with ``dt = 0.001``
and time constants of 5 (``tau_syn_*_inv = 0.2``), conductances barely decay per step.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch.nn.functional import relu

from norse.torch.functional._step import recurrent_jump, spike_and_reset
from norse.torch.functional.reset import ResetMethod, reset_value

__all__ = [
    "CobaLIFFeedForwardState",
    "CobaLIFParameters",
    "CobaLIFState",
    "coba_lif_feed_forward_step",
    "coba_lif_step",
]


class CobaLIFParameters(NamedTuple):
    """Parameters of a conductance-based LIF neuron (Norse 1.x defaults, as floats).

    Attributes:
        tau_syn_exc_inv: inverse excitatory synaptic time constant, default 1/5.
        tau_syn_inh_inv: inverse inhibitory synaptic time constant, default 1/5.
        c_m_inv: inverse membrane capacitance, default 1/0.2.
        g_l: leak conductance, default 1/20 * 1/0.2 = 0.25.
        e_rev_I: inhibitory reversal potential, default -100.
        e_rev_E: excitatory reversal potential, default 60.
        v_rest: resting potential, default -20.
        v_reset: reset potential, default -70.
        v_thresh: threshold potential, default -10.
        method: surrogate gradient name, default ``"super"``.
        alpha: surrogate sharpness, default 100.
        reset_method: ``reset_value`` (default) or ``reset_subtract``.
    """

    tau_syn_exc_inv: torch.Tensor = torch.as_tensor(1.0 / 5)
    tau_syn_inh_inv: torch.Tensor = torch.as_tensor(1.0 / 5)
    c_m_inv: torch.Tensor = torch.as_tensor(1 / 0.2)
    g_l: torch.Tensor = torch.as_tensor(1 / 20 * 1 / 0.2)
    e_rev_I: torch.Tensor = torch.as_tensor(-100.0)
    e_rev_E: torch.Tensor = torch.as_tensor(60.0)
    v_rest: torch.Tensor = torch.as_tensor(-20.0)
    v_reset: torch.Tensor = torch.as_tensor(-70.0)
    v_thresh: torch.Tensor = torch.as_tensor(-10.0)
    method: str = "super"
    alpha: float = 100.0
    reset_method: ResetMethod = reset_value


_DEFAULT_PARAMETERS = CobaLIFParameters()


class CobaLIFState(NamedTuple):
    """State of a recurrent CobaLIF layer: spikes ``z``, voltage ``v``, excitatory and
    inhibitory conductances ``g_e``, ``g_i``; each ``(B, H)``."""

    z: torch.Tensor
    v: torch.Tensor
    g_e: torch.Tensor
    g_i: torch.Tensor


class CobaLIFFeedForwardState(NamedTuple):
    """State of a feed-forward CobaLIF layer: ``v``, ``g_e``, ``g_i``, each ``(B, ...)``."""

    v: torch.Tensor
    g_e: torch.Tensor
    g_i: torch.Tensor


def _coba_dynamics(
    v: torch.Tensor, g_e: torch.Tensor, g_i: torch.Tensor, p: CobaLIFParameters, dt: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Decay the jumped conductances and integrate ``v``: returns ``(z, v, g_e, g_i)``."""
    g_e = g_e - dt * p.tau_syn_exc_inv * g_e
    g_i = g_i - dt * p.tau_syn_inh_inv * g_i
    dv = dt * p.c_m_inv * (p.g_l * (p.v_rest - v) + g_e * (p.e_rev_E - v) + g_i * (p.e_rev_I - v))
    v_dec = v + dv
    z, v_new = spike_and_reset(v_dec, p.v_thresh, p)
    return z, v_new, g_e, g_i


def coba_lif_step(
    input_tensor: torch.Tensor,
    state: CobaLIFState,
    input_weights: torch.Tensor,
    recurrent_weights: torch.Tensor,
    p: CobaLIFParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, CobaLIFState]:
    """One Euler step of a recurrently connected CobaLIF layer (module docstring).

    Shapes: input ``(B, I)``, ``input_weights`` ``(H, I)``, ``recurrent_weights`` ``(H, H)``,
    state fields ``(B, H)``. Returns ``(z, CobaLIFState(z, v, g_e, g_i))``.
    """
    # excitatory (positive) and inhibitory (negative) weights drive separate conductances
    w_in, w_rec = input_weights, recurrent_weights
    g_e = recurrent_jump(state.g_e, input_tensor, state.z, relu(w_in), relu(w_rec))
    g_i = recurrent_jump(state.g_i, input_tensor, state.z, relu(-w_in), relu(-w_rec))
    z, v, g_e, g_i = _coba_dynamics(state.v, g_e, g_i, p, dt)
    return z, CobaLIFState(z, v, g_e, g_i)


def coba_lif_feed_forward_step(
    input_tensor: torch.Tensor,
    state: CobaLIFFeedForwardState,
    p: CobaLIFParameters = _DEFAULT_PARAMETERS,
    dt: float = 0.001,
) -> tuple[torch.Tensor, CobaLIFFeedForwardState]:
    """One Euler step of a feed-forward CobaLIF layer; ``input_tensor`` ``(B, ...)`` holds
    signed synaptic input (positive: excitatory). Returns ``(z, CobaLIFFeedForwardState)``."""
    g_e = state.g_e + relu(input_tensor)
    g_i = state.g_i + relu(-input_tensor)
    z, v, g_e, g_i = _coba_dynamics(state.v, g_e, g_i, p, dt)
    return z, CobaLIFFeedForwardState(v, g_e, g_i)


# ---- Norse 1.x names: biological defaults (helper "parity")

default_bio_parameters = CobaLIFParameters(
    tau_syn_exc_inv=torch.as_tensor(1 / 0.3),
    tau_syn_inh_inv=torch.as_tensor(1 / 0.5),
    e_rev_E=torch.as_tensor(0.0),
    e_rev_I=torch.as_tensor(-70.0),
    v_thresh=torch.as_tensor(-50.0),
    v_reset=torch.as_tensor(-65.0),
    v_rest=torch.as_tensor(-65.0),
)
"""Norse 1.x's biological CobaLIF parameters (time in ms: use with ``dt = 1.0``)."""

default_bio_state = CobaLIFState(
    z=torch.as_tensor(0.0),
    v=torch.as_tensor(-65.0),
    g_e=torch.as_tensor(0.0),
    g_i=torch.as_tensor(0.0),
)
"""Norse 1.x's resting state for :data:`default_bio_parameters` (``v = -65``, no conductance)."""
