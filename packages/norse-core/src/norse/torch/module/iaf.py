r"""Integrate-and-fire modules: :class:`IAFCell` and :class:`IAF`.

Dynamics (:mod:`norse.torch.functional.iaf`): no leak, no time constant; each step
``v = v + x``, ``z = Θ(v - v_th)``, then ``v`` is reset.

The modules are built from :data:`SPEC` (see :mod:`norse.torch.module.snn`). Initial state
``v = v_reset`` (a new tensor in the input's dtype and device; Norse 1.x set
``requires_grad`` on the parameter itself). ``IAF`` accepts ``record_states`` (Norse issue
#407).
"""

from __future__ import annotations

from norse.hookspecs import NeuronSpec
from norse.torch.functional.iaf import (
    IAFFeedForwardState,
    IAFParameters,
    IAFState,
    iaf_feed_forward_step,
    iaf_step,
)
from norse.torch.module.snn import NeuronCell, NeuronSequence

__all__ = ["IAF", "IAFCell"]

_MODEL = NeuronSpec(
    name="iaf",
    description="Integrate-and-fire neuron without leak",
    parameters=IAFParameters,
    state=IAFState,
    feed_forward_state=IAFFeedForwardState,
    feed_forward_step=iaf_feed_forward_step,
    step=iaf_step,
    initial_state={"v": "v_reset"},
    voltage_fields=("v",),
)


class IAFCell(NeuronCell, spec=_MODEL):
    r"""One IAF step: input ``(B, ...)`` to spikes ``(B, ...)``.

    ``v = v + x``, ``z = Θ(v - v_th)``, ``v_new = reset_method(z, v, v_reset, v_th)``.

    Args:
        p: :class:`IAFParameters` (default ``IAFParameters()``).
        dt: unused by the dynamics (kept for the signature).
        trainable: parameter fields to make ``nn.Parameter``\ s.

    ``forward(input_tensor, state=None) -> (z, IAFFeedForwardState)``, starting at
    ``v = v_reset``.
    """


class IAF(NeuronSequence, spec=_MODEL):
    r"""IAF neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    The dynamics of :class:`IAFCell`, run as one fused op when it serves.

    Args:
        p: :class:`IAFParameters`. dt: unused by the dynamics.
        record_states: return every step's state stacked over time.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


SPEC = _MODEL._replace(cell=IAFCell, sequence=IAF)
"""The IAF model's registry entry (``"iaf"``)."""
