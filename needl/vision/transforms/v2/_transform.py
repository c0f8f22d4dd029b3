"""torchvision.transforms.v2's calling convention: a transform takes one sample or several
inputs (nested tuples, lists and dicts of images, labels, anything), transforms the images in
it and passes the rest through.

Which leaves are images (torchvision's heuristic): every PIL image and every Tensor image, a
Tensor that ToImage made (or a v2 transform made from an image: torchvision's tv_tensors.Image,
remembered here by identity); when there is none, the first Tensor met depth-first (a label
Tensor after it is passed through). NumPy arrays are passed through except by the
conversions (ToImage...). All the images of one sample get the same random draws: each is
transformed from the same state of needl's generator.
"""
import weakref
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np

from ....autograd import random
from ....autograd.tensor import Tensor
from ... import pillow


# the Tensors that are images (torchvision's tv_tensors.Image), by id; weak, so they can go
_IMAGES: "weakref.WeakValueDictionary[int, Tensor]" = weakref.WeakValueDictionary()


def mark_image(value: Any) -> Any:
    """Remember the Tensors in `value` (a Tensor or a tuple of them) as images; returns it."""
    for item in value if isinstance(value, (tuple, list)) else (value,):
        if isinstance(item, Tensor):
            _IMAGES[id(item)] = item
    return value


def is_image(value: Any) -> bool:
    """A PIL image, or a Tensor marked as an image."""
    return pillow.is_pil_image(value) or (isinstance(value, Tensor) and
                                          _IMAGES.get(id(value)) is value)


def flatten(tree: Any) -> Tuple[List[Any], Callable[[List[Any]], Any]]:
    """The leaves of nested tuples, lists and dicts, and the function rebuilding the tree."""
    if isinstance(tree, (list, tuple, dict)):
        items = list(tree.values()) if isinstance(tree, dict) else list(tree)
        flat = [flatten(item) for item in items]
        sizes = [len(leaves) for leaves, _ in flat]
        leaves = [leaf for part, _ in flat for leaf in part]

        def rebuild(new_leaves: List[Any]) -> Any:
            parts, start = [], 0
            for (_, rebuild_part), size in zip(flat, sizes):
                parts.append(rebuild_part(new_leaves[start:start + size]))
                start += size
            if isinstance(tree, dict):
                return type(tree)(zip(tree.keys(), parts))
            if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # a named tuple
                return type(tree)(*parts)
            return type(tree)(parts)
        return leaves, rebuild
    return [tree], lambda new_leaves: new_leaves[0]


class Transform:
    """The base of the v2 transforms: `__call__(*inputs)` finds the images, draws
    `make_params(images)` once and calls `transform(image, params)` on each. A custom
    transform overrides those two, as in torchvision; needl's own override `_transform_image`."""

    #: also transform NumPy arrays (the conversions do)
    _arrays: bool = False
    #: also transform PIL images
    _pil: bool = True
    #: what it makes from an image is an image (not so for ToPureTensor)
    _keeps_images: bool = True

    def make_params(self, flat_inputs: List[Any]) -> Dict[str, Any]:
        """The random parameters shared by the images of one sample (older torchvision
        spelled it _get_params)."""
        legacy = getattr(self, "_get_params", None)
        return legacy(flat_inputs) if legacy is not None else {}

    def transform(self, inpt: Any, params: Dict[str, Any]) -> Any:
        """One image transformed (older torchvision spelled it _transform)."""
        legacy = getattr(self, "_transform", None)
        return legacy(inpt, params) if legacy is not None else self._transform_image(inpt)

    def _transform_image(self, image: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} should override transform(inpt, "
                                  f"params)")

    def _image_indices(self, leaves: Sequence[Any]) -> List[int]:
        explicit = any(is_image(leaf) for leaf in leaves)
        indices, tensor_taken = [], explicit
        for index, leaf in enumerate(leaves):
            if is_image(leaf):
                if self._pil or isinstance(leaf, Tensor):
                    indices.append(index)
            elif isinstance(leaf, np.ndarray) and self._arrays:
                indices.append(index)
            elif isinstance(leaf, Tensor) and not tensor_taken:
                indices.append(index)
                tensor_taken = True
        return indices

    def __call__(self, *inputs: Any) -> Any:
        return self.forward(*inputs)

    def forward(self, *inputs: Any) -> Any:
        sample = inputs if len(inputs) > 1 else inputs[0]
        leaves, rebuild = flatten(sample)
        indices = self._image_indices(leaves)
        if not indices:
            return sample
        params = self.make_params([leaves[index] for index in indices])
        generator = random.generator()
        state = generator.bit_generator.state
        outputs = list(leaves)
        for count, index in enumerate(indices):
            if count:
                generator.bit_generator.state = state  # the same draws for every image
            outputs[index] = self.transform(leaves[index], params)
            if self._keeps_images and is_image(leaves[index]):
                mark_image(outputs[index])
        return rebuild(outputs)


def v2_class(v1_class: type, module: str, arrays: bool = False, pil: bool = True) -> type:
    """`v1_class` with v2's calling convention (same name, arguments and behaviour per image)."""
    def _transform_image(self, image):
        return v1_class.__call__(self, image)
    return type(v1_class.__name__, (Transform, v1_class),
                {"_transform_image": _transform_image, "__call__": Transform.__call__,
                 "_arrays": arrays, "_pil": pil, "__module__": module,
                 "__doc__": v1_class.__doc__, "__qualname__": v1_class.__name__})
