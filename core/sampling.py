"""Turning a model's logits into a choice of the next character: temperature, top-k, top-p.

The model is deterministic; the randomness is all here, drawn from an explicit generator so the
same seed always gives the same text.
"""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.gpt import KVCache


@dataclass(frozen=True)
class Settings:
    """How the next character is chosen: a temperature, and top-k / top-p cut-offs (None: off)."""

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None

    @classmethod
    def from_controls(cls, temperature: float, top_k: int, top_p: float, vocab_size: int) -> "Settings":
        """From slider values, where k = the whole vocabulary and p = 1 mean "no cut-off"."""
        return cls(float(temperature), int(top_k) if top_k < vocab_size else None, float(top_p) if top_p < 1 else None)


def distribution(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None):
    """The probabilities sampling draws from, after temperature, top-k and top-p: (..., vocab).

    temperature 0 means greedy: all the mass on the most probable token (ties: the first). A tiny
    positive temperature gives its limit: the mass shared equally by the tokens tied for the top.
    top_k keeps exactly the k most probable tokens; top_p keeps the smallest set of most probable
    tokens whose probabilities add up to at least p. What is cut is renormalized away.
    """
    if temperature != temperature:  # NaN
        raise ValueError("temperature must be a number >= 0")
    if temperature <= 0:
        greedy = torch.zeros_like(logits)
        return greedy.scatter_(-1, logits.argmax(dim=-1, keepdim=True), 1.0)
    scaled = logits / temperature
    if not torch.isfinite(scaled).all():
        # T so small that z / T overflows (inf - inf = NaN in softmax), or is 0 in float32 (0 / 0).
        # Softmax is unchanged by subtracting each row's max first: the top becomes exactly 0, and
        # every other z - max < 0 divided by a tiny T goes to -inf, never to NaN.
        shifted = logits - logits.max(dim=-1, keepdim=True).values
        scaled = torch.where(shifted == 0, 0.0, shifted / temperature)
    logits = scaled
    if top_k is not None and top_k < logits.size(-1):
        # keep exactly k, even when several logits tie with the k-th one
        order = torch.argsort(logits, dim=-1, descending=True, stable=True)
        keep = torch.zeros_like(logits, dtype=torch.bool).scatter_(-1, order[..., :top_k], True)
        logits = logits.masked_fill(~keep, float("-inf"))
    probs = F.softmax(logits, dim=-1)
    if top_p is not None and top_p < 1.0:
        sorted_probs, order = torch.sort(probs, dim=-1, descending=True, stable=True)
        mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs  # mass of the tokens ranked above
        keep_sorted = mass_before < top_p  # keep until the mass reaches p (the first is always kept)
        keep = torch.zeros_like(keep_sorted).scatter_(-1, order, keep_sorted)
        probs = probs.masked_fill(~keep, 0.0)
        probs = probs / probs.sum(dim=-1, keepdim=True)
    return probs


def mask_unknown(logits: torch.Tensor, unknown_id: int | None) -> torch.Tensor:
    """The logits with a capped vocabulary's unknown id at -inf, so it is never chosen.

    The Tang model maps every rare character to one id (□) while training; left in, it would write □
    for them. Its probability goes to the other characters in proportion (softmax renormalizes).
    """
    if unknown_id is None:
        return logits
    return logits.index_fill(-1, torch.tensor([unknown_id]), float("-inf"))


def entropy(probs: torch.Tensor) -> torch.Tensor:
    """Shannon entropy in bits: 0 when one token is certain, log2(n) when n are equally likely."""
    p = probs.clamp_min(1e-30)
    return -(probs * p.log2()).sum(dim=-1)


