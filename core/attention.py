"""Lesson 7: attention and the transformer, computed step by step.

Everything the page draws comes from here: one attention head written out (Q, K, V, scores, mask,
softmax, weighted sum, and each word's share of an output), multi-head attention, sinusoidal
positional encodings, the tiny GPT's and MiniLM's real attention (and which heads do what), a small
RNN's dependence on earlier words, and the multiply-adds of an attention layer. The tests compare
each with torch (autograd, scaled_dot_product_attention, nn.MultiheadAttention, the flop counter)
and with the transformers library.
"""

import copy
import math
import time
import zlib
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.errors import InputError
from core.sampling import generate

# --- 1. An RNN reads word by word ------------------------------------------------------------------


def word_vectors(words: list[str], d: int) -> torch.Tensor:
    """A fixed random vector for each word (seeded by the word itself): (T, d), entries ~ N(0, 1).

    Stand-ins for learned embeddings: the RNN argument does not depend on what the vectors mean.
    """
    rows = [torch.randn(d, generator=torch.Generator().manual_seed(zlib.crc32(w.encode("utf-8")))) for w in words]
    return torch.stack(rows) if rows else torch.zeros(0, d)


def rnn_weights(d_in: int, d_hidden: int, radius: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """An Elman RNN's input and recurrent matrices; W_hh is scaled to spectral radius `radius`."""
    g = torch.Generator().manual_seed(seed)
    W_xh = torch.randn(d_hidden, d_in, generator=g) / math.sqrt(d_in)  # (H, D)
    W_hh = torch.randn(d_hidden, d_hidden, generator=g)  # (H, H)
    W_hh = W_hh * (radius / torch.linalg.eigvals(W_hh).abs().max())
    return W_xh, W_hh


def rnn_states(X: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor) -> torch.Tensor:
    """h_t = tanh(W_xh x_t + W_hh h_(t-1)), h_0 = 0, one word at a time: (..., T, H). X: (T, D).

    W_xh (..., H, D) and W_hh (..., H, H) may carry a leading batch of networks (all read X).
    """
    h, states = torch.zeros(W_hh.shape[:-1], dtype=X.dtype), []  # (..., H)
    for x in X:  # in order: the RNN's defining constraint
        h = torch.tanh(W_xh @ x + (W_hh @ h[..., None])[..., 0])
        states.append(h)
    return torch.stack(states, dim=-2) if states else torch.zeros((*W_hh.shape[:-1], 0))


def rnn_jacobian_norms(X: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor) -> torch.Tensor:
    """||∂h_T / ∂x_t|| (Frobenius) for every t: (..., T). The chain rule written out (backpropagation
    through time): ∂h_T/∂x_t = G_t · diag(1 - h_t²) · W_xh, where G_t = ∂h_T/∂h_t is a product of
    T - t factors diag(1 - h_s²) · W_hh. Many factors smaller than 1 make it vanish with distance."""
    H = rnn_states(X, W_xh, W_hh)  # (..., T, H)
    G = torch.eye(W_hh.shape[-1], dtype=X.dtype).expand(W_hh.shape)  # ∂h_T/∂h_T: (..., H, H)
    norms = []
    for t in range(X.shape[0] - 1, -1, -1):
        local = G * (1 - H[..., t, None, :] ** 2)  # G · diag(1 - h_t²): back through tanh at step t
        norms.append(torch.linalg.matrix_norm(local @ W_xh))  # ∂h_T/∂x_t
        G = local @ W_hh  # ∂h_T/∂h_(t-1)
    return torch.stack(norms[::-1], dim=-1)


def rnn_dependence(X: torch.Tensor, radius: float = 0.9, d_hidden: int = 16, seeds: int = 8) -> np.ndarray:
    """How strongly the final state depends on each position: ||∂h_T / ∂x_t||, (T,).

    Averaged over `seeds` randomly drawn RNNs (all with recurrent spectral radius `radius`), so
    one lucky draw does not decide the picture. The networks run side by side, as one batch.
    """
    W_xh, W_hh = (torch.stack(w) for w in zip(*(rnn_weights(X.shape[1], d_hidden, radius, s) for s in range(seeds))))
    return rnn_jacobian_norms(X, W_xh, W_hh).mean(0).numpy()  # (seeds, T) -> (T,)


def attention_dependence(X: torch.Tensor, seeds: int = 8) -> np.ndarray:
    """The same measure for one causal attention head: ||∂a_T / ∂x_t||, (T,), averaged over seeds.

    The last word's output a_T = Σ_j w_Tj v_j reaches every x_j in one step, whatever the distance.
    Autograd, one backward pass per output dimension for all the random heads at once.
    """
    d = X.shape[1]
    gens = [torch.Generator().manual_seed(1000 + seed) for seed in range(seeds)]
    Wq, Wk, Wv = (
        torch.stack([torch.randn(d, d, generator=g) / math.sqrt(d) for g in gens]) for _ in range(3)
    )  # each (seeds, d, d)
    Xs = X.expand(seeds, *X.shape).clone().requires_grad_(True)  # (seeds, T, d): one copy per head
    last = one_head(Xs, Wq, Wk, Wv, causal=True).output[:, -1]  # (seeds, d)
    squares = torch.zeros(seeds, X.shape[0], dtype=X.dtype)
    for k in range(d):  # row k of every head's Jacobian ∂a_T/∂X in one pass
        (grad,) = torch.autograd.grad(last[:, k].sum(), Xs, retain_graph=k < d - 1)  # (seeds, T, d)
        squares += grad.pow(2).sum(-1)
    return squares.sqrt().mean(0).numpy()


# --- 2. Positional encoding -----------------------------------------------------------------------


def sinusoidal_encoding(T: int, d: int, base: float = 10000.0) -> np.ndarray:
    """PE[pos, 2i] = sin(pos / base^(2i/d)), PE[pos, 2i+1] = cos(pos / base^(2i/d)): (T, d)."""
    pos = np.arange(T)[:, None]  # (T, 1)
    i = np.arange(0, d, 2)[None, :]  # (1, ceil(d/2)): the even dimensions
    angle = pos / base ** (i / d)  # (T, ceil(d/2))
    pe = np.zeros((T, d))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d // 2])
    return pe


def cosine_matrix(A: np.ndarray) -> np.ndarray:
    """Cosine similarity between every pair of rows: (n, n)."""
    unit = A / np.linalg.norm(A, axis=1, keepdims=True).clip(1e-12)
    return unit @ unit.T


# --- 3. One attention head, every step kept ---------------------------------------------------------

MAX_ENTRY = 100.0  # larger numbers in the small editable matrices make every softmax one-hot


class MatrixError(InputError):
    """A matrix typed by the learner that cannot be used; `code` names the message in the catalogs."""


def parse_matrix(rows, shape: tuple[int, int]) -> np.ndarray:
    """The cells of an edited table as a float array of `shape`; MatrixError names the first bad cell."""
    rows = [list(row) for row in rows]
    if len(rows) != shape[0] or any(len(row) != shape[1] for row in rows):
        raise MatrixError("shape", rows=shape[0], cols=shape[1])
    M = np.zeros(shape)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            try:
                M[i, j] = float(str(cell).strip().replace("−", "-"))  # a typographic minus is a minus
            except (TypeError, ValueError):
                raise MatrixError("not_a_number", row=i + 1, col=j + 1) from None
            if not np.isfinite(M[i, j]):
                raise MatrixError("not_a_number", row=i + 1, col=j + 1)
            if abs(M[i, j]) > MAX_ENTRY:
                raise MatrixError("too_large", row=i + 1, col=j + 1, limit=f"{MAX_ENTRY:g}")
    return M


# The step-through's starting point, chosen by hand so the pattern can be read: 5 words, each a
# vector of 4 features (noun, verb, determiner, animate); queries "look for" a kind of word, keys
# "announce" what a word is. The verb looks for nouns, a noun for a determiner and a verb. Nothing
# here says which determiner is a noun's own: "cat" scores "my" and "a" the same (the lesson's case
# for positional encoding, `add_positions`).
STEP_X = np.array(
    [
        [0.0, 0.0, 1.0, 0.5],  # my
        [1.0, 0.0, 0.0, 1.0],  # cat
        [0.0, 1.0, 0.0, 0.5],  # chased
        [0.0, 0.0, 1.0, 0.0],  # a
        [1.0, 0.0, 0.0, 0.8],  # mouse
    ]
)
STEP_WQ = np.array(  # rows: the word's features; columns: what its query looks for (noun, det, verb, animate)
    [
        [0.0, 1.5, 1.0, 0.0],  # a noun looks for a determiner (any one) and a verb
        [2.0, 0.0, 0.0, 1.0],  # a verb looks for nouns, animate ones a little more
        [1.5, 0.0, 0.0, 0.0],  # a determiner looks for a noun
        [0.0, 0.0, 0.0, 0.0],
    ]
)
STEP_WK = np.array(  # rows: the word's features; columns: what its key announces (same order as Wq's)
    [
        [2.0, 0.0, 0.0, 1.5],  # "I am a noun" (and animate, a little)
        [0.0, 0.0, 2.0, 0.0],  # "I am a verb"
        [0.0, 2.0, 0.0, 0.0],  # "I am a determiner"
        [0.0, 0.0, 0.0, 1.5],  # "I am animate"
    ]
)
STEP_WV = np.eye(4)  # values: the word's own features, so each output row reads as a mix of them
STEP_WO = np.random.default_rng(7).normal(0.0, 0.6, (4, 4)).round(1)  # multi-head's output projection (fixed)


@dataclass(frozen=True)
class Head:
    """Every intermediate of one head on T words (all (T, ·) tensors)."""

    Q: torch.Tensor  # (T, d_k) queries: what each word looks for
    K: torch.Tensor  # (T, d_k) keys: what each word offers to be found by
    V: torch.Tensor  # (T, d_v) values: what each word passes on
    scores: torch.Tensor  # (T, T) Q Kᵀ, scaled by 1/√d_k if asked, masked with -inf if causal
    weights: torch.Tensor  # (T, T) softmax of each row of scores: each row adds up to 1
    output: torch.Tensor  # (T, d_v) weights @ V: row i is word i's view of the context (A_i)


def one_head(X: torch.Tensor, Wq, Wk, Wv, scale: bool = True, causal: bool = False, mask=None) -> Head:
    """Scaled dot-product attention for one head, step by step. X: (T, d_model), W*: (d_model, d_k)
    (a leading batch dimension on both works too).

    `mask` (T,) of booleans, optional: False marks positions no one may attend to (padding).
    """
    Q, K, V = X @ Wq, X @ Wk, X @ Wv  # (T, d_k), (T, d_k), (T, d_v)
    scores = Q @ K.transpose(-2, -1)  # (T, T): scores[i, j] = q_i · k_j
    if scale:
        scores = scores / math.sqrt(K.shape[-1])
    T = X.shape[-2]
    if causal:  # word i may look only at words 0..i
        scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    if mask is not None:
        scores = scores.masked_fill(~mask[None, :], float("-inf"))
    weights = F.softmax(scores, dim=-1)  # (T, T)
    return Head(Q, K, V, scores, weights, weights @ V)


def softmax_terms(scores: np.ndarray) -> tuple[float, np.ndarray]:
    """One row's softmax as it is computed safely, for spelling it out: m, the row's largest score
    (a masked -inf ignored), and e^(s - m), (T,). Each term is at most 1 (1 at the max), so it never
    overflows where e^s would at large scores, and e^-inf = 0; the weights are terms / terms.sum()."""
    s = np.asarray(scores, dtype=float)  # (T,)
    m = float(s[np.isfinite(s)].max())
    return m, np.exp(s - m)


def contributions(head: Head, i: int) -> np.ndarray:
    """Word i's output taken apart: row j is w_ij · v_j, what word j adds to A_i, (T, d_v).
    The rows add up to head.output[i]."""
    return (head.weights[i, :, None] * head.V).numpy()


def add_positions(X: np.ndarray) -> np.ndarray:
    """The word vectors plus the sinusoidal encoding of their positions, as a transformer's first
    layer receives them: (T, d)."""
    return X + sinusoidal_encoding(*X.shape)


def order_tie(rows=(1, 4), cols=(0, 3)) -> tuple[np.ndarray, np.ndarray]:
    """What words `rows` ("cat", "mouse") give words `cols` ("my", "a") with the starting matrices,
    without and with positional encoding added to X: two (len(rows), len(cols)) arrays."""
    weights = []
    for X in (STEP_X, add_positions(STEP_X)):
        head = one_head(*(torch.tensor(M) for M in (X, STEP_WQ, STEP_WK, STEP_WV)))
        weights.append(head.weights.numpy()[np.ix_(rows, cols)])
    return weights[0], weights[1]


@dataclass(frozen=True)
class MultiHead:
    heads: list[Head]  # one per head, each on its own slice of Q, K, V's columns
    concat: torch.Tensor  # (T, d_model): the heads' outputs side by side
    output: torch.Tensor  # (T, d_model): concat @ Wo, the layer's output


def multi_head(X: torch.Tensor, Wq, Wk, Wv, Wo, n_heads: int, causal: bool = False) -> MultiHead:
    """Multi-head attention as real models do it: one big Wq (Wk, Wv) whose columns are cut into
    n_heads blocks, one head per block, outputs concatenated and mixed by Wo. W*: (d_model, d_model)."""
    d_model = X.shape[1]
    assert d_model % n_heads == 0, "d_model must split evenly into heads"
    hs = d_model // n_heads
    blocks = [slice(h * hs, (h + 1) * hs) for h in range(n_heads)]  # head h's columns
    heads = [one_head(X, Wq[:, c], Wk[:, c], Wv[:, c], causal=causal) for c in blocks]
    concat = torch.cat([head.output for head in heads], dim=1)  # (T, n_heads * hs) = (T, d_model)
    return MultiHead(heads, concat, concat @ Wo)


def softmax_saturation(d: int, n_keys: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Attention weights of one random query over n_keys random keys (entries ~ N(0, 1)) in d
    dimensions, without and with the 1/√d scaling. q · k has standard deviation √d, so without
    scaling the scores spread as d grows and softmax puts almost everything on one key."""
    g = torch.Generator().manual_seed(seed)
    q, K = torch.randn(d, generator=g), torch.randn(n_keys, d, generator=g)
    scores = K @ q  # (n_keys,)
    return F.softmax(scores, -1).numpy(), F.softmax(scores / math.sqrt(d), -1).numpy()


# --- 5. The tiny GPT's attention ----------------------------------------------------------------------


@torch.no_grad()
def gpt_attention(model, ids: list[int]) -> np.ndarray:
    """The tiny GPT's attention weights on a sequence of character ids: (n_layer, n_head, T, T)."""
    model.eval()
    _, _, weights = model(torch.tensor([ids]), return_weights=True)  # n_layer × (1, nh, T, T)
    return torch.stack([w[0] for w in weights]).numpy()


@torch.no_grad()
def gpt_continue(
    model, ids: list[int], n_new: int, seed: int, banned: int | None = None
) -> tuple[list[int], int, np.ndarray]:
    """Continue ids by n_new characters (sampled with `seed`, top-k 10, never the id `banned`), then
    the attention of every layer over the last block_size characters of prompt + continuation:
    (shown ids, characters cut from the front, weights (n_layer, n_head, T, T))."""
    start = torch.tensor([ids])  # (1, T)
    generator = torch.Generator().manual_seed(seed)
    out = generate(model, start, n_new, 1.0, top_k=10, generator=generator, banned=banned)[0].tolist()
    shown = out[-model.config.block_size :]  # the model reads at most block_size characters
    return shown, len(out) - len(shown), gpt_attention(model, shown)


# --- 6. MiniLM's attention: the library's, and ours from its weights -------------------------------


def eager_copy(st_model):
    """A private copy of MiniLM's BertModel that can return attention weights.

    The fused kernel (sdpa) the shared model uses cannot; switching the shared model would change
    lesson 6 under other learners' feet, so we copy (about 90 MB) and switch the copy. On the CPU:
    a few dozen tokens are quick there, and the weights go to NumPy anyway.
    """
    encoder = copy.deepcopy(st_model[0].auto_model).to("cpu").eval()
    encoder.set_attn_implementation("eager")
    return encoder


@dataclass(frozen=True)
class EncoderAttention:
    tokens: list[str]  # word pieces, with [CLS] and [SEP]
    weights: np.ndarray  # (n_layer, n_head, T, T) as the library returns them
    hidden: list[torch.Tensor]  # n_layer + 1 hidden states (1, T, d): the input to layer l is hidden[l]
    cut: int  # word pieces left out because the text was longer than max_tokens


@torch.no_grad()
def minilm_attention(encoder, tokenizer, text: str, max_tokens: int = 32) -> EncoderAttention:
    """Attention of every layer and head on `text`, from transformers' output_attentions=True."""
    full = tokenizer(text, truncation=True, max_length=512)["input_ids"]
    batch = tokenizer(text, return_tensors="pt", truncation=True, max_length=max_tokens)
    out = encoder(**batch, output_attentions=True, output_hidden_states=True)
    weights = torch.stack([a[0] for a in out.attentions]).numpy()  # (n_layer, n_head, T, T)
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0].tolist())
    return EncoderAttention(tokens, weights, list(out.hidden_states), max(0, len(full) - max_tokens))


