"""Conv and pooling layers: parameter names and shapes, gradchecks through the modules, reprs, errors."""
import numpy as np
import pytest

import needl
import needl.nn as nn
from needl.autograd import gradcheck


def leaf(*shape, seed=0):
    return needl.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def parameter_gradcheck(module, x):
    """gradcheck with respect to the input and every parameter of the module, in float64."""
    module.double()
    names = [name for name, _ in module.named_parameters()]
    copies = [needl.tensor(p.detach().numpy().copy(), requires_grad=True) for _, p in module.named_parameters()]

    def run(input, *values):
        return _call_with(module, input, dict(zip(names, values)))

    return gradcheck(run, (x, *copies))


def _call_with(module, input, replacements):
    """Call module with its parameters swapped for the given tensors (so gradients reach them)."""
    originals = {}
    for name, value in replacements.items():
        path, _, local = name.rpartition(".")
        owner = module.get_submodule(path)
        originals[(owner, local)] = owner._parameters[local]
        owner._parameters[local] = value
    try:
        return module(input)
    finally:
        for (owner, local), value in originals.items():
            owner._parameters[local] = value


CONVS = [
    (lambda: nn.Conv2d(2, 4, 3), (2, 2, 5, 5)),
    (lambda: nn.Conv2d(4, 4, (3, 2), stride=2, padding=1, dilation=(1, 2), groups=2, bias=False), (1, 4, 6, 5)),
    (lambda: nn.Conv2d(2, 3, 3, padding="same", padding_mode="reflect"), (1, 2, 4, 4)),
    (lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular"), (1, 2, 4, 4)),
    (lambda: nn.Conv1d(2, 3, 3, padding=1), (2, 2, 6)),
    (lambda: nn.Conv1d(2, 3, 2, stride=2, padding_mode="replicate", padding=1), (1, 2, 5)),
    (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), (1, 2, 3, 3)),
    (lambda: nn.ConvTranspose1d(2, 4, 3, stride=2, padding=1, groups=2), (2, 2, 4)),
]


@pytest.mark.parametrize("index", range(len(CONVS)))
def test_conv_layer_gradcheck_input_and_parameters(index):
    make, shape = CONVS[index]
    assert parameter_gradcheck(make(), leaf(*shape))


def test_conv_parameter_names_and_shapes_as_pytorch():
    def shapes(module):
        return [(name, tuple(p.shape)) for name, p in module.named_parameters()]
    assert shapes(nn.Conv2d(3, 8, 3)) == [("weight", (8, 3, 3, 3)), ("bias", (8,))]
    assert shapes(nn.Conv2d(4, 8, (3, 5), groups=2, bias=False)) == [("weight", (8, 2, 3, 5))]
    assert shapes(nn.Conv1d(3, 6, 4)) == [("weight", (6, 3, 4)), ("bias", (6,))]
    assert shapes(nn.ConvTranspose2d(4, 6, 3, groups=2)) == [("weight", (4, 3, 3, 3)), ("bias", (6,))]
    assert shapes(nn.ConvTranspose1d(4, 6, 5)) == [("weight", (4, 6, 5)), ("bias", (6,))]


def test_conv_output_shapes():
    assert nn.Conv2d(3, 8, 3, stride=2, padding=1)(needl.randn(2, 3, 9, 9)).shape == (2, 8, 5, 5)
    assert nn.Conv2d(3, 8, 4, padding="same")(needl.randn(2, 3, 7, 7)).shape == (2, 8, 7, 7)
    assert nn.Conv1d(3, 8, 3)(needl.randn(3, 10)).shape == (8, 8)  # unbatched
    layer = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    assert layer(needl.randn(1, 3, 4, 4)).shape == (1, 2, 7, 7)
    assert layer(needl.randn(1, 3, 4, 4), output_size=(8, 8)).shape == (1, 2, 8, 8)
    assert nn.Conv2d(3, 8, 3)(needl.randn(1, 3, 5, 5)).dtype == np.float32


def test_conv_reprs_match_pytorch():
    assert repr(nn.Conv2d(3, 8, 3)) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2, bias=False)) == \
        "Conv2d(4, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2, bias=False)"
    assert repr(nn.Conv1d(2, 2, 3, padding="same")) == "Conv1d(2, 2, kernel_size=(3,), stride=(1,), padding=same)"
    assert repr(nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=1)) == \
        "ConvTranspose2d(2, 2, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))"


def test_conv_wrong_channels_names_expected_and_received_shapes():
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8\): expected input of shape \(N, 3, \*, \*\) with 3 "
                                         r"channels, got input of shape \(2, 4, 5, 5\) \(4 channels\)"):
        nn.Conv2d(3, 8, 3)(needl.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"expected a 3-D \(unbatched\) or 4-D \(batched\) input"):
        nn.Conv2d(3, 8, 3)(needl.randn(3, 5))


def test_conv_constructor_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(3, 6, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 6, 3, padding_mode="mirror")


POOLS = [
    (lambda: nn.MaxPool2d(2), (2, 2, 4, 4)),
    (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 5, 5)),
    (lambda: nn.MaxPool1d(3, stride=2, padding=1), (2, 2, 7)),
    (lambda: nn.AvgPool2d(2), (2, 2, 4, 4)),
    (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (1, 2, 5, 5)),
    (lambda: nn.AvgPool1d(3, 2, 1), (1, 2, 7)),
    (lambda: nn.AdaptiveAvgPool2d((2, 3)), (1, 2, 5, 7)),
    (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 4, 4)),
    (lambda: nn.AdaptiveAvgPool1d(3), (2, 2, 7)),
]


@pytest.mark.parametrize("index", range(len(POOLS)))
def test_pooling_gradcheck(index):
    make, shape = POOLS[index]
    # distinct values so that max pooling has no ties
    values = np.random.default_rng(index).permutation(int(np.prod(shape))).reshape(shape) * 0.1
    assert gradcheck(make(), (needl.tensor(values, requires_grad=True),))


def test_pooling_reprs_and_shapes():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
    assert nn.MaxPool2d(2)(needl.randn(1, 3, 8, 6)).shape == (1, 3, 4, 3)
    values, indices = nn.MaxPool2d(2, return_indices=True)(needl.randn(1, 1, 4, 4))
    assert values.shape == indices.shape == (1, 1, 2, 2)
    assert nn.AdaptiveAvgPool2d(1)(needl.randn(2, 5, 3, 3)).shape == (2, 5, 1, 1)


def test_conv_matches_pytorch():
    torch = pytest.importorskip("torch")
    mine = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2).double()
    theirs = torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2).double()
    mine.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4, 7, 7))
    np.testing.assert_allclose(mine(needl.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10,
                               atol=1e-12)
