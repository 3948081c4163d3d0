"""Training the tiny GPT on characters, saving and loading it (safetensors + JSON, never pickle).

Command line (the exact command that made the shipped model is recorded in models/README.md):

    python -m core.gpt_train --out models/tiny_gpt --preset ship

The training text is the shipped tiny Shakespeare (core/corpus.py; LLMX_CORPUS or --data for another).
"""

import argparse
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from core.corpus import ENV_VAR, SHIPPED, corpus_path, read_corpus
from core.device import get_device
from core.gpt import GPT, GPTConfig
from core.progress import OnProgress, Progress, report

UNKNOWN = "□"  # in a capped vocabulary, the one id that stands for every character left out


class CharVocab:
    """Characters <-> ids. The vocabulary is the sorted set of the corpus's characters, or, capped, its most
    frequent characters plus UNKNOWN (a few thousand of the Tang poems' 6,984 cover 99 % of the text)."""

    def __init__(self, chars: str, unknown: str | None = None):
        self.chars = chars
        self.index = {c: i for i, c in enumerate(chars)}
        self.unknown_id = None if unknown is None else self.index[unknown]

    @classmethod
    def from_text(cls, text: str, max_size: int | None = None) -> "CharVocab":
        if max_size is None or len(set(text)) <= max_size:
            return cls("".join(sorted(set(text))))
        common = [c for c, _ in Counter(text).most_common(max_size - 1) if c != UNKNOWN]
        return cls("".join(sorted(common)) + UNKNOWN, unknown=UNKNOWN)

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """Ids of text; with a capped vocabulary, characters left out become the unknown id."""
        if self.unknown_id is None:
            return [self.index[c] for c in text]
        return [self.index.get(c, self.unknown_id) for c in text]

    def decode(self, ids) -> str:
        return "".join(self.chars[i] for i in ids)

    def unknown(self, text: str) -> list[str]:
        """Characters of text the model has never seen, each once, in order of appearance."""
        return list(dict.fromkeys(c for c in text if c not in self.index or self.index[c] == self.unknown_id))


def split_corpus(text: str, vocab: CharVocab) -> tuple[torch.Tensor, torch.Tensor]:
    """First 90% for training, last 10% for validation, as nanoGPT splits it."""
    data = torch.tensor(vocab.encode(text), dtype=torch.long)
    n = int(0.9 * len(data))
    return data[:n], data[n:]


def get_batch(data: torch.Tensor, block_size: int, batch_size: int, generator: torch.Generator):
    """Random windows of the text: inputs x (B, T) and the same shifted by one, targets y (B, T)."""
    starts = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    windows = data.unfold(0, block_size + 1, 1)[starts]  # (B, T + 1): one gather, not 2B slices
    return windows[:, :-1], windows[:, 1:].contiguous()


@torch.no_grad()
def estimate_loss(model: GPT, data: torch.Tensor, batch_size: int, iters: int, seed: int, device) -> float:
    """Mean cross-entropy (nats per character) over `iters` random batches of `data`."""
    generator = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    losses = []
    for _ in range(iters):
        x, y = get_batch(data, model.config.block_size, batch_size, generator)
        _, loss = model(x.to(device), y.to(device))
        losses.append(loss.item())
    model.train(was_training)
    return sum(losses) / len(losses)


@torch.no_grad()
def full_loss(model: GPT, data: torch.Tensor, batch_size: int = 32) -> float:
    """Mean cross-entropy (nats per character) over every character of `data`, no sampling noise.

    The text is cut into consecutive windows of block_size; each character is predicted from the ones
    before it in its window, so contexts of every length 0 .. block_size - 1 count equally, as they
    do in estimate_loss's random windows.
    """
    T = model.config.block_size
    n = (len(data) - 1) // T
    x = data[: n * T].view(n, T)  # (n, T)
    y = data[1 : n * T + 1].view(n, T)  # (n, T)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total = 0.0
    for i in range(0, n, batch_size):
        logits, _ = model(x[i : i + batch_size].to(device))  # (b, T, vocab)
        targets = y[i : i + batch_size].to(device)  # (b, T)
        total += F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="sum").item()
    model.train(was_training)
    return total / (n * T)


