"""Making the tiny GPT smaller: weight quantization and magnitude pruning, and what they cost.

Quantization here is symmetric and linear: a weight w becomes the signed integer
q = round(w / s), clipped to [-qmax, qmax] with qmax = 2^(bits-1) - 1, and is read back as q * s.
The scale s is the largest |w| divided by qmax, either one for the whole tensor (per-tensor) or one
for each output row (per-channel). Pruning sets the smallest-magnitude weights of each tensor to
zero. Both touch only the 2-D matrices (the embeddings and the weights of every linear layer);
biases and layer norms are few and stay float32.
"""

import copy
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from core.sampling import generate

FLOAT_BYTES = 4  # float32
SCALE_BYTES = 4  # each scale is stored as one float32


@dataclass(frozen=True)
class Quantized:
    """A quantized tensor: integers and the scale(s) that turn them back into weights."""

    q: torch.Tensor  # int8, same shape as the weights, values in [-qmax, qmax]
    scale: torch.Tensor  # float32: shape () per tensor, (rows, 1) per channel
    bits: int

    @property
    def qmax(self) -> int:
        return 2 ** (self.bits - 1) - 1


def quantize(w: torch.Tensor, bits: int, per_channel: bool) -> Quantized:
    """Symmetric linear quantization of w (rows, cols) to signed `bits`-bit integers."""
    if not 2 <= bits <= 8:
        raise ValueError(f"bits must be between 2 and 8, not {bits}")
    qmax = 2 ** (bits - 1) - 1  # 127 for 8 bits, 7 for 4 bits (-qmax..qmax: zero stays exactly zero)
    w = w.detach().float()
    if per_channel:
        absmax = w.abs().amax(dim=1, keepdim=True)  # (rows, 1): one scale per output row
    else:
        absmax = w.abs().max()  # (): one scale for the tensor
    scale = absmax / qmax
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))  # an all-zero row: any scale works
    q = torch.clamp(torch.round(w / scale), -qmax, qmax).to(torch.int8)
    return Quantized(q, scale, bits)


def dequantize(quantized: Quantized) -> torch.Tensor:
    """The weights the quantized tensor stands for: q * scale, in float32."""
    return quantized.q.float() * quantized.scale


