"""Embedding and EmbeddingBag: lookup tables of num_embeddings vectors, initialised from N(0, 1)."""
import numpy as np

from ...autograd.creation import empty
from ...autograd.tensor import Tensor
from .. import functional as F
from .. import init
from ..factory import factory_dtype
from ..module import Module
from ..parameter import Parameter


def _padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    """padding_idx checked and made non-negative (PyTorch accepts -num_embeddings ... num_embeddings - 1)."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"Padding_idx must be within num_embeddings ({num_embeddings}), got {padding_idx}")
    return padding_idx % num_embeddings


def _normal_rows_(weight: Tensor, padding_idx: int | None) -> None:
    """PyTorch's embedding initialisation: N(0, 1), the padding row zero."""
    init.normal_(weight)
    if padding_idx is not None:
        weight._data[padding_idx] = 0


class Embedding(Module):
    """weight (num_embeddings, embedding_dim); the padding_idx row starts at zero and gets no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False,
                 device=None, dtype=None):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            dtype = factory_dtype(device, dtype)
            self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Shape of weight {tuple(_weight.shape)} does not match num_embeddings and "
                                 f"embedding_dim ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        _normal_rows_(self.weight, self.padding_idx)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        if self.sparse:
            text += ", sparse=True"
        return text

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> "Embedding":
        """An Embedding whose weight is (a copy of) `embeddings` (2-D), frozen by default."""
        data = embeddings._data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError(f"Embeddings parameter is expected to be 2-dimensional, got shape {data.shape}")
        return cls(data.shape[0], data.shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq,
                   sparse, _weight=Tensor(data.copy()), _freeze=freeze)


class EmbeddingBag(Module):
    """Sums, means or maxes of bags of embeddings: forward(input, offsets=None, per_sample_weights=None)
    -> (bags, embedding_dim); weight (num_embeddings, embedding_dim) initialised from N(0, 1)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                 _weight: Tensor | None = None, include_last_offset: bool = False, padding_idx: int | None = None,
                 device=None, dtype=None):
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"mode has to be one of sum, mean or max, got '{mode}'")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=factory_dtype(device, dtype)))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Shape of weight {tuple(_weight.shape)} does not match num_embeddings and "
                                 f"embedding_dim ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        _normal_rows_(self.weight, self.padding_idx)

    def forward(self, input: Tensor, offsets: Tensor | None = None, per_sample_weights: Tensor | None = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        text += f", mode='{self.mode}'"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False, padding_idx: int | None = None) -> "EmbeddingBag":
        """An EmbeddingBag whose weight is (a copy of) the 2-D `embeddings`, frozen by default."""
        data = embeddings._data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError(f"Embeddings parameter is expected to be 2-dimensional, got shape {data.shape}")
        bag = cls(data.shape[0], data.shape[1], max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  Tensor(data.copy()), include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag
