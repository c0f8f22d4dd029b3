"""v2's containers: they pass all the inputs of a sample on to their transforms."""
from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np

from ....autograd import random
from ._transform import flatten


class _Container:
    def __init__(self, transforms: Sequence[Callable]):
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        if not transforms:
            raise ValueError("Pass at least one transform")
        self.transforms = list(transforms)

    @staticmethod
    def _run(transforms, inputs: Tuple[Any, ...]) -> Any:
        """Apply `transforms` in turn; several inputs stay unpacked between them."""
        unpack = len(inputs) > 1
        for transform in transforms:
            outputs = transform(*inputs)
            inputs = outputs if unpack else (outputs,)
        return inputs if unpack else inputs[0]

    def __repr__(self) -> str:
        body = "".join(f"\n    {transform}" for transform in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class Compose(_Container):
    """Apply `transforms` one after the other."""

    def __call__(self, *inputs: Any) -> Any:
        return self._run(self.transforms, inputs)


class RandomApply(_Container):
    """Apply all of `transforms` with probability p, else none."""

    def __init__(self, transforms: Sequence[Callable], p: float = 0.5):
        super().__init__(transforms)
        if not 0.0 <= p <= 1.0:
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        self.p = p

    def __call__(self, *inputs: Any) -> Any:
        if random.generator().random() >= self.p:
            return inputs if len(inputs) > 1 else inputs[0]
        return self._run(self.transforms, inputs)


class RandomChoice(_Container):
    """Apply one of `transforms`, chosen with probabilities `p` (default: equal)."""

    def __init__(self, transforms: Sequence[Callable], p: Optional[Sequence[float]] = None):
        super().__init__(transforms)
        if p is None:
            p = [1.0] * len(self.transforms)
        elif len(p) != len(self.transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != "
                             f"{len(self.transforms)}")
        total = float(sum(p))
        self.p = [value / total for value in p]

    def __call__(self, *inputs: Any) -> Any:
        index = int(random.generator().choice(len(self.transforms), p=np.asarray(self.p)))
        return self.transforms[index](*inputs)


class RandomOrder(_Container):
    """Apply `transforms` in a random order."""

    def __call__(self, *inputs: Any) -> Any:
        order = random.generator().permutation(len(self.transforms))
        return self._run([self.transforms[int(index)] for index in order], inputs)


class Lambda:
    """Apply `lambd` to every input of the given `types` (all inputs by default)."""

    def __init__(self, lambd: Callable, *types: type):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd, self.types = lambd, types or (object,)

    def __call__(self, *inputs: Any) -> Any:
        sample = inputs if len(inputs) > 1 else inputs[0]
        leaves, rebuild = flatten(sample)
        return rebuild([self.lambd(leaf) if isinstance(leaf, self.types) else leaf
                        for leaf in leaves])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({getattr(self.lambd, '__name__', self.lambd)})"
