"""Datasets at Norse 1.x's import path ``norse.dataset`` (generated, no download)."""

from norse.dataset.memory import MemoryStoreRecallDataset

__all__ = ["MemoryStoreRecallDataset"]
