"""Fixtures for needl.vision's tests: torchvision (optional) and Pillow (optional)."""
import sys

import pytest


def _import_torchvision():
    """torchvision beside the installed torch, or a skip.

    PyPI's Linux torchvision wheels carry a C++ extension built against CUDA torch; beside a CPU
    torch it does not load, and `import torchvision` then stops on registering fake kernels for
    its `nms` operators ("operator torchvision::nms does not exist"). Its pure-Python parts
    (transforms, models), which are all these tests use, work once those two operator names
    are declared, so they are declared here when (and only when) that happens.
    """
    torch = pytest.importorskip("torch")
    try:
        import torchvision
    except RuntimeError as error:
        if "torchvision::nms" not in str(error):
            raise
        for name in [name for name in sys.modules if name.startswith("torchvision")]:
            del sys.modules[name]
        library = torch.library.Library("torchvision", "DEF")
        for name in ("nms", "qnms"):
            library.define(f"{name}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _import_torchvision.library = library  # keep the declarations alive
        import torchvision
    except ImportError:
        pytest.skip("torchvision is not installed (pip install --no-deps torchvision)")
    return torchvision


@pytest.fixture(scope="session")
def torchvision():
    return _import_torchvision()


@pytest.fixture(scope="session")
def TF(torchvision):
    """torchvision.transforms.functional."""
    import torchvision.transforms.functional as TF
    return TF


@pytest.fixture(scope="session")
def torch(torchvision):
    import torch
    return torch


@pytest.fixture(scope="session")
def Image():
    return pytest.importorskip("PIL.Image")
