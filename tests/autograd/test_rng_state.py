"""The generator's state as a uint8 tensor: get_rng_state/set_rng_state and Generator.get_state/
set_state restore the exact draws; initial_seed, needl.random and fork_rng, cuda's CPU-only answers."""
import numpy as np
import pytest

import needl


def test_global_state_round_trip_replays_every_kind_of_draw():
    needl.manual_seed(5)
    needl.rand(3)
    state = needl.get_rng_state()
    assert state.dtype == needl.uint8 and state.shape == (37,)
    first = [needl.rand(4), needl.randn(3, dtype=needl.float64), needl.randint(0, 9, (5,)), needl.randperm(6)]
    needl.set_rng_state(state)
    again = [needl.rand(4), needl.randn(3, dtype=needl.float64), needl.randint(0, 9, (5,)), needl.randperm(6)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_state_keeps_numpys_buffered_uint32():
    generator = needl.Generator().manual_seed(1)
    generator.numpy_generator.integers(0, 2 ** 31, dtype=np.uint32)  # leaves half a 64-bit word buffered
    state = generator.get_state()
    draw = generator.numpy_generator.integers(0, 2 ** 31, 4, dtype=np.uint32)
    generator.set_state(state)
    np.testing.assert_array_equal(generator.numpy_generator.integers(0, 2 ** 31, 4, dtype=np.uint32), draw)


def test_generator_state_is_a_tensor_and_independent_of_the_global_one():
    generator = needl.Generator().manual_seed(3)
    assert generator.initial_seed() == 3
    state = generator.get_state()
    draw = needl.randn(5, generator=generator)
    needl.rand(10)  # the global generator moves; the own one does not
    generator.set_state(state)
    np.testing.assert_array_equal(needl.randn(5, generator=generator).numpy(), draw.numpy())
    assert generator.set_state(state.clone()) is generator


def test_set_rng_state_refuses_other_tensors_before_changing_anything():
    needl.manual_seed(0)
    state = needl.get_rng_state()
    for bad in (needl.zeros(37), needl.zeros(36, dtype=needl.uint8), state.numpy()):
        with pytest.raises(RuntimeError, match="uint8 tensor of 37 bytes"):
            needl.set_rng_state(bad)
    np.testing.assert_array_equal(needl.get_rng_state().numpy(), state.numpy())


def test_initial_seed_and_the_random_module():
    needl.manual_seed(123)
    assert needl.initial_seed() == 123 == needl.random.initial_seed()
    chosen = needl.random.seed()
    assert needl.initial_seed() == chosen
    assert needl.random.get_rng_state is needl.get_rng_state and needl.random.manual_seed is needl.manual_seed


def test_fork_rng_restores_the_generator():
    needl.manual_seed(9)
    expected = needl.rand(3)
    needl.manual_seed(9)
    with needl.random.fork_rng():
        needl.manual_seed(1)
        needl.rand(100)
    np.testing.assert_array_equal(needl.rand(3).numpy(), expected.numpy())
    assert needl.initial_seed() == 9
    with needl.random.fork_rng(enabled=False):
        needl.rand(1)


def test_cuda_rng_state_as_a_cpu_only_pytorch():
    assert needl.cuda.get_rng_state_all() == []
    needl.cuda.set_rng_state_all([])
    for call in (needl.cuda.get_rng_state, needl.cuda.initial_seed, lambda: needl.cuda.set_rng_state_all([1])):
        with pytest.raises(RuntimeError, match="CPU only"):
            call()


def test_parity_with_pytorch_types():
    torch = pytest.importorskip("torch")
    assert needl.get_rng_state().dtype.name == str(torch.get_rng_state().dtype).split(".")[1]
    assert isinstance(needl.initial_seed(), int) and isinstance(torch.initial_seed(), int)
