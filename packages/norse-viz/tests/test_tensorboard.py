import torch

import norse.torch as snn
from norse.torch.utils.tensorboard import tensorboard


class MockWriter:
    """Records every call (Norse 1.x's tests use the same kind of writer)."""

    def __init__(self):
        self.calls = []

    def add_scalar(self, key, value, step):
        self.calls.append(("scalar", key, value, step))

    def add_histogram(self, key, value, step):
        self.calls.append(("histogram", key, value, step))

    def add_image(self, key, value, step, dataformats="CHW"):
        self.calls.append(("image", key, value, step, dataformats))


def _run(hook, steps=6):
    cell = snn.LIFCell()
    cell.register_forward_hook(hook)
    state, outputs = None, []
    for _ in range(steps):
        z, state = cell(torch.ones(2, 3), state)
        outputs.append(z)
    return outputs


def test_activity_hooks_log_the_mean_and_sum_as_scalars_per_step():
    writer = MockWriter()
    outputs = _run(tensorboard.hook_spike_activity_mean("lif", writer))
    assert [c[3] for c in writer.calls] == list(range(6))
    assert all(c[:2] == ("scalar", "lif") for c in writer.calls)
    assert sum(outputs).sum() > 0
    for call, z in zip(writer.calls, outputs):
        assert call[2] == z.mean()
    writer = MockWriter()
    outputs = _run(tensorboard.hook_spike_activity_sum("lif", writer))
    assert [c[2] for c in writer.calls] == [z.sum() for z in outputs]


def test_histogram_hooks_count_steps_separately():
    writer = MockWriter()
    cell = snn.LIFCell()
    cell.register_forward_hook(tensorboard.hook_spike_histogram_mean("mean", writer))
    cell.register_forward_hook(tensorboard.hook_spike_histogram_sum("sum", writer))
    state = None
    for _ in range(3):
        _, state = cell(torch.ones(2, 3), state)
    assert [(c[1], c[3]) for c in writer.calls] == [
        ("mean", 0),
        ("sum", 0),
        ("mean", 1),
        ("sum", 1),
        ("mean", 2),
        ("sum", 2),
    ]


def test_image_hook_logs_the_spikes_as_a_2d_image_to_a_real_summary_writer(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    writer = MockWriter()
    outputs = _run(snn.hook_spike_image("lif", writer))
    for call, z in zip(writer.calls, outputs):
        assert call[4] == "HW" and torch.equal(call[2], z)
    with SummaryWriter(tmp_path) as real:
        _run(snn.hook_spike_image("lif", real), steps=2)
        _run(snn.hook_spike_histogram_sum("lif_hist", real), steps=2)
    assert list(tmp_path.glob("events.out.tfevents.*"))
