"""The whole extension surface of Norse, in one file.

A plugin is any Python object (usually a module) with functions named after the hooks
below and decorated with :data:`hookimpl`. Installed plugins are found through the
``norse`` entry-point group::

    # pyproject.toml of a plugin
    [project.entry-points.norse]
    my_plugin = "my_plugin"

Every hook receives one argument, ``register``: a callable that accepts one *spec*
(a small ``NamedTuple`` defined in this file) per call, so that one hook may register
many things. Norse validates every registration: a spec of the wrong type, a field that
does not match its type hint (a non-callable ``derivative``, an empty name) or a name that
an earlier plugin already registered is rejected with a warning naming the plugin (and both
plugins for a collision); the plugin's other registrations stand. The core registers its
own neurons, surrogates and commands through these very hooks (``norse._builtins``), so
third-party plugins are not second class; the core comes first, so a plugin can add names
but never replace a built-in, whatever hook options (``tryfirst``, ``trylast``,
``wrapper``) it uses.

Hooks are called through pluggy, one plugin at a time, lazily, the first time a registry is
read (for instance by ``norse.plugins.neurons()`` or ``norse plugins``). Each plugin's hook
call is isolated: if it raises, Norse warns with :class:`norse.plugins.PluginWarning`
naming the plugin and the error, discards that plugin's registrations from that hook, and
carries on.

A plugin module must be light: loading it registers specs and imports nothing heavy
(matplotlib, nir, h5py, triton, torchvision, gymnasium, lightning are imported when a
feature is used, inside the spec's callables).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import pluggy

__all__ = [
    "CommandSpec",
    "DecoderSpec",
    "EncoderSpec",
    "KernelSpec",
    "NIRConverterSpec",
    "NeuronSpec",
    "PlasticitySpec",
    "PlotSpec",
    "SurrogateSpec",
    "TaskSpec",
    "hookimpl",
    "hookspec",
]

PROJECT_NAME = "norse"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a function in this file as a hook specification."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a plugin function as the implementation of a hook: ``@hookimpl``."""


# --------------------------------------------------------------------------- specs


class NeuronSpec(NamedTuple):
    """A neuron model: its types, step functions, initial state and modules.

    One description serves the registry and the modules: the model's module classes are
    built from it (``class LIFCell(NeuronCell, spec=...)``, see
    :mod:`norse.torch.module.snn`), and the registered spec names those classes.

    Attributes:
        name: registry key, lower-case (``"lif"``, ``"qif"``).
        description: one line saying what the model is.
        parameters: the ``NamedTuple`` type of its parameters; ``parameters()`` is the
            default of the modules' ``p`` (None where the model has no default, like
            Izhikevich, whose modules take a behaviour instead).
        state: the state ``NamedTuple`` type of its recurrent step, with a ``z`` field (or,
            for a model without a recurrent step, its feed-forward state type).
        feed_forward_step: ``step(input, state, p, dt) -> (output, state)``.
        cell: the one-step module class (``XCell``), None until the modules are built.
        feed_forward_state: the state type of its feed-forward step (no ``z``), or None.
        step: the recurrent step ``step(input, state, w_in, w_rec, p, dt)``, or None.
        sequence: the sequence module class over ``(T, B, ...)`` (``X``), or None.
        recurrent_cell: ``XRecurrentCell`` or None.
        recurrent: ``XRecurrent`` or None.
        initial_state: the state a module starts from when ``forward`` gets none: maps a
            state field (dotted for nested states: ``"lif.v"``) to the parameter field it
            starts at (``"v_leak"``, ``"lif.v_leak"``) or to a number; every other field
            starts at 0. The modules fill it in the input's dtype and device.
        voltage_fields: state fields that are membrane voltages (dotted for nested states).
        current_fields: state fields that are synaptic currents or conductances (not
            adaptation variables such as AdEx's ``a`` or Izhikevich's ``u``).
        threshold_fields: state fields that hold a dynamic threshold (LSNN's ``b``).
        spiking: True if the output is spikes (0 or 1), False if it is the voltage
            (leaky integrators).

    ``voltage_fields``, ``current_fields`` and ``threshold_fields`` name fields of both
    ``state`` and ``feed_forward_state``.

    Who reads each field (``packages/norse-core/tests/test_neuron_spec_fields.py`` and the
    plugins' ``test_neuron_spec_fields.py`` fail if one stops being read):

    - ``name``: :mod:`norse.plugins` (the registry key).
    - ``description``: ``norse viz list`` (norse-viz ``cli.py``).
    - ``parameters``, ``state``, ``feed_forward_state``, ``feed_forward_step``, ``step``,
      ``initial_state``: the module bases (:mod:`norse.torch.module.snn`);
      ``parameters`` also :mod:`norse.torch.models` (its ``--neuron`` layers).
    - ``cell``, ``sequence``: :mod:`norse.torch.models` (which module a layer is), norse-viz
      (``record.neuron_name``, ``traces``) and NIR export (norse-nir ``exporter.py``: the
      module classes of the models with a NIR node).
    - ``recurrent_cell``, ``recurrent``: norse-viz (``record.neuron_name``) and NIR export
      (LIF's recurrent layers).
    - ``voltage_fields``, ``current_fields``, ``threshold_fields``: norse-viz
      (``traces``: which state traces are voltages, currents, thresholds).
    - ``spiking``: :mod:`norse.torch.models` (only spiking models make layers), norse-viz
      (``traces``, ``activity``: spike marks and firing rates) and NIR export (a spiking
      model's reset is checked).
    """

    name: str
    description: str
    parameters: type
    state: type
    feed_forward_step: Callable[..., Any]
    cell: type | None = None
    feed_forward_state: type | None = None
    step: Callable[..., Any] | None = None
    sequence: type | None = None
    recurrent_cell: type | None = None
    recurrent: type | None = None
    initial_state: Mapping[str, str | float] = MappingProxyType({})
    voltage_fields: tuple[str, ...] = ("v",)
    current_fields: tuple[str, ...] = ()
    threshold_fields: tuple[str, ...] = ()
    spiking: bool = True


