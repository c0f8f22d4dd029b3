"""default_collate and default_convert: PyTorch's rules for turning samples into batches.

default_collate stacks a list of samples: Tensors and NumPy arrays into one Tensor (dtype kept),
NumPy scalars into a Tensor of their dtype, Python floats into float64, ints into int64 and bools
into bool (as torch.tensor does), strings and bytes into a list; mappings, named tuples and
sequences are collated field by field (a tuple of fields becomes a list, as in PyTorch).
default_convert (used when batch_size=None) turns NumPy arrays and scalars into Tensors inside
the same structures and leaves everything else alone.
"""
import collections.abc
import copy
from typing import Any, Callable, List

import numpy as np

from ...autograd import dtypes
from ...autograd.tensor import Tensor

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
          "found {}")
_UNCONVERTIBLE_KINDS = "SUOV"  # bytes, str, object and structured arrays have no Tensor


def default_collate(batch: List[Any]) -> Any:
    """Stack a list of samples into a batch with PyTorch's rules (see the module docstring).

    Example: `default_collate([(np.zeros(3), 1), (np.ones(3), 0)])` is
    `[tensor of shape (2, 3), tensor([1, 0])]`.
    """
    if len(batch) == 0:
        raise ValueError("default_collate got an empty batch")
    first = batch[0]
    if isinstance(first, Tensor):
        return _stack_tensors(batch)
    if isinstance(first, np.ndarray):
        if first.dtype.kind in _UNCONVERTIBLE_KINDS:
            raise TypeError(_ERROR.format(first.dtype))
        return Tensor._make(_stack([np.asarray(sample) for sample in batch]))
    if isinstance(first, np.generic) and not isinstance(first, (np.str_, np.bytes_)):
        if first.dtype.kind in _UNCONVERTIBLE_KINDS:
            raise TypeError(_ERROR.format(first.dtype))
        return Tensor._make(np.array(batch))
    if isinstance(first, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(first, int):  # bools too: torch.tensor gives bool, int64, or floats if mixed
        return Tensor._make(_python_numbers(batch))
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, collections.abc.Mapping):
        return _map_mapping(first, lambda key: default_collate([sample[key] for sample in batch]))
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(list(fields)) for fields in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        size = len(first)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError(f"each element in list of batch should be of equal size, got sizes "
                               f"{sorted({len(sample) for sample in batch})}")
        fields = [default_collate(list(samples)) for samples in zip(*batch)]
        return fields if isinstance(first, tuple) else _same_sequence_type(first, fields)
    raise TypeError(_ERROR.format(type(first)))


def default_convert(data: Any) -> Any:
    """NumPy arrays and scalars to Tensors, inside mappings, named tuples and sequences (a tuple
    becomes a list, as in PyTorch); Tensors, numbers, strings and arrays of strings unchanged."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        if data.dtype.kind in _UNCONVERTIBLE_KINDS:
            return data
        return Tensor._make(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _map_mapping(data, lambda key: default_convert(data[key]))
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(item) for item in data))
    if isinstance(data, tuple):
        return [default_convert(item) for item in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_sequence_type(data, [default_convert(item) for item in data])
    return data


def _stack(arrays: List[np.ndarray]) -> np.ndarray:
    try:
        return np.stack(arrays)
    except ValueError:
        shapes = [array.shape for array in arrays]
        entry = next(i for i, shape in enumerate(shapes) if shape != shapes[0])
        raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                           f"{list(shapes[0])} at entry 0 and {list(shapes[entry])} at entry "
                           f"{entry}") from None


def _stack_tensors(batch: List[Tensor]) -> Tensor:
    if any(sample.requires_grad for sample in batch):  # recorded, as torch.stack would be
        from ...autograd.ops.shape import stack
        return stack(*batch)
    return Tensor._make(_stack([sample._data for sample in batch]))


def _python_numbers(batch: List[Any]) -> np.ndarray:
    values = np.array(batch)
    if values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False)
    if values.dtype.kind == "f":
        return values.astype(dtypes.get_default_dtype(), copy=False)
    return values


def _map_mapping(mapping: collections.abc.Mapping, value_of: Callable[[Any], Any]):
    """A mapping of the same type with `value_of(key)` for each key (a dict if that type cannot be
    built from one)."""
    values = {key: value_of(key) for key in mapping}
    try:
        if isinstance(mapping, collections.abc.MutableMapping):
            clone = copy.copy(mapping)
            clone.update(values)
            return clone
        return type(mapping)(values)
    except TypeError:
        return values


def _same_sequence_type(sequence: collections.abc.Sequence, items: list):
    """`items` in a sequence of `sequence`'s type (a list if that type cannot be built so)."""
    if type(sequence) is list:
        return items
    try:
        if isinstance(sequence, collections.abc.MutableSequence):
            clone = copy.copy(sequence)
            for index, item in enumerate(items):
                clone[index] = item
            return clone
        return type(sequence)(items)
    except TypeError:
        return items
