"""The GPT lesson's core: parameter counts, the residual stream, loss figures, decoding and its cost,
each checked against a reference: num_params, the model's own forward, Hugging Face's repetition
penalty, brute-force search, torch's FlopCounterMode."""

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count
from transformers import RepetitionPenaltyLogitsProcessor

from core.generation import (
    beam_search,
    greedy,
    macs_per_token,
    parameter_parts,
    perplexity,
    repetition_penalty,
    residual_stream,
    sequence_logp,
    step_through,
    time_generation,
    uniform_loss,
)
from core.gpt import GPT, GPTConfig, KVCache
from core.gpt_train import load
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def shakespeare():
    return load(ROOT / "models" / "tiny_gpt")


@pytest.fixture(scope="module")
def tang():
    return load(ROOT / "models" / "tiny_gpt_tang")


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # the app's single thread (tests/conftest.py)


def tiny_gpt(vocab_size: int, seed: int = 0) -> GPT:
    """A random GPT small enough to search exhaustively. Weights 10x GPT-2's init give distributions that
    depend on the context and sequences whose log-probabilities differ by more than float error."""
    config = GPTConfig(vocab_size=vocab_size, block_size=16, n_layer=2, n_head=2, n_embd=16)
    model = GPT(config, torch.Generator().manual_seed(seed)).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "ln_" not in name:
                p.mul_(10.0)
    return model


PROMPT = "ROMEO:\nWhat light through yonder window breaks"


# --- the block, opened ----------------------------------------------------------------------------------


def test_parameter_parts_add_up_to_the_shipped_total(shakespeare, tang):
    model, _, _ = shakespeare
    parts = parameter_parts(model)
    assert sum(p.count for p in parts) == model.num_params() == 1_829_376
    counts = {(p.name, p.layer): p.count for p in parts}
    C, V = 192, 65
    assert counts["token_embedding", None] == counts["head", None] == V * C  # not tied: counted twice
    assert counts["position_embedding", None] == 128 * C
    assert counts["attention_qkv", 1] == C * 3 * C + 3 * C
    assert counts["mlp", 4] == C * 4 * C + 4 * C + 4 * C * C + C
    tang_model, _, _ = tang
    assert sum(p.count for p in parameter_parts(tang_model)) == tang_model.num_params()


def test_a_tied_head_is_counted_once():
    model = tiny_gpt(5)
    model.lm_head.weight = model.wte.weight
    parts = {p.name: p.count for p in parameter_parts(model)}
    assert parts["head"] == 0 and sum(p.count for p in parameter_parts(model)) == model.num_params()


def test_residual_stream_ends_in_the_models_logits(shakespeare, tang):
    for model, vocab, _ in (shakespeare, tang):
        ids = vocab.encode(PROMPT if vocab.unknown_id is None else "床前明月光，疑是地上霜。")
        trace = residual_stream(model, ids)
        T, L = len(ids), model.config.n_layer
        logits = model(torch.tensor([ids]))[0][0]  # (T, vocab)
        assert torch.allclose(torch.from_numpy(trace.logits), logits, atol=1e-5)
        assert torch.allclose(torch.from_numpy(trace.logits[-1]), model.next_logits(torch.tensor([ids]))[0], atol=1e-5)
        assert trace.attention.shape == trace.mlp.shape == (L, T)
        assert trace.stream.shape == (1 + 2 * L, T) and trace.embedding.shape == (T,)
        x = model.wte(torch.tensor(ids)) + model.wpe(torch.arange(T))
        assert torch.allclose(torch.from_numpy(trace.embedding), x.norm(dim=-1), atol=1e-5)


def test_residual_stream_reads_the_last_block(shakespeare):
    model, vocab, _ = shakespeare
    ids = vocab.encode(PROMPT * 5)
    trace = residual_stream(model, ids)
    assert trace.ids == ids[-128:] and trace.logits.shape == (128, 65)


# --- what training minimizes ------------------------------------------------------------------------------


def test_loss_figures(shakespeare):
    _, _, info = shakespeare
    assert uniform_loss(65) == pytest.approx(4.17, abs=0.005)
    assert perplexity(info["val_loss"]) == pytest.approx(4.45, abs=0.005)
    assert perplexity(uniform_loss(65)) == pytest.approx(65)


# --- decoding -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("penalty", [0.7, 1.0, 1.3, 2.0])
def test_repetition_penalty_matches_hugging_face(penalty):
    g = torch.Generator().manual_seed(int(penalty * 10))
    logits = torch.randn(3, 65, generator=g) * 3
    previous = torch.randint(0, 65, (3, 20), generator=g)
    expected = RepetitionPenaltyLogitsProcessor(penalty)(previous, logits.clone())
    torch.testing.assert_close(repetition_penalty(logits, previous, penalty), expected)
    torch.testing.assert_close(repetition_penalty(logits[0], previous[0].tolist(), penalty), expected[0])


