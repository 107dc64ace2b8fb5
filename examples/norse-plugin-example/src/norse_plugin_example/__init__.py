"""An example Norse plugin: the QIF neuron and the piecewise-exponential surrogate."""

from norse_plugin_example.qif import (
    QIF,
    QIFCell,
    QIFFeedForwardState,
    QIFParameters,
    QIFState,
    qif_feed_forward_step,
)
from norse_plugin_example.surrogate import piecewise_exp_derivative

__all__ = [
    "QIF",
    "QIFCell",
    "QIFFeedForwardState",
    "QIFParameters",
    "QIFState",
    "piecewise_exp_derivative",
    "qif_feed_forward_step",
]
