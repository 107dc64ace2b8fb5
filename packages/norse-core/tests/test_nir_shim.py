import sys

import pytest
import torch

import norse.torch


@pytest.fixture
def without_norse_nir(monkeypatch):
    monkeypatch.setitem(sys.modules, "norse_nir", None)  # makes `import norse_nir` fail


def test_to_nir_without_norse_nir_says_how_to_install(without_norse_nir):
    with pytest.raises(ImportError, match="pip install norse-nir"):
        norse.torch.to_nir(norse.torch.LIFBoxCell(), torch.zeros(1, 2))


def test_from_nir_without_norse_nir_says_how_to_install(without_norse_nir):
    with pytest.raises(ImportError, match="pip install norse-nir"):
        norse.torch.from_nir("model.nir")


def test_shims_are_public_names():
    assert {"to_nir", "from_nir"} <= set(norse.torch.__all__)


def test_norse_1_utils_paths_say_how_to_install(without_norse_nir):
    from norse.torch.utils.export_nir import to_nir
    from norse.torch.utils.import_nir import from_nir

    with pytest.raises(ImportError, match="pip install norse-nir"):
        to_nir(torch.nn.Linear(2, 3), sample_data=torch.zeros(1, 2))
    with pytest.raises(ImportError, match="pip install norse-nir"):
        from_nir("model.nir", ignore_warnings=True)
