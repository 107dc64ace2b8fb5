"""The plugin manager: discovery, registries, validation and per-plugin isolation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from norse import hookspecs, plugins
from norse.hookspecs import SurrogateSpec, hookimpl


@pytest.fixture(autouse=True)
def fresh_manager(monkeypatch):
    """Each test starts with a new manager that discovers only what the test puts on sys.path."""
    monkeypatch.setattr(plugins, "ENTRY_POINT_GROUP", "norse_test_plugins")
    monkeypatch.delenv(plugins.DISABLE_AUTOLOAD_ENV, raising=False)
    plugins._reset()
    yield
    plugins._reset()


def install_fake(root: Path, dist: str, version: str, entry_points: dict, modules: dict) -> None:
    """Write modules and a ``*.dist-info`` with entry points into ``root`` (put on sys.path)."""
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = [f"{name} = {target}" for name, target in entry_points.items()]
    (info / "entry_points.txt").write_text("[norse_test_plugins]\n" + "\n".join(lines) + "\n")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))


SURROGATE_PLUGIN = """
    from norse.hookspecs import SurrogateSpec, hookimpl

    @hookimpl
    def norse_register_surrogates(register):
        register(SurrogateSpec("{name}", lambda x, alpha: alpha * x, "alpha * x", 2.0))
