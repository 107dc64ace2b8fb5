"""Animations of 2-D activity over time, written to GIF (pillow) or MP4 (ffmpeg)."""

from __future__ import annotations

import shutil
from pathlib import Path

from torch import Tensor

from norse_viz.activity import mosaic

__all__ = ["animate"]


def animate(
    activity: Tensor,
    path: str | Path,
    fps: int = 10,
    dt: float = 1e-3,
    cmap: str = "viridis",
    batch: int = 0,
) -> Path:
    """Write one frame per time step of 2-D activity to a GIF or MP4 file.

    Accepted shapes: ``(T, H, W)``, ``(T, C, H, W)`` (channels tiled, :func:`mosaic`) and
    ``(T, B, C, H, W)`` (batch entry ``batch``). The colour scale is fixed over all frames;
    each frame's title gives its time in ms.

    Args:
        activity: time-major activity (spikes, voltages, ...).
        path: the output file; ``.gif`` uses pillow, ``.mp4`` needs ``ffmpeg`` on PATH.
        fps: frames per second of the file.
        dt: seconds per time step (for the titles).
        cmap: the colour map.
        batch: which batch entry of a 5-D input.

    Returns:
        The path written.

    Raises:
        ValueError: for another suffix, shape, batch index or non-positive fps.
        RuntimeError: for ``.mp4`` when ``ffmpeg`` is not found (write a ``.gif`` instead).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"path must end in .gif or .mp4, got {str(path)!r}")
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise RuntimeError(f"writing {path} needs ffmpeg on PATH, which is missing; use .gif")
    if fps < 1:
        raise ValueError(f"fps must be at least 1, got {fps}")
    if not isinstance(activity, Tensor):
        raise TypeError(f"activity must be a torch.Tensor, got {type(activity).__name__}")
    frames = activity.detach().cpu().double()
    if frames.dim() == 5:
        if not 0 <= batch < frames.shape[1]:
            raise ValueError(f"batch must be in [0, {frames.shape[1]}), got {batch}")
        frames = frames[:, batch]
    if frames.dim() == 4:
        frames = [mosaic(frame) for frame in frames]
    elif frames.dim() == 3:
        frames = list(frames)
    else:
        raise ValueError(
            "activity must have shape (T, H, W), (T, C, H, W) or (T, B, C, H, W), "
            f"got {tuple(activity.shape)}"
        )
    import matplotlib.pyplot as plt
    from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter

    low = min(float(f.nan_to_num(float("inf")).min()) for f in frames)
    high = max(float(f.nan_to_num(float("-inf")).max()) for f in frames)
    fig, ax = plt.subplots(figsize=(4, 4))
    image = ax.imshow(frames[0].numpy(), cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    ax.set_xlabel("x (pixel)")
    ax.set_ylabel("y (pixel)")
    fig.colorbar(image, ax=ax)

    def draw(t: int):
        image.set_data(frames[t].numpy())
        ax.set_title(f"t = {(t + 1) * dt * 1e3:g} ms")
        return (image,)

    movie = FuncAnimation(fig, draw, frames=len(frames), blit=False)
    writer = PillowWriter(fps=fps) if suffix == ".gif" else FFMpegWriter(fps=fps)
    try:
        movie.save(str(path), writer=writer)
    finally:
        plt.close(fig)
    return path
