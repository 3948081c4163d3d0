"""Distillation: a small student GPT learns from a big teacher's predictions instead of the raw text.

On the raw text, each position has one right answer (the character that came next), and the
loss is the cross-entropy against it. From a teacher, each position has a whole distribution
over the 65 characters ("after 'th', 'e' 60 %, 'a' 15 %, 'i' 8 %…"): the loss is the KL divergence
from the teacher's distribution to the student's. Both students here start from the same weights
and see the same windows of text in the same order; only what they learn from differs.
"""

import copy

import torch
import torch.nn.functional as F

from core.gpt import GPT, GPTConfig
from core.gpt_train import PRESETS, TrainHistory, TrainSettings, train
from core.progress import OnProgress

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
    on_progress: OnProgress = None,
) -> tuple[GPT, TrainHistory]:
    """Train a fresh student: on the raw text when teacher is None, else on the teacher's
    distributions. The validation loss reported is always the cross-entropy on the real text.
    `on_progress` hears of every evaluation (core.progress). The teacher is never modified."""
    device = device or torch.device("cpu")
    if teacher is not None:
        if config.block_size > teacher.config.block_size:
            raise ValueError("the student's context must fit in the teacher's")
        if next(teacher.parameters()).device != device:
            teacher = copy.deepcopy(teacher).to(device)  # a shared model is only ever read

    def from_teacher(student: GPT, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            teacher_logits, _ = teacher(x)  # (B, T, vocab)
        student_logits, _ = student(x)  # (B, T, vocab)
        return distillation_loss(student_logits, teacher_logits, temperature)

    loss_fn = None if teacher is None else from_teacher
    return train(config, train_data, val_data, settings, device, on_progress, loss_fn)
