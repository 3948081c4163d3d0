"""Supervised fine-tuning: continue training a pretrained GPT on a small specialised text, and measure
the behaviour it was tuned for with a number, before and after.

The Tang model learned from every kind of Tang poem. Tuned on the 五言绝句 (five-character quatrains)
of a text only, it should write more of them: `form_share` counts the share of seeded samples that
keep the form. What it forgets shows in its loss on the original text (core.gpt_train.full_loss on
the held-out poems). Fine-tuning is the same loop as training (core.gpt_train.train), started from
the trained weights instead of random ones, with a smaller learning rate and far fewer steps; with
`lora`, only a low-rank correction is learned (core.lora).
"""

import copy
import re
import time
from dataclasses import replace

import torch

from core.gpt import GPT
from core.gpt_train import CharVocab, TrainHistory, TrainSettings, estimate_loss, get_batch, learning_rate
from core.lora import LoRASettings, add_lora, has_lora, merge_lora
from core.progress import OnProgress, report
from core.sampling import generate

# The Tang model at one busy CPU thread: 60 steps in ~11 s (LoRA ~8 s), well inside a 30 s live run.
SFT = TrainSettings(
    max_iters=60, batch_size=16, learning_rate=3e-4, min_lr=3e-5, warmup_iters=5, weight_decay=0.0, eval_interval=5
)
# LoRA learns a correction that starts at zero from few parameters: a larger step size, as is usual.
LORA_SFT = replace(SFT, learning_rate=3e-3, min_lr=3e-4)

# A five-character verse: five CJK ideographs (the unified block and extension A).
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff]"
_WUJUE_ROW = re.compile(rf"{_HAN}{{5}}，{_HAN}{{5}}。")


def split_poems(text: str) -> list[str]:
    """The poems of a text in the corpus's format, cut at blank lines, each without surrounding blanks."""
    return [poem.strip() for poem in re.split(r"\n\s*\n", text) if poem.strip()]


def is_wujue(poem: str) -> bool:
    """Whether a poem has the form of a 五言绝句: four verses of five characters, punctuated "，。，。".

    The exact rule, in the corpus's layout (one couplet a row): an optional title row starting with
    "《" is dropped; what remains must be exactly two rows, each five CJK characters, "，", five CJK
    characters, "。". Any other punctuation (？！：), a sixth character, a third row or a missing one
    fails. Tone patterns (平仄) and rhyme are not checked: this is the form a reader sees at a glance.
    """
    rows = poem.strip().split("\n")
    if rows and rows[0].startswith("《"):
        rows = rows[1:]
    return len(rows) == 2 and all(_WUJUE_ROW.fullmatch(row.strip()) for row in rows)


def wujue_corpus(text: str) -> str:
    """Only the 五言绝句 of a text, each with its title, a blank line after each: a training text."""
    return "".join(poem + "\n\n" for poem in split_poems(text) if is_wujue(poem))


def form_share(samples: list[str]) -> float:
    """Share of the samples that are 五言绝句 (is_wujue)."""
    return sum(map(is_wujue, samples)) / len(samples) if samples else 0.0


def moon_share(samples: list[str]) -> float:
    """Share of the samples that mention the moon: 月 anywhere in the poem, its title included."""
    return sum("月" in s for s in samples) / len(samples) if samples else 0.0


@torch.no_grad()
def sample_poems(
    model: GPT,
    vocab: CharVocab,
    n: int,
    seed: int,
    length: int = 80,
    prompt: str = "《",
    temperature: float = 1.0,
    on_token=None,
) -> list[str]:
    """n poems sampled at once (a batch of n rows through the KV cache), each starting with prompt
    and cut before its first blank line; the unknown id is never drawn. The same seed, the same poems.

    80 characters hold a quatrain with its title (about 40) with room to spare; a longer poem comes
    back cut off, which no form test mistakes for a quatrain (it has more than two rows)."""
    if has_lora(model):
        model = merge_lora(model)  # the KV cache reads plain weights; merged, it computes the same
    device = next(model.parameters()).device
    start = torch.tensor([vocab.encode(prompt)] * n, device=device)  # (n, len(prompt))
    generator = torch.Generator(device=device).manual_seed(seed)
    out = generate(model, start, length, temperature, generator=generator, on_token=on_token, banned=vocab.unknown_id)
    return [vocab.decode(row).split("\n\n")[0] for row in out.tolist()]  # (n, len(prompt) + length) -> n texts


def finetune(
    model: GPT,
    data: torch.Tensor,
    settings: TrainSettings = SFT,
    on_progress: OnProgress = None,
    lora: LoRASettings | None = None,
    val_data: torch.Tensor | None = None,
    on_record=None,
) -> tuple[GPT, TrainHistory]:
    """Continue training a copy of model on random windows of data (ids); returns (tuned copy, history).

        Full fine-tuning updates every weight; with `lora`, the copy gets LoRA adapters (core.lora) and only
        they learn. Only parameters with requires_grad are updated either way. Every eval_interval steps the
        history records the mean training loss of those steps and, if val_data is given (the original text),
        an estimate of the loss on it: forgetting as it happens. `on_progress` hears of every step, and
    `on_record(step, tuned)` may look at the model as it is then (sample from it; not change it). The
        model passed in is never modified. Dropout stays off: it draws from torch's global generator, which
        a server shared by many learners cannot seed, and without it the same settings give the same run.
    """
    block_size = model.config.block_size
    if len(data) <= block_size:
        raise ValueError(f"the fine-tuning text needs more than {block_size} characters")
    device = next(model.parameters()).device
    if lora is None:
        tuned = copy.deepcopy(model)
    else:
        tuned = add_lora(model, lora.rank, lora.alpha, torch.Generator().manual_seed(lora.seed))
    trainable = [p for p in tuned.parameters() if p.requires_grad]
    decay = [p for p in trainable if p.dim() >= 2]  # matrices decay, biases and norms do not (as in train)
    no_decay = [p for p in trainable if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": settings.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=settings.learning_rate,
        betas=(0.9, settings.beta2),
    )
    generator = torch.Generator().manual_seed(settings.seed)
    history, losses, start = TrainHistory(), [], time.perf_counter()
    tuned.eval()  # dropout off (see above); gradients flow all the same
    for step in range(settings.max_iters):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, settings)
        x, y = get_batch(data, block_size, settings.batch_size, generator)  # (B, T), (B, T)
        _, loss = tuned(x.to(device), y.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, settings.grad_clip)
        optimizer.step()
        losses.append(loss.item())
        if (step + 1) % settings.eval_interval == 0 or step + 1 == settings.max_iters:
            history.steps.append(step + 1)
            history.train_loss.append(sum(losses) / len(losses))
            losses = []
            if val_data is not None:
                history.val_loss.append(
                    estimate_loss(tuned, val_data, settings.batch_size, settings.eval_iters, 2, device)
                )
            if on_record is not None:
                looked = time.perf_counter()
                on_record(step + 1, tuned)
                start += time.perf_counter() - looked  # looking is not training: its time is left out
            history.seconds = time.perf_counter() - start
        report(on_progress, step + 1, settings.max_iters, losses[-1] if losses else history.train_loss[-1], history)
    return tuned, history
