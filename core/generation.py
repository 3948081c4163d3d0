"""How a GPT writes and learns: one block opened up, the loss it minimizes, decoding, and the cost of writing.

Everything runs the course's own tiny GPT (core/gpt.py) through its own modules, so the numbers a lesson
shows are the model's: the residual stream's final logits are the model's logits, the parameter counts add
up to `num_params`, and beam search's log-probabilities are sums of the model's log-softmax.
"""

import math
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from core.gpt import GPT, GPTConfig, KVCache
from core.sampling import distribution, generate, mask_unknown

# --- the block, opened --------------------------------------------------------------------------------


class Part(NamedTuple):
    """One group of parameters: a stable key for the page's text, its layer (1-based; None outside the blocks)."""

    name: str  # token_embedding, position_embedding, layer_norms, attention_qkv, attention_proj, mlp, final_norm, head
    layer: int | None
    count: int


def parameter_parts(model: GPT) -> list[Part]:
    """The model's parameters counted by part, in the order a character meets them; they add up to num_params.

    A tensor shared by two parts (a head tied to the token embedding, as in GPT-2) is counted once, at its
    first part, as `num_params` (model.parameters() yields each tensor once) counts it. core/gpt.py does not
    tie them: its head is its own (vocab, n_embd) matrix.
    """
    seen: set[int] = set()

    def count(*modules) -> int:
        n = 0
        for module in modules:
            for p in module.parameters():
                if id(p) not in seen:
                    seen.add(id(p))
                    n += p.numel()
        return n

    parts = [Part("token_embedding", None, count(model.wte)), Part("position_embedding", None, count(model.wpe))]
    for i, block in enumerate(model.blocks, start=1):
        parts += [
            Part("layer_norms", i, count(block.ln_1, block.ln_2)),
            Part("attention_qkv", i, count(block.attn.qkv)),
            Part("attention_proj", i, count(block.attn.proj)),
            Part("mlp", i, count(block.mlp)),
        ]
    return parts + [Part("final_norm", None, count(model.ln_f)), Part("head", None, count(model.lm_head))]


def head_is_tied(model: GPT) -> bool:
    """Whether the output head reuses the token embedding matrix (GPT-2 does; core/gpt.py does not)."""
    return model.lm_head.weight is model.wte.weight


@dataclass(frozen=True)
class Trace:
    """The residual stream of one prompt, position by position: L2 norms (T = positions read)."""

    ids: list[int]  # the T character ids read (the last block_size of the prompt)
    token: np.ndarray  # (T,) norm of each token embedding
    position: np.ndarray  # (T,) norm of each position embedding
    embedding: np.ndarray  # (T,) norm of the stream after token + position
    attention: np.ndarray  # (n_layer, T) norm of what each attention sub-layer adds
    mlp: np.ndarray  # (n_layer, T) norm of what each MLP sub-layer adds
    stream: np.ndarray  # (1 + 2 n_layer, T) norm of the stream after the embedding and after each addition
    logits: np.ndarray  # (T, vocab) the model's scores for the character after each position


@torch.no_grad()
def residual_stream(model: GPT, ids) -> Trace:
    """GPT.forward taken apart: the same modules called one by one, recording what each adds to the stream."""
    model.eval()
    ids = list(ids)[-model.config.block_size :]
    idx = torch.tensor([ids])  # (1, T)
    pos = torch.arange(idx.size(1))  # (T,)
    tok, where = model.wte(idx), model.wpe(pos)  # (1, T, C), (T, C)
    x = model.drop(tok + where)  # (1, T, C): the residual stream
    stream, attention, mlp = [x], [], []
    for block in model.blocks:
        attended, _ = block.attn(block.ln_1(x))  # (1, T, C): what attention adds
        x = x + attended
        stream.append(x)
        written = block.mlp(block.ln_2(x))  # (1, T, C): what the MLP adds
        x = x + written
        stream.append(x)
        attention.append(attended[0])
        mlp.append(written[0])
    logits = model.lm_head(model.ln_f(x))  # (1, T, vocab)

    def norms(t: torch.Tensor) -> np.ndarray:
        return t.norm(dim=-1).numpy()

    return Trace(
        ids=ids,
        token=norms(tok[0]),
        position=norms(where),
        embedding=norms(stream[0][0]),
        attention=norms(torch.stack(attention)),
        mlp=norms(torch.stack(mlp)),
        stream=norms(torch.cat(stream)),
        logits=logits[0].numpy(),
    )


