"""Which implementation serves which fused op on which device.

Every fused op (``norse::leaky_sequence``, ``norse::lsnn_sequence`` and their backwards) has

- a *reference* implementation in plain PyTorch (:mod:`norse.torch.ops._reference`,
  :mod:`norse.torch.ops._lsnn_reference`), which runs on every device;
- optionally a faster one per device type, registered through the plugin hook
  ``norse_register_kernels`` as ``KernelSpec(op, device, impl, description)``. The core
  registers its own CPU kernels this way (:data:`REFERENCE_KERNELS`); ``norse-cuda``
  registers CUDA ones.

:func:`select` picks, for an op and a device type: the registered kernel for that device,
unless the environment variable ``NORSE_KERNELS=reference`` forces the reference path, or
the registered kernel reports itself unavailable (a kernel object with an ``available()``
method returning False, e.g. a C++ kernel on a machine without a compiler), in which case
the reference serves and a debug log says why. :func:`kernel_table` lists what serves each
op now; ``norse plugins`` lists the registrations.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from typing import Any, NamedTuple

from norse.hookspecs import KernelSpec
from norse.torch.ops.contract import CONTRACT_VERSION, compatible

__all__ = ["KERNELS_ENV", "KERNELS_VALUES", "OPS", "KernelChoice", "kernel_table", "select"]

KERNELS_ENV = "NORSE_KERNELS"
"""Environment variable: ``auto`` (or unset/empty, the default) uses registered kernels where
available; ``reference`` forces the pure-PyTorch kernels everywhere. Any other value is an
error (:data:`KERNELS_VALUES`)."""

KERNELS_VALUES = ("auto", "reference")
"""The accepted values of :data:`KERNELS_ENV` (besides unset or empty, meaning ``auto``)."""

OPS = (
    "norse::leaky_sequence",
    "norse::leaky_sequence_backward",
    "norse::lsnn_sequence",
    "norse::lsnn_sequence_backward",
    "norse::lif_recurrent_sequence",
    "norse::lif_recurrent_backward",
    "norse::lsnn_recurrent_sequence",
    "norse::lsnn_recurrent_backward",
    "norse::lif_refrac_recurrent_sequence",
    "norse::lif_refrac_recurrent_backward",
    "norse::izhikevich_recurrent_sequence",
    "norse::izhikevich_recurrent_backward",
    "norse::coba_lif_recurrent_sequence",
    "norse::coba_lif_recurrent_backward",
    "norse::lif_adex_recurrent_sequence",
    "norse::lif_adex_recurrent_backward",
)
"""The fused ops whose implementations can be replaced per device type."""

_REFERENCE_NAMES = {
    "norse::leaky_sequence": ("_reference", "leaky_forward"),
    "norse::leaky_sequence_backward": ("_reference", "leaky_backward"),
    "norse::lsnn_sequence": ("_lsnn_reference", "lsnn_forward"),
    "norse::lsnn_sequence_backward": ("_lsnn_reference", "lsnn_backward"),
    "norse::lif_recurrent_sequence": ("recurrent_reference", "lif_recurrent_forward"),
    "norse::lif_recurrent_backward": ("recurrent_reference", "lif_recurrent_backward"),
    "norse::lsnn_recurrent_sequence": ("recurrent_reference", "lsnn_recurrent_forward"),
    "norse::lsnn_recurrent_backward": ("recurrent_reference", "lsnn_recurrent_backward"),
    "norse::lif_refrac_recurrent_sequence": ("recurrent_reference", "lif_refrac_recurrent_forward"),
    "norse::lif_refrac_recurrent_backward": (
        "recurrent_reference",
        "lif_refrac_recurrent_backward",
    ),
    "norse::izhikevich_recurrent_sequence": (
        "recurrent_izhikevich_reference",
        "izhikevich_recurrent_forward",
    ),
    "norse::izhikevich_recurrent_backward": (
        "recurrent_izhikevich_reference",
        "izhikevich_recurrent_backward",
    ),
    "norse::coba_lif_recurrent_sequence": (
        "recurrent_coba_reference",
        "coba_lif_recurrent_forward",
    ),
    "norse::coba_lif_recurrent_backward": (
        "recurrent_coba_reference",
        "coba_lif_recurrent_backward",
    ),
    "norse::lif_adex_recurrent_sequence": (
        "recurrent_adex_reference",
        "lif_adex_recurrent_forward",
    ),
    "norse::lif_adex_recurrent_backward": (
        "recurrent_adex_reference",
        "lif_adex_recurrent_backward",
    ),
}
"""Module (in ``norse.torch.ops``) and function of each op's reference implementation."""

