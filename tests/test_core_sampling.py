"""Temperature, top-k and top-p: exact definitions, checked on hand-made and random logits."""

import math
from pathlib import Path

import pytest
import torch

from core.gpt import GPT, GPTConfig
from core.sampling import distribution, entropy, generate

LOGITS = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0])


def test_temperature_one_is_softmax():
    torch.testing.assert_close(distribution(LOGITS, 1.0), torch.softmax(LOGITS, -1))


def test_temperature_zero_is_argmax():
    logits = torch.randn(50, 30, generator=torch.Generator().manual_seed(0))
    probs = distribution(logits, 0.0)
    assert torch.equal(probs.argmax(-1), logits.argmax(-1))
    assert torch.all(probs.max(-1).values == 1.0) and torch.all(probs.sum(-1) == 1.0)


def test_temperature_sharpens_and_flattens():
    assert entropy(distribution(LOGITS, 0.5)) < entropy(distribution(LOGITS, 1.0)) < entropy(distribution(LOGITS, 2.0))
    assert entropy(distribution(LOGITS, 1e6)).item() == pytest.approx(math.log2(5), abs=1e-4)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_top_k_keeps_exactly_k(k):
    logits = torch.randn(20, 65, generator=torch.Generator().manual_seed(k))
    probs = distribution(logits, 1.0, top_k=k)
    assert torch.all((probs > 0).sum(-1) == k)
    kept = torch.topk(logits, k, -1).indices
    assert torch.all(probs.gather(-1, kept) > 0)
    torch.testing.assert_close(probs.sum(-1), torch.ones(20))


def test_top_k_with_ties_still_keeps_k():
    probs = distribution(torch.tensor([1.0, 1.0, 1.0, 0.0]), 1.0, top_k=2)
    assert (probs > 0).sum().item() == 2


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8, 0.95, 0.999])
def test_top_p_keeps_the_smallest_set_with_enough_mass(p):
    logits = torch.randn(30, 65, generator=torch.Generator().manual_seed(int(p * 1000)))
    full = torch.softmax(logits, -1)
    kept = distribution(logits, 1.0, top_p=p) > 0
    for row in range(30):
        ranked = torch.sort(full[row], descending=True).values
        n = int(kept[row].sum())
        assert ranked[:n].sum() >= p - 1e-6, "the kept set reaches p"
        assert n == 1 or ranked[: n - 1].sum() < p, "one token fewer would not"
        assert torch.equal(kept[row], full[row] >= ranked[n - 1])


def test_sampling_is_honest():
    """10,000 draws land on each token in proportion to its probability."""
    probs = distribution(LOGITS, 1.0, top_k=4)
    draws = torch.multinomial(probs, 10_000, replacement=True, generator=torch.Generator().manual_seed(0))
    frequency = torch.bincount(draws, minlength=5) / 10_000
    torch.testing.assert_close(frequency, probs, atol=0.02, rtol=0)


def test_generate_same_seed_same_text():
    model = GPT(GPTConfig(vocab_size=7, block_size=8, n_layer=1, n_head=1, n_embd=8), torch.Generator().manual_seed(0))
    start = torch.zeros(1, 1, dtype=torch.long)
    a = generate(model, start, 20, 1.0, generator=torch.Generator().manual_seed(3))
    b = generate(model, start, 20, 1.0, generator=torch.Generator().manual_seed(3))
    c = generate(model, start, 20, 1.0, generator=torch.Generator().manual_seed(4))
    assert a.shape == (1, 21) and torch.equal(a, b) and not torch.equal(a, c)
    steps = []
    greedy = generate(model, start, 20, 0.0, on_token=steps.append)
    assert steps == list(range(1, 21))
    assert torch.equal(greedy, generate(model, start, 20, 0.0)), "greedy needs no seed"


# --- Helpers of the sampling page -----------------------------------------------------------------
class _Vocab:
    """A stand-in vocabulary with CharVocab's interface, independent of it."""

    chars = "\n abc"

    def unknown(self, text):
        return [c for i, c in enumerate(text) if c not in self.chars and c not in text[:i]]

    def encode(self, text):
        return [self.chars.index(c) for c in text]


