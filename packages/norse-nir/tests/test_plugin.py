import argparse
import importlib.metadata

import norse.plugins
from norse_nir.cli import NIR_COMMAND


def test_nir_command_is_registered_through_the_entry_point():
    info = {i.name: i for i in norse.plugins.plugin_info()}["norse_nir"]
    assert (info.distribution, info.version) == ("norse-nir", "0.1.0")
    assert "nir" in info.registered["commands"]
    assert norse.plugins.commands()["nir"] is NIR_COMMAND


def test_nir_command_without_subcommand_prints_nir_version(capsys):
    parser = argparse.ArgumentParser(prog="norse nir")
    NIR_COMMAND.configure(parser)
    assert NIR_COMMAND.run(parser.parse_args([])) == 0
    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line == f"nir {importlib.metadata.version('nir')}"


def test_core_shims_delegate_to_norse_nir(data_dir):
    import torch

    import norse.torch

    module = norse.torch.from_nir(data_dir / "lif_norse.nir", dt=1e-4)
    out, _ = module(torch.ones(3, 1, 1))
    assert out.shape == (3, 1, 1)
    graph = norse.torch.to_nir(norse.torch.LIFBoxCell(dt=1e-4), torch.zeros(1, 2))
    assert type(graph.nodes["lifboxcell"]).__name__ == "LIF"
