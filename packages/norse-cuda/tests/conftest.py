"""Run norse-cuda's Triton kernels on the CPU, through Triton's interpreter.

``TRITON_INTERPRET`` is read when triton is imported, so it is set here, before any test
module imports :mod:`norse_cuda.leaky`.
"""

import os

import pytest
import torch

os.environ["TRITON_INTERPRET"] = "1"


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Every test starts from the same random state."""
    torch.manual_seed(0)
