r"""Box LIF modules (no synapse): :class:`LIFBoxCell` and the sequence module :class:`LIFBox`.

Dynamics (:mod:`norse.torch.functional.lif_box`): the input drives the membrane directly,

.. math::
    \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + x), \qquad z = \Theta(v - v_{th})

The modules are built from :data:`SPEC` (see :mod:`norse.torch.module.snn`). Initial state
``v = v_leak`` in the input's dtype and device. Unlike Norse 1.x, ``LIFBox`` is exported
from ``norse.torch``.
"""

from __future__ import annotations

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lif_box import (
    LIFBoxFeedForwardState,
    LIFBoxParameters,
    LIFBoxState,
    lif_box_feed_forward_step,
)
from norse.torch.module.snn import NeuronCell, NeuronSequence

__all__ = ["LIFBox", "LIFBoxCell"]

_MODEL = NeuronSpec(
    name="lif_box",
    description="Leaky integrate-and-fire neuron driven directly by its input (no synapse)",
    parameters=LIFBoxParameters,
    state=LIFBoxState,
    feed_forward_state=LIFBoxFeedForwardState,
    feed_forward_step=lif_box_feed_forward_step,
    initial_state={"v": "v_leak"},
    voltage_fields=("v",),
)


class LIFBoxCell(NeuronCell, spec=_MODEL):
    r"""One box LIF step: input ``(B, ...)`` to spikes ``(B, ...)``.

    .. math::
        \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + x), \qquad z = \Theta(v - v_{th})

    Args:
        p: :class:`LIFBoxParameters` (default ``LIFBoxParameters()``).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\ s.

    ``forward(input_tensor, state=None) -> (z, LIFBoxFeedForwardState)``, starting at
    ``v = v_leak``.
    """


class LIFBox(NeuronSequence, spec=_MODEL):
    r"""Box LIF neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    The dynamics of :class:`LIFBoxCell`, run as one fused op when it serves.

    Args:
        p: :class:`LIFBoxParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


SPEC = _MODEL._replace(cell=LIFBoxCell, sequence=LIFBox)
"""The box LIF model's registry entry (``"lif_box"``)."""