def test_prepare_prompt_drops_unknown_characters_and_keeps_the_end():
    from core.gpt_train import CharVocab
    from core.sampling import prepare_prompt

    for vocab in (_Vocab(), CharVocab("\n abc")):
        prompt = prepare_prompt("a€b😀c€ab", vocab, block_size=4)
        assert prompt.unknown == ["€", "😀"]
        assert prompt.ids == vocab.encode("bcab")
        assert prompt.cut == 1  # "abcab" is five known characters; the first is dropped
        assert prepare_prompt("", vocab, 4).ids == []
        empty = prepare_prompt("€€", vocab, 4)
        assert empty.ids == [] and empty.unknown == ["€"] and empty.cut == 0
        short = prepare_prompt("ab", vocab, 4)
        assert short.ids == vocab.encode("ab") and short.cut == 0 and short.unknown == []


def test_sample_counts_match_torch_multinomial_and_the_probabilities():
    from core.sampling import sample_counts

    probs = distribution(LOGITS, 1.5, top_p=0.9)
    counts = sample_counts(probs, 1000, torch.Generator().manual_seed(5))
    draws = torch.multinomial(probs, 1000, replacement=True, generator=torch.Generator().manual_seed(5))
    assert counts.tolist() == [int((draws == i).sum()) for i in range(5)]
    assert counts.sum().item() == 1000 and counts[probs == 0].sum().item() == 0
    big = sample_counts(probs, 200_000, torch.Generator().manual_seed(6)) / 200_000
    torch.testing.assert_close(big, probs, atol=0.005, rtol=0)


def test_repeated_share():
    from core.sampling import repeated_share

    assert repeated_share("abcdefgh", 2) == 0.0
    assert repeated_share("abababab", 2) == pytest.approx(1 - 2 / 7)  # only "ab" and "ba" ever
    assert repeated_share("a", 8) == 0.0
    text = "the cat and the dog and the cat"
    chunks = [text[i : i + 4] for i in range(len(text) - 3)]
    assert repeated_share(text, 4) == pytest.approx(1 - len(set(chunks)) / len(chunks))


def test_generate_with_the_cache_equals_the_plain_loop_while_the_context_fits():
    """Reference: nanoGPT's loop, one full forward pass over all characters per new one."""
    model = GPT(GPTConfig(vocab_size=7, block_size=24, n_layer=2, n_head=2, n_embd=8), torch.Generator().manual_seed(5))
    start = torch.tensor([[1, 2, 3]])
    for temperature, top_k, top_p in [(0.0, None, None), (1.0, None, None), (0.8, 3, None), (1.3, None, 0.9)]:
        idx, generator = start, torch.Generator().manual_seed(7)
        for _ in range(21):
            probs = distribution(model.next_logits(idx), temperature, top_k, top_p)
            idx = torch.cat([idx, torch.multinomial(probs, 1, generator=generator)], dim=1)
        cached = generate(model, start, 21, temperature, top_k, top_p, generator=torch.Generator().manual_seed(7))
        assert torch.equal(cached, idx), (temperature, top_k, top_p)


# --- Tiny positive temperatures: the T → 0+ limit, never NaN --------------------------------------
TINY_TEMPERATURES = [
    1e-8,
    1e-38,  # float32's smallest normal is 1.18e-38
    1e-39,  # a float32 denormal
    1e-40,
    1.4e-45,  # float32's smallest denormal
    1e-45,
    1e-46,  # 0 in float32
    1e-300,  # 0 in float32, a normal float64
    5e-324,  # float64's smallest denormal
]


def limit(logits: torch.Tensor) -> torch.Tensor:
    """The T → 0+ limit of softmax(z / T): equal mass on the tied maxima, 0 elsewhere."""
    top = logits == logits.max(dim=-1, keepdim=True).values
    return top.to(logits.dtype) / top.sum(dim=-1, keepdim=True)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("T", TINY_TEMPERATURES)
def test_tiny_temperatures_give_the_limit(T, dtype):
    logits = torch.randn(40, 65, generator=torch.Generator().manual_seed(1), dtype=dtype) * 5
    logits[0, :] = 3.0  # all tied
    logits[1, [4, 9, 60]] = 100.0  # three tied maxima
    logits[2, :] = -2.0
    logits[2, 7] = 1e4  # huge logits: z / T overflows for any T < 1e-34
    probs = distribution(logits, T)
    assert torch.isfinite(probs).all() and torch.all(probs >= 0)
    torch.testing.assert_close(probs, limit(logits), rtol=0, atol=0)
    assert torch.equal(distribution(logits[3:], T), distribution(logits[3:], 0.0)), "no ties: greedy"
    for top_k, top_p in [(1, None), (3, None), (None, 0.5), (5, 0.9)]:
        cut = distribution(logits, T, top_k, top_p)
        assert torch.isfinite(cut).all()
        torch.testing.assert_close(cut.sum(-1), torch.ones(40, dtype=dtype))
        assert torch.all(cut[3:].argmax(-1) == logits[3:].argmax(-1)) and torch.all(cut[3:].max(-1).values == 1)


