"""A tiny character-level GPT, written out in the manner of nanoGPT's model.py.

Token and position embeddings, then `n_layer` blocks of (layer norm -> causal multi-head
self-attention -> residual, layer norm -> MLP -> residual), a final layer norm and a linear head
that gives the logits of the next character. Attention can return its weights so a lesson can
plot them; training uses PyTorch's fused kernel, which computes the same thing faster.
"""

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int = 65  # distinct characters of the corpus (tiny Shakespeare has 65)
    block_size: int = 128  # context length: how many previous characters the model sees
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128  # width of every vector in the residual stream; n_embd % n_head == 0
    dropout: float = 0.0  # 0 for a small model on a small corpus trained briefly; more for long runs

    def to_dict(self) -> dict:
        return asdict(self)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.n_head = config.n_head
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)  # q, k, v for all heads in one matmul
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.dropout = config.dropout
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, return_weights: bool = False, kv: dict | None = None):
        """kv (generation only): a dict that receives this layer's keys and values, for a KVCache."""
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)  # each (B, T, C)
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        if kv is not None:
            kv["k"], kv["v"] = k, v
        weights = None
        if return_weights:
            # The explicit computation: scores, causal mask, softmax, weighted sum of values.
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(hs)  # (B, nh, T, T)
            mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            scores = scores.masked_fill(~mask, float("-inf"))
            weights = F.softmax(scores, dim=-1)  # (B, nh, T, T), each row sums to 1
            y = weights @ v  # (B, nh, T, hs)
        else:
            dropout = self.dropout if self.training else 0.0
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=True)  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again: (B, T, C)
        return self.resid_dropout(self.proj(y)), weights


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.proj = nn.Linear(4 * config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.proj(F.gelu(self.fc(x))))


class Block(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x, return_weights: bool = False, kv: dict | None = None):
        attended, weights = self.attn(self.ln_1(x), return_weights, kv)
        x = x + attended
        x = x + self.mlp(self.ln_2(x))
        return x, weights


class GPT(nn.Module):
    def __init__(self, config: GPTConfig, generator: torch.Generator | None = None):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)  # token embeddings
        self.wpe = nn.Embedding(config.block_size, config.n_embd)  # position embeddings
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # GPT-2's initialization, drawn from `generator` (the same seed gives the same model);
        # the projections that write into the residual stream start smaller, scaled by depth.
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif name.endswith("proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer), generator=generator)
            elif "ln_" not in name:
                nn.init.normal_(p, mean=0.0, std=0.02, generator=generator)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        return_weights: bool = False,
        kv: list[dict] | None = None,
    ):
        """idx (B, T) of character ids -> logits (B, T, vocab); loss if targets given.

        With return_weights, also a list with one (B, n_head, T, T) attention tensor per layer.
        kv is for generation with a KVCache: one dict per layer, filled with its keys and values.
        """
        B, T = idx.shape
        assert T <= self.config.block_size, f"{T} characters exceed the context"
        pos = torch.arange(T, device=idx.device)  # (T,)
        x = self.drop(self.wte(idx) + self.wpe(pos))  # (B, T, C)
        all_weights = []
        for i, block in enumerate(self.blocks):
            x, weights = block(x, return_weights, None if kv is None else kv[i])
            all_weights.append(weights)
        logits = self.lm_head(self.ln_f(x))  # (B, T, vocab)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        if return_weights:
            return logits, loss, all_weights
        return logits, loss

    @torch.no_grad()
    def next_logits(self, idx: torch.Tensor) -> torch.Tensor:
        """Logits of the character after the last one of each row: (B, vocab)."""
        logits, _ = self(idx[:, -self.config.block_size :])
        return logits[:, -1, :]


