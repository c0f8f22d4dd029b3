"""GPT training step, nanoGPT-style: 4 layers, 4 heads, width 128, context 64, batch 32, vocabulary 65
(character level), causal self-attention, GELU MLP, LayerNorm, weight-tied embedding, AdamW with
weight-decay groups (2-d parameters decay, biases and norms do not), float32.

The model is nanoGPT's `model.py` structure written once for needl and PyTorch (same API),
with nanoGPT's initialisation drawn by parameter name in NumPy, so both start from the same
weights and see the same batch. Run: python benchmarks/gpt.py [--quick]
"""
import numpy as np

from common import Contender, StepWorkload, load_parameters, main

LAYERS, HEADS, WIDTH, CONTEXT, BATCH, VOCABULARY = 4, 4, 128, 64, 32, 65
LR, BETAS, WEIGHT_DECAY, DROPOUT = 6e-4, (0.9, 0.95), 0.1, 0.0


def gpt(library):
    """nanoGPT's GPT in needl or PyTorch (the same code)."""
    nn, F = library.nn, library.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(WIDTH, 3 * WIDTH)
            self.c_proj = nn.Linear(WIDTH, WIDTH)
            self.resid_dropout = nn.Dropout(DROPOUT)

        def forward(self, x):
            batch, length, width = x.size()
            q, k, v = self.c_attn(x).split(WIDTH, dim=2)
            q = q.view(batch, length, HEADS, width // HEADS).transpose(1, 2)
            k = k.view(batch, length, HEADS, width // HEADS).transpose(1, 2)
            v = v.view(batch, length, HEADS, width // HEADS).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=DROPOUT if self.training else 0,
                                               is_causal=True)
            y = y.transpose(1, 2).contiguous().view(batch, length, width)
            return self.resid_dropout(self.c_proj(y))

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc = nn.Linear(WIDTH, 4 * WIDTH)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * WIDTH, WIDTH)
            self.dropout = nn.Dropout(DROPOUT)

        def forward(self, x):
            return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(WIDTH)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(WIDTH)
            self.mlp = MLP()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(VOCABULARY, WIDTH), wpe=nn.Embedding(CONTEXT, WIDTH), drop=nn.Dropout(DROPOUT),
                h=nn.ModuleList([Block() for _ in range(LAYERS)]), ln_f=nn.LayerNorm(WIDTH)))
            self.lm_head = nn.Linear(WIDTH, VOCABULARY, bias=False)
            self.transformer.wte.weight = self.lm_head.weight  # weight tying

        def forward(self, idx, targets):
            length = idx.size(1)
            pos = library.arange(0, length, dtype=library.long)
            x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
            for block in self.transformer.h:
                x = block(x)
            logits = self.lm_head(self.transformer.ln_f(x))
            return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

        def configure_optimizers(self):
            parameters = [p for p in self.parameters() if p.requires_grad]
            groups = [{"params": [p for p in parameters if p.dim() >= 2], "weight_decay": WEIGHT_DECAY},
                      {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0}]
            return library.optim.AdamW(groups, lr=LR, betas=BETAS)

    return GPT()


def initializer(name, shape, rng):
    """nanoGPT's: normal(0, 0.02) weights (c_proj scaled by 1/sqrt(2 layers)), zero biases, unit norms."""
    if len(shape) == 1:
        return (np.ones if name.endswith("ln_1.weight") or name.endswith("ln_2.weight")
                or name.endswith("ln_f.weight") else np.zeros)(shape, np.float32)
    std = 0.02 / np.sqrt(2 * LAYERS) if name.endswith("c_proj.weight") else 0.02
    return (rng.standard_normal(shape, dtype=np.float32) * np.float32(std)).astype(np.float32)


def batch():
    """A batch of character ids and the next characters as targets."""
    tokens = np.random.default_rng(1).integers(0, VOCABULARY, (BATCH, CONTEXT + 1))
    return np.ascontiguousarray(tokens[:, :-1]), np.ascontiguousarray(tokens[:, 1:])


def framework_step(library):
    model = gpt(library)
    load_parameters(library, model, initializer=initializer)
    optimizer = model.configure_optimizers()
    x, y = (library.from_numpy(array) for array in batch())

    def step():  # nanoGPT's train.py loop, without gradient accumulation or clipping
        _, loss = model(x, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.item()
    return step


WORKLOADS = {"gpt": StepWorkload(
    label=f"GPT {LAYERS}L {HEADS}H w{WIDTH} ctx{CONTEXT}, b{BATCH}, AdamW",
    title=f"GPT (nanoGPT-style, {LAYERS} layers, {HEADS} heads, width {WIDTH}, context {CONTEXT}, "
          f"batch {BATCH}, vocabulary {VOCABULARY}) training step, AdamW, float32",
    contenders={"needl": Contender("needl", framework_step),
                "pytorch": Contender("torch", framework_step)},
    rounds=11, repeat=5,
    targets=(("needl", "pytorch", "(target <= 1.0x)"),))}


if __name__ == "__main__":
    main("gpt")
