"""needl.nn.summary: rows, output shapes, parameter counts, sizes, restored state, errors."""
import pytest

import needl
from needl import nn
from needl.nn.summary import summary


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 8), nn.ReLU())
        self.head = nn.Linear(8, 3)
        self.register_buffer("scale", needl.ones(3))

    def forward(self, input):
        return self.head(self.body(input)) * self.scale


def test_parameter_counts_equal_the_model_parameters():
    model = Net()
    model.head.bias.requires_grad_(False)
    result = summary(model, (2, 6), verbose=0)
    total = sum(p.numel() for p in model.parameters())
    assert result.total_params == total == 6 * 8 + 8 + 8 * 3 + 3
    assert result.non_trainable_params == 3 and result.trainable_params == total - 3
    assert sum(row.params for row in result.rows) == total
    assert result.params_bytes == 4 * total and result.buffers_bytes == 4 * 3
    assert result.input_bytes == 4 * 2 * 6


def test_rows_show_each_call_with_its_output_shape():
    result = summary(Net(), (2, 6), verbose=0)
    assert [(row.name, row.type_name, row.depth, row.output_shape) for row in result.rows] == [
        ("", "Net", 0, "[2, 3]"), ("body", "Sequential", 1, "[2, 8]"),
        ("body.0", "Linear", 2, "[2, 8]"), ("body.1", "ReLU", 2, "[2, 8]"), ("head", "Linear", 1, "[2, 3]")]
    table = str(result)
    assert "    body.0 (Linear)  [2, 8]" in table and "Total params: 83" in table
    assert "Partial" not in table and "Trainable params: 83" in table


def test_prints_the_table_by_default(capsys):
    summary(Net(), (1, 6))
    assert "Layer (type)" in capsys.readouterr().out


class Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 4)

    def forward(self, input):
        return self.layer(self.layer(input)), input.sum()


def test_a_module_called_twice_is_counted_once_and_tuples_are_described():
    result = summary(Twice(), (3, 4), verbose=0)
    assert result.rows[2].recursive and result.rows[2].params == 0
    assert result.total_params == sum(row.params for row in result.rows) == 20
    assert result.rows[0].output_shape == "([3, 4], [])"
    assert "(recursive)" in str(result)


def test_several_inputs_and_integer_dtypes():
    result = summary(nn.Bilinear(3, 5, 2), [(4, 3), (4, 5)], verbose=0)
    assert result.rows[0].output_shape == "[4, 2]" and result.total_params == 3 * 5 * 2 + 2
    given = summary(nn.Linear(3, 2), input_data=needl.randn(7, 3), verbose=0)
    assert given.rows[0].output_shape == "[7, 2]"


def test_state_is_restored():
    model = Net()
    model.body.eval()
    summary(model, (2, 6), verbose=0)
    assert model.training and model.head.training and not model.body.training and not model.body[0].training
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert all(p.grad is None for p in model.parameters())


def test_errors_name_what_is_wrong():
    with pytest.raises(ValueError, match="input_size must be a tuple of positive ints"):
        summary(Net(), (2, -6), verbose=0)
    with pytest.raises(ValueError, match="needs input_size"):
        summary(Net(), verbose=0)
    with pytest.raises(TypeError, match="expects an nn.Module"):
        summary(lambda x: x, (2, 6), verbose=0)
    model = Net()
    with pytest.raises(Exception) as error:
        summary(model, (2, 5), verbose=0)
    assert any("ran Net on zeros: (2, 5) float32" in note for note in error.value.__notes__)
    assert all(not m._forward_hooks for m in model.modules()) and model.training
