"""Size limits checked before anything is allocated.

A NIR file is small but can declare huge arrays (a 63 KB file whose dataset declares
3×4×20000×20000 elements), huge shapes or a ``Delay`` of 1e8 steps. Reading, validating and
importing refuse, before allocating, any array, shape (hence neuron state) or delay buffer
with more than :data:`MAX_ELEMENTS` elements per sample, with a
:class:`~norse_nir.errors.NIRFormatError` naming the node and field.

Override it for one process with the environment variable ``NORSE_NIR_MAX_ELEMENTS`` or by
assigning ``norse_nir.limits.MAX_ELEMENTS`` (it is read at every check).
"""

from __future__ import annotations

import os

from norse_nir.errors import NIRFormatError

__all__ = ["MAX_ELEMENTS", "check"]

MAX_ELEMENTS: int = int(os.environ.get("NORSE_NIR_MAX_ELEMENTS", 2**27))
"""The largest number of elements of one array, shape or delay buffer (default 2**27,
512 MiB of float32)."""


def check(node: str | None, field: str | None, elements: float) -> None:
    """Raise :class:`NIRFormatError` if ``elements`` exceeds :data:`MAX_ELEMENTS`."""
    if elements > MAX_ELEMENTS:
        raise NIRFormatError(
            f"{elements:.3g} elements exceed the size limit of {MAX_ELEMENTS} "
            "(norse_nir.limits.MAX_ELEMENTS, environment variable NORSE_NIR_MAX_ELEMENTS)",
            node=node,
            field=field,
        )