def prune(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Zero the round(sparsity * numel) smallest-magnitude entries of w (per tensor); a new tensor.

    Exactly that many entries are zeroed, so the sparsity reached is within half an element of the
    request. Among equal magnitudes at the cut (the shipped weights, stored as float16, have many),
    the first in reading order go: the same entries a stable sort by magnitude puts first, which is
    what `sizes` counts on.
    """
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be between 0 and 1, not {sparsity}")
    n_zero = round(sparsity * w.numel())
    flat = w.detach().flatten().float().clone()
    if n_zero > 0:
        magnitude = flat.abs()
        cut = torch.kthvalue(magnitude, n_zero).values  # the n_zero-th smallest (faster than a sort)
        below = magnitude < cut
        at_cut = (magnitude == cut).nonzero().flatten()[: n_zero - int(below.sum())]
        flat[below] = 0.0
        flat[at_cut] = 0.0
    return flat.view_as(w)


def compressible(name: str, p: torch.Tensor) -> bool:
    """The tensors quantization and pruning touch: 2-D matrices (embeddings, linear weights)."""
    return p.dim() == 2


def compressible_share(model: torch.nn.Module) -> float:
    """Share of the model's parameters that quantization and pruning touch."""
    touched = sum(p.numel() for name, p in model.named_parameters() if compressible(name, p))
    return touched / sum(p.numel() for p in model.parameters())


@dataclass(frozen=True)
class Settings:
    """How to compress: bits None keeps float32; sparsity 0 prunes nothing."""

    bits: int | None = 8
    per_channel: bool = True
    sparsity: float = 0.0


def tensor_bytes(numel: int, n_nonzero: int, rows: int, settings: Settings) -> int:
    """Bytes to store one compressed 2-D tensor: values, scales, and for a pruned one a bitmap.

    Dense: every value at bits/8 bytes (4 for float32), plus one float32 scale per tensor or row.
    Sparse: only the non-zero values, plus a bitmap of 1 bit per entry saying where they go. The
    smaller of the two is counted, as a real format would choose.
    """
    value_bits = 32 if settings.bits is None else settings.bits
    scales = 0 if settings.bits is None else SCALE_BYTES * (rows if settings.per_channel else 1)
    dense = math.ceil(numel * value_bits / 8)
    sparse = math.ceil(n_nonzero * value_bits / 8) + math.ceil(numel / 8)
    return scales + (min(dense, sparse) if settings.sparsity > 0 else dense)


def model_size_bytes(model: torch.nn.Module, settings: Settings | None = None) -> int:
    """Storage the model's parameters need: float32 everywhere, or compressed as `settings` says."""
    total = 0
    for name, p in model.named_parameters():
        if settings is None or not compressible(name, p):
            total += FLOAT_BYTES * p.numel()
        else:
            total += tensor_bytes(p.numel(), int(torch.count_nonzero(p)), p.shape[0], settings)
    return total


def break_even_sparsity(bits: int | None) -> float:
    """The pruned share above which storing only the non-zero values and a 1-bit map is smaller than
    storing every value (tensor_bytes, rounding aside): n·(1-s)·b + n < n·b exactly when s > 1/b."""
    return 1 / (32 if bits is None else bits)


def compress_tensor(w: torch.Tensor, settings: Settings) -> torch.Tensor:
    """One 2-D tensor pruned, then quantized and read back (dequantized): a new float32 tensor."""
    w = prune(w, settings.sparsity) if settings.sparsity > 0 else w.detach().float().clone()
    if settings.bits is not None:
        w = dequantize(quantize(w, settings.bits, settings.per_channel))
    return w


@torch.no_grad()
def compressed_model(model: torch.nn.Module, settings: Settings) -> tuple[torch.nn.Module, float]:
    """A copy of the model whose 2-D weights are pruned, then quantized and read back (dequantized),
    and the share of those weights that pruning set to zero.

    The original is never modified. Pruning comes first; symmetric quantization maps zero to zero,
    so the pruned entries stay exactly zero (a few more small weights may round to zero as well).
    """
    small = copy.deepcopy(model)
    numel = pruned = 0
    for name, p in small.named_parameters():
        if not compressible(name, p):
            continue
        n_zero = round(settings.sparsity * p.numel()) if settings.sparsity > 0 else 0
        numel += p.numel()
        pruned += max(n_zero, p.numel() - int(torch.count_nonzero(p)))  # prune's smallest include any zeros
        p.copy_(compress_tensor(p, settings))
    return small.eval(), pruned / numel


@torch.no_grad()
def sizes(model: torch.nn.Module, grid: list[Settings]) -> list[int]:
    """model_size_bytes(compressed_model(model, s)[0], s) for every s of `grid`, without compressing
    the model once per setting: what a scrubbed chart needs for dozens of settings at once.

    A weight is non-zero after pruning and quantization when pruning keeps it (it is not among the
    round(s·n) smallest magnitudes of its tensor, where any zeros come first) and it does not round
    to zero. Pruning never changes a row's largest magnitude unless it zeroes the whole row, so the
    quantization step is the unpruned tensor's: sort each tensor's magnitudes once, and the count
    for every sparsity is one look-up in a running sum.
    """
    total = [0] * len(grid)
    for name, p in model.named_parameters():
        if not compressible(name, p):
            for i in range(len(grid)):
                total[i] += FLOAT_BYTES * p.numel()
            continue
        w = p.detach().float()
        order = torch.argsort(w.abs().flatten(), stable=True)  # smallest magnitude first
        kept_by_rank = {None: (w.flatten()[order] != 0).cumsum(0)}  # non-zeros among the k smallest
        for i, settings in enumerate(grid):
            key = None if settings.bits is None else (settings.bits, settings.per_channel)
            if key not in kept_by_rank:
                rounds_to_nonzero = quantize(w, *key).q.flatten()[order] != 0
                kept_by_rank[key] = rounds_to_nonzero.cumsum(0)
            kept = kept_by_rank[key]
            n_zero = round(settings.sparsity * w.numel()) if settings.sparsity > 0 else 0
            nonzero = int(kept[-1]) - (int(kept[n_zero - 1]) if n_zero > 0 else 0)
            total[i] += tensor_bytes(w.numel(), nonzero, w.shape[0], settings)
    return total


def sparsity_of(model: torch.nn.Module) -> float:
    """Share of exact zeros among the compressible weights."""
    numel = zeros = 0
    for name, p in model.named_parameters():
        if compressible(name, p):
            numel += p.numel()
            zeros += p.numel() - int(torch.count_nonzero(p))
    return zeros / numel


@torch.no_grad()
def agreement(reference: torch.nn.Module, other: torch.nn.Module, idx: torch.Tensor) -> tuple[float, float]:
    """How closely `other` predicts like `reference` on the texts idx (B, T), without any corpus.

    Returns the mean KL divergence KL(reference || other) of the next-character distributions, in
    nats per character, and the share of positions where both put the same character on top.
    """
    ref_logits, _ = reference(idx)  # (B, T, vocab)
    other_logits, _ = other(idx)  # (B, T, vocab)
    ref_logp = F.log_softmax(ref_logits, dim=-1)
    other_logp = F.log_softmax(other_logits, dim=-1)
    kl = (ref_logp.exp() * (ref_logp - other_logp)).sum(dim=-1)  # (B, T)
    same_top = ref_logits.argmax(dim=-1) == other_logits.argmax(dim=-1)  # (B, T)
    return float(kl.mean()), float(same_top.float().mean())


def reference_texts(model: torch.nn.Module, n: int = 4, seed: int = 0) -> torch.Tensor:
    """n texts of block_size characters that the model writes itself (temperature 1, seeded),
    each started from character 0: ids (n, block_size). The corpus-free yardstick of agreement."""
    start = torch.zeros(n, 1, dtype=torch.long)  # (n, 1)
    generator = torch.Generator().manual_seed(seed)
    return generate(model, start, model.config.block_size - 1, 1.0, generator=generator)
