"""The global random generator behind rand/randn/init/dropout (manual_seed resets it), needl.Generator
for code that passes its own, its state as a uint8 tensor (get_rng_state/set_rng_state, for
checkpoints), and the sampling functions normal bernoulli poisson multinomial."""
import contextlib

import numpy as np

# PCG64's state as bytes: the 128-bit state and increment, the buffered-uint32 flag and value
_STATE_BYTES = 16 + 16 + 1 + 4


def _fresh_seed() -> int:
    return int(np.random.SeedSequence().entropy % (2 ** 63))


_initial_seed = _fresh_seed()
_generator = np.random.default_rng(_initial_seed)


def manual_seed(seed: int) -> np.random.Generator:
    """Seed everything random in needl (creation, init, dropout, shuffling)."""
    global _generator, _initial_seed
    _initial_seed = int(seed)
    _generator = np.random.default_rng(seed)
    return _generator


def initial_seed() -> int:
    """The seed the global generator was last seeded with (manual_seed, seed, or at import)."""
    return _initial_seed


def state_tensor(numpy_generator: np.random.Generator):
    """The generator's exact state as a uint8 tensor (PyTorch's get_rng_state returns one too)."""
    state = numpy_generator.bit_generator.state
    if state["bit_generator"] != "PCG64":
        raise RuntimeError(f"get_rng_state: needl serialises PCG64 states, not {state['bit_generator']}")
    words = state["state"]
    raw = (words["state"].to_bytes(16, "little") + words["inc"].to_bytes(16, "little")
           + bytes([state["has_uint32"]]) + int(state["uinteger"]).to_bytes(4, "little"))
    return _tensor(np.frombuffer(raw, dtype=np.uint8).copy())


def set_state_from_tensor(numpy_generator: np.random.Generator, new_state) -> None:
    """Restore a state made by state_tensor (a uint8 tensor of its 37 bytes)."""
    data = getattr(new_state, "_data", None)  # a needl tensor, as PyTorch takes only a ByteTensor
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.shape != (_STATE_BYTES,):
        raise RuntimeError(f"set_rng_state: expected a uint8 tensor of {_STATE_BYTES} bytes (from "
                           f"get_rng_state), got {getattr(data, 'dtype', type(data).__name__)} "
                           f"of shape {tuple(np.shape(new_state))}")
    raw = data.tobytes()
    numpy_generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": int.from_bytes(raw[:16], "little"), "inc": int.from_bytes(raw[16:32], "little")},
        "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:37], "little")}


def get_rng_state():
    """The global generator's state, a uint8 tensor that set_rng_state restores exactly."""
    return state_tensor(_generator)


def set_rng_state(new_state) -> None:
    """Restore the global generator to a state from get_rng_state: the same draws follow."""
    set_state_from_tensor(_generator, new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type=None):
    """Run the block, then put the global generator back as it was (its state and initial seed)."""
    if not enabled:
        yield
        return
    state, seed_before = get_rng_state(), _initial_seed
    try:
        yield
    finally:
        manual_seed(seed_before)
        set_rng_state(state)


def generator(source=None) -> np.random.Generator:
    """The NumPy generator to draw from: `source`'s (a needl.Generator) or the global one."""
    if source is None:
        return _generator
    if isinstance(source, Generator):
        return source.numpy_generator
    if isinstance(source, np.random.Generator):
        return source
    raise TypeError(f"generator must be a needl.Generator, got {type(source).__name__}")


generator_of = generator  # for the functions whose PyTorch argument `generator` hides the function


def seed() -> int:
    """Seed the generator from the OS; returns the seed used."""
    value = _fresh_seed()
    manual_seed(value)
    return value