@torch.no_grad()
def minilm_head_by_hand(encoder, hidden_in: torch.Tensor, layer: int, head: int) -> Head:
    """One head of one MiniLM layer recomputed from that layer's own query/key/value weights.

    hidden_in (1, T, d): the hidden state entering the layer. Bidirectional: no causal mask.
    """
    self_attn = encoder.encoder.layer[layer].attention.self
    n_heads = encoder.config.num_attention_heads
    hs = encoder.config.hidden_size // n_heads
    cols = slice(head * hs, (head + 1) * hs)
    x = hidden_in[0]  # (T, d)
    # nn.Linear computes x Wᵀ + b; this head's outputs are rows `cols` of W (its columns of Wᵀ).
    Q = x @ self_attn.query.weight[cols].T + self_attn.query.bias[cols]  # (T, hs)
    K = x @ self_attn.key.weight[cols].T + self_attn.key.bias[cols]  # (T, hs)
    V = x @ self_attn.value.weight[cols].T + self_attn.value.bias[cols]  # (T, hs)
    scores = Q @ K.T / math.sqrt(hs)  # (T, T)
    weights = F.softmax(scores, dim=-1)
    return Head(Q, K, V, scores, weights, weights @ V)


@torch.no_grad()
def minilm_heads_by_hand(encoder, result: EncoderAttention) -> np.ndarray:
    """Every head of every layer recomputed from the model's weights (minilm_head_by_hand), on the
    hidden states of `result`: (n_layer, n_head, T, T), to compare with result.weights."""
    n_layer, n_head = result.weights.shape[:2]
    return np.array(
        [
            [minilm_head_by_hand(encoder, result.hidden[i], i, h).weights.numpy() for h in range(n_head)]
            for i in range(n_layer)
        ]
    )


