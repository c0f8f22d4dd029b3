"""torchvision.models' counterpart: classification networks with torchvision's module structure
and state_dict keys, so torchvision's weight files load into them (`weights=` takes a path)."""
from .alexnet import AlexNet, alexnet
from .mobilenetv2 import MobileNetV2, mobilenet_v2
from .resnet import ResNet, resnet18, resnet34, resnet50, resnet101, resnet152
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn

__all__ = ["AlexNet", "alexnet", "MobileNetV2", "mobilenet_v2", "ResNet", "resnet18",
           "resnet34", "resnet50", "resnet101", "resnet152", "VGG", "vgg11", "vgg11_bn", "vgg13",
           "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]
