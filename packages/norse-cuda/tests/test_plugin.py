import importlib.metadata

import norse.plugins


def test_entry_point_points_at_the_plugin_module():
    (ep,) = [ep for ep in importlib.metadata.entry_points(group="norse") if ep.name == "norse_cuda"]
    assert ep.value == "norse_cuda.plugin"
    assert ep.dist.metadata["Name"] == "norse-cuda"


def test_plugin_loads_without_errors():
    info = {i.name: i for i in norse.plugins.plugin_info()}["norse_cuda"]
    assert (info.distribution, info.version) == ("norse-cuda", "0.1.0")
    assert info.errors == []


def test_triton_is_installed_with_it():
    assert int(importlib.metadata.version("triton").split(".")[0]) >= 3
