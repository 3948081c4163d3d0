"""The tiny GPT: explicit attention equals PyTorch's fused kernel; training, saving and loading."""

import pytest
import torch
import torch.nn.functional as F

from core.gpt import GPT, CausalSelfAttention, GPTConfig
from core.gpt_train import CharVocab, TrainSettings, get_batch, learning_rate, load, save, split_corpus, train
from tests.conftest import SHARED_DATA

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
    model, history = train(config, train_data, val_data, settings, torch.device("cpu"), lambda s, h: calls.append(s))
    assert calls == [0, 50, 100, 150]
    assert history.val_loss[-1] < history.val_loss[0] - 1.0
    again, _ = train(config, train_data, val_data, settings, torch.device("cpu"))
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), again.parameters())), "same seed, same weights"
    save(model, vocab, tmp_path, {"val_loss": history.val_loss[-1]})
    loaded, loaded_vocab, info = load(tmp_path)
    assert loaded_vocab.chars == vocab.chars and info["val_loss"] == history.val_loss[-1]
    x, _ = get_batch(val_data, 16, 4, torch.Generator().manual_seed(0))
    torch.testing.assert_close(loaded(x)[0], model(x)[0])


def test_split_is_nanogpts():
    path = SHARED_DATA / "tinyshakespeare.txt"
    if not path.exists():
        pytest.skip(f"the corpus is not at {path}")
    text = path.read_text(encoding="utf-8")
    vocab = CharVocab.from_text(text)
    train_data, val_data = split_corpus(text, vocab)
    assert len(text) == 1_115_394 and len(vocab) == 65
    assert len(train_data) == 1_003_854 and len(val_data) == 111_540