def special_tokens(tokens: list[str]) -> np.ndarray:
    """Which tokens are the encoder's markers ([CLS], [SEP], [PAD]) rather than text: (T,) booleans."""
    return np.array([tok in ("[CLS]", "[SEP]", "[PAD]") for tok in tokens])


def strongest_links(weights: np.ndarray, special: np.ndarray) -> np.ndarray:
    """For every map of weights (..., T, T): the largest weight one text token gives another one
    (neither itself nor a marker), as (i, j, w) in (..., 3); w is 0 where no such pair exists."""
    w = np.where(special[None, :] | special[:, None] | np.eye(len(special), dtype=bool), 0.0, weights)
    flat = w.reshape(*w.shape[:-2], -1).argmax(-1)  # (...,)
    i, j = np.divmod(flat, w.shape[-1])
    return np.stack([i, j, np.take_along_axis(w.reshape(*w.shape[:-2], -1), flat[..., None], -1)[..., 0]], -1)


def head_linking(weights: np.ndarray, source: int, target: int) -> tuple[int, int]:
    """The (layer, head), counted from 0, whose token `source` gives token `target` the most weight.
    weights: (n_layer, n_head, T, T)."""
    layer, head = np.unravel_index(weights[:, :, source, target].argmax(), weights.shape[:2])
    return int(layer), int(head)