def test_tiny_temperature_keeps_near_ties_exactly():
    """T = 1e-8 on logits 1e-8 apart is an ordinary softmax, not the limit."""
    logits = torch.tensor([0.0, -1e-8, -2e-8, -1.0], dtype=torch.float64)
    expected = torch.softmax(torch.tensor([0.0, -1, -2, -1e8], dtype=torch.float64), -1)
    torch.testing.assert_close(distribution(logits, 1e-8), expected)


@pytest.mark.parametrize("T", [0.05, 0.1, 0.3, 0.5, 0.8, 1.0, 1.3, 2.0, 2.95, 3.0, 1e6])
def test_ordinary_temperatures_are_unchanged(T):
    logits = torch.randn(30, 65, generator=torch.Generator().manual_seed(2)) * 4
    assert torch.equal(distribution(logits, T), torch.softmax(logits / T, -1))
    for top_k, top_p in [(5, None), (None, 0.7)]:
        assert torch.isfinite(distribution(logits, T, top_k, top_p)).all()


@pytest.mark.parametrize("T", TINY_TEMPERATURES)
def test_generate_runs_at_tiny_temperatures(T):
    model = GPT(GPTConfig(vocab_size=7, block_size=8, n_layer=1, n_head=1, n_embd=8), torch.Generator().manual_seed(0))
    start = torch.zeros(1, 1, dtype=torch.long)
    out = generate(model, start, 12, T, generator=torch.Generator().manual_seed(3))
    assert torch.equal(out, generate(model, start, 12, 0.0)), "no ties in real logits: the greedy text"


# --- Helpers moved from the sampling page -------------------------------------------------------------
def test_continue_text_is_nanogpts_loop_on_the_prompts_last_block():
    """Reference: one full forward pass per new character, from the last block_size prompt ids."""
    from core.gpt_train import CharVocab
    from core.sampling import Settings, continue_text

    vocab = CharVocab("\n abcdef")
    model = GPT(GPTConfig(vocab_size=len(vocab), block_size=16, n_layer=1, n_head=2, n_embd=8),
                torch.Generator().manual_seed(1))  # fmt: skip
    ids = vocab.encode("abc dcba\nfedcba abcdef")  # 22 ids: the model reads the last 16
    for settings in (Settings(0.0), Settings(1.0), Settings(0.7, 3, None), Settings(1.4, None, 0.8)):
        steps = []
        text = continue_text(model, vocab, ids, settings, 12, seed=11, on_token=steps.append)
        start = torch.tensor([ids[-16:]])
        expected = generate(model, start, 12, settings.temperature, settings.top_k, settings.top_p,
                            generator=torch.Generator().manual_seed(11))  # fmt: skip
        assert text == vocab.decode(expected[0, 16:].tolist()) and len(text) == 12 and steps == list(range(1, 13))
    short, generator = torch.tensor([ids[:5]]), torch.Generator().manual_seed(3)
    idx = short
    for _ in range(10):  # while the context fits, the plain loop
        probs = distribution(model.next_logits(idx), 1.2, None, 0.9)
        idx = torch.cat([idx, torch.multinomial(probs, 1, generator=generator)], dim=1)
    assert continue_text(model, vocab, tuple(ids[:5]), Settings(1.2, None, 0.9), 10, 3) == vocab.decode(
        idx[0, 5:].tolist()
    )


def test_draw_is_torch_multinomial_with_that_seed():
    from core.sampling import draw

    probs = distribution(LOGITS, 1.3, top_k=4)
    for seed in range(20):
        reference = torch.multinomial(probs, 1, generator=torch.Generator().manual_seed(seed)).item()
        assert draw(probs, seed) == reference and probs[reference] > 0


def test_bits_is_the_entropy_as_a_number_never_minus_zero():
    from core.sampling import bits

    probs = distribution(LOGITS, 0.9)
    assert bits(probs) == pytest.approx(-sum(p * math.log2(p) for p in probs.tolist()), rel=1e-6)
    assert bits(torch.full((4,), 0.25)) == pytest.approx(2.0)
    certain = bits(torch.tensor([0.0, 1.0, 0.0]))
    assert certain == 0.0 and math.copysign(1.0, certain) == 1.0 and f"{certain:.2f}" == "0.00"


