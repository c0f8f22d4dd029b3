"""RNN, LSTM, GRU and the cells: gradients, PyTorch's parameter names and gate math, init, errors."""
import math

import numpy as np
import pytest

import needl
from needl.autograd import gradcheck
from needl.nn.functional import recurrent as fused
from needl.nn.modules.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def array(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape) * scale


def leaf(*shape, seed=0, scale=1.0):
    return needl.tensor(array(*shape, seed=seed, scale=scale), requires_grad=True)


# ---- NumPy references of the gate equations (PyTorch's documented formulas) -----------------

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_step(kind, x, state, w_ih, w_hh, b_ih, b_hh):
    """One time step of the documented equations; state is h, or (h, c) for the LSTM."""
    if kind == "lstm":
        h, c = state
        i, f, g, o = np.split(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c), c
    if kind == "gru":
        x_r, x_z, x_n = np.split(x @ w_ih.T + b_ih, 3, axis=-1)
        h_r, h_z, h_n = np.split(state @ w_hh.T + b_hh, 3, axis=-1)
        r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
        n = np.tanh(x_n + r * h_n)
        return (1 - z) * n + z * state
    pre = x @ w_ih.T + b_ih + state @ w_hh.T + b_hh
    return np.tanh(pre) if kind == "rnn_tanh" else np.maximum(pre, 0)


def reference_sequence(kind, x, state, weights, reverse=False):
    """(T, B, I) time-major; returns the (T, B, H) outputs and the final state."""
    outputs = [None] * x.shape[0]
    for t in (reversed(range(x.shape[0])) if reverse else range(x.shape[0])):
        state = reference_step(kind, x[t], state, *weights)
        outputs[t] = state[0] if kind == "lstm" else state
    return np.stack(outputs), state


