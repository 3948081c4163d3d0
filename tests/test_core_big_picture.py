"""The big-picture lesson's computations are core.compress's and core.fitting's own numbers: every state of the
compression chart against a direct call, the measures of a compressed model, the rule and the line,
and the exercises' answers."""

import numpy as np
import pytest
import torch

from core import big_picture as bp
from core import compress, fitting
from core.gpt import GPT, GPTConfig
from core.gpt_train import CharVocab, estimate_loss
from core.sampling import generate

VOCAB = CharVocab("\nEMORabcdehilnorst :")  # SAMPLE_PROMPT's characters and a few more


def small_model(n_embd: int = 16) -> GPT:
    config = GPTConfig(vocab_size=len(VOCAB), block_size=16, n_layer=1, n_head=2, n_embd=n_embd)
    return GPT(config, torch.Generator().manual_seed(0)).eval()


def test_rule_and_line():
    assert bp.rule([10.0, 17.0, 18.0], 17.0).tolist() == [bp.CHEAP_CUPS, bp.CHEAP_CUPS, bp.DEAR_CUPS]
    assert bp.rule_error([10.0], [800.0], 17.0) == pytest.approx(50**2 / 2)
    k, b = bp.learned_line(fitting.TEA_PRICES, fitting.TEA_SALES)
    slope, intercept = np.polyfit(fitting.TEA_PRICES, fitting.TEA_SALES, 1)  # the reference least squares
    assert (k, b) == (pytest.approx(slope), pytest.approx(intercept))


@pytest.mark.parametrize("per_channel", [False, True])
def test_every_chart_state_is_a_direct_compression(per_channel):
    """Each (bits, sparsity) state: the histogram of compress_tensor's result and the size of
    compressed_model's copy, computed here one by one."""
    model = small_model(32)  # the MLP matrix is 128 × 32
    matrix = "blocks.0.mlp.fc.weight"
    states = bp.compression_states(model, per_channel, matrix, bins=31)
    w = dict(model.named_parameters())[matrix].detach()
    assert states.shape == (128, 32) and states.bits == bp.STATE_BITS and states.sparsities == bp.STATE_SPARSITIES
    assert states.edges[-1] == pytest.approx(1.02 * float(w.abs().max())) and len(states.edges) == 32
    np.testing.assert_array_equal(states.original, np.histogram(w.numpy(), states.edges)[0])
    assert states.original_size == compress.model_size_bytes(model)
    for i, bits in enumerate(states.bits):
        for j, sparsity in enumerate(states.sparsities):
            settings = compress.Settings(bits, per_channel, sparsity)
            expected = np.histogram(compress.compress_tensor(w, settings).numpy(), states.edges)[0]
            np.testing.assert_array_equal(states.counts[i, j], expected, err_msg=str(settings))
            small, _ = compress.compressed_model(model, settings)
            assert states.sizes[i, j] == compress.model_size_bytes(small, settings), settings
            assert states.counts[i, j].sum() == w.numel()


def test_the_chart_states_fit_the_budget():
    """Per figure: well under 2 MB of states (the shipped model's matrix is 768 × 192, the same bins)."""
    states = bp.compression_states(small_model(), False, "blocks.0.mlp.fc.weight")
    numbers = states.counts.size + states.sizes.size
    assert numbers == len(bp.STATE_BITS) * len(bp.STATE_SPARSITIES) * (bp.HISTOGRAM_BINS + 1)
    assert numbers * 8 < 50_000


@pytest.mark.parametrize("with_corpus", [True, False])
def test_measures_are_the_compress_functions(with_corpus):
    model = small_model()
    settings = compress.Settings(4, False, 0.5)
    val = torch.randint(len(VOCAB), (400,), generator=torch.Generator().manual_seed(1)) if with_corpus else None
    references = bp.reference_texts(model)
    assert references.shape == (bp.N_REFERENCE_TEXTS, model.config.block_size)
    result = bp.measure_compressed(model, VOCAB, settings, references, val)
    small, pruned = compress.compressed_model(model, settings)
    assert result.settings == settings and result.pruned == pruned
    assert result.size == compress.model_size_bytes(small, settings)
    assert (result.kl, result.top1) == compress.agreement(model, small, references)
    if with_corpus:
        expected = estimate_loss(small, val, bp.EVAL_BATCH_SIZE, bp.EVAL_BATCHES, bp.EVAL_SEED, torch.device("cpu"))
        assert result.val_loss == expected
    else:
        assert result.val_loss is None
    start = torch.tensor([VOCAB.encode(bp.SAMPLE_PROMPT)])
    out = generate(small, start, bp.SAMPLE_LENGTH, bp.SAMPLE_TEMPERATURE, generator=torch.Generator().manual_seed(0))
    assert result.sample == VOCAB.decode(out[0].tolist())
    assert result.compress_ms >= 0 and result.eval_ms >= 0
    assert bp.measure_compressed(model, VOCAB, settings, references, val, with_sample=False).sample is None
    original = bp.measure_original(model, VOCAB, val)
    assert original.size == compress.model_size_bytes(model) and original.sample.startswith(bp.SAMPLE_PROMPT)
    assert bp.measure_original(model, VOCAB, val, with_sample=False).sample is None
    assert bp.loss_chars(model) == bp.EVAL_BATCHES * bp.EVAL_BATCH_SIZE * 16


def test_the_exercises_answers():
    assert [bp.loss_band(c) for c in (-0.001, 0.0, 0.0099, 0.01, 0.1, 0.1001, 2.0)] == [
        "small",
        "small",
        "small",
        "medium",
        "medium",
        "large",
        "large",
    ]
    assert [bp.size_change(100, a) for a in (99, 100, 101)] == ["smaller", "same", "bigger"]
    assert bp.lower_loss(2.417, 2.347) == "teacher" and bp.lower_loss(2.3, 2.4) == "text"
    assert bp.lower_loss(2.400, 2.404) == "same"


def test_the_sample_starts_with_a_prompt_the_vocabulary_reads_and_never_writes_the_unknown_id():
    assert bp.sample_prompt(VOCAB) == bp.SAMPLE_PROMPT == bp.SAMPLE_PROMPTS["shakespeare"]
    tang = bp.SAMPLE_PROMPTS["tang"]
    capped = CharVocab("".join(sorted(set(tang))) + "一二三□", unknown="□")  # no Latin letter: ROMEO unreadable
    assert bp.sample_prompt(capped) == tang
    config = GPTConfig(vocab_size=len(capped), block_size=16, n_layer=1, n_head=2, n_embd=16)
    model = GPT(config, torch.Generator().manual_seed(0)).eval()
    start = torch.tensor([capped.encode(tang)])
    free = generate(model, start, bp.SAMPLE_LENGTH, bp.SAMPLE_TEMPERATURE, generator=torch.Generator().manual_seed(0))
    assert "□" in capped.decode(free[0].tolist()), "left alone, this random model writes □"
    text = bp.sample(model, capped)
    assert text.startswith(tang) and "□" not in text and len(text) == len(tang) + bp.SAMPLE_LENGTH
    assert bp.sample(model, capped, "一二").startswith("一二")
