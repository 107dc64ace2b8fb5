"""Ready-made spiking networks (Norse 1.x's ``norse.torch.models``), in plain PyTorch.

- :class:`ConvNet`, :class:`ConvNet4` (:mod:`.conv`): convolutional SNNs for 28x28 images.
- :class:`VGG`, :func:`vgg11` ... :func:`vgg19_bn` (:mod:`.vgg`): spiking VGG.
- :class:`MobileNetV2`, :func:`mobilenet_v2` (:mod:`.mobilenet`): spiking MobileNet V2.

All take time-major image sequences ``(T, B, C, H, W)``; the spiking layers are any registered
neuron model (``neuron="lif"`` by default) with any registered surrogate (``method``).
:func:`neuron_layer` builds such a layer and :func:`fitting_neurons` lists the models that fit.
``pretrained=True`` loads torchvision's ImageNet weights from a local file and never downloads.
"""

from norse.torch.models import conv, mobilenet, neurons, vgg
from norse.torch.models.conv import ConvNet, ConvNet4
from norse.torch.models.mobilenet import MobileNetV2, mobilenet_v2
from norse.torch.models.neurons import fitting_neurons, neuron_layer
from norse.torch.models.vgg import (
    VGG,
    vgg11,
    vgg11_bn,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg19,
    vgg19_bn,
)

__all__ = [
    "VGG",
    "ConvNet",
    "ConvNet4",
    "MobileNetV2",
    "conv",
    "fitting_neurons",
    "mobilenet",
    "mobilenet_v2",
    "neuron_layer",
    "neurons",
    "vgg",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
]
