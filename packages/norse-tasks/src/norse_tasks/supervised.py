"""The Lightning side of the supervised tasks (``mnist``, ``cifar10``).

:class:`SpikingClassifier` is the ``LightningModule``: images ``(B, C, H, W)`` are fed as a
constant input current (``input_gain`` times the normalised pixels) for ``timesteps`` steps
into a network returning readout voltages
``(T, B, classes)``; the logits are ``readout_gain`` times their maxima over time; the loss is cross-entropy, the
optimiser Adam with a constant learning rate. :func:`fit` runs it with ``lightning.Trainer``
(progress bar, checkpoints, resume, devices, precision and DDP are the Trainer's) and writes
the outputs of :mod:`norse_tasks.common`.

Importing this module imports lightning; the tasks import it only when they run.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import lightning as L
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from norse_tasks.common import Outputs


class SpikingClassifier(L.LightningModule):
    """Train ``network`` (``(T, B, C, H, W) -> (T, B, classes)``) on labelled images.

    Args:
        network: the spiking network. timesteps: steps ``T`` each image is presented.
        lr: Adam's learning rate. input_gain: factor from normalised pixel to input current.
        readout_gain: factor from readout voltage to logit.
    """

    def __init__(
        self,
        network: nn.Module,
        timesteps: int,
        lr: float,
        input_gain: float = 5.0,
        readout_gain: float = 10.0,
    ) -> None:
        super().__init__()
        self.network = network
        self.timesteps = timesteps
        self.lr = lr
        self.input_gain = input_gain
        self.readout_gain = readout_gain

    def forward(self, images: Tensor) -> Tensor:
        """Logits ``(B, classes)``: ``readout_gain`` times the readout voltages' maxima over
        the ``T`` steps."""
        current = self.input_gain * images
        steps = current.unsqueeze(0).expand(self.timesteps, *images.shape)
        return self.readout_gain * self.network(steps).amax(dim=0)

    def _step(self, batch: tuple[Tensor, Tensor], stage: str) -> Tensor:
        images, labels = batch
        logits = self(images)
        loss = nn.functional.cross_entropy(logits, labels)
        accuracy = (logits.argmax(dim=1) == labels).float().mean()
        options = {"on_epoch": True, "on_step": False, "sync_dist": True, "batch_size": len(labels)}
        self.log(f"{stage}_loss", loss, prog_bar=stage == "train", **options)
        self.log(f"{stage}_accuracy", accuracy, prog_bar=True, **options)
        return loss

    def training_step(self, batch: tuple[Tensor, Tensor], batch_index: int) -> Tensor:
        """Cross-entropy of one batch; logs ``train_loss`` and ``train_accuracy``."""
        return self._step(batch, "train")

    def validation_step(self, batch: tuple[Tensor, Tensor], batch_index: int) -> None:
        """Logs ``val_loss`` and ``val_accuracy``."""
        self._step(batch, "val")

    def test_step(self, batch: tuple[Tensor, Tensor], batch_index: int) -> None:
        """Logs ``test_loss`` and ``test_accuracy``."""
        self._step(batch, "test")

    def configure_optimizers(self) -> torch.optim.Optimizer:
        """Adam with the constant learning rate ``lr``."""
        return torch.optim.Adam(self.parameters(), lr=self.lr)


Augment = Callable[[Tensor, torch.Generator], Tensor]
"""``augment(image, generator) -> image``: a random transform drawing only from ``generator``."""


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 63-bit seed determined by ``(seed, epoch, index)`` (BLAKE2b of the three numbers)."""
    digest = hashlib.blake2b(f"{seed},{epoch},{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


class EpochSampler(DistributedSampler):
    """A ``DistributedSampler`` that yields ``(index, epoch)`` pairs, so that the data set
    (:class:`Augmented`) knows the epoch the Trainer set with ``set_epoch``."""

    def __iter__(self) -> Iterator[tuple[int, int]]:  # type: ignore[override]
        for index in super().__iter__():
            yield index, self.epoch


class Augmented(Dataset):
    """``dataset`` with ``augment`` applied to each image, seeded per sample and epoch.

    ``augmented[(index, epoch)]`` is ``(augment(image, generator), label)`` for
    ``(image, label) = dataset[index]`` with ``generator`` seeded by
    :func:`sample_seed` ``(seed, epoch, index)``: the same in every run, process and worker,
    so a resumed run augments as an uninterrupted one and ``W`` DDP processes as one.
    """

    def __init__(self, dataset: Dataset, augment: Augment, seed: int) -> None:
        self.dataset = dataset
        self.augment = augment
        self.seed = seed

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, key: tuple[int, int]) -> tuple[Tensor, Any]:
        index, epoch = key
        image, label = self.dataset[index]
        generator = torch.Generator().manual_seed(sample_seed(self.seed, epoch, index))
        return self.augment(image, generator), label


