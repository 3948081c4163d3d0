"""Distillation: a small student GPT learns from a big teacher's predictions instead of the raw text.

On the raw text, each position has one right answer (the character that came next), and the
loss is the cross-entropy against it. From a teacher, each position has a whole distribution
over the vocabulary ("after 'th', 'e' 60 %, 'a' 15 %, 'i' 8 %…"): the loss is the KL divergence
from the teacher's distribution to the student's. Both students here start from the same weights
and see the same windows of text in the same order; only what they learn from differs.

The student on the raw text is lesson 8's small model (models/tiny_gpt_lesson, the same preset and
seed). The student taught by the shipped tiny GPT at temperature 1 ships too, made by

    python -m core.distill --out models/tiny_gpt_distilled

so that lesson 9 shows both on arrival; a learner trains their own at another temperature.
"""

import argparse
import copy
from pathlib import Path

import torch
import torch.nn.functional as F

from core.corpus import SHIPPED, corpus_path, read_corpus
from core.device import get_device
from core.gpt import GPT, GPTConfig
from core.gpt_train import PRESETS, TrainHistory, TrainSettings, full_loss, load, save, split_corpus, train
from core.progress import OnProgress

# Lesson 9's student: lesson 8's small model (2 layers, 64 dimensions, context 64) with lesson 8's
# settings, so the student on the raw text is exactly lesson 8's shipped run. The teacher's forward
# pass on each batch is most of the distilled student's time.
STUDENT, STUDENT_SETTINGS = PRESETS["lesson"]
DEFAULT_TEMPERATURE = 1.0  # the shipped student's; a learner may pick another


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


def history_of(info: dict) -> TrainHistory:
    """The training history a shipped model's JSON file records."""
    return TrainHistory(**info["history"])


def main() -> None:
    parser = argparse.ArgumentParser(description="Distil the course's tiny GPT into lesson 8's small model.")
    parser.add_argument("--out", type=Path, required=True, help="directory for model.safetensors and model.json")
    parser.add_argument("--teacher", type=Path, default=Path("models/tiny_gpt"))
    parser.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE)
    args = parser.parse_args()
    get_device()  # the course's thread setting (one PyTorch thread); the student trains on the CPU
    teacher, vocab, _ = load(args.teacher)
    data = corpus_path()
    train_data, val_data = split_corpus(read_corpus(data), vocab)
    config = GPTConfig(**{**STUDENT.to_dict(), "vocab_size": len(vocab)})
    model, history = train_student(config, train_data, val_data, STUDENT_SETTINGS, teacher, args.temperature)
    final_val = full_loss(model, val_data)
    print(f"validation loss over all {len(val_data):,} characters: {final_val:.4f} ({history.seconds:.1f} s)")
    command = f"python -m core.distill --out {args.out}"
    command += "" if args.teacher == Path("models/tiny_gpt") else f" --teacher {args.teacher}"
    command += "" if args.temperature == DEFAULT_TEMPERATURE else f" --temperature {args.temperature}"
    meta = {
        "val_loss": final_val,
        "history": history.__dict__,
        "settings": STUDENT_SETTINGS.__dict__,
        "temperature": args.temperature,
        "teacher": args.teacher.as_posix(),
        "corpus": "shipped" if data == SHIPPED else data.name,
        "command": command,
    }
    save(model, vocab, args.out, meta)


if __name__ == "__main__":
    main()
