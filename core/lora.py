"""LoRA: fine-tune a GPT by learning a small low-rank correction to its weights, the weights frozen.

A linear layer computes x Wᵀ + b with W (out × in). LoRA (Hu et al., 2021) keeps W and b frozen and
learns two thin matrices, A (r × in) and B (out × r), so that the layer computes

    x Wᵀ + b + (alpha / r) · x Aᵀ Bᵀ,   i.e. the weight W + (alpha / r) · B A,

a correction of rank at most r. B starts at zero, so training starts exactly at the base model; A
starts small and random, so B's gradient is not zero. Here LoRA wraps the four projections of every
block (attention's qkv and proj, the MLP's fc and proj); embeddings, layer norms and the head stay
frozen. After training, B A is added into W once (`merge_lora`): a plain GPT again, as fast as the base.
"""

import copy
from dataclasses import dataclass

import torch
import torch.nn as nn

from core.gpt import GPT


@dataclass(frozen=True)
class LoRASettings:
    rank: int = 4  # r: the rank of the correction B A
    alpha: float = 8.0  # the correction is scaled by alpha / r, so changing r keeps its size comparable
    seed: int = 0  # draws A's initial values


class LoRALinear(nn.Module):
    """base(x) + (alpha / r) · x Aᵀ Bᵀ, with the base layer's weight and bias frozen."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, generator: torch.Generator | None = None):
        super().__init__()
        if rank < 1:
            raise ValueError("the rank must be at least 1")
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.rank, self.alpha, self.scale = rank, alpha, alpha / rank
        W = base.weight  # (out, in)
        # A like a fresh linear layer's weight (std 1/sqrt(in)); B zero: the correction starts at exactly 0.
        A = torch.randn(rank, W.size(1), generator=generator) / W.size(1) ** 0.5  # (r, in)
        self.A = nn.Parameter(A.to(W.device))
        self.B = nn.Parameter(torch.zeros(W.size(0), rank, device=W.device))  # (out, r)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x (..., in) -> (..., r) -> (..., out): never forms the (out × in) product B A
        return self.base(x) + self.scale * (x @ self.A.t()) @ self.B.t()

    @torch.no_grad()
    def merged(self) -> nn.Linear:
        """A plain nn.Linear with weight W + (alpha / r) · B A and the same bias."""
        W = self.base.weight
        linear = nn.Linear(W.size(1), W.size(0), bias=self.base.bias is not None, device=W.device)
        linear.weight.copy_(W + self.scale * self.B @ self.A)  # (out, in)
        if self.base.bias is not None:
            linear.bias.copy_(self.base.bias)
        return linear


# The projections LoRA wraps in every block: (module path inside the block, attribute).
TARGETS = (("attn", "qkv"), ("attn", "proj"), ("mlp", "fc"), ("mlp", "proj"))


def add_lora(model: GPT, rank: int = 4, alpha: float = 8.0, generator: torch.Generator | None = None) -> GPT:
    """A copy of model with every parameter frozen and LoRA on each block's four projections.

    The model passed in is never touched (the copy is deep): pages share one loaded model."""
    adapted = copy.deepcopy(model)
    for p in adapted.parameters():
        p.requires_grad_(False)
    for block in adapted.blocks:
        for part, name in TARGETS:
            module = getattr(block, part)
            setattr(module, name, LoRALinear(getattr(module, name), rank, alpha, generator))
    return adapted


def has_lora(model: nn.Module) -> bool:
    return any(isinstance(m, LoRALinear) for m in model.modules())


def merge_lora(model: GPT) -> GPT:
    """A plain GPT computing what the LoRA model computes: each LoRALinear replaced by its merged
    nn.Linear. A copy; every parameter trainable again, as in a freshly loaded model."""
    merged = copy.deepcopy(model)
    for block in merged.blocks:
        for part, name in TARGETS:
            module = getattr(block, part)
            layer = getattr(module, name)
            if isinstance(layer, LoRALinear):
                setattr(module, name, layer.merged())
    for p in merged.parameters():
        p.requires_grad_(True)
    return merged.eval()


def trainable_share(model: nn.Module) -> float:
    """Trainable parameters / all parameters (frozen ones and the adapters' included), as PEFT reports it."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable / sum(p.numel() for p in model.parameters())
