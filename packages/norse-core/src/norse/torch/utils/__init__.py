"""Utilities of Norse 1.x's ``norse.torch.utils``."""
