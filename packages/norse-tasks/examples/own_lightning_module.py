"""Norse modules inside your own LightningModule, compiled with ``torch.compile`` and trained
in ``bf16-mixed`` precision on the CPU.

Run it: ``python examples/own_lightning_module.py`` (about a minute on 2 CPU cores; the first
``torch.compile`` call compiles for a while).

The network: ``linear -> LIF -> linear -> LI`` over ``T`` steps of a constant input; the
logits are the readout voltages' maxima over time. The data: two Gaussian clouds in 16
dimensions, labelled by cloud.
"""

from __future__ import annotations

import lightning as L
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

from norse.torch import LICell, LIFCell


class SpikingMLP(nn.Module):
    """``(B, inputs)`` features to ``(B, classes)`` logits through ``timesteps`` LIF steps."""

    def __init__(self, inputs: int = 16, hidden: int = 64, classes: int = 2, timesteps: int = 8):
        super().__init__()
        self.timesteps = timesteps
        self.encoder = nn.Linear(inputs, hidden)
        self.lif = LIFCell()
        self.decoder = nn.Linear(hidden, classes)
        self.readout = LICell()

    def forward(self, x: Tensor) -> Tensor:
        """Logits: ``10`` times the readout voltages' maxima over the steps."""
        current = 5 * self.encoder(x)
        lif_state = readout_state = None
        voltages = []
        for _ in range(self.timesteps):
            spikes, lif_state = self.lif(current, lif_state)
            voltage, readout_state = self.readout(self.decoder(spikes), readout_state)
            voltages.append(voltage)
        return 10 * torch.stack(voltages).amax(dim=0)


class Classifier(L.LightningModule):
    """Your LightningModule: a compiled :class:`SpikingMLP`, cross-entropy, Adam.

    Args:
        backend: the ``torch.compile`` backend (``"inductor"``, the default, generates C++
            on the CPU; ``"aot_eager"`` traces without generating code).
    """

    def __init__(self, backend: str = "inductor", lr: float = 1e-2) -> None:
        super().__init__()
        self.network = SpikingMLP()
        self.compiled = torch.compile(self.network, backend=backend)
        self.lr = lr

    def training_step(self, batch: tuple[Tensor, Tensor], batch_index: int) -> Tensor:
        x, y = batch
        logits = self.compiled(x)
        self.last_logits_dtype = logits.dtype  # bfloat16 under bf16-mixed autocast
        loss = nn.functional.cross_entropy(logits.float(), y)
        self.log("train_loss", loss, prog_bar=True)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.network.parameters(), lr=self.lr)


def clouds(samples: int = 512, seed: int = 0) -> TensorDataset:
    """Two Gaussian clouds in 16 dimensions (centres -0.5 and +0.5, unit variance)."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (samples,), generator=generator)
    x = torch.randn(samples, 16, generator=generator) + (labels[:, None] - 0.5)
    return TensorDataset(x, labels)


def train(backend: str = "inductor", epochs: int = 3) -> tuple[Classifier, float]:
    """Train :class:`Classifier` with ``bf16-mixed`` on the CPU; return it and its accuracy on
    fresh samples."""
    L.seed_everything(0, verbose=False)
    model = Classifier(backend)
    trainer = L.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        precision="bf16-mixed",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
    )
    trainer.fit(model, DataLoader(clouds(), batch_size=64, shuffle=True))
    x, y = clouds(1024, seed=1).tensors
    with torch.no_grad():
        accuracy = (model.network(x).argmax(dim=1) == y).float().mean().item()
    return model, accuracy


if __name__ == "__main__":
    _, accuracy = train()
    print(f"accuracy on fresh samples: {accuracy:.3f}")