@torch.no_grad()
def generate(
    model,
    idx: torch.Tensor,
    n_new: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
    on_token=None,
    banned: int | None = None,
) -> torch.Tensor:
    """Append n_new sampled characters to each row of idx (B, T); returns (B, T + n_new).

    `on_token(step)` is called after each new character (for progress bars). `banned` is an id never
    drawn: a capped vocabulary's unknown id (see mask_unknown).
    """
    model.eval()
    cache = KVCache(model)  # each step reads one new character instead of the whole context
    logits = cache.read(idx)  # (B, vocab)
    for step in range(n_new):
        probs = distribution(mask_unknown(logits, banned), temperature, top_k, top_p)  # (B, vocab)
        nxt = torch.multinomial(probs, 1, generator=generator)  # (B, 1)
        idx = torch.cat([idx, nxt], dim=1)
        if on_token is not None:
            on_token(step + 1)
        if step + 1 < n_new:
            logits = cache.append(nxt)
    return idx


@dataclass(frozen=True)
class Prompt:
    """A learner's text made ready for the model, with what had to be changed and why."""

    ids: list[int]  # the character ids the model will see (at most block_size of them)
    unknown: list[str]  # characters outside the vocabulary, each once: dropped
    cut: int  # characters dropped from the start because the context is full


def prepare_prompt(text: str, vocab, block_size: int) -> Prompt:
    """Drop unknown characters, then keep the last block_size characters (the model sees no more)."""
    unknown = vocab.unknown(text)
    ids = vocab.encode("".join(c for c in text if c not in unknown))
    cut = max(0, len(ids) - block_size)
    return Prompt(ids[cut:], unknown, cut)


def sample_counts(probs: torch.Tensor, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw n tokens from probs (vocab,) independently; how often each came up: (vocab,)."""
    draws = torch.multinomial(probs, n, replacement=True, generator=generator)  # (n,)
    return torch.bincount(draws, minlength=probs.numel())


def repeated_share(text: str, n: int = 8) -> float:
    """Share of the text's n-character chunks that already appeared earlier in it: 0 = no repeats."""
    chunks = [text[i : i + n] for i in range(len(text) - n + 1)]
    if not chunks:
        return 0.0
    return 1.0 - len(set(chunks)) / len(chunks)


def continue_text(model, vocab, ids, settings: Settings, length: int, seed: int, on_token=None) -> str:
    """`length` characters sampled after the prompt ids (the model reads its last block_size), with
    a generator seeded by `seed`: the same seed and settings always give the same text."""
    start = torch.tensor([list(ids)[-model.config.block_size :]])  # (1, T)
    generator = torch.Generator().manual_seed(seed)
    s = settings
    out = generate(model, start, length, s.temperature, s.top_k, s.top_p, generator, on_token, vocab.unknown_id)
    return vocab.decode(out[0, start.shape[1] :].tolist())


def draw(probs: torch.Tensor, seed: int) -> int:
    """One token drawn from probs (vocab,) with a generator seeded by `seed`."""
    return int(torch.multinomial(probs, 1, generator=torch.Generator().manual_seed(seed)))


def bits(probs: torch.Tensor) -> float:
    """The entropy of one distribution (vocab,) in bits, as a number; 0.0 (never -0.0) when certain."""
    return float(entropy(probs)) + 0.0  # + 0.0 turns -0.0 into 0.0


def direction(before: float, after: float, tolerance: float = 1e-6) -> str:
    """Whether a number went "up", "down" or stayed the "same" (within the tolerance)."""
    if after > before + tolerance:
        return "up"
    return "down" if after < before - tolerance else "same"


def nucleus_choice(logits: torch.Tensor, top_p: float, shown: int = 5) -> tuple[list[int], list[int], float]:
    """At T = 1: the `shown` most probable tokens (ties: lower id first), those of them top-p keeps,
    and the probability mass they carry."""
    probs = distribution(logits, 1.0)
    ranked = [int(i) for i in torch.argsort(probs, descending=True, stable=True)[:shown]]
    nucleus = distribution(logits, 1.0, None, top_p)
    kept = [i for i in ranked if nucleus[i] > 0]
    return ranked, kept, float(probs[kept].sum())


def draw_gap(counts, probs) -> float:
    """The largest difference between a token's share of the draws and its probability."""
    counts = np.asarray(counts)
    return float(np.abs(counts / counts.sum() - np.asarray(probs)).max())


def nearest_index(values, value: float) -> int:
    """Index of the entry of values closest to value (the first of equally close ones)."""
    return int(np.argmin(np.abs(np.array(values) - value)))
