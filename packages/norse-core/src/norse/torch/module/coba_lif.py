r"""Conductance-based LIF modules.

Dynamics (:mod:`norse.torch.functional.coba_lif`): positive input opens excitatory,
negative input inhibitory conductances,

.. math::
    \dot v = c_m^{-1} (g_l (v_{rest} - v) + g_e (E_{rev,E} - v) + g_i (E_{rev,I} - v)),
    \qquad \dot g_e = -\tau_{syn,exc}^{-1} g_e, \qquad \dot g_i = -\tau_{syn,inh}^{-1} g_i

with ``z = Θ(v - v_thresh)`` and ``v`` reset to ``v_reset``. The modules are built from
:data:`SPEC` (see :mod:`norse.torch.module.snn`); the initial state is ``v = v_rest``,
``g_e = g_i = 0`` (and ``z = 0`` for recurrent models), in the input's dtype and device
(Norse 1.x starts at ``v = 0``, which for the default ``v_rest = -20`` and ``v_thresh = -10``
is above threshold and makes every neuron spike in its first step).

Norse 1.x has only ``CobaLIFCell(input_size, hidden_size, p, dt)``, a recurrent one-step
module; it keeps that name and signature. Added here: the weight-free
:class:`CobaLIFFeedForwardCell` (input is signed synaptic drive), the sequence modules
:class:`CobaLIF` (feed-forward) and :class:`CobaLIFRecurrent`.

Example::

    spikes, state = CobaLIF()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from norse.hookspecs import NeuronSpec
from norse.torch.functional.coba_lif import (
    _DEFAULT_PARAMETERS,
    CobaLIFFeedForwardState,
    CobaLIFParameters,
    CobaLIFState,
    coba_lif_feed_forward_step,
    coba_lif_step,
)
from norse.torch.module.snn import NeuronCell, NeuronRecurrent, NeuronRecurrentCell, NeuronSequence

__all__ = ["CobaLIF", "CobaLIFCell", "CobaLIFFeedForwardCell", "CobaLIFRecurrent"]

_MODEL = NeuronSpec(
    name="coba_lif",
    description="Conductance-based leaky integrate-and-fire neuron with excitatory and inhibitory synapses",
    parameters=CobaLIFParameters,
    state=CobaLIFState,
    feed_forward_state=CobaLIFFeedForwardState,
    feed_forward_step=coba_lif_feed_forward_step,
    step=coba_lif_step,
    initial_state={"v": "v_rest"},
    voltage_fields=("v",),
    current_fields=("g_e", "g_i"),
)


class _NorseRecurrent:
    """Norse 1.x's ``CobaLIFCell(input_size, hidden_size, p, dt)`` arguments for the recurrent
    modules: the weights keyword-only, defaulting to ``randn(H, I) / sqrt(I)`` and
    ``randn(H, H) / sqrt(H)``, and ``autapses=True``.

    Both default weights are drawn in any case, so that the random stream is the same either way.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: CobaLIFParameters = _DEFAULT_PARAMETERS,
        dt: float = 0.001,
        *,
        input_weights: Tensor | None = None,
        recurrent_weights: Tensor | None = None,
        autapses: bool = True,
        **kwargs: Any,
    ) -> None:
        default_in = torch.randn(hidden_size, input_size) / input_size**0.5
        default_rec = torch.randn(hidden_size, hidden_size) / hidden_size**0.5
        super().__init__(
            input_size,
            hidden_size,
            p,
            default_in if input_weights is None else input_weights,
            default_rec if recurrent_weights is None else recurrent_weights,
            autapses,
            dt,
            **kwargs,
        )


class CobaLIFFeedForwardCell(NeuronCell, spec=_MODEL):
    r"""One feed-forward CobaLIF step: signed synaptic input ``(B, ...)`` to spikes ``(B, ...)``.

    .. math::
        \dot v = c_m^{-1} (g_l (v_{rest} - v) + g_e (E_{rev,E} - v) + g_i (E_{rev,I} - v)),
        \qquad \dot g_e = -\tau_{syn,exc}^{-1} g_e, \qquad \dot g_i = -\tau_{syn,inh}^{-1} g_i

    with ``g_e += relu(x)``, ``g_i += relu(-x)`` each step.

    Args:
        p: :class:`CobaLIFParameters` (default ``CobaLIFParameters()``, Norse's).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\ s, e.g. ``("tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, CobaLIFFeedForwardState)``, starting at
    ``v = v_rest``, ``g_e = g_i = 0``.
    """


class CobaLIF(NeuronSequence, spec=_MODEL):
    r"""Feed-forward CobaLIF neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    The dynamics of :class:`CobaLIFFeedForwardCell`, step by step.

    Args:
        p: :class:`CobaLIFParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class CobaLIFCell(_NorseRecurrent, NeuronRecurrentCell, spec=_MODEL):
    r"""One recurrent CobaLIF step (Norse 1.x's ``CobaLIFCell``): input ``(B, input_size)``
    spikes to output spikes ``(B, hidden_size)``.

    The dynamics of :class:`CobaLIFFeedForwardCell`; the conductance jumps are
    ``g_e += x relu(W_in)^T + z relu(W_rec)^T`` and ``g_i += x relu(-W_in)^T + z relu(-W_rec)^T``.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`CobaLIFParameters`.
        dt: time step in s (default 0.001), fourth as in Norse 1.x.
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)``; default
            Norse 1.x's ``randn(H, I) / sqrt(I)`` and ``randn(H, H) / sqrt(H)``.
        autapses: allow self-connections (default True: Norse 1.x's CobaLIFCell does).
        trainable: parameter fields to make ``nn.Parameter``\ s.

    Unlike Norse 1.x, the input reaches the conductances (see
    :mod:`norse.torch.functional.coba_lif`).
    """


class CobaLIFRecurrent(_NorseRecurrent, NeuronRecurrent, spec=_MODEL):
    r"""Recurrent CobaLIF neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`CobaLIFCell`, plus ``record_states`` as in :class:`CobaLIF`. (Not in
    Norse 1.x.)

    Without ``record_states`` it runs as one fused op (``norse::coba_lif_recurrent_sequence``,
    :mod:`norse.torch.ops.recurrent_coba`): spikes equal to the step loop's, gradients to
    autograd's through it.
    """


SPEC = _MODEL._replace(
    cell=CobaLIFFeedForwardCell,
    sequence=CobaLIF,
    recurrent_cell=CobaLIFCell,
    recurrent=CobaLIFRecurrent,
)
"""The CobaLIF model's registry entry (registered by the core as ``"coba_lif"``)."""