class SurrogateSpec(NamedTuple):
    """A surrogate gradient: Heaviside forward, ``derivative`` backward.

    Attributes:
        name: the ``method`` string that selects it (``"super"``).
        derivative: ``derivative(x, alpha) -> Tensor``, the closed-form pseudo-derivative
            ``dz/dx`` at ``x = v - v_th``; must be finite for every finite ``x``. None for a
            function with no gradient (plain Heaviside).
        formula: the derivative written out, shown by ``norse plugins``.
        default_alpha: the sharpness used when a caller gives none.
        expression: the derivative as a surrogate expression in ``x`` and ``alpha``
            (:mod:`norse.torch.functional.surrogate_expression`), or None. With an
            expression, the fused kernels evaluate the derivative inline in their backward
            loop (fast); without one, the core evaluates ``derivative`` over the whole
            sequence in PyTorch and hands the result to the kernel (slower, but every
            surrogate runs everywhere). :func:`norse.torch.functional.surrogate.from_expression`
            builds a spec whose ``derivative`` is generated from its expression.
    """

    name: str
    derivative: Callable[[Any, Any], Any] | None
    formula: str
    default_alpha: float = 100.0
    expression: str | None = None


class KernelSpec(NamedTuple):
    """An implementation of one of the core's fused sequence ops for one device type.

    What ``impl`` receives and returns, the dtype and device rules and the optional
    ``available()``/``status()`` methods are the *kernel contract*, documented and versioned
    in :mod:`norse.torch.ops.contract` (with the reference implementations); the conformance
    suite :mod:`norse.testing` checks a kernel against it.

    Attributes:
        op: the op's qualified name, one of ``norse.torch.ops.OPS``: ``"norse::leaky_sequence"``,
            ``"norse::lsnn_sequence"``, the recurrent ``"norse::lif_recurrent_sequence"``,
            ``"norse::lsnn_recurrent_sequence"``, ``"norse::lif_refrac_recurrent_sequence"``,
            ``"norse::lif_adex_recurrent_sequence"``, ``"norse::coba_lif_recurrent_sequence"``,
            ``"norse::izhikevich_recurrent_sequence"``, or one of their backwards
            (``"norse::leaky_sequence_backward"``, ...).
        device: a ``torch.device`` type, e.g. ``"cuda"`` or ``"cpu"``.
        impl: the callable that implements the op for that device.
        description: what serves the op (``"Triton, fused forward"``).
        contract: the contract version ``impl`` implements (``"MAJOR.MINOR"``); a kernel whose
            major version differs from the core's is not used (the reference serves). A leaky
            backward kernel of ``"1.1"`` or later evaluates surrogate expressions inline; a
            LIF, LSNN or refractory LIF recurrent backward kernel of ``"1.2"`` or later takes
            ``need_parameters`` and skips the sequences only parameter gradients read.
    """

    op: str
    device: str
    impl: Callable[..., Any]
    description: str = ""
    contract: str = "1.0"


