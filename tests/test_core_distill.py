"""Distillation: the loss against torch's own KL divergence and its closed-form gradient; the
text-trained student is exactly core.gpt_train's training; a student learns its teacher."""

import json

import pytest
import torch
import torch.nn.functional as F

from core.corpus import SHIPPED, read_corpus
from core.distill import distillation_loss, train_student
from core.gpt import GPT, GPTConfig
from core.gpt_train import TrainSettings, train
from tests.conftest import ROOT

MODEL = ROOT / "models" / "tiny_gpt"
TINY = GPTConfig(vocab_size=7, block_size=8, n_layer=1, n_head=2, n_embd=16)
QUICK = TrainSettings(max_iters=30, batch_size=4, learning_rate=1e-2, warmup_iters=5, eval_interval=10, eval_iters=2)


def logits(seed: int, shape=(3, 5, 7)) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed)) * 2


@pytest.mark.parametrize("temperature", [1.0, 2.0, 0.5])
def test_loss_is_kl_divergence_times_t_squared(temperature):
    student, teacher = logits(0), logits(1)
    expected = F.kl_div(
        F.log_softmax(student / temperature, -1).flatten(0, 1),
        F.log_softmax(teacher / temperature, -1).flatten(0, 1),
        log_target=True,
        reduction="batchmean",
    )
    loss = distillation_loss(student, teacher, temperature)
    torch.testing.assert_close(loss, expected * temperature**2)
    assert distillation_loss(teacher + 3.0, teacher, temperature).abs() < 1e-6, "same distribution: zero"


def test_gradient_is_student_minus_teacher_probabilities():
    student, teacher = logits(2).requires_grad_(), logits(3)
    distillation_loss(student, teacher).backward()
    positions = student.shape[0] * student.shape[1]
    expected = (F.softmax(student.detach(), -1) - F.softmax(teacher, -1)) / positions
    torch.testing.assert_close(student.grad, expected)


