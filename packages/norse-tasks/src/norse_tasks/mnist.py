"""MNIST with a convolutional SNN (:class:`norse.torch.models.ConvNet`), trained with Lightning.

Data: torchvision's ``MNIST`` reading the IDX files in ``DATA_ROOT/MNIST/raw``
(``--download`` fetches them). Each normalised image is a constant input current for
``--timesteps`` steps into ``conv -> LIF -> pool, twice; linear -> LIF; LI readout``; the
prediction is the readout voltage's maximum over time (see :mod:`norse_tasks.supervised`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from norse_tasks.common import DataNotFound, add_common_options, check_common, require

DEFAULTS: dict[str, Any] = {
    "epochs": 10,
    "batch_size": 32,
    "lr": 1e-3,
    "seed": 0,
    "timesteps": 4,
    "neuron": "lif",
    "surrogate": "super",
    "output": "runs/mnist",
    "data_root": "data",
    "accelerator": "auto",
    "devices": 1,
    "precision": "32-true",
}
RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
"""The IDX files torchvision's MNIST reads from ``DATA_ROOT/MNIST/raw``."""


def parser() -> argparse.ArgumentParser:
    """The options of ``norse task run mnist``."""
    options = argparse.ArgumentParser(
        prog="norse task run mnist", description="Train a convolutional SNN on MNIST."
    )
    add_common_options(options, DEFAULTS)
    return options


def check_data(root: str) -> None:
    """Raise :class:`DataNotFound` naming the expected files and the command that fetches
    them unless the MNIST IDX files are in ``root/MNIST/raw``."""
    raw = Path(root) / "MNIST" / "raw"
    missing = [name for name in RAW_FILES if not (raw / name).is_file()]
    if missing:
        raise DataNotFound(
            f"MNIST is not in {raw} (missing {', '.join(missing)}). Fetch it (about 12 MB) "
            f"with: norse task run mnist --data-root {root} --download"
        )


def run(argv: list[str]) -> int:
    """``norse task run mnist [options]``."""
    options = parser()
    args = options.parse_args(argv)
    check_common(args, options)
    require("lightning", "lightning", "mnist")
    datasets = require("torchvision.datasets", "torchvision", "mnist")
    transforms = require("torchvision.transforms", "torchvision", "mnist")
    if not args.download:
        check_data(args.data_root)
    import lightning as L

    from norse.torch.models import ConvNet
    from norse_tasks.supervised import ImageDataModule, fit

    transform = transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]
    )

    def make_dataset(train: bool, download: bool) -> Any:
        return datasets.MNIST(
            args.data_root, train=train, download=download and args.download, transform=transform
        )

    L.seed_everything(args.seed, workers=True, verbose=False)
    network = ConvNet(method=args.surrogate, neuron=args.neuron)
    fit("mnist", args, network, ImageDataModule(make_dataset, args.batch_size, args.seed))
    return 0
