"""A reader for pickles of plain data, which never runs the pickle (never imports or calls).

CIFAR's "python version" batches are pickles: a dict of bytes/str keys, lists of ints and
bytes, and one NumPy uint8 array. Python's unpickler would call whatever the file names; this
reader interprets the opcodes itself and accepts only None, bools, ints, floats, str, bytes,
tuples, lists, dicts and NumPy arrays of plain dtypes (the few NumPy names a pickled array
refers to are recognised as data, not imported). Anything else is refused with its name.
"""
import codecs
import struct
from typing import Any, Dict, List

import numpy as np

_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}
_FROMBUFFER = {("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer")}
_ALLOWED = _RECONSTRUCT | _FROMBUFFER | {("numpy", "ndarray"), ("numpy", "dtype"),
                                         ("_codecs", "encode")}


class UnsafePickleError(ValueError):
    """A pickle that needs more than plain data (it names a class or function not allowed)."""


class _Global:
    """A name the pickle refers to; only the allowed ones, and only as markers."""
    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name


class _PendingArray:
    """`ndarray` made by `_reconstruct`, whose contents the following BUILD provides."""


def _reduce(function: Any, arguments: tuple) -> Any:
    key = (function.module, function.name) if isinstance(function, _Global) else None
    if key in _RECONSTRUCT:
        return _PendingArray()
    if key == ("numpy", "dtype"):
        name = arguments[0]
        return np.dtype(name.decode("ascii") if isinstance(name, bytes) else name)
    if key == ("_codecs", "encode") and len(arguments) == 2 and \
            arguments[1].replace("-", "") == "latin1":  # protocol 2's spelling of bytes
        return arguments[0].encode("latin1")
    if key in _FROMBUFFER:
        buffer, dtype, shape, order = arguments
        return np.frombuffer(buffer, dtype=dtype).reshape(shape, order=order).copy()
    raise UnsafePickleError(f"refusing to call {key or function!r} while unpickling")


def _build(target: Any, state: Any) -> Any:
    if isinstance(target, _PendingArray):
        _version, shape, dtype, fortran, raw = state
        if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(raw, bytes):
            raise UnsafePickleError(f"refusing a pickled array of dtype {dtype}: only plain "
                                    f"numeric arrays are read")
        return np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()
    if isinstance(target, np.dtype) and isinstance(state, tuple) and len(state) >= 2:
        order = state[1].decode("ascii") if isinstance(state[1], bytes) else state[1]
        return target.newbyteorder(order) if order in ("<", ">") else target
    raise UnsafePickleError(f"refusing to set the state of a {type(target).__name__} while "
                            f"unpickling")


