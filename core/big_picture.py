"""Lesson 9's computations: symbolism against connectionism on lesson 1's milk-tea shop (a rule a
person writes down, against the line least squares learns from the six teas), and the measures of
a compressed tiny GPT (its size, how closely it agrees with the original, its validation loss and
a sample of its text)."""

import time
from dataclasses import dataclass

import numpy as np
import torch

from core import compress, fitting
from core.gpt_train import CharVocab, estimate_loss
from core.sampling import generate

# The hand-written rule's two answers, chosen by its author, not learned: cups for a cheap tea
# and for a dear one.
CHEAP_CUPS = 850.0
DEAR_CUPS = 650.0


def rule(x, threshold: float) -> np.ndarray:
    """The written rule: IF price <= threshold THEN 850 cups ELSE 650 cups."""
    return np.where(np.asarray(x, dtype=float) <= threshold, CHEAP_CUPS, DEAR_CUPS)


def rule_error(x, y, threshold: float) -> float:
    """Lesson 1's dataset error, (prediction - y)^2 / 2 averaged, for the rule's predictions."""
    return float(np.mean((rule(x, threshold) - np.asarray(y, dtype=float)) ** 2 / 2))


def learned_line(x, y) -> tuple[float, float]:
    """Connectionism's answer in miniature: the slope and intercept learned from the data."""
    return fitting.least_squares(x, y)


# --- Measuring a compressed model -------------------------------------------------------------------

EVAL_BATCHES, EVAL_BATCH_SIZE, EVAL_SEED = 4, 8, 0  # validation loss: the same 4 × 8 windows for every model
N_REFERENCE_TEXTS = 4  # texts the original writes itself, for the corpus-free measures
SAMPLE_PROMPT, SAMPLE_LENGTH, SAMPLE_SEED, SAMPLE_TEMPERATURE = "ROMEO:\n", 100, 0, 0.8


@dataclass(frozen=True)
class Measured:
    """What the page shows of the original model."""

    size: int  # bytes its weights need
    val_loss: float | None  # nats per character on the fixed validation windows; None without a corpus
    sample: str | None  # what it writes after SAMPLE_PROMPT (seeded); None where not asked for


@dataclass(frozen=True)
class Compressed(Measured):
    """What the page shows of a compressed copy, and how long making and measuring it took."""

    settings: compress.Settings
    pruned: float  # share of the matrices' weights that are zero
    kl: float  # KL(original || compressed) of the next-character distributions, nats per character
    top1: float  # share of positions where both put the same character on top
    compress_ms: float
    eval_ms: float


def reference_texts(model) -> torch.Tensor:
    """Texts the model writes itself (seeded): the yardstick that needs no corpus. (n, T)"""
    return compress.reference_texts(model, N_REFERENCE_TEXTS, seed=0)


def val_loss(model, val_data: torch.Tensor | None) -> float | None:
    """The loss on the same EVAL_BATCHES × EVAL_BATCH_SIZE validation windows for every model."""
    if val_data is None:
        return None
    return estimate_loss(model, val_data, EVAL_BATCH_SIZE, EVAL_BATCHES, EVAL_SEED, torch.device("cpu"))


def loss_chars(model) -> int:
    """Characters the validation loss is averaged over."""
    return EVAL_BATCHES * EVAL_BATCH_SIZE * model.config.block_size


def sample(model, vocab: CharVocab) -> str:
    """SAMPLE_LENGTH characters the model writes after SAMPLE_PROMPT (seeded), the prompt included."""
    start = torch.tensor([vocab.encode(SAMPLE_PROMPT)])  # (1, T)
    generator = torch.Generator().manual_seed(SAMPLE_SEED)
    out = generate(model, start, SAMPLE_LENGTH, SAMPLE_TEMPERATURE, generator=generator)
    return vocab.decode(out[0].tolist())


def measure_original(model, vocab: CharVocab, val_data: torch.Tensor | None) -> Measured:
    return Measured(compress.model_size_bytes(model), val_loss(model, val_data), sample(model, vocab))


def measure_compressed(
    model,
    vocab: CharVocab,
    settings: compress.Settings,
    references: torch.Tensor,
    val_data: torch.Tensor | None,
    with_sample: bool = True,
) -> Compressed:
    """Compress a copy of `model` and measure the copy against it: on `references` (reference_texts),
    on the validation text where there is one, and (with_sample) by what it writes. Timed."""
    start = time.perf_counter()
    small, pruned = compress.compressed_model(model, settings)
    compress_ms = 1000 * (time.perf_counter() - start)
    start = time.perf_counter()
    kl, top1 = compress.agreement(model, small, references)
    size = compress.model_size_bytes(small, settings)
    loss = val_loss(small, val_data)
    text = sample(small, vocab) if with_sample else None
    eval_ms = 1000 * (time.perf_counter() - start)
    return Compressed(size, loss, text, settings, pruned, kl, top1, compress_ms, eval_ms)
