"""cifar10 on small files in CIFAR-10's real format (python pickle batches).

torchvision's ``CIFAR10`` checks each file's MD5 against the checksums of the real data set.
The test data go through the same code (integrity check, unpickling, transforms) with a
subclass that only replaces those checksums by the checksums of the files written here.
"""

import json

import pytest
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