def test_repetition_penalty_by_its_definition():
    logits = torch.tensor([2.0, -2.0, 1.0, -1.0])
    assert repetition_penalty(logits, [0, 1, 1], 2.0).tolist() == [1.0, -4.0, 1.0, -1.0]
    assert repetition_penalty(logits, [], 2.0).tolist() == logits.tolist()


def test_greedy_takes_the_top_character_each_step(shakespeare):
    model, vocab, _ = shakespeare
    ids = vocab.encode(PROMPT)
    new = greedy(model, ids, 20)
    for i, token in enumerate(new):
        assert token == int(model.next_logits(torch.tensor([ids + new[:i]])).argmax())


def test_greedy_penalty_and_stop(shakespeare):
    model, vocab, _ = shakespeare
    ids = vocab.encode(PROMPT)
    plain, penalized = greedy(model, ids, 60), greedy(model, ids, 60, penalty=1.5)
    assert plain != penalized
    stop = vocab.encode("\n")[0]
    stopped = greedy(model, ids, 200, stop_id=stop)
    assert stopped[-1] == stop and stop not in stopped[:-1]
    e = vocab.encode("e")[0]
    assert e not in greedy(model, ids, 60, banned=e)


@pytest.mark.parametrize("prompt", [PROMPT, "KING", "\n"])
def test_beam_width_one_is_greedy(shakespeare, prompt):
    model, vocab, _ = shakespeare
    ids = vocab.encode(prompt)
    result = beam_search(model, ids, 1, 40)
    assert result.beams[0].ids == greedy(model, ids, 40)
    stop = vocab.encode("\n")[0]
    assert beam_search(model, ids, 1, 150, stop_id=stop).beams[0].ids == greedy(model, ids, 150, stop_id=stop)


@torch.no_grad()
def brute_force(model, ids, n_new, stop_id=None):
    """Every possible continuation (ending at the first stop character), with its total log-probability,
    best first: texts of one length scored together in one forward pass."""
    texts = set()
    for seq in itertools.product(range(model.config.vocab_size), repeat=n_new):
        texts.add(seq[: seq.index(stop_id) + 1] if stop_id in seq else seq)
    ranked = []
    for n in {len(t) for t in texts}:
        same = [list(t) for t in texts if len(t) == n]
        full = torch.tensor([ids + t for t in same])  # (texts, T + n)
        logp = F.log_softmax(model(full)[0][:, len(ids) - 1 : -1], dim=-1)  # (texts, n, vocab)
        totals = logp.gather(-1, full[:, len(ids) :, None]).sum(dim=(1, 2))  # (texts,)
        ranked += zip(totals.tolist(), same)
    return sorted(ranked, reverse=True)


@pytest.mark.parametrize("vocab_size, n_new, seed", [(4, 3, 0), (5, 2, 1), (4, 3, 2), (5, 3, 3)])
def test_wide_beam_finds_the_brute_force_best(vocab_size, n_new, seed):
    model = tiny_gpt(vocab_size, seed)
    ids = [0, 1, 2]
    ranked = brute_force(model, ids, n_new)
    result = beam_search(model, ids, vocab_size**n_new, n_new)
    assert result.beams[0].ids == ranked[0][1]
    assert result.beams[0].logp == pytest.approx(ranked[0][0], abs=1e-4)
    assert [b.ids for b in result.beams] == [t for _, t in ranked]  # all of them, in order
    for width in (1, 2, 3):
        narrow = beam_search(model, ids, width, n_new)
        assert narrow.beams[0].logp <= ranked[0][0] + 1e-5
        assert len(narrow.beams) == width


def test_narrow_beam_can_miss_the_best():
    """Somewhere among small random models, greedy (width 1) misses the best sequence: the reason for beams."""
    missed = 0
    for seed in range(10):
        model = tiny_gpt(4, seed)
        best = brute_force(model, [0, 1], 3)[0][0]
        missed += beam_search(model, [0, 1], 1, 3).beams[0].logp < best - 1e-5
    assert missed > 0


def test_wide_beam_with_a_stop_character():
    model = tiny_gpt(4, 5)
    ids, stop = [0, 1, 2], 3
    ranked = brute_force(model, ids, 3, stop_id=stop)
    result = beam_search(model, ids, 64, 3, stop_id=stop)
    assert [b.ids for b in result.beams] == [t for _, t in ranked]
    for beam in result.beams:
        assert beam.finished == (beam.ids[-1] == stop) and stop not in beam.ids[:-1]


def test_beam_log_probs_are_the_models(shakespeare):
    model, vocab, _ = shakespeare
    ids = vocab.encode(PROMPT)
    e = vocab.encode("e")[0]
    result = beam_search(model, ids, 8, 40)
    assert len(result.beams) == 8 and len(result.steps) == 40
    logps = [b.logp for b in result.beams]
    assert logps == sorted(logps, reverse=True)
    for beam in result.beams:
        assert beam.logp == pytest.approx(sequence_logp(model, ids, beam.ids), abs=1e-3)
    banned = beam_search(model, ids, 8, 40, banned=e)
    assert all(e not in b.ids for b in banned.beams)
    assert all(node.token != e for step in banned.steps for node in step)


