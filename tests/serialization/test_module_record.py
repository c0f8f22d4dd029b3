"""needl.save(model, f) of a whole module, rebuilt by needl.load(f, weights_only=False) without pickle."""
import io
import json
import sys
import zipfile

import numpy as np
import pytest

import needl
import needl.nn as nn
import needl.nn.functional as F
from needl.serialization import CheckpointError


class Classifier(nn.Module):
    """A user model: options in attributes, a tied submodule, a needl function as an option."""

    def __init__(self, hidden: int, activation=F.relu):
        super().__init__()
        self.hidden = hidden
        self.options = {"dropout": 0.0, "sizes": (3, hidden)}
        self.activation = activation
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.Flatten())
        self.head = nn.Linear(2 * 4 * 4, hidden)
        self.tied = self.head
        self.register_buffer("scale", needl.ones(1) * 2)
        self.register_buffer("cache", needl.zeros(2), persistent=False)

    def forward(self, x):
        return self.activation(self.head(self.features(x))) * self.scale


def save_to_bytes(obj) -> bytes:
    buffer = io.BytesIO()
    needl.save(obj, buffer)
    return buffer.getvalue()


def test_a_whole_model_round_trips_without_its_constructor():
    model = Classifier(5, activation=F.gelu)
    model.eval()
    rebuilt = needl.load(io.BytesIO(save_to_bytes(model)), weights_only=False)
    assert type(rebuilt) is Classifier and not rebuilt.training and not rebuilt.features[1].training
    assert rebuilt.hidden == 5 and rebuilt.options == {"dropout": 0.0, "sizes": (3, 5)}
    assert rebuilt.activation is F.gelu and rebuilt.tied is rebuilt.head
    assert "cache" not in rebuilt.state_dict() and rebuilt.cache.shape == (2,)
    assert isinstance(rebuilt.head.weight, nn.Parameter) and rebuilt.head.weight.requires_grad
    x = needl.randn(2, 1, 4, 4)
    np.testing.assert_array_equal(rebuilt(x).detach().numpy(), model(x).detach().numpy())
    assert repr(rebuilt) == repr(model)


def test_modules_inside_containers_and_library_modules():
    checkpoint = {"model": nn.LSTM(3, 4, num_layers=2), "epoch": 2}
    loaded = needl.load(io.BytesIO(save_to_bytes(checkpoint)), weights_only=False)
    assert loaded["epoch"] == 2 and isinstance(loaded["model"], nn.LSTM)
    x = needl.randn(5, 1, 3)
    np.testing.assert_array_equal(loaded["model"](x)[0].detach().numpy(),
                                  checkpoint["model"](x)[0].detach().numpy())


def test_weights_only_never_instantiates_a_class():
    data = save_to_bytes(nn.Linear(2, 2))
    with pytest.raises(CheckpointError, match="whole module.*weights_only=False"):
        needl.load(io.BytesIO(data))


def test_modules_with_hooks_or_foreign_functions_are_refused_at_save():
    model = nn.Linear(2, 2)
    model.register_forward_hook(lambda *args: None)
    with pytest.raises(TypeError, match="hooks.*state_dict"):
        save_to_bytes(model)
    with pytest.raises(TypeError, match="cannot save a function at the model.activation"):
        save_to_bytes(Classifier(2, activation=lambda x: x))


def rewritten(data: bytes, change) -> bytes:
    """The checkpoint with its structure record changed by change(metadata)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "__needl__.npy":
                metadata = json.loads(np.load(io.BytesIO(content)).tobytes())
                change(metadata)
                array = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
                stream = io.BytesIO()
                np.save(stream, array)
                content = stream.getvalue()
            archive.writestr(info.filename, content)
    return buffer.getvalue()


@pytest.mark.parametrize("path,message", [
    ("posix:system", "not a subclass of needl.nn.Module"),
    ("os:system", "not a subclass of needl.nn.Module"),
    ("builtins:dict", "not a subclass of needl.nn.Module"),
    ("subprocess_never_imported_here:Popen", "is not imported: import it before loading"),
    ("needl.nn:__class__", "not a plain module path"),
    ("os.path:join;rm", "not a plain module path"),
    ("needl.nn:Nothing", "does not exist"),
])
def test_a_hostile_class_path_is_refused(path, message):
    data = save_to_bytes(nn.Linear(2, 2))

    def change(metadata):
        metadata["modules"][0]["class"] = path
    with pytest.raises(CheckpointError, match=message):
        needl.load(io.BytesIO(rewritten(data, change)), weights_only=False)
    assert "subprocess_never_imported_here" not in sys.modules


@pytest.mark.parametrize("change,message", [
    (lambda m: m["modules"][0]["attributes"].append(["__class__", 1]), "reserved attribute"),
    (lambda m: m["modules"][0]["attributes"].append(["_parameters", {"dict": []}]), "reserved attribute"),
    (lambda m: m["modules"][0]["parameters"].__setitem__(0, ["weight", 3]), "not a Parameter"),
    (lambda m: m["modules"][0].pop("training"), "malformed"),
    (lambda m: m.__setitem__("root", {"module": 7}), "refers to module 7"),
    (lambda m: m["modules"][0]["attributes"].append(["f", {"global": "os:system"}]),
     "only needl's own functions"),
    (lambda m: m["modules"][0]["attributes"].append(["f", {"global": "needl.autograd.tensor:np"}]),
     "not defined by needl"),
])
def test_a_hostile_module_record_is_refused(change, message):
    data = save_to_bytes(nn.Linear(2, 2))
    with pytest.raises(CheckpointError, match=message):
        needl.load(io.BytesIO(rewritten(data, change)), weights_only=False)
