"""The core's own plugin: registers Norse's built-ins through the public hooks.

Each hook imports its catalogue lazily, so that ``import norse`` stays cheap and the
registries are only filled when first read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from norse.hookspecs import (
    CommandSpec,
    DecoderSpec,
    EncoderSpec,
    KernelSpec,
    NeuronSpec,
    PlasticitySpec,
    SurrogateSpec,
    hookimpl,
)

# Every module under norse.torch.module that defines a neuron model exposes ``SPEC``.
NEURON_MODULES = (
    "lif",
    "lif_box",
    "leaky_integrator",
    "leaky_integrator_box",
    "iaf",
    "lif_ex",
    "lif_adex",
    "lif_refrac",
    "lsnn",
    "coba_lif",
    "izhikevich",
    "lif_adex_refrac",
)


def _module(name: str):
    return importlib.import_module(name)


@hookimpl
def norse_register_neurons(register: Callable[[NeuronSpec], None]) -> None:
    for name in NEURON_MODULES:
        register(_module(f"norse.torch.module.{name}").SPEC)


@hookimpl
def norse_register_surrogates(register: Callable[[SurrogateSpec], None]) -> None:
    for spec in _module("norse.torch.functional.surrogate").BUILTIN_SURROGATES:
        register(spec)


@hookimpl
def norse_register_encoders(register: Callable[[EncoderSpec], None]) -> None:
    for spec in _module("norse.torch.module.encode").ENCODER_SPECS:
        register(spec)


@hookimpl
def norse_register_decoders(register: Callable[[DecoderSpec], None]) -> None:
    for spec in _module("norse.torch.module.decode").DECODER_SPECS:
        register(spec)


@hookimpl
def norse_register_plasticity(register: Callable[[PlasticitySpec], None]) -> None:
    for name in ("stdp", "tsodyks_makram"):
        for spec in _module(f"norse.torch.functional.{name}").PLASTICITY_SPECS:
            register(spec)


@hookimpl
def norse_register_commands(register: Callable[[CommandSpec], None]) -> None:
    register(_module("norse.cli").PLUGINS_COMMAND)
    register(_module("norse.torch.ops._command").KERNELS_COMMAND)


@hookimpl
def norse_register_kernels(register: Callable[[KernelSpec], None]) -> None:
    for spec in _module("norse.torch.ops").REFERENCE_KERNELS:
        register(spec)
