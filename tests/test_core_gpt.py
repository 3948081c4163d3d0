"""The tiny GPT: explicit attention equals PyTorch's fused kernel; training, saving and loading."""

import copy
import math

import pytest
import torch
import torch.nn.functional as F

from core.corpus import SHIPPED, read_corpus
from core.gpt import GPT, CausalSelfAttention, GPTConfig, KVCache
from core.gpt_train import (
    CharVocab,
    TrainSettings,
    bigram_loss,
    flatten,
    full_loss,
    get_batch,
    learning_rate,
    load,
    save,
    split_corpus,
    train,
    unflatten,
)

CONFIG = GPTConfig(vocab_size=11, block_size=16, n_layer=2, n_head=4, n_embd=32)


def test_explicit_attention_equals_scaled_dot_product_attention():
    torch.manual_seed(0)  # test-only: a local process, not the app's shared server
    attention = CausalSelfAttention(CONFIG).eval()
    x = torch.randn(3, 10, CONFIG.n_embd)
    explicit, weights = attention(x, return_weights=True)
    fused, none = attention(x, return_weights=False)
    assert none is None
    torch.testing.assert_close(explicit, fused, rtol=1e-5, atol=1e-6)
    # weights: (B, nh, T, T), rows sum to 1, nothing above the diagonal (no peeking ahead)
    assert weights.shape == (3, CONFIG.n_head, 10, 10)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, CONFIG.n_head, 10))
    assert torch.all(weights.triu(diagonal=1) == 0)


def test_attention_against_reference_with_own_projections():
    """Recompute one head by hand from the layer's own q, k, v weights."""
    torch.manual_seed(1)
    attention = CausalSelfAttention(CONFIG).eval()
    x = torch.randn(1, 6, CONFIG.n_embd)
    q, k, v = attention.qkv(x).split(CONFIG.n_embd, dim=2)
    hs = CONFIG.n_embd // CONFIG.n_head
    reference = F.scaled_dot_product_attention(
        q[..., :hs].unsqueeze(1), k[..., :hs].unsqueeze(1), v[..., :hs].unsqueeze(1), is_causal=True
    )  # head 0 only: (1, 1, T, hs)
    _, weights = attention(x, return_weights=True)
    torch.testing.assert_close(weights[:, :1] @ v[..., :hs].unsqueeze(1), reference, rtol=1e-5, atol=1e-6)


def test_model_shapes_weights_and_causality():
    model = GPT(CONFIG, generator=torch.Generator().manual_seed(0)).eval()
    idx = torch.randint(0, CONFIG.vocab_size, (2, 12), generator=torch.Generator().manual_seed(0))
    logits, loss, weights = model(idx, idx, return_weights=True)
    assert logits.shape == (2, 12, CONFIG.vocab_size) and loss.ndim == 0
    assert len(weights) == CONFIG.n_layer and weights[0].shape == (2, CONFIG.n_head, 12, 12)
    # changing a later character never changes the logits at earlier positions
    changed = idx.clone()
    changed[:, -1] = (changed[:, -1] + 1) % CONFIG.vocab_size
    torch.testing.assert_close(model(changed)[0][:, :-1], logits[:, :-1])
    # an untrained model predicts close to uniform: loss near ln(vocab)
    assert abs(loss.item() - torch.log(torch.tensor(CONFIG.vocab_size)).item()) < 0.3


def test_same_seed_same_model():
    a = GPT(CONFIG, generator=torch.Generator().manual_seed(5))
    b = GPT(CONFIG, generator=torch.Generator().manual_seed(5))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_vocab_round_trip_and_unknown_characters():
    vocab = CharVocab.from_text("hello world")
    assert vocab.chars == " dehlorw"
    assert vocab.decode(vocab.encode("low")) == "low"
    assert vocab.unknown("hello, World!") == [",", "W", "!"]


def test_a_capped_vocabulary_keeps_the_most_frequent_characters_and_one_unknown_id(tmp_path):
    vocab = CharVocab.from_text("aaaabbbcc d", max_size=3)  # a (4), b (3) kept; c, space, d left out
    assert vocab.chars == "ab□" and vocab.unknown_id == 2
    assert vocab.encode("abcd") == [0, 1, 2, 2]
    assert vocab.unknown("abcd") == ["c", "d"]
    assert CharVocab.from_text("abc", max_size=3).unknown_id is None  # nothing left out: no unknown id
    model = GPT(GPTConfig(vocab_size=3, block_size=4, n_layer=1, n_head=1, n_embd=8))
    save(model, vocab, tmp_path, {})
    assert load(tmp_path)[1].encode("abcd") == [0, 1, 2, 2]


