"""`weights=` for needl.vision.models: a path to a state_dict file, loaded with needl.load.

torchvision downloads pretrained weights from its hub; needl does not touch the network at
run time. Convert torchvision's weights once (a needl .npz of the state_dict's arrays, or a
.pth where needl.load reads PyTorch checkpoints) and pass the path: the keys are torchvision's.
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
            f"download them. Convert torchvision's once: needl.save({{key: value.numpy() for "
            f"key, value in torchvision.models.{name}(weights='DEFAULT').state_dict().items()}}, "
            f"'{name}.npz'), then pass weights='{name}.npz' (any file needl.load reads).")
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
