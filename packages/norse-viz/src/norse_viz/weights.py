"""Weight matrices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor, nn

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["weights"]


def weights(
    weight: Tensor | nn.Module, ax: Axes | None = None, cmap: str = "RdBu_r", colorbar: bool = True
) -> Axes:
    """Draw a weight matrix: output neuron on y, input on x, colour symmetric around 0.

    Args:
        weight: a ``(out, in)`` tensor, any tensor with more dimensions (a conv kernel
            ``(out, in, kh, kw)`` is drawn as ``(out, in*kh*kw)``), or a module with a
            ``weight`` (``nn.Linear``, ``nn.Conv2d``) or, failing that, an
            ``input_weights`` attribute (Norse's recurrent cells).
        ax: the axes to draw into; a new figure when None.
        cmap: a diverging colour map (default red-blue).
        colorbar: whether to add a colour bar labelled "weight".

    Returns:
        The axes; the matrix is ``ax.images[0]``.

    Raises:
        TypeError: if ``weight`` is neither a tensor nor a module with weights.
        ValueError: if the tensor has fewer than two dimensions.
    """
    import matplotlib.pyplot as plt

    if isinstance(weight, nn.Module):
        found = getattr(weight, "weight", None)
        found = found if isinstance(found, Tensor) else getattr(weight, "input_weights", None)
        if not isinstance(found, Tensor):
            raise TypeError(
                f"weight: module {type(weight).__name__} has no weight or input_weights tensor"
            )
        weight = found
    if not isinstance(weight, Tensor):
        raise TypeError(f"weight must be a torch.Tensor or a module, got {type(weight).__name__}")
    if weight.dim() < 2:
        raise ValueError(f"weight must have at least 2 dimensions, got shape {tuple(weight.shape)}")
    matrix = weight.detach().cpu().double().reshape(weight.shape[0], -1)
    bound = float(matrix.abs().max()) or 1.0
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    shown = ax.imshow(
        matrix.numpy(), cmap=cmap, vmin=-bound, vmax=bound, aspect="auto", interpolation="nearest"
    )
    ax.set_xlabel("input neuron (index)")
    ax.set_ylabel("output neuron (index)")
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, label="weight")
    return ax
