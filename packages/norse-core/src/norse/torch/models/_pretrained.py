"""Local ImageNet weight files for :mod:`norse.torch.models` (never downloaded)."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

URLS = {
    "vgg11": "https://download.pytorch.org/models/vgg11-8a719046.pth",
    "vgg13": "https://download.pytorch.org/models/vgg13-19584684.pth",
    "vgg16": "https://download.pytorch.org/models/vgg16-397923af.pth",
    "vgg19": "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
    "vgg11_bn": "https://download.pytorch.org/models/vgg11_bn-6002323d.pth",
    "vgg13_bn": "https://download.pytorch.org/models/vgg13_bn-abd245e5.pth",
    "vgg16_bn": "https://download.pytorch.org/models/vgg16_bn-6c64b313.pth",
    "vgg19_bn": "https://download.pytorch.org/models/vgg19_bn-c79401a0.pth",
    "mobilenet_v2": "https://download.pytorch.org/models/mobilenet_v2-b0353104.pth",
}
"""The torchvision ImageNet weights each architecture loads (layer names match)."""


def weights_path(arch: str) -> Path:
    """Where ``arch``'s weights are looked for: ``$TORCH_HOME/hub/checkpoints/<file name>``
    (``torch.hub.get_dir()``), the file name being the last part of ``URLS[arch]``."""
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(URLS[arch])


def existing_weights(arch: str) -> Path:
    """:func:`weights_path` of ``arch``; raises ``FileNotFoundError`` if it is missing, giving
    the path and the command that fetches it (nothing is downloaded here)."""
    path = weights_path(arch)
    if not path.is_file():
        raise FileNotFoundError(
            f"{arch}(pretrained=True) needs the ImageNet weights file {path}, which does not "
            "exist, and Norse never downloads it. Fetch it once (about 100-550 MB) with\n"
            f"    python -c \"import torch; torch.hub.load_state_dict_from_url('{URLS[arch]}')\"\n"
            "or place the file there yourself (TORCH_HOME moves the directory)."
        )
    return path


def load_pretrained(model: nn.Module, arch: str) -> None:
    """Load the local ImageNet weights of ``arch`` into ``model`` (neuron buffers keep their
    values).

    Raises:
        FileNotFoundError: the file is missing (see :func:`existing_weights`).
        ValueError: the file does not hold ``arch``'s layers.
    """
    path = existing_weights(arch)
    state = torch.load(path, map_location="cpu", weights_only=True)
    missing, unexpected = model.load_state_dict(state, strict=False)
    buffers = {name for name, _ in model.named_buffers()}
    wrong = [k for k in missing if k not in buffers] + list(unexpected)
    if wrong:
        raise ValueError(f"{path} does not hold the layers of {arch}: mismatched keys {wrong[:5]}")