HEAD_KINDS = ("markers", "itself", "neighbours", "elsewhere")


def head_census(weights: np.ndarray, special: np.ndarray) -> dict[str, int]:
    """How many heads give most of their text tokens' attention (on average) to the markers, to the
    token itself, to the token just before or after, or elsewhere. weights: (..., T, T)."""
    T = weights.shape[-1]
    offset = np.abs(np.arange(T)[:, None] - np.arange(T)[None, :])  # (T, T)
    where = [special[None, :] & np.ones((T, T), bool), offset == 0, offset == 1]  # markers win over the rest
    where[1], where[2] = where[1] & ~where[0], where[2] & ~where[0]
    where.append(~(where[0] | where[1] | where[2]))
    rows = weights[..., ~special, :]  # (..., T_text, T): only the text tokens' rows
    shares = np.stack([(rows * m[~special]).sum(-1).mean(-1) for m in where], -1)  # (..., 4)
    kinds = shares.reshape(-1, len(HEAD_KINDS)).argmax(-1)
    return {kind: int((kinds == k).sum()) for k, kind in enumerate(HEAD_KINDS)}


# --- 7. Why GPUs: the multiply-adds of one attention layer ----------------------------------------


GPT3 = {"T": 2048, "d_model": 12288, "n_layer": 96, "n_head": 96}  # GPT-3 175B (Brown et al., 2020)


def macs_per_second(size: int = 256, repeats: int = 5) -> float:
    """Multiply-adds per second of one float32 (size × size) matrix product on this machine (median
    of `repeats`): what turns the counts below into seconds."""
    a, b = torch.ones(size, size), torch.ones(size, size)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return size**3 / max(sorted(times)[repeats // 2], 1e-9)


def attention_macs(T: int, d_model: int) -> dict[str, int]:
    """Multiply-adds of one multi-head attention layer on T tokens (the head count cancels out)."""
    return {
        "projections": 3 * T * d_model * d_model,  # Q, K, V = X Wq, X Wk, X Wv
        "scores": T * T * d_model,  # Q Kᵀ, over all heads together
        "weighted_sum": T * T * d_model,  # weights @ V
        "output": T * d_model * d_model,  # concat @ Wo
    }
