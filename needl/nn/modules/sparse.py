"""PyTorch's module path torch.nn.modules.sparse: Embedding and EmbeddingBag (defined in embedding.py)."""
from .embedding import Embedding, EmbeddingBag

__all__ = ["Embedding", "EmbeddingBag"]
