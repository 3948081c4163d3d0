"""Quantization and pruning of the tiny GPT, checked against PyTorch's own quantizer and pruner,
on the shipped model's real weights, and by what they do to its predictions."""

import math
from pathlib import Path

import pytest
import torch
import torch.nn.utils.prune as torch_prune

from core import compress as c
from core.corpus import SHIPPED, read_corpus
from core.gpt import GPT, GPTConfig
from tests.conftest import ROOT

MODEL = ROOT / "models" / "tiny_gpt"
needs_model = pytest.mark.skipif(not (MODEL / "model.json").exists(), reason=f"no tiny GPT at {MODEL}")
GRID = [(bits, per_channel) for bits in (8, 4) for per_channel in (False, True)]


@pytest.fixture(scope="module")
def shipped():
    from core.gpt_train import load

    return load(Path(MODEL))


@pytest.fixture(scope="module")
def weights(shipped) -> dict[str, torch.Tensor]:
    """The shipped model's compressible tensors."""
    model = shipped[0]
    return {name: p.detach().clone() for name, p in model.named_parameters() if c.compressible(name, p)}


def small_model(seed: int = 0) -> GPT:
    config = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)
    return GPT(config, torch.Generator().manual_seed(seed))


# --- Quantization ----------------------------------------------------------------------------------
@needs_model
@pytest.mark.parametrize(("bits", "per_channel"), GRID)
def test_dequantized_weights_are_within_half_a_step(weights, bits, per_channel):
    assert {"wte.weight", "wpe.weight", "lm_head.weight"} <= set(weights)
    for name, w in weights.items():
        quantized = c.quantize(w, bits, per_channel)
        error = (c.dequantize(quantized) - w).abs()  # (rows, cols)
        step = quantized.scale.expand_as(w)
        assert torch.all(error <= step / 2 * (1 + 1e-5) + 1e-12), name
        assert quantized.q.dtype == torch.int8
        assert int(quantized.q.abs().max()) == 2 ** (bits - 1) - 1, "the largest weight uses the top level"
        if per_channel:
            assert quantized.scale.shape == (w.shape[0], 1)
            assert torch.all(quantized.q.abs().amax(dim=1) == quantized.qmax)  # every row uses its range
        else:
            assert quantized.scale.shape == ()


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch's quantized tensors are deprecated, still exact
@pytest.mark.parametrize("per_channel", [False, True])
def test_eight_bits_match_pytorchs_quantizer(per_channel):
    w = torch.randn(96, 40, generator=torch.Generator().manual_seed(1)) * torch.rand(96, 1) * 3
    ours = c.quantize(w, 8, per_channel)
    if per_channel:
        zeros = torch.zeros(w.shape[0], dtype=torch.long)
        reference = torch.quantize_per_channel(w, ours.scale.flatten().double(), zeros, 0, torch.qint8)
    else:
        reference = torch.quantize_per_tensor(w, float(ours.scale), 0, torch.qint8)
    assert torch.equal(reference.int_repr(), ours.q)
    torch.testing.assert_close(reference.dequantize(), c.dequantize(ours))


def test_quantization_edge_cases():
    w = torch.tensor([[0.0, 0.0, 0.0], [7.0, -3.5, 2.5]])  # row 1: scale exactly 1
    quantized = c.quantize(w, 4, per_channel=True)  # an all-zero row must not divide by zero
    assert torch.equal(quantized.q[0], torch.zeros(3, dtype=torch.int8))
    assert quantized.q[1].tolist() == [7, -4, 2]  # halves round to even, as torch.round does
    assert torch.equal(c.dequantize(c.quantize(w, 8, False))[0], torch.zeros(3))
    with pytest.raises(ValueError):
        c.quantize(w, 16, False)


@needs_model
@pytest.mark.parametrize("bits", [8, 4])
def test_per_channel_is_no_worse_than_per_tensor_on_real_weights(weights, bits):
    for name, w in weights.items():
        per_tensor = (c.dequantize(c.quantize(w, bits, False)) - w).pow(2).mean()
        per_channel = (c.dequantize(c.quantize(w, bits, True)) - w).pow(2).mean()
        assert per_channel <= per_tensor * (1 + 1e-6), name
    w = weights["blocks.0.mlp.fc.weight"]
    assert (c.dequantize(c.quantize(w, 4, False)) - w).abs().mean() > (
        c.dequantize(c.quantize(w, 8, False)) - w
    ).abs().mean() * 8, "4 bits: a step 127/7 ≈ 18 times wider"


# --- Pruning ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.37, 0.5, 0.9, 0.999, 1.0])
def test_pruning_reaches_the_requested_sparsity_like_pytorch(sparsity):
    linear = torch.nn.Linear(47, 31)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(31, 47, generator=torch.Generator().manual_seed(2)))
    pruned = c.prune(linear.weight, sparsity)
    zeros = int((pruned == 0).sum())
    assert abs(zeros - sparsity * linear.weight.numel()) <= 0.5  # exact up to rounding to an element
    torch_prune.l1_unstructured(linear, "weight", amount=sparsity)  # PyTorch's reference pruner
    assert torch.equal(pruned == 0, linear.weight_mask == 0)
    kept = pruned != 0
    assert torch.equal(pruned[kept], linear.weight_orig[kept])