def text_data(n: int = 400) -> tuple[torch.Tensor, torch.Tensor]:
    pattern = torch.tensor([0, 1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1])  # a learnable sequence
    data = pattern.repeat(n // len(pattern) + 1)[:n]
    return data[: int(0.9 * n)], data[int(0.9 * n) :]


def test_the_text_student_is_exactly_the_course_trainer():
    train_data, val_data = text_data()
    ours, our_history = train_student(TINY, train_data, val_data, QUICK)
    reference, history = train(TINY, train_data, val_data, QUICK, torch.device("cpu"))
    for (name, p), q in zip(ours.state_dict().items(), reference.state_dict().values()):
        torch.testing.assert_close(p, q, msg=name)
    assert our_history.val_loss == history.val_loss


def test_a_student_learns_its_teacher_and_the_teacher_is_untouched():
    train_data, val_data = text_data()
    teacher, _ = train(TINY, train_data, val_data, QUICK, torch.device("cpu"))
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    small = GPTConfig(vocab_size=7, block_size=8, n_layer=1, n_head=1, n_embd=8)
    x = train_data[:64].view(8, 8)  # (B, T)
    untrained = GPT(small, torch.Generator().manual_seed(QUICK.seed))
    student, history = train_student(small, train_data, val_data, QUICK, teacher=teacher)
    with torch.no_grad():
        gap_before = distillation_loss(untrained(x)[0], teacher(x)[0])
        gap_after = distillation_loss(student(x)[0], teacher(x)[0])
    assert gap_after < gap_before / 3
    assert all(torch.equal(before[k], v) for k, v in teacher.state_dict().items())
    assert history.steps == [0, 10, 20, 30] and history.val_loss[-1] < history.val_loss[0]
    with pytest.raises(ValueError):
        train_student(
            GPTConfig(vocab_size=7, block_size=16, n_layer=1, n_head=1, n_embd=8), train_data, val_data, QUICK, teacher
        )


def test_two_students_report_progress_as_one_run():
    """The page trains both students as one run (core.progress.scaled): steps count on from the
    first student's into the second's, and each report carries the student's history so far."""
    from core.progress import scaled

    train_data, val_data = text_data()
    heard = []
    for i, teacher in enumerate((None, train(TINY, train_data, val_data, QUICK, torch.device("cpu"))[0])):
        on_progress = scaled(heard.append, i * QUICK.max_iters, 2 * QUICK.max_iters)
        _, history = train_student(TINY, train_data, val_data, QUICK, teacher, on_progress=on_progress)
        assert heard[-1].record is history and heard[-1].loss == history.train_loss[-1]
    assert [p.step for p in heard] == [0, 10, 20, 30, 30, 40, 50, 60]
    assert {p.total for p in heard} == {60} and heard[-1].fraction == 1.0


TAUGHT = ROOT / "models" / "tiny_gpt_distilled"
needs_models = pytest.mark.skipif(
    not all((d / "model.json").exists() for d in (MODEL, TAUGHT)), reason="no tiny GPT or distilled student in models/"
)


def test_the_student_on_the_raw_text_is_the_sampling_lessons_run():
    """The big picture shows the sampling lesson's shipped small model as the raw-text student: the same preset."""
    from core.distill import STUDENT, STUDENT_SETTINGS
    from core.gpt_train import PRESETS

    assert (STUDENT, STUDENT_SETTINGS) == PRESETS["lesson"]
    info = json.loads((ROOT / "models" / "tiny_gpt_lesson" / "model.json").read_text(encoding="utf-8"))
    assert info["settings"] == STUDENT_SETTINGS.__dict__


@needs_models
def test_the_shipped_taught_student_describes_itself():
    from core.distill import DEFAULT_TEMPERATURE, STUDENT, STUDENT_SETTINGS, history_of
    from core.gpt_train import load

    student, vocab, info = load(TAUGHT)
    assert student.config == GPTConfig(**{**STUDENT.to_dict(), "vocab_size": len(vocab)})
    assert info["settings"] == STUDENT_SETTINGS.__dict__ and info["temperature"] == DEFAULT_TEMPERATURE
    assert info["command"] == "python -m core.distill --out models/tiny_gpt_distilled"
    assert info["teacher"] == "models/tiny_gpt" and info["corpus"] == "shipped"
    history = history_of(info)
    assert history.steps == list(range(0, STUDENT_SETTINGS.max_iters + 1, STUDENT_SETTINGS.eval_interval))
    text = history_of(json.loads((ROOT / "models" / "tiny_gpt_lesson" / "model.json").read_text(encoding="utf-8")))
    assert history.val_loss[0] == pytest.approx(text.val_loss[0]), "the same starting weights"
    assert history.val_loss[-1] < text.val_loss[-1] - 0.02, "the taught student ends lower"
    assert (TAUGHT / "model.safetensors").stat().st_size < 1_000_000


@pytest.mark.slow
@needs_models
def test_the_shipped_taught_student_is_what_its_command_makes():
    """Retrained here with the command's settings, from the same seed: the history and the
    validation loss over the whole validation text agree with the shipped file."""
    from core.distill import DEFAULT_TEMPERATURE, STUDENT_SETTINGS
    from core.gpt_train import full_loss, load, split_corpus

    teacher, vocab, _ = load(MODEL)
    shipped, _, info = load(TAUGHT)
    train_data, val_data = split_corpus(read_corpus(SHIPPED), vocab)
    student, history = train_student(
        shipped.config, train_data, val_data, STUDENT_SETTINGS, teacher, DEFAULT_TEMPERATURE, torch.device("cpu")
    )
    assert history.steps == info["history"]["steps"]
    assert history.val_loss == pytest.approx(info["history"]["val_loss"], abs=2e-3)
    assert full_loss(student, val_data) == pytest.approx(info["val_loss"], abs=2e-3)
    assert full_loss(shipped, val_data) == pytest.approx(info["val_loss"], abs=1e-6)
