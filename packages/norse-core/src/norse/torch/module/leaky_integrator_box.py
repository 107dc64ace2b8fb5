r"""Box leaky-integrator modules (no synapse): :class:`LIBoxCell` and :class:`LIBox`.

Dynamics (:mod:`norse.torch.functional.leaky_integrator_box`); the output is the voltage:

.. math::
    \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + x)

The modules are built from :data:`SPEC` (see :mod:`norse.torch.module.snn`). Initial state
``v = v_leak`` in the input's dtype and device. Unlike Norse 1.x, ``LIBox`` is exported
from ``norse.torch``.
"""

from __future__ import annotations

from norse.hookspecs import NeuronSpec
from norse.torch.functional.leaky_integrator_box import (
    LIBoxParameters,
    LIBoxState,
    li_box_feed_forward_step,
)
from norse.torch.module.snn import NeuronCell, NeuronSequence

__all__ = ["LIBox", "LIBoxCell"]

_MODEL = NeuronSpec(
    name="li_box",
    description="Leaky integrator driven directly by its input (no synapse, non-spiking)",
    parameters=LIBoxParameters,
    state=LIBoxState,
    feed_forward_state=LIBoxState,
    feed_forward_step=li_box_feed_forward_step,
    initial_state={"v": "v_leak"},
    voltage_fields=("v",),
    spiking=False,
)


class LIBoxCell(NeuronCell, spec=_MODEL):
    r"""One box leaky-integrator step: input ``(B, ...)`` to voltage ``(B, ...)``.

    .. math::
        \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + x)

    Args:
        p: :class:`LIBoxParameters` (default ``LIBoxParameters()``).
        dt: time step in s (default 0.001).
        trainable: parameter fields to make ``nn.Parameter``\ s.

    ``forward(input_tensor, state=None) -> (v, LIBoxState)``, starting at ``v = v_leak``.
    """


class LIBox(NeuronSequence, spec=_MODEL):
    r"""Box leaky integrators over a sequence: ``(T, B, ...)`` to voltages ``(T, B, ...)``.

    The dynamics of :class:`LIBoxCell`, run as one fused op when it serves.

    Args:
        p: :class:`LIBoxParameters`. dt: time step in s (default 0.001).
        record_states: return every step's state stacked over time.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


SPEC = _MODEL._replace(cell=LIBoxCell, sequence=LIBox)
"""The box leaky integrator's registry entry (``"li_box"``)."""