def test_beam_tree_traces_back_to_the_beams(shakespeare):
    model, vocab, _ = shakespeare
    ids, stop = vocab.encode(PROMPT), vocab.encode("\n")[0]
    result = beam_search(model, ids, 4, 60, stop_id=stop)
    assert all(node.parent == -1 for node in result.steps[0])
    paths = []
    for s, step in enumerate(result.steps):
        assert len(step) <= 4
        for node in step:
            path, parent = [node.token], node.parent
            for earlier in reversed(result.steps[:s]):
                assert not earlier[parent].finished, "a finished beam has no children"
                path.insert(0, earlier[parent].token)
                parent = earlier[parent].parent
            paths.append((path, node.logp))
    for beam in result.beams:
        assert any(path == beam.ids and logp == pytest.approx(beam.logp) for path, logp in paths)
        if beam.finished:
            assert beam.ids[-1] == stop and stop not in beam.ids[:-1]


def test_beam_search_beyond_the_context(shakespeare):
    """Past block_size the cache re-reads its window; the beams' rows must still follow them."""
    model, vocab, _ = shakespeare
    ids = vocab.encode(PROMPT * 3)[-120:]
    assert beam_search(model, ids, 1, 30).beams[0].ids == greedy(model, ids, 30)


def test_step_through(shakespeare, tang):
    model, vocab, _ = shakespeare
    top = step_through(model, vocab.encode("ROMEO:\nWhat ligh"), k=5)
    assert len(top) == 5 and top[0][0] == vocab.encode("t")[0]
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    tang_model, tang_vocab, _ = tang
    top = step_through(tang_model, tang_vocab.encode("床前"), k=4000, banned=tang_vocab.unknown_id)
    assert sum(p for _, p in top) == pytest.approx(1.0, abs=1e-5)
    assert dict(top)[tang_vocab.unknown_id] == 0.0


# --- the cost of writing ----------------------------------------------------------------------------------

CPU_ATTENTION = {
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: lambda q, k, v, *a, **kw: sdpa_flop_count(q, k, v)
}


@pytest.mark.parametrize("T", [1, 7, 32])
def test_macs_without_cache_match_flop_counter(T):
    config = GPTConfig(vocab_size=11, block_size=32, n_layer=2, n_head=2, n_embd=16)
    model = GPT(config).eval()
    idx = torch.zeros(1, T, dtype=torch.long)
    for return_weights in (True, False):  # the explicit matmuls, and PyTorch's fused kernel
        with FlopCounterMode(display=False, custom_mapping=CPU_ATTENTION) as counter, torch.no_grad():
            model(idx, return_weights=return_weights)
        assert counter.get_total_flops() == 2 * sum(macs_per_token(config, T, cached=False).values())


@pytest.mark.parametrize("T", [2, 9, 32])
def test_macs_with_cache_match_flop_counter(T):
    config = GPTConfig(vocab_size=11, block_size=32, n_layer=2, n_head=2, n_embd=16)
    cache = KVCache(GPT(config).eval())
    cache.read(torch.zeros(1, T - 1, dtype=torch.long))
    with FlopCounterMode(display=False, custom_mapping=CPU_ATTENTION) as counter:
        cache.append(torch.zeros(1, 1, dtype=torch.long))
    assert counter.get_total_flops() == 2 * sum(macs_per_token(config, T, cached=True).values())


def test_macs_by_hand_and_growth(shakespeare):
    config = shakespeare[0].config
    cached = macs_per_token(config, 128, cached=True)
    assert cached["attention_scores"] == 4 * 128 * 192 * 2 and cached["head"] == 192 * 65
    plain = macs_per_token(config, 128, cached=False)
    assert plain["mlp"] == 128 * cached["mlp"]
    assert plain["attention_scores"] == 128 * cached["attention_scores"]  # grows as T² instead of T


def test_cached_and_plain_write_the_same_greedy_text(shakespeare):
    model, vocab, _ = shakespeare
    ids = vocab.encode(PROMPT)
    with_cache = time_generation(model, ids, 30, cached=True, seed=0, temperature=0.0)
    without = time_generation(model, ids, 30, cached=False, seed=0, temperature=0.0)
    assert with_cache.ids == without.ids == greedy(model, ids, 30)
    assert with_cache.seconds > 0 and without.seconds > 0


def test_uniform_loss_is_the_untrained_cross_entropy():
    """A model whose logits are all equal has exactly ln V loss on any target."""
    logits = torch.zeros(10, 65)
    assert F.cross_entropy(logits, torch.arange(10)).item() == pytest.approx(uniform_loss(65))
    assert math.isclose(uniform_loss(4000), math.log(4000))
