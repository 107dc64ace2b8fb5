"""Small data sets written in the real on-disk formats that torchvision reads."""

from __future__ import annotations

import hashlib
import pickle
import struct
from pathlib import Path

import numpy as np


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (magic ``0x0000 08 ndim``, big-endian sizes)."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def digits(size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 real handwritten 8x8 digits, upsampled to ``size`` x ``size`` uint8
    images (nearest neighbour 3x, padded), and their labels."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images = (data.images / 16.0 * 255.0).astype(np.uint8).repeat(3, axis=1).repeat(3, axis=2)
    pad = (size - images.shape[1]) // 2
    images = np.pad(
        images, ((0, 0), (pad, size - images.shape[1] - pad), (pad, size - images.shape[2] - pad))
    )
    return images, data.target.astype(np.uint8)


def write_mnist(root: Path, train: int, test: int) -> None:
    """Write ``train`` + ``test`` digits as MNIST's four IDX files in ``root/MNIST/raw``."""
    images, labels = digits()
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    write_idx(raw / "train-images-idx3-ubyte", images[:train])
    write_idx(raw / "train-labels-idx1-ubyte", labels[:train])
    write_idx(raw / "t10k-images-idx3-ubyte", images[train : train + test])
    write_idx(raw / "t10k-labels-idx1-ubyte", labels[train : train + test])


def write_cifar10(root: Path, per_batch: int, seed: int = 0) -> dict[str, str]:
    """Write CIFAR-10's python pickle batches (5 training batches of ``per_batch`` images,
    one test batch, ``batches.meta``) into ``root/cifar-10-batches-py``; the images are
    class-dependent colour patterns with noise. Returns each file's MD5."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    colours = rng.integers(0, 256, size=(10, 3))
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        labels = rng.integers(0, 10, size=per_batch)
        images = colours[labels][:, :, None] + rng.normal(0, 40, size=(per_batch, 3, 1024))
        data = np.clip(images, 0, 255).astype(np.uint8).reshape(per_batch, 3072)
        batch = {"batch_label": name, "labels": labels.tolist(), "data": data}
        (folder / name).write_bytes(pickle.dumps(batch))
    meta = {"label_names": [f"class{i}" for i in range(10)], "num_cases_per_batch": per_batch}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta))
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in folder.iterdir()}