def loads(content: bytes) -> Any:
    """The plain data pickled in `content` (protocols 0-5, Python 2 strings as bytes)."""
    stack: List[Any] = []
    marks: List[int] = []
    memo: Dict[int, Any] = {}
    position = 0

    def take(size: int) -> bytes:
        nonlocal position
        if position + size > len(content):
            raise ValueError("pickle data was truncated")
        chunk = content[position:position + size]
        position += size
        return chunk

    def line() -> bytes:
        nonlocal position
        end = content.find(b"\n", position)
        if end < 0:
            raise ValueError("pickle data was truncated")
        text, position = content[position:end], end + 1
        return text

    def unsigned(size: int) -> int:
        return int.from_bytes(take(size), "little")

    def pop_mark() -> List[Any]:
        start = marks.pop()
        items = stack[start:]
        del stack[start:]
        return items

    def replace(old: Any, new: Any) -> None:
        stack[-1] = new
        for key, value in memo.items():
            if value is old:
                memo[key] = new

    while True:
        opcode = take(1)
        if opcode == b".":                                   # STOP
            return stack.pop()
        if opcode in (b"\x80", b"\x95"):                     # PROTO, FRAME
            take(1 if opcode == b"\x80" else 8)
        elif opcode == b"(":
            marks.append(len(stack))
        elif opcode == b"0":
            stack.pop()
        elif opcode == b"1":
            pop_mark()
        elif opcode == b"2":
            stack.append(stack[-1])
        elif opcode == b"N":
            stack.append(None)
        elif opcode in (b"\x88", b"\x89"):
            stack.append(opcode == b"\x88")
        elif opcode == b"J":
            stack.append(int.from_bytes(take(4), "little", signed=True))
        elif opcode in (b"K", b"M"):
            stack.append(unsigned(1 if opcode == b"K" else 2))
        elif opcode in (b"\x8a", b"\x8b"):                   # LONG1, LONG4
            stack.append(int.from_bytes(take(unsigned(1 if opcode == b"\x8a" else 4)), "little",
                                        signed=True))
        elif opcode in (b"I", b"L"):                         # text ints (protocol 0)
            text = line().rstrip(b"L")
            stack.append({b"00": False, b"01": True}.get(text, None) if text in (b"00", b"01")
                         else int(text))
        elif opcode == b"G":
            stack.append(struct.unpack(">d", take(8))[0])
        elif opcode == b"F":
            stack.append(float(line()))
        elif opcode == b"V":
            stack.append(line().decode("raw-unicode-escape"))
        elif opcode == b"S":                                 # quoted Python 2 str (protocol 0)
            quoted = line()
            if len(quoted) < 2 or quoted[:1] != quoted[-1:] or quoted[:1] not in (b"'", b'"'):
                raise ValueError("pickle: a STRING opcode's argument is not quoted")
            stack.append(codecs.escape_decode(quoted[1:-1])[0])
        elif opcode in (b"U", b"T", b"C", b"B", b"\x8e", b"\x96"):  # byte strings
            size = {b"U": 1, b"C": 1, b"T": 4, b"B": 4}.get(opcode, 8)
            stack.append(bytes(take(unsigned(size))))
        elif opcode in (b"\x8c", b"X", b"\x8d"):             # unicode strings
            size = {b"\x8c": 1, b"X": 4}.get(opcode, 8)
            stack.append(take(unsigned(size)).decode("utf-8", "surrogatepass"))
        elif opcode == b")":
            stack.append(())
        elif opcode in (b"\x85", b"\x86", b"\x87"):
            count = opcode[0] - 0x84
            items = tuple(stack[len(stack) - count:])
            del stack[len(stack) - count:]
            stack.append(items)
        elif opcode == b"t":
            stack.append(tuple(pop_mark()))
        elif opcode == b"]":
            stack.append([])
        elif opcode == b"l":
            stack.append(pop_mark())
        elif opcode == b"}":
            stack.append({})
        elif opcode == b"d":
            items = pop_mark()
            stack.append(dict(zip(items[::2], items[1::2])))
        elif opcode == b"a":
            value = stack.pop()
            stack[-1].append(value)
        elif opcode == b"e":
            items = pop_mark()
            stack[-1].extend(items)
        elif opcode == b"s":
            value, key = stack.pop(), stack.pop()
            stack[-1][key] = value
        elif opcode == b"u":
            items = pop_mark()
            stack[-1].update(zip(items[::2], items[1::2]))
        elif opcode in (b"q", b"r", b"p"):                   # BINPUT, LONG_BINPUT, PUT
            key = int(line()) if opcode == b"p" else unsigned(1 if opcode == b"q" else 4)
            memo[key] = stack[-1]
        elif opcode == b"\x94":                              # MEMOIZE
            memo[len(memo)] = stack[-1]
        elif opcode in (b"h", b"j", b"g"):                   # BINGET, LONG_BINGET, GET
            key = int(line()) if opcode == b"g" else unsigned(1 if opcode == b"h" else 4)
            stack.append(memo[key])
        elif opcode in (b"c", b"\x93"):                      # GLOBAL, STACK_GLOBAL
            if opcode == b"c":
                module, name = line().decode("ascii"), line().decode("ascii")
            else:
                name = stack.pop()
                module = stack.pop()
            if (module, name) not in _ALLOWED:
                raise UnsafePickleError(f"refusing to load {module}.{name}: this reader accepts "
                                        f"only plain data (dicts, lists, bytes, numbers, arrays)")
            stack.append(_Global(module, name))
        elif opcode == b"R":
            arguments = stack.pop()
            stack[-1] = _reduce(stack[-1], arguments)
        elif opcode == b"b":
            state = stack.pop()
            replace(stack[-1], _build(stack[-1], state))
        else:
            raise UnsafePickleError(f"unsupported pickle opcode {opcode!r} at byte "
                                    f"{position - 1}: this reader accepts only plain data")
