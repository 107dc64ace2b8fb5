r"""LIF modules: :class:`LIFCell`, :class:`LIF`, :class:`LIFRecurrentCell`, :class:`LIFRecurrent`.

Leaky integrate-and-fire neurons with an exponential current synapse
(:mod:`norse.torch.functional.lif`):

.. math::
    \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + i), \qquad
    \dot i = -\tau_{syn}^{-1} i, \qquad z = \Theta(v - v_{th})

with the input added to ``i`` every step and ``v`` reset to ``v_reset`` after a spike.
The modules are built from :data:`SPEC` (see :mod:`norse.torch.module.snn`); parameters are
registered on the module; the initial state is ``v = v_leak``, ``i = 0`` (and ``z = 0`` for
recurrent models), in the input's dtype and device.

Example::

    spikes, state = LIF()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lif import (
    LIFFeedForwardState,
    LIFParameters,
    LIFState,
    lif_feed_forward_step,
    lif_step,
)
from norse.torch.module.snn import NeuronCell, NeuronRecurrent, NeuronRecurrentCell, NeuronSequence

__all__ = ["LIF", "LIFCell", "LIFRecurrent", "LIFRecurrentCell"]

_MODEL = NeuronSpec(
    name="lif",
    description="Leaky integrate-and-fire neuron with an exponential current synapse",
    parameters=LIFParameters,
    state=LIFState,
    feed_forward_state=LIFFeedForwardState,
    feed_forward_step=lif_feed_forward_step,
    step=lif_step,
    initial_state={"v": "v_leak"},
    voltage_fields=("v",),
    current_fields=("i",),
)


class LIFCell(NeuronCell, spec=_MODEL):
    r"""One feed-forward LIF step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    .. math::
        \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + i), \qquad
        \dot i = -\tau_{syn}^{-1} i, \qquad z = \Theta(v - v_{th})

    Args:
        p: :class:`LIFParameters` (default ``LIFParameters()``, Norse's).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\ s, e.g. ``("tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, LIFFeedForwardState)``; with no state it
    starts at ``v = v_leak``, ``i = 0``.
    """


class LIF(NeuronSequence, spec=_MODEL):
    r"""Feed-forward LIF neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    The dynamics of :class:`LIFCell`, run as one fused op when it serves (see
    :mod:`norse.torch.ops.models`), else step by step.

    Args:
        p: :class:`LIFParameters` (default ``LIFParameters()``). dt: time step in s (0.001).
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LIFRecurrentCell(NeuronRecurrentCell, spec=_MODEL):
    r"""One recurrent LIF step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    The dynamics of :class:`LIFCell` with ``i += x W_{in}^T + z W_{rec}^T`` each step.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LIFParameters` (default ``LIFParameters()``).
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``).
        autapses: allow self-connections (default False).
        dt: time step in s (0.001). trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LIFRecurrent(NeuronRecurrent, spec=_MODEL):
    r"""Recurrent LIF neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`LIFRecurrentCell`, plus ``record_states`` as in :class:`LIF`.
    """


SPEC = _MODEL._replace(
    cell=LIFCell, sequence=LIF, recurrent_cell=LIFRecurrentCell, recurrent=LIFRecurrent
)
"""The LIF model's registry entry (registered by the core as ``"lif"``)."""