def test_direction():
    from core.sampling import direction

    assert direction(1.0, 1.1) == "up" and direction(1.1, 1.0) == "down"
    assert direction(1.0, 1.0 + 1e-7) == "same" and direction(1.0, 1.0 - 1e-7) == "same"


def test_nucleus_choice_is_the_ranking_cut_where_the_mass_reaches_p():
    from core.sampling import nucleus_choice

    logits = torch.randn(30, generator=torch.Generator().manual_seed(2))
    probs = torch.softmax(logits, -1).tolist()
    order = sorted(range(30), key=lambda i: (-probs[i], i))
    for p in (0.05, 0.3, 0.5, 0.8, 0.95):
        before, n = 0.0, 0
        while before < p:  # the smallest set of most probable characters holding at least p
            before += probs[order[n]]
            n += 1
        ranked, kept, mass = nucleus_choice(logits, p)
        assert ranked == order[:5] and kept == order[: min(n, 5)]
        assert mass == pytest.approx(sum(probs[i] for i in kept), rel=1e-5)


def test_draw_gap_is_the_largest_difference_of_shares():
    from core.sampling import draw_gap, sample_counts

    probs = distribution(LOGITS, 1.0)
    counts = sample_counts(probs, 1000, torch.Generator().manual_seed(0)).numpy()
    reference = max(abs(c / 1000 - float(p)) for c, p in zip(counts, probs))
    assert draw_gap(counts, probs.numpy()) == pytest.approx(reference, rel=1e-6)
    assert draw_gap([1, 3], [0.25, 0.75]) == 0.0


def test_nearest_index():
    from core.sampling import nearest_index

    values = tuple(round(v * 0.05, 2) for v in range(61))
    for value in (0.0, 0.02, 0.03, 1.0, 1.26, 2.99, 3.0, 7.0, -1.0):
        assert nearest_index(values, value) == min(range(len(values)), key=lambda i: (abs(values[i] - value), i))


# --- A capped vocabulary's unknown id (the Tang poems' □) is never drawn ----------------------------------
def test_mask_unknown_puts_only_that_id_at_minus_infinity():
    from core.sampling import mask_unknown

    masked = mask_unknown(LOGITS, 2)
    assert masked[2] == float("-inf") and torch.equal(masked[[0, 1, 3, 4]], LOGITS[[0, 1, 3, 4]])
    assert torch.equal(LOGITS, torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0])), "the logits given are not changed"
    assert mask_unknown(LOGITS, None) is LOGITS
    probs = distribution(mask_unknown(LOGITS, 0), 2.0, 3, 0.9)  # with temperature, top-k and top-p
    assert probs[0] == 0 and torch.isclose(probs.sum(), torch.tensor(1.0))
    expected = torch.zeros(5)
    expected[1:] = torch.softmax(LOGITS[1:], -1)  # its share goes to the others in proportion
    torch.testing.assert_close(distribution(mask_unknown(LOGITS, 0), 1.0), expected)


TANG = Path(__file__).resolve().parents[1] / "models" / "tiny_gpt_tang"
needs_tang = pytest.mark.skipif(not (TANG / "model.json").exists(), reason=f"the Tang poems' GPT is not at {TANG}")


@needs_tang
def test_the_tang_model_never_writes_its_unknown_id():
    """Unbanned, the Tang model writes □ now and then (hot, after a title's first character); banned,
    generate never draws it with the same seed, and continue_text never writes it."""
    from core.gpt_train import load
    from core.sampling import Settings, continue_text

    model, vocab, _ = load(TANG)
    unknown = vocab.unknown_id
    assert vocab.chars[unknown] == "□"
    start = torch.tensor([vocab.encode("《题")] * 4)  # (4, 2): four texts at once
    free = generate(model, start, 150, 2.0, generator=torch.Generator().manual_seed(0))
    assert (free == unknown).any(), "the check would prove nothing: □ never came up unbanned"
    banned = generate(model, start, 150, 2.0, generator=torch.Generator().manual_seed(0), banned=unknown)
    assert not (banned == unknown).any()
    for settings in (Settings(3.0), Settings(2.0, 500, None), Settings(1.5, None, 0.99)):
        text = continue_text(model, vocab, vocab.encode("《题"), settings, 200, seed=1)
        assert len(text) == 200 and "□" not in text
