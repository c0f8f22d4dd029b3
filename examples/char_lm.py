"""A character-level language model trained on Python's own standard library source, printing
generated code after every epoch: an LSTM (default) or a causal Transformer encoder.

    python examples/char_lm.py --epochs 5 --batch-size 32 --lr 4e-3
    python examples/char_lm.py --model transformer --lr 1e-3

The text is the sorted top-level modules of the standard library (the folder of `os.py`), so
it is on every machine with Python. An epoch is one pass over the first --chars characters.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

import needl
import needl.nn as nn
from needl.utils.data import DataLoader, TensorDataset

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional: pip install "needl-numpy[examples]"
    tqdm = None


def standard_library_text(chars: int) -> str:
    """The first `chars` characters of the standard library's top-level modules, in name order."""
    folder = Path(os.__file__).parent
    pieces, total = [], 0
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        pieces.append(text)
        total += len(text)
        if total >= chars:
            break
    return "".join(pieces)[:chars]


class CharLM(nn.Module):
    """Next-character logits from the characters so far: embedding -> LSTM -> linear."""

    def __init__(self, vocab_size: int, embedding_dim: int = 32, hidden_size: int = 256,
                 num_layers: int = 1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens: needl.Tensor, state=None):
        """tokens (batch, time) int64 -> logits (batch, time, vocab), the final (h, c)."""
        output, state = self.lstm(self.embedding(tokens), state)
        return self.head(output), state


class CharTransformer(nn.Module):
    """Next-character logits from at most `context` previous characters: token and position
    embeddings -> causal Transformer encoder (pre-norm) -> linear."""

    def __init__(self, vocab_size: int, context: int, d_model: int = 128, nhead: int = 4,
                 num_layers: int = 2, dropout: float = 0.1):
        super().__init__()
        self.context = context
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=4 * d_model,
                                           dropout=dropout, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, tokens: needl.Tensor, state=None):
        """tokens (batch, time <= context) -> logits (batch, time, vocab); no recurrent state."""
        time_steps = tokens.shape[1]
        positions = needl.arange(time_steps)
        hidden = self.embedding(tokens) + self.position(positions)
        mask = nn.Transformer.generate_square_subsequent_mask(time_steps)
        hidden = self.encoder(hidden, mask=mask, is_causal=True)
        return self.head(self.norm(hidden)), None


@needl.no_grad()
def generate(model: nn.Module, vocab: str, prompt: str, length: int, temperature: float,
             rng: np.random.Generator) -> str:
    """Sample `length` characters after `prompt`, one at a time (the LSTM carries its state,
    the Transformer re-reads its last `context` characters)."""
    model.eval()
    index = {char: i for i, char in enumerate(vocab)}
    tokens = [index.get(char, 0) for char in prompt]
    logits, state = model(needl.tensor([tokens]))
    for _ in range(length):
        scores = logits.detach().numpy()[0, -1].astype(np.float64) / temperature
        probabilities = np.exp(scores - scores.max())
        tokens.append(int(rng.choice(len(vocab), p=probabilities / probabilities.sum())))
        if isinstance(model, CharTransformer):
            logits, _ = model(needl.tensor([tokens[-model.context:]]))
        else:
            logits, state = model(needl.tensor([tokens[-1:]]), state)
    model.train()
    return prompt + "".join(vocab[token] for token in tokens[len(prompt):])


@needl.no_grad()
def evaluate(model: CharLM, loader: DataLoader, loss_fn) -> float:
    model.eval()
    total, count = 0.0, 0
    for inputs, targets in loader:
        logits, _ = model(inputs)
        total += loss_fn(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)).item() * len(inputs)
        count += len(inputs)
    model.train()
    return total / count


def windows(codes: np.ndarray, seq_len: int) -> TensorDataset:
    """Non-overlapping (input, next-character target) windows of length seq_len."""
    count = (len(codes) - 1) // seq_len
    inputs = codes[:count * seq_len].reshape(count, seq_len)
    targets = codes[1:count * seq_len + 1].reshape(count, seq_len)
    return TensorDataset(inputs, targets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--chars", type=int, default=300_000, help="characters of text to use")
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--model", choices=["lstm", "transformer"], default="lstm")
    parser.add_argument("--hidden-size", type=int, default=256, help="LSTM width")
    parser.add_argument("--sample-length", type=int, default=300)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default="char_lm.npz")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    needl.manual_seed(args.seed)
    start = time.perf_counter()

    text = standard_library_text(args.chars)
    vocab = "".join(sorted(set(text)))
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # one code point per char
    lookup = np.zeros(codes.max() + 1, dtype=np.int64)
    lookup[[ord(char) for char in vocab]] = np.arange(len(vocab))
    codes = lookup[codes]
    split = int(0.9 * len(codes))
    train_set, valid_set = windows(codes[:split], args.seq_len), windows(codes[split:], args.seq_len)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, drop_last=True,
                              generator=args.seed)
    valid_loader = DataLoader(valid_set, batch_size=256)

    if args.model == "lstm":
        model = CharLM(len(vocab), hidden_size=args.hidden_size)
    else:
        model = CharTransformer(len(vocab), context=args.seq_len)
    optimizer = needl.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = needl.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=args.epochs * len(train_loader), eta_min=args.lr / 20)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(args.seed)
    print(f"{type(model).__name__} on {len(text):,} characters of the standard library "
          f"({len(vocab)} distinct); "
          f"{sum(p.numel() for p in model.parameters()):,} parameters; "
          f"{len(train_loader)} steps per epoch")

    for epoch in range(1, args.epochs + 1):
        epoch_start, total, seen = time.perf_counter(), 0.0, 0
        bar = None
        if not args.no_progress and tqdm is not None:
            bar = tqdm(total=len(train_loader) * args.batch_size * args.seq_len, unit="char",
                       unit_scale=True, desc=f"epoch {epoch}/{args.epochs}", leave=False,
                       file=sys.stdout)
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            logits, _ = model(inputs)
            loss = loss_fn(logits.reshape(-1, len(vocab)), targets.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total += loss.item()
            seen += 1
            if bar is not None:
                bar.update(inputs.numel())
                bar.set_postfix(loss=f"{total / seen:.3f}")
        if bar is not None:
            bar.close()
        elapsed = time.perf_counter() - epoch_start
        valid_loss = evaluate(model, valid_loader, loss_fn)
        print(f"epoch {epoch}: train loss {total / seen:.3f}, validation loss {valid_loss:.3f} "
              f"({valid_loss / np.log(2):.2f} bits/char), {elapsed:.1f} s "
              f"({seen * args.batch_size * args.seq_len / elapsed:,.0f} chars/s)")
        print("--- sample ---")
        print(generate(model, vocab, "def ", args.sample_length, args.temperature, rng))
        print("--------------", flush=True)
        needl.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "vocab": vocab, "epoch": epoch, "validation_loss": valid_loss},
                   Path(args.checkpoint))
    print(f"wall time {time.perf_counter() - start:.1f} s; checkpoint saved to {args.checkpoint}")


if __name__ == "__main__":
    main()
