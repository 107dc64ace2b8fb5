"""The one exception type that every malformed NIR graph or file raises."""

from __future__ import annotations

__all__ = ["NIRFormatError"]


class NIRFormatError(ValueError):
    """A NIR graph or file that cannot be read, validated or imported.

    Attributes:
        node: the dotted name of the offending node (``"lif1.lif"``), or None for the file
            or the top-level graph.
        field: the offending field (``"tau_mem"``, ``"edges"``, ``"type"``), or None.
    """

    def __init__(self, message: str, node: str | None = None, field: str | None = None):
        where = []
        if node is not None:
            where.append(f"node {node!r}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message)
        self.node = node
        self.field = field
