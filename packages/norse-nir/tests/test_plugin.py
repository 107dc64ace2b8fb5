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
    assert type(graph.nodes["norse"]).__name__ == "LIF"


def test_loading_the_plugin_imports_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys, torch\n"
        "before = set(sys.modules)\n"
        "import norse_nir.plugin\n"  # what the norse entry point loads
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(sorted(new & {'nir', 'h5py', 'numpy', 'nirtorch'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_norse_1_import_paths_forward_to_norse_nir(data_dir):
    import torch

    from norse.torch.utils.export_nir import to_nir
    from norse.torch.utils.import_nir import from_nir

    graph = to_nir(torch.nn.Linear(2, 3), sample_data=torch.zeros(1, 2), model_name="fc")
    assert set(graph.nodes) == {"input", "fc", "output"}
    module = from_nir(data_dir / "lif_norse.nir", ignore_warnings=True, dt=1e-4)
    assert module(torch.ones(3, 1, 1))[0].shape == (3, 1, 1)
