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
