"""CIFAR-10 with a VGG-style convolutional SNN, trained with Lightning.

Data: torchvision's ``CIFAR10`` reading the python pickle batches in
``DATA_ROOT/cifar-10-batches-py`` (``--download`` fetches them); training images get the usual
augmentation (:func:`augment`: random 32x32 crop of the 4-pixel zero-padded image, random
horizontal flip), drawn from a generator seeded by ``(seed, epoch, index)`` so that a resumed
run sees the same images as an uninterrupted one. Network
(:func:`norse.torch.models.vgg.make_layers` with batch norm, configuration
``64 64 M 128 128 M 256 256 M``): ``conv 3x3 -> batch norm -> spiking`` blocks with 2x2
max-pools, then ``linear(256 * 4 * 4, 10)`` into a leaky-integrator readout; batch norms start
at scale :data:`BATCH_NORM_SCALE` (10) and the surrogates have sharpness :data:`ALPHA` (1), so
that the spiking layers fire and pass gradients within a few steps. Each image is a constant
input current for ``--timesteps`` steps; the prediction is the readout voltage's maximum over
time.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from norse_tasks.common import DataNotFound, add_common_options, check_common, require

DEFAULTS: dict[str, Any] = {
    "epochs": 30,
    "batch_size": 64,
    "lr": 1e-3,
    "seed": 0,
    "timesteps": 8,
    "neuron": "lif",
    "surrogate": "super",
    "output": "runs/cifar10",
    "data_root": "data",
    "accelerator": "auto",
    "devices": 1,
    "precision": "32-true",
}
CONFIGURATION: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, "M"]
"""The convolutional layers (channels; ``"M"`` a 2x2 max-pool)."""
FILES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5")
FILES = (*FILES, "test_batch", "batches.meta")
"""The pickle files torchvision's CIFAR10 reads from ``DATA_ROOT/cifar-10-batches-py``."""
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)
"""CIFAR-10's per-channel pixel mean and standard deviation (pixels in [0, 1])."""


def normalise(image: Tensor) -> Tensor:
    """``(image - MEAN) / STD`` per channel of an image ``(3, H, W)`` with pixels in [0, 1]."""
    mean = torch.tensor(MEAN, dtype=image.dtype).view(3, 1, 1)
    std = torch.tensor(STD, dtype=image.dtype).view(3, 1, 1)
    return (image - mean) / std


def augment(image: Tensor, generator: torch.Generator) -> Tensor:
    """The training augmentation of an image ``(3, 32, 32)`` with pixels in [0, 1]: a random
    32x32 crop of the image zero-padded by 4 pixels on each side, flipped horizontally with
    probability 1/2, then normalised (:func:`normalise`). Draws only from ``generator``."""
    padded = nn.functional.pad(image, (4, 4, 4, 4))
    top, left = torch.randint(0, 9, (2,), generator=generator).tolist()
    crop = padded[:, top : top + 32, left : left + 32]
    if torch.rand((), generator=generator) < 0.5:
        crop = crop.flip(-1)
    return normalise(crop)


BATCH_NORM_SCALE = 10.0
"""Initial scale (``weight``) of every batch norm: ``v_th / (dt * tau_mem_inv)`` of Norse's LIF
defaults, so that an input current of one standard deviation brings the membrane to threshold
in about one step. With scale 1 the network is nearly silent over the default 8 steps (at
initialisation, no neuron of the second layer spikes in the first 4) and does not learn."""
ALPHA = 1.0
"""Surrogate sharpness of the spiking layers (see :class:`norse.torch.models.ConvNet`)."""


class CifarSNN(nn.Module):
    """The VGG-style SNN of the module docstring: ``(T, B, 3, 32, 32) -> (T, B, 10)``; batch
    norms start at scale :data:`BATCH_NORM_SCALE`, surrogates have sharpness :data:`ALPHA`."""

    def __init__(self, neuron: str = "lif", surrogate: str = "super") -> None:
        from norse.torch import LI
        from norse.torch.models.vgg import make_layers

        super().__init__()
        self.features = make_layers(
            CONFIGURATION, batch_norm=True, method=surrogate, neuron=neuron, alpha=ALPHA
        )
        for layer in self.features:
            if isinstance(layer, nn.BatchNorm2d):
                nn.init.constant_(layer.weight, BATCH_NORM_SCALE)
        self.classifier = nn.Linear(256 * 4 * 4, 10)
        self.readout = LI()

    def forward(self, x: Tensor) -> Tensor:
        """Readout voltages ``(T, B, 10)`` of images ``(T, B, 3, 32, 32)``."""
        from norse.torch.models.vgg import run_over_time

        features = run_over_time(self.features, x).flatten(2)
        return self.readout(self.classifier(features))[0]


def parser() -> argparse.ArgumentParser:
    """The options of ``norse task run cifar10``."""
    options = argparse.ArgumentParser(
        prog="norse task run cifar10", description="Train a VGG-style SNN on CIFAR-10."
    )
    add_common_options(options, DEFAULTS)
    return options


def check_data(root: str) -> None:
    """Raise :class:`DataNotFound` unless CIFAR-10's pickle batches are in
    ``root/cifar-10-batches-py``; the message names them and the command that fetches them."""
    folder = Path(root) / "cifar-10-batches-py"
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise DataNotFound(
            f"CIFAR-10 is not in {folder} (missing {', '.join(missing)}). Fetch it (about "
            f"170 MB) with: norse task run cifar10 --data-root {root} --download"
        )


def run(argv: list[str], dataset_class: type | None = None) -> int:
    """``norse task run cifar10 [options]``.

    ``dataset_class`` replaces ``torchvision.datasets.CIFAR10`` (default); the tests pass a
    subclass whose file checksums are those of the small files they write, so loading runs
    torchvision's own integrity check and unpickling code.
    """
    options = parser()
    args = options.parse_args(argv)
    check_common(args, options)
    require("lightning", "lightning", "cifar10")
    datasets = require("torchvision.datasets", "torchvision", "cifar10")
    transforms = require("torchvision.transforms", "torchvision", "cifar10")
    if not args.download:
        check_data(args.data_root)
    import lightning as L

    from norse_tasks.supervised import ImageDataModule, fit

    dataset_class = datasets.CIFAR10 if dataset_class is None else dataset_class
    test_transform = transforms.Compose([transforms.ToTensor(), normalise])

    def make_dataset(train: bool, download: bool) -> Any:
        transform = transforms.ToTensor() if train else test_transform  # train: see augment
        return dataset_class(
            args.data_root, train=train, download=download and args.download, transform=transform
        )

    L.seed_everything(args.seed, workers=True, verbose=False)
    network = CifarSNN(args.neuron, args.surrogate)
    data = ImageDataModule(make_dataset, args.batch_size, args.seed, augment)
    fit("cifar10", args, network, data)
    return 0
