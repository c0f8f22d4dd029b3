"""needl.utils._pytree: flatten nested lists, tuples and dicts to leaves and back (torch.utils._pytree).

`tree_flatten(tree)` returns `(leaves, spec)`; `tree_unflatten(leaves, spec)` rebuilds the tree;
`tree_map(fn, tree)` applies fn to every leaf. Named tuples and OrderedDicts keep their types.
"""
from collections import OrderedDict
from typing import Any, Callable, List, Tuple


class TreeSpec:
    """The shape of a tree: its container type, the keys (for dicts) and the children's specs."""
    __slots__ = ("kind", "context", "children")

    def __init__(self, kind, context=None, children=()):
        self.kind, self.context, self.children = kind, context, list(children)

    @property
    def num_leaves(self) -> int:
        return 1 if self.kind is None else sum(child.num_leaves for child in self.children)

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        return f"TreeSpec({self.kind.__name__}, {self.context}, {self.children})"

    def __eq__(self, other) -> bool:
        return (isinstance(other, TreeSpec) and self.kind is other.kind and self.context == other.context
                and self.children == other.children)


LEAF = TreeSpec(None)


def _is_namedtuple(value) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def tree_flatten(tree: Any) -> Tuple[List[Any], TreeSpec]:
    leaves: List[Any] = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    if isinstance(tree, (list, tuple)):
        kind = type(tree) if (_is_namedtuple(tree) or type(tree) in (list, tuple)) else None
        if kind is not None:
            return TreeSpec(kind, None, [_flatten(item, leaves) for item in tree])
    if type(tree) in (dict, OrderedDict):
        keys = list(tree.keys())
        return TreeSpec(type(tree), keys, [_flatten(tree[key], leaves) for key in keys])
    leaves.append(tree)
    return LEAF


def tree_unflatten(leaves: List[Any], spec: TreeSpec) -> Any:
    leaves = list(leaves)
    if len(leaves) != spec.num_leaves:
        raise ValueError(f"tree_unflatten: the spec has {spec.num_leaves} leaves, got {len(leaves)}")
    iterator = iter(leaves)
    return _unflatten(iterator, spec)


def _unflatten(leaves, spec):
    if spec.kind is None:
        return next(leaves)
    children = [_unflatten(leaves, child) for child in spec.children]
    if spec.kind in (dict, OrderedDict):
        return spec.kind(zip(spec.context, children))
    if spec.kind in (list, tuple):
        return spec.kind(children)
    return spec.kind(*children)  # a named tuple


def tree_leaves(tree: Any) -> List[Any]:
    return tree_flatten(tree)[0]


def tree_map(function: Callable, tree: Any) -> Any:
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([function(leaf) for leaf in leaves], spec)


def tree_structure(tree: Any) -> TreeSpec:
    return tree_flatten(tree)[1]