@needs_model
@pytest.mark.parametrize("sparsity", [0.25, 0.5, 0.9])
def test_pruned_model_reaches_the_sparsity_in_every_tensor(shipped, sparsity):
    model = shipped[0]
    small, pruned_share = c.compressed_model(model, c.Settings(bits=None, sparsity=sparsity))
    for (name, p), (_, original) in zip(small.named_parameters(), model.named_parameters()):
        if c.compressible(name, p):
            zeros = p.numel() - int(torch.count_nonzero(p))
            assert abs(zeros - sparsity * p.numel()) <= 0.5, name  # "up to one element per tensor"
            threshold = original.abs()[p == 0].max()
            assert torch.all(original.abs()[p != 0] >= threshold), "the smallest magnitudes went"
        else:
            assert torch.equal(p, original), name
    n_tensors = sum(c.compressible(n, p) for n, p in model.named_parameters())
    numel = sum(p.numel() for n, p in model.named_parameters() if c.compressible(n, p))
    assert abs(pruned_share - sparsity) <= 0.5 * n_tensors / numel
    assert c.sparsity_of(small) == pytest.approx(pruned_share)


# --- The compressed model --------------------------------------------------------------------------
def test_compressed_model_is_a_copy_with_the_expected_weights():
    model = small_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    settings = c.Settings(bits=4, per_channel=True, sparsity=0.5)
    small, pruned_share = c.compressed_model(model, settings)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before), "the original model is unchanged"
    assert pruned_share == pytest.approx(0.5, abs=0.01)
    for (name, p), (_, original) in zip(small.named_parameters(), model.named_parameters()):
        if c.compressible(name, p):
            expected = c.dequantize(c.quantize(c.prune(original, 0.5), 4, True))
            assert torch.equal(p, expected), name
            assert torch.all(p[c.prune(original, 0.5) == 0] == 0), "pruned weights stay zero"
        else:
            assert torch.equal(p, original), name  # biases and layer norms stay float32


def test_size_arithmetic():
    model = small_model()
    params = dict(model.named_parameters())
    matrices = [p for n, p in params.items() if c.compressible(n, p)]
    rest = sum(p.numel() for n, p in params.items() if not c.compressible(n, p))
    numel, rows = sum(p.numel() for p in matrices), sum(p.shape[0] for p in matrices)
    assert c.model_size_bytes(model) == 4 * model.num_params()
    int8_tensor = c.model_size_bytes(model, c.Settings(8, per_channel=False))
    assert int8_tensor == numel + 4 * len(matrices) + 4 * rest
    assert c.model_size_bytes(model, c.Settings(8, per_channel=True)) == numel + 4 * rows + 4 * rest
    int4 = sum(math.ceil(p.numel() / 2) for p in matrices) + 4 * rows + 4 * rest
    assert c.model_size_bytes(model, c.Settings(4, per_channel=True)) == int4
    # Pruned to 75% zeros in float32: the non-zero values plus a 1-bit map beats the dense tensor.
    pruned, _ = c.compressed_model(model, c.Settings(bits=None, sparsity=0.75))
    expected = sum(
        4 * int(torch.count_nonzero(q)) + math.ceil(q.numel() / 8)
        for n, q in pruned.named_parameters()
        if c.compressible(n, q)
    )
    assert c.model_size_bytes(pruned, c.Settings(bits=None, sparsity=0.75)) == expected + 4 * rest
    # At 10% zeros and 4 bits, the bitmap would cost more than it saves: stored dense.
    light, _ = c.compressed_model(model, c.Settings(bits=4, per_channel=False, sparsity=0.1))
    dense4 = sum(math.ceil(p.numel() / 2) for p in matrices) + 4 * len(matrices) + 4 * rest
    assert c.model_size_bytes(light, c.Settings(bits=4, per_channel=False, sparsity=0.1)) == dense4


def test_agreement_against_a_reference_kl():
    model, other = small_model(0), small_model(1)
    idx = torch.randint(11, (3, 8), generator=torch.Generator().manual_seed(0))
    assert c.agreement(model, model, idx) == (pytest.approx(0.0, abs=1e-7), 1.0)
    kl, top1 = c.agreement(model, other, idx)
    with torch.no_grad():
        p_log = torch.log_softmax(model(idx)[0], -1).flatten(0, 1)
        q_log = torch.log_softmax(other(idx)[0], -1).flatten(0, 1)
        expected = torch.nn.functional.kl_div(q_log, p_log, log_target=True, reduction="batchmean")
        same = (model(idx)[0].argmax(-1) == other(idx)[0].argmax(-1)).float().mean()
    assert kl == pytest.approx(float(expected), rel=1e-5) and kl > 0
    assert top1 == pytest.approx(float(same))


def test_reference_texts_are_seeded_samples_of_the_model():
    model = small_model()
    a = c.reference_texts(model, n=3, seed=5)
    assert a.shape == (3, model.config.block_size) and torch.equal(a, c.reference_texts(model, n=3, seed=5))
    assert not torch.equal(a, c.reference_texts(model, n=3, seed=6))


