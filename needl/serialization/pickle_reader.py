"""A restricted pickle interpreter: reads the pickles inside PyTorch checkpoints without running one.

Python's pickle machinery calls whatever a file names, sets attributes on whatever it built and
creates instances of any class; this interpreter does none of that. It reads the opcodes itself
(the subset that pickle protocols 0-5 use for data: containers, numbers, strings, bytes, memo,
GLOBAL, REDUCE, NEWOBJ, BUILD, persistent ids), and

- GLOBAL asks `resolve(module, name)`, which returns an allowed value or raises, naming the global;
- REDUCE and NEWOBJ only call `Global` objects, needl's own rebuild functions (never the named
  object itself);
- BUILD only fills an OrderedDict's attributes (a state_dict's `_metadata`) or finishes a `Pending`
  object that a Global returned (a NumPy array rebuilt from its bytes, for instance);
- a persistent id goes to `persistent_load` (the storages of a PyTorch checkpoint).

Anything else raises CheckpointError. Sizes are bounded by the bytes of the pickle itself.
"""
import pickle
import struct
from collections import OrderedDict
from typing import Any, Callable

from .errors import CheckpointError

# Python 2 names that protocol-2 pickles use (torch.save writes '__builtin__ set')
_PYTHON2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


class Global:
    """What GLOBAL pushes for an allowed callable: REDUCE calls `call`, NEWOBJ calls `new`."""
    __slots__ = ("path", "call", "new")

    def __init__(self, path: str, call: Callable | None = None, new: Callable | None = None):
        self.path, self.call, self.new = path, call, new

    def __repr__(self):
        return f"<allowed global {self.path}>"


class Pending:
    """An object a Global made that BUILD completes: `finish(state)` returns the real value."""
    __slots__ = ("finish",)

    def __init__(self, finish: Callable[[Any], Any]):
        self.finish = finish


class _Mark:
    __slots__ = ()


_MARK = _Mark()


def _push(value):
    def handler(self):
        self.stack.append(value)
    return handler

def _text(size_format: str):
    def handler(self):
        raw = self.read(self.unpack(size_format))
        try:
            self.stack.append(str(raw, "utf-8", "surrogatepass"))
        except UnicodeDecodeError:
            self.fail("a string in the pickle is not UTF-8")
    return handler

def _bytes(size_format: str, python2_string: bool = False):
    def handler(self):
        raw = self.read(self.unpack(size_format))
        # Python 2 str: text in the checkpoints PyTorch wrote under Python 2
        self.stack.append(raw.decode("latin-1") if python2_string else bytes(raw))
    return handler

def _empty(factory):
    def handler(self):
        self.stack.append(factory())
    return handler

def _tuple_n(count):
    def handler(self):
        if len(self.stack) < count or any(item is _MARK for item in self.stack[-count:]):
            self.fail("the pickle builds a tuple from an empty stack")
        items = tuple(self.stack[-count:])
        del self.stack[-count:]
        self.stack.append(items)
    return handler


