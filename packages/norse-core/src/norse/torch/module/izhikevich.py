r"""Izhikevich modules: :class:`IzhikevichCell`, :class:`Izhikevich`, :class:`IzhikevichRecurrentCell`, :class:`IzhikevichRecurrent`.

Dynamics (:mod:`norse.torch.functional.izhikevich`), in the model's millisecond time scale
(``tau_inv`` converts ``dt`` from seconds):

.. math::
    \dot v = sq\, v^2 + mn\, v + bias - u + I, \qquad \dot u = a (b v - u),
    \qquad z = \Theta(v - v_{th})

with ``v`` reset to ``c`` and ``u`` increased by ``d`` on a spike. The modules are built from
:data:`SPEC` (see :mod:`norse.torch.module.snn`) but take a behaviour (``spiking_method``,
e.g. ``norse.torch.tonic_spiking``) instead of ``p``, and start each run from new tensors
filled with the behaviour's initial ``v`` and ``u`` (and ``z = 0`` for recurrent models), in
the input's dtype and device; the behaviour itself is never modified, so several modules may
share one preset. (Norse 1.x returns the preset's own state tensor, shared by all its users.)

Example::

    spikes, state = Izhikevich(tonic_spiking)(torch.full((100, 1, 2), 10.0))  # (T=100, B=1, 2 neurons)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from norse.hookspecs import NeuronSpec
from norse.torch.functional.izhikevich import (
    IzhikevichParameters,
    IzhikevichRecurrentState,
    IzhikevichSpikingBehavior,
    IzhikevichState,
    izhikevich_feed_forward_step,
    izhikevich_recurrent_step,
)
from norse.torch.module.snn import NeuronCell, NeuronRecurrent, NeuronRecurrentCell, NeuronSequence

__all__ = ["Izhikevich", "IzhikevichCell", "IzhikevichRecurrent", "IzhikevichRecurrentCell"]

_MODEL = NeuronSpec(
    name="izhikevich",
    description="Izhikevich (2003) quadratic neuron with a recovery variable",
    parameters=IzhikevichParameters,
    state=IzhikevichRecurrentState,
    feed_forward_state=IzhikevichState,
    feed_forward_step=izhikevich_feed_forward_step,
    step=izhikevich_recurrent_step,
    voltage_fields=("v",),
)


class _FromBehaviour:
    """Takes a behaviour instead of ``p``, and starts from its ``s``, not ``spec.initial_state``."""

    spiking_method: IzhikevichSpikingBehavior

    def __init__(self, spiking_method: IzhikevichSpikingBehavior, **kwargs: Any) -> None:
        super().__init__(p=spiking_method.p, **kwargs)
        self.spiking_method = spiking_method

    def _initial_values(self) -> Mapping[str, Any]:
        return {"v": self.spiking_method.s.v, "u": self.spiking_method.s.u}


class _RecurrentFromBehaviour(_FromBehaviour):
    """:class:`_FromBehaviour` after the recurrent modules' ``input_size, hidden_size``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        spiking_method: IzhikevichSpikingBehavior,
        **kwargs: Any,
    ) -> None:
        super().__init__(spiking_method, input_size=input_size, hidden_size=hidden_size, **kwargs)


class IzhikevichCell(_FromBehaviour, NeuronCell, spec=_MODEL):
    r"""One feed-forward Izhikevich step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    .. math::
        \dot v = sq\, v^2 + mn\, v + bias - u + I, \qquad \dot u = a (b v - u),
        \qquad z = \Theta(v - v_{th})

    Args:
        spiking_method: an :class:`IzhikevichSpikingBehavior` (e.g. ``tonic_spiking``).
        dt: time step in s (default 0.001), keyword.
        trainable: parameter fields to make ``nn.Parameter``\ s, e.g. ``("a", "d")``.

    ``forward(input_tensor, state=None) -> (z, IzhikevichState)``, starting at the
    preset's ``v`` and ``u``.
    """


class Izhikevich(_FromBehaviour, NeuronSequence, spec=_MODEL):
    r"""Feed-forward Izhikevich neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    The dynamics of :class:`IzhikevichCell`, step by step.

    Args:
        spiking_method: an :class:`IzhikevichSpikingBehavior`.
        dt: time step in s (default 0.001), keyword.
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class IzhikevichRecurrentCell(_RecurrentFromBehaviour, NeuronRecurrentCell, spec=_MODEL):
    r"""One recurrent Izhikevich step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    The dynamics of :class:`IzhikevichCell` with ``I = x W_{in}^T + z W_{rec}^T``.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        spiking_method: an :class:`IzhikevichSpikingBehavior`.
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``), keyword.
        autapses: allow self-connections (default False).
        dt: time step in s. trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class IzhikevichRecurrent(_RecurrentFromBehaviour, NeuronRecurrent, spec=_MODEL):
    r"""Recurrent Izhikevich neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Without ``record_states`` it runs as one fused op (``norse::izhikevich_recurrent_sequence``,
    :mod:`norse.torch.ops.recurrent_izhikevich`), else step by step.

    Args: as :class:`IzhikevichRecurrentCell`, plus ``record_states`` as in :class:`Izhikevich`.
    """


SPEC = _MODEL._replace(
    cell=IzhikevichCell,
    sequence=Izhikevich,
    recurrent_cell=IzhikevichRecurrentCell,
    recurrent=IzhikevichRecurrent,
)
"""The Izhikevich model's registry entry (registered by the core as ``"izhikevich"``)."""
