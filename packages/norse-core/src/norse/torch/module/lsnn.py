r"""LSNN modules: :class:`LSNNCell`, :class:`LSNN`, :class:`LSNNRecurrentCell`, :class:`LSNNRecurrent`.

LIF neurons with an adaptive threshold ``b`` (Bellec et al. 2018,
:mod:`norse.torch.functional.lsnn`):

.. math::
    \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + i), \qquad \dot i = -\tau_{syn}^{-1} i,
    \qquad \dot b = \tau_{adapt}^{-1} (v_{th} - b), \qquad z = \Theta(v - b)

with ``b += beta`` on every spike and the input entering ``i`` after the spike.
The modules are built from :data:`SPEC` (see :mod:`norse.torch.module.snn`); the initial
state is ``v = v_leak``, ``i = 0``, threshold ``b = v_th`` (and ``z = 0`` for recurrent
models), in the input's dtype and device. ``adjoint`` follows ``p`` as in Norse 1.x's
signatures.

Example::

    spikes, state = LSNN()(torch.ones(10, 1, 2))  # (T=10, B=1, 2 neurons)
"""

from __future__ import annotations

import warnings
from typing import Any

from norse.hookspecs import NeuronSpec
from norse.torch.functional.lsnn import (
    _DEFAULT_PARAMETERS,
    LSNNFeedForwardState,
    LSNNParameters,
    LSNNState,
    lsnn_feed_forward_step,
    lsnn_step,
)
from norse.torch.module.snn import NeuronCell, NeuronRecurrent, NeuronRecurrentCell, NeuronSequence

__all__ = ["LSNN", "LSNNCell", "LSNNRecurrent", "LSNNRecurrentCell"]

_MODEL = NeuronSpec(
    name="lsnn",
    description="LIF neuron with an adaptive threshold (long short-term memory SNN, Bellec et al. 2018)",
    parameters=LSNNParameters,
    state=LSNNState,
    feed_forward_state=LSNNFeedForwardState,
    feed_forward_step=lsnn_feed_forward_step,
    step=lsnn_step,
    initial_state={"v": "v_leak", "b": "v_th"},
    voltage_fields=("v",),
    current_fields=("i",),
    threshold_fields=("b",),
)


class _Adjoint:
    """Norse 1.x's ``adjoint`` argument after ``p`` of the feed-forward modules."""

    def __init__(
        self, p: LSNNParameters = _DEFAULT_PARAMETERS, adjoint: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(_without_adjoint(p, adjoint), **kwargs)


class _RecurrentAdjoint:
    """Norse 1.x's ``adjoint`` argument after ``p`` of the recurrent modules."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        p: LSNNParameters = _DEFAULT_PARAMETERS,
        adjoint: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(input_size, hidden_size, _without_adjoint(p, adjoint), **kwargs)


class LSNNCell(_Adjoint, NeuronCell, spec=_MODEL):
    r"""One feed-forward LSNN step: input current ``(B, ...)`` to spikes ``(B, ...)``.

    .. math::
        \dot v = \tau_{mem}^{-1} ((v_{leak} - v) + i), \qquad \dot i = -\tau_{syn}^{-1} i,
        \qquad \dot b = \tau_{adapt}^{-1} (v_{th} - b), \qquad z = \Theta(v - b)

    Args:
        p: :class:`LSNNParameters` (default Norse's).
        adjoint: Norse 1.x's adjoint switch; True warns and computes the same gradients by
            backpropagation through the steps (no memory saving).
        dt: time step in s (default 0.001), keyword.
        trainable: parameter fields to make ``nn.Parameter``\ s, e.g. ``("tau_mem_inv",)``.

    ``forward(input_tensor, state=None) -> (z, LSNNFeedForwardState)``, starting at
    ``v = v_leak``, ``i = 0``, ``b = v_th``.
    """


class LSNN(_Adjoint, NeuronSequence, spec=_MODEL):
    r"""Feed-forward LSNN neurons over a sequence: ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    Runs as one fused op (``norse::lsnn_sequence``, :mod:`norse.torch.ops.lsnn`) with the
    same spikes and states as the step loop, which it falls back to for
    ``record_states=True``, a custom ``reset_method``, a trainable ``alpha``, sparse input or
    parameters of another dtype or device than the input.

    Args:
        p: :class:`LSNNParameters`.
        adjoint: True warns (see :class:`LSNNCell`).
        dt: time step in s (default 0.001), keyword.
        record_states: return every step's state stacked over time instead of the last one.
        trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LSNNRecurrentCell(_RecurrentAdjoint, NeuronRecurrentCell, spec=_MODEL):
    r"""One recurrent LSNN step: input ``(B, input_size)`` to spikes ``(B, hidden_size)``.

    The dynamics of :class:`LSNNCell` with ``i += x W_{in}^T + z W_{rec}^T`` each step.

    Args:
        input_size, hidden_size: the numbers of inputs and neurons.
        p: :class:`LSNNParameters`.
        adjoint: True warns (see :class:`LSNNCell`).
        input_weights, recurrent_weights: initial weights ``(H, I)``, ``(H, H)`` (default
            ``randn * sqrt(2 / H)``), keyword.
        autapses: allow self-connections (default False).
        dt: time step in s. trainable: parameter fields to make ``nn.Parameter``\ s.
    """


class LSNNRecurrent(_RecurrentAdjoint, NeuronRecurrent, spec=_MODEL):
    r"""Recurrent LSNN neurons over a sequence: ``(T, B, input_size)`` to ``(T, B, hidden_size)``.

    Args: as :class:`LSNNRecurrentCell`, plus ``record_states`` as in :class:`LSNN`.
    """


def _without_adjoint(p: LSNNParameters, adjoint: bool) -> LSNNParameters:
    """``p``; ``adjoint=True`` (Norse 1.x's adjoint backward) is accepted with a warning:
    the module backpropagates through its steps, which gives the exact adjoint's gradients
    (:mod:`norse.torch.functional.adjoint`) without its memory saving."""
    if adjoint:
        warnings.warn(
            "adjoint=True: this LSNN module backpropagates through its steps, which gives the "
            "same gradients as the exact adjoint but not its memory saving (for that, use "
            "norse.torch.functional.adjoint.lsnn_feed_forward_adjoint_step)",
            stacklevel=4,
        )
    return p


SPEC = _MODEL._replace(
    cell=LSNNCell, sequence=LSNN, recurrent_cell=LSNNRecurrentCell, recurrent=LSNNRecurrent
)
"""The LSNN model's registry entry (registered by the core as ``"lsnn"``)."""
