r"""LIFRefrac modules: :class:`LIFRefracCell`, :class:`LIFRefrac`, :class:`LIFRefracRecurrentCell`, :class:`LIFRefracRecurrent`.

LIF neurons with an absolute refractory period of ``rho_reset`` time steps
(:mod:`norse.torch.functional.lif_refrac`): each step runs the LIF step, then, while the
counter ``rho`` is positive, holds ``v`` at its previous value, suppresses spikes and counts
``rho`` down; a spike sets ``rho = rho_reset``.

The modules are built from :data:`SPEC` (see :mod:`norse.torch.module.snn`). Parameters are
registered on the module with flattened names (``lif_tau_mem_inv``, ``rho_reset``); the
initial state is ``lif.v = v_leak``, ``lif.i = 0``, ``rho = 0`` (and ``lif.z = 0`` for
recurrent models), in the input's dtype and device. Norse 1.x has no feed-forward sequence
module :class:`LIFRefrac`; it is added here. :data:`SPEC` names the nested state fields with
dotted paths (``"lif.v"``, ``"lif.i"``).

Example::

    spikes, state = LIFRefrac()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lif_refrac import (
    LIFRefracFeedForwardState,
    LIFRefracParameters,
    LIFRefracState,
    lif_refrac_feed_forward_step,
    lif_refrac_step,
)
from norse.torch.module.snn import NeuronCell, NeuronRecurrent, NeuronRecurrentCell, NeuronSequence

__all__ = ["LIFRefrac", "LIFRefracCell", "LIFRefracRecurrent", "LIFRefracRecurrentCell"]

_MODEL = NeuronSpec(
    name="lif_refrac",
    description="LIF neuron with an absolute refractory period (in time steps)",
    parameters=LIFRefracParameters,
    state=LIFRefracState,
    feed_forward_state=LIFRefracFeedForwardState,
    feed_forward_step=lif_refrac_feed_forward_step,
    step=lif_refrac_step,
    initial_state={"lif.v": "lif.v_leak"},
    voltage_fields=("lif.v",),
    current_fields=("lif.i",),
)


class LIFRefracCell(NeuronCell, spec=_MODEL):
    r"""One feed-forward LIFRefrac step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    The LIF step (:class:`~norse.torch.module.lif.LIFCell`), then with ``r = H(rho)``:
    ``v = (1 - r) v_lif + r v``, ``z = (1 - r) z_lif``,
    ``rho = (1 - z) relu(rho - r) + z rho_reset``.

    Args:
        p: :class:`LIFRefracParameters` (default ``LIFRefracParameters()``, Norse's).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\ s, e.g. ``("lif_tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, LIFRefracFeedForwardState)``, starting at
    ``lif.v = v_leak``, ``lif.i = 0``, ``rho = 0``.
    """


class LIFRefrac(NeuronSequence, spec=_MODEL):
    r"""Feed-forward LIFRefrac neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    The dynamics of :class:`LIFRefracCell`, step by step.

    Args:
        p: :class:`LIFRefracParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LIFRefracRecurrentCell(NeuronRecurrentCell, spec=_MODEL):
    r"""One recurrent LIFRefrac step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    The dynamics of :class:`LIFRefracCell` with ``i += x W_{in}^T + z W_{rec}^T`` each step.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LIFRefracParameters` (default ``LIFRefracParameters()``).
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``).
        autapses: allow self-connections (default False).
        dt: time step in s. trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LIFRefracRecurrent(NeuronRecurrent, spec=_MODEL):
    r"""Recurrent LIFRefrac neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`LIFRefracRecurrentCell`, plus ``record_states`` as in :class:`LIFRefrac`.
    """


SPEC = _MODEL._replace(
    cell=LIFRefracCell,
    sequence=LIFRefrac,
    recurrent_cell=LIFRefracRecurrentCell,
    recurrent=LIFRefracRecurrent,
)
"""The LIFRefrac model's registry entry (registered by the core as ``"lif_refrac"``)."""
