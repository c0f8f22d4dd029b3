"""Tensor.untyped_storage()/storage() (views of the memory, never copies) and resize_."""
import numpy as np
import pytest

import needl


def test_storages_see_the_memory_tensors_share():
    base = needl.arange(12, dtype=needl.float32)
    view = base.view(3, 4)[1:, ::2]
    assert view.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    assert base.untyped_storage().nbytes() == 48 and len(base.untyped_storage()) == 48
    assert base.clone().untyped_storage().data_ptr() != base.untyped_storage().data_ptr()
    typed = view.storage()
    assert typed.size() == 12 and typed.dtype == np.float32 and typed.element_size() == 4
    assert typed[5] == 5.0 and typed.tolist() == list(range(12))
    base[5] = 50.0
    assert typed[5] == 50.0  # a view of the memory, not a copy
    assert isinstance(needl.UntypedStorage, type) and isinstance(typed.untyped(), needl.UntypedStorage)


def test_resize_shrinks_to_a_prefix_view_and_grows_with_the_old_values_first():
    t = needl.arange(6, dtype=needl.float32)
    memory = t.untyped_storage().data_ptr()
    assert t.resize_(2, 2) is t and t.shape == (2, 2)
    np.testing.assert_array_equal(t.numpy(), [[0, 1], [2, 3]])
    assert t.untyped_storage().data_ptr() == memory
    t.resize_((3, 3))
    assert t.shape == (3, 3) and t.dtype == needl.float32
    np.testing.assert_array_equal(t.numpy().reshape(-1)[:4], [0, 1, 2, 3])
    t.resize_as_(needl.zeros(0))
    assert t.shape == (0,)


def test_resize_counts_as_an_in_place_write_and_refuses_what_pytorch_refuses():
    t = needl.ones(4)
    before = t._version
    t.resize_(2)
    assert t._version == before + 1
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        needl.ones(3, requires_grad=True).resize_(2)
    with pytest.raises(RuntimeError, match="negative dimension"):
        needl.ones(3).resize_(-1)


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    for sizes in [(2, 2), (3, 3), (6,), (0,)]:
        mine, theirs = needl.arange(6.0), torch.arange(6.0)
        mine.resize_(*sizes)
        theirs.resize_(*sizes)
        kept = min(6, int(np.prod(sizes)))
        assert tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(mine.numpy().reshape(-1)[:kept], theirs.numpy().reshape(-1)[:kept])


def test_shared_tensors_keep_their_size_and_say_they_are_shared():
    t = needl.arange(6.0).share_memory_()
    assert t.is_shared() and t.untyped_storage().is_shared()
    t.resize_(2)  # shrinking stays in the shared memory
    assert t.is_shared()
    with pytest.raises(RuntimeError, match="not resizable"):
        t.resize_(10)
    assert not needl.ones(2).untyped_storage().is_shared()
