"""Plugin discovery and the registries that plugins fill.

One :class:`pluggy.PluginManager` named ``"norse"`` is created lazily on first use with the
core's built-ins (``norse._builtins``, plugin name ``"norse"``). Installed plugins (the
``norse`` entry-point group) are discovered only when something needs them: a name that is
not registered yet, a listing (iteration, ``len``), :func:`plugin_info` or
:func:`get_plugin_manager`. So a neuron step that uses built-in names loads no plugin.
``NORSE_DISABLE_PLUGIN_AUTOLOAD=1`` turns discovery off (see :func:`autoload_disabled`).

The registries (neurons, surrogates, kernels, ...) are built on first read by calling each
plugin's ``norse_register_*`` hook through pluggy, one plugin at a time, with a validating
``register`` callback. Precedence is fixed: the core, then installed plugins by entry-point
name, then in-process plugins; a name already taken rejects the newcomer (never a built-in),
whatever ``tryfirst``/``trylast``/wrapper options a hook carries. Every spec is checked
against its type hints at registration (a non-callable ``derivative`` is refused there,
naming the plugin). A plugin that fails to import, to register with the manager or inside a
hook, and every rejected registration, is reported with a :class:`PluginWarning` naming the
plugin and the cause; everything else keeps working.

For tests and notebooks, :func:`register_plugin` adds a plugin object in-process (no
installation needed) and :func:`unregister_plugin` removes it; both rebuild the
registries. Errors there are raised as :class:`PluginError` instead of warned.
"""

from __future__ import annotations

import collections.abc
import importlib.metadata
import os
import types
import typing
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, NamedTuple

import pluggy

from norse import hookspecs

