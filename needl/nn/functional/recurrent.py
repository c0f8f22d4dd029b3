"""Fused recurrent ops: one layer and direction of an LSTM, GRU or Elman RNN over a whole sequence.

Each call is one tape node. The loop does one matmul per step (the GRU and RNN project every
step's input with one matmul before it; the LSTM's step GEMM takes [x_t; 1; h] at once) and the
gate math in buffers reused between calls (`_workspace`); the vjp runs backward through time with
one small matmul per step and then gets the weight and input gradients with one large matmul
each. Weights use PyTorch's layout and gate order (LSTM: i, f, g, o; GRU: r, z, n); a 2-D input
is a single time step (the cells use that).
"""
import numpy as np

from ...autograd import Tensor
from ...autograd.function import op
from ...autograd.functional import stack
from ._second_order import composed_vjp, is_create_graph
from ._workspace import Workspace

# the large per-call buffers (gates, states, their gradients) of every recurrent op come from here,
# so that a training loop reuses the same memory instead of paging in fresh arrays every step
_buffers = Workspace(capacity=256 * 2**20)

# NumPy's float32 tanh is about twice as fast as its exp (10 against 19 us on 64 x 512), so the
# sigmoid gates use sigmoid(x) = (tanh(x / 2) + 1) / 2: the forward halves their weights and
# biases once, and a tanh call covers the sigmoid gates (the LSTM's: every gate) of a step.
_SIGMOID_SCALE = 0.5


def _sigmoid_of_halved(buffer):
    """In place: buffer <- (tanh(buffer) + 1) / 2, i.e. sigmoid of the unhalved pre-activation."""
    np.tanh(buffer, out=buffer)
    half = buffer.dtype.type(0.5)  # a NumPy scalar: a Python float makes NumPy buffer strided views
    buffer *= half
    buffer += half


def _copy(array):
    """array.copy() into a workspace buffer."""
    copy = _buffers.empty(array.shape, array.dtype)
    np.copyto(copy, array)
    return copy


def _array(value):
    return value._data if isinstance(value, Tensor) else value


def _steps(count, reverse):
    """(t, previous, current) per step: the hidden state buffers hold count + 1 slots, the
    initial state at slot 0 (forward) or slot `count` (reverse)."""
    if reverse:
        return [(t, t + 1, t) for t in range(count - 1, -1, -1)]
    return [(t, t, t + 1) for t in range(count)]


def _time_major(array, batch_first):
    """A (T, B, ...) view of a sequence stored as (T, B, ...) or (B, T, ...)."""
    return array.swapaxes(0, 1) if batch_first else array


def _project(input, weight, bias, batch_first, out=None):
    """input @ weight.T + bias for every time step in one matmul, as a contiguous (T, B, G) array
    (written into `out` when given).

    A batch_first input is copied to time-major first (it is G / input_size times smaller than
    the result), so that each step reads one contiguous block in the loop.
    """
    series = _time_major(input, batch_first)
    shape = series.shape[:2] + (weight.shape[0],)
    flat = None if out is None else out.reshape(-1, shape[2])
    projected = np.matmul(series.reshape(-1, series.shape[2]), weight.T, out=flat)
    if bias is not None:
        projected += bias
    return projected.reshape(shape)


def _initial_state(state, batch, hidden, name):
    """The initial state array to copy into the state buffer (0 for None: zeros)."""
    if state is None:
        return 0
    if state.shape != (batch, hidden):
        raise ValueError(f"{name} has shape {state.shape}, expected {(batch, hidden)}")
    return state


def _sequence_shape(input, weight_ih, weight_hh, gates, batch_first, kind):
    """(steps, batch, hidden) after checking the input and weight shapes and dtypes."""
    if input.ndim != 3:
        raise ValueError(f"{kind}: input must be 3-D (sequence) or 2-D (one step), got shape {input.shape}")
    hidden = weight_hh.shape[1]
    if weight_hh.shape != (gates * hidden, hidden) or weight_ih.shape != (gates * hidden, input.shape[2]):
        raise ValueError(f"{kind}: weight_ih {weight_ih.shape} and weight_hh {weight_hh.shape} do not fit "
                         f"input features {input.shape[2]} and {gates} gates of hidden size {hidden}")
    if not input.dtype == weight_ih.dtype == weight_hh.dtype:
        raise TypeError(f"{kind}: input ({input.dtype}) and weights ({weight_ih.dtype}, {weight_hh.dtype}) "
                        f"must have the same dtype")
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    return steps, batch, hidden