_log = logging.getLogger("norse.torch.ops")


class KernelChoice(NamedTuple):
    """What serves one op on one device type.

    Attributes:
        op: the op's qualified name.
        device: the device type (``"cpu"``, ``"cuda"``).
        impl: the callable that runs.
        source: ``"reference"`` or the name of the plugin whose kernel serves.
        description: a human-readable account, including why a kernel was not used.
        contract: the kernel contract version ``impl`` implements (the reference: the
            core's :data:`~norse.torch.ops.contract.CONTRACT_VERSION`).
    """

    op: str
    device: str
    impl: Callable[..., Any]
    source: str
    description: str
    contract: str = CONTRACT_VERSION


def _reference_impl(op: str) -> Callable[..., Any]:
    module, function = _REFERENCE_NAMES[op]
    return getattr(importlib.import_module(f"norse.torch.ops.{module}"), function)


def _reference_choice(op: str, device: str, why: str) -> KernelChoice:
    return KernelChoice(op, device, _reference_impl(op), "reference", f"PyTorch reference ({why})")


def select(op: str, device: str, *, prepare: bool = True) -> KernelChoice:
    """Return the implementation that serves ``op`` on device type ``device``.

    A kernel may need preparing before it can say whether it is available (the C++ CPU kernel
    is compiled on first use). With ``prepare=False`` such a kernel is asked through its
    ``status()`` method instead, which never prepares it: the answer then describes what will
    serve once it is prepared (``norse plugins`` uses this, so that listing never compiles).
    """
    if op not in OPS:
        raise ValueError(f"op must be one of {OPS}, got {op!r}")
    mode = os.environ.get(KERNELS_ENV, "") or "auto"
    if mode not in KERNELS_VALUES:
        raise ValueError(
            f"environment variable {KERNELS_ENV} must be one of {KERNELS_VALUES} (or unset), "
            f"got {mode!r}"
        )
    if mode == "reference":
        return _reference_choice(op, device, f"forced by {KERNELS_ENV}=reference")
    from norse import plugins

    entry = plugins.registry("kernels").get(f"{op}[{device}]")
    if entry is None:
        return _reference_choice(op, device, f"no kernel registered for {device}")
    spec: KernelSpec = entry.spec
    if not compatible(spec.contract):
        why = f"{entry.plugin}'s kernel implements contract {spec.contract}, not {CONTRACT_VERSION}"
        return _reference_choice(op, device, why)
    available = getattr(spec.impl, "available", None)
    if not prepare:
        available = getattr(spec.impl, "status", available)
    description = spec.description
    if available is not None:
        ok, why = available()
        if not ok:
            _log.debug("%s[%s]: kernel of plugin %r unavailable: %s", op, device, entry.plugin, why)
            return _reference_choice(op, device, f"{entry.plugin}'s kernel unavailable: {why}")
        if not prepare:
            description = f"{description} [{why}]"
    return KernelChoice(op, device, spec.impl, entry.plugin, description, spec.contract)


def kernel_table(devices: tuple[str, ...] = ("cpu", "cuda")) -> list[KernelChoice]:
    """What serves every fused op on each of ``devices`` (never compiles a kernel to say so)."""
    return [select(op, device, prepare=False) for op in OPS for device in devices]
