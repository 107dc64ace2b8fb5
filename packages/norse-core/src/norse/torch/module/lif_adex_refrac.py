r"""LIFAdExRefrac modules: :class:`LIFAdExRefracCell`, :class:`LIFAdExRefrac`, :class:`LIFAdExRefracRecurrentCell`, :class:`LIFAdExRefracRecurrent`.

Adaptive exponential LIF neurons with an absolute refractory period of ``rho_reset`` time
steps (:mod:`norse.torch.functional.lif_adex_refrac`). Built from :data:`SPEC`; parameters
are registered with flattened names (``lif_adex_tau_mem_inv``, ..., ``rho_reset``); the
initial state is ``lif_adex.v = v_leak`` and 0 elsewhere. Norse 1.x has no feed-forward
sequence module :class:`LIFAdExRefrac`; it is added here.

Example::

    spikes, state = LIFAdExRefrac()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lif_adex_refrac import (
    LIFAdExRefracFeedForwardState,
    LIFAdExRefracParameters,
    LIFAdExRefracState,
    lif_adex_refrac_feed_forward_step,
    lif_adex_refrac_step,
)
from norse.torch.module.snn import NeuronCell, NeuronRecurrent, NeuronRecurrentCell, NeuronSequence

__all__ = [
    "LIFAdExRefrac",
    "LIFAdExRefracCell",
    "LIFAdExRefracRecurrent",
    "LIFAdExRefracRecurrentCell",
]

_MODEL = NeuronSpec(
    name="lif_adex_refrac",
    description="Adaptive exponential LIF neuron with an absolute refractory period (in steps)",
    parameters=LIFAdExRefracParameters,
    state=LIFAdExRefracState,
    feed_forward_state=LIFAdExRefracFeedForwardState,
    feed_forward_step=lif_adex_refrac_feed_forward_step,
    step=lif_adex_refrac_step,
    initial_state={"lif_adex.v": "lif_adex.v_leak"},
    voltage_fields=("lif_adex.v",),
    current_fields=("lif_adex.i",),
)


class LIFAdExRefracCell(NeuronCell, spec=_MODEL):
    r"""One feed-forward LIFAdExRefrac step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    The LIFAdEx step (:class:`~norse.torch.module.lif_adex.LIFAdExCell`), then with
    ``r = H(rho)``: ``v = (1 - r) v_adex + r v``, ``z = (1 - r) z_adex``,
    ``rho = (1 - z) relu(rho - r) + z rho_reset``.

    Args:
        p: :class:`LIFAdExRefracParameters` (default ``LIFAdExRefracParameters()``, Norse's).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\ s, e.g. ``("lif_adex_tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, LIFAdExRefracFeedForwardState)``.
    """


class LIFAdExRefrac(NeuronSequence, spec=_MODEL):
    r"""Feed-forward LIFAdExRefrac neurons over a sequence ``(T, B, ...)``.

    Args:
        p: :class:`LIFAdExRefracParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LIFAdExRefracRecurrentCell(NeuronRecurrentCell, spec=_MODEL):
    r"""One recurrent LIFAdExRefrac step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    The dynamics of :class:`LIFAdExRefracCell` with ``i += x W_{in}^T + z W_{rec}^T``.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LIFAdExRefracParameters`.
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``).
        autapses: allow self-connections (default False).
        dt: time step in s. trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LIFAdExRefracRecurrent(NeuronRecurrent, spec=_MODEL):
    r"""Recurrent LIFAdExRefrac neurons over a sequence ``(T, B, input_size)``.

    Args: as :class:`LIFAdExRefracRecurrentCell`, plus ``record_states``.
    """


SPEC = _MODEL._replace(
    cell=LIFAdExRefracCell,
    sequence=LIFAdExRefrac,
    recurrent_cell=LIFAdExRefracRecurrentCell,
    recurrent=LIFAdExRefracRecurrent,
)
"""The LIFAdExRefrac model's registry entry (registered by the core as ``"lif_adex_refrac"``)."""