def _bias_sum(*biases):
    present = [b for b in biases if b is not None]
    if not present:
        return None
    total = present[0].copy()
    for b in present[1:]:
        total += b
    return total


def _input_and_weight_grads(grad_gates, input, weight_ih, previous_hiddens, batch_first, needs,
                            grad_gates_hidden=None):
    """grad input, grad weight_ih, grad weight_hh, grad bias_ih, grad bias_hh (`needs` says which)
    from the stacked pre-activation gradients (T, B, G): one matmul each, after the loop."""
    steps, batch, width = grad_gates.shape
    flat = grad_gates.reshape(steps * batch, width)
    flat_hidden = flat if grad_gates_hidden is None else grad_gates_hidden.reshape(steps * batch, width)
    grad_input = grad_weight_ih = grad_weight_hh = grad_bias_ih = grad_bias_hh = None
    if needs[0]:
        grad_input = _time_major((flat @ weight_ih).reshape(steps, batch, -1), batch_first)
    if needs[1]:
        series = _time_major(input, batch_first).reshape(steps * batch, -1)
        grad_weight_ih = flat.T @ series
    if needs[2]:
        grad_weight_hh = flat_hidden.T @ previous_hiddens.reshape(steps * batch, -1)
    if needs[3]:
        grad_bias_ih = flat.sum(axis=0)
    if needs[4]:  # the same sum when both biases meet the same pre-activations (LSTM, RNN)
        same = flat_hidden is flat and grad_bias_ih is not None
        grad_bias_hh = grad_bias_ih.copy() if same else flat_hidden.sum(axis=0)
    return grad_input, grad_weight_ih, grad_weight_hh, grad_bias_ih, grad_bias_hh


def _squeeze_step(grads, single_step):
    if single_step and grads[0] is not None:
        grads = (grads[0][0],) + grads[1:]
    return grads


# ---- the same maths from needl's primitives: used for create_graph=True (higher order) --------

def _tensor(value, dtype):
    return value if isinstance(value, Tensor) or value is None else Tensor._make(np.asarray(value, dtype))


def _composed_sequence(step, input, states, weight_ih, weight_hh, bias_ih, bias_hh, batch_first, reverse):
    """Run `step(x_t, states, weights) -> states` over time with recorded ops; states[0] is h."""
    dtype = weight_ih.dtype
    input = _tensor(input, dtype)
    single = input.ndim == 2
    if single:
        input, batch_first = input.unsqueeze(0), False
    series = input.transpose(0, 1) if batch_first else input
    batch, hidden = series.shape[1], weight_hh.shape[1]
    states = [Tensor._make(np.zeros((batch, hidden), dtype)) if s is None else _tensor(s, dtype) for s in states]
    weights = [_tensor(w, dtype) for w in (weight_ih, weight_hh, bias_ih, bias_hh)]
    outputs = [None] * series.shape[0]
    for t in (reversed(range(series.shape[0])) if reverse else range(series.shape[0])):
        states = step(series[t], states, *weights)
        outputs[t] = states[0]
    output = stack(outputs, dim=0)
    output = output[0] if single else (output.transpose(0, 1) if batch_first else output)
    return (output, *states)


def _affine(x, weight, bias):
    return x @ weight.T if bias is None else x @ weight.T + bias


