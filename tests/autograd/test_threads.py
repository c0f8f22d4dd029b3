"""Grad mode is per thread: no_grad or a backward in one thread never changes another's recording."""
import threading

import numpy as np

import needl
import needl.nn as nn


def run_in_thread(function):
    result = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join()
    return result[0]


def test_no_grad_in_one_thread_leaves_another_recording():
    with needl.no_grad():
        assert not needl.is_grad_enabled()
        assert run_in_thread(needl.is_grad_enabled)
        x = needl.ones(2, requires_grad=True)
        assert run_in_thread(lambda: (x * 2).requires_grad)
    assert needl.is_grad_enabled()


def test_interleaved_no_grad_blocks_restore_each_thread():
    entered, release = threading.Event(), threading.Event()

    def other():
        with needl.no_grad():
            entered.set()
            release.wait(5)
        return needl.is_grad_enabled()

    thread_result = []
    thread = threading.Thread(target=lambda: thread_result.append(other()))
    thread.start()
    entered.wait(5)
    with needl.no_grad():
        release.set()
        thread.join()
    assert needl.is_grad_enabled() and thread_result == [True]


def train(seed, steps, barrier):
    """A small regression trained in a thread; returns its final loss and a reference run's."""
    needl.manual_seed(seed)
    rng = np.random.default_rng(seed)
    data = needl.tensor(rng.standard_normal((64, 4)).astype(np.float32))
    target = needl.tensor(rng.standard_normal((64, 1)).astype(np.float32))
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    start = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    optimizer = needl.optim.SGD(model.parameters(), lr=0.05)
    barrier.wait(5)
    for _ in range(steps):
        loss = ((model(data) - target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        with needl.no_grad():  # toggles this thread's mode only
            model(data)
        optimizer.step()
    return float(loss), start, (data, target)


def replay(start, batch, steps):
    data, target = batch
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    model.load_state_dict(start)
    optimizer = needl.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(steps):
        loss = ((model(data) - target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return float(loss)


def test_two_threads_training_two_models_get_their_own_gradients():
    barrier = threading.Barrier(2)
    results = {}
    threads = [threading.Thread(target=lambda s=s: results.__setitem__(s, train(s, 150, barrier)))
               for s in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for seed in (1, 2):
        loss, start, batch = results[seed]
        assert np.isclose(loss, replay(start, batch, 150), rtol=1e-5)


def test_is_inference_mode_enabled_inside_inference_mode_only():
    assert not needl.is_inference_mode_enabled()
    with needl.inference_mode():
        assert needl.is_inference_mode_enabled() and not needl.is_grad_enabled()
        with needl.inference_mode(False):
            assert not needl.is_inference_mode_enabled()
    assert not needl.is_inference_mode_enabled() and needl.is_grad_enabled()

    @needl.inference_mode
    def bare():
        return needl.is_inference_mode_enabled()

    @needl.inference_mode()
    def called():
        return needl.is_inference_mode_enabled()
    assert bare() and called() and not needl.is_inference_mode_enabled()
