"""Lesson 9's measures of a compressed model are core.compress's own numbers, on a small random GPT."""

import pytest
import torch

from core import big_picture as bp
from core import compress
from core.gpt import GPT, GPTConfig
from core.gpt_train import CharVocab, estimate_loss
from core.sampling import generate

VOCAB = CharVocab("\nEMORabcdehilnorst :")  # SAMPLE_PROMPT's characters and a few more


def small_model() -> GPT:
    config = GPTConfig(vocab_size=len(VOCAB), block_size=16, n_layer=1, n_head=2, n_embd=16)
    return GPT(config, torch.Generator().manual_seed(0)).eval()


def test_rule_and_line():
    assert bp.rule([10.0, 17.0, 18.0], 17.0).tolist() == [bp.CHEAP_CUPS, bp.CHEAP_CUPS, bp.DEAR_CUPS]
    assert bp.rule_error([10.0], [800.0], 17.0) == pytest.approx(50**2 / 2)


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
    assert bp.loss_chars(model) == bp.EVAL_BATCHES * bp.EVAL_BATCH_SIZE * 16