class CommandSpec(NamedTuple):
    """A subcommand of the ``norse`` command line.

    Attributes:
        name: the subcommand (``norse NAME ...``).
        help: one line shown by ``norse --help``.
        configure: ``configure(parser)`` adds arguments to the subcommand's
            :class:`argparse.ArgumentParser` (and may add nested subparsers).
        run: ``run(args) -> int | None``; the exit status (None means 0).
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int | None]


class NIRConverterSpec(NamedTuple):
    """Maps a neuron module to and from a NIR node type (used by ``norse-nir``).

    Attributes:
        name: a unique name for the mapping, e.g. ``"lif"``.
        module_types: the module classes this converter exports.
        node_type: the NIR node class name it imports (``"CubaLIF"``), or None.
        to_nir: ``to_nir(module, dt) -> nir.NIRNode``, or None.
        from_nir: ``from_nir(node, dt) -> torch.nn.Module``, or None.
    """

    name: str
    module_types: tuple[type, ...] = ()
    node_type: str | None = None
    to_nir: Callable[..., Any] | None = None
    from_nir: Callable[..., Any] | None = None


class EncoderSpec(NamedTuple):
    """An encoder: data (currents, intensities, values) to spikes.

    Attributes:
        name: the registry key (``"poisson"``).
        description: one line.
        function: the functional form, or None where only a module exists.
        module: the ``torch.nn.Module`` class, or None where only a function exists.
    """

    name: str
    description: str
    function: Callable[..., Any] | None = None
    module: type | None = None


class DecoderSpec(NamedTuple):
    """A decoder or readout: spikes (or voltages) to predictions.

    Attributes:
        name: the registry key (``"max"``, ``"spike_times"``).
        description: one line.
        function: the functional form, or None where only a module exists.
        module: the ``torch.nn.Module`` class, or None where only a function exists.
    """

    name: str
    description: str
    function: Callable[..., Any] | None = None
    module: type | None = None


class PlasticitySpec(NamedTuple):
    """A local learning rule (STDP, short-term plasticity, ...).

    Attributes:
        name: the registry key (``"stdp"``).
        description: one line.
        step: the step function of the rule.
        parameters: its parameter ``NamedTuple`` type, or None.
        state: its state ``NamedTuple`` type, or None.
    """

    name: str
    description: str
    step: Callable[..., Any]
    parameters: type | None = None
    state: type | None = None


class TaskSpec(NamedTuple):
    """A runnable task (a data set, a model and a training loop).

    Attributes:
        name: the task (``"mnist"``).
        description: one line.
        run: ``run(argv: list[str]) -> int | None`` runs the task from command-line style
            arguments.
    """

    name: str
    description: str
    run: Callable[[list[str]], int | None]


class PlotSpec(NamedTuple):
    """A named plot (raster, trace, heatmap, ...).

    Attributes:
        name: the plot (``"raster"``).
        description: one line.
        function: ``function(data, **kwargs)`` draws it and returns the matplotlib object.
    """

    name: str
    description: str
    function: Callable[..., Any]


# --------------------------------------------------------------------------- hooks


@hookspec
def norse_register_neurons(register: Callable[[NeuronSpec], None]) -> None:
    """Register neuron models: call ``register(NeuronSpec(...))`` once per model.

    Registered neurons are listed by ``norse plugins`` and found by name through
    :func:`norse.plugins.neurons` (e.g. ``norse.plugins.neurons()["lif"].cell()``).
    """


@hookspec
def norse_register_surrogates(register: Callable[[SurrogateSpec], None]) -> None:
    """Register surrogate gradients: call ``register(SurrogateSpec(...))`` once each.

    A registered surrogate is usable as ``method="name"`` in the parameters of every
    spiking model and in :func:`norse.torch.functional.threshold`.
    """


@hookspec
def norse_register_kernels(register: Callable[[KernelSpec], None]) -> None:
    """Register device implementations of the core's fused sequence ops.

    Call ``register(KernelSpec(op, device, impl))``; the core records which kernel
    serves which op on which device type, and ``norse plugins`` shows it.
    """


@hookspec
def norse_register_commands(register: Callable[[CommandSpec], None]) -> None:
    """Register ``norse`` subcommands: call ``register(CommandSpec(...))`` once each."""


@hookspec
def norse_register_nir_converters(register: Callable[[NIRConverterSpec], None]) -> None:
    """Register NIR mappings for neuron modules: ``register(NIRConverterSpec(...))``."""


@hookspec
def norse_register_encoders(register: Callable[[EncoderSpec], None]) -> None:
    """Register encoders (data to spikes): ``register(EncoderSpec(...))`` once each."""


@hookspec
def norse_register_decoders(register: Callable[[DecoderSpec], None]) -> None:
    """Register decoders and readouts (spikes to predictions): ``register(DecoderSpec(...))``."""


@hookspec
def norse_register_plasticity(register: Callable[[PlasticitySpec], None]) -> None:
    """Register local learning rules: ``register(PlasticitySpec(...))`` once each."""


@hookspec
def norse_register_tasks(register: Callable[[TaskSpec], None]) -> None:
    """Register runnable tasks: ``register(TaskSpec(...))`` once per task."""


@hookspec
def norse_register_plots(register: Callable[[PlotSpec], None]) -> None:
    """Register plots: ``register(PlotSpec(...))`` once per plot."""
