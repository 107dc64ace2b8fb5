"""Convolutional spiking networks for 28x28 (MNIST-sized) images: :class:`ConvNet` and
:class:`ConvNet4` (Norse 1.x signatures).

Both map a sequence of images ``(T, B, C, H, W)`` (for example the same image repeated over
``T`` steps, constant-current encoding) to readout voltages ``(T, B, 10)``::

    conv 5x5 -> spiking -> max-pool 2 -> conv 5x5 -> spiking -> max-pool 2
      -> linear -> spiking -> leaky-integrator readout (no spikes)

The prediction of a sequence is usually the readout voltage's maximum over time.

The spiking layers' surrogate sharpness is ``alpha=1.0`` by default (keyword ``alpha``), not the
neuron parameters' 100: Norse 1.1.0's SuperSpike ignored ``alpha`` and back-propagated
``1 / (|x| + 1)^2``, so that is the surrogate its ``ConvNet`` trained with. With ``alpha``
honoured, 100 makes ``1 / (100 |x| + 1)^2`` fall to a quarter 0.01 away from threshold, so few
neurons pass a gradient and training stalls (1200 of scikit-learn's handwritten digits as
28x28 images, constant current for 4 steps, 2 epochs of Adam: 0.51 accuracy on 500 other
digits with ``alpha=100``, 0.90 to 0.95 over 5 seeds with 1).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from norse.torch.models.neurons import neuron_layer
from norse.torch.module.leaky_integrator import LILinearCell

__all__ = ["ConvNet", "ConvNet4"]


class _ConvSNN(nn.Module):
    def __init__(
        self,
        num_channels: int,
        feature_size: int,
        channels: tuple[int, int],
        hidden: int,
        method: str,
        dtype: torch.dtype,
        neuron: str,
        conv_threshold: float,
        alpha: float,
    ) -> None:
        super().__init__()
        if not isinstance(feature_size, int) or feature_size < 16 or (feature_size - 12) % 4:
            raise ValueError(
                "feature_size must be an int >= 16 with feature_size - 12 divisible by 4 "
                f"(28 for MNIST), got {feature_size!r}"
            )
        self.features = ((feature_size - 4) // 2 - 4) // 2
        self.conv1 = nn.Conv2d(num_channels, channels[0], 5, 1, dtype=dtype)
        self.conv2 = nn.Conv2d(channels[0], channels[1], 5, 1, dtype=dtype)
        self.fc1 = nn.Linear(self.features**2 * channels[1], hidden, dtype=dtype)
        conv = {"v_th": conv_threshold, "alpha": alpha}
        self.lif0 = neuron_layer(neuron, method, sequence=False, **conv)
        self.lif1 = neuron_layer(neuron, method, sequence=False, **conv)
        self.lif2 = neuron_layer(neuron, method, sequence=False, alpha=alpha)
        self.out = LILinearCell(hidden, 10)
        self.out.input_weights.data = self.out.input_weights.data.to(dtype)

    def forward(self, x: Tensor) -> Tensor:
        """Readout voltages ``(T, B, 10)`` of input images ``(T, B, C, H, W)``."""
        if x.dim() != 5:
            raise ValueError(f"x must be (T, B, C, H, W), got shape {tuple(x.shape)}")
        s0 = s1 = s2 = so = None
        voltages = []
        for x_t in x:
            z = self.conv1(x_t)
            z, s0 = self.lif0(z, s0)
            z = nn.functional.max_pool2d(z, 2, 2)
            z = 10 * self.conv2(z)
            z, s1 = self.lif1(z, s1)
            z = nn.functional.max_pool2d(z, 2, 2).flatten(1)
            z = 10 * self.fc1(z)
            z, s2 = self.lif2(z, s2)
            v, so = self.out(z, so)
            voltages.append(v)
        return torch.stack(voltages)


class ConvNet(_ConvSNN):
    """A small convolutional SNN: 20 and 50 5x5 channels, 500 hidden neurons, 10 readouts.

    Args:
        num_channels: input channels (1 for MNIST).
        feature_size: input height and width (28 for MNIST).
        method: surrogate gradient of every spiking layer (a registered name).
        dtype: parameter dtype.
        neuron: registered neuron model of the spiking layers (default ``"lif"``); any
            spiking model with a cell fits (see ``norse plugins``).
        alpha: sharpness of the surrogate ``method`` in every spiking layer whose parameters
            have ``alpha`` (default 1.0, the module docstring says why).

    ``forward(x)`` maps ``(T, B, C, H, W)`` to readout voltages ``(T, B, 10)``.
    """

    def __init__(
        self,
        num_channels: int = 1,
        feature_size: int = 28,
        method: str = "super",
        dtype: torch.dtype = torch.float32,
        *,
        neuron: str = "lif",
        alpha: float = 1.0,
    ) -> None:
        super().__init__(
            num_channels, feature_size, (20, 50), 500, method, dtype, neuron, 1.0, alpha
        )


class ConvNet4(_ConvSNN):
    """A wider convolutional SNN: 32 and 64 5x5 channels, 1024 hidden neurons, 10 readouts;
    the convolutional layers' threshold is 0.7 (where the neuron model has ``v_th``).

    Arguments and shapes as :class:`ConvNet`.
    """

    def __init__(
        self,
        num_channels: int = 1,
        feature_size: int = 28,
        method: str = "super",
        dtype: torch.dtype = torch.float32,
        *,
        neuron: str = "lif",
        alpha: float = 1.0,
    ) -> None:
        super().__init__(
            num_channels, feature_size, (32, 64), 1024, method, dtype, neuron, 0.7, alpha
        )
