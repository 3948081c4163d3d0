"""Distillation: a small student GPT learns from a big teacher's predictions instead of the raw text.

On the raw text, each position has one right answer (the character that came next), and the
loss is the cross-entropy against it. From a teacher, each position has a whole distribution
over the 65 characters ("after 'th', 'e' 60 %, 'a' 15 %, 'i' 8 %…"): the loss is the KL divergence
from the teacher's distribution to the student's. Both students here start from the same weights
and see the same windows of text in the same order; only what they learn from differs.
"""

import copy
import time

import torch
import torch.nn.functional as F

from core.gpt import GPT, GPTConfig
from core.gpt_train import PRESETS, TrainHistory, TrainSettings, estimate_loss, get_batch, learning_rate

# Lesson 9's student: lesson 8's small model (2 layers, 64 dimensions, context 64), trained briefly
# so both students finish in the learner's session. The teacher's forward pass on each batch is
# most of the distilled student's time.
STUDENT = PRESETS["lesson"][0]
STUDENT_SETTINGS = TrainSettings(**{**PRESETS["lesson"][1].__dict__, "max_iters": 200, "batch_size": 12})


def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float = 1.0):
    """KL(teacher || student) of the next-character distributions at `temperature`, averaged over
    positions, times T² (Hinton et al.'s scaling, so gradients keep their size as T changes).
    Logits (..., vocab)."""
    t_logp = F.log_softmax(teacher_logits / temperature, dim=-1)
    s_logp = F.log_softmax(student_logits / temperature, dim=-1)
    kl = (t_logp.exp() * (t_logp - s_logp)).sum(dim=-1)  # (...,) one value per position
    return kl.mean() * temperature**2


def train_student(
    config: GPTConfig,
    train_data: torch.Tensor,
    val_data: torch.Tensor,
    settings: TrainSettings,
    teacher: GPT | None = None,
    temperature: float = 1.0,
    device: torch.device | None = None,
    on_progress=None,
) -> tuple[GPT, TrainHistory]:
    """Train a fresh student: on the raw text when teacher is None, else on the teacher's
    distributions. The validation loss reported is always the cross-entropy on the real text.
    `on_progress(step, history)` is called at every evaluation. The teacher is never modified."""
    device = device or torch.device("cpu")
    if teacher is not None:
        if config.block_size > teacher.config.block_size:
            raise ValueError("the student's context must fit in the teacher's")
        if next(teacher.parameters()).device != device:
            teacher = copy.deepcopy(teacher).to(device)  # a shared model is only ever read
    generator = torch.Generator().manual_seed(settings.seed)
    student = GPT(config, generator=generator).to(device)
    decay = [p for p in student.parameters() if p.dim() >= 2]
    no_decay = [p for p in student.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": settings.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=settings.learning_rate,
        betas=(0.9, settings.beta2),
    )
    history = TrainHistory()
    start = time.perf_counter()
    for step in range(settings.max_iters + 1):
        if step % settings.eval_interval == 0 or step == settings.max_iters:
            history.steps.append(step)
            history.train_loss.append(
                estimate_loss(student, train_data, settings.batch_size, settings.eval_iters, 1, device)
            )
            history.val_loss.append(
                estimate_loss(student, val_data, settings.batch_size, settings.eval_iters, 2, device)
            )
            history.seconds = time.perf_counter() - start
            if on_progress is not None:
                on_progress(step, history)
        if step == settings.max_iters:
            break
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, settings)
        x, y = get_batch(train_data, config.block_size, settings.batch_size, generator)  # (B, T) each
        x, y = x.to(device), y.to(device)
        student.train()
        if teacher is None:
            _, loss = student(x, y)
        else:
            with torch.no_grad():
                teacher_logits, _ = teacher(x)  # (B, T, vocab)
            student_logits, _ = student(x)  # (B, T, vocab)
            loss = distillation_loss(student_logits, teacher_logits, temperature)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), settings.grad_clip)
        optimizer.step()
    history.seconds = time.perf_counter() - start
    return student.eval(), history