"""


def surrogate_plugin(name: str) -> object:
    class Plugin:
        @hookimpl
        def norse_register_surrogates(self, register):
            register(SurrogateSpec(name, lambda x, alpha: alpha * x, "alpha * x", 2.0))

    return Plugin()


def test_the_core_registers_its_builtins_through_the_hooks():
    assert plugins.registry("neurons")["lif"].plugin == "norse"
    assert plugins.registry("surrogates")["super"].plugin == "norse"
    assert plugins.registry("commands")["plugins"].plugin == "norse"
    assert isinstance(plugins.neurons()["lif"], hookspecs.NeuronSpec)
    (core,) = plugins.plugin_info()
    assert (core.name, core.distribution, core.version) == ("norse", "norse-core", "0.1.0")
    assert core.errors == []


def test_entry_point_plugins_are_discovered_with_their_distribution(tmp_path, monkeypatch):
    install_fake(
        tmp_path,
        "fake-dist",
        "1.2.3",
        {"fake": "fake_plugin"},
        {"fake_plugin": SURROGATE_PLUGIN.format(name="fake_ramp")},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = plugins.get("surrogates", "fake_ramp")
    assert spec.derivative(3.0, 2.0) == 6.0
    info = {i.name: i for i in plugins.plugin_info()}["fake"]
    assert (info.distribution, info.version) == ("fake-dist", "1.2.3")
    assert info.registered == {"surrogates": ["fake_ramp"]}


def test_autoload_can_be_disabled(tmp_path, monkeypatch):
    install_fake(
        tmp_path,
        "fake-dist",
        "1.0",
        {"fake": "fake_plugin_off"},
        {"fake_plugin_off": SURROGATE_PLUGIN.format(name="fake_off")},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(plugins.DISABLE_AUTOLOAD_ENV, "1")
    assert [i.name for i in plugins.plugin_info()] == ["norse"]
    assert "fake_off" not in plugins.surrogates()


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_work(tmp_path, monkeypatch):
    install_fake(
        tmp_path,
        "broken-dist",
        "0.1",
        {"broken": "broken_plugin", "good": "good_plugin"},
        {
            "broken_plugin": "raise RuntimeError('no GPU driver')\n",
            "good_plugin": SURROGATE_PLUGIN.format(name="good_ramp"),
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(plugins.PluginWarning, match=r"'broken' failed to import.*no GPU driver"):
        infos = {i.name: i for i in plugins.plugin_info()}
    assert "good_ramp" in plugins.surrogates()
    assert "lif" in plugins.neurons()
    assert infos["broken"].errors == [
        "failed to import (broken_plugin): RuntimeError: no GPU driver"
    ]
    assert infos["broken"].distribution == "broken-dist"


def test_a_hook_that_raises_is_isolated_and_its_staged_registrations_dropped(tmp_path, monkeypatch):
    raising = """
        from norse.hookspecs import SurrogateSpec, hookimpl

        @hookimpl
        def norse_register_surrogates(register):
            register(SurrogateSpec("half_registered", None, "none"))
            raise KeyError("oops")
    """
    install_fake(
        tmp_path,
        "mixed-dist",
        "0.1",
        {"raiser": "raiser_plugin", "good": "good_plugin2"},
        {"raiser_plugin": raising, "good_plugin2": SURROGATE_PLUGIN.format(name="kept")},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(
        plugins.PluginWarning,
        match=r"'raiser' hook norse_register_surrogates failed: KeyError: 'oops'",
    ):
        surrogates = dict(plugins.surrogates())
    assert "half_registered" not in surrogates
    assert "kept" in surrogates and "super" in surrogates


def test_a_discovered_duplicate_is_rejected_with_a_warning_naming_both(tmp_path, monkeypatch):
    install_fake(
        tmp_path,
        "dup-dist",
        "0.1",
        {"dup": "dup_plugin"},
        {"dup_plugin": SURROGATE_PLUGIN.format(name="super")},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(
        plugins.PluginWarning,
        match=r"surrogate 'super' is registered by both plugin 'norse' and plugin 'dup'",
    ):
        entries = dict(plugins.registry("surrogates"))
    assert entries["super"].plugin == "norse"


def test_register_plugin_in_process_and_unregister():
    name = plugins.register_plugin(surrogate_plugin("ramp"), name="ramps")
    assert name == "ramps"
    assert plugins.registry("surrogates")["ramp"].plugin == "ramps"
    assert plugins.surrogates()["ramp"].default_alpha == 2.0
    info = {i.name: i for i in plugins.plugin_info()}["ramps"]
    assert (info.distribution, info.version, info.registered) == (
        None,
        None,
        {"surrogates": ["ramp"]},
    )
    plugins.unregister_plugin("ramps")
    assert "ramp" not in plugins.surrogates()
    assert "ramps" not in [i.name for i in plugins.plugin_info()]


def test_register_plugin_names_a_module_plugin_after_the_module(tmp_path, monkeypatch):
    (tmp_path / "module_plugin.py").write_text(textwrap.dedent(SURROGATE_PLUGIN.format(name="m")))
    monkeypatch.syspath_prepend(str(tmp_path))
    import module_plugin

    assert plugins.register_plugin(module_plugin) == "module_plugin"
    assert plugins.registry("surrogates")["m"].plugin == "module_plugin"


def test_duplicate_names_between_plugins_raise_naming_both():
    plugins.register_plugin(surrogate_plugin("shared"), name="first")
    with pytest.raises(
        plugins.PluginError,
        match=r"surrogate 'shared' is registered by both plugin 'first' and plugin 'second'",
    ):
        plugins.register_plugin(surrogate_plugin("shared"), name="second")
    assert "second" not in [i.name for i in plugins.plugin_info()]
    assert plugins.registry("surrogates")["shared"].plugin == "first"


def test_duplicate_of_a_builtin_raises_and_keeps_the_builtin():
    builtin = plugins.surrogates()["super"]
    with pytest.raises(plugins.PluginError, match="both plugin 'norse' and plugin 'mine'"):
        plugins.register_plugin(surrogate_plugin("super"), name="mine")
    assert plugins.surrogates()["super"] is builtin


def test_a_plugin_registering_one_name_twice_is_rejected():
    class Twice:
        @hookimpl
        def norse_register_surrogates(self, register):
            register(SurrogateSpec("twice", None, "none"))
            register(SurrogateSpec("twice", None, "none"))

    with pytest.raises(plugins.PluginError, match="'twice' is registered twice by plugin 'x'"):
        plugins.register_plugin(Twice(), name="x")


def test_register_validates_the_spec_type_and_name():
    class WrongType:
        @hookimpl
        def norse_register_neurons(self, register):
            register(SurrogateSpec("not_a_neuron", None, "none"))

    with pytest.raises(
        plugins.PluginError,
        match=r"expects a norse\.hookspecs\.NeuronSpec, got SurrogateSpec",
    ):
        plugins.register_plugin(WrongType(), name="wrong")

    class EmptyName:
        @hookimpl
        def norse_register_surrogates(self, register):
            register(SurrogateSpec("", None, "none"))

    with pytest.raises(
        plugins.PluginError, match="field 'name' must be a non-empty string, got ''"
    ):
        plugins.register_plugin(EmptyName(), name="empty")


def test_unknown_hooks_and_bad_signatures_are_rejected():
    class Unknown:
        @hookimpl
        def norse_register_widgets(self, register):
            pass

    with pytest.raises(plugins.PluginError, match=r"unknown hooks \['norse_register_widgets'\]"):
        plugins.register_plugin(Unknown(), name="unknown")
    assert not plugins.get_plugin_manager().has_plugin("unknown")

    class BadSignature:
        @hookimpl
        def norse_register_plots(self, register, extra):
            pass

    with pytest.raises(plugins.PluginError, match="extra"):
        plugins.register_plugin(BadSignature(), name="bad_signature")


def test_plugin_names_are_unique_and_unregister_checks_its_argument():
    plugins.register_plugin(surrogate_plugin("a"), name="taken")
    with pytest.raises(plugins.PluginError, match="named 'taken' is already registered"):
        plugins.register_plugin(surrogate_plugin("b"), name="taken")
    with pytest.raises(ValueError, match="no Norse plugin named 'missing'"):
        plugins.unregister_plugin("missing")
    with pytest.raises(ValueError, match="core plugin 'norse' cannot be unregistered"):
        plugins.unregister_plugin("norse")


def test_lookups_name_what_was_expected():
    with pytest.raises(ValueError, match=r"unknown neuron 'nope'; registered: .*lif"):
        plugins.get("neurons", "nope")
    with pytest.raises(ValueError, match=r"kind must be one of \[.*'neurons'.*\], got 'neuron'"):
        plugins.registry("neuron")


def test_every_kind_has_an_accessor_and_a_hook():
    accessors = {
        "neurons": plugins.neurons,
        "surrogates": plugins.surrogates,
        "kernels": plugins.kernels,
        "commands": plugins.commands,
        "encoders": plugins.encoders,
        "decoders": plugins.decoders,
        "plasticity": plugins.plasticity,
        "nir_converters": plugins.nir_converters,
        "tasks": plugins.tasks,
        "plots": plugins.plots,
    }
    hooks = {name for name in dir(hookspecs) if name.startswith("norse_register_")}
    assert hooks == {kind.hook for kind in plugins._KINDS.values()}
    for kind, accessor in accessors.items():
        assert dict(accessor()) == {k: e.spec for k, e in plugins.registry(kind).items()}


HOSTILE_PLUGIN = """
    from norse.hookspecs import SurrogateSpec, hookimpl

    @hookimpl({option})
    def norse_register_surrogates(register):
        register(SurrogateSpec("super", lambda x, alpha: x * 0, "0", 1.0))
        register(SurrogateSpec("hostile_extra", lambda x, alpha: x * 0, "0", 1.0))