class Unpickler:
    """Interprets one pickle from `data[position:]`; `load()` returns (object, end position)."""

    def __init__(self, data: bytes, position: int, resolve: Callable[[str, str], Any],
                 persistent_load: Callable[[Any], Any], name: str, where: str):
        self.data = data
        self.position = position
        self.resolve = resolve
        self.persistent_load = persistent_load
        self.name = name
        self.where = where
        self.stack: list = []
        self.memo: dict = {}

    # ---- reading ------------------------------------------------------------------------------
    def fail(self, message: str):
        raise CheckpointError(f"{self.name}: {self.where}: {message}")

    def read(self, count: int) -> bytes:
        end = self.position + count
        if count < 0 or end > len(self.data):
            self.fail("the pickle is truncated")
        chunk = self.data[self.position:end]
        self.position = end
        return chunk

    def unpack(self, fmt: str):
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def readline(self) -> bytes:
        end = self.data.find(b"\n", self.position)
        if end < 0:
            self.fail("the pickle is truncated")
        line = self.data[self.position:end]
        self.position = end + 1
        return line

    def pop(self):
        if not self.stack or self.stack[-1] is _MARK:
            self.fail("the pickle pops an empty stack")
        return self.stack.pop()

    def top(self):
        if not self.stack or self.stack[-1] is _MARK:
            self.fail("the pickle reads an empty stack")
        return self.stack[-1]

    def pop_mark(self) -> list:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index] is _MARK:
                items = self.stack[index + 1:]
                del self.stack[index:]
                return items
        self.fail("the pickle has no MARK where one is needed")

    # ---- the loop -----------------------------------------------------------------------------
    def load(self) -> tuple[Any, int]:
        dispatch = self._dispatch
        while True:
            opcode = self.read(1)[0]
            handler = dispatch.get(opcode)
            if handler is None:
                self.fail(f"unsupported pickle opcode {bytes([opcode])!r} at byte "
                          f"{self.position - 1} (needl reads data pickles only)")
            if handler(self):  # STOP
                if len(self.stack) != 1:
                    self.fail("the pickle ends with a malformed stack")
                return self.stack[0], self.position

    def _stop(self):
        return True

    def _proto(self):
        if self.read(1)[0] > 5:
            self.fail("unknown pickle protocol")

    def _frame(self):
        self.read(8)  # a frame's length: the opcodes follow as usual

    def _mark(self):
        self.stack.append(_MARK)

    def _pop_value(self):
        if self.stack and self.stack[-1] is _MARK:
            self.pop_mark()
        else:
            self.pop()

    def _pop_to_mark(self):
        self.pop_mark()

    def _dup(self):
        self.stack.append(self.top())

    # numbers
    def _binint(self):
        self.stack.append(self.unpack("<i"))

    def _binint1(self):
        self.stack.append(self.read(1)[0])

    def _binint2(self):
        self.stack.append(self.unpack("<H"))

    def _long1(self):
        self.stack.append(int.from_bytes(self.read(self.read(1)[0]), "little", signed=True))

    def _long4(self):
        self.stack.append(int.from_bytes(self.read(self.unpack("<i")), "little", signed=True))

    def _binfloat(self):
        self.stack.append(self.unpack(">d"))

    def _int_text(self):
        line = self.readline()
        value = {b"00": False, b"01": True}.get(line)
        self.stack.append(value if value is not None else self._parse(int, line.rstrip(b"L")))

    def _float_text(self):
        self.stack.append(self._parse(float, self.readline()))

    def _unicode_text(self):  # protocol 0
        self.stack.append(self.readline().decode("raw-unicode-escape"))

    def _parse(self, kind, text: bytes):
        try:
            return kind(text.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            self.fail(f"bad number {text[:40]!r} in the pickle")

    # strings and bytes
    # containers
    def _tuple(self):
        self.stack.append(tuple(self.pop_mark()))

    def _list(self):
        self.stack.append(self.pop_mark())

    def _dict(self):
        items = self.pop_mark()
        self.stack.append(self._set_items({}, items))

    def _target(self, kinds: tuple, what: str):
        target = self.top()
        if type(target) not in kinds:
            self.fail(f"{what} on a {type(target).__name__}")
        return target

    def _append(self):
        item = self.pop()
        self._target((list,), "APPEND").append(item)

    def _appends(self):
        items = self.pop_mark()
        self._target((list,), "APPENDS").extend(items)

    def _set_items(self, target, items):
        if len(items) % 2:
            self.fail("SETITEMS with an odd number of items")
        try:
            for index in range(0, len(items), 2):
                target[items[index]] = items[index + 1]
        except TypeError:
            self.fail("a dict key in the pickle is unhashable")
        return target

    def _setitem(self):
        value = self.pop()
        key = self.pop()
        self._set_items(self._target((dict, OrderedDict), "SETITEM"), [key, value])

    def _setitems(self):
        items = self.pop_mark()
        self._set_items(self._target((dict, OrderedDict), "SETITEMS"), items)

    def _additems(self):
        items = self.pop_mark()
        try:
            self._target((set,), "ADDITEMS").update(items)
        except TypeError:
            self.fail("a set item in the pickle is unhashable")

    def _frozenset(self):
        try:
            self.stack.append(frozenset(self.pop_mark()))
        except TypeError:
            self.fail("a set item in the pickle is unhashable")

    # memo
    def _put(self, key):
        self.memo[key] = self.top()

    def _get(self, key):
        if key not in self.memo:
            self.fail(f"the pickle reads memo entry {key}, which it never wrote")
        self.stack.append(self.memo[key])

    def _binput(self):
        self._put(self.read(1)[0])

    def _long_binput(self):
        self._put(self.unpack("<I"))

    def _put_text(self):
        self._put(self._parse(int, self.readline()))

    def _memoize(self):
        self._put(len(self.memo))

    def _binget(self):
        self._get(self.read(1)[0])

    def _long_binget(self):
        self._get(self.unpack("<I"))

    def _get_text(self):
        self._get(self._parse(int, self.readline()))

    # the risky ones: names, calls, instances, state
    def _global(self):
        module = self._ascii(self.readline())
        name = self._ascii(self.readline())
        self._push_global(module, name)

    def _stack_global(self):
        name = self.pop()
        module = self.pop()
        if not isinstance(module, str) or not isinstance(name, str):
            self.fail("STACK_GLOBAL with names that are not strings")
        self._push_global(module, name)

    def _ascii(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fail(f"a global name in the pickle is not text: {raw[:40]!r}")

    def _push_global(self, module: str, name: str):
        module = _PYTHON2_MODULES.get(module, module)
        self.stack.append(self.resolve(module, name))

    def _reduce(self):
        args = self.pop()
        function = self.pop()
        if not isinstance(function, Global) or function.call is None:
            self.fail(f"the pickle calls {_describe(function)}, which needl does not call")
        if not isinstance(args, tuple):
            self.fail(f"the pickle calls {function.path} with {type(args).__name__} arguments")
        self.stack.append(function.call(*args))

    def _newobj(self):
        args = self.pop()
        cls = self.pop()
        if not isinstance(cls, Global) or cls.new is None:
            self.fail(f"the pickle creates an instance of {_describe(cls)}, which needl does not "
                      f"create")
        if not isinstance(args, tuple):
            self.fail(f"the pickle creates {cls.path} with {type(args).__name__} arguments")
        self.stack.append(cls.new(*args))

    def _newobj_ex(self):
        kwargs = self.pop()
        if kwargs:
            self.fail("the pickle creates an instance with keyword arguments")
        self._newobj()

    def _build(self):
        state = self.pop()
        instance = self.top()
        if type(instance) is OrderedDict:  # a state_dict's _metadata
            if not isinstance(state, dict) or not all(isinstance(key, str) for key in state):
                self.fail("BUILD of an OrderedDict with a state that is not a dict of names")
            instance.__dict__.update(state)
        elif isinstance(instance, Pending):
            result = instance.finish(state)
            self.stack[-1] = result
            for key, value in self.memo.items():  # the memo must hand out the finished object
                if value is instance:
                    self.memo[key] = result
        else:
            self.fail(f"the pickle sets the state of a {type(instance).__name__}, which needl "
                      f"does not do")

    def _binpersid(self):
        self.stack.append(self.persistent_load(self.pop()))

    def _persid(self):
        self.stack.append(self.persistent_load(self._ascii(self.readline())))



_U = Unpickler
_handlers = {
    "STOP": _U._stop, "PROTO": _U._proto, "FRAME": _U._frame, "MARK": _U._mark,
    "POP": _U._pop_value, "POP_MARK": _U._pop_to_mark, "DUP": _U._dup,
    "NONE": _push(None), "NEWTRUE": _push(True), "NEWFALSE": _push(False),
    "BININT": _U._binint, "BININT1": _U._binint1, "BININT2": _U._binint2, "LONG1": _U._long1,
    "LONG4": _U._long4, "BINFLOAT": _U._binfloat, "INT": _U._int_text, "LONG": _U._int_text,
    "FLOAT": _U._float_text,
    "UNICODE": _U._unicode_text, "BINUNICODE": _text("<I"), "SHORT_BINUNICODE": _text("<B"), "BINUNICODE8": _text("<Q"),
    "BINBYTES": _bytes("<I"), "SHORT_BINBYTES": _bytes("<B"), "BINBYTES8": _bytes("<Q"),
    "BINSTRING": _bytes("<I", True), "SHORT_BINSTRING": _bytes("<B", True),
    "EMPTY_TUPLE": _empty(tuple), "EMPTY_LIST": _empty(list), "EMPTY_DICT": _empty(dict),
    "EMPTY_SET": _empty(set), "TUPLE": _U._tuple, "TUPLE1": _tuple_n(1), "TUPLE2": _tuple_n(2),
    "TUPLE3": _tuple_n(3), "LIST": _U._list, "DICT": _U._dict,
    "APPEND": _U._append, "APPENDS": _U._appends, "SETITEM": _U._setitem,
    "SETITEMS": _U._setitems, "ADDITEMS": _U._additems, "FROZENSET": _U._frozenset,
    "BINPUT": _U._binput, "LONG_BINPUT": _U._long_binput, "PUT": _U._put_text,
    "MEMOIZE": _U._memoize, "BINGET": _U._binget, "LONG_BINGET": _U._long_binget,
    "GET": _U._get_text,
    "GLOBAL": _U._global, "STACK_GLOBAL": _U._stack_global, "REDUCE": _U._reduce,
    "NEWOBJ": _U._newobj, "NEWOBJ_EX": _U._newobj_ex, "BUILD": _U._build,
    "BINPERSID": _U._binpersid, "PERSID": _U._persid,
}
# the opcode bytes are the pickle module's constants (only the constants: nothing of it runs)
Unpickler._dispatch = {getattr(pickle, name)[0]: handler for name, handler in _handlers.items()}
del _U, _handlers


def _describe(obj) -> str:
    if isinstance(obj, Global):
        return obj.path
    return f"a {type(obj).__name__}"


def load(data: bytes, position: int, resolve, persistent_load, name: str,
         where: str = "the pickle") -> tuple[Any, int]:
    """Interpret the pickle at data[position:]; returns (object, the position after its STOP)."""
    try:
        return Unpickler(data, position, resolve, persistent_load, name, where).load()
    except RecursionError:
        raise CheckpointError(f"{name}: {where}: the pickle nests too deeply") from None
