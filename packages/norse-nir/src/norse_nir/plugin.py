"""The Norse plugin of norse-nir: registers the ``norse nir`` command group."""

from __future__ import annotations

from collections.abc import Callable

from norse.hookspecs import CommandSpec, hookimpl
from norse_nir.cli import NIR_COMMAND


@hookimpl
def norse_register_commands(register: Callable[[CommandSpec], None]) -> None:
    """Register ``norse nir``."""
    register(NIR_COMMAND)
