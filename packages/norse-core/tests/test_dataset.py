"""norse.dataset.MemoryStoreRecallDataset: layout, labels, reproducibility, errors."""

import pytest
import torch

from norse.dataset import MemoryStoreRecallDataset


def test_store_recall_layout_and_labels():
    data = MemoryStoreRecallDataset(4, seq_length=20, seq_periods=6, seq_repetitions=3,
                                    population_size=2, poisson_rate=1000, dt=0.001, seed=3)  # fmt: skip
    assert len(data) == 4
    for index in range(4):
        x, y = data[index]
        assert x.shape == (360, 8) and x.dtype == torch.float32
        assert y.shape == (18, 2) and y.dtype == torch.uint8
        # data spike at every active step, commands at half of them (Norse 1.x's rates)
        periods = x.reshape(18, 20, 4, 2)
        active = periods.amax(dim=(1, 3))
        assert (periods[:, :, :2].sum((1, 3)) == 40 * active[:, :2]).all()
        command_rate = periods[:, :, 2:].sum() / (40 * active[:, 2:].sum())
        assert 0.35 < command_rate < 0.65
        recalls = torch.nonzero(active[:, 3]).flatten().tolist()
        stores = torch.nonzero(active[:, 2]).flatten().tolist()
        assert len(recalls) == len(stores) == 3
        for store, recall in zip(stores, recalls):
            assert store % 6 < 3 <= recall % 6 and store // 6 == recall // 6  # halves
            stored_one = bool(active[store, 0])
            assert y[recall].tolist() == ([1, 0] if stored_one else [0, 1])
            assert active[recall, :2].sum() == 0
        assert int(y.sum()) == 3
        assert torch.all(active[:, 0] + active[:, 1] == 1 - active[:, 3])


def test_seed_makes_samples_reproducible_and_rate_is_respected():
    a = MemoryStoreRecallDataset(2, seed=7)
    assert torch.equal(a[1][0], MemoryStoreRecallDataset(2, seed=7)[1][0])
    assert not torch.equal(a[0][0], a[1][0])
    x, _ = MemoryStoreRecallDataset(
        1, seq_length=400, population_size=20, poisson_rate=100, seed=1
    )[0]
    active_rate = x.sum() / (x.shape[0] * 20)  # about one active population at a time
    assert 0.05 < active_rate < 0.2


def test_bad_arguments():
    with pytest.raises(ValueError, match="seq_periods"):
        MemoryStoreRecallDataset(1, seq_periods=1)
    with pytest.raises(ValueError, match="poisson_rate"):
        MemoryStoreRecallDataset(1, poisson_rate=2000)
    with pytest.raises(IndexError):
        MemoryStoreRecallDataset(1)[1]
