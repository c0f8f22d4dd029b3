"""needl.vision.models: torchvision's structure, keys and outputs; weights= from a file."""
import numpy as np
import pytest

import needl
from needl.vision import models

RNG = np.random.default_rng(3)
# parameter counts of torchvision's models (as printed by torchvision's documentation)
# (alexnet's 61 M and the VGGs' are checked by loading torchvision's state_dict strictly)
PARAMETERS = {"resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
              "mobilenet_v2": 3_504_872}


def load_torchvision_state(ours, theirs) -> None:
    """Copy torchvision's state_dict (as NumPy arrays) into `ours`, checking the keys' order."""
    state = {key: value.numpy() for key, value in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state)


def assert_same_outputs(ours, theirs, shape) -> None:
    """Both models (in eval mode) give the same float32 outputs on random images of `shape`."""
    import torch
    images = RNG.standard_normal(shape, dtype=np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(images)).numpy()
    with needl.no_grad():
        outputs = ours(needl.tensor(images)).numpy()
    assert outputs.dtype == np.float32
    np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_parameter_counts_and_forward_shapes(name):
    model = getattr(models, name)()
    assert sum(p.numel() for p in model.parameters()) == PARAMETERS[name]
    with needl.no_grad():
        logits = model.eval()(needl.randn(2, 3, 32, 32))
    assert logits.shape == (2, 1000) and logits.dtype == np.float32


def test_resnet_trains_and_num_classes():
    model = models.resnet18(num_classes=10)
    images, labels = needl.randn(2, 3, 32, 32), needl.tensor([1, 7])
    loss = needl.nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    assert model.conv1.weight.grad.shape == (64, 3, 7, 7)
    assert model.fc.weight.shape == (10, 512)
    zero = models.resnet18(zero_init_residual=True)
    assert float(zero.layer1[0].bn2.weight.abs().sum().item()) == 0.0


def test_weights_load_from_a_path(tmp_path):
    source = models.mobilenet_v2(num_classes=5).eval()
    path = tmp_path / "mobilenet.npz"
    needl.save(source.state_dict(), path)
    loaded = models.mobilenet_v2(num_classes=5, weights=path).eval()
    images = needl.randn(1, 3, 32, 32)
    with needl.no_grad():
        np.testing.assert_array_equal(loaded(images).numpy(), source(images).numpy())


def test_weights_that_are_not_files_say_how_to_get_them():
    with pytest.raises(ValueError, match="does not download them.*torch.save"):
        models.resnet18(weights="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="does not download them"):
        models.alexnet(pretrained=True)


@pytest.mark.parametrize("name,size", [("resnet18", 64), ("resnet50", 32),
                                       ("mobilenet_v2", 32), ("alexnet", 64)])
def test_torchvision_state_dicts_load_and_give_torchvision_outputs(torchvision, name, size):
    import torch
    torch.manual_seed(0)
    theirs = getattr(torchvision.models, name)().eval()
    ours = getattr(models, name)().eval()
    load_torchvision_state(ours, theirs)
    assert_same_outputs(ours, theirs, (2, 3, size, size))


def test_a_torch_saved_state_dict_loads_through_weights(torchvision, tmp_path):
    """The user's path: torch.save(model.state_dict()) once, then weights= that .pth file."""
    import torch
    theirs = torchvision.models.mobilenet_v2(num_classes=7).eval()
    torch.save(theirs.state_dict(), tmp_path / "mobilenet_v2.pth")
    ours = models.mobilenet_v2(num_classes=7, weights=tmp_path / "mobilenet_v2.pth").eval()
    assert_same_outputs(ours, theirs, (1, 3, 32, 32))


def test_resnet18_training_mode_matches_torchvision(torchvision):
    """Batch statistics in the forward, running statistics updated, gradients equal."""
    import torch
    torch.manual_seed(1)
    theirs = torchvision.models.resnet18(num_classes=10).train()
    ours = models.resnet18(num_classes=10).train()
    load_torchvision_state(ours, theirs)
    images = RNG.standard_normal((4, 3, 32, 32), dtype=np.float32)
    expected = theirs(torch.from_numpy(images))
    expected.sum().backward()
    logits = ours(needl.tensor(images))
    logits.sum().backward()
    np.testing.assert_allclose(logits.detach().numpy(), expected.detach().numpy(), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(ours.bn1.running_mean.numpy(), theirs.bn1.running_mean.numpy(),
                               rtol=1e-5, atol=1e-6)
    expected_grad = theirs.conv1.weight.grad.numpy()  # float32 sums of 4 x 16 x 16 terms
    np.testing.assert_allclose(ours.conv1.weight.grad.numpy(), expected_grad, rtol=1e-3,
                               atol=1e-4 * np.abs(expected_grad).max())


@pytest.mark.parametrize("batch_norm", [False, True])
def test_vgg_features_match_torchvision(torchvision, batch_norm):
    """VGG's convolutional part. The whole model is not built here: its classifier holds 120 M
    parameters, whose initialisation takes about 10 s in needl."""
    from needl.vision.models.vgg import cfgs, make_layers
    theirs = torchvision.models.vgg.make_layers(cfgs["A"], batch_norm).eval()
    ours = make_layers(cfgs["A"], batch_norm).eval()
    load_torchvision_state(ours, theirs)
    assert_same_outputs(ours, theirs, (1, 3, 32, 32))
