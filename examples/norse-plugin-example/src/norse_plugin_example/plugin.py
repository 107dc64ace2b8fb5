"""The plugin itself: hook implementations that Norse calls with a ``register`` callback."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from norse.hookspecs import NeuronSpec, NIRConverterSpec, SurrogateSpec, hookimpl
from norse_plugin_example.qif import (
    QIF,
    QIFCell,
    QIFFeedForwardState,
    QIFParameters,
    QIFState,
    qif_feed_forward_step,
)
from norse_plugin_example.surrogate import piecewise_exp_derivative


@hookimpl
def norse_register_neurons(register: Callable[[NeuronSpec], None]) -> None:
    """Register the ``qif`` neuron."""
    register(
        NeuronSpec(
            name="qif",
            description="Quadratic integrate-and-fire neuron (example plugin)",
            parameters=QIFParameters,
            state=QIFState,
            feed_forward_step=qif_feed_forward_step,
            cell=QIFCell,
            feed_forward_state=QIFFeedForwardState,
            sequence=QIF,
        )
    )


@hookimpl
def norse_register_surrogates(register: Callable[[SurrogateSpec], None]) -> None:
    """Register the ``piecewise_exp`` surrogate."""
    register(
        SurrogateSpec("piecewise_exp", piecewise_exp_derivative, "alpha/2 * exp(-alpha*|x|)", 10.0)
    )


@hookimpl
def norse_register_nir_converters(register: Callable[[NIRConverterSpec], None]) -> None:
    """Register the NIR mapping of ``QIFCell`` when ``nir`` is installed (used by norse-nir).

    The mapping needs ``nir`` and ``numpy``, which this plugin does not depend on, so it is
    imported only here and skipped where ``nir`` is missing.
    """
    if importlib.util.find_spec("nir") is None:
        return
    from norse_plugin_example.nir_converter import qif_from_nir, qif_to_nir

    register(NIRConverterSpec("qif", (QIFCell,), None, qif_to_nir, qif_from_nir))
