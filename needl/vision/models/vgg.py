"""VGG (Simonyan and Zisserman 2014) with torchvision's module structure and state_dict keys."""
from typing import Any, Dict, List, Union

from ... import nn
from ...autograd.tensor import Tensor
from ._weights import WeightsLike, build

__all__ = ["VGG", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
           "vgg19_bn"]

# output channels of each 3x3 convolution; "M" is a 2x2 max pooling
cfgs: Dict[str, List[Union[str, int]]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512,
          512, 512, "M"],
}


class VGG(nn.Module):
    """`features` (convolutions), a 7x7 adaptive average pool and a three-layer classifier."""

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            for module in self.modules():
                if isinstance(module, nn.Conv2d):
                    nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                    if module.bias is not None:
                        nn.init.constant_(module.bias, 0)
                elif isinstance(module, nn.BatchNorm2d):
                    nn.init.constant_(module.weight, 1)
                    nn.init.constant_(module.bias, 0)
                elif isinstance(module, nn.Linear):
                    nn.init.normal_(module.weight, 0, 0.01)
                    nn.init.constant_(module.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


def make_layers(cfg: List[Union[str, int]], batch_norm: bool = False) -> nn.Sequential:
    layers: List[nn.Module] = []
    in_channels = 3
    for value in cfg:
        if value == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, value, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(value))
        layers.append(nn.ReLU(inplace=True))
        in_channels = value
    return nn.Sequential(*layers)


def _vgg(name: str, cfg: str, batch_norm: bool, weights: WeightsLike, **kwargs: Any) -> VGG:
    if weights is not None:
        kwargs["init_weights"] = False  # overwritten by the weights anyway
    return build(lambda **options: VGG(make_layers(cfgs[cfg], batch_norm), **options), name,
                 weights, **kwargs)


def vgg11(*, weights: WeightsLike = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-11 (configuration "A", 133 M parameters)."""
    return _vgg("vgg11", "A", False, weights, **kwargs)


def vgg11_bn(*, weights: WeightsLike = None, progress: bool = True, **kwargs: Any) -> VGG:
    return _vgg("vgg11_bn", "A", True, weights, **kwargs)


def vgg13(*, weights: WeightsLike = None, progress: bool = True, **kwargs: Any) -> VGG:
    return _vgg("vgg13", "B", False, weights, **kwargs)


def vgg13_bn(*, weights: WeightsLike = None, progress: bool = True, **kwargs: Any) -> VGG:
    return _vgg("vgg13_bn", "B", True, weights, **kwargs)


def vgg16(*, weights: WeightsLike = None, progress: bool = True, **kwargs: Any) -> VGG:
    """VGG-16 (configuration "D", 138 M parameters)."""
    return _vgg("vgg16", "D", False, weights, **kwargs)


def vgg16_bn(*, weights: WeightsLike = None, progress: bool = True, **kwargs: Any) -> VGG:
    return _vgg("vgg16_bn", "D", True, weights, **kwargs)


def vgg19(*, weights: WeightsLike = None, progress: bool = True, **kwargs: Any) -> VGG:
    return _vgg("vgg19", "E", False, weights, **kwargs)


def vgg19_bn(*, weights: WeightsLike = None, progress: bool = True, **kwargs: Any) -> VGG:
    return _vgg("vgg19_bn", "E", True, weights, **kwargs)