__all__ = [
    "ENTRY_POINT_GROUP",
    "Entry",
    "PluginError",
    "PluginInfo",
    "PluginWarning",
    "autoload_disabled",
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
    "decoders": _Kind("norse_register_decoders", hookspecs.DecoderSpec, _by_name),
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
    discovered: ClassVar[bool] = False
    entry_point_names: ClassVar[list[str]] = []
    distributions: ClassVar[dict[str, tuple[str, str]]] = {}
    load_errors: ClassVar[dict[str, list[str]]] = {}
    hook_errors: ClassVar[dict[str, list[str]]] = {}


def _report(errors: dict[str, list[str]], plugin: str, message: str) -> None:
    errors.setdefault(plugin, []).append(message)
    warnings.warn(PluginWarning(f"Norse plugin {plugin!r} {message}"), stacklevel=3)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def autoload_disabled() -> bool:
    """Whether ``NORSE_DISABLE_PLUGIN_AUTOLOAD`` turns off entry-point discovery.

    ``1``, ``true``, ``yes``, ``on`` disable it; unset, empty, ``0``, ``false``, ``no``,
    ``off`` keep it (case-insensitive).

    Raises:
        ValueError: for any other value, naming the variable and the accepted values.
    """
    value = os.environ.get(DISABLE_AUTOLOAD_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{DISABLE_AUTOLOAD_ENV} must be one of {'/'.join(_TRUE)} (disable) or "
        f"{'/'.join(v or 'empty' for v in _FALSE)} (autoload), got {os.environ[DISABLE_AUTOLOAD_ENV]!r}"
    )


def _manager() -> pluggy.PluginManager:
    """The manager with the core's built-ins (and in-process plugins); no discovery."""
    if _State.manager is None:
        manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        manager.add_hookspecs(hookspecs)
        from norse import _builtins

        manager.register(_builtins, name=CORE_PLUGIN)
        _State.manager = manager
        _State.discovered = False
        _State.entry_point_names = []
        _State.distributions = {CORE_PLUGIN: ("norse-core", _core_version())}
        _State.load_errors = {}
    return _State.manager


def _discover() -> bool:
    """Load the installed plugins once (unless autoload is disabled).

    Returns whether this call loaded them (the registries are then rebuilt on next read).
    """
    manager = _manager()
    if _State.discovered:
        return False
    _State.discovered = True
    if autoload_disabled():
        return False
    _load_entry_points(manager)
    _State.registries = None
    return True


def get_plugin_manager() -> pluggy.PluginManager:
    """Return the plugin manager with every installed plugin discovered."""
    _discover()
    return _manager()


def _core_version() -> str:
    from norse import __version__

    return __version__


def _load_entry_points(manager: pluggy.PluginManager) -> None:
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    for ep in sorted(found, key=lambda ep: ep.name):
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
            continue
        _State.entry_point_names.append(ep.name)


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


def _precedence(manager: pluggy.PluginManager) -> list[tuple[str, object]]:
    """Plugins in the order their registrations are taken: who comes first wins a name.

    The core first, then installed plugins by entry-point name, then in-process plugins in
    the order they were registered. Hook options (``tryfirst``, ``trylast``, wrappers) do
    not change this order.
    """
    named = {name: plugin for name, plugin in manager.list_name_plugin() if plugin is not None}
    first = [CORE_PLUGIN, *(n for n in _State.entry_point_names if n in named)]
    rest = [name for name in named if name not in first]
    return [(name, named[name]) for name in first + rest if name in named]


def _build_registries(strict: str | None = None) -> dict[str, dict[str, Entry]]:
    """Call every register hook of every plugin through pluggy, one plugin at a time.

    Each plugin's hook runs alone (``subset_hook_caller``), so its failure discards only its
    own registrations from that hook, and its wrappers wrap only its own implementations.
    A registration that is malformed or takes a name an earlier plugin holds is rejected
    alone, with a warning. ``strict`` names a plugin whose failures raise
    :class:`PluginError` instead.
    """
    manager = _manager()
    order = _precedence(manager)
    hook_errors: dict[str, list[str]] = {}
    registries: dict[str, dict[str, Entry]] = {}
    for kind, (hook_name, spec_type, key) in _KINDS.items():
        registry: dict[str, Entry] = {}
        for name, _ in order:
            others = [p for n, p in order if n != name]
            caller = manager.subset_hook_caller(hook_name, remove_plugins=others)
            if not caller.get_hookimpls():
                continue
            staged: dict[str, Any] = {}
            strict_here = name == strict

            def reject(message: str, plugin_name: str = name, strict_here: bool = strict_here):
                if strict_here:
                    raise PluginError(f"Norse plugin {plugin_name!r}: {message}")
                _report(hook_errors, plugin_name, message)

            register = _make_register(kind, spec_type, key, name, registry, staged, reject)
            try:
                caller(register=register)
            except Exception as error:
                message = f"hook {hook_name} failed: {_describe(error)}"
                if strict_here and isinstance(error, PluginError):
                    raise
                if strict_here:
                    raise PluginError(f"Norse plugin {name!r} {message}") from error
                _report(hook_errors, name, message)
                continue
            for spec_name, spec in staged.items():
                registry[spec_name] = Entry(spec, name)
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
    reject: Callable[[str], None],
) -> Callable[[Any], None]:
    what = _singular[kind]

    def register(spec: Any) -> None:
        if not isinstance(spec, spec_type):
            reject(
                f"register() of hook {_KINDS[kind].hook} expects a "
                f"norse.hookspecs.{spec_type.__name__}, got {type(spec).__name__}"
            )
            return
        name = key(spec)
        problem = _spec_problem(spec)
        if problem:
            reject(f"{what} {name!r} rejected: {problem}")
            return
        if name in registry:
            reject(
                f"{what} {name!r} is registered by both plugin {registry[name].plugin!r} "
                f"and plugin {plugin!r}; keeping {registry[name].plugin!r}'s"
            )
            return
        if name in staged:
            reject(f"{what} {name!r} is registered twice by plugin {plugin!r}")
            return
        staged[name] = spec

    return register


_HINTS: dict[type, dict[str, Any]] = {}