class KVCache:
    """The keys and values of the characters already read, so each new character costs one position.

    Positions are absolute, so when the window is full (block_size characters) the cache cannot just
    slide: the oldest half is dropped and the newest half read again. The model therefore sees between
    block_size / 2 and block_size previous characters, never more than it was trained on.

    A new character goes through the same blocks as GPT.forward, written out for one position in
    `_step`, because at one position the cost is in the calls, not the arithmetic: the weights are
    transposed once so that a row vector times them reads memory in order, and keys and values go
    into buffers of block_size positions instead of being concatenated. About twice as fast as calling
    the modules (bench/bench_generation.py); tests check it against a full forward pass.
    """

    def __init__(self, model: GPT):
        self.model = model
        self.window = None  # (B, T) the character ids whose keys and values are held
        self.keys: list[torch.Tensor] = []  # per layer (B, nh, block_size, hs), filled up to T
        self.values: list[torch.Tensor] = []
        with torch.no_grad():
            self.layers = [_RowMajorBlock(block) for block in model.blocks]
            self.wte, self.wpe = model.wte.weight, model.wpe.weight  # (vocab, C), (block_size, C)
            self.ln_f = _norm(model.ln_f)
            self.head = model.lm_head.weight.t().contiguous()  # (C, vocab)

    @torch.no_grad()
    def read(self, idx: torch.Tensor) -> torch.Tensor:
        """Start over from idx (B, T), keeping its last block_size characters: logits of the next one (B, vocab)."""
        config = self.model.config
        self.window = idx[:, -config.block_size :]
        B, T = self.window.shape
        kv = [{} for _ in self.model.blocks]
        logits, _ = self.model(self.window, kv=kv)
        shape = (B, config.n_head, config.block_size, config.n_embd // config.n_head)
        like = {"device": idx.device, "dtype": kv[0]["k"].dtype}  # on the model's device (a GPU too)
        self.keys = [torch.zeros(shape, **like) for _ in kv]
        self.values = [torch.zeros(shape, **like) for _ in kv]
        for layer, keys, values in zip(kv, self.keys, self.values):
            keys[:, :, :T], values[:, :, :T] = layer["k"], layer["v"]
        return logits[:, -1, :]

    @torch.no_grad()
    def append(self, nxt: torch.Tensor) -> torch.Tensor:
        """Add one character per row, nxt (B, 1): logits of the one after it (B, vocab)."""
        block_size = self.model.config.block_size
        if self.window.size(1) == block_size:
            return self.read(torch.cat([self.window, nxt], dim=1)[:, -(block_size // 2) :])
        t = self.window.size(1)  # the new character's position
        self.window = torch.cat([self.window, nxt], dim=1)
        return self._step(nxt[:, 0], t)

    def reorder(self, rows: torch.Tensor) -> None:
        """Keep rows[i] as row i (beam search: the surviving beams, one possibly forked into several)."""
        self.window = self.window[rows]  # (B', T)
        self.keys = [k[rows] for k in self.keys]  # each (B', nh, block_size, hs)
        self.values = [v[rows] for v in self.values]

    def _step(self, ids: torch.Tensor, t: int) -> torch.Tensor:
        """ids (B,) at position t, everything before it cached: logits of the next character (B, vocab)."""
        (B,) = ids.shape
        x = self.wte[ids] + self.wpe[t]  # (B, C)
        C = x.size(1)
        for layer, keys, values in zip(self.layers, self.keys, self.values):
            h = F.layer_norm(x, (C,), *layer.ln_1)
            q, k, v = _affine(h, layer.qkv).view(B, 3, keys.size(1), keys.size(3)).unbind(1)  # each (B, nh, hs)
            keys[:, :, t], values[:, :, t] = k, v
            seen = slice(0, t + 1)  # this character and all before it: no mask needed
            y = F.scaled_dot_product_attention(q[:, :, None], keys[:, :, seen], values[:, :, seen])  # (B, nh, 1, hs)
            x = x + _affine(y.view(B, C), layer.proj)
            h = F.layer_norm(x, (C,), *layer.ln_2)
            x = x + _affine(F.gelu(_affine(h, layer.fc)), layer.mlp_proj)
        return F.layer_norm(x, (C,), *self.ln_f) @ self.head  # (B, vocab)


class _RowMajorBlock:
    """One block's parameters as plain tensors: linear layers as (bias, weight transposed to (in, out))."""

    def __init__(self, block: Block):
        self.ln_1 = _norm(block.ln_1)
        self.qkv = _row_major(block.attn.qkv)
        self.proj = _row_major(block.attn.proj)
        self.ln_2 = _norm(block.ln_2)
        self.fc = _row_major(block.mlp.fc)
        self.mlp_proj = _row_major(block.mlp.proj)


def _norm(norm: nn.LayerNorm) -> tuple:
    return norm.weight, norm.bias, norm.eps


def _row_major(linear: nn.Linear) -> tuple[torch.Tensor, torch.Tensor]:
    return linear.bias, linear.weight.t().contiguous()  # (out,), (in, out)


def _affine(x: torch.Tensor, layer: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """nn.Linear's x W^T + b for x (B, in), with W^T stored row-major: (B, out)."""
    bias, weight_t = layer
    return torch.addmm(bias, x, weight_t)