"""

WRAPPER_PLUGIN = """
    from norse.hookspecs import SurrogateSpec, hookimpl

    @hookimpl(wrapper=True)
    def norse_register_surrogates(register):
        register(SurrogateSpec("super", lambda x, alpha: x * 0, "0", 1.0))
        register(SurrogateSpec("wrapped_extra", lambda x, alpha: x * 0, "0", 1.0))
        return (yield)
"""


@pytest.mark.parametrize("option", ["trylast=True", "tryfirst=True", ""])
def test_hook_options_cannot_make_a_plugin_replace_a_builtin(tmp_path, monkeypatch, option):
    import torch

    from norse.torch.functional import surrogate

    install_fake(
        tmp_path,
        "hostile-dist",
        "0.1",
        {"hostile": "hostile_plugin"},
        {"hostile_plugin": HOSTILE_PLUGIN.format(option=option)},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(plugins.PluginWarning, match="both plugin 'norse' and plugin 'hostile'"):
        entries = dict(plugins.registry("surrogates"))
    builtin = [spec.name for spec in surrogate.BUILTIN_SURROGATES]
    assert all(entries[name].plugin == "norse" for name in builtin)
    assert entries["hostile_extra"].plugin == "hostile"  # the plugin's other names stand
    assert plugins.surrogates()["super"] is surrogate.BUILTIN_SURROGATES[builtin.index("super")]
    x = torch.linspace(-1, 1, 5)
    assert plugins.surrogates()["super"].derivative(x, 100.0).abs().sum() > 0


def test_a_wrapper_hook_wraps_only_its_own_plugin(tmp_path, monkeypatch):
    install_fake(
        tmp_path,
        "wrapper-dist",
        "0.1",
        {"wrapping": "wrapper_plugin"},
        {"wrapper_plugin": WRAPPER_PLUGIN},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(plugins.PluginWarning, match="both plugin 'norse' and plugin 'wrapping'"):
        entries = dict(plugins.registry("surrogates"))
    assert entries["super"].plugin == "norse"
    assert entries["wrapped_extra"].plugin == "wrapping"  # the wrapper ran (through pluggy)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "SurrogateSpec('bad_derivative', 'not callable', 'x')",
            r"surrogate 'bad_derivative' rejected: field 'derivative' must be a callable or None",
        ),
        (
            "SurrogateSpec('bad_alpha', None, 'x', 'sharp')",
            r"field 'default_alpha' must be a number, got 'sharp'",
        ),
        (
            "KernelSpec('norse::leaky_sequence', 'cuda', 42)",
            r"kernel 'norse::leaky_sequence\[cuda\]' rejected: field 'impl' must be a callable, got 42",
        ),
        (
            "NeuronSpec('bad_neuron', 'd', int, int, len, int, voltage_fields='v')",
            r"field 'voltage_fields' must be a tuple of \(a non-empty string\), got 'v'",
        ),
    ],
)
def test_malformed_specs_are_rejected_at_registration_naming_the_plugin(
    tmp_path, monkeypatch, spec, message
):
    hook = {"S": "surrogates", "K": "kernels", "N": "neurons"}[spec[0]]
    source = f"""
        from norse.hookspecs import KernelSpec, NeuronSpec, SurrogateSpec, hookimpl

        @hookimpl
        def norse_register_{hook}(register):
            register({spec})
    """
    module = f"bad_plugin_{abs(hash(spec))}"  # one module name per case (sys.modules caches)
    install_fake(tmp_path, "bad-dist", "0.1", {"bad": module}, {module: source})
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(plugins.PluginWarning, match=f"Norse plugin 'bad' .*{message}"):
        entries = dict(plugins.registry(hook))
    assert all(entry.plugin != "bad" for entry in entries.values())
    plugins.unregister_plugin("bad")
    with pytest.raises(plugins.PluginError, match=message):
        plugins.register_plugin(__import__(module), name="bad_in_process")  # strict: raises


def test_builtin_lookups_do_not_discover_installed_plugins(tmp_path, monkeypatch):
    install_fake(
        tmp_path,
        "lazy-dist",
        "0.1",
        {"lazy": "lazy_plugin"},
        {"lazy_plugin": "raise RuntimeError('imported')\n"},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert plugins.get("surrogates", "super").name == "super"
    assert plugins.neurons()["lif"].name == "lif"
    assert not plugins._State.discovered
    with pytest.warns(plugins.PluginWarning, match="'lazy' failed to import"):
        with pytest.raises(ValueError, match="unknown surrogate 'nope'"):
            plugins.get("surrogates", "nope")  # a missing name discovers first
    assert plugins._State.discovered


@pytest.mark.parametrize(
    ("value", "disabled"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        ("on", True),
        ("", False),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
    ],
)
def test_autoload_environment_values(monkeypatch, value, disabled):
    monkeypatch.setenv(plugins.DISABLE_AUTOLOAD_ENV, value)
    assert plugins.autoload_disabled() is disabled


def test_a_bad_autoload_value_is_an_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv(plugins.DISABLE_AUTOLOAD_ENV, "maybe")
    with pytest.raises(ValueError, match=r"NORSE_DISABLE_PLUGIN_AUTOLOAD must be one of .*'maybe'"):
        plugins.plugin_info()