class Generator:
    """A random number generator of its own (PyTorch's torch.Generator), for the generator= arguments."""

    def __init__(self, device="cpu"):
        from ..device import check_device
        check_device(device)
        self.device = "cpu"
        self.seed()

    def manual_seed(self, seed: int) -> "Generator":
        self._initial_seed = int(seed)
        self.numpy_generator = np.random.default_rng(self._initial_seed)
        return self

    def seed(self) -> int:
        self.manual_seed(_fresh_seed())
        return self._initial_seed

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self):
        """The generator's exact state as a uint8 tensor, as PyTorch's (set_state restores it)."""
        return state_tensor(self.numpy_generator)

    def set_state(self, new_state) -> "Generator":
        """Restore a state from get_state (a uint8 tensor; a NumPy bit-generator dict also works)."""
        if isinstance(new_state, dict):
            self.numpy_generator.bit_generator.state = new_state
        else:
            set_state_from_tensor(self.numpy_generator, new_state)
        return self


def _tensor(array):
    from .tensor import Tensor
    return Tensor._make(array)


def _raw(value):
    return getattr(value, "_data", value)


def _float_dtype_of(*values):
    from . import dtypes
    for value in values:
        data = _raw(value)
        if isinstance(data, np.ndarray) and data.dtype.kind == "f":
            return data.dtype
    return dtypes.get_default_dtype()


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False):
    """Samples of N(mean, std^2): elementwise for tensor mean/std, or `size` of them for numbers."""
    from ..device import check_device
    from . import dtypes
    check_device(device)
    mean_data, std_data = _raw(mean), _raw(std)
    if np.any(np.asarray(std_data) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(std_data)}")
    target = dtypes.as_dtype(dtype, "normal") if dtype is not None else _float_dtype_of(mean, std)
    shape = tuple(size) if size is not None else np.broadcast_shapes(np.shape(mean_data), np.shape(std_data))
    noise = generator_of(generator).standard_normal(shape, dtype=np.float64 if target == np.float64 else np.float32)
    result = _tensor((noise * std_data + mean_data).astype(target, copy=False))
    return result.requires_grad_() if requires_grad else result


def bernoulli(input, p=None, *, generator=None):
    """1 with probability input (or p), else 0, in input's dtype."""
    data = _raw(input)
    probability = data if p is None else p
    if np.any((np.asarray(probability) < 0) | (np.asarray(probability) > 1)):
        raise RuntimeError("bernoulli: all probabilities must be in [0, 1]")
    draws = generator_of(generator).random(np.shape(data)) < probability
    return _tensor(draws.astype(data.dtype if data.dtype.kind == "f" else np.float32))


def poisson(input, generator=None):
    """Poisson samples with the rates in input, in input's dtype."""
    data = _raw(input)
    if np.any(data < 0):
        raise RuntimeError("poisson: the rates must be non-negative")
    return _tensor(generator_of(generator).poisson(data).astype(data.dtype))


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None):
    """Indices drawn from the categories weighted by each row of input (1-D or 2-D, unnormalised)."""
    weights = np.asarray(_raw(input), dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {weights.ndim}")
    rows = weights.reshape(-1, weights.shape[-1])
    categories = rows.shape[1]
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample {num_samples} (<= 0) samples")
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise RuntimeError("multinomial: probability tensor contains either inf, nan or element < 0")
    if np.any(rows.sum(axis=1) <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    random = generator_of(generator)
    if not replacement:
        if num_samples > categories:
            raise RuntimeError(f"multinomial: cannot sample n_sample ({num_samples}) > prob_dist.size(-1) "
                               f"({categories}) samples without replacement")
        if np.any(np.count_nonzero(rows, axis=1) < num_samples):
            raise RuntimeError("multinomial: invalid multinomial distribution (with replacement=False, not "
                               "enough non-negative category to sample)")
        # Gumbel top-k: the k largest log w + Gumbel noise are a draw without replacement
        with np.errstate(divide="ignore"):
            keys = np.log(rows) + random.gumbel(size=rows.shape)
        chosen = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    else:
        # inverse CDF for all rows at once: row r's CDF shifted into [r, r + 1]
        cdf = np.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]
        offsets = np.arange(len(rows))[:, None]
        draws = random.random((len(rows), num_samples)) + offsets
        chosen = np.searchsorted((cdf + offsets).reshape(-1), draws.reshape(-1), side="right").reshape(draws.shape)
        chosen = np.minimum(chosen - offsets * categories, categories - 1)
    return _tensor(chosen.astype(np.int64).reshape(weights.shape[:-1] + (num_samples,)))
