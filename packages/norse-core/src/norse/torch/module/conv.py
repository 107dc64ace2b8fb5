"""``LConv2d``: a 2-d convolution applied to every time step of ``(T, N, C, H, W)`` input."""

from __future__ import annotations

from torch import Tensor, nn
from torch.nn.modules.utils import _pair

__all__ = ["LConv2d"]


class LConv2d(nn.Conv3d):
    """The same ``Conv2d`` at every time step, as one ``Conv3d`` with a kernel of length 1
    in time (no bias), as in Norse 1.x.

    Args: ``in_channels``, ``out_channels``, ``kernel_size``, ``stride=1``, ``padding=0``,
    ``dilation=1``, ``groups=1``, as ``torch.nn.Conv2d`` (ints or pairs).

    ``forward(input_tensor (T, N, C_in, H, W)) -> (T, N, C_out, H', W')``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            (*_pair(kernel_size), 1),
            stride=(*_pair(stride), 1),
            padding=(*_pair(padding), 0),
            dilation=(*_pair(dilation), 1),
            groups=groups,
            bias=False,
        )

    def forward(self, input_tensor: Tensor) -> Tensor:
        """Convolve each step; see the class docstring for shapes."""
        if input_tensor.dim() != 5:
            raise ValueError(
                f"input_tensor must have shape (T, N, C, H, W), got {tuple(input_tensor.shape)}"
            )
        return super().forward(input_tensor.permute(1, 2, 3, 4, 0)).permute(4, 0, 1, 2, 3)