# --- what training minimizes --------------------------------------------------------------------------


def uniform_loss(vocab_size: int) -> float:
    """Cross-entropy (nats) of a model that knows nothing and spreads its bet evenly: ln V (4.17 for 65)."""
    return math.log(vocab_size)


def perplexity(loss: float) -> float:
    """e^loss: as unsure as a choice among this many equally likely characters (e^1.4925 ≈ 4.45)."""
    return math.exp(loss)


# --- decoding -----------------------------------------------------------------------------------------


def repetition_penalty(logits: torch.Tensor, previous_ids, penalty: float) -> torch.Tensor:
    """CTRL's repetition penalty (as Hugging Face's RepetitionPenaltyLogitsProcessor): the logit of every
    character already in previous_ids moves towards "less likely", positive ones divided by the penalty,
    negative ones multiplied (dividing a negative logit would raise it). penalty 1 changes nothing.

    logits (vocab,) or (B, vocab); previous_ids the ids seen so far, (n,) or (B, n).
    """
    previous = torch.as_tensor(previous_ids, dtype=torch.long).reshape(*logits.shape[:-1], -1)  # (..., n)
    if penalty == 1.0 or previous.size(-1) == 0:
        return logits
    seen = logits.gather(-1, previous)  # (..., n)
    return logits.scatter(-1, previous, torch.where(seen < 0, seen * penalty, seen / penalty))


@torch.no_grad()
def step_through(model: GPT, ids, k: int = 5, banned: int | None = None) -> list[tuple[int, float]]:
    """The k most likely next characters after ids, with their probabilities (ties: lower id first)."""
    model.eval()
    logits = mask_unknown(model.next_logits(torch.tensor([list(ids)]))[0], banned)  # (vocab,)
    probs = F.softmax(logits, dim=-1)
    order = torch.argsort(probs, descending=True, stable=True)[:k]
    return [(int(i), float(probs[i])) for i in order]


@torch.no_grad()
def greedy(model: GPT, ids, n_new: int, stop_id: int | None = None, banned: int | None = None, penalty: float = 1.0):
    """The new ids, each the single most likely character (after the repetition penalty); the stop
    character, once written, ends the text. Without a penalty greedy text soon loops."""
    model.eval()
    seen = list(ids)
    cache = KVCache(model)
    logits = cache.read(torch.tensor([seen]))[0]  # (vocab,)
    new = []
    for step in range(n_new):
        nxt = int(mask_unknown(repetition_penalty(logits, seen, penalty), banned).argmax())
        new.append(nxt)
        seen.append(nxt)
        if nxt == stop_id:
            break
        if step + 1 < n_new:
            logits = cache.append(torch.tensor([[nxt]]))[0]
    return new


class Node(NamedTuple):
    """One candidate kept at one step of beam search."""

    parent: int  # index of its parent in the previous step's nodes; -1: the prompt
    token: int
    logp: float  # total log-probability of the text up to and including this token
    finished: bool  # it is the stop character: this beam ends here


class Beam(NamedTuple):
    ids: list[int]  # the new ids (the prompt left out)
    logp: float
    finished: bool


@dataclass(frozen=True)
class BeamResult:
    beams: list[Beam]  # at most `width` texts, best (highest total log-probability) first
    steps: list[list[Node]]  # the tree: the candidates kept at each step, for drawing


