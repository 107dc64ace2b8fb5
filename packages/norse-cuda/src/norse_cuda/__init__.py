"""Fused Triton kernels for Norse's sequence ops."""

__all__: list[str] = []
