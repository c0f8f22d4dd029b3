"""RNN, LSTM, GRU and their single-step cells, with PyTorch's parameters, shapes and gate order.

Each layer and direction runs as one fused tape node (needl.nn.functional.recurrent); the
modules only check shapes, pick the weights, stack the final states and apply dropout between
layers. A PackedSequence input runs as one fused node per run of time steps with the same batch
size (the sequences still running), so each sequence stops at its own length: the reverse
direction starts at each sequence's own end, and h_n is taken at each sequence's length.
"""
import math
import numbers
import warnings

import numpy as np

from ...autograd.creation import empty, zeros
from ...autograd.functional import cat, stack
from ...autograd.tensor import Tensor
from .. import init
from ..functional import recurrent as fused
from ..factory import factory_dtype
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """Shared constructor, parameters and forward of RNN, LSTM and GRU (mode picks the cell)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability "
                             f"of an element being zeroed, got {dropout}")
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool) or hidden_size <= 0:
            raise ValueError(f"hidden_size must be a positive integer, got {hidden_size!r}")
        if not isinstance(input_size, int) or isinstance(input_size, bool) or input_size < 0:
            raise ValueError(f"input_size must be a non-negative integer, got {input_size!r}")
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers <= 0:
            raise ValueError(f"num_layers must be a positive integer, got {num_layers!r}")
        if proj_size != 0:
            raise NotImplementedError("needl's LSTM does not implement proj_size (projections)")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        dtype = factory_dtype(device, dtype)
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input_size)), ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(*shape, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """No-op kept for PyTorch scripts: the weights are used in place, there is nothing to compact."""

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction: [[w_ih, w_hh, b_ih, b_hh], ...]."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    # ---- forward ---------------------------------------------------------------------------
    def _check_input(self, input):
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead "
                             f"(shape {tuple(input.shape)})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise RuntimeError(f"{name}: input dtype {input.dtype} does not match the parameters' dtype "
                               f"{weight.dtype}; convert one with .float() / .double()")

    def _check_state(self, state, batched, batch, label):
        directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * directions, batch, self.hidden_size)
        if not batched:
            expected = (expected[0], expected[2])
        if not isinstance(state, Tensor):
            raise TypeError(f"{type(self).__name__}: {label} must be a Tensor, got {type(state).__name__}")
        if tuple(state.shape) != expected:
            raise RuntimeError(f"Expected {label} size {expected}, got {tuple(state.shape)}")
        if state.dtype != self.weight_ih_l0.dtype:
            raise RuntimeError(f"{type(self).__name__}: {label} dtype {state.dtype} does not match the "
                               f"parameters' dtype {self.weight_ih_l0.dtype}")

    def _run(self, input, states):
        """The layers over a batched input; states: per state kind a (L*D, B, H) Tensor or None.

        Returns the last layer's output and, per state kind, the stacked final states.
        """
        directions = 2 if self.bidirectional else 1
        layer_input = input
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                weights = [getattr(self, name) for name in self._all_weights[index]]
                if not self.bias:
                    weights += [None, None]
                initial = [None if state is None else state[index] for state in states]
                result = self._cell_sequence(layer_input, initial, weights, reverse=direction == 1)
                outputs.append(result[0])
                for kind, final in enumerate(result[1:]):
                    finals[kind].append(final)
            layer_input = outputs[0] if directions == 1 else cat(outputs, dim=-1)
            if self.dropout > 0 and self.training and layer + 1 < self.num_layers:
                from ..functional import dropout
                layer_input = dropout(layer_input, p=self.dropout, training=True)
        stacked = [final[0].unsqueeze(0) if len(final) == 1 else stack(final, dim=0) for final in finals]
        return layer_input, stacked

    def _cell_sequence(self, input, initial, weights, reverse, batch_first=None):
        batch_first = self.batch_first if batch_first is None else batch_first
        if self.mode == "LSTM":
            return fused.lstm(input, initial[0], initial[1], *weights, batch_first=batch_first, reverse=reverse)
        if self.mode == "GRU":
            return fused.gru(input, initial[0], *weights, batch_first=batch_first, reverse=reverse)
        function = fused.rnn_tanh if self.mode == "RNN_TANH" else fused.rnn_relu
        return function(input, initial[0], *weights, batch_first=batch_first, reverse=reverse)

    def _run_packed(self, data, batch_sizes, states):
        """The layers over packed `data` (sum of batch_sizes, features); states as in _run, in sorted order.

        Time steps with the same batch size form a run; each run is one fused call on its
        (steps, batch, features) block. Forward: a run starts from the previous run's final
        states (the sequences that ended there leave their final states behind). Reverse: runs
        go from last to first, and the sequences that end in a run start there from h_0.
        """
        runs, start = [], 0  # (first row in data, steps, batch) per run of equal batch sizes
        for size in np.unique(batch_sizes)[::-1]:
            steps = int(np.count_nonzero(batch_sizes == size))
            runs.append((start, steps, int(size)))
            start += steps * int(size)
        batch = int(batch_sizes[0])
        directions = 2 if self.bidirectional else 1
        dtype = self.weight_ih_l0.dtype
        finals = [[] for _ in states]
        layer_data = data
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                weights = [getattr(self, name) for name in self._all_weights[index]] + ([] if self.bias else [None, None])
                initial = [zeros(batch, self.hidden_size, dtype=dtype) if state is None else state[index]
                           for state in states]
                pieces, ends = self._packed_direction(layer_data, runs, initial, weights, reverse=direction == 1)
                outputs.append(pieces)
                for kind, final in enumerate(ends):
                    finals[kind].append(final)
            layer_data = outputs[0] if directions == 1 else cat(outputs, dim=-1)
            if self.dropout > 0 and self.training and layer + 1 < self.num_layers:
                from ..functional import dropout
                layer_data = dropout(layer_data, p=self.dropout, training=True)
        return layer_data, [stack(final, dim=0) for final in finals]

    def _packed_direction(self, data, runs, initial, weights, reverse):
        """One layer and direction over the runs: (packed output, final state per kind, (B, H) each)."""
        features = data.shape[-1]
        blocks = [None] * len(runs)
        order = range(len(runs) - 1, -1, -1) if reverse else range(len(runs))
        carried, finished = None, []  # the states flowing between runs; the rows that stopped
        for position in order:
            start, steps, size = runs[position]
            block = data[start:start + steps * size].reshape(steps, size, features)
            if carried is None:
                state = [s[:size] for s in initial]
            elif reverse:  # the sequences that end in this run start here
                state = [cat([c, s[c.shape[0]:size]], dim=0) for c, s in zip(carried, initial)]
            else:
                state = [c[:size] for c in carried]
            result = self._cell_sequence(block, state, weights, reverse, batch_first=False)
            blocks[position] = result[0].reshape(steps * size, -1)
            if not reverse:  # the rows that stop after this run (the next run is smaller)
                following = runs[position + 1][2] if position + 1 < len(runs) else 0
                finished.append([r[following:size] for r in result[1:]])
            carried = list(result[1:])
        output = cat(blocks, dim=0) if len(blocks) > 1 else blocks[0]
        if reverse:
            return output, carried
        ends = [cat([rows[kind] for rows in reversed(finished)], dim=0) for kind in range(len(initial))]
        return output, ends

    def _forward_packed(self, input, states, labels):
        data = input.data
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got packed data of shape {tuple(data.shape)}")
        if data.dtype != self.weight_ih_l0.dtype:
            raise RuntimeError(f"{type(self).__name__}: input dtype {data.dtype} does not match the parameters' "
                               f"dtype {self.weight_ih_l0.dtype}")
        batch_sizes = np.asarray(input.batch_sizes._data if isinstance(input.batch_sizes, Tensor)
                                 else input.batch_sizes, dtype=np.int64)
        batch = int(batch_sizes[0])
        sorted_indices = None if input.sorted_indices is None else np.asarray(input.sorted_indices._data)
        for state, label in zip(states, labels):
            if state is not None:
                self._check_state(state, True, batch, label)
        if sorted_indices is not None:  # hx comes in the caller's batch order
            states = [None if state is None else state[:, sorted_indices] for state in states]
        output, finals = self._run_packed(data, batch_sizes, states)
        if input.unsorted_indices is not None:
            unsorted = np.asarray(input.unsorted_indices._data)
            finals = [final[:, unsorted] for final in finals]
        return PackedSequence(output, input.batch_sizes, input.sorted_indices, input.unsorted_indices), finals

    def _forward(self, input, states, labels):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, states, labels)
        self._check_input(input)
        batched = input.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        batch = input.shape[batch_dim] if batched else 1
        for state, label in zip(states, labels):
            if state is not None:
                self._check_state(state, batched, batch, label)
        if not batched:
            input = input.unsqueeze(batch_dim)
            states = [None if state is None else state.unsqueeze(1) for state in states]
        output, finals = self._run(input, states)
        if not batched:
            output = output.squeeze(batch_dim)
            finals = [final.squeeze(1) for final in finals]
        return output, finals


class RNN(RNNBase):
    """Elman RNN: h_t = nonlinearity(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), nonlinearity 'tanh' or 'relu'.

    forward(input, hx=None) -> (output, h_n); input (T, B, input_size) or (B, T, input_size) with
    batch_first, or unbatched (T, input_size); hx and h_n (num_layers * directions, B, hidden_size).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text + (f", nonlinearity='{self.nonlinearity}'" if self.nonlinearity != "tanh" else "")

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple:
        output, (h_n,) = self._forward(input, [hx], ["hidden"])
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory, gates (i, f, g, o) as PyTorch; one fused tape node per layer and direction.

    forward(input, hx=None) -> (output, (h_n, c_n)); hx is a pair (h_0, c_0) of
    (num_layers * directions, B, hidden_size) Tensors, zeros when None.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError("LSTM: hx must be a tuple (h_0, c_0) of Tensors")
        output, (h_n, c_n) = self._forward(input, list(hx), ["hidden", "cell"])
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit, gates (r, z, n) as PyTorch: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h' = (1 - z) * n + z * h. forward(input, hx=None) -> (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple:
        output, (h_n,) = self._forward(input, [hx], ["hidden"])
        return output, h_n