@torch.no_grad()
def beam_search(model: GPT, ids, width: int, n_new: int, stop_id: int | None = None, banned: int | None = None):
    """Keep the `width` best partial texts by total log-probability, each step extending every one by every
    character and keeping the best `width` of all those candidates. A candidate that is the stop character
    is finished and leaves the search (it still took a place among that step's best). Width 1 is greedy.

    Total log-probability favours short texts (each character adds a log p <= 0): a text that stops early
    can beat a longer one. The rows of the KV cache follow the beams, so each step costs one position.
    Returns a BeamResult; log-probabilities are of the model's softmax (with `banned` removed).
    """
    model.eval()
    cache = KVCache(model)
    logits = cache.read(torch.tensor([list(ids)]))  # (1, vocab): one beam, the prompt
    alive = torch.zeros(1)  # (beams,) total log-probability of each live beam
    paths: list[list[int]] = [[]]  # the new ids of each live beam
    alive_nodes = [-1]  # each live beam's index in the previous step's nodes
    steps: list[list[Node]] = []
    finished: list[Beam] = []
    for step in range(n_new):
        logp = F.log_softmax(mask_unknown(logits, banned), dim=-1)  # (beams, vocab)
        scores = (alive[:, None] + logp).flatten()  # (beams * vocab,) every one-character extension
        k = min(width, int(torch.isfinite(scores).sum()))
        best, flat = scores.topk(k)  # (k,), best first
        rows, tokens = flat // logp.size(1), flat % logp.size(1)  # which beam each extends, with which id
        nodes = [
            Node(alive_nodes[r], t, s, t == stop_id) for r, t, s in zip(rows.tolist(), tokens.tolist(), best.tolist())
        ]
        steps.append(nodes)
        for node, r in zip(nodes, rows.tolist()):
            if node.finished:
                finished.append(Beam(paths[r] + [node.token], node.logp, True))
        keep = [i for i, node in enumerate(nodes) if not node.finished]
        paths = [paths[rows[i]] + [int(tokens[i])] for i in keep]
        alive, alive_nodes = best[keep], keep
        if not keep or step + 1 == n_new:
            break
        cache.reorder(rows[keep])
        logits = cache.append(tokens[keep][:, None])  # (beams, vocab)
    beams = finished + [Beam(p, float(s), False) for p, s in zip(paths, alive)]
    beams.sort(key=lambda b: b.logp, reverse=True)
    return BeamResult(beams[:width], steps)


def sequence_logp(model: GPT, ids, new_ids) -> float:
    """Total log-probability the model gives new_ids after ids, from one forward pass (a check on beams)."""
    with torch.no_grad():
        full = torch.tensor([list(ids) + list(new_ids)])  # (1, T + n)
        logp = F.log_softmax(model.eval()(full)[0][0, len(ids) - 1 : -1], dim=-1)  # (n, vocab)
    return float(logp.gather(-1, full[0, len(ids) :, None]).sum())


# --- the cost of writing ------------------------------------------------------------------------------


def macs_per_token(config: GPTConfig, context_len: int, cached: bool) -> dict[str, int]:
    """Multiply-adds for one new character when the context (the new one included) is context_len long.

    Without a cache the whole context goes through the model again (a forward over context_len positions,
    every position's logits computed, as GPT.forward does); with one, only the new position, its query
    against context_len cached keys and values. Only the matrix products are counted (the bulk of the work;
    a FLOP is half a multiply-add); layer norms, GELU, softmax and biases are left out. The attention
    scores are counted for the full context_len × context_len square: the causal mask hides half of it,
    but the explicit computation (and FlopCounterMode's count of PyTorch's kernel) covers it all.
    """
    C, L, V, T = config.n_embd, config.n_layer, config.vocab_size, context_len
    rows = 1 if cached else T  # positions computed
    return {
        "attention_projections": L * rows * (C * 3 * C + C * C),  # q, k, v in one matrix, then the output
        "attention_scores": L * rows * T * C * 2,  # q · k for each key, then the weighted sum of values
        "mlp": L * rows * (C * 4 * C + 4 * C * C),  # up to 4C wide and back
        "head": rows * C * V,
    }


class Timing(NamedTuple):
    seconds: float
    ids: list[int]  # the new ids written


@torch.no_grad()
def plain_generate(model: GPT, idx: torch.Tensor, n_new: int, temperature: float, generator) -> torch.Tensor:
    """nanoGPT's generate: every new character reads the whole context (last block_size ids) again."""
    for _ in range(n_new):
        probs = distribution(model.next_logits(idx), temperature)  # (B, vocab)
        idx = torch.cat([idx, torch.multinomial(probs, 1, generator=generator)], dim=1)
    return idx


def time_generation(model: GPT, ids, n_new: int, cached: bool, seed: int, temperature: float = 1.0) -> Timing:
    """Wall-clock seconds to write n_new characters after ids, with the KV cache (core.sampling.generate)
    or without (plain_generate). The thread count is the caller's (the app uses one)."""
    model.eval()
    idx = torch.tensor([list(ids)])  # (1, T)
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    if cached:
        out = generate(model, idx, n_new, temperature, generator=generator)
    else:
        out = plain_generate(model, idx, n_new, temperature, generator)
    seconds = time.perf_counter() - start
    return Timing(seconds, out[0, idx.size(1) :].tolist())
