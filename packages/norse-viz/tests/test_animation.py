import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from norse_viz import animate


def test_animate_writes_one_gif_frame_per_time_step(tmp_path):
    frames = torch.zeros(6, 2, 5, 5)
    for t in range(6):
        frames[t, :, t % 5, t % 5] = 1.0
    path = animate(frames, tmp_path / "activity.gif", fps=5)
    with Image.open(path) as gif:
        assert gif.n_frames == 6
        first = np.asarray(gif.convert("RGB"))
        gif.seek(3)
        fourth = np.asarray(gif.convert("RGB"))
    assert first.shape[0] >= 300 and first.shape[1] >= 300
    assert (first != fourth).any()


def test_mp4_needs_ffmpeg(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="needs ffmpeg on PATH"):
        animate(torch.zeros(2, 3, 3), tmp_path / "a.mp4")


def test_animate_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.gif or \.mp4"):
        animate(torch.zeros(2, 3, 3), tmp_path / "a.png")
    with pytest.raises(ValueError, match=r"got \(2, 3\)"):
        animate(torch.zeros(2, 3), tmp_path / "a.gif")
