"""Plugin discovery and the registries that plugins fill.

One :class:`pluggy.PluginManager` named ``"norse"`` is created lazily on first use. It
holds the core's built-ins (``norse._builtins``, plugin name ``"norse"``) and every plugin
found in the ``norse`` entry-point group, unless ``NORSE_DISABLE_PLUGIN_AUTOLOAD=1``.

The registries (neurons, surrogates, kernels, ...) are built on first read by calling each
plugin's ``norse_register_*`` hook with a validating ``register`` callback. A plugin that
fails to import, to register with the manager or inside a hook is reported with a
:class:`PluginWarning` naming it and the error; everything else keeps working.

For tests and notebooks, :func:`register_plugin` adds a plugin object in-process (no
installation needed) and :func:`unregister_plugin` removes it; both rebuild the
registries. Errors there are raised as :class:`PluginError` instead of warned.
"""

from __future__ import annotations

import importlib.metadata
import os
import types
import warnings
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple

import pluggy

from norse import hookspecs

__all__ = [
    "ENTRY_POINT_GROUP",
    "Entry",
    "PluginError",
    "PluginInfo",
    "PluginWarning",
    "commands",
    "decoders",
    "encoders",
    "get",
    "get_plugin_manager",
    "kernels",
    "neurons",
    "nir_converters",
    "plasticity",
    "plots",
    "plugin_info",
    "register_plugin",
    "registry",
    "surrogates",
    "tasks",
    "unregister_plugin",
]

ENTRY_POINT_GROUP = "norse"
"""The entry-point group in which installed plugins are discovered."""

CORE_PLUGIN = "norse"
"""The plugin name under which the core registers its built-ins."""

DISABLE_AUTOLOAD_ENV = "NORSE_DISABLE_PLUGIN_AUTOLOAD"


class PluginError(ValueError):
    """A plugin could not be registered (bad spec, duplicate name, failing hook)."""


class PluginWarning(UserWarning):
    """A plugin failed to load or register; the other plugins keep working."""


class Entry(NamedTuple):
    """One registration: the spec and the name of the plugin that registered it."""

    spec: Any
    plugin: str


class PluginInfo(NamedTuple):
    """What ``norse plugins`` shows for one plugin.

    Attributes:
        name: the plugin name (the entry-point name, or ``"norse"`` for the core).
        distribution: the distribution that provides it, or None (in-process plugins).
        version: that distribution's version, or None.
        registered: for each registry kind, the names this plugin registered.
        errors: messages of everything that failed for this plugin.
    """

    name: str
    distribution: str | None
    version: str | None
    registered: dict[str, list[str]]
    errors: list[str]


class _Kind(NamedTuple):
    hook: str
    spec_type: type
    key: Callable[[Any], str]


def _by_name(spec: Any) -> str:
    return spec.name


def _kernel_key(spec: hookspecs.KernelSpec) -> str:
    return f"{spec.op}[{spec.device}]"


_KINDS: dict[str, _Kind] = {
    "neurons": _Kind("norse_register_neurons", hookspecs.NeuronSpec, _by_name),
    "surrogates": _Kind("norse_register_surrogates", hookspecs.SurrogateSpec, _by_name),
    "kernels": _Kind("norse_register_kernels", hookspecs.KernelSpec, _kernel_key),
    "commands": _Kind("norse_register_commands", hookspecs.CommandSpec, _by_name),
    "encoders": _Kind("norse_register_encoders", hookspecs.EncoderSpec, _by_name),
    "decoders": _Kind("norse_register_decoders", hookspecs.EncoderSpec, _by_name),
    "plasticity": _Kind("norse_register_plasticity", hookspecs.PlasticitySpec, _by_name),
    "nir_converters": _Kind("norse_register_nir_converters", hookspecs.NIRConverterSpec, _by_name),
    "tasks": _Kind("norse_register_tasks", hookspecs.TaskSpec, _by_name),
    "plots": _Kind("norse_register_plots", hookspecs.PlotSpec, _by_name),
}

_singular = {
    "neurons": "neuron",
    "surrogates": "surrogate",
    "kernels": "kernel",
    "commands": "command",
    "encoders": "encoder",
    "decoders": "decoder",
    "plasticity": "plasticity rule",
    "nir_converters": "NIR converter",
    "tasks": "task",
    "plots": "plot",
}


class _State:
    """Module-level state: the manager, registries, provenance and failures."""

    manager: ClassVar[pluggy.PluginManager | None] = None
    registries: ClassVar[dict[str, dict[str, Entry]] | None] = None
    distributions: ClassVar[dict[str, tuple[str, str]]] = {}
    load_errors: ClassVar[dict[str, list[str]]] = {}
    hook_errors: ClassVar[dict[str, list[str]]] = {}