def bigram_loss(train_data: torch.Tensor, val_data: torch.Tensor, vocab_size: int) -> float:
    """Nats per character on val_data of an interpolated bigram, λ·P(b | a) + (1 − λ)·P(b), counted on
    train_data: the baseline a GPT must beat. λ is chosen on the last 10 % of train_data, never on val_data."""

    def fit(data):
        pairs = torch.bincount(data[:-1] * vocab_size + data[1:], minlength=vocab_size**2).view(vocab_size, -1)
        pairs = pairs.double()  # (V, V): pairs[a, b] counts "a then b"
        follow = pairs / pairs.sum(1, keepdim=True).clamp(min=1)  # P(b | a), 0 after a never seen
        single = (torch.bincount(data, minlength=vocab_size).double() + 1) / (len(data) + vocab_size)  # P(b), add-one
        return follow, single

    def loss(model, data, weight):
        follow, single = model
        p = weight * follow[data[:-1], data[1:]] + (1 - weight) * single[data[1:]]
        return -p.log().mean().item()

    cut = int(0.9 * len(train_data))
    held_out = fit(train_data[:cut])
    weight = min((0.5, 0.6, 0.7, 0.8, 0.9, 0.95), key=lambda w: loss(held_out, train_data[cut:], w))
    return loss(fit(train_data), val_data, weight)


@dataclass(frozen=True)
class TrainSettings:
    """nanoGPT's shakespeare_char recipe; the defaults are its CPU setting."""

    max_iters: int = 2000
    batch_size: int = 12
    learning_rate: float = 1e-3
    min_lr: float = 1e-4
    warmup_iters: int = 100
    weight_decay: float = 0.1
    beta2: float = 0.99
    grad_clip: float = 1.0
    eval_interval: int = 250
    eval_iters: int = 20
    seed: int = 1337


@dataclass
class TrainHistory:
    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0


def learning_rate(step: int, s: TrainSettings) -> float:
    """Linear warmup, then cosine decay from learning_rate to min_lr at max_iters."""
    if step < s.warmup_iters:
        return s.learning_rate * (step + 1) / (s.warmup_iters + 1)
    progress = min(1.0, (step - s.warmup_iters) / max(1, s.max_iters - s.warmup_iters))
    return s.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (s.learning_rate - s.min_lr)


def flatten(params: list[torch.nn.Parameter]) -> torch.nn.Parameter:
    """One flat parameter whose slices are `params`, their values and their gradients: AdamW and the
    gradient clipping then update them all in a few operations, not a few for each of ~50 tensors.
    Backpropagation adds each gradient into its slice in place (the slices are zeroed, never freed)."""
    flat = torch.nn.Parameter(torch.cat([p.detach().reshape(-1) for p in params]))  # (n,)
    flat.grad = torch.zeros_like(flat)
    offset = 0
    for p in params:
        n = p.numel()
        p.data = flat.data[offset : offset + n].view_as(p)
        p.grad = flat.grad[offset : offset + n].view_as(p)
        offset += n
    return flat


def unflatten(model: torch.nn.Module) -> None:
    """Give every parameter its own storage again (safetensors refuses tensors that share one)."""
    for p in model.parameters():
        p.data, p.grad = p.data.clone(), None


