"""Preference tuning with DPO (direct preference optimisation, Rafailov et al., 2023).

The data are pairs: a prompt and two completions, one preferred ("chosen") and one not ("rejected").
DPO raises the probability of the chosen completion relative to a frozen reference (the base model)
more than that of the rejected one. With log π(y | x) the summed log-probability of a completion,

    loss = −log σ(β [(log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r))]),

averaged over pairs. β is the strength of the tie to the reference: the loss stops pulling once the
margin is a few times 1/β, so a small β lets the policy drift further from the base model, which
`kl_from_base` measures. The preference here is a toy that can be counted: poems that mention the
moon (月) are preferred; the pairs come from the base model's own samples.
"""

import copy
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from core.finetune import sample_poems
from core.gpt import GPT
from core.gpt_train import CharVocab
from core.lora import LoRASettings, add_lora
from core.progress import OnProgress, report


@dataclass(frozen=True)
class DPOSettings:
    beta: float = 0.1
    steps: int = 40
    batch_size: int = 16  # pairs per step
    learning_rate: float = 1e-4
    seed: int = 0


@dataclass
class DPOHistory:
    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    margin: list[float] = field(default_factory=list)  # mean reward margin of the step's pairs
    accuracy: list[float] = field(default_factory=list)  # share of them with the chosen completion ahead
    seconds: float = 0.0


def sequence_logps(model: GPT, prompts_and_completions: list[tuple[list[int], list[int]]]) -> torch.Tensor:
    """Sum of log π(token | everything before it) over each completion's tokens, given its prompt: (N,).

    Prompt and completion together may hold at most block_size + 1 ids (the last is only predicted).
    Rows are padded at the end, which a causal model never reads back; gradients flow when enabled."""
    device = next(model.parameters()).device
    rows = [list(p) + list(c) for p, c in prompts_and_completions]
    L = max(map(len, rows))
    if L - 1 > model.config.block_size:
        raise ValueError(f"a prompt and completion of {L} ids exceed the context of {model.config.block_size} + 1")
    ids = torch.zeros(len(rows), L, dtype=torch.long)  # (N, L), padding id 0 is masked out below
    mask = torch.zeros(len(rows), L - 1)  # (N, L - 1): 1 where the target is a completion token
    for i, ((prompt, _), row) in enumerate(zip(prompts_and_completions, rows)):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, len(prompt) - 1 : len(row) - 1] = 1.0  # target j + 1 is predicted at position j
    ids, mask = ids.to(device), mask.to(device)
    logits, _ = model(ids[:, :-1])  # (N, L - 1, vocab)
    logp = F.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:, None]).squeeze(-1)  # (N, L - 1)
    return (logp * mask).sum(dim=1)


def dpo_loss(
    policy_chosen: torch.Tensor,
    policy_rejected: torch.Tensor,
    ref_chosen: torch.Tensor,
    ref_rejected: torch.Tensor,
    beta: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """DPO's loss, averaged over pairs, and each pair's reward margin β[(πc − rc) − (πr − rr)] (detached).

    Inputs are summed log-probabilities (N,). −log σ(z) is computed as softplus(−z): exact for any z."""
    margins = beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))  # (N,)
    return F.softplus(-margins).mean(), margins.detach()


def preference_pairs(
    model: GPT, vocab: CharVocab, n: int, seed: int, prompt: str = "《", on_token=None
) -> list[tuple[list[int], list[int], list[int]]]:
    """(prompt, chosen, rejected) id lists from n of the model's own samples: chosen ones mention 月,
    rejected ones do not, paired in the order drawn (as many pairs as the smaller group has).

    Samples are as long as fits the context with the prompt, so sequence_logps reads them whole."""
    prompt_ids = vocab.encode(prompt)
    length = model.config.block_size + 1 - len(prompt_ids)
    poems = sample_poems(model, vocab, n, seed, length=length, prompt=prompt, on_token=on_token)
    completions = [(vocab.encode(p)[len(prompt_ids) :], "月" in p) for p in poems]
    chosen = [c for c, moon in completions if moon]
    rejected = [c for c, moon in completions if not moon]
    return [(prompt_ids, c, r) for c, r in zip(chosen, rejected)]


def dpo_train(
    model: GPT,
    pairs: list[tuple[list[int], list[int], list[int]]],
    settings: DPOSettings = DPOSettings(),
    on_progress: OnProgress = None,
    lora: LoRASettings | None = None,
) -> tuple[GPT, DPOHistory]:
    """Tune a copy of model (the policy; with `lora`, only LoRA adapters) on the pairs with DPO; model
    itself is the frozen reference and is never modified. Returns (policy, history).

    Dropout is off throughout, so at step 0 the policy equals the reference exactly (loss ln 2); the
    reference's log-probabilities never change, so they are computed once."""
    if not pairs:
        raise ValueError("no preference pairs")
    if lora is None:
        policy = copy.deepcopy(model)
    else:
        policy = add_lora(model, lora.rank, lora.alpha, torch.Generator().manual_seed(lora.seed))
    policy.eval()  # no dropout: differences from the reference come from training only
    chosen = [(p, c) for p, c, _ in pairs]
    rejected = [(p, r) for p, _, r in pairs]
    reference = _without_dropout(model)
    with torch.no_grad():
        ref_chosen, ref_rejected = sequence_logps(reference, chosen), sequence_logps(reference, rejected)  # (N,)
    trainable = [p for p in policy.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate, weight_decay=0.0)
    generator = torch.Generator().manual_seed(settings.seed)
    history, start = DPOHistory(), time.perf_counter()
    for step in range(settings.steps):
        batch = torch.randperm(len(pairs), generator=generator)[: settings.batch_size].tolist()
        loss, margins = dpo_loss(
            sequence_logps(policy, [chosen[i] for i in batch]),
            sequence_logps(policy, [rejected[i] for i in batch]),
            ref_chosen[batch],
            ref_rejected[batch],
            settings.beta,
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        history.steps.append(step + 1)
        history.loss.append(loss.item())
        history.margin.append(margins.mean().item())
        history.accuracy.append((margins > 0).float().mean().item())
        history.seconds = time.perf_counter() - start
        report(on_progress, step + 1, settings.steps, history.loss[-1], history)
    return policy, history


@torch.no_grad()
def kl_from_base(policy: GPT, ref: GPT, ids: torch.Tensor) -> float:
    """Mean per-character KL(policy ‖ ref) in nats of the next-character distributions at every position
    of ids (B, T ≤ block_size): how far the tuned model has drifted from the base model on that text."""
    policy, ref = _without_dropout(policy), _without_dropout(ref)
    device = next(policy.parameters()).device
    logp = F.log_softmax(policy(ids.to(device))[0], dim=-1)  # (B, T, vocab)
    logq = F.log_softmax(ref(ids.to(device))[0], dim=-1)
    return (logp.exp() * (logp - logq)).sum(dim=-1).mean().item()


def _without_dropout(model: GPT) -> GPT:
    """The model itself in eval mode (as loaded), else an eval-mode copy: a shared model's mode never flips."""
    return copy.deepcopy(model).eval() if model.training else model