def _report(errors: dict[str, list[str]], plugin: str, message: str) -> None:
    errors.setdefault(plugin, []).append(message)
    warnings.warn(PluginWarning(f"Norse plugin {plugin!r} {message}"), stacklevel=3)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def get_plugin_manager() -> pluggy.PluginManager:
    """Return the plugin manager, creating it (and discovering plugins) on first use."""
    if _State.manager is None:
        manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        manager.add_hookspecs(hookspecs)
        from norse import _builtins

        manager.register(_builtins, name=CORE_PLUGIN)
        _State.manager = manager
        _State.distributions = {CORE_PLUGIN: ("norse-core", _core_version())}
        _State.load_errors = {}
        if os.environ.get(DISABLE_AUTOLOAD_ENV, "") not in ("", "0"):
            return manager
        _load_entry_points(manager)
    return _State.manager


def _core_version() -> str:
    from norse import __version__

    return __version__


def _load_entry_points(manager: pluggy.PluginManager) -> None:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if manager.has_plugin(ep.name) or manager.is_blocked(ep.name):
            continue
        dist = ep.dist
        if dist is not None:
            _State.distributions[ep.name] = (dist.metadata["Name"], dist.version)
        try:
            plugin = ep.load()
        except Exception as error:
            _report(
                _State.load_errors, ep.name, f"failed to import ({ep.value}): {_describe(error)}"
            )
            continue
        try:
            _register_with_manager(manager, plugin, ep.name)
        except PluginError as error:
            _report(_State.load_errors, ep.name, f"could not be registered: {error}")


