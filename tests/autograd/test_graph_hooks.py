"""saved_tensors_hooks: what the tape saves goes through pack/unpack; nothing changes without them."""
import numpy as np
import pytest

import needl
from needl.autograd.graph import disable_saved_tensors_hooks, save_on_cpu, saved_tensors_hooks


def test_pack_and_unpack_see_only_what_the_vjps_read():
    packed, unpacked = [], []

    def pack(tensor):
        packed.append(tensor.shape)
        return tensor.numpy().copy()

    def unpack(array):
        unpacked.append(array.shape)
        return needl.tensor(array)

    x = needl.randn(3, 2, dtype=needl.float64, requires_grad=True)
    with saved_tensors_hooks(pack, unpack):
        y = ((x + 1) * x).tanh()   # add saves nothing; mul both inputs; tanh its output
    assert len(packed) == 3
    y.backward(needl.ones_like(y))
    assert len(unpacked) == 3
    value = x.detach().numpy()
    inner = (value + 1) * value
    np.testing.assert_allclose(x.grad.numpy(), (1 - np.tanh(inner) ** 2) * (2 * value + 1))


def test_compressing_hooks_change_the_gradient_and_blocks_nest():
    x = needl.tensor([0.1234567], dtype=needl.float64, requires_grad=True)
    with saved_tensors_hooks(lambda t: t.numpy().astype(np.float16),
                             lambda a: needl.tensor(a.astype(np.float64))):
        with save_on_cpu():
            exact = (x * x).sum()
        rounded = (x * x).sum()
    exact.backward()
    exact_grad = x.grad.numpy().copy()
    x.grad = None
    rounded.backward()
    assert exact_grad[0] == pytest.approx(2 * 0.1234567)
    assert x.grad.numpy()[0] != exact_grad[0]


def test_disable_saved_tensors_hooks_refuses_new_hooks():
    with disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
