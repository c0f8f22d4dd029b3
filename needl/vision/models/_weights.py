"""`weights=` for needl.vision.models: a path to a state_dict file, loaded with needl.load.

torchvision downloads pretrained weights from its hub; needl does not touch the network at
run time. Save torchvision's weights once (`torch.save(model.state_dict(), 'resnet18.pth')`;
needl.load reads PyTorch checkpoints without running pickle) and pass the path: the keys are
torchvision's.
"""
import os
from typing import Any, Callable, Optional, Union

from ...nn import Module

WeightsLike = Optional[Union[str, os.PathLike]]


def build(constructor: Callable[..., Module], name: str, weights: WeightsLike,
          **kwargs: Any) -> Module:
    """`constructor(**kwargs)`, with the state_dict at `weights` loaded strictly when given.
    A `weights` that is not a file (a torchvision enum name, pretrained=True) fails before the
    model is built."""
    if kwargs.pop("pretrained", None):
        weights = weights or "pretrained=True"
    if weights is not None and not (isinstance(weights, (str, os.PathLike))
                                    and os.path.isfile(weights)):
        raise ValueError(
            f"weights={weights!r}: needl.vision.models loads weights from a file and does not "
            f"download them. Save torchvision's once: torch.save(torchvision.models.{name}("
            f"weights='DEFAULT').state_dict(), '{name}.pth'), then pass weights='{name}.pth' "
            f"(any state_dict file needl.load reads: PyTorch's checkpoints, needl's .npz).")
    model = constructor(**kwargs)
    if weights is None:
        return model
    from ...serialization import load
    state = load(os.fspath(weights))
    for key in ("state_dict", "model"):  # checkpoints that wrap the state_dict
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            break
    model.load_state_dict(state)
    return model
