"""`weights=` for needl.vision.models: a path to a state_dict file, loaded with needl.load.

torchvision downloads pretrained weights from its hub; needl does not touch the network at
run time. Save torchvision's weights once (`torch.save(model.state_dict(), 'resnet18.pth')`)
or convert them to .npz, then pass the path: the keys are torchvision's.
"""
import os
from typing import Any, Optional, Union

from ...nn import Module

WeightsLike = Optional[Union[str, os.PathLike]]


def load_weights(model: Module, weights: WeightsLike, pretrained: Any = None) -> Module:
    """Load the state_dict stored at `weights` into `model` (strictly); return `model`."""
    if pretrained:
        weights = weights or "pretrained=True"
    if weights is None:
        return model
    path = os.fspath(weights) if isinstance(weights, (str, os.PathLike)) else None
    if path is None or not os.path.isfile(path):
        raise ValueError(
            f"weights={weights!r}: needl.vision.models loads weights from a file and does not "
            f"download them. Save torchvision's once, e.g. torch.save(torchvision.models."
            f"{type(model).__name__.lower()}(weights='DEFAULT').state_dict(), 'weights.pth'), "
            f"and pass weights='weights.pth' (a .pth checkpoint or a needl .npz state_dict).")
    from ...serialization import load
    state = load(path)
    for key in ("state_dict", "model"):  # checkpoints that wrap the state_dict
        if isinstance(state, dict) and isinstance(state.get(key), dict) and len(state) <= 4:
            state = state[key]
            break
    model.load_state_dict(state)
    return model