def _lstm_step(x, states, weight_ih, weight_hh, bias_ih, bias_hh):
    h, c = states
    i, f, g, o = (_affine(x, weight_ih, bias_ih) + _affine(h, weight_hh, bias_hh)).chunk(4, dim=-1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return [o.sigmoid() * c.tanh(), c]


def _gru_step(x, states, weight_ih, weight_hh, bias_ih, bias_hh):
    (h,) = states
    x_r, x_z, x_n = _affine(x, weight_ih, bias_ih).chunk(3, dim=-1)
    h_r, h_z, h_n = _affine(h, weight_hh, bias_hh).chunk(3, dim=-1)
    r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return [(1 - z) * n + z * h]


def _rnn_step(nonlinearity):
    def step(x, states, weight_ih, weight_hh, bias_ih, bias_hh):
        pre = _affine(x, weight_ih, bias_ih) + _affine(states[0], weight_hh, bias_hh)
        return [pre.tanh() if nonlinearity == "tanh" else pre.relu()]
    return step


def _lstm_composed(input, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, batch_first=False, reverse=False):
    return _composed_sequence(_lstm_step, input, [h0, c0], weight_ih, weight_hh, bias_ih, bias_hh,
                              batch_first, reverse)


def _gru_composed(input, h0, weight_ih, weight_hh, bias_ih, bias_hh, batch_first=False, reverse=False):
    return _composed_sequence(_gru_step, input, [h0], weight_ih, weight_hh, bias_ih, bias_hh, batch_first, reverse)


def _rnn_composed(input, h0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh", batch_first=False,
                  reverse=False):
    return _composed_sequence(_rnn_step(nonlinearity), input, [h0], weight_ih, weight_hh, bias_ih, bias_hh,
                              batch_first, reverse)


# ---- LSTM -------------------------------------------------------------------------------------
# The LSTM keeps every per-step array feature-major, (features, batch): a step's GEMM is
# [W_ih, b, W_hh] (4H, I + 1 + H) @ [x_t; 1; h] (I + 1 + H, B), so that each gate is a contiguous
# (H, B) block of the (4H, B) result and every elementwise pass runs over contiguous memory (a
# (B, H) slice of a (B, 4H) row-major result is 128-float runs, 5x slower per element in NumPy).
# Gates are stored in the order (o, i, f, g): the three sigmoid gates are one block, and so are
# the three gates that take the cell's gradient.

def _gate_order(hidden):
    """Row indices that take PyTorch's (i, f, g, o) gate rows to needl's (o, i, f, g)."""
    return np.r_[3 * hidden:4 * hidden, 0:3 * hidden]


def _step_inputs(input, h0, batch_first, reverse, hidden, with_bias):
    """The (I [+ 1] + H, T + 1, B) buffer of the steps' GEMM operands [x_t; 1; h_prev]: the input
    and a ones row (for the bias) are copied in once, the loop writes each step's h into the slot
    of the step that reads it, and the weight gradients (the bias's too) are one GEMM over all
    steps. Slot `previous` of step t (see `_steps`) holds x_t; the initial state sits in slot 0
    (forward) or T (reverse)."""
    series = _time_major(input, batch_first)
    steps, batch, features = series.shape
    width = features + with_bias
    buffer = _buffers.empty((width + hidden, steps + 1, batch), input.dtype)
    offset = 1 if reverse else 0
    buffer[:features, offset:offset + steps] = series.transpose(2, 0, 1)
    if with_bias:
        buffer[features] = 1
    buffer[width:, steps if reverse else 0] = np.transpose(_initial_state(h0, batch, hidden, "h0"))
    return buffer, width


def _lstm_weights(weight_ih, weight_hh, bias_ih, bias_hh, hidden):
    """[W_ih, b, W_hh] in one (4H, I [+ 1] + H) matrix, rows in the order (o, i, f, g) and the
    sigmoid gates' rows halved: sigmoid(x) = (tanh(x / 2) + 1) / 2, so that one tanh call (NumPy's
    float32 tanh is faster than its exp) covers every gate of a step."""
    features = weight_ih.shape[1]
    bias = _bias_sum(bias_ih, bias_hh)
    start = features + (bias is not None)
    order = _gate_order(hidden)
    combined = _buffers.empty((4 * hidden, start + hidden), weight_ih.dtype)
    combined[:, :features] = weight_ih[order]
    combined[:, start:] = weight_hh[order]
    if bias is not None:
        combined[:, features] = bias[order]
    combined[:3 * hidden] *= weight_ih.dtype.type(_SIGMOID_SCALE)
    return combined


@op
def _lstm(input, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, batch_first=False, reverse=False):
    single_step = input.ndim == 2
    if single_step:
        input, batch_first = input[None], False
    steps, batch, hidden = _sequence_shape(input, weight_ih, weight_hh, 4, batch_first, "lstm")
    dtype = input.dtype
    weights = _lstm_weights(weight_ih, weight_hh, bias_ih, bias_hh, hidden)
    operands, width = _step_inputs(input, h0, batch_first, reverse, hidden, bias_ih is not None or bias_hh is not None)
    gates = _buffers.empty((steps, 4 * hidden, batch), dtype)  # pre-activations, then activations (o, i, f, g)
    cells = _buffers.empty((steps + 1, hidden, batch), dtype)
    cell_tanh = _buffers.empty((steps, hidden, batch), dtype)
    input_times_candidate = np.empty((hidden, batch), dtype)
    cells[steps if reverse else 0] = np.transpose(_initial_state(c0, batch, hidden, "c0"))
    half = dtype.type(0.5)
    for t, previous, current in _steps(steps, reverse):
        gate = gates[t]
        np.matmul(weights, operands[:, previous], out=gate)
        np.tanh(gate, out=gate)
        sigmoid = gate[:3 * hidden]
        sigmoid *= half
        sigmoid += half
        cell = cells[current]  # c' = f c + i g
        np.multiply(gate[2 * hidden:3 * hidden], cells[previous], out=cell)
        np.multiply(gate[hidden:2 * hidden], gate[3 * hidden:], out=input_times_candidate)
        cell += input_times_candidate
        np.tanh(cell, out=cell_tanh[t])
        np.multiply(gate[:hidden], cell_tanh[t], out=operands[width:, current])  # h' = o tanh(c')
    hiddens = operands[width:]
    last = 0 if reverse else steps
    output = (hiddens[:, :steps] if reverse else hiddens[:, 1:]).transpose(1, 2, 0)  # (T, B, H) view
    output = output[0] if single_step else _time_major(output, batch_first)
    # h_n and c_n are (B, H) copies, so that a caller who keeps them does not keep the buffers
    # taken; the arrays after the first three are what the vjp needs; the public lstm() drops them
    return output, hiddens[:, last].T.copy(), cells[last].T.copy(), gates, operands, cells, cell_tanh


@_lstm.vjp
def _lstm_vjp(grads, out, input, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, batch_first=False,
              reverse=False, needs_input_grad=None):
    if is_create_graph(out):
        return composed_vjp(_lstm_composed, (input, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh), grads[:3],
                            batch_first=batch_first, reverse=reverse)
    grad_output, grad_h_n, grad_c_n = (_array(g) for g in grads[:3])
    gates, operands, cells, cell_tanh = (_array(a) for a in out[3:])
    input, weight_ih, weight_hh = _array(input), _array(weight_ih), _array(weight_hh)
    single_step = input.ndim == 2
    if single_step:
        input, batch_first = input[None], False
        grad_output = None if grad_output is None else grad_output[None]
    steps, hidden, batch = cell_tanh.shape
    dtype = gates.dtype
    one = dtype.type(1)
    output_gate, input_gate, forget_gate, candidate = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
    previous = slice(1, steps + 1) if reverse else slice(0, steps)

    # d pre-activation = coefficient * upstream, gate order (o, i, f, g): o takes the hidden
    # gradient, i, f, g the cell gradient. The loop multiplies in each step's upstream gradients.
    coefficient = _buffers.empty((steps, 4 * hidden, batch), dtype)
    sigmoids = coefficient[:, :3 * hidden]  # sigmoid'(x) = s (1 - s)
    np.subtract(one, gates[:, :3 * hidden], out=sigmoids)
    sigmoids *= gates[:, :3 * hidden]
    coefficient[:, :hidden] *= cell_tanh
    coefficient[:, hidden:2 * hidden] *= candidate
    coefficient[:, 2 * hidden:3 * hidden] *= cells[previous]
    target = coefficient[:, 3 * hidden:]  # tanh'(x) = 1 - g^2
    np.multiply(candidate, candidate, out=target)
    np.subtract(one, target, out=target)
    target *= input_gate
    hidden_to_cell = np.multiply(cell_tanh, cell_tanh, out=_buffers.empty(cell_tanh.shape, dtype))
    np.subtract(one, hidden_to_cell, out=hidden_to_cell)
    hidden_to_cell *= output_gate

    # the pre-activation gradients, (4H, T, B): step t's (4H, B) block is the recurrent GEMM's
    # operand, and the whole buffer is a (4H, T B) matrix for the weight gradients' GEMM
    grad_gates = _buffers.empty((4 * hidden, steps, batch), dtype)
    cell_part = coefficient[:, hidden:].reshape(steps, 3, hidden, batch)
    grad_cell_part = grad_gates[hidden:].reshape(3, hidden, steps, batch)
    recurrent = np.ascontiguousarray(weight_hh[_gate_order(hidden)].T)  # (H, 4H)
    # (H, B) C-contiguous copies: the loop updates them in place and writes them with matmul
    grad_hidden = np.zeros((hidden, batch), dtype) if grad_h_n is None else np.array(grad_h_n.T, dtype, order="C")
    grad_cell = np.zeros((hidden, batch), dtype) if grad_c_n is None else np.array(grad_c_n.T, dtype, order="C")
    if grad_output is not None:  # as (T, H, B), so that each step adds a contiguous block
        grad_output = _copy(_time_major(grad_output, batch_first).transpose(0, 2, 1))
    scratch = np.empty((hidden, batch), dtype)
    order = _steps(steps, reverse)
    for position, (t, _, _) in enumerate(reversed(order)):
        if grad_output is not None:
            grad_hidden += grad_output[t]
        np.multiply(grad_hidden, hidden_to_cell[t], out=scratch)
        grad_cell += scratch
        np.multiply(cell_part[t], grad_cell, out=grad_cell_part[:, :, t])
        np.multiply(coefficient[t, :hidden], grad_hidden, out=grad_gates[:hidden, t])
        grad_cell *= forget_gate[t]
        if position + 1 < steps or needs_input_grad[1]:
            np.matmul(recurrent, grad_gates[:, t], out=grad_hidden)

    grad_h0 = grad_hidden.T.copy() if needs_input_grad[1] else None
    grad_c0 = grad_cell.T.copy() if needs_input_grad[2] else None
    grad_input, grad_weight_ih, grad_weight_hh, grad_bias_ih, grad_bias_hh = _stacked_operand_grads(
        grad_gates, operands[:, previous], weight_ih, hidden, batch_first,
        (needs_input_grad[0],) + tuple(needs_input_grad[3:]))
    return _squeeze_step((grad_input, grad_h0, grad_c0, grad_weight_ih, grad_weight_hh, grad_bias_ih,
                          grad_bias_hh), single_step)


def _stacked_operand_grads(grad_gates, operands, weight_ih, hidden, batch_first, needs):
    """grad input, grad weight_ih, grad weight_hh, grad bias_ih, grad bias_hh (`needs` says which)
    from the (4H, T, B) pre-activation gradients (gate order (o, i, f, g)) and the steps' [x; 1; h]
    operands (I [+ 1] + H, T, B): one GEMM for all the weight and bias gradients, one for the
    input's; the rows go back to PyTorch's gate order (i, f, g, o)."""
    width, steps, batch = grad_gates.shape
    flat = grad_gates.reshape(width, steps * batch)
    features = weight_ih.shape[1]
    to_pytorch = np.argsort(_gate_order(hidden))
    grad_input = grad_weight_ih = grad_weight_hh = grad_bias_ih = grad_bias_hh = None
    if needs[0]:
        grad_input = _time_major((flat.T @ weight_ih[_gate_order(hidden)]).reshape(steps, batch, -1), batch_first)
    if any(needs[1:]):
        combined = (flat @ operands.reshape(operands.shape[0], steps * batch).T)[to_pytorch]  # (4H, I [+ 1] + H)
        if needs[1]:
            grad_weight_ih = np.ascontiguousarray(combined[:, :features])
        if needs[2]:
            grad_weight_hh = np.ascontiguousarray(combined[:, combined.shape[1] - hidden:])
        if needs[3]:  # the ones row: there is one whenever a bias is given
            grad_bias_ih = combined[:, features].copy()
        if needs[4]:
            grad_bias_hh = combined[:, features].copy()
    return grad_input, grad_weight_ih, grad_weight_hh, grad_bias_ih, grad_bias_hh

def lstm(input, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, batch_first: bool = False,
         reverse: bool = False):
    """One LSTM layer in one direction over a sequence, as one tape node.

    input: (T, B, input_size), (B, T, input_size) with batch_first, or (B, input_size) for one
    step; h0, c0: (B, hidden_size) or None for zeros; weights as PyTorch's weight_ih_l0 (4H, I)
    and weight_hh_l0 (4H, H), gates (i, f, g, o). Returns (output, h_n, c_n); output has the
    input's layout with hidden_size features. `reverse` runs from the last step to the first.
    """
    output, h_n, c_n = _lstm(input, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh,
                             batch_first=batch_first, reverse=reverse)[:3]
    return output, h_n, c_n


# ---- GRU --------------------------------------------------------------------------------------

def _gru_weights(weight_ih, weight_hh, bias_ih, bias_hh, hidden):
    """Sigmoid gates (r, z) halved for `_sigmoid_of_halved`; the r, z parts of bias_hh folded
    into the input bias, while b_hn stays inside r * (W_hn h + b_hn)."""
    weight_ih = weight_ih.copy()
    weight_hh = weight_hh.copy()
    weight_ih[:2 * hidden] *= _SIGMOID_SCALE
    weight_hh[:2 * hidden] *= _SIGMOID_SCALE
    bias = None if bias_ih is None else bias_ih.copy()
    if bias_hh is not None:
        if bias is None:
            bias = np.zeros_like(bias_hh)
        bias[:2 * hidden] += bias_hh[:2 * hidden]
    if bias is not None:
        bias[:2 * hidden] *= _SIGMOID_SCALE
    bias_hn = None if bias_hh is None else bias_hh[2 * hidden:]
    return weight_ih, weight_hh, bias, bias_hn


@op
def _gru(input, h0, weight_ih, weight_hh, bias_ih, bias_hh, batch_first=False, reverse=False):
    single_step = input.ndim == 2
    if single_step:
        input, batch_first = input[None], False
    steps, batch, hidden = _sequence_shape(input, weight_ih, weight_hh, 3, batch_first, "gru")
    dtype = input.dtype
    weight_ih, weight_hh, bias, bias_hn = _gru_weights(weight_ih, weight_hh, bias_ih, bias_hh, hidden)
    recurrent = weight_hh.T
    # input projections first, then the r, z, n activations in place
    gates = _project(input, weight_ih, bias, batch_first, out=_buffers.empty((steps, batch, 3 * hidden), dtype))
    reset_times_hidden = np.empty((batch, hidden), dtype)
    hidden_gates = _buffers.empty((steps, batch, 3 * hidden), dtype)     # h @ W_hh.T (+ b_hn on n)
    hiddens = _buffers.empty((steps + 1, batch, hidden), dtype)
    first = steps if reverse else 0
    hiddens[first] = _initial_state(h0, batch, hidden, "h0")
    two = 2 * hidden
    for t, previous, current in _steps(steps, reverse):
        recurrent_part, gate = hidden_gates[t], gates[t]
        np.matmul(hiddens[previous], recurrent, out=recurrent_part)
        if bias_hn is not None:
            recurrent_part[:, two:] += bias_hn
        reset_update = gate[:, :two]
        reset_update += recurrent_part[:, :two]
        _sigmoid_of_halved(reset_update)
        new = gate[:, two:]
        np.multiply(gate[:, :hidden], recurrent_part[:, two:], out=reset_times_hidden)
        new += reset_times_hidden
        np.tanh(new, out=new)
        state = hiddens[current]  # h' = n + z * (h - n)
        np.subtract(hiddens[previous], new, out=state)
        state *= gate[:, hidden:two]
        state += new
    last = 0 if reverse else steps
    output = hiddens[:steps] if reverse else hiddens[1:]
    output = output[0] if single_step else _time_major(output, batch_first)
    return output, hiddens[last].copy(), gates, hidden_gates, hiddens  # h_n: see _lstm


@_gru.vjp
def _gru_vjp(grads, out, input, h0, weight_ih, weight_hh, bias_ih, bias_hh, batch_first=False,
             reverse=False, needs_input_grad=None):
    if is_create_graph(out):
        return composed_vjp(_gru_composed, (input, h0, weight_ih, weight_hh, bias_ih, bias_hh), grads[:2],
                            batch_first=batch_first, reverse=reverse)
    grad_output, grad_h_n = (_array(g) for g in grads[:2])
    gates, hidden_gates, hiddens = (_array(a) for a in out[2:])
    input, weight_ih, weight_hh = _array(input), _array(weight_ih), _array(weight_hh)
    single_step = input.ndim == 2
    if single_step:
        input, batch_first = input[None], False
        grad_output = None if grad_output is None else grad_output[None]
    steps, batch, width = gates.shape
    hidden = width // 3
    dtype = gates.dtype
    activations = gates.reshape(steps, batch, 3, hidden)
    reset, update, new = (activations[:, :, k] for k in range(3))
    previous = slice(1, steps + 1) if reverse else slice(0, steps)
    previous_hiddens = hiddens[previous]

    # d pre-activation (hidden side) = coefficient * grad of h'; order (r, z, n)
    coefficient = _buffers.empty((steps, batch, 3, hidden), dtype)
    new_slope = coefficient[:, :, 2]                       # (1 - z) (1 - n^2), the input side of n
    np.multiply(new, new, out=new_slope)
    np.subtract(1, new_slope, out=new_slope)
    new_slope *= 1 - update
    np.multiply(new_slope, hidden_gates[:, :, 2 * hidden:], out=coefficient[:, :, 0])
    coefficient[:, :, 0] *= reset
    coefficient[:, :, 0] *= 1 - reset
    np.subtract(previous_hiddens, new, out=coefficient[:, :, 1])
    coefficient[:, :, 1] *= update
    coefficient[:, :, 1] *= 1 - update
    input_new_slope = _copy(new_slope)
    new_slope *= reset                                     # the hidden side of n sits inside r * (...)

    grad_hidden_gates = coefficient.reshape(steps, batch, 3 * hidden)  # filled in place, step by step
    grad_states = _buffers.empty((steps, batch, hidden), dtype)  # gradient reaching each step's output h'
    grad_hidden = np.zeros((batch, hidden), dtype) if grad_h_n is None else grad_h_n.astype(dtype, copy=True)
    grad_output = None if grad_output is None else _time_major(grad_output, batch_first)
    scratch = np.empty((batch, hidden), dtype)
    order = _steps(steps, reverse)
    for position, (t, _, _) in enumerate(reversed(order)):
        state = grad_states[t]
        if grad_output is not None:
            np.add(grad_hidden, grad_output[t], out=state)
        else:
            state[...] = grad_hidden
        coefficient[t] *= state[:, None, :]
        if position + 1 < steps or needs_input_grad[1]:
            np.matmul(grad_hidden_gates[t], weight_hh, out=grad_hidden)
            np.multiply(state, update[t], out=scratch)
            grad_hidden += scratch

    grad_input_gates = _copy(grad_hidden_gates)
    np.multiply(input_new_slope, grad_states, out=grad_input_gates.reshape(steps, batch, 3, hidden)[:, :, 2])
    grad_h0 = grad_hidden if needs_input_grad[1] else None
    grad_input, grad_weight_ih, grad_weight_hh, grad_bias_ih, grad_bias_hh = _input_and_weight_grads(
        grad_input_gates, input, weight_ih, previous_hiddens, batch_first,
        (needs_input_grad[0],) + tuple(needs_input_grad[2:]), grad_hidden_gates)
    return _squeeze_step((grad_input, grad_h0, grad_weight_ih, grad_weight_hh, grad_bias_ih, grad_bias_hh),
                         single_step)


def gru(input, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, batch_first: bool = False,
        reverse: bool = False):
    """One GRU layer in one direction over a sequence, as one tape node; returns (output, h_n).

    Shapes as `lstm` with 3 gates (r, z, n): n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h' = (1 - z) * n + z * h.
    """
    output, h_n = _gru(input, h0, weight_ih, weight_hh, bias_ih, bias_hh,
                       batch_first=batch_first, reverse=reverse)[:2]
    return output, h_n


# ---- Elman RNN --------------------------------------------------------------------------------

@op
def _rnn(input, h0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh", batch_first=False,
         reverse=False):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    single_step = input.ndim == 2
    if single_step:
        input, batch_first = input[None], False
    steps, batch, hidden = _sequence_shape(input, weight_ih, weight_hh, 1, batch_first, "rnn")
    recurrent = weight_hh.T
    hiddens = _buffers.empty((steps + 1, batch, hidden), input.dtype)
    # each step's input projection goes straight into the slot of that step's output
    _project(input, weight_ih, _bias_sum(bias_ih, bias_hh), batch_first,
             out=hiddens[:steps] if reverse else hiddens[1:])
    first = steps if reverse else 0
    hiddens[first] = _initial_state(h0, batch, hidden, "h0")
    recurrent_part = np.empty((batch, hidden), input.dtype)
    for t, previous, current in _steps(steps, reverse):
        state = hiddens[current]
        np.matmul(hiddens[previous], recurrent, out=recurrent_part)
        state += recurrent_part
        if nonlinearity == "tanh":
            np.tanh(state, out=state)
        else:
            np.maximum(state, 0, out=state)
    last = 0 if reverse else steps
    output = hiddens[:steps] if reverse else hiddens[1:]
    output = output[0] if single_step else _time_major(output, batch_first)
    return output, hiddens[last].copy(), hiddens  # h_n: see _lstm


@_rnn.vjp
def _rnn_vjp(grads, out, input, h0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh",
             batch_first=False, reverse=False, needs_input_grad=None):
    if is_create_graph(out):
        return composed_vjp(_rnn_composed, (input, h0, weight_ih, weight_hh, bias_ih, bias_hh), grads[:2],
                            nonlinearity=nonlinearity, batch_first=batch_first, reverse=reverse)
    grad_output, grad_h_n = (_array(g) for g in grads[:2])
    hiddens = _array(out[2])
    input, weight_ih, weight_hh = _array(input), _array(weight_ih), _array(weight_hh)
    single_step = input.ndim == 2
    if single_step:
        input, batch_first = input[None], False
        grad_output = None if grad_output is None else grad_output[None]
    steps = hiddens.shape[0] - 1
    batch, hidden = hiddens.shape[1:]
    dtype = hiddens.dtype
    outputs = hiddens[:steps] if reverse else hiddens[1:]
    if nonlinearity == "tanh":
        slope = np.multiply(outputs, outputs, out=_buffers.empty(outputs.shape, dtype))
        np.subtract(1, slope, out=slope)
    else:
        slope = np.greater(outputs, 0, out=_buffers.empty(outputs.shape, dtype))
    grad_pre = slope  # filled in place, step by step
    grad_hidden = np.zeros((batch, hidden), dtype) if grad_h_n is None else grad_h_n.astype(dtype, copy=True)
    grad_output = None if grad_output is None else _time_major(grad_output, batch_first)
    order = _steps(steps, reverse)
    for position, (t, _, _) in enumerate(reversed(order)):
        if grad_output is not None:
            grad_hidden += grad_output[t]
        grad_pre[t] *= grad_hidden
        if position + 1 < steps or needs_input_grad[1]:
            np.matmul(grad_pre[t], weight_hh, out=grad_hidden)
    previous = slice(1, steps + 1) if reverse else slice(0, steps)
    grad_h0 = grad_hidden if needs_input_grad[1] else None
    grad_input, grad_weight_ih, grad_weight_hh, grad_bias_ih, grad_bias_hh = _input_and_weight_grads(
        grad_pre, input, weight_ih, hiddens[previous], batch_first,
        (needs_input_grad[0],) + tuple(needs_input_grad[2:]))
    return _squeeze_step((grad_input, grad_h0, grad_weight_ih, grad_weight_hh, grad_bias_ih, grad_bias_hh),
                         single_step)


def rnn_tanh(input, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, batch_first: bool = False,
             reverse: bool = False):
    """One Elman RNN layer, h' = tanh(W_ih x + b_ih + W_hh h + b_hh), as one tape node; (output, h_n)."""
    output, h_n = _rnn(input, h0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh",
                       batch_first=batch_first, reverse=reverse)[:2]
    return output, h_n


def rnn_relu(input, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, batch_first: bool = False,
             reverse: bool = False):
    """One Elman RNN layer with relu instead of tanh, as one tape node; (output, h_n)."""
    output, h_n = _rnn(input, h0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="relu",
                       batch_first=batch_first, reverse=reverse)[:2]
    return output, h_n