def reference_module(module, kind, x, states):
    """A whole multi-layer, maybe bidirectional module from its own parameters."""
    directions = 2 if module.bidirectional else 1
    layer_input = x.swapaxes(0, 1) if module.batch_first else x
    finals = []
    for layer in range(module.num_layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            weights = [p.detach().numpy() for p in module.all_weights[index]]
            if not module.bias:
                weights += [0.0, 0.0]
            state = tuple(s[index] for s in states) if kind == "lstm" else states[0][index]
            output, final = reference_sequence(kind, layer_input, state, weights, reverse=direction == 1)
            outputs.append(output)
            finals.append(final)
        layer_input = np.concatenate(outputs, axis=-1)
    output = layer_input.swapaxes(0, 1) if module.batch_first else layer_input
    if kind == "lstm":
        return output, (np.stack([f[0] for f in finals]), np.stack([f[1] for f in finals]))
    return output, np.stack(finals)


# ---- the fused ops --------------------------------------------------------------------------

def call_fused(kind, x, h0, c0, weights, batch_first, reverse):
    if kind == "lstm":
        output, h_n, c_n = fused.lstm(x, h0, c0, *weights, batch_first=batch_first, reverse=reverse)
        return output, h_n, c_n
    return getattr(fused, kind)(x, h0, *weights, batch_first=batch_first, reverse=reverse)


@pytest.mark.parametrize("kind", list(GATES))
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_fused_sequence_gradcheck(kind, batch_first, reverse):
    steps, batch, features, hidden = 3, 2, 3, 2
    gates = GATES[kind] * hidden
    x = leaf(*((batch, steps, features) if batch_first else (steps, batch, features)))
    h0, c0 = leaf(batch, hidden, seed=1), leaf(batch, hidden, seed=2)
    weights = [leaf(gates, features, seed=3, scale=0.7), leaf(gates, hidden, seed=4, scale=0.7),
               leaf(gates, seed=5), leaf(gates, seed=6)]
    if kind == "rnn_relu":  # keep pre-activations away from the kink of relu
        weights[2] = needl.tensor(np.full(gates, 3.0), requires_grad=True)
    c0_input = c0 if kind == "lstm" else None

    def function(x, h0, c0, *weights):
        return call_fused(kind, x, h0, c0, weights, batch_first, reverse)

    assert gradcheck(function, [x, h0, c0_input, *weights])


@pytest.mark.parametrize("kind", list(GATES))
def test_fused_sequence_matches_reference_equations(kind):
    steps, batch, features, hidden = 4, 3, 5, 4
    gates = GATES[kind] * hidden
    x, h0, c0 = array(steps, batch, features), array(batch, hidden, seed=1), array(batch, hidden, seed=2)
    weights = [array(gates, features, seed=3), array(gates, hidden, seed=4), array(gates, seed=5),
               array(gates, seed=6)]
    for reverse in (False, True):
        result = call_fused(kind, needl.tensor(x), needl.tensor(h0), needl.tensor(c0),
                            [needl.tensor(w) for w in weights], False, reverse)
        state = (h0, c0) if kind == "lstm" else h0
        expected_output, expected_state = reference_sequence(kind, x, state, weights, reverse)
        np.testing.assert_allclose(result[0].detach().numpy(), expected_output, rtol=1e-12, atol=1e-12)
        if kind == "lstm":
            np.testing.assert_allclose(result[1].detach().numpy(), expected_state[0], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(result[2].detach().numpy(), expected_state[1], rtol=1e-12, atol=1e-12)
        else:
            np.testing.assert_allclose(result[1].detach().numpy(), expected_state, rtol=1e-12, atol=1e-12)


def test_fused_lstm_is_one_tape_node_without_bias_and_zero_state():
    x = leaf(5, 2, 3)
    weights = [leaf(8, 3, seed=1), leaf(8, 2, seed=2)]
    output, h_n, c_n = fused.lstm(x, None, None, *weights)
    assert output.grad_fn is h_n.grad_fn is c_n.grad_fn
    assert output.grad_fn.name() == "LstmBackward"
    assert all(parent.grad_fn is None for parent in (x, *weights))
    assert gradcheck(lambda x, w_ih, w_hh: fused.lstm(x, None, None, w_ih, w_hh), [x, *weights])


def test_fused_lstm_gradient_of_final_cell_only():
    x, weights = leaf(3, 2, 2), [leaf(8, 2, seed=1), leaf(8, 2, seed=2), leaf(8, seed=3), None]
    assert gradcheck(lambda x, *w: fused.lstm(x, None, None, *w)[2], [x, *weights])


# ---- modules: gradients ---------------------------------------------------------------------

MODULES = {"lstm": LSTM, "gru": GRU, "rnn_tanh": RNN, "rnn_relu": RNN}


def make_module(kind, *args, **kwargs):
    if kind.startswith("rnn"):
        kwargs["nonlinearity"] = kind[4:]
    return MODULES[kind](*args, dtype=needl.float64, **kwargs)


def initial_states(kind, module, batch):
    shape = (module.num_layers * (2 if module.bidirectional else 1), batch, module.hidden_size)
    states = [leaf(*shape, seed=7)]
    if kind == "lstm":
        states.append(leaf(*shape, seed=8))
    return states


def call_module(kind, module, x, states):
    if kind == "lstm":
        output, (h_n, c_n) = module(x, tuple(states))
        return output, h_n, c_n
    output, h_n = module(x, states[0])
    return output, h_n


@pytest.mark.parametrize("kind", list(GATES))
def test_module_gradcheck_two_layers_bidirectional_batch_first(kind):
    module = make_module(kind, 2, 2, num_layers=2, bidirectional=True, batch_first=True)
    if kind == "rnn_relu":
        for name, parameter in module.named_parameters():
            if name.startswith("bias"):
                parameter.data[...] = 1.0
    x = leaf(2, 3, 2)
    states = initial_states(kind, module, 2)
    parameters = list(module.parameters())
    assert gradcheck(lambda x, *rest: call_module(kind, module, x, rest[:len(states)]),
                     [x, *states, *parameters])


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_module_gradcheck_without_bias_and_without_states(kind):
    module = make_module(kind, 3, 2, num_layers=2, bias=False)
    x = leaf(3, 2, 3)
    assert gradcheck(lambda x, *parameters: module(x)[0], [x, *module.parameters()])


@pytest.mark.parametrize("kind", list(GATES))
@pytest.mark.parametrize("options", [dict(), dict(num_layers=2, bidirectional=True, batch_first=True),
                                     dict(num_layers=3, bias=False), dict(bidirectional=True)], ids=str)
def test_module_matches_reference_equations(kind, options):
    module = make_module(kind, 3, 4, **options)
    batch, steps = 2, 5
    x = array(*((batch, steps, 3) if module.batch_first else (steps, batch, 3)))
    states = [s.detach().numpy() for s in initial_states(kind, module, batch)]
    expected_output, expected_state = reference_module(module, kind, x, states)
    result = call_module(kind, module, needl.tensor(x), [needl.tensor(s) for s in states])
    np.testing.assert_allclose(result[0].detach().numpy(), expected_output, rtol=1e-12, atol=1e-12)
    if kind == "lstm":
        np.testing.assert_allclose(result[1].detach().numpy(), expected_state[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(result[2].detach().numpy(), expected_state[1], rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_allclose(result[1].detach().numpy(), expected_state, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", list(GATES))
def test_unbatched_input_equals_batch_of_one(kind):
    module = make_module(kind, 3, 4, num_layers=2, bidirectional=True)
    x = needl.tensor(array(5, 3))
    states = [needl.tensor(array(4, 4, seed=k)) for k in range(2 if kind == "lstm" else 1)]
    unbatched = call_module(kind, module, x, states)
    batched = call_module(kind, module, x.unsqueeze(1), [s.unsqueeze(1) for s in states])
    assert unbatched[0].shape == (5, 8) and unbatched[1].shape == (4, 4)
    for single, many in zip(unbatched, batched):
        np.testing.assert_allclose(single.detach().numpy(), many.detach().numpy().squeeze(1), rtol=1e-12)


def test_zero_initial_state_is_the_default():
    module = make_module("lstm", 3, 4, num_layers=2)
    x = needl.tensor(array(4, 2, 3))
    zeros = needl.zeros(2, 2, 4, dtype=needl.float64)
    default = module(x)
    explicit = module(x, (zeros, zeros))
    np.testing.assert_array_equal(default[0].detach().numpy(), explicit[0].detach().numpy())
    np.testing.assert_array_equal(default[1][1].detach().numpy(), explicit[1][1].detach().numpy())


def test_lstm_float32_stays_float32_and_one_node_per_layer_direction():
    module = LSTM(4, 8, batch_first=True)
    x = needl.randn(3, 5, 4)
    output, (h_n, c_n) = module(x)
    assert output.dtype == h_n.dtype == c_n.dtype == np.float32
    assert output.grad_fn.name() == "LstmBackward"
    (output.sum() + c_n.sum()).backward()
    assert all(p.grad.dtype == np.float32 for p in module.parameters())


@pytest.mark.parametrize("cell_class,kind", [(RNNCell, "rnn_tanh"), (LSTMCell, "lstm"), (GRUCell, "gru")])
def test_cells_gradcheck_and_reference(cell_class, kind):
    cell = cell_class(3, 2, dtype=needl.float64)
    x = leaf(2, 3)
    states = [leaf(2, 2, seed=1)] + ([leaf(2, 2, seed=2)] if kind == "lstm" else [])
    hx = tuple(states) if kind == "lstm" else states[0]
    result = cell(x, hx)
    weights = [cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy(), cell.bias_ih.detach().numpy(), cell.bias_hh.detach().numpy()]
    expected = reference_step(kind, x.detach().numpy(), tuple(s.detach().numpy() for s in states) if kind == "lstm" else states[0].detach().numpy(),
                              *weights)
    for got, want in zip(result if kind == "lstm" else (result,), expected if kind == "lstm" else (expected,)):
        np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-12, atol=1e-12)
    function = ((lambda x, h, c, *p: cell(x, (h, c))) if kind == "lstm" else (lambda x, h, *p: cell(x, h)))
    assert gradcheck(function, [x, *states, *cell.parameters()])
    unbatched = cell(x[0], tuple(s[0] for s in states) if kind == "lstm" else states[0][0])
    first = unbatched[0] if kind == "lstm" else unbatched
    assert first.shape == (2,)
    np.testing.assert_allclose(first.detach().numpy(), (result[0] if kind == "lstm" else result).detach().numpy()[0], rtol=1e-12)


def test_rnn_cell_relu_and_no_bias():
    cell = RNNCell(3, 2, bias=False, nonlinearity="relu", dtype=needl.float64)
    assert [name for name, _ in cell.named_parameters()] == ["weight_ih", "weight_hh"]
    x = leaf(4, 3)
    output = cell(x)
    np.testing.assert_allclose(output.detach().numpy(), np.maximum(x.detach().numpy() @ cell.weight_ih.detach().numpy().T, 0), rtol=1e-12)


# ---- PyTorch's parameter names, shapes and initialisation --------------------------------------

def test_parameter_names_and_shapes_as_pytorch_lists_them():
    module = LSTM(10, 20, num_layers=2, bidirectional=True)
    expected = []
    for layer, width in ((0, 10), (1, 40)):
        for suffix in ("", "_reverse"):
            expected += [(f"weight_ih_l{layer}{suffix}", (80, width)), (f"weight_hh_l{layer}{suffix}", (80, 20)),
                         (f"bias_ih_l{layer}{suffix}", (80,)), (f"bias_hh_l{layer}{suffix}", (80,))]
    assert [(name, tuple(p.shape)) for name, p in module.named_parameters()] == expected
    assert list(module.state_dict()) == [name for name, _ in expected]
    gru = GRU(5, 7, num_layers=2, bias=False)
    assert [(name, tuple(p.shape)) for name, p in gru.named_parameters()] == [
        ("weight_ih_l0", (21, 5)), ("weight_hh_l0", (21, 7)), ("weight_ih_l1", (21, 7)), ("weight_hh_l1", (21, 7))]
    rnn = RNN(4, 6, bidirectional=True)
    assert [(name, tuple(p.shape)) for name, p in rnn.named_parameters()] == [
        ("weight_ih_l0", (6, 4)), ("weight_hh_l0", (6, 6)), ("bias_ih_l0", (6,)), ("bias_hh_l0", (6,)),
        ("weight_ih_l0_reverse", (6, 4)), ("weight_hh_l0_reverse", (6, 6)), ("bias_ih_l0_reverse", (6,)),
        ("bias_hh_l0_reverse", (6,))]
    for cell, gates in ((LSTMCell(4, 6), 4), (GRUCell(4, 6), 3), (RNNCell(4, 6), 1)):
        assert [(name, tuple(p.shape)) for name, p in cell.named_parameters()] == [
            ("weight_ih", (gates * 6, 4)), ("weight_hh", (gates * 6, 6)), ("bias_ih", (gates * 6,)),
            ("bias_hh", (gates * 6,))]
    assert len(module.all_weights) == 4 and module.all_weights[1][0] is module.weight_ih_l0_reverse
    module.flatten_parameters()  # PyTorch scripts call it; a no-op here
    assert [name for name, _ in module.named_parameters()] == [name for name, _ in expected]


@pytest.mark.parametrize("module_class", [LSTM, GRU, RNN, LSTMCell, GRUCell, RNNCell])
def test_default_init_is_uniform_over_one_over_sqrt_hidden(module_class):
    hidden = 64
    module = module_class(32, hidden)
    values = np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])
    bound = 1 / math.sqrt(hidden)
    assert values.dtype == np.float32
    assert np.all(np.abs(values) <= bound)
    assert abs(values.mean()) < 5 * bound / math.sqrt(3 * values.size)  # 5 standard errors
    np.testing.assert_allclose(values.var(), bound ** 2 / 3, rtol=0.05)
    assert values.max() > 0.95 * bound and values.min() < -0.95 * bound


def test_init_follows_manual_seed():
    needl.manual_seed(3)
    first = LSTM(3, 4).weight_hh_l0.detach().numpy().copy()
    needl.manual_seed(3)
    np.testing.assert_array_equal(LSTM(3, 4).weight_hh_l0.detach().numpy(), first)


def test_repr_like_pytorch():
    assert repr(LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)) == \
        "LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)"
    assert repr(RNN(2, 3, nonlinearity="relu", bias=False)) == "RNN(2, 3, bias=False, nonlinearity='relu')"
    assert repr(GRUCell(2, 3)) == "GRUCell(2, 3)"


# ---- dropout between layers and train/eval --------------------------------------------------------

def test_dropout_between_layers_only_in_training():
    pytest.importorskip("needl.nn.functional", reason="needs nn.functional.dropout")
    from needl.nn import functional
    if not hasattr(functional, "dropout"):
        pytest.skip("needl.nn.functional.dropout is not available yet")
    module = make_module("gru", 3, 8, num_layers=2, dropout=0.5)
    x = needl.tensor(array(4, 2, 3))
    module.eval()
    first, second = module(x)[0], module(x)[0]
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())
    module.train()
    trained = module(x)[0]
    assert not np.allclose(trained.detach().numpy(), first.detach().numpy())
    single = make_module("gru", 3, 8, num_layers=1)
    single.load_state_dict({k: v for k, v in module.state_dict().items() if k.endswith("l0")})
    np.testing.assert_allclose(module(x)[1].detach().numpy()[0], single(x)[1].detach().numpy()[0], rtol=1e-12)


def test_dropout_with_one_layer_warns_like_pytorch():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        LSTM(3, 4, dropout=0.2)


# ---- errors -------------------------------------------------------------------------------------

def test_wrong_input_size_names_both_sizes():
    with pytest.raises(RuntimeError, match="Expected 3, got 5"):
        LSTM(3, 4)(needl.randn(2, 1, 5))


def test_wrong_input_rank():
    with pytest.raises(ValueError, match="2D or 3D, got 4D"):
        GRU(3, 4)(needl.randn(2, 1, 1, 3))


def test_wrong_hidden_shape_names_expected_and_actual():
    module = LSTM(3, 4, num_layers=2)
    h = needl.zeros(1, 5, 4)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 5, 4\), got \(1, 5, 4\)"):
        module(needl.randn(2, 5, 3), (h, h))
    with pytest.raises(TypeError, match=r"tuple \(h_0, c_0\)"):
        module(needl.randn(2, 5, 3), needl.zeros(2, 5, 4))


