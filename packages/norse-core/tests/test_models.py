import pytest
import torch

from norse.torch.models import (
    ConvNet,
    ConvNet4,
    MobileNetV2,
    fitting_neurons,
    mobilenet_v2,
    neuron_layer,
    vgg11,
)
from norse.torch.models._pretrained import weights_path
from norse.torch.models.vgg import CFGS, make_layers, run_over_time


def test_convnets_map_image_sequences_to_readout_voltages():
    torch.manual_seed(0)
    x = torch.rand(3, 2, 1, 28, 28)
    for model in (ConvNet(), ConvNet4(), ConvNet(neuron="lif_box", method="triangle")):
        out = model(x)
        assert out.shape == (3, 2, 10)
        out.sum().backward()
        assert model.conv1.weight.grad.abs().sum() > 0
    assert ConvNet4().lif0.p.v_th.item() == pytest.approx(0.7)
    # Norse 1.1.0's effective SuperSpike (it ignored its alpha=100): 1 / (|x| + 1)^2
    assert [float(layer.p.alpha) for layer in (ConvNet().lif0, ConvNet4().lif2)] == [1.0, 1.0]
    assert float(ConvNet(alpha=100.0).lif1.p.alpha) == 100.0
    assert sum(p.numel() for p in ConvNet().parameters()) == 431070  # as Norse 1.1's ConvNet
    assert sum(p.numel() for p in ConvNet4().parameters()) == 1111936


@pytest.mark.slow
def test_vgg_and_mobilenet_run_over_time():
    torch.manual_seed(0)
    x = torch.rand(2, 1, 3, 32, 32)
    features = make_layers(CFGS["A"], batch_norm=True)  # vgg11_bn's, as torchvision's
    assert len(features) == 29 and isinstance(features[27], torch.nn.Module)
    assert run_over_time(features, x).shape == (2, 1, 512, 1, 1)
    assert float(make_layers([4], alpha=2.0)[1].p.alpha) == 2.0
    model = mobilenet_v2(num_classes=7, width_mult=0.25)
    assert isinstance(model, MobileNetV2)
    assert model(x).shape == (2, 1, 7)
    with pytest.raises(ValueError, match=r"x must be \(T, B, C, H, W\)"):
        model(x[0])


def test_bad_neuron_and_surrogate_names_are_rejected():
    assert "lif" in fitting_neurons() and "li" not in fitting_neurons()
    with pytest.raises(ValueError, match="neuron must be a registered spiking neuron"):
        ConvNet(neuron="li")
    with pytest.raises(ValueError, match="method must be a registered surrogate"):
        neuron_layer("lif", "nope", sequence=True)


def test_pretrained_never_downloads_and_loads_a_local_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="never downloads") as error:
        vgg11(pretrained=True)
    assert "torch.hub.load_state_dict_from_url('https://download.pytorch.org" in str(error.value)
    assert str(weights_path("vgg11")) in str(error.value)
    source = mobilenet_v2(num_classes=5, width_mult=0.25)
    path = weights_path("mobilenet_v2")
    path.parent.mkdir(parents=True)
    torch.save(source.state_dict(), path)
    loaded = mobilenet_v2(pretrained=True, num_classes=5, width_mult=0.25)
    for key, value in source.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    torch.save({"features.0.0.weight": torch.zeros(1)}, path)
    with pytest.raises((ValueError, RuntimeError)):
        mobilenet_v2(pretrained=True, num_classes=5, width_mult=0.25)
