"""The kernels compile for an NVIDIA GPU (sm_90), checked on a machine without one.

The interpreter tests check what the kernels compute; this one checks that Triton's
compiler accepts them and lowers the chunked tiles without a trip through shared memory
(see ``compile_for_gpu.py``). It needs no GPU: Triton compiles ahead of time for a named
target with its bundled ``ptxas``.
"""

import os
import subprocess
import sys
from pathlib import Path


def test_every_kernel_family_compiles_for_sm90():
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    script = Path(__file__).with_name("compile_for_gpu.py")
    done = subprocess.run(
        [sys.executable, str(script), "90"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert done.stdout.strip().endswith("compiled 26 variants")