def test_dtype_mismatch_is_reported():
    with pytest.raises(RuntimeError, match="float64 does not match the parameters' dtype float32"):
        RNN(3, 4)(needl.randn(2, 1, 3, dtype=needl.float64))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        GRU(3, 0)
    with pytest.raises(RuntimeError, match="inconsistent input_size: got 5 expected 3"):
        LSTMCell(3, 4)(needl.randn(2, 5))


# ---- optional: against PyTorch ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_pytorch_outputs_and_gradients(name, dtype):
    torch = pytest.importorskip("torch")
    options = dict(num_layers=2, bidirectional=True, batch_first=True)
    reference = getattr(torch.nn, name)(3, 5, **options).to(getattr(torch, dtype))
    module = {"LSTM": LSTM, "GRU": GRU, "RNN": RNN}[name](3, 5, dtype=getattr(needl, dtype), **options)
    module.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    x = array(2, 4, 3).astype(dtype)
    h = array(4, 2, 5, seed=1).astype(dtype)
    ours_x, theirs_x = needl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    hx_ours = (needl.tensor(h), needl.tensor(h * 0.5)) if name == "LSTM" else needl.tensor(h)
    hx_theirs = (torch.tensor(h), torch.tensor(h * 0.5)) if name == "LSTM" else torch.tensor(h)
    ours, theirs = module(ours_x, hx_ours), reference(theirs_x, hx_theirs)
    tolerance = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy(), **tolerance)
    weight = array(2, 4, 10, seed=2).astype(dtype)
    (ours[0] * needl.tensor(weight)).sum().backward()
    (theirs[0] * torch.tensor(weight)).sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), **tolerance)
    for (key, parameter), (_, expected) in zip(module.named_parameters(), reference.named_parameters()):
        np.testing.assert_allclose(parameter.grad.numpy(), expected.grad.numpy(), err_msg=key, **tolerance)


@pytest.mark.parametrize("module_class", [LSTM, GRU])
def test_saturated_gates_stay_finite_without_warnings(module_class):
    import warnings
    module = module_class(3, 4)
    x = needl.tensor((array(5, 2, 3) * 1e4).astype(np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exp overflow inside the fused gates must stay silent
        output = module(x)[0]
        output.sum().backward()
    assert np.all(np.isfinite(output.detach().numpy())) and np.all(np.abs(output.detach().numpy()) <= 1)
    assert all(np.all(np.isfinite(p.grad.numpy())) for p in module.parameters())


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh"])
def test_fused_sequence_second_order(kind):
    from needl.autograd import gradgradcheck
    gates = GATES[kind] * 2
    x, h0, c0 = leaf(2, 3, 2), leaf(2, 2, seed=1), leaf(2, 2, seed=2)
    weights = [leaf(gates, 2, seed=3, scale=0.7), leaf(gates, 2, seed=4, scale=0.7), leaf(gates, seed=5), None]
    c0_input = c0 if kind == "lstm" else None

    def function(x, h0, c0, *weights):
        return call_fused(kind, x, h0, c0, weights, True, True)

    assert gradgradcheck(function, [x, h0, c0_input, *weights])
