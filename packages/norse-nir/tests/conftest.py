import os
from pathlib import Path

# These tests check conversions, not kernels: the reference path spares a C++ kernel build
# (minutes on a loaded machine) in the nir session. The kernels have their own tests.
os.environ.setdefault("NORSE_KERNELS", "reference")

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """The NIR paper graphs and golden traces (BSD-3, see data/SOURCE.md)."""
    return DATA
