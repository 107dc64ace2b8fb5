"""The quadratic integrate-and-fire (QIF) neuron.

The membrane voltage follows the normal form of a saddle-node on invariant circle
bifurcation (Latham et al. 2000; Ermentrout & Kopell 1986):

.. math::
    \\dot v = \\tau_{mem}^{-1} \\left( a (v - v_{rest}) (v - v_c) + x \\right),
    \\qquad z = \\Theta(v - v_{th}), \\qquad v \\leftarrow v_{reset} \\text{ after a spike}

Without input, ``v_rest`` is a stable and ``v_c > v_rest`` an unstable fixed point: a
voltage above ``v_c`` runs away towards the spike, one below it decays to rest. A constant
input ``x > a (v_c - v_rest)^2 / 4`` removes both fixed points and the neuron fires
periodically; unlike the LIF neuron its firing rate starts from zero at that threshold
current.

One step of length ``dt`` (forward Euler, as every Norse model)::

    v_dec = v + dt * tau_mem_inv * (a * (v - v_rest) * (v - v_c) + x)
    z     = threshold(v_dec - v_th, method, alpha)
    v_new = (1 - z) * v_dec + z * v_reset

Units follow Norse: ``dt`` and ``1 / tau_mem_inv`` in seconds, voltages and input
dimensionless.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from norse.torch import SNN, SNNCell, filled_state
from norse.torch.functional import threshold


class QIFParameters(NamedTuple):
    """Parameters of the QIF neuron (see the module docstring for the equations).

    Attributes:
        tau_mem_inv: inverse membrane time constant, 1/s (default 100, i.e. 10 ms).
        a: curvature of the quadratic term (default 1).
        v_rest: stable resting voltage (default 0).
        v_c: critical voltage, the unstable fixed point (default 0.5).
        v_th: spike cut-off voltage (default 1).
        v_reset: voltage after a spike (default 0).
        method: name of a registered surrogate gradient (default ``"super"``).
        alpha: the surrogate's sharpness (default 100).
    """

    tau_mem_inv: Tensor | float = torch.as_tensor(100.0)
    a: Tensor | float = torch.as_tensor(1.0)
    v_rest: Tensor | float = torch.as_tensor(0.0)
    v_c: Tensor | float = torch.as_tensor(0.5)
    v_th: Tensor | float = torch.as_tensor(1.0)
    v_reset: Tensor | float = torch.as_tensor(0.0)
    method: str = "super"
    alpha: Tensor | float = torch.as_tensor(100.0)


DEFAULT_QIF_PARAMETERS = QIFParameters()
"""``QIFParameters()``, the default of the QIF step and modules."""


class QIFFeedForwardState(NamedTuple):
    """State of a feed-forward QIF neuron: membrane voltage ``v``."""

    v: Tensor


class QIFState(NamedTuple):
    """State of a QIF neuron with its last spikes ``z`` and voltage ``v``."""

    z: Tensor
    v: Tensor


def qif_feed_forward_step(
    input_tensor: Tensor,
    state: QIFFeedForwardState,
    p: QIFParameters = DEFAULT_QIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[Tensor, QIFFeedForwardState]:
    """One forward-Euler QIF step (module docstring).

    Args:
        input_tensor: input current ``x``, shape ``(B, ...)``.
        state: the voltage ``v``, broadcastable to the input's shape.
        p: the parameters. dt: the time step in seconds (default 0.001).

    Returns:
        ``(z, QIFFeedForwardState(v_new))``: spikes in {0, 1} and the new voltage, both
        shaped like the input.
    """
    v = state.v
    v_dec = v + dt * p.tau_mem_inv * (p.a * (v - p.v_rest) * (v - p.v_c) + input_tensor)
    z = threshold(v_dec - p.v_th, p.method, p.alpha)
    return z, QIFFeedForwardState(v=(1 - z) * v_dec + z * p.v_reset)


class QIFCell(SNNCell):
    """One QIF step as a module: input ``(B, ...)`` to spikes ``(B, ...)``.

    The state starts at ``v = v_rest``. Parameters are buffers (``trainable`` names the ones
    to make ``nn.Parameter``\\ s).

    Args:
        p: :class:`QIFParameters`. dt: the time step in seconds (default 0.001).
        trainable: parameter fields to train, e.g. ``("v_c",)``.
    """

    def __init__(
        self,
        p: QIFParameters = DEFAULT_QIF_PARAMETERS,
        dt: float = 0.001,
        *,
        trainable: tuple[str, ...] = (),
    ) -> None:
        super().__init__(qif_feed_forward_step, self.initial_state, p, dt, trainable=trainable)

    def initial_state(self, input_tensor: Tensor) -> QIFFeedForwardState:
        """``v = v_rest``, shaped like ``input_tensor``."""
        return QIFFeedForwardState(filled_state(self.p.v_rest, input_tensor.shape, input_tensor))


class QIF(SNN):
    """QIF neurons over a sequence: input ``(T, B, ...)`` to spikes ``(T, B, ...)``.

    Args:
        p: :class:`QIFParameters`. dt: the time step in seconds (default 0.001).
        record_states: if True, return every step's state stacked over time.
        trainable: parameter fields to train.
    """

    def __init__(
        self,
        p: QIFParameters = DEFAULT_QIF_PARAMETERS,
        dt: float = 0.001,
        record_states: bool = False,
        *,
        trainable: tuple[str, ...] = (),
    ) -> None:
        super().__init__(
            qif_feed_forward_step,
            self.initial_state,
            p,
            dt,
            record_states=record_states,
            trainable=trainable,
        )

    def initial_state(self, input_tensor: Tensor) -> QIFFeedForwardState:
        """``v = v_rest``, shaped like one step ``input_tensor[0]``."""
        step = input_tensor[0]
        return QIFFeedForwardState(filled_state(self.p.v_rest, step.shape, step))
