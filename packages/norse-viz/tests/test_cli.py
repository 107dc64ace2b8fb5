import json
import subprocess
import sys

import numpy as np
import torch
from PIL import Image
from viz_pictures import inked_fraction

from norse.cli import main


def _picture(path):
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_viz_neuron_lif_writes_a_real_picture(tmp_path, capsys):
    output = tmp_path / "lif.png"
    assert main(["viz", "neuron", "lif", "--output", str(output)]) == 0
    pixels = _picture(output)
    assert pixels.shape[0] >= 300 and pixels.shape[1] >= 400
    assert inked_fraction(pixels) > 0.03
    assert f"wrote {output}" in capsys.readouterr().out


def test_viz_neuron_of_a_plugin_neuron(tmp_path, qif):
    output = tmp_path / "qif.png"
    assert main(["viz", "neuron", qif, "--output", str(output), "--steps", "150"]) == 0
    assert inked_fraction(_picture(output)) > 0.03


def test_viz_raster_of_a_saved_tensor(tmp_path):
    spikes = (torch.rand(100, 2, 30) < 0.3).float()
    torch.save(spikes, tmp_path / "spikes.pt")
    output = tmp_path / "raster.png"
    assert (
        main(["viz", "raster", str(tmp_path / "spikes.pt"), "-o", str(output), "--batch", "1"]) == 0
    )
    assert inked_fraction(_picture(output)) > 0.05


def test_viz_metrics_of_a_run_directory(tmp_path):
    rows = [{"epoch": e, "train_loss": 1 / e, "val_accuracy": e / 5} for e in range(1, 4)]
    (tmp_path / "metrics.jsonl").write_text("\n".join(map(json.dumps, rows)))
    output = tmp_path / "metrics.png"
    assert main(["viz", "metrics", str(tmp_path), "-o", str(output)]) == 0
    assert inked_fraction(_picture(output)) > 0.03


def test_viz_animate_writes_a_gif(tmp_path):
    torch.save(torch.rand(4, 6, 6), tmp_path / "frames.pt")
    output = tmp_path / "frames.gif"
    assert main(["viz", "animate", str(tmp_path / "frames.pt"), "-o", str(output)]) == 0
    with Image.open(output) as gif:
        assert gif.n_frames == 4


def test_viz_list_and_errors(tmp_path, capsys):
    assert main(["viz", "list"]) == 0
    out = capsys.readouterr().out
    assert "raster" in out and "metrics" in out and "lif" in out
    assert main(["viz", "neuron", "nope", "-o", str(tmp_path / "x.png")]) == 1
    assert "nope" in capsys.readouterr().err
    assert main(["viz", "raster", str(tmp_path / "missing.pt"), "-o", str(tmp_path / "x.png")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["viz"]) == 2


def test_registering_the_plugin_imports_no_matplotlib():
    code = (
        "import sys, norse.plugins; norse.plugins.plots(); norse.plugins.commands(); "
        "import norse.cli; norse.cli.build_parser(); "
        "print(sorted(norse.plugins.plots())[:2], 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['animation', 'firing_rates'] False"
