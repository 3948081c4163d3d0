"""Checkpoints along a training run (core/learning_run.py): looking at the model does not change the
run, and the shipped runs hold what the lesson "How a GPT writes and learns" scrubs."""

import math

import pytest
import torch

from core.gpt import GPTConfig
from core.gpt_train import CharVocab, TrainSettings, split_corpus, train
from core.learning_run import WATCHES, Watch, load_run, watch_run
from tests.conftest import ROOT

TEXT = "the cat sat on the mat. the dog sat on the log.\n" * 60  # 2,880 characters
SMALL = GPTConfig(block_size=16, n_layer=1, n_head=2, n_embd=16)
QUICK = TrainSettings(max_iters=20, batch_size=4, eval_interval=10, eval_iters=2)


def test_looking_at_the_model_does_not_change_the_run():
    vocab = CharVocab.from_text(TEXT)
    config = GPTConfig(**{**SMALL.to_dict(), "vocab_size": len(vocab)})
    train_data, val_data = split_corpus(TEXT, vocab)
    plain, plain_history = train(config, train_data, val_data, QUICK, torch.device("cpu"))
    seen = []
    watched, watched_history = train(
        config, train_data, val_data, QUICK, torch.device("cpu"), on_eval=lambda step, m: seen.append(step)
    )
    assert seen == [0, 10, 20]
    assert plain_history.val_loss == watched_history.val_loss
    for (name, a), (_, b) in zip(plain.state_dict().items(), watched.state_dict().items()):
        assert torch.equal(a, b), name


def test_a_watched_run_keeps_samples_losses_and_causal_attention(monkeypatch):
    monkeypatch.setattr("core.learning_run.PRESETS", {"nanogpt-cpu": (SMALL, QUICK)})
    run = watch_run(TEXT, Watch("t", "the cat sat", None), QUICK)
    steps = [c["step"] for c in run["checkpoints"]]
    assert steps == [0, 10, 20] and run["parameters"] > 0
    for c in run["checkpoints"]:
        assert len(c["sample"]) == 160 and set(c["sample"]) <= set(TEXT)
        heads = c["attention"]  # (n_head, T, ≤T): row i holds positions 0..i
        assert len(heads) == SMALL.n_head and [len(row) for row in heads[0]] == list(range(1, 12))
        assert all(abs(sum(row) - 100) <= len(row) for head in heads for row in head)  # rounded percents


@pytest.mark.parametrize("name", sorted(WATCHES))
def test_the_shipped_run_goes_from_guessing_to_writing(name):
    path = ROOT / "models" / "learning_run" / f"{name}.json"
    run = load_run(path)
    checkpoints = run["checkpoints"]
    assert [c["step"] for c in checkpoints] == list(range(0, 2001, 50))
    first, last = checkpoints[0], checkpoints[-1]
    assert abs(first["val_loss"] - math.log(run["vocab_size"])) < 0.05  # an untrained model guesses uniformly
    assert last["val_loss"] < first["val_loss"] - 1.5
    assert "□" not in "".join(c["sample"] for c in checkpoints)
    assert run["attention_text"] == WATCHES[name].attention_text
    assert path.stat().st_size < 400_000