def train(
    config: GPTConfig,
    train_data: torch.Tensor,
    val_data: torch.Tensor,
    settings: TrainSettings = TrainSettings(),
    device: torch.device | None = None,
    on_progress: OnProgress = None,
    loss_fn=None,
    on_eval=None,
) -> tuple[GPT, TrainHistory]:
    """Train a fresh model; `on_progress` (core.progress) hears of every evaluation, with the
    training loss and the history so far.

    `loss_fn(model, x, y)` replaces the cross-entropy on the text (distillation uses it); the
    evaluations always report the cross-entropy on the real text. `on_eval(step, model)` may look at
    the model at every evaluation (checkpoints along a run); it must leave it as it found it.
    """
    device = device or get_device()
    torch_seed = torch.Generator().manual_seed(settings.seed)
    model = GPT(config, generator=torch_seed).to(device)
    # Weight decay on the matrices only, as nanoGPT does; each group is one flat tensor (flatten()).
    decay = flatten([p for p in model.parameters() if p.dim() >= 2])
    no_decay = flatten([p for p in model.parameters() if p.dim() < 2])
    optimizer = torch.optim.AdamW(
        [{"params": [decay], "weight_decay": settings.weight_decay}, {"params": [no_decay], "weight_decay": 0.0}],
        lr=settings.learning_rate,
        betas=(0.9, settings.beta2),
        fused=device.type in ("cpu", "cuda"),  # one pass over each flat tensor: 0.8 against 2.8 ms a step here
    )
    history = TrainHistory()
    start = time.perf_counter()
    model.train()
    for step in range(settings.max_iters + 1):
        if step % settings.eval_interval == 0 or step == settings.max_iters:
            history.steps.append(step)
            history.train_loss.append(
                estimate_loss(model, train_data, settings.batch_size, settings.eval_iters, 1, device)
            )
            history.val_loss.append(estimate_loss(model, val_data, settings.batch_size, settings.eval_iters, 2, device))
            history.seconds = time.perf_counter() - start
            report(on_progress, step, settings.max_iters, history.train_loss[-1], history)
            if on_eval is not None:
                on_eval(step, model)
                model.train()
        if step == settings.max_iters:
            break
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, settings)
        x, y = get_batch(train_data, config.block_size, settings.batch_size, torch_seed)
        x, y = x.to(device), y.to(device)
        loss = model(x, y)[1] if loss_fn is None else loss_fn(model, x, y)
        decay.grad.zero_(), no_decay.grad.zero_()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([decay, no_decay], settings.grad_clip)
        optimizer.step()
    history.seconds = time.perf_counter() - start
    unflatten(model)
    model.eval()
    return model, history


def save(model: GPT, vocab: CharVocab, directory: Path, meta: dict, dtype: torch.dtype = torch.float32) -> None:
    """Weights as safetensors (float16 halves the file), everything else (config, vocabulary, figures) as JSON."""
    directory.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().cpu().to(dtype).contiguous() for name, tensor in model.state_dict().items()}
    save_file(state, directory / "model.safetensors")
    unknown = None if vocab.unknown_id is None else vocab.chars[vocab.unknown_id]
    info = {"config": model.config.to_dict(), "vocab": vocab.chars, "unknown": unknown, **meta}
    (directory / "model.json").write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")


def load(directory: Path, device: torch.device | None = None) -> tuple[GPT, CharVocab, dict]:
    info = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    model = GPT(GPTConfig(**info["config"]))
    state = {name: tensor.float() for name, tensor in load_file(directory / "model.safetensors").items()}
    model.load_state_dict(state)  # computation is always float32, whatever the file stores
    model.to(device or torch.device("cpu")).eval()
    return model, CharVocab(info["vocab"], info.get("unknown")), info