def test_the_bigram_baseline_is_the_interpolated_bigram_on_the_validation_text():
    """Against a plain count, done here character by character."""
    train_data = torch.tensor([0, 1, 0, 1, 2, 0, 1, 1, 0, 2] * 30)
    val_data = torch.tensor([0, 1, 2, 2, 1, 0])
    V, cut = 3, int(0.9 * len(train_data))

    def model(data):
        pairs = [[0] * V for _ in range(V)]
        for a, b in zip(data.tolist(), data[1:].tolist()):
            pairs[a][b] += 1
        singles = [(data.tolist().count(b) + 1) / (len(data) + V) for b in range(V)]
        return lambda a, b, w: w * pairs[a][b] / max(1, sum(pairs[a])) + (1 - w) * singles[b]

    def nats(p, data, w):
        pairs = list(zip(data.tolist(), data[1:].tolist()))
        return -sum(math.log(p(a, b, w)) for a, b in pairs) / len(pairs)

    weights = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
    best = min(weights, key=lambda w: nats(model(train_data[:cut]), train_data[cut:], w))
    assert bigram_loss(train_data, val_data, V) == pytest.approx(nats(model(train_data), val_data, best))


def test_a_batch_is_windows_of_the_text_and_their_next_characters():
    data = torch.arange(100)
    x, y = get_batch(data, 8, 5, torch.Generator().manual_seed(0))
    starts = torch.randint(100 - 8, (5,), generator=torch.Generator().manual_seed(0))
    assert torch.equal(x, torch.stack([data[i : i + 8] for i in starts])) and torch.equal(y, x + 1)


def test_learning_rate_schedule():
    s = TrainSettings(max_iters=1000, warmup_iters=100, learning_rate=1e-3, min_lr=1e-4)
    assert learning_rate(0, s) < learning_rate(99, s) <= 1e-3
    assert learning_rate(100, s) == pytest.approx(1e-3)
    assert learning_rate(1000, s) == pytest.approx(1e-4)


@pytest.mark.slow
def test_training_lowers_the_loss_and_round_trips_through_safetensors(tmp_path):
    text = "to be or not to be, that is the question. " * 200
    vocab = CharVocab.from_text(text)
    config = GPTConfig(vocab_size=len(vocab), block_size=16, n_layer=1, n_head=2, n_embd=32)
    train_data, val_data = split_corpus(text, vocab)
    settings = TrainSettings(max_iters=150, batch_size=16, eval_interval=50, eval_iters=4, warmup_iters=10)
    calls = []
    model, history = train(config, train_data, val_data, settings, torch.device("cpu"), calls.append)
    assert [(p.step, p.total) for p in calls] == [(0, 150), (50, 150), (100, 150), (150, 150)]
    assert calls[-1].loss == history.train_loss[-1] and calls[-1].record is history
    assert history.val_loss[-1] < history.val_loss[0] - 1.0
    again, _ = train(config, train_data, val_data, settings, torch.device("cpu"))
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), again.parameters())), "same seed, same weights"
    save(model, vocab, tmp_path, {"val_loss": history.val_loss[-1]})
    loaded, loaded_vocab, info = load(tmp_path)
    assert loaded_vocab.chars == vocab.chars and info["val_loss"] == history.val_loss[-1]
    x, _ = get_batch(val_data, 16, 4, torch.Generator().manual_seed(0))
    torch.testing.assert_close(loaded(x)[0], model(x)[0])


def test_flat_parameters_train_as_torchs_adamw_on_each_tensor():
    """flatten(): the model's parameters become slices of two flat tensors (values and gradients), which
    one fused AdamW updates. The weights after a few steps match torch's AdamW on each tensor of a copy."""
    config = GPTConfig(vocab_size=20, block_size=8, n_layer=2, n_head=2, n_embd=16)
    model = GPT(config, torch.Generator().manual_seed(0))
    reference = copy.deepcopy(model)
    split = lambda m: ([p for p in m.parameters() if p.dim() >= 2], [p for p in m.parameters() if p.dim() < 2])  # noqa: E731
    groups = lambda ps, pv: [{"params": ps, "weight_decay": 0.1}, {"params": pv, "weight_decay": 0.0}]  # noqa: E731
    each = torch.optim.AdamW(groups(*split(reference)), lr=1e-2, betas=(0.9, 0.99))
    matrices, vectors = (flatten(group) for group in split(model))
    assert model.wte.weight.data_ptr() == matrices.data_ptr()
    assert model.wte.weight.grad.data_ptr() == matrices.grad.data_ptr()
    flat = torch.optim.AdamW(groups([matrices], [vectors]), lr=1e-2, betas=(0.9, 0.99), fused=True)
    x = torch.randint(0, 20, (4, 8), generator=torch.Generator().manual_seed(1))
    y = torch.roll(x, -1, dims=1)
    for _ in range(3):
        matrices.grad.zero_(), vectors.grad.zero_()
        model(x, y)[1].backward()
        flat.step()
        each.zero_grad()
        reference(x, y)[1].backward()
        each.step()
    for p, q in zip(model.parameters(), reference.parameters()):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-5)  # fused and per-tensor AdamW round apart
    unflatten(model)
    pointers = [p.data_ptr() for p in model.parameters()]
    assert len(set(pointers)) == len(pointers) and all(p.grad is None for p in model.parameters())


