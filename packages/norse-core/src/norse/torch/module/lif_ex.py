r"""LIFEx modules: :class:`LIFExCell`, :class:`LIFEx`, :class:`LIFExRecurrentCell`, :class:`LIFExRecurrent`.

Exponential leaky integrate-and-fire neurons (:mod:`norse.torch.functional.lif_ex`):

.. math::
    \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + \Delta_T e^{(v - v_{th}) / \Delta_T} + i),
    \qquad \dot i = -\tau_{syn}^{-1} i, \qquad z = \Theta(v - v_{th})

The modules are built from :data:`SPEC` (see :mod:`norse.torch.module.snn`); the initial
state is ``v = v_leak``, ``i = 0`` (and ``z = 0`` for recurrent models), in the input's
dtype and device.

Example::

    spikes, state = LIFEx()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lif_ex import (
    LIFExFeedForwardState,
    LIFExParameters,
    LIFExState,
    lif_ex_feed_forward_step,
    lif_ex_step,
)
from norse.torch.module.snn import NeuronCell, NeuronRecurrent, NeuronRecurrentCell, NeuronSequence

__all__ = ["LIFEx", "LIFExCell", "LIFExRecurrent", "LIFExRecurrentCell"]

_MODEL = NeuronSpec(
    name="lif_ex",
    description="Exponential leaky integrate-and-fire neuron with an exponential current synapse",
    parameters=LIFExParameters,
    state=LIFExState,
    feed_forward_state=LIFExFeedForwardState,
    feed_forward_step=lif_ex_feed_forward_step,
    step=lif_ex_step,
    initial_state={"v": "v_leak"},
    voltage_fields=("v",),
    current_fields=("i",),
)


class LIFExCell(NeuronCell, spec=_MODEL):
    r"""One feed-forward LIFEx step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    .. math::
        \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + \Delta_T e^{(v - v_{th}) / \Delta_T} + i),
        \qquad \dot i = -\tau_{syn}^{-1} i, \qquad z = \Theta(v - v_{th})

    Args:
        p: :class:`LIFExParameters` (default ``LIFExParameters()``, Norse's).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\ s, e.g. ``("tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, LIFExFeedForwardState)``, starting at
    ``v = v_leak``, ``i = 0``.
    """


class LIFEx(NeuronSequence, spec=_MODEL):
    r"""Feed-forward LIFEx neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    The dynamics of :class:`LIFExCell`, step by step.

    Args:
        p: :class:`LIFExParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LIFExRecurrentCell(NeuronRecurrentCell, spec=_MODEL):
    r"""One recurrent LIFEx step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    The dynamics of :class:`LIFExCell` with ``i += x W_{in}^T + z W_{rec}^T`` each step.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LIFExParameters` (default ``LIFExParameters()``).
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``).
        autapses: allow self-connections (default False).
        dt: time step in s. trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LIFExRecurrent(NeuronRecurrent, spec=_MODEL):
    r"""Recurrent LIFEx neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`LIFExRecurrentCell`, plus ``record_states`` as in :class:`LIFEx`.
    """


SPEC = _MODEL._replace(
    cell=LIFExCell, sequence=LIFEx, recurrent_cell=LIFExRecurrentCell, recurrent=LIFExRecurrent
)
"""The LIFEx model's registry entry (registered by the core as ``"lif_ex"``)."""