def _spec_problem(spec: NamedTuple) -> str | None:
    """What is wrong with a spec's fields against their type hints, or None."""
    hints = _HINTS.get(type(spec))
    if hints is None:
        hints = _HINTS[type(spec)] = typing.get_type_hints(type(spec))
    for field, hint in hints.items():
        value = getattr(spec, field)
        if not _fits(value, hint):
            return f"field {field!r} must be {_expected(hint)}, got {value!r:.80}"
    return None


def _fits(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if hint is collections.abc.Callable or origin is collections.abc.Callable:
        return callable(value)
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_fits(item, args[0]) for item in value)
        return len(args) == len(value) and all(map(_fits, value, args))
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str) and value != ""
    if isinstance(origin, type):
        return isinstance(value, origin)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _expected(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_expected(arg) for arg in typing.get_args(hint))
    if hint is collections.abc.Callable or origin is collections.abc.Callable:
        return "a callable"
    if hint is type(None):
        return "None"
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a tuple of ({_expected(args[0])})"
        return "a tuple"
    names = {str: "a non-empty string", float: "a number", int: "an integer", bool: "a bool"}
    if hint in names:
        return names[hint]
    if hint is type:
        return "a class"
    return f"a {getattr(hint, '__name__', hint)}"


def _registries() -> dict[str, dict[str, Entry]]:
    if _State.registries is None:
        _State.registries = _build_registries()
    return _State.registries


class _Registry(Mapping):
    """A read-only view of one registry that discovers installed plugins only when needed.

    A name already registered (the core's built-ins always are) resolves without loading
    any plugin; a missing name, iteration and ``len`` load the installed plugins first.
    Since a collision never replaces an earlier registration, discovering later never
    changes what a resolved name means.
    """

    def __init__(self, kind: str, value: Callable[[Entry], Any]) -> None:
        self._kind = kind
        self._value = value

    def _entries(self) -> dict[str, Entry]:
        return _registries()[self._kind]

    def __getitem__(self, name: str) -> Any:
        entries = self._entries()
        if name not in entries and _discover():
            entries = self._entries()
        return self._value(entries[name])

    def __iter__(self) -> Iterator[str]:
        _discover()
        return iter(list(self._entries()))

    def __len__(self) -> int:
        _discover()
        return len(self._entries())

    def __repr__(self) -> str:
        return f"<norse {self._kind} registry: {', '.join(self)}>"


def _entry(entry: Entry) -> Entry:
    return entry


def _spec(entry: Entry) -> Any:
    return entry.spec


def registry(kind: str) -> Mapping[str, Entry]:
    """Every registration of one kind, with the plugin that made it (read-only).

    ``kind`` is one of ``neurons``, ``surrogates``, ``kernels``, ``commands``,
    ``encoders``, ``decoders``, ``plasticity``, ``nir_converters``, ``tasks``, ``plots``.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
    return _Registry(kind, _entry)


def _specs(kind: str) -> Mapping[str, Any]:
    return _Registry(kind, _spec)


def get(kind: str, name: str) -> Any:
    """Return the spec registered as ``name`` in ``kind``.

    Raises:
        ValueError: when nothing of that kind is registered under ``name``; the message
            lists the registered names.
    """
    entries = registry(kind)
    try:
        return entries[name].spec
    except KeyError:
        known = ", ".join(sorted(entries)) or "none"
        raise ValueError(f"unknown {_singular[kind]} {name!r}; registered: {known}") from None


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


def decoders() -> Mapping[str, hookspecs.DecoderSpec]:
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
    manager = _manager()
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
    manager = _manager()
    if name == CORE_PLUGIN:
        raise ValueError("the core plugin 'norse' cannot be unregistered")
    if not manager.has_plugin(name):
        _discover()
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
    _State.discovered = False
    _State.entry_point_names = []
    _State.distributions = {}
    _State.load_errors = {}
    _State.hook_errors = {}