def test_split_is_nanogpts():
    text = read_corpus(SHIPPED)
    vocab = CharVocab.from_text(text)
    train_data, val_data = split_corpus(text, vocab)
    assert len(text) == 1_115_394 and len(vocab) == 65
    assert len(train_data) == 1_003_854 and len(val_data) == 111_540


def test_kv_cache_gives_the_full_forward_pass_logits_at_every_step():
    """Cached generation reads one character per step; its logits must equal a full pass over the window."""
    model = GPT(CONFIG, torch.Generator().manual_seed(0)).eval()
    sequence = torch.randint(CONFIG.vocab_size, (2, 40), generator=torch.Generator().manual_seed(1))  # (B, 40)
    cache = KVCache(model)
    logits = cache.read(sequence[:, :3])
    torch.testing.assert_close(logits, model.next_logits(sequence[:, :3]), atol=1e-5, rtol=1e-5)
    shifts = 0
    for t in range(3, 40):
        before = cache.window.size(1)
        logits = cache.append(sequence[:, t : t + 1])
        shifts += cache.window.size(1) < before
        # The window is always the last characters of the sequence read so far, never longer than the context.
        n = cache.window.size(1)
        assert n <= CONFIG.block_size and torch.equal(cache.window, sequence[:, t + 1 - n : t + 1])
        full, _ = model(cache.window)
        torch.testing.assert_close(logits, full[:, -1, :], atol=1e-5, rtol=1e-5)
    assert shifts >= 2, "the sequence is long enough for the window to be cut more than once"


def test_kv_cache_matches_next_logits_while_the_prompt_fits():
    model = GPT(CONFIG, torch.Generator().manual_seed(2)).eval()
    sequence = torch.randint(CONFIG.vocab_size, (1, CONFIG.block_size), generator=torch.Generator().manual_seed(3))
    cache = KVCache(model)
    cache.read(sequence[:, :1])
    for t in range(1, CONFIG.block_size):
        torch.testing.assert_close(
            cache.append(sequence[:, t : t + 1]), model.next_logits(sequence[:, : t + 1]), atol=1e-5, rtol=1e-5
        )


def test_full_loss_is_the_mean_cross_entropy_over_every_character():
    model = GPT(CONFIG, torch.Generator().manual_seed(4)).eval()
    data = torch.randint(CONFIG.vocab_size, (16 * 5 + 7,), generator=torch.Generator().manual_seed(5))
    # Reference: each window separately, negative log-probability of every true next character.
    nll = []
    for w in range(5):
        x, y = data[16 * w : 16 * w + 16], data[16 * w + 1 : 16 * w + 17]
        log_probs = torch.log_softmax(model(x[None])[0][0], dim=-1)  # (T, vocab)
        nll.append(-log_probs.gather(1, y[:, None]))
    assert full_loss(model, data, batch_size=2) == pytest.approx(torch.cat(nll).mean().item(), rel=1e-5)


def test_float16_file_loads_as_float32_rounded_weights(tmp_path):
    model = GPT(CONFIG, torch.Generator().manual_seed(6))
    save(model, CharVocab("abcdefghijk"), tmp_path / "half", {}, torch.float16)
    save(model, CharVocab("abcdefghijk"), tmp_path / "full", {})
    loaded, vocab, _ = load(tmp_path / "half")
    for name, tensor in loaded.state_dict().items():
        assert tensor.dtype == torch.float32
        assert torch.equal(tensor, model.state_dict()[name].half().float()), name
    half_size = (tmp_path / "half" / "model.safetensors").stat().st_size
    assert half_size < 0.55 * (tmp_path / "full" / "model.safetensors").stat().st_size
