"""Spiking MobileNet V2: :class:`MobileNetV2` and :func:`mobilenet_v2` (Norse 1.x signatures).

torchvision's MobileNet V2 layout (inverted residual blocks of expansion 1x1 convolution,
depth-wise 3x3 convolution and linear 1x1 projection, each convolution followed by batch norm)
with every ReLU6 replaced by a spiking layer. Input ``(T, B, 3, H, W)``, output
``(T, B, num_classes)``. Layer names match torchvision's, so its ImageNet weights load from a
local file with ``pretrained=True`` (never downloaded).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import Tensor, nn

from norse.torch.models._pretrained import existing_weights, load_pretrained
from norse.torch.models.neurons import neuron_layer
from norse.torch.models.vgg import TimeBlock, run_over_time

__all__ = ["ConvBNReLU", "InvertedResidual", "MobileNetV2", "mobilenet_v2"]

DEFAULT_SETTING = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
]
"""Inverted residual stages ``[t, c, n, s]``: expansion, output channels, blocks, stride."""


def _make_divisible(v: float, divisor: int) -> int:
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``divisor``), never more
    than 10 % below ``v``."""
    rounded = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


class ConvBNReLU(TimeBlock):
    """``conv (no bias) -> norm_layer -> spiking``, over ``(T, B, C, H, W)``."""

    def __init__(
        self,
        in_planes: int,
        out_planes: int,
        norm_layer: Callable[[int], nn.Module],
        kernel_size: int = 3,
        stride: int = 1,
        groups: int = 1,
        *,
        method: str = "super",
        neuron: str = "lif",
    ) -> None:
        padding = (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(
                in_planes, out_planes, kernel_size, stride, padding, groups=groups, bias=False
            ),
            norm_layer(out_planes),
            neuron_layer(neuron, method, sequence=True),
        )


class InvertedResidual(nn.Module):
    """MobileNet V2 block: ``[expand 1x1] -> depth-wise 3x3 -> project 1x1 -> norm``; adds the
    input when ``stride == 1`` and ``inp == oup``. Over ``(T, B, C, H, W)``."""

    time_major = True

    def __init__(
        self,
        inp: int,
        oup: int,
        stride: int,
        expand_ratio: int,
        norm_layer: Callable[[int], nn.Module],
        *,
        method: str = "super",
        neuron: str = "lif",
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride!r}")
        hidden = round(inp * expand_ratio)
        self.use_res_connect = stride == 1 and inp == oup
        options = {"method": method, "neuron": neuron}
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU(inp, hidden, norm_layer, kernel_size=1, **options))
        layers += [
            ConvBNReLU(hidden, hidden, norm_layer, stride=stride, groups=hidden, **options),
            nn.Conv2d(hidden, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ]
        self.conv = TimeBlock(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """``(T, B, inp, H, W)`` to ``(T, B, oup, H / stride, W / stride)``."""
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """Spiking MobileNet V2.

    Args:
        num_classes: outputs per step (default 1000).
        width_mult: channel multiplier.
        inverted_residual_setting: stages ``[[t, c, n, s], ...]`` (default torchvision's).
        round_nearest: channel counts are rounded to multiples of this.
        block: the block class (default :class:`InvertedResidual`).
        norm_layer: normalisation constructor (default ``nn.BatchNorm2d``).
        method, neuron: surrogate and registered neuron model (keyword-only).

    ``forward(x)``: ``(T, B, 3, H, W)`` to ``(T, B, num_classes)``.
    """

    def __init__(
        self,
        num_classes: int = 1000,
        width_mult: float = 1.0,
        inverted_residual_setting: list[list[int]] | None = None,
        round_nearest: int = 8,
        block: type[nn.Module] | None = None,
        norm_layer: Callable[[int], nn.Module] | None = None,
        *,
        method: str = "super",
        neuron: str = "lif",
    ) -> None:
        super().__init__()
        block = InvertedResidual if block is None else block
        norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
        setting = (
            DEFAULT_SETTING if inverted_residual_setting is None else inverted_residual_setting
        )
        if not setting or any(len(stage) != 4 for stage in setting):
            raise ValueError(
                f"inverted_residual_setting must be a non-empty list of [t, c, n, s], got {setting!r}"
            )
        options = {"method": method, "neuron": neuron}
        channels = _make_divisible(32 * width_mult, round_nearest)
        self.last_channel = _make_divisible(1280 * max(1.0, width_mult), round_nearest)
        features: list[nn.Module] = [ConvBNReLU(3, channels, norm_layer, stride=2, **options)]
        for t, c, n, s in setting:
            out = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(block(channels, out, stride, t, norm_layer, **options))
                channels = out
        features.append(
            ConvBNReLU(channels, self.last_channel, norm_layer, kernel_size=1, **options)
        )
        self.features = TimeBlock(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(self.last_channel, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d | nn.GroupNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        """``(T, B, 3, H, W)`` images to ``(T, B, num_classes)`` outputs."""
        if x.dim() != 5:
            raise ValueError(f"x must be (T, B, C, H, W), got shape {tuple(x.shape)}")
        x = self.features(x)
        x = x.mean(dim=(-2, -1))
        return run_over_time(self.classifier, x)


def mobilenet_v2(pretrained: bool = False, progress: bool = True, **kwargs: Any) -> MobileNetV2:
    """Spiking MobileNet V2. ``pretrained`` loads torchvision's ImageNet weights from a local
    file (never downloads; raises ``FileNotFoundError`` saying how to get it); ``progress`` is
    accepted for Norse 1.x compatibility; ``kwargs`` go to :class:`MobileNetV2`."""
    if pretrained:
        existing_weights("mobilenet_v2")
    model = MobileNetV2(**kwargs)
    if pretrained:
        load_pretrained(model, "mobilenet_v2")
    return model
