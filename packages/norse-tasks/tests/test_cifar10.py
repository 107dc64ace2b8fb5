"""cifar10 on small files in CIFAR-10's real format (python pickle batches).

torchvision's ``CIFAR10`` checks each file's MD5 against the checksums of the real data set.
The test data go through the same code (integrity check, unpickling, transforms) with a
subclass that only replaces those checksums by the checksums of the files written here.
"""

import json

import pytest
import torch
from formats import write_cifar10

from norse_tasks import cifar10


def _dataset_class(checksums):
    from torchvision.datasets import CIFAR10

    attributes = {
        "train_list": [[name, checksums[name]] for name, _ in CIFAR10.train_list],
        "test_list": [[name, checksums[name]] for name, _ in CIFAR10.test_list],
        "meta": {**CIFAR10.meta, "md5": checksums["batches.meta"]},
    }
    return type("SmallCIFAR10", (CIFAR10,), attributes)


@pytest.mark.slow
def test_cifar10_trains_on_real_format_batches(tmp_path, monkeypatch):
    monkeypatch.setenv("NORSE_KERNELS", "reference")  # no C++ build inside the test
    checksums = write_cifar10(tmp_path / "data", per_batch=16)
    argv = ["--data-root", str(tmp_path / "data"), "--output", str(tmp_path / "run")]
    argv += ["--epochs", "1", "--timesteps", "2", "--batch-size", "16", "--limit-batches", "2"]
    assert cifar10.run([*argv, "--accelerator", "cpu"], _dataset_class(checksums)) == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["task"] == "cifar10" and summary["epochs"] == 1
    assert 0 <= summary["test_accuracy"] <= 1
    assert len((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()) == 1

    wrong = {**checksums, "data_batch_1": "0" * 32}  # the integrity check does run
    with pytest.raises(RuntimeError, match="not found or corrupted"):
        cifar10.run([*argv, "--accelerator", "cpu"], _dataset_class(wrong))


def _weights(output):
    state = torch.load(output / "checkpoints" / "last.ckpt", weights_only=False)["state_dict"]
    return {k: v for k, v in state.items() if k.startswith("network.")}


@pytest.mark.slow
def test_resumed_cifar10_ends_with_the_weights_of_an_uninterrupted_run(tmp_path, monkeypatch):
    monkeypatch.setenv("NORSE_KERNELS", "reference")
    dataset_class = _dataset_class(write_cifar10(tmp_path / "data", per_batch=8))
    argv = ["--data-root", str(tmp_path / "data"), "--timesteps", "2", "--batch-size", "8"]
    argv += ["--limit-batches", "2", "--accelerator", "cpu", "--seed", "4"]
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert cifar10.run([*argv, "--output", str(full), "--epochs", "2"], dataset_class) == 0
    assert cifar10.run([*argv, "--output", str(cut), "--epochs", "1"], dataset_class) == 0
    arguments = [*argv, "--output", str(cut), "--epochs", "2", "--resume"]
    assert cifar10.run(arguments, dataset_class) == 0
    resumed, uninterrupted = _weights(cut), _weights(full)
    assert resumed.keys() == uninterrupted.keys()
    for key, value in resumed.items():  # augmentation included: seeded by (seed, epoch, index)
        assert torch.equal(value, uninterrupted[key]), key


def test_augmentation_is_a_padded_crop_or_its_flip_fixed_by_seed_epoch_and_index():
    from norse_tasks.supervised import Augmented

    torch.manual_seed(0)
    images = [(torch.rand(3, 32, 32), label) for label in range(3)]
    data = Augmented(images, cifar10.augment, seed=7)
    padded = torch.nn.functional.pad(images[1][0], (4, 4, 4, 4))
    crops = [padded[:, t : t + 32, s : s + 32] for t in range(9) for s in range(9)]
    candidates = torch.stack([*crops, *(c.flip(-1) for c in crops)])
    seen = set()
    for epoch in range(8):
        image, label = data[(1, epoch)]
        assert label == 1 and torch.equal(image, data[(1, epoch)][0])  # same key, same image
        pixels = image * torch.tensor(cifar10.STD).view(3, 1, 1) + torch.tensor(cifar10.MEAN).view(
            3, 1, 1
        )
        distance = (candidates - pixels).abs().flatten(1).amax(1)
        assert distance.min() < 1e-6  # one of the 162 crops/flips
        seen.add(int(distance.argmin()))
    assert len(seen) > 1  # the epoch changes the draw
    assert not torch.equal(Augmented(images, cifar10.augment, seed=8)[(1, 0)][0], data[(1, 0)][0])


def test_every_spiking_layer_of_the_cifar_network_fires_from_the_start(monkeypatch):
    monkeypatch.setenv("NORSE_KERNELS", "reference")
    from norse.torch.models.vgg import run_over_time

    torch.manual_seed(0)
    network = cifar10.CifarSNN()
    x = torch.stack([cifar10.normalise(image) for image in torch.rand(4, 3, 32, 32)])
    h = x.unsqueeze(0).expand(2, *x.shape)  # T = 2 steps
    rates = []
    for layer in network.features:
        h = run_over_time(torch.nn.Sequential(layer), h)
        if hasattr(layer, "p"):  # a spiking layer
            assert float(layer.p.alpha) == cifar10.ALPHA
            rates.append(h[-1].mean().item())
    assert len(rates) == 6 and min(rates) > 0.05  # batch norm scale 1 instead: 0 in layer 2
