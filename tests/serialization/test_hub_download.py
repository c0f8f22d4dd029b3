"""needl.hub: cached downloads (file:// URLs here: tests never use the network) and clear errors."""
import hashlib
import socket

import pytest

import needl
import needl.hub
from needl.utils import model_zoo


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(needl.hub, "_hub_dir", str(tmp_path / "hub"))
    return tmp_path / "hub"


def published(tmp_path, name="weights.pt"):
    source = tmp_path / "server" / name
    source.parent.mkdir()
    needl.save({"w": needl.ones(2)}, source)
    return source


def test_downloads_once_into_the_cache_and_loads(tmp_path, hub_dir):
    source = published(tmp_path)
    state = needl.hub.load_state_dict_from_url(source.as_uri(), progress=False)
    assert state["w"].tolist() == [1.0, 1.0]
    assert (hub_dir / "checkpoints" / "weights.pt").exists()
    source.unlink()  # the cached copy is used from now on
    assert model_zoo.load_url(source.as_uri(), progress=False)["w"].tolist() == [1.0, 1.0]


def test_the_hash_prefix_in_the_name_is_checked(tmp_path, hub_dir):
    source = published(tmp_path, "weights-0000.pt")
    with pytest.raises(RuntimeError, match='invalid hash value.*expected "0000"'):
        needl.hub.load_state_dict_from_url(source.as_uri(), check_hash=True, progress=False)
    assert not (hub_dir / "checkpoints" / "weights-0000.pt").exists()
    prefix = hashlib.sha256(source.read_bytes()).hexdigest()[:8]
    good = source.with_name(f"weights-{prefix}.pt")
    source.rename(good)
    state = needl.hub.load_state_dict_from_url(good.as_uri(), check_hash=True, progress=False)
    assert state["w"].shape == (2,)


def test_offline_the_error_says_where_to_put_the_file(hub_dir):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RuntimeError, match=r"could not download .*put it at .*checkpoints/w\.pt"):
        needl.hub.load_state_dict_from_url(f"http://127.0.0.1:{port}/w.pt", progress=False)


def test_hub_load_is_not_supported():
    with pytest.raises(RuntimeError, match="hubconf.py.*load_state_dict_from_url"):
        needl.hub.load("pytorch/vision", "resnet18")
