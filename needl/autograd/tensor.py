"""Tensor: a NumPy array with .grad, .requires_grad and .grad_fn; its methods call the ops."""
import weakref

import numpy as np

from .. import device as _device
from . import dtypes
from .mode import _GradMode

_new = object.__new__


def _dim(dim, axis):
    """PyTorch's `dim`, also accepted as NumPy's `axis` (so NumPy-style vjps work on Tensors)."""
    if axis is not None:
        return axis
    if isinstance(dim, list):
        return tuple(dim)
    return dim


def _shape(shape):
    """Accept both `f(2, 3)` and `f((2, 3))`."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return shape


def _operand(other):
    """Python and NumPy scalars stay scalars, so float32 tensors stay float32 (NEP 50)."""
    if isinstance(other, np.generic):
        return other.item()
    return other


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


class Tensor:
    """An n-dimensional array that records the ops applied to it when it requires grad."""
    # `_data` is the array; `_base` (views: the tensor whose memory they share) and `_version_counter`
    # are set only where needed, so op outputs pay nothing for them
    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "_index", "_base", "_version_counter",
                 "_hooks", "__weakref__")
    __array_priority__ = 1000  # NumPy defers binary operators to Tensor

    def __init__(self, data, dtype=None, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data._data
        if dtype is not None:
            data = np.asarray(data, dtype=dtypes.as_dtype(dtype))
        elif isinstance(data, np.ndarray):
            dtypes.as_dtype(data.dtype)
        else:
            data = np.asarray(data)
            if data.dtype == np.float64:
                data = data.astype(dtypes.get_default_dtype())
            else:
                dtypes.as_dtype(data.dtype)
        self._data = data
        self.grad = None
        self.grad_fn = None
        self._index = 0
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(array, grad_fn=None, index=0):
        """Fast constructor for op outputs: no conversion, no checks."""
        tensor = _new(Tensor)
        tensor._data = array
        tensor.grad = None
        tensor.grad_fn = grad_fn
        tensor._index = index
        tensor.requires_grad = grad_fn is not None
        return tensor

    # ---- attributes ----------------------------------------------------------------------
    @property
    def data(self) -> "Tensor":
        """The same array as a Tensor that is not recorded (PyTorch's `.data`); `.numpy()` is the array."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def device(self) -> "_device.device":
        return _device.CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> "Tensor":
        return self.transpose(-2, -1)

    def size(self, dim: int = None):
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    __hash__ = object.__hash__

    # ---- conversion ----------------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The array itself (no copy)."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on a Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype, copy=False)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to a "
                               f"Python scalar (shape {self._data.shape})")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        return self._data.__index__()

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of a Tensor with {self._data.size} elements is ambiguous")
        return bool(self._data.item())

    def astype(self, dtype) -> "Tensor":
        dtype = dtypes.as_dtype(dtype)
        return self if dtype == self._data.dtype else shape_ops.cast(self, dtype=dtype)

    def to(self, *args, dtype=None, device=None, non_blocking: bool = False, copy: bool = False,
           memory_format=None) -> "Tensor":
        """`to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)` as PyTorch; the device must be the CPU.

        Returns self when nothing changes, unless `copy=True`.
        """
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg._data.dtype
            elif isinstance(arg, (str, _device.device)):
                device = arg
            elif arg is not None:
                dtype = arg
        _device.check_device(device)
        result = self if dtype is None else self.astype(dtype)
        return result.clone() if copy and result is self else result

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> "Tensor":
        raise _device._accelerator_error("cuda" if device is None else f"cuda:{device}")

    def pin_memory(self, device=None) -> "Tensor":
        """Pinned memory speeds host-to-GPU copies; with no GPU the tensor is returned as it is."""
        return self

    def is_pinned(self, device=None) -> bool:
        return False

    def get_device(self) -> int:
        return -1  # PyTorch's answer for CPU tensors

    def share_memory_(self) -> "Tensor":
        """Move the array into shared memory (an anonymous memory file), in place: processes forked
        later, or sent the tensor through needl.multiprocessing, see each other's writes. `.grad`
        is not moved; views of the old array keep the old memory. No-op if already shared."""
        from ..multiprocessing.shared_memory import share_tensors
        share_tensors((self,))
        return self

    def is_shared(self) -> bool:
        from ..multiprocessing.shared_memory import is_shared
        return is_shared(self._data)

    def type(self, dtype=None):
        return str(self.dtype) if dtype is None else self.astype(dtype)

    def float(self) -> "Tensor":
        return self.astype(dtypes.float32)

    def double(self) -> "Tensor":
        return self.astype(dtypes.float64)

    def half(self) -> "Tensor":
        return self.astype(dtypes.float16)

    def long(self) -> "Tensor":
        return self.astype(dtypes.int64)

    def int(self) -> "Tensor":
        return self.astype(dtypes.int32)

    def bool(self) -> "Tensor":
        return self.astype(dtypes.bool)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.astype(other.dtype)

    def cpu(self) -> "Tensor":
        return self

    def contiguous(self, memory_format=None) -> "Tensor":
        """self if row-major (PyTorch's contiguous layout), else a row-major copy (on the tape)."""
        return self if self._data.flags.c_contiguous else shape_ops.clone(self)

    def clone(self) -> "Tensor":
        return shape_ops.clone(self)

    # ---- autograd ------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables; "
                               "use detach() to get a tensor that does not require grad")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, "
                               f"got {self._data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> "Tensor":
        """The same array, cut from the tape (a view: in-place writes to it count as writes to self)."""
        result = Tensor._make(self._data)
        base = getattr(self, "_base", None)
        result._base = self if base is None else base
        return result

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self.requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep .grad on this non-leaf tensor after backward (leaves keep it anyway)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a Tensor that has requires_grad=False")
        node = self.grad_fn
        if node is None or self.retains_grad:
            return
        if node.hooks is None:
            node.hooks = {}
        node.hooks[("retain", id(self))] = (self._index, tape.RetainGrad(self))

    @property
    def retains_grad(self) -> bool:
        node = self.grad_fn
        return node is not None and node.hooks is not None and any(
            isinstance(hook, tape.RetainGrad) and hook.tensor() is self for _, hook in node.hooks.values())

    def backward(self, gradient=None, retain_graph: bool = None, create_graph: bool = False,
                 inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's .grad by replaying the tape.

        The graph is freed as it is replayed unless retain_graph (default: create_graph).
        """
        if (gradient is None and inputs is None and not create_graph and self.grad_fn is not None
                and self._data.size == 1):
            engine.scalar_backward(self, retain_graph)  # `loss.backward()`: one call layer less
            return
        engine.backward(self, None if gradient is None else [gradient],
                        retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    # ---- hooks ---------------------------------------------------------------------------
    def register_hook(self, hook) -> "RemovableHandle":
        """Call `hook(grad)` when the gradient with respect to this tensor is computed.

        The hook may return a Tensor to use instead of the gradient; returns a handle whose
        `remove()` unregisters it. On a leaf the hook sees the sum of all contributions of one
        backward pass, before it is added to `.grad`.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            hooks = self._leaf_hooks().pre
            handle = RemovableHandle(hooks)
            hooks[handle.id] = hook
            return handle
        node = self.grad_fn
        if node.hooks is None:
            node.hooks = {}
        handle = RemovableHandle(node.hooks)
        node.hooks[handle.id] = (self._index, hook)
        tape.hooks_on_nodes += 1
        return handle

    def register_post_accumulate_grad_hook(self, hook) -> "RemovableHandle":
        """Call `hook(tensor)` on this leaf after backward has added to its `.grad`."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        hooks = self._leaf_hooks().post
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def _leaf_hooks(self):
        hooks = getattr(self, "_hooks", None)
        if hooks is None:
            hooks = self._hooks = tape.LeafHooks()
            key = id(self)
            tape.hooked_leaves[key] = weakref.ref(self, lambda _: tape.hooked_leaves.pop(key, None))
        return hooks

    # ---- versions and in-place writes ----------------------------------------------------
    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (views share the count)."""
        counter = _counter_of(self)
        return 0 if counter is None else counter.version

    def _bump_version(self):
        """Count an in-place write to this tensor's memory (code that writes `_data` calls it)."""
        base = getattr(self, "_base", None)
        root = self if base is None else base
        counter = getattr(root, "_version_counter", None)
        if counter is None:
            counter = root._version_counter = tape.VersionCounter()
            producer = root.grad_fn
            if producer is not None:  # the node that saved this array as its output
                _watch_output(producer, counter)
        counter.bump()
        return counter

    def _write(self, function, others, options, compute, keep_old=None) -> "Tensor":
        """Run `compute()`, which writes this tensor's array in place, and record it as `function`.

        Recorded (grad mode on and something requires grad), the write becomes a node of the
        tape, as in PyTorch: `self.grad_fn` is now that node, whose inputs are the old value and
        `others`; a view's base also moves to a node that copies the new view into it.
        `keep_old`: whether the vjp needs the old value (copied first); default: if it reads it.
        """
        record = _GradMode.enabled and (self.requires_grad or any(
            isinstance(other, Tensor) and other.requires_grad for other in others))
        if not record:
            compute()
            self._bump_version()
            return self
        base = getattr(self, "_base", None)
        if self.requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation. (Wrap it in needl.no_grad(), or write to a clone().)")
        if base is not None and base.requires_grad and base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation. (Wrap it in needl.no_grad(), or write to a clone().)")
        if keep_old is None:
            keep_old = function.reads_input(0)
        old = _position(self, self._data.copy(order="K") if keep_old else self._data)
        counter = self._bump_version()
        compute()
        arrays = [old._data] + [_raw(other) for other in others]
        node = Node(function, (old,) + tuple(others), self._data, options, 0, arrays)
        node.previous = old
        node.output_counters = [counter]
        self.grad_fn, self._index, self.requires_grad = node, 0, True
        if base is not None:
            base_old = _position(base, base._data)
            view = Tensor._make(self._data, node)
            geometry = shape_ops.view_geometry(base._data, self._data)
            copy = Node(shape_ops.copy_slices, (base_old, view), base._data, {"geometry": geometry}, 0,
                        [base._data, self._data])
            copy.previous = base_old
            copy.output_counters = [counter]
            base.grad_fn, base._index, base.requires_grad = copy, 0, True
        return self

    def _apply_(self, function, *others, **options) -> "Tensor":
        """In-place form of an op: `self = function(self, *others)`, written into self's array."""
        arrays = [_raw(other) for other in others]

        def compute():
            np.copyto(self._data, function.forward(self._data, *arrays, **options), casting="same_kind")
        return self._write(function, others, options, compute)

    def _ufunc_(self, function, ufunc, other, keep_old=None) -> "Tensor":
        """In-place binary arithmetic straight into the array: x += y without a temporary."""
        other = _operand(other)
        array = _raw(other)
        return self._write(function, (other,), {}, lambda: ufunc(self._data, array, out=self._data),
                           keep_old)

    def __setitem__(self, key, value):
        key = shape_ops.normalize_index(key)
        array = _raw(value)

        def compute():
            self._data[key] = array
        self._write(shape_ops.setitem, (value,), {"key": key}, compute)

    def index_put_(self, indices, values, accumulate: bool = False) -> "Tensor":
        """`self[indices] = values`, or with `accumulate` `self[indices] += values` (repeats add up)."""
        key = shape_ops.normalize_index(tuple(indices))
        if not accumulate:
            self[key] = values
            return self
        values = values if isinstance(values, Tensor) else Tensor._make(np.asarray(values, self._data.dtype))
        return self.add_(shape_ops.index_put(values, key=key, shape=self._data.shape))

    def index_put(self, indices, values, accumulate: bool = False) -> "Tensor":
        return self.clone().index_put_(indices, values, accumulate)

    def zero_(self) -> "Tensor":
        return self.fill_(0)

    def fill_(self, value) -> "Tensor":
        if isinstance(value, Tensor) and value._data.size != 1:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions")
        self[...] = value if isinstance(value, Tensor) else _operand(value)
        return self

    def copy_(self, source, non_blocking: bool = False) -> "Tensor":
        shape = np.shape(_raw(source))
        try:
            np.broadcast_shapes(shape, self._data.shape) == self._data.shape or 1 / 0
        except (ValueError, ZeroDivisionError):
            raise RuntimeError(f"copy_: source of shape {shape} does not broadcast "
                               f"to the destination's shape {self._data.shape}") from None
        self[...] = source
        return self

    def add_(self, other, alpha=1) -> "Tensor":
        return self._ufunc_(elementwise.add, np.add, other if alpha == 1 else other * alpha)

    def sub_(self, other, alpha=1) -> "Tensor":
        return self._ufunc_(elementwise.sub, np.subtract, other if alpha == 1 else other * alpha)

    def mul_(self, other) -> "Tensor":
        # the old value is needed only for the gradient of a tensor factor
        return self._ufunc_(elementwise.mul, np.multiply, other,
                            isinstance(other, Tensor) and other.requires_grad)

    def div_(self, other) -> "Tensor":
        return self._ufunc_(elementwise.div, np.true_divide, other, False)

    def pow_(self, exponent) -> "Tensor":
        return self._apply_(elementwise.pow, _operand(exponent))

    def neg_(self) -> "Tensor":
        return self._apply_(elementwise.neg)

    def exp_(self) -> "Tensor":
        return self._apply_(elementwise.exp)

    def log_(self) -> "Tensor":
        return self._apply_(elementwise.log)

    def sqrt_(self) -> "Tensor":
        return self._apply_(elementwise.sqrt)

    def abs_(self) -> "Tensor":
        return self._apply_(elementwise.abs)

    def tanh_(self) -> "Tensor":
        return self._apply_(elementwise.tanh)

    def sigmoid_(self) -> "Tensor":
        return self._apply_(elementwise.sigmoid)

    def relu_(self) -> "Tensor":
        return self._apply_(elementwise.relu)

    def sin_(self) -> "Tensor":
        return self._apply_(elementwise.sin)

    def cos_(self) -> "Tensor":
        return self._apply_(elementwise.cos)

    def clamp_(self, min=None, max=None) -> "Tensor":
        return self._apply_(elementwise.clamp, min=_raw(min), max=_raw(max))

    clip_ = clamp_

    def masked_fill_(self, mask, value) -> "Tensor":
        if isinstance(value, Tensor) and value.requires_grad:
            return self._apply_(elementwise.masked_fill_tensor, value, mask=_raw(mask))
        return self._apply_(elementwise.masked_fill, mask=_raw(mask), value=_raw(value))

    def uniform_(self, a=0.0, b=1.0) -> "Tensor":
        from . import random
        self[...] = random.generator().uniform(a, b, self._data.shape).astype(self._data.dtype)
        return self

    def normal_(self, mean=0.0, std=1.0) -> "Tensor":
        from . import random
        self[...] = random.generator().normal(mean, std, self._data.shape).astype(self._data.dtype)
        return self

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    # ---- arithmetic ----------------------------------------------------------------------
    # a Tensor operand skips the _operand call (the common case on a tape: 0.1 us per op);
    # the reflected methods only ever get non-Tensors
    def __add__(self, other):
        return elementwise.add(self, other if isinstance(other, Tensor) else _operand(other))

    def __radd__(self, other):
        return elementwise.add(_operand(other), self)

    def __sub__(self, other):
        return elementwise.sub(self, other if isinstance(other, Tensor) else _operand(other))

    def __rsub__(self, other):
        return elementwise.sub(_operand(other), self)

    def __mul__(self, other):
        return elementwise.mul(self, other if isinstance(other, Tensor) else _operand(other))

    def __rmul__(self, other):
        return elementwise.mul(_operand(other), self)

    def __truediv__(self, other):
        return elementwise.div(self, other if isinstance(other, Tensor) else _operand(other))

    def __rtruediv__(self, other):
        return elementwise.div(_operand(other), self)

    def __pow__(self, exponent):
        return elementwise.pow(self, _operand(exponent))

    def __rpow__(self, base):
        return elementwise.pow(_operand(base), self)

    def __matmul__(self, other):
        return linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return linalg.matmul(other, self)

    def __neg__(self):
        return elementwise.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return elementwise.abs(self)

    # comparisons make bool tensors off the tape
    def __lt__(self, other):
        return Tensor._make(self._data < _raw(other))

    def __le__(self, other):
        return Tensor._make(self._data <= _raw(other))

    def __gt__(self, other):
        return Tensor._make(self._data > _raw(other))

    def __ge__(self, other):
        return Tensor._make(self._data >= _raw(other))

    def __eq__(self, other):
        return Tensor._make(np.asarray(self._data == _raw(other)))

    def __ne__(self, other):
        return Tensor._make(np.asarray(self._data != _raw(other)))

    def __invert__(self):
        return Tensor._make(~self._data)

    def __and__(self, other):
        return Tensor._make(self._data & _raw(other))

    def __or__(self, other):
        return Tensor._make(self._data | _raw(other))

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def gt(self, other):
        return self > other

    def le(self, other):
        return self <= other

    def ge(self, other):
        return self >= other

    def __getitem__(self, key):
        return shape_ops.getitem(self, key=shape_ops.normalize_index(key))

    # ---- elementwise ---------------------------------------------------------------------
    def add(self, other, alpha=1):
        return self + (other if alpha == 1 else alpha * other)

    def sub(self, other, alpha=1):
        return self - (other if alpha == 1 else alpha * other)

    def mul(self, other):
        return self * other

    def div(self, other, *, rounding_mode=None):
        return arithmetic.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent):
        return self ** exponent

    def neg(self):
        return -self

    def exp(self):
        return elementwise.exp(self)

    def log(self):
        return elementwise.log(self)

    def log1p(self):
        return elementwise.log1p(self)

    def sqrt(self):
        return elementwise.sqrt(self)

    def rsqrt(self):
        return exponential.rsqrt(self)

    def square(self):
        return exponential.square(self)

    def abs(self):
        return elementwise.abs(self)

    def sign(self):
        return elementwise.sign(self)

    def tanh(self):
        return elementwise.tanh(self)

    def sigmoid(self):
        return elementwise.sigmoid(self)

    def relu(self):
        return elementwise.relu(self)

    def sin(self):
        return elementwise.sin(self)

    def cos(self):
        return elementwise.cos(self)

    def clamp(self, min=None, max=None):
        return elementwise.clamp(self, min=min, max=max)

    clip = clamp

    def maximum(self, other):
        return elementwise.maximum(self, other)

    def minimum(self, other):
        return elementwise.minimum(self, other)

    def masked_fill(self, mask, value):
        if isinstance(value, Tensor) and value.requires_grad:
            return elementwise.masked_fill_tensor(self, value, mask=_raw(mask))
        return elementwise.masked_fill(self, mask=_raw(mask), value=_raw(value))

    def where(self, condition, other):
        return elementwise.where(condition, self, other)

    # ---- reductions ----------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        source = self if dtype is None else self.astype(dtype)
        return reduce.sum(source, dim=_dim(dim, axis), keepdim=keepdim if keepdims is None else keepdims)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        source = self if dtype is None else self.astype(dtype)
        return reduce.mean(source, dim=_dim(dim, axis), keepdim=keepdim if keepdims is None else keepdims)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        dim, correction = reduce.variance_options(_dim(dim, None), unbiased, correction)
        return reduce.var(self, dim=dim, correction=correction, keepdim=keepdim)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        dim, correction = reduce.variance_options(_dim(dim, None), unbiased, correction)
        return reduce.std(self, dim=dim, correction=correction, keepdim=keepdim)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return reduce.prod(self if dtype is None else self.astype(dtype), dim=dim, keepdim=keepdim)

    def amax(self, dim=(), keepdim=False):
        return reduce.amax(self, dim=_dim(dim, None), keepdim=keepdim)

    def amin(self, dim=(), keepdim=False):
        return reduce.amin(self, dim=_dim(dim, None), keepdim=keepdim)

    def max(self, dim=None, keepdim=False):
        """max over everything, or with `dim` a (values, indices) pair; max(other) is maximum."""
        return reduce.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return reduce.min(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return reduce.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return reduce.argmin(self, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        return reduce.logsumexp(self, dim=_dim(dim, None), keepdim=keepdim)

    def softmax(self, dim, dtype=None):
        return reduce.softmax_function(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return reduce.softmax_function(self, dim, dtype, function=reduce.log_softmax)

    # ---- shape ---------------------------------------------------------------------------
    def reshape(self, *shape):
        return shape_ops.reshape(self, shape=_shape(shape))

    def view(self, *shape):
        """reshape without a copy: raises where the strides do not allow it (use reshape there)."""
        if len(shape) == 1 and isinstance(shape[0], (np.dtype, type)):  # view(dtype): the same bits
            return Tensor._make(self._data.view(dtypes.as_dtype(shape[0], "view")))
        if self._data.flags.c_contiguous or getattr(self, "_base", None) is not None:
            return shape_ops.view(self, shape=_shape(shape))
        # needl chose this memory layout itself (convolutions return channels-last memory, which
        # PyTorch's contiguous outputs do not have): view it where the strides allow, else copy,
        # since PyTorch would view it. Views of views (transposes, slices...) raise as PyTorch's.
        try:
            return shape_ops.view(self, shape=_shape(shape))
        except RuntimeError:
            return self.reshape(_shape(shape))

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def transpose(self, dim0, dim1):
        return shape_ops.transpose(self, dim0=dim0, dim1=dim1)

    def swapaxes(self, axis0, axis1):
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, got {self.ndim}")
        return self.T

    def permute(self, *dims):
        return shape_ops.permute(self, dims=_shape(dims))

    def flatten(self, start_dim=0, end_dim=-1):
        return shape_ops.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return shape_ops.unflatten(self, dim, sizes)

    def unsqueeze(self, dim):
        return shape_ops.unsqueeze(self, dim=dim)

    def squeeze(self, dim=None):
        return shape_ops.squeeze(self, dim=_dim(dim, None))

    def expand(self, *sizes):
        return shape_ops.expand(self, sizes=_shape(sizes))

    def expand_as(self, other):
        return self.expand(other.shape)

    def broadcast_to(self, size):
        return self.expand(size)

    def repeat(self, *repeats):
        return shape_ops.repeat(self, repeats=_shape(repeats))

    def split(self, split_size, dim=0):
        return shape_ops.split(self, split_size, dim)

    def tensor_split(self, indices_or_sections, dim=0):
        return rearrange.tensor_split(self, indices_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return shape_ops.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return shape_ops.unbind(self, dim)

    def gather(self, dim, index):
        return shape_ops.gather(self, dim, index)

    def matmul(self, other):
        return linalg.matmul(self, other)

    def mm(self, mat2):
        return products.mm(self, mat2)

    def bmm(self, mat2):
        return products.bmm(self, mat2)

    # ---- more tensor methods (PyTorch's names) ----
    # layout and type information (strides and offsets in elements, as PyTorch reports them)
    def stride(self, dim=None):
        element_strides = strided.strides(self._data)
        return element_strides if dim is None else element_strides[wrap_dim(dim, self.ndim, "stride")]

    def storage_offset(self) -> int:
        return strided.offset_in_storage(self._data)

    def is_contiguous(self, memory_format=None) -> bool:
        return strided.is_contiguous(self._data, memory_format)

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def element_size(self) -> int:
        return self._data.itemsize

    def untyped_storage(self):
        """The bytes of the memory this tensor views (shared with it: see needl/storage.py)."""
        from ..storage import UntypedStorage
        return UntypedStorage(self._data)

    def storage(self):
        from ..storage import TypedStorage
        return TypedStorage(self._data)

    def resize_(self, *sizes, memory_format=None) -> "Tensor":
        """Give this tensor a new shape in place: a prefix of its memory if it has enough elements
        (contiguous), else new memory whose first elements are the old ones, the rest zeros."""
        if self.requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        shape = tuple(int(size) for size in _shape(sizes))
        if any(size < 0 for size in shape):
            raise RuntimeError(f"resize_(): negative dimension in the requested size {list(shape)}")
        count = int(np.prod(shape))
        if count > self._data.size and self.is_shared():
            raise RuntimeError("Trying to resize storage that is not resizable: this tensor is in "
                               "shared memory (share_memory_), which keeps its size")
        if self._data.flags.c_contiguous and count <= self._data.size:
            self._data = self._data.reshape(-1)[:count].reshape(shape)
        else:
            old = self._data.reshape(-1)
            new = np.zeros(shape, self._data.dtype)
            kept = min(count, old.size)
            new.reshape(-1)[:kept] = old[:kept]
            self._data = new
        self._bump_version()
        return self

    def resize_as_(self, other, memory_format=None) -> "Tensor":
        return self.resize_(other.shape)

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def nelement(self) -> int:
        return self._data.size

    def ndimension(self) -> int:
        return self._data.ndim

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def is_signed(self) -> bool:
        return self._data.dtype.kind in "fic"

    def byte(self) -> "Tensor":
        return self.astype(dtypes.uint8)

    def char(self) -> "Tensor":
        return self.astype(dtypes.int8)

    def short(self) -> "Tensor":
        return self.astype(dtypes.int16)

    def __format__(self, format_spec):
        # a 0-d tensor formats like its number (f"{loss:.4f}"), as in PyTorch
        return self.item().__format__(format_spec) if self._data.ndim == 0 else object.__format__(self, format_spec)

    # the operators PyTorch has beyond the arithmetic section's
    def __floordiv__(self, other):
        return rounding.floor_divide(self, _operand(other))

    def __rfloordiv__(self, other):
        return rounding.floor_divide(_operand(other), self)

    def __mod__(self, other):
        return rounding.remainder(self, _operand(other))

    def __rmod__(self, other):
        return rounding.remainder(_operand(other), self)

    def __xor__(self, other):
        return Tensor._make(self._data ^ _raw(other))

    # new tensors with this one's dtype
    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        return creation.zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        return creation.ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        return creation.empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False) -> "Tensor":
        return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> "Tensor":
        return creation.tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    # elementwise
    def tan(self):
        return trigonometric.tan(self)

    def asin(self):
        return trigonometric.asin(self)

    def acos(self):
        return trigonometric.acos(self)

    def atan(self):
        return trigonometric.atan(self)

    def sinh(self):
        return trigonometric.sinh(self)

    def cosh(self):
        return trigonometric.cosh(self)

    def asinh(self):
        return trigonometric.asinh(self)

    def acosh(self):
        return trigonometric.acosh(self)

    def atanh(self):
        return trigonometric.atanh(self)

    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh

    def atan2(self, other):
        return trigonometric.atan2(self, other)

    arctan2 = atan2

    def hypot(self, other):
        return trigonometric.hypot(self, other)

    def deg2rad(self):
        return trigonometric.deg2rad(self)

    def rad2deg(self):
        return trigonometric.rad2deg(self)

    def exp2(self):
        return exponential.exp2(self)

    def expm1(self):
        return exponential.expm1(self)

    def log2(self):
        return exponential.log2(self)

    def log10(self):
        return exponential.log10(self)

    def logaddexp(self, other):
        return exponential.logaddexp(self, other)

    def logaddexp2(self, other):
        return exponential.logaddexp2(self, other)

    def logit(self, eps=None):
        return exponential.logit(self, eps=eps)

    def xlogy(self, other):
        return exponential.xlogy(self, other)

    # special functions and linear algebra: the top-level functions of functional.py, which import
    # needl.special and needl.linalg on first use (keeping `import needl` fast)
    def erf(self):
        return functional.erf(self)

    def erfc(self):
        return functional.erfc(self)

    def erfinv(self):
        return functional.erfinv(self)

    def lgamma(self):
        return functional.lgamma(self)

    def digamma(self):
        return functional.digamma(self)

    def polygamma(self, n):
        return functional.polygamma(n, self)

    def mvlgamma(self, p):
        return functional.mvlgamma(self, p)

    def i0(self):
        return functional.i0(self)

    def sinc(self):
        return functional.sinc(self)

    def det(self):
        return functional.det(self)

    def logdet(self):
        return functional.logdet(self)

    def slogdet(self):
        return functional.slogdet(self)

    def inverse(self):
        return functional.inverse(self)

    def matrix_power(self, n):
        return functional.matrix_power(self, n)

    def cholesky(self, upper=False):
        return functional.cholesky(self, upper)

    def svd(self, some=True, compute_uv=True):
        return functional.svd(self, some, compute_uv)

    def qr(self, some=True):
        return functional.qr(self, some)

    def pinverse(self, rcond=1e-15):
        return functional.pinverse(self, rcond)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return functional.norm(self, p, dim, keepdim, dtype)

    def cross(self, other, dim=None):
        return functional.cross(self, other, dim)

    # complex numbers (needl/autograd/ops/complex.py)
    @property
    def real(self) -> "Tensor":
        from .ops.complex import real
        return real(self)

    @property
    def imag(self) -> "Tensor":
        from .ops.complex import imag
        return imag(self)

    def conj(self):
        from .ops.complex import conj
        return conj(self)

    def conj_physical(self):
        from .ops.complex import conj_physical
        return conj_physical(self)

    def resolve_conj(self):
        return self  # conjugation is never lazy in needl

    def is_conj(self) -> bool:
        return False

    def angle(self):
        from .ops.complex import angle
        return angle(self)

    def reciprocal(self):
        return exponential.reciprocal(self)

    def float_power(self, exponent):
        return exponential.float_power(self, exponent)

    def floor(self):
        return rounding.floor(self)

    def ceil(self):
        return rounding.ceil(self)

    def trunc(self):
        return rounding.trunc(self)

    fix = trunc

    def round(self, decimals=0):
        return rounding.round(self, decimals=decimals)

    def frac(self):
        return rounding.frac(self)

    def fmod(self, other):
        return rounding.fmod(self, other)

    def remainder(self, other):
        return rounding.remainder(self, other)

    def floor_divide(self, other):
        return rounding.floor_divide(self, other)

    def true_divide(self, other):
        return arithmetic.true_divide(self, other)

    def copysign(self, other):
        return rounding.copysign(self, other)

    def sgn(self):
        return elementwise.sign(self)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return rounding.nan_to_num(self, nan=nan, posinf=posinf, neginf=neginf)

    def lerp(self, end, weight):
        return arithmetic.lerp(self, end, weight)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return arithmetic.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return arithmetic.addcdiv(self, tensor1, tensor2, value=value)

    def clamp_min(self, min):
        return arithmetic.clamp_min(self, min)

    def clamp_max(self, max):
        return arithmetic.clamp_max(self, max)

    def positive(self):
        return self

    negative, subtract, multiply, divide, absolute = neg, sub, mul, div, abs

    # comparisons and tests (bool results, off the tape)
    def isnan(self):
        return comparison.isnan(self)

    def isinf(self):
        return comparison.isinf(self)

    def isfinite(self):
        return comparison.isfinite(self)

    def isposinf(self):
        return comparison.isposinf(self)

    def isneginf(self):
        return comparison.isneginf(self)

    def signbit(self):
        return comparison.signbit(self)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return comparison.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        return comparison.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other) -> bool:
        return comparison.equal(self, other)

    def logical_and(self, other):
        return comparison.logical_and(self, other)

    def logical_or(self, other):
        return comparison.logical_or(self, other)

    def logical_xor(self, other):
        return comparison.logical_xor(self, other)

    def logical_not(self):
        return comparison.logical_not(self)

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def all(self, dim=None, keepdim=False):
        return comparison.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return comparison.any(self, dim, keepdim)

    def count_nonzero(self, dim=None):
        return comparison.count_nonzero(self, dim)

    # products
    def mv(self, vec):
        return products.mv(self, vec)

    def dot(self, tensor):
        return products.dot(self, tensor)

    def vdot(self, other):
        return products.vdot(self, other)

    def outer(self, vec2):
        return products.outer(self, vec2)

    ger = outer

    def inner(self, other):
        return products.inner(self, other)

    def kron(self, other):
        return products.kron(self, other)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return products.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return products.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        return products.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return products.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return products.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def dist(self, other, p=2):
        return products.dist(self, other, p)

    # reductions, order statistics, running reductions
    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        return reduce.nansum(self if dtype is None else self.astype(dtype), dim=_dim(dim, None), keepdim=keepdim)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        return reduce.nanmean(self, dim, keepdim, dtype=dtype)

    def aminmax(self, *, dim=None, keepdim=False):
        return reduce.aminmax(self, dim=dim, keepdim=keepdim)

    def sort(self, dim=-1, descending=False, stable=False):
        return sorting.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return sorting.argsort(self, dim, descending, stable)

    def msort(self):
        return sorting.msort(self)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return sorting.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return sorting.kthvalue(self, k, dim, keepdim)

    def median(self, dim=None, keepdim=False):
        return sorting.median(self, dim, keepdim)

    def nanmedian(self, dim=None, keepdim=False):
        return sorting.nanmedian(self, dim, keepdim)

    def mode(self, dim=-1, keepdim=False):
        return sorting.mode(self, dim, keepdim)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return sorting.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return sorting.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def cumsum(self, dim, *, dtype=None):
        return cumulative.cumsum(self if dtype is None else self.astype(dtype), dim=dim)

    def cumprod(self, dim, *, dtype=None):
        return cumulative.cumprod(self if dtype is None else self.astype(dtype), dim=dim)

    def cummax(self, dim):
        return cumulative.cummax(self, dim)

    def cummin(self, dim):
        return cumulative.cummin(self, dim)

    def logcumsumexp(self, dim):
        return cumulative.logcumsumexp(self, dim=dim)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        return cumulative.diff(self, n, dim, prepend, append)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return counting.unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return counting.unique_consecutive(self, return_inverse, return_counts, dim)

    def bincount(self, weights=None, minlength=0):
        return counting.bincount(self, weights, minlength)

    def histc(self, bins=100, min=0, max=0):
        return counting.histc(self, bins, min, max)

    # rearranging, triangles and diagonals
    def flip(self, *dims):
        return rearrange.flip(self, dims=_shape(dims))

    def fliplr(self):
        return rearrange.fliplr(self)

    def flipud(self):
        return rearrange.flipud(self)

    def roll(self, shifts, dims=None):
        return rearrange.roll(self, shifts=shifts, dims=dims)

    def rot90(self, k=1, dims=(0, 1)):
        return rearrange.rot90(self, k=k, dims=tuple(dims))

    def movedim(self, source, destination):
        return rearrange.movedim(self, source, destination)

    moveaxis = movedim

    def ravel(self):
        return rearrange.ravel(self)

    def tile(self, *dims):
        return rearrange.tile(self, _shape(dims))

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return rearrange.repeat_interleave(self, repeats, dim, output_size=output_size)

    def tril(self, diagonal=0):
        return triangular.tril(self, diagonal=diagonal)

    def triu(self, diagonal=0):
        return triangular.triu(self, diagonal=diagonal)

    def diag(self, diagonal=0):
        return triangular.diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return triangular.diag_embed(self, offset, dim1, dim2)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return triangular.diagonal(self, offset=offset, dim1=dim1, dim2=dim2)

    def diagflat(self, offset=0):
        return triangular.diagflat(self, offset)

    def trace(self):
        return triangular.trace(self)

    def unfold(self, dimension, size, step):
        """Sliding windows of `size` every `step` along dimension, as a new last dim (a view)."""
        return strided.unfold(self, dimension=dimension, size=size, step=step)

    def as_strided(self, size, stride, storage_offset=None):
        return strided.as_strided(self, size=tuple(size), stride=tuple(stride), storage_offset=storage_offset)

    # indexing
    def index_select(self, dim, index):
        return indexing.index_select(self, dim, index)

    def masked_select(self, mask):
        return indexing.masked_select(self, mask)

    def take(self, index):
        return indexing.take(self, index)

    def take_along_dim(self, indices, dim=None):
        return indexing.take_along_dim(self, indices, dim)

    def nonzero(self, *, as_tuple=False):
        return indexing.nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return indexing.argwhere(self)

    def narrow(self, dim, start, length):
        return indexing.narrow(self, dim, start, length)

    def narrow_copy(self, dim, start, length):
        return indexing.narrow_copy(self, dim, start, length)

    def select(self, dim, index):
        return indexing.select(self, dim, index)

    def scatter(self, dim, index, src=None, value=None, *, reduce=None):
        return indexing.scatter_function(self, dim, index, src, value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return indexing.scatter_add(self, dim, index, src)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return indexing.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def index_add(self, dim, index, source, *, alpha=1):
        return indexing.index_add(self, dim, index, source, alpha=alpha)

    def index_copy(self, dim, index, source):
        return indexing.index_copy(self, dim, index, source)

    def index_fill(self, dim, index, value):
        return indexing.index_fill(self, dim, index, value)

    def masked_scatter(self, mask, source):
        return indexing.masked_scatter(self, mask, source)

    # ---- round 3: more of PyTorch's methods, each the op or function of the same name ----
    # layout and identity queries (needl's tensors are dense, strided, CPU, never conjugated lazily)
    @property
    def layout(self):
        return switches.strided

    @property
    def output_nr(self) -> int:
        """Which output of its grad_fn this tensor is."""
        return self._index

    @property
    def name(self):
        """None, as PyTorch answers for a tensor that is not a named graph value."""
        return None

    is_meta = is_mps = is_xpu = is_sparse = is_quantized = is_nested = is_mkldnn = property(lambda self: False)

    def is_neg(self) -> bool:
        return False

    def resolve_neg(self) -> "Tensor":
        return self

    def is_nonzero(self) -> bool:
        return comparison.is_nonzero(self)

    def is_same_size(self, other) -> bool:
        return self.shape == other.shape

    def isreal(self):
        return comparison.isreal(self)

    @property
    def H(self) -> "Tensor":
        """The conjugate transpose of a matrix (0-d or 2-d, as PyTorch)."""
        if self._data.ndim not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self._data.ndim}-D tensor.")
        return self.t().conj() if self._data.ndim else self

    @property
    def mH(self) -> "Tensor":
        return self.mT.conj()

    def adjoint(self) -> "Tensor":
        return self.mT.conj()

    # DLPack: other libraries (np.from_dlpack, torch.from_dlpack ...) read this tensor's memory
    def __dlpack__(self, **options):
        return self._data.__dlpack__(**options)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    # random draws
    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return random.multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli(self, p=None, *, generator=None):
        return random.bernoulli(self, p, generator=generator)

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        draws = median + sigma * random.generator(generator).standard_cauchy(self.shape)
        return self.copy_(Tensor._make(draws.astype(self.dtype)))

    def geometric_(self, p, *, generator=None):
        return self.copy_(Tensor._make(random.generator(generator).geometric(p, self.shape).astype(self.dtype)))

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        draws = random.generator(generator).lognormal(mean, std, self.shape)
        return self.copy_(Tensor._make(draws.astype(self.dtype)))

    # bitwise ops and their operators (integer and bool tensors; off the tape)
    def bitwise_and(self, other):
        return bitwise.bitwise_and(self, other)

    def bitwise_or(self, other):
        return bitwise.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return bitwise.bitwise_xor(self, other)

    def bitwise_not(self):
        return bitwise.bitwise_not(self)

    def bitwise_left_shift(self, other):
        return bitwise.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other):
        return bitwise.bitwise_right_shift(self, other)

    def __lshift__(self, other):
        return bitwise.bitwise_left_shift(self, _operand(other))

    def __rshift__(self, other):
        return bitwise.bitwise_right_shift(self, _operand(other))

    def __rlshift__(self, other):
        return bitwise.bitwise_left_shift(_operand(other), self)

    def __rrshift__(self, other):
        return bitwise.bitwise_right_shift(_operand(other), self)

    def __rand__(self, other):
        return bitwise.bitwise_and(self, _operand(other))

    def __ror__(self, other):
        return bitwise.bitwise_or(self, _operand(other))

    def __rxor__(self, other):
        return bitwise.bitwise_xor(self, _operand(other))

    def __iand__(self, other):
        return self.bitwise_and_(other)

    def __ior__(self, other):
        return self.bitwise_or_(other)

    def __ixor__(self, other):
        return self.bitwise_xor_(other)

    def __ilshift__(self, other):
        return self.bitwise_left_shift_(other)

    def __irshift__(self, other):
        return self.bitwise_right_shift_(other)

    # elementwise functions of two tensors (needl/autograd/ops/binary.py)
    def fmax(self, other):
        return binary.fmax(self, _operand(other))

    def fmin(self, other):
        return binary.fmin(self, _operand(other))

    def ldexp(self, other):
        return binary.ldexp(self, _operand(other))

    def frexp(self):
        return binary.frexp(self)

    def nextafter(self, other):
        return binary.nextafter(self, other)

    def heaviside(self, values):
        return binary.heaviside(self, values)

    def gcd(self, other):
        return binary.gcd(self, other)

    def lcm(self, other):
        return binary.lcm(self, other)

    def matrix_exp(self):
        return matrix_exp_op.matrix_exp(self)

    def cov(self, *, correction=1, fweights=None, aweights=None):
        return statistics.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        return statistics.corrcoef(self)

    def renorm(self, p, dim, maxnorm):
        return functional.renorm(self, p, dim, maxnorm)

    def hardshrink(self, lambd=0.5):
        from ..nn.functional import hardshrink
        return hardshrink(self, lambd)

    def prelu(self, weight):
        from ..nn.functional import prelu
        return prelu(self, weight)

    # the older linear-algebra forms (needl/linalg/legacy.py, lu_factorization.py), imported on first use
    def lu(self, pivot=True, get_infos=False):
        from ..linalg.lu_factorization import lu
        return lu(self, pivot, get_infos)

    def lu_solve(self, LU_data, LU_pivots):
        from ..linalg.lu_factorization import lu_solve
        return lu_solve(self, LU_data, LU_pivots)

    def cholesky_solve(self, input2, upper=False):
        from ..linalg.legacy import cholesky_solve
        return cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper=False):
        from ..linalg.legacy import cholesky_inverse
        return cholesky_inverse(self, upper)

    def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
        from ..linalg.legacy import triangular_solve
        return triangular_solve(self, A, upper, transpose, unitriangular)

    # splits, sizes and writes into copies
    def split_with_sizes(self, split_sizes, dim=0):
        return functional.split_with_sizes(self, split_sizes, dim)

    unsafe_split = split
    unsafe_chunk = chunk

    def hsplit(self, indices_or_sections):
        return functional.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections):
        return functional.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections):
        return functional.dsplit(self, indices_or_sections)

    def sum_to_size(self, *size):
        """The sum of self down to `size`, which self must broadcast from (as a gradient is reduced)."""
        size = _shape(size)
        try:
            np.broadcast_shapes(tuple(size), self.shape) == self.shape or 1 / 0
        except (ValueError, ZeroDivisionError):
            raise RuntimeError(f"size {list(size)} is not expandable to size {list(self.shape)}") from None
        lead = self.ndim - len(size)
        dims = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(size) if n == 1 and self.shape[lead + i] != 1)
        return (self.sum(dims, keepdim=True) if dims else self).reshape(tuple(size))

    def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
        from .interop import empty_strided
        return empty_strided(size, stride, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
        return scatter_into.diagonal_scatter(self, src, offset, dim1, dim2)

    def select_scatter(self, src, dim, index):
        return scatter_into.select_scatter(self, src, dim, index)

    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        return scatter_into.slice_scatter(self, src, dim, start, end, step)

    def as_strided_scatter(self, src, size, stride, storage_offset=None):
        return scatter_into.as_strided_scatter(self, src, size, stride, storage_offset)

    def put_(self, index, source, accumulate=False):
        return scatter_into.put_(self, index, source, accumulate)

    def put(self, index, source, accumulate=False):
        return scatter_into.put_(self.clone(), index, source, accumulate)

    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        return scatter_into.index_reduce_(self, dim, index, source, reduce, include_self=include_self)

    def index_reduce(self, dim, index, source, reduce, *, include_self=True):
        return scatter_into.index_reduce_(self.clone(), dim, index, source, reduce, include_self=include_self)

    def map_(self, tensor, callable):
        """self[i] = callable(self[i], tensor[i]) for every element (tensor broadcast to self):
        a Python call per element, as in PyTorch, so slow on big tensors."""
        other = np.broadcast_to(_raw(tensor), self.shape)
        mapped = np.vectorize(callable, otypes=[self.dtype])(self._data, other)
        return self.copy_(Tensor._make(mapped))

    # in-place forms, recorded on the tape like the lead's (Tensor._apply_ writes the op's result into self)
    def floor_(self):
        return self._apply_(rounding.floor)

    def ceil_(self):
        return self._apply_(rounding.ceil)

    def trunc_(self):
        return self._apply_(rounding.trunc)

    fix_ = trunc_

    def round_(self, decimals=0):
        return self._apply_(rounding.round, decimals=decimals)

    def frac_(self):
        return self._apply_(rounding.frac)

    def sign_(self):
        return self._apply_(elementwise.sign)

    sgn_ = sign_

    def fmod_(self, other):
        return self._apply_(rounding.fmod, _operand(other))

    def remainder_(self, other):
        return self._apply_(rounding.remainder, _operand(other))

    def floor_divide_(self, other):
        return self._apply_(rounding.floor_divide, _operand(other))

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return self._apply_(rounding.nan_to_num, nan=nan, posinf=posinf, neginf=neginf)

    def reciprocal_(self):
        return self._apply_(exponential.reciprocal)

    def rsqrt_(self):
        return self._apply_(exponential.rsqrt)

    def square_(self):
        return self._apply_(exponential.square)

    def exp2_(self):
        return self._apply_(exponential.exp2)

    def expm1_(self):
        return self._apply_(exponential.expm1)

    def log1p_(self):
        return self._apply_(elementwise.log1p)

    def log2_(self):
        return self._apply_(exponential.log2)

    def log10_(self):
        return self._apply_(exponential.log10)

    def logit_(self, eps=None):
        return self._apply_(exponential.logit_op, eps=eps)

    def tan_(self):
        return self._apply_(trigonometric.tan)

    def asin_(self):
        return self._apply_(trigonometric.asin)

    def acos_(self):
        return self._apply_(trigonometric.acos)

    def atan_(self):
        return self._apply_(trigonometric.atan)

    def sinh_(self):
        return self._apply_(trigonometric.sinh)

    def cosh_(self):
        return self._apply_(trigonometric.cosh)

    def atan2_(self, other):
        return self._apply_(trigonometric.atan2, _operand(other))

    def hypot_(self, other):
        return self._apply_(trigonometric.hypot, _operand(other))

    def clamp_min_(self, min):
        return self._apply_(elementwise.clamp, min=_raw(min))

    def clamp_max_(self, max):
        return self._apply_(elementwise.clamp, max=_raw(max))

    def lerp_(self, end, weight):
        return self.add_((end - self) * weight)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self.add_(tensor1 * tensor2, alpha=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self.add_(tensor1 / tensor2, alpha=value)

    def cumsum_(self, dim):
        return self._apply_(cumulative.cumsum, dim=dim)

    def cumprod_(self, dim):
        return self._apply_(cumulative.cumprod, dim=dim)

    def tril_(self, diagonal=0):
        return self._apply_(triangular.tril, diagonal=diagonal)

    def triu_(self, diagonal=0):
        return self._apply_(triangular.triu, diagonal=diagonal)

    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        if reduce is not None:  # scatter_(..., reduce='add' | 'multiply')
            return self.copy_(indexing.scatter_function(self, dim, index, src, value, reduce=reduce))
        return self._apply_(indexing.scatter, value if src is None else src, dim=dim, index=_raw(index))

    def scatter_add_(self, dim, index, src):
        return self._apply_(indexing.scatter_add_op, src, dim=dim, index=_raw(index))

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return self._apply_(indexing.scatter_reduce_op, src, dim=dim, index=_raw(index), reduce=reduce,
                            include_self=include_self)

    def index_add_(self, dim, index, source, *, alpha=1):
        return self._apply_(indexing.index_add_op, source, dim=dim, index=_raw(index), alpha=alpha)

    def index_copy_(self, dim, index, source):
        return self._apply_(shape_ops.setitem, source, key=indexing.along_key(self, dim, index, "index_copy_", source))

    def index_fill_(self, dim, index, value):
        return self._apply_(shape_ops.setitem, value, key=indexing.along_key(self, dim, index, "index_fill_"))

    def masked_scatter_(self, mask, source):
        return self.copy_(indexing.masked_scatter(self, mask, source))

    def fill_diagonal_(self, fill_value, wrap=False):
        """Write fill_value on the main diagonal (of a matrix, or of a tensor whose dims are all equal)."""
        return self._apply_(shape_ops.setitem, fill_value, key=triangular.main_diagonal_key(self.shape, wrap))

    def apply_(self, callable):
        """Replace every element x by callable(x) (a Python loop, as in PyTorch; slow on big tensors)."""
        return self.copy_(Tensor._make(np.vectorize(callable, otypes=[self.dtype])(self._data)))

    def bernoulli_(self, p=0.5, *, generator=None):
        return self.copy_(random.bernoulli(self, p, generator=generator))

    def random_(self, from_=0, to=None, *, generator=None):
        low, high = (0, from_) if to is None and from_ else (from_, to)
        high = high if high is not None else 2 ** min(self._data.itemsize * 8 - 1, 53)
        return self.copy_(creation.randint(low, high, self.shape, dtype=self.dtype, generator=generator))

    def exponential_(self, lambd=1.0, *, generator=None):
        draws = random.generator(generator).exponential(1.0 / lambd, self.shape)
        return self.copy_(Tensor._make(draws.astype(self.dtype)))

    # round 3: the in-place forms of more ops, through the same recorded write (_apply_ / _ufunc_)
    def _from_copy_(self, function, *args, **options):
        """self = function(self, ...) for a function that is not one op: computed on a recorded clone
        (so nothing it saves is the array being overwritten), then written by copy_."""
        return self.copy_(function(self.clone(), *args, **options))

    absolute_ = abs_
    negative_ = neg_
    multiply_ = mul_
    subtract_ = sub_
    true_divide_ = div_

    def divide_(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return self.div_(other)
        return self._from_copy_(Tensor.div, other, rounding_mode=rounding_mode)

    def asinh_(self):
        return self._apply_(trigonometric.asinh)

    def acosh_(self):
        return self._apply_(trigonometric.acosh)

    def atanh_(self):
        return self._apply_(trigonometric.atanh)

    arcsin_, arccos_, arctan_, arcsinh_, arccosh_, arctanh_ = asin_, acos_, atan_, asinh_, acosh_, atanh_
    arctan2_ = atan2_

    def copysign_(self, other):
        return self._apply_(rounding.copysign, _operand(other))

    def deg2rad_(self):
        return self._apply_(trigonometric.deg2rad)

    def rad2deg_(self):
        return self._apply_(trigonometric.rad2deg)

    def xlogy_(self, other):
        return self._apply_(exponential.xlogy, _operand(other))

    def float_power_(self, exponent):
        if self.dtype != dtypes.float64 and self.dtype.kind != "c":
            raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype} but the operation's "
                               f"result requires dtype float64")
        return self._from_copy_(Tensor.float_power, exponent)

    def erf_(self):
        from ..special.error import erf
        return self._apply_(erf)

    def erfc_(self):
        from ..special.error import erfc
        return self._apply_(erfc)

    def erfinv_(self):
        from ..special.error import erfinv
        return self._apply_(erfinv)

    def lgamma_(self):
        from ..special.gamma import gammaln
        return self._apply_(gammaln)

    def digamma_(self):
        from ..special.gamma import digamma
        return self._apply_(digamma)

    def i0_(self):
        from ..special.bessel import i0
        return self._apply_(i0)

    def sinc_(self):
        from ..special.elementary import sinc
        return self._apply_(sinc)

    def polygamma_(self, n):
        return self._from_copy_(Tensor.polygamma, n)

    def mvlgamma_(self, p):
        return self._from_copy_(Tensor.mvlgamma, p)

    def conj_physical_(self):
        return self._from_copy_(Tensor.conj_physical)

    def renorm_(self, p, dim, maxnorm):
        return self._from_copy_(Tensor.renorm, p, dim, maxnorm)

    def ldexp_(self, other):
        return self._apply_(binary.ldexp, _operand(other))

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        return self._from_copy_(Tensor.addmm, mat1, mat2, beta=beta, alpha=alpha)

    def addmv_(self, mat, vec, *, beta=1, alpha=1):
        return self._from_copy_(Tensor.addmv, mat, vec, beta=beta, alpha=alpha)

    def addr_(self, vec1, vec2, *, beta=1, alpha=1):
        return self._from_copy_(Tensor.addr, vec1, vec2, beta=beta, alpha=alpha)

    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return self._from_copy_(Tensor.addbmm, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return self._from_copy_(Tensor.baddbmm, batch1, batch2, beta=beta, alpha=alpha)

    # comparisons, logical and bitwise ops in place: the result in self's dtype, a zero gradient
    def _step_(self, function, *others):
        return self._apply_(comparison.step_into, *(_operand(other) for other in others), compute=function)

    def eq_(self, other):
        return self._step_(np.equal, other)

    def ne_(self, other):
        return self._step_(np.not_equal, other)

    def lt_(self, other):
        return self._step_(np.less, other)

    def le_(self, other):
        return self._step_(np.less_equal, other)

    def gt_(self, other):
        return self._step_(np.greater, other)

    def ge_(self, other):
        return self._step_(np.greater_equal, other)

    not_equal_, less_, less_equal_, greater_, greater_equal_ = ne_, lt_, le_, gt_, ge_

    def logical_and_(self, other):
        return self._step_(np.logical_and, other)

    def logical_or_(self, other):
        return self._step_(np.logical_or, other)

    def logical_xor_(self, other):
        return self._step_(np.logical_xor, other)

    def logical_not_(self):
        return self._step_(np.logical_not)

    def bitwise_and_(self, other):
        return self._step_(bitwise.bitwise_and, other)

    def bitwise_or_(self, other):
        return self._step_(bitwise.bitwise_or, other)

    def bitwise_xor_(self, other):
        return self._step_(bitwise.bitwise_xor, other)

    def bitwise_not_(self):
        return self._step_(bitwise.bitwise_not)

    def bitwise_left_shift_(self, other):
        return self._step_(bitwise.bitwise_left_shift, other)

    def bitwise_right_shift_(self, other):
        return self._step_(bitwise.bitwise_right_shift, other)

    def heaviside_(self, values):
        return self._step_(binary.heaviside, values)

    def nextafter_(self, other):
        return self._apply_(binary.nextafter, _operand(other))

    def gcd_(self, other):
        return self._step_(binary.gcd, other)

    def lcm_(self, other):
        return self._step_(binary.lcm, other)

    # shape changes in place: self becomes the view (recorded like a view op, no data is written)
    def _reshape_in_place_(self, function, **options) -> "Tensor":
        if _GradMode.enabled and self.requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        result = function(_position(self, self._data), **options)
        self._data, self.grad_fn, self._index = result._data, result.grad_fn, result._index
        return self

    def unsqueeze_(self, dim):
        return self._reshape_in_place_(shape_ops.unsqueeze, dim=dim)

    def squeeze_(self, dim=None):
        return self._reshape_in_place_(shape_ops.squeeze, dim=_dim(dim, None))

    def transpose_(self, dim0, dim1):
        return self._reshape_in_place_(shape_ops.transpose, dim0=dim0, dim1=dim1)

    swapdims_ = swapaxes_ = transpose_

    def t_(self):
        self.t()  # PyTorch's check: at most 2 dims
        return self._reshape_in_place_(shape_ops.permute, dims=tuple(reversed(range(self.ndim))))

    def as_strided_(self, size, stride, storage_offset=None):
        return self._reshape_in_place_(strided.as_strided, size=tuple(size), stride=tuple(stride),
                                       storage_offset=storage_offset)

    # ---- NumPy protocol: np.exp(t), np.where(c, t, 0) ... dispatch to needl ops -----------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        function = UFUNCS.get(ufunc) if method == "__call__" and not kwargs else None
        if function is not None:
            return function(*inputs)
        return _numpy_fallback(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, function, types, args, kwargs):
        handler = FUNCTIONS.get(function)
        if handler is not None:
            return handler(*args, **kwargs)
        return _numpy_fallback(function, args, kwargs)

    # ---- printing ------------------------------------------------------------------------
    def __repr__(self):
        data = self._data
        prefix = "tensor("
        body = printing.array_string(data, prefix)
        extras = []
        if data.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool):
            extras.append(f"dtype=needl.{data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return prefix + body + "".join(", " + extra for extra in extras) + ")"


def _position(tensor, array):
    """A stand-in for `tensor`'s current place on the tape (its node, or leaf status), holding `array`."""
    stand_in = Tensor._make(array, tensor.grad_fn, tensor._index)
    stand_in.requires_grad = tensor.requires_grad
    return stand_in


def _watch_output(node, counter):
    """Let `node` check that its saved output was not written after it was recorded."""
    counters = getattr(node, "output_counters", None)
    if counters is None:
        node.output_counters = [counter]
    elif counter not in counters:
        counters.append(counter)


def _unwrap(value, name):
    """Tensors (also inside lists and tuples) as their arrays, refusing tensors that require grad."""
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise TypeError(f"numpy.{name} has no needl op, so it cannot be recorded on the tape; "
                            f"call it on tensor.detach() or use the needl function")
        return value._data
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(item, name) for item in value)
    return value


def _numpy_fallback(function, args, kwargs):
    """A NumPy function needl has no op for runs on the arrays and returns NumPy's result."""
    name = getattr(function, "__name__", "function")
    return function(*_unwrap(args, name), **{key: _unwrap(value, name) for key, value in kwargs.items()})


# The ops import Tensor, so they are bound here, after the class exists.
from .ops import elementwise, linalg, reduce  # noqa: E402
from .ops import (arithmetic, comparison, counting, cumulative, exponential, indexing,  # noqa: E402
                  products, rearrange, rounding, sorting, strided, triangular, trigonometric)
from .ops import binary, bitwise, scatter_into, statistics  # noqa: E402
from .ops import matrix_exp as matrix_exp_op  # noqa: E402
from .ops import shape as shape_ops  # noqa: E402
from .ops.dims import wrap_dim  # noqa: E402
from . import creation, printing, random, switches  # noqa: E402
from . import functional  # noqa: E402
from .ops.numpy_protocol import FUNCTIONS, UFUNCS  # noqa: E402
from . import engine, tape  # noqa: E402
from .function import _counter_of  # noqa: E402
from .hooks import RemovableHandle  # noqa: E402
from .tape import Node  # noqa: E402
