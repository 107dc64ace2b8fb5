r"""LIFAdEx modules: :class:`LIFAdExCell`, :class:`LIFAdEx`, :class:`LIFAdExRecurrentCell`, :class:`LIFAdExRecurrent`.

Adaptive exponential leaky integrate-and-fire neurons (:mod:`norse.torch.functional.lif_adex`):

.. math::
    \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + \Delta_T e^{(v - v_{th}) / \Delta_T} + i - a),
    \qquad \dot i = -\tau_{syn}^{-1} i, \qquad
    \dot a = \tau_{ada}^{-1} (a_{current} (v - v_{leak}) - a)

with ``z = Θ(v - v_th)``, ``v`` reset and ``a`` increased by ``adaptation_spike`` on a spike.
The modules are built from :data:`SPEC` (see :mod:`norse.torch.module.snn`); the initial
state is ``v = v_leak``, ``i = 0``, ``a = 0`` (and ``z = 0`` for recurrent models), in the
input's dtype and device.

Example::

    spikes, state = LIFAdEx()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lif_adex import (
    LIFAdExFeedForwardState,
    LIFAdExParameters,
    LIFAdExState,
    lif_adex_feed_forward_step,
    lif_adex_step,
)
from norse.torch.module.snn import NeuronCell, NeuronRecurrent, NeuronRecurrentCell, NeuronSequence

__all__ = ["LIFAdEx", "LIFAdExCell", "LIFAdExRecurrent", "LIFAdExRecurrentCell"]

_MODEL = NeuronSpec(
    name="lif_adex",
    description="Adaptive exponential leaky integrate-and-fire neuron with an exponential current synapse",
    parameters=LIFAdExParameters,
    state=LIFAdExState,
    feed_forward_state=LIFAdExFeedForwardState,
    feed_forward_step=lif_adex_feed_forward_step,
    step=lif_adex_step,
    initial_state={"v": "v_leak"},
    voltage_fields=("v",),
    current_fields=("i",),
)


class LIFAdExCell(NeuronCell, spec=_MODEL):
    r"""One feed-forward LIFAdEx step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    .. math::
        \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + \Delta_T e^{(v - v_{th}) / \Delta_T} + i - a),
        \qquad \dot i = -\tau_{syn}^{-1} i, \qquad
        \dot a = \tau_{ada}^{-1} (a_{current} (v - v_{leak}) - a)

    Args:
        p: :class:`LIFAdExParameters` (default ``LIFAdExParameters()``, Norse's).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\ s, e.g. ``("tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, LIFAdExFeedForwardState)``, starting at
    ``v = v_leak``, ``i = 0``, ``a = 0``.
    """


class LIFAdEx(NeuronSequence, spec=_MODEL):
    r"""Feed-forward LIFAdEx neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    The dynamics of :class:`LIFAdExCell`, step by step.

    Args:
        p: :class:`LIFAdExParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LIFAdExRecurrentCell(NeuronRecurrentCell, spec=_MODEL):
    r"""One recurrent LIFAdEx step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    The dynamics of :class:`LIFAdExCell` with ``i += x W_{in}^T + z W_{rec}^T`` each step.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LIFAdExParameters` (default ``LIFAdExParameters()``).
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``).
        autapses: allow self-connections (default False).
        dt: time step in s. trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LIFAdExRecurrent(NeuronRecurrent, spec=_MODEL):
    r"""Recurrent LIFAdEx neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`LIFAdExRecurrentCell`, plus ``record_states`` as in :class:`LIFAdEx`.
    """


SPEC = _MODEL._replace(
    cell=LIFAdExCell,
    sequence=LIFAdEx,
    recurrent_cell=LIFAdExRecurrentCell,
    recurrent=LIFAdExRecurrent,
)
"""The LIFAdEx model's registry entry (registered by the core as ``"lif_adex"``)."""
