"""Assertions of the nox ``core`` session: the core works with no plugin and no plugin dependency.

They only make sense in an environment holding norse-core and its declared dependencies alone,
so they run only where the session sets ``NORSE_TEST_CORE_ONLY=1``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import warnings

import pytest

from norse import plugins

pytestmark = pytest.mark.skipif(
    os.environ.get("NORSE_TEST_CORE_ONLY") != "1",
    reason="core-only environment assertions (nox -s core sets NORSE_TEST_CORE_ONLY=1)",
)


@pytest.mark.parametrize("module", ["nir", "torchvision", "gymnasium", "matplotlib", "triton"])
def test_plugin_dependencies_are_not_importable(module):
    assert importlib.util.find_spec(module) is None


def test_no_plugin_is_installed():
    assert [ep.name for ep in importlib.metadata.entry_points(group="norse")] == []


def test_core_loads_every_builtin_without_warnings():
    plugins._reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        infos = plugins.plugin_info()
    assert [info.name for info in infos] == ["norse"]
    assert infos[0].errors == []
    for kind in ("neurons", "surrogates", "commands", "encoders", "decoders", "plasticity"):
        assert infos[0].registered[kind], kind