class ImageDataModule(L.LightningDataModule):
    """Train and test splits of a torchvision data set, with epoch-seeded shuffling and
    augmentation.

    Args:
        make_dataset: ``make_dataset(train: bool, download: bool) -> Dataset``.
        batch_size: samples per batch and process. seed: shuffling and augmentation seed.
        augment: applied to the training images (:class:`Augmented`); None for none.

    The training loader's sampler is a ``DistributedSampler`` over the Trainer's world size
    (1 without DDP) seeded with ``seed`` and set to the epoch by the Trainer, so the order
    of every epoch is fixed by the seed and a resumed run sees the same batches. With world
    size ``W`` each process gets every ``W``-th sample of the same permutation, so ``W``
    processes with batch size ``b`` see the global batches one process with ``W * b`` sees.
    The random augmentation of a training image depends only on ``(seed, epoch, index)``,
    never on the global RNG.
    """

    def __init__(
        self, make_dataset: Any, batch_size: int, seed: int, augment: Augment | None = None
    ) -> None:
        super().__init__()
        self.make_dataset = make_dataset
        self.batch_size = batch_size
        self.seed = seed
        self.augment = augment
        self.train_set: Dataset | None = None
        self.test_set: Dataset | None = None

    def prepare_data(self) -> None:
        """Download if asked (rank 0 only; the Trainer calls this once per node)."""
        self.make_dataset(True, True)
        self.make_dataset(False, True)

    def setup(self, stage: str) -> None:
        """Load both splits from disk."""
        self.train_set = self.make_dataset(True, False)
        if self.augment is not None:
            self.train_set = Augmented(self.train_set, self.augment, self.seed)
        self.test_set = self.make_dataset(False, False)

    def _loader(self, dataset: Dataset, shuffle: bool) -> DataLoader:
        sampler_class = EpochSampler if isinstance(dataset, Augmented) else DistributedSampler
        sampler = sampler_class(
            dataset,
            num_replicas=self.trainer.world_size,
            rank=self.trainer.global_rank,
            shuffle=shuffle,
            seed=self.seed,
        )
        return DataLoader(dataset, batch_size=self.batch_size, sampler=sampler)

    def train_dataloader(self) -> DataLoader:
        """Shuffled by epoch and seed, split across processes."""
        return self._loader(self.train_set, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        """The test split (the tasks have no separate validation split), in order."""
        return self._loader(self.test_set, shuffle=False)

    def test_dataloader(self) -> DataLoader:
        """The test split, in order."""
        return self._loader(self.test_set, shuffle=False)


class MetricsFile(L.Callback):
    """Writes one line of ``metrics.jsonl`` per training epoch (rank 0): the epoch's train and
    validation loss and accuracy."""

    def __init__(self, outputs: Outputs) -> None:
        self.outputs = outputs

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        record: dict[str, Any] = {"epoch": trainer.current_epoch + 1}
        for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
            value = trainer.callback_metrics.get(key)
            record[key] = None if value is None else round(float(value), 6)
        self.outputs.metrics(record)


def weights_digest(module: nn.Module) -> str:
    """SHA-256 of every parameter's bytes, in ``named_parameters`` order."""
    digest = hashlib.sha256()
    for _, parameter in module.named_parameters():
        digest.update(parameter.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _rank_digests(trainer: L.Trainer, module: nn.Module) -> list[str]:
    """Every rank's :func:`weights_digest` (gathered over the process group)."""
    local = torch.tensor(list(bytes.fromhex(weights_digest(module))), dtype=torch.uint8)
    gathered = trainer.strategy.all_gather(local.to(trainer.strategy.root_device))
    gathered = gathered.reshape(-1, 32).cpu()
    return [bytes(row.tolist()).hex() for row in gathered]


def _limit(value: float | None) -> float | int:
    if value is None:
        return 1.0
    return int(value) if value > 1 or (float(value).is_integer() and value >= 1) else value


def fit(
    task: str, args: argparse.Namespace, network: nn.Module, data: ImageDataModule
) -> dict[str, Any]:
    """Train ``network`` on ``data`` for ``args.epochs`` with ``lightning.Trainer``, test it and
    write ``metrics.jsonl``, ``summary.json`` and the checkpoints into ``args.output``.

    ``--resume`` continues from ``OUTPUT/checkpoints/last.ckpt``. Returns the summary's
    results (``test_accuracy``, ``epochs``, ``weights_sha256_per_rank``)."""
    from lightning.pytorch.callbacks import ModelCheckpoint

    module = SpikingClassifier(network, args.timesteps, args.lr)
    checkpoints = ModelCheckpoint(
        dirpath=f"{args.output}/checkpoints",
        filename="epoch{epoch}",
        auto_insert_metric_name=False,
        save_last=True,
        save_top_k=-1,
    )
    limit = _limit(args.limit_batches)
    trainer = L.Trainer(
        max_epochs=args.epochs,
        accelerator=args.accelerator,
        devices=args.devices,
        precision=args.precision,
        callbacks=[checkpoints],
        default_root_dir=args.output,
        logger=False,
        use_distributed_sampler=False,
        num_sanity_val_steps=0,
        limit_train_batches=limit,
        limit_val_batches=limit,
        limit_test_batches=limit,
        deterministic="warn",
    )
    outputs = Outputs(args.output, writer=trainer.is_global_zero, resume=args.resume)
    trainer.callbacks.append(MetricsFile(outputs))
    resume_from = None
    if args.resume:
        resume_from = outputs.checkpoints / "last.ckpt"
        if not resume_from.is_file():
            raise FileNotFoundError(
                f"--resume: no checkpoint {resume_from}; run without --resume first"
            )
    trainer.fit(module, datamodule=data, ckpt_path=resume_from)
    (tested,) = trainer.test(module, datamodule=data, verbose=False)
    results = {
        "test_accuracy": round(float(tested["test_accuracy"]), 6),
        "test_loss": round(float(tested["test_loss"]), 6),
        "epochs": trainer.current_epoch,
        "weights_sha256_per_rank": _rank_digests(trainer, module.network),
    }
    outputs.summary(task, args, world_size=trainer.world_size, **results)
    if trainer.is_global_zero:
        print(
            f"{task}: test accuracy {results['test_accuracy']:.4f} after {results['epochs']} "
            f"epochs on {trainer.world_size} process(es)\n"
            f"metrics: {outputs.metrics_path}\nsummary: {outputs.summary_path}\n"
            f"checkpoints: {outputs.checkpoints}"
        )
    return results