# ---- cells ------------------------------------------------------------------------------------

class RNNCellBase(Module):
    """Shared parameters (weight_ih, weight_hh, bias_ih, bias_hh) and checks of the single-step cells."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None):
        super().__init__()
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool) or hidden_size <= 0:
            raise ValueError(f"hidden_size must be a positive integer, got {hidden_size!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        dtype = factory_dtype(device, dtype)
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity='{self.nonlinearity}'"
        return text

    def _prepare(self, input, states, labels):
        """Batched (B, ·) input and states (None stays None); also whether the input was unbatched."""
        name = type(self).__name__
        if not isinstance(input, Tensor) or input.ndim not in (1, 2):
            shape = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {shape}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        if input.dtype != self.weight_ih.dtype:
            raise RuntimeError(f"{name}: input dtype {input.dtype} does not match the parameters' dtype "
                               f"{self.weight_ih.dtype}")
        batched = input.ndim == 2
        expected = (input.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        for state, label in zip(states, labels):
            if state is not None and tuple(state.shape) != expected:
                raise RuntimeError(f"{name}: {label} has shape {tuple(state.shape)}, expected {expected}")
            if state is not None and state.dtype != input.dtype:
                raise RuntimeError(f"{name}: {label} dtype {state.dtype} does not match input dtype {input.dtype}")
        if not batched:
            input = input.unsqueeze(0)
            states = [None if state is None else state.unsqueeze(0) for state in states]
        return input, states, batched

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = nonlinearity(x W_ih^T + b_ih + h W_hh^T + b_hh); forward(input, hx=None) -> h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (hx,), batched = self._prepare(input, [hx], ["hx"])
        function = fused.rnn_tanh if self.nonlinearity == "tanh" else fused.rnn_relu
        _, h = function(input, hx, *self._weights())
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, gates (i, f, g, o); forward(input, hx=None) with hx = (h, c) -> (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError("LSTMCell: hx must be a tuple (h, c) of Tensors")
        input, (h, c), batched = self._prepare(input, list(hx), ["h", "c"])
        _, h, c = fused.lstm(input, h, c, *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step, gates (r, z, n); forward(input, hx=None) -> h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (hx,), batched = self._prepare(input, [hx], ["hx"])
        _, h = fused.gru(input, hx, *self._weights())
        return h if batched else h.squeeze(0)