def _register_with_manager(manager: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Register ``plugin`` and reject hook implementations that match no hook spec."""
    try:
        manager.register(plugin, name=name)
    except Exception as error:
        raise PluginError(_describe(error)) from error
    unknown = sorted(
        caller.name for caller in manager.get_hookcallers(plugin) or () if caller.spec is None
    )
    if unknown:
        manager.unregister(plugin)
        known = ", ".join(sorted(_kind.hook for _kind in _KINDS.values()))
        raise PluginError(f"implements unknown hooks {unknown}; Norse's hooks are: {known}")


def _build_registries(strict: str | None = None) -> dict[str, dict[str, Entry]]:
    """Call every register hook of every plugin, isolating plugins from each other.

    ``strict`` names a plugin whose failures raise :class:`PluginError` instead of warning.
    """
    manager = get_plugin_manager()
    hook_errors: dict[str, list[str]] = {}
    registries: dict[str, dict[str, Entry]] = {}
    for kind, (hook_name, spec_type, key) in _KINDS.items():
        registry: dict[str, Entry] = {}
        caller = getattr(manager.hook, hook_name)
        for impl in caller.get_hookimpls():
            staged: dict[str, Any] = {}
            register = _make_register(kind, spec_type, key, impl.plugin_name, registry, staged)
            try:
                impl.function(*(register for _ in impl.argnames))
            except Exception as error:
                message = f"hook {hook_name} failed: {_describe(error)}"
                if impl.plugin_name == strict:
                    raise PluginError(f"Norse plugin {strict!r} {message}") from error
                _report(hook_errors, impl.plugin_name, message)
                continue
            for name, spec in staged.items():
                registry[name] = Entry(spec, impl.plugin_name)
        registries[kind] = registry
    _State.hook_errors = hook_errors
    return registries


def _make_register(
    kind: str,
    spec_type: type,
    key: Callable[[Any], str],
    plugin: str,
    registry: dict[str, Entry],
    staged: dict[str, Any],
) -> Callable[[Any], None]:
    what = _singular[kind]

    def register(spec: Any) -> None:
        if not isinstance(spec, spec_type):
            raise PluginError(
                f"register() of hook {_KINDS[kind].hook} expects a "
                f"norse.hookspecs.{spec_type.__name__}, got {type(spec).__name__}"
            )
        name = key(spec)
        if not isinstance(getattr(spec, "name", name), str) or not name:
            raise PluginError(f"a {what} needs a non-empty string name, got {name!r}")
        if name in registry:
            raise PluginError(
                f"{what} {name!r} is registered by both plugin {registry[name].plugin!r} "
                f"and plugin {plugin!r}"
            )
        if name in staged:
            raise PluginError(f"{what} {name!r} is registered twice by plugin {plugin!r}")
        staged[name] = spec

    return register


def _registries() -> dict[str, dict[str, Entry]]:
    if _State.registries is None:
        _State.registries = _build_registries()
    return _State.registries


def registry(kind: str) -> Mapping[str, Entry]:
    """Every registration of one kind, with the plugin that made it (read-only).

    ``kind`` is one of ``neurons``, ``surrogates``, ``kernels``, ``commands``,
    ``encoders``, ``decoders``, ``plasticity``, ``nir_converters``, ``tasks``, ``plots``.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
    return types.MappingProxyType(_registries()[kind])


def _specs(kind: str) -> Mapping[str, Any]:
    return types.MappingProxyType({name: e.spec for name, e in _registries()[kind].items()})


def get(kind: str, name: str) -> Any:
    """Return the spec registered as ``name`` in ``kind``.

    Raises:
        ValueError: when nothing of that kind is registered under ``name``; the message
            lists the registered names.
    """
    entries = registry(kind)
    if name not in entries:
        known = ", ".join(sorted(entries)) or "none"
        raise ValueError(f"unknown {_singular[kind]} {name!r}; registered: {known}")
    return entries[name].spec


def neurons() -> Mapping[str, hookspecs.NeuronSpec]:
    """All registered neuron models by name."""
    return _specs("neurons")


def surrogates() -> Mapping[str, hookspecs.SurrogateSpec]:
    """All registered surrogate gradients by name."""
    return _specs("surrogates")


def kernels() -> Mapping[str, hookspecs.KernelSpec]:
    """All registered kernels, keyed ``"op[device]"``."""
    return _specs("kernels")


def commands() -> Mapping[str, hookspecs.CommandSpec]:
    """All registered ``norse`` subcommands by name."""
    return _specs("commands")


def encoders() -> Mapping[str, hookspecs.EncoderSpec]:
    """All registered encoders by name."""
    return _specs("encoders")


def decoders() -> Mapping[str, hookspecs.EncoderSpec]:
    """All registered decoders and readouts by name."""
    return _specs("decoders")


def plasticity() -> Mapping[str, hookspecs.PlasticitySpec]:
    """All registered learning rules by name."""
    return _specs("plasticity")


def nir_converters() -> Mapping[str, hookspecs.NIRConverterSpec]:
    """All registered NIR converters by name."""
    return _specs("nir_converters")


def tasks() -> Mapping[str, hookspecs.TaskSpec]:
    """All registered tasks by name."""
    return _specs("tasks")


def plots() -> Mapping[str, hookspecs.PlotSpec]:
    """All registered plots by name."""
    return _specs("plots")


def register_plugin(plugin: object, name: str | None = None) -> str:
    """Register a plugin object in-process (no installation) and rebuild the registries.

    Args:
        plugin: a module, class or instance with ``@hookimpl`` functions.
        name: the plugin name; defaults to the module's ``__name__`` or the object's
            class name.

    Returns:
        The name under which the plugin was registered (pass it to
        :func:`unregister_plugin`).

    Raises:
        PluginError: if the name is taken, a hook is unknown, a hook raises, or a
            registration is invalid or duplicates another plugin's. The plugin is then
            not registered.
    """
    manager = get_plugin_manager()
    if name is None:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
    if manager.has_plugin(name):
        raise PluginError(f"a Norse plugin named {name!r} is already registered")
    _register_with_manager(manager, plugin, name)
    try:
        _State.registries = _build_registries(strict=name)
    except PluginError:
        manager.unregister(name=name)
        _State.registries = None
        raise
    return name


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered in-process (or discovered) by name.

    Raises:
        ValueError: if no plugin of that name is registered, or for the core itself.
    """
    manager = get_plugin_manager()
    if name == CORE_PLUGIN:
        raise ValueError("the core plugin 'norse' cannot be unregistered")
    if not manager.has_plugin(name):
        raise ValueError(f"no Norse plugin named {name!r} is registered")
    manager.unregister(name=name)
    _State.load_errors.pop(name, None)
    _State.registries = None


def plugin_info() -> list[PluginInfo]:
    """Describe every plugin: distribution, version, registrations and errors.

    Plugins that failed to import are included (with their errors), so that a broken
    installation is visible in ``norse plugins``.
    """
    manager = get_plugin_manager()
    registries = _registries()
    names = [name for name, _ in manager.list_name_plugin()]
    names += [name for name in _State.load_errors if name not in names]
    infos = []
    for name in names:
        registered = {
            kind: sorted(key for key, entry in entries.items() if entry.plugin == name)
            for kind, entries in registries.items()
        }
        dist, version = _State.distributions.get(name, (None, None))
        infos.append(
            PluginInfo(
                name=name,
                distribution=dist,
                version=version,
                registered={kind: keys for kind, keys in registered.items() if keys},
                errors=_State.load_errors.get(name, []) + _State.hook_errors.get(name, []),
            )
        )
    return infos


def _reset() -> None:
    """Forget the manager and registries (the next use rediscovers). For tests."""
    _State.manager = None
    _State.registries = None
    _State.distributions = {}
    _State.load_errors = {}
    _State.hook_errors = {}
