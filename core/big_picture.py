"""Lesson 9's computations: the states of the compression chart (one weight matrix's histogram and
the whole model's size for every bit width and pruned share), the measures of one compressed tiny
GPT (its validation loss, how closely it agrees with the original, a sample of its text), and
symbolism against connectionism on lesson 1's milk-tea shop (a rule a person writes down, against
the line least squares learns from the six teas)."""

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


# --- The compression chart's states ------------------------------------------------------------------

HISTOGRAM_MATRIX = "blocks.0.mlp.fc.weight"  # the first block's MLP, widening 192 numbers to 768
STATE_BITS = (None, 8, 4)  # the chart's three panels: float32 (None), 8 bits, 4 bits
STATE_SPARSITIES = tuple(share / 100 for share in range(0, 100, 10))  # its slider: 0 % to 90 % pruned
HISTOGRAM_BINS = 121  # odd: the middle bin holds zero, where pruned weights go


@dataclass(frozen=True)
class CompressionStates:
    """Every state of the chart, for one choice of per-channel or per-tensor steps."""

    per_channel: bool
    bits: tuple  # STATE_BITS: one panel each
    sparsities: tuple  # STATE_SPARSITIES: one slider step each
    shape: tuple[int, int]  # the matrix's (rows, cols)
    edges: np.ndarray  # (bins + 1,) the same bins in every state: ±1.02 × the matrix's largest |w|
    original: np.ndarray  # (bins,) counts of the matrix as trained
    counts: np.ndarray  # (bits, sparsities, bins) counts of the compressed matrix
    sizes: np.ndarray  # (bits, sparsities) bytes of the whole compressed model
    original_size: int  # bytes of the whole model in float32


def compression_states(
    model,
    per_channel: bool,
    matrix: str = HISTOGRAM_MATRIX,
    bits: tuple = STATE_BITS,
    sparsities: tuple = STATE_SPARSITIES,
    bins: int = HISTOGRAM_BINS,
) -> CompressionStates:
    """The histogram of `matrix` and the size of the whole model, compressed with every bit width
    and pruned share: what the chart's slider scrubs through (core.compress does each state)."""
    w = dict(model.named_parameters())[matrix].detach().float()  # (rows, cols)
    edge = 1.02 * float(w.abs().max())
    edges = np.linspace(-edge, edge, bins + 1)
    counts = np.zeros((len(bits), len(sparsities), bins), dtype=np.int64)
    for j, sparsity in enumerate(sparsities):
        pruned = compress.compress_tensor(w, compress.Settings(None, per_channel, sparsity))
        for i, b in enumerate(bits):  # pruned, then quantized: compress_tensor's own order
            after = compress.compress_tensor(pruned, compress.Settings(b, per_channel, 0.0))
            counts[i, j] = np.histogram(after.numpy(), edges)[0]
    grid = [compress.Settings(b, per_channel, s) for b in bits for s in sparsities]
    sizes = np.array(compress.sizes(model, grid)).reshape(len(bits), len(sparsities))
    original = np.histogram(w.numpy(), edges)[0]
    return CompressionStates(
        per_channel, bits, sparsities, tuple(w.shape), edges, original, counts, sizes, compress.model_size_bytes(model)
    )


def loss_band(change: float) -> str:
    """Exercise 1's answers: how much the validation loss rose ("small" below 0.01 nats, "medium"
    up to 0.1, "large" beyond)."""
    return "small" if change < 0.01 else ("medium" if change <= 0.1 else "large")


def size_change(before: int, after: int) -> str:
    """Exercise 2's answers: "smaller", "same" or "bigger"."""
    return "smaller" if after < before else ("same" if after == before else "bigger")


def lower_loss(text_loss: float, taught_loss: float, tolerance: float = 0.005) -> str:
    """Exercise 3's answers: which student ends lower ("text" or "teacher"), or "same" within
    `tolerance` nats (the histories' 4-batch estimates are not finer than that)."""
    if abs(text_loss - taught_loss) <= tolerance:
        return "same"
    return "text" if text_loss < taught_loss else "teacher"


# --- Measuring a compressed model -------------------------------------------------------------------

EVAL_BATCHES, EVAL_BATCH_SIZE, EVAL_SEED = 4, 8, 0  # validation loss: the same 4 × 8 windows for every model
N_REFERENCE_TEXTS = 4  # texts the original writes itself, for the corpus-free measures
SAMPLE_LENGTH, SAMPLE_SEED, SAMPLE_TEMPERATURE = 100, 0, 0.8
# What a model writes after, by the text it was trained on: a speaker's name, or a poem's title and poet.
SAMPLE_PROMPTS = {"shakespeare": "ROMEO:\n", "tang": "《春望》杜甫\n"}
SAMPLE_PROMPT = SAMPLE_PROMPTS["shakespeare"]


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


def sample_prompt(vocab: CharVocab) -> str:
    """The first of SAMPLE_PROMPTS whose every character the vocabulary knows (its unknown id is no
    character); SAMPLE_PROMPT if none is."""
    readable = [p for p in SAMPLE_PROMPTS.values() if not vocab.unknown(p)]
    return readable[0] if readable else SAMPLE_PROMPT


def sample(model, vocab: CharVocab, prompt: str | None = None) -> str:
    """SAMPLE_LENGTH characters the model writes after `prompt` (by default the one its vocabulary
    reads, see sample_prompt), seeded, the prompt included; never the unknown id."""
    start = torch.tensor([vocab.encode(sample_prompt(vocab) if prompt is None else prompt)])  # (1, T)
    generator = torch.Generator().manual_seed(SAMPLE_SEED)
    out = generate(model, start, SAMPLE_LENGTH, SAMPLE_TEMPERATURE, generator=generator, banned=vocab.unknown_id)
    return vocab.decode(out[0].tolist())


def measure_original(model, vocab: CharVocab, val_data: torch.Tensor | None, with_sample: bool = True) -> Measured:
    text = sample(model, vocab) if with_sample else None
    return Measured(compress.model_size_bytes(model), val_loss(model, val_data), text)


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