PRESETS = {
    # nanoGPT's documented CPU setting, for the speed comparison in bench/.
    "nanogpt-cpu": (GPTConfig(block_size=64, n_layer=4, n_head=4, n_embd=128), TrainSettings()),
    # The same model and batch on a schedule for a short run: nanoGPT's loss in 1,300 steps, not 2,000.
    "nanogpt-cpu-short": (
        GPTConfig(block_size=64, n_layer=4, n_head=4, n_embd=128),
        TrainSettings(max_iters=1300, learning_rate=3e-3, min_lr=3e-4, eval_interval=10**6),
    ),
    # Lesson 8's "retrain a smaller model yourself": a few seconds on a CPU, in the learner's session.
    "lesson": (
        GPTConfig(block_size=64, n_layer=2, n_head=2, n_embd=64),
        TrainSettings(
            max_iters=300,
            batch_size=16,
            learning_rate=3e-3,
            min_lr=3e-4,
            warmup_iters=20,
            eval_interval=50,
            eval_iters=4,
        ),
    ),
    # The Tang poems model (--data tang_poems.txt --vocab-size 4000): the ship model's width, a context of 64
    # (a regulated poem is 8 lines of 8 with punctuation). Sized to train in a working session on 2 cores.
    "tang": (
        GPTConfig(block_size=64, n_layer=4, n_head=4, n_embd=192, dropout=0.1),
        TrainSettings(max_iters=4000, batch_size=32, learning_rate=2e-3, min_lr=2e-4, eval_interval=500, eval_iters=20),
    ),
    # The shipped model. 192 dims rather than 256: a character reads 7.3 MB of float32 weights instead of
    # 12.9, which is what batch-1 generation on a CPU waits for (564-987 characters/s at one thread against
    # 432-541), for a validation loss of 1.4925 instead of 1.4766 (target 1.60).
    "ship": (
        GPTConfig(block_size=128, n_layer=4, n_head=4, n_embd=192, dropout=0.1),
        TrainSettings(
            max_iters=4000, batch_size=32, learning_rate=1.5e-3, min_lr=1.5e-4, eval_interval=500, eval_iters=20
        ),
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the course's tiny character-level GPT.")
    data_help = f"the training text (.bz2, .xz, .gz or plain); default: {ENV_VAR}, else the shipped one"
    parser.add_argument("--data", type=Path, help=data_help)
    parser.add_argument("--out", type=Path, required=True, help="directory for model.safetensors and model.json")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="ship")
    parser.add_argument("--max-iters", type=int, help="override the preset's number of steps")
    parser.add_argument(
        "--vocab-size", type=int, help="keep the training part's most frequent characters, the rest one unknown id"
    )
    parser.add_argument(
        "--dtype", choices=["float32", "float16"], default="float32", help="how the weights are stored in the file"
    )
    args = parser.parse_args()

    data = args.data or corpus_path()
    text = read_corpus(data)
    # A capped vocabulary is counted on the training part only (the first 90 %, as split_corpus cuts).
    vocab = (
        CharVocab.from_text(text[: int(0.9 * len(text))], args.vocab_size)
        if args.vocab_size
        else CharVocab.from_text(text)
    )
    config, settings = PRESETS[args.preset]
    config = GPTConfig(**{**config.to_dict(), "vocab_size": len(vocab)})
    if args.max_iters:
        settings = TrainSettings(**{**settings.__dict__, "max_iters": args.max_iters})
    train_data, val_data = split_corpus(text, vocab)
    baseline = bigram_loss(train_data, val_data, len(vocab))
    if vocab.unknown_id is not None:
        share = (val_data == vocab.unknown_id).float().mean().item()
        print(f"{len(vocab):,} characters; {share:.2%} of the validation text is outside them (the unknown id)")
    print(f"bigram baseline on the same split: validation {baseline:.4f} nats per character", flush=True)

    def log(progress: Progress):
        history = progress.record
        print(
            f"step {progress.step:5d}  train {history.train_loss[-1]:.4f}  val {history.val_loss[-1]:.4f}  "
            f"{history.seconds:7.1f} s",
            flush=True,
        )

    model, history = train(config, train_data, val_data, settings, on_progress=log)
    dtype = getattr(torch, args.dtype)
    model.load_state_dict({name: p.to(dtype).float() for name, p in model.state_dict().items()})  # as stored
    final_val = full_loss(model, val_data)
    print(f"validation loss over all {len(val_data):,} characters: {final_val:.4f} ({model.num_params():,} parameters)")
    save(
        model,
        vocab,
        args.out,
        {
            "val_loss": final_val,
            "bigram_val_loss": baseline,
            "history": history.__dict__,
            "settings": settings.__dict__,
            "device": str(next(model.parameters()).device),
            "command": "python -m core.gpt_train"
            + (f" --data {data}" if data != SHIPPED else "")
            + f" --out {args.out} --preset {args.preset}"
            + (f" --max-iters {args.max_iters}" if args.max_iters else "")
            + (f" --vocab-size {args.vocab_size}" if args.vocab_size else "")
            + f" --dtype {args.dtype}",
        },
        dtype,
    )


if __name__ == "__main__":
    main()