# --- What it costs, on the real model and data -----------------------------------------------------
@needs_model
def test_eight_bits_keep_the_loss_and_four_bits_per_tensor_lose_more(shipped):
    from core.gpt_train import estimate_loss, split_corpus

    model, vocab, _ = shipped
    _, val = split_corpus(read_corpus(SHIPPED), vocab)
    loss = {}
    for settings in (None, c.Settings(8, True), c.Settings(8, False), c.Settings(4, False), c.Settings(4, True)):
        candidate = model if settings is None else c.compressed_model(model, settings)[0]
        loss[settings] = estimate_loss(candidate, val, 8, 4, 0, torch.device("cpu"))
    assert abs(loss[c.Settings(8, True)] - loss[None]) < 0.02
    assert abs(loss[c.Settings(8, False)] - loss[None]) < 0.03
    assert loss[c.Settings(4, False)] > loss[c.Settings(8, False)] + 0.02
    assert loss[c.Settings(4, True)] < loss[c.Settings(4, False)], "per-channel scales help at 4 bits"


@needs_model
def test_agreement_orders_the_settings(shipped):
    model = shipped[0]
    idx = c.reference_texts(model, n=4, seed=0)
    kl8, top8 = c.agreement(model, c.compressed_model(model, c.Settings(8, True))[0], idx)
    kl4, top4 = c.agreement(model, c.compressed_model(model, c.Settings(4, False))[0], idx)
    assert kl8 < 0.01 and top8 > 0.95
    assert kl4 > 5 * kl8 and top4 < top8


# --- One tensor, many settings at once (the chart's states) ----------------------------------------
def test_compress_tensor_is_prune_then_quantize():
    w = torch.randn(24, 10, generator=torch.Generator().manual_seed(3))
    for settings in (c.Settings(None, True, 0.0), c.Settings(8, False, 0.3), c.Settings(4, True, 0.6)):
        expected = c.prune(w, settings.sparsity)
        if settings.bits is not None:
            expected = c.dequantize(c.quantize(expected, settings.bits, settings.per_channel))
        assert torch.equal(c.compress_tensor(w, settings), expected)
    assert torch.equal(c.compress_tensor(w, c.Settings(None, True, 0.0)), w)
    assert c.compress_tensor(w, c.Settings(None, True, 0.0)) is not w, "a new tensor, never the original"


def test_pruning_breaks_ties_in_reading_order():
    """Among equal magnitudes at the cut, the first entries go, as a stable sort would put them."""
    w = torch.tensor([[0.5, -0.1, 0.1, 0.3], [0.1, -0.5, 0.2, -0.1]])
    pruned = c.prune(w, 3 / 8)  # three of the four entries of magnitude 0.1
    assert (pruned == 0).tolist() == [[False, True, True, False], [True, False, False, False]]
    assert torch.equal(pruned[pruned != 0], w[pruned != 0])
    order = torch.argsort(w.abs().flatten(), stable=True)
    assert torch.equal((pruned.flatten() == 0).nonzero().flatten().sort().values, order[:3].sort().values)


def tied_model() -> GPT:
    """A small model whose weights sit on a coarse grid: many exact ties in magnitude, as in the
    shipped model (stored as float16)."""
    model = small_model(4)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.round(p * 20) / 20)
    return model


@pytest.mark.parametrize("per_channel", [False, True])
def test_sizes_are_the_compressed_models_sizes(per_channel):
    model = tied_model()
    grid = [c.Settings(bits, per_channel, s / 10) for bits in (None, 8, 4, 2) for s in range(0, 11)]
    direct = [c.model_size_bytes(c.compressed_model(model, s)[0], s) for s in grid]
    assert c.sizes(model, grid) == direct


@needs_model
def test_sizes_on_the_shipped_model(shipped):
    model = shipped[0]
    grid = [c.Settings(bits, pc, s) for bits in (None, 8, 4) for pc in (False, True) for s in (0.0, 0.3, 0.9)]
    assert c.sizes(model, grid) == [c.model_size_bytes(c.compressed_model(model, s)[0], s) for s in grid]


@pytest.mark.parametrize("bits", [None, 8, 4])
def test_pruning_pays_for_its_map_above_the_break_even_share(bits):
    numel, even = 8000, c.break_even_sparsity(bits)
    dense = c.tensor_bytes(numel, numel, 10, c.Settings(bits, False, 0.0))
    for share in (even - 0.02, even + 0.02):
        nonzero = round((1 - share) * numel)
        pruned = c.tensor_bytes(numel, nonzero, 10, c.Settings(bits, False, share))
        assert (pruned < dense) == (share > even), share
    assert c.break_even_sparsity(4) == 0.25 and c.break_even_sparsity(8) == 0.125


def test_compressible_share():
    model = small_model()
    matrices = sum(p.numel() for n, p in model.named_parameters() if p.dim() == 2)
    assert c.compressible_share(model) == pytest.approx(matrices / model.num_params())
