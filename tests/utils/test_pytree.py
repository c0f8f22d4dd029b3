"""torch.utils._pytree's flatten/unflatten on nested containers."""
from collections import OrderedDict, namedtuple

from needl.utils._pytree import tree_flatten, tree_map, tree_unflatten

Pair = namedtuple("Pair", "a b")


def test_round_trip_keeps_container_types():
    tree = {"x": [1, (2, 3)], "y": OrderedDict(z=Pair(4, [5])), "w": None}
    leaves, spec = tree_flatten(tree)
    assert leaves == [1, 2, 3, 4, 5, None]
    rebuilt = tree_unflatten([leaf * 10 if leaf else leaf for leaf in leaves], spec)
    assert rebuilt == {"x": [10, (20, 30)], "y": OrderedDict(z=Pair(40, [50])), "w": None}
    assert isinstance(rebuilt["y"]["z"], Pair)
    assert tree_map(str, [1, {"a": 2}]) == ["1", {"a": "2"}]
