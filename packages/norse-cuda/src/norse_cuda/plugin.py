"""The Norse plugin of norse-cuda: registers its Triton kernels for CUDA devices.

Its ``norse_register_kernels`` hook registers :data:`FORWARD` and :data:`BACKWARD`, the
Triton kernels of :mod:`norse_cuda.leaky`, for the core's ops ``norse::leaky_sequence`` and
``norse::leaky_sequence_backward`` on device type ``"cuda"``. Loading this module imports
neither Triton nor :mod:`norse_cuda.leaky`: Triton is imported when a kernel is first asked
whether it is available (before its first use on a CUDA device) or called, so loading the
plugin (``norse plugins``, any first use of the registries) stays cheap; :meth:`status`
answers without importing it. When Triton cannot be imported or no
CUDA device is present, :meth:`TritonKernel.available` says why, and the core's reference
implementation serves instead (see ``norse.torch.ops.kernel_table()``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from norse.hookspecs import KernelSpec, hookimpl

__all__ = ["BACKWARD", "FORWARD", "KERNELS", "TritonKernel", "norse_register_kernels"]

DESCRIPTION = "Triton, fused over time (norse_cuda.leaky)"
"""How ``norse plugins`` and the kernel table describe these kernels."""

CONTRACT = "1.1"
"""The version of the core's kernel contract (:mod:`norse.torch.ops.contract`) implemented."""


@functools.cache
def _triton_error() -> str | None:
    """Why Triton cannot be used (None if it imports); checked once per process."""
    try:
        import triton  # noqa: F401
    except Exception as error:
        return f"triton cannot be imported ({type(error).__name__}: {error})"
    return None


class TritonKernel:
    """A registered kernel that imports :mod:`norse_cuda.leaky` on first use.

    Args:
        name: the function of :mod:`norse_cuda.leaky` that implements the op.
    """

    def __init__(self, name: str) -> None:
        self.__name__ = name
        self._name = name

    def status(self) -> tuple[bool, str]:
        """``(ok, reason)`` without importing Triton: whether it is installed and a GPU is seen."""
        import importlib.util

        import torch

        if importlib.util.find_spec("triton") is None:
            return False, "triton is not installed"
        if not torch.cuda.is_available():
            return False, "no CUDA device available to torch"
        return True, "Triton with a CUDA device (not imported yet)"

    def available(self) -> tuple[bool, str]:
        """``(ok, reason)``: whether Triton imports and a CUDA device is present."""
        error = _triton_error()
        if error is not None:
            return False, error
        import torch

        if not torch.cuda.is_available():
            return False, "no CUDA device available to torch"
        return True, "Triton with a CUDA device"

    @property
    def function(self) -> Callable[..., Any]:
        """The kernel's host function in :mod:`norse_cuda.leaky` (imports Triton)."""
        from norse_cuda import leaky

        return getattr(leaky, self._name)

    def __call__(self, *args: Any) -> Any:
        return self.function(*args)

    def __repr__(self) -> str:
        return f"TritonKernel({self._name!r})"


FORWARD = TritonKernel("leaky_forward")
"""The Triton forward of ``norse::leaky_sequence``."""

BACKWARD = TritonKernel("leaky_backward")
"""The Triton backward of ``norse::leaky_sequence`` (``norse::leaky_sequence_backward``)."""

KERNELS: list[KernelSpec] = [
    KernelSpec("norse::leaky_sequence", "cuda", FORWARD, DESCRIPTION, contract=CONTRACT),
    KernelSpec("norse::leaky_sequence_backward", "cuda", BACKWARD, DESCRIPTION, contract=CONTRACT),
]
"""What this plugin registers through ``norse_register_kernels``."""


@hookimpl
def norse_register_kernels(register: Callable[[KernelSpec], None]) -> None:
    """Register the Triton kernels of the fused leaky op for device type ``"cuda"``."""
    for spec in KERNELS:
        register(spec)
