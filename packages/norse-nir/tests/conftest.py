from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """The NIR paper graphs and golden traces (BSD-3, see data/SOURCE.md)."""
    return DATA
