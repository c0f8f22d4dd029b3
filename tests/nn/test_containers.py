"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""
from collections import OrderedDict

import numpy as np
import pytest

import needl
import needl.nn as nn


def test_sequential_runs_in_order_and_indexes():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = needl.randn(5, 3)
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x).detach().numpy(), expected.detach().numpy())
    assert len(model) == 3 and isinstance(model[-1], nn.Linear)
    assert isinstance(model[:2], nn.Sequential) and len(model[:2]) == 2
    with pytest.raises(IndexError, match="out of range"):
        model[3]


def test_sequential_from_ordered_dict_and_mutation():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert list(model.state_dict()) == ["fc.weight", "fc.bias"]
    assert isinstance(model.act, nn.Tanh)
    model = nn.Sequential(nn.Linear(2, 2))
    model.append(nn.ReLU()).insert(0, nn.Identity())
    assert [type(m).__name__ for m in model] == ["Identity", "Linear", "ReLU"]
    assert list(model.state_dict()) == ["1.weight", "1.bias"]
    del model[0]
    assert list(model.state_dict()) == ["0.weight", "0.bias"]


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.ReLU())
    assert len(layers) == 4 and len(list(layers.parameters())) == 6
    assert list(layers.state_dict())[:2] == ["0.weight", "0.bias"]
    assert isinstance(layers[1:3], nn.ModuleList)
    layers.extend([nn.Tanh()])
    assert isinstance(layers[-1], nn.Tanh)
    layers.insert(0, nn.Identity())
    assert isinstance(layers[0], nn.Identity) and list(layers.state_dict())[0] == "1.weight"


def test_module_dict():
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    heads["c"] = nn.ReLU()
    assert list(heads.keys()) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert list(heads.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    heads.pop("a")
    assert list(heads) == ["b", "c"]


def test_parameter_list_and_dict():
    params = nn.ParameterList([nn.Parameter(needl.zeros(2)), needl.ones(3)])
    assert len(params) == 2 and isinstance(params[1], nn.Parameter)
    assert list(params.state_dict()) == ["0", "1"]
    table = nn.ParameterDict({"w": nn.Parameter(needl.zeros(1))})
    assert list(dict(table.named_parameters())) == ["w"]


def test_container_repr_matches_pytorch_layout():
    layers = nn.ModuleList([nn.ReLU(), nn.Linear(1, 1)])
    assert repr(layers) == ("ModuleList(\n  (0): ReLU()\n"
                            "  (1): Linear(in_features=1, out_features=1, bias=True)\n)")


def test_module_list_repr_folds_identical_runs_like_pytorch():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.Linear(2, 2)])
    assert repr(layers) == ("ModuleList(\n"
                            "  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
                            "  (3): ReLU()\n"
                            "  (4): Linear(in_features=2, out_features=2, bias=True)\n)")
    assert repr(nn.ModuleList()) == "ModuleList()"
