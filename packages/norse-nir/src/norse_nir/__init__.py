"""Conversion between Norse networks and NIR graphs."""

__all__: list[str] = []
