"""Spiking VGG networks: :class:`VGG`, :func:`make_layers` and ``vgg11`` ... ``vgg19_bn``
(Norse 1.x signatures).

The layers are torchvision's VGG layers with every ReLU replaced by a spiking layer (a
registered neuron model's sequence module). Input is a sequence of images
``(T, B, 3, H, W)``; convolutions, batch norms and pools act on each step, the neurons
integrate over time; the output is ``(T, B, num_classes)`` (linear readout of each step).
Layer names match torchvision's, so torchvision's ImageNet weights load (``pretrained=True``
reads a local file and never downloads; see :func:`norse.torch.models._pretrained.weights_path`).
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from norse.torch.models._pretrained import existing_weights, load_pretrained
from norse.torch.models.neurons import neuron_layer

__all__ = [
    "VGG",
    "make_layers",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
]

CFGS: dict[str, list[int | str]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", *[256] * 4, "M", *[512] * 4, "M", *[512] * 4, "M"],
}
"""Channel configurations (``"M"`` is a 2x2 max-pool): A = VGG11, B = 13, D = 16, E = 19."""


class TimeBlock(nn.Sequential):
    """A block of layers that itself takes ``(T, B, ...)`` (runs via :func:`run_over_time`)."""

    def forward(self, x: Tensor) -> Tensor:
        """``(T, B, ...)`` to ``(T, B, ...)``."""
        return run_over_time(self, x)


def _takes_time(layer: nn.Module) -> bool:
    return (
        isinstance(layer, TimeBlock)
        or getattr(layer, "time_major", False)
        or (hasattr(layer, "p") and not isinstance(layer, nn.Sequential))
    )


def run_over_time(layers: nn.Sequential, x: Tensor) -> Tensor:
    """Run ``layers`` over ``x`` ``(T, B, ...)``: neuron layers and :class:`TimeBlock`\\ s (and
    modules with ``time_major = True``) see ``(T, B, ...)``, every other layer sees the steps
    folded into the batch ``(T * B, ...)``. Returns ``(T, B, ...)``."""
    steps, batch = x.shape[:2]
    x = x.flatten(0, 1)
    for layer in layers:
        if _takes_time(layer):
            y = layer(x.unflatten(0, (steps, batch)))
            x = (y[0] if isinstance(y, tuple) else y).flatten(0, 1)
        else:
            x = layer(x)
    return x.unflatten(0, (steps, batch))


class VGG(nn.Module):
    """A spiking VGG: ``features`` (from :func:`make_layers`), a 7x7 adaptive average pool and
    a classifier ``linear(512*7*7, 4096) -> spiking -> dropout -> linear(4096, 4096) ->
    spiking -> dropout -> linear(4096, num_classes)``.

    Args:
        features: the convolutional layers.
        num_classes: outputs per step (default 1000).
        init_weights: Kaiming-normal convolutions, N(0, 0.01) linear layers, zero biases.
        method, neuron: surrogate and registered neuron model of the classifier's spiking
            layers (keyword-only; defaults ``"super"``, ``"lif"``).

    ``forward(x)``: ``(T, B, C, H, W)`` to ``(T, B, num_classes)``.
    """

    def __init__(
        self,
        features: nn.Sequential,
        num_classes: int = 1000,
        init_weights: bool = True,
        *,
        method: str = "super",
        neuron: str = "lif",
    ) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            neuron_layer(neuron, method, sequence=True),
            nn.Dropout(),
            nn.Linear(4096, 4096),
            neuron_layer(neuron, method, sequence=True),
            nn.Dropout(),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        """``(T, B, C, H, W)`` images to ``(T, B, num_classes)`` outputs."""
        if x.dim() != 5:
            raise ValueError(f"x must be (T, B, C, H, W), got shape {tuple(x.shape)}")
        steps, batch = x.shape[:2]
        x = run_over_time(self.features, x)
        x = self.avgpool(x.flatten(0, 1)).flatten(1).unflatten(0, (steps, batch))
        return run_over_time(self.classifier, x)


def make_layers(
    cfg: list[int | str],
    batch_norm: bool = False,
    *,
    in_channels: int = 3,
    method: str = "super",
    neuron: str = "lif",
    alpha: float | None = None,
) -> nn.Sequential:
    """VGG's convolutional layers from ``cfg`` (channel counts, ``"M"`` for a max-pool):
    ``conv 3x3 [-> batch norm] -> spiking`` per number. Run them with :func:`run_over_time`.
    ``alpha``: the surrogate's sharpness in the spiking layers whose parameters have it (None:
    the neuron model's default)."""
    layers: list[nn.Module] = []
    channels = in_channels
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        if not isinstance(v, int) or v <= 0:
            raise ValueError(f"cfg entries must be positive ints or 'M', got {v!r}")
        layers.append(nn.Conv2d(channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        options = {} if alpha is None else {"alpha": alpha}
        layers.append(neuron_layer(neuron, method, sequence=True, **options))
        channels = v
    return nn.Sequential(*layers)


def _vgg(arch: str, cfg: str, batch_norm: bool, pretrained: bool, **kwargs: Any) -> VGG:
    if pretrained:
        existing_weights(arch)
        kwargs["init_weights"] = False
    layer_options = {k: kwargs[k] for k in ("method", "neuron") if k in kwargs}
    model = VGG(make_layers(CFGS[cfg], batch_norm, **layer_options), **kwargs)
    if pretrained:
        load_pretrained(model, arch)
    return model


def vgg11(pretrained: bool = False, progress: bool = True, **kwargs: Any) -> VGG:
    """Spiking VGG 11 (configuration A). ``pretrained`` loads torchvision's ImageNet weights
    from a local file (never downloads; raises ``FileNotFoundError`` saying how to get it);
    ``progress`` is accepted for Norse 1.x compatibility; ``kwargs`` go to :class:`VGG`."""
    return _vgg("vgg11", "A", False, pretrained, **kwargs)


def vgg11_bn(pretrained: bool = False, progress: bool = True, **kwargs: Any) -> VGG:
    """Spiking VGG 11 with batch norm; arguments as :func:`vgg11`."""
    return _vgg("vgg11_bn", "A", True, pretrained, **kwargs)


def vgg13(pretrained: bool = False, progress: bool = True, **kwargs: Any) -> VGG:
    """Spiking VGG 13 (configuration B); arguments as :func:`vgg11`."""
    return _vgg("vgg13", "B", False, pretrained, **kwargs)


def vgg13_bn(pretrained: bool = False, progress: bool = True, **kwargs: Any) -> VGG:
    """Spiking VGG 13 with batch norm; arguments as :func:`vgg11`."""
    return _vgg("vgg13_bn", "B", True, pretrained, **kwargs)


def vgg16(pretrained: bool = False, progress: bool = True, **kwargs: Any) -> VGG:
    """Spiking VGG 16 (configuration D); arguments as :func:`vgg11`."""
    return _vgg("vgg16", "D", False, pretrained, **kwargs)


def vgg16_bn(pretrained: bool = False, progress: bool = True, **kwargs: Any) -> VGG:
    """Spiking VGG 16 with batch norm; arguments as :func:`vgg11`."""
    return _vgg("vgg16_bn", "D", True, pretrained, **kwargs)


def vgg19(pretrained: bool = False, progress: bool = True, **kwargs: Any) -> VGG:
    """Spiking VGG 19 (configuration E); arguments as :func:`vgg11`."""
    return _vgg("vgg19", "E", False, pretrained, **kwargs)


def vgg19_bn(pretrained: bool = False, progress: bool = True, **kwargs: Any) -> VGG:
    """Spiking VGG 19 with batch norm; arguments as :func:`vgg11`."""
    return _vgg("vgg19_bn", "E", True, pretrained, **kwargs)
