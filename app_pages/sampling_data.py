"""The sampling lesson's data: its defaults, the loaded tiny GPT with the learner's prompt, and the
cached results every learner shares. Imported by app_pages/sampling.py, sampling_sections.py and
sampling_text.py; not a page itself. Caches live here, so their decorators run once per process, not
per rerun.
"""

from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from core import gpt
from core import sampling as smp
from core.gpt_train import CharVocab, TrainHistory
from ui.private_cache import private_unless
from ui.tiny_gpt import get_model, model_dir

# Ranges and defaults, in one place: (min, max, default, step).
TEMP_SLIDER = (0.0, 3.0, 1.0, 0.05)
TOP_P_SLIDER = (0.05, 1.0, 0.9, 0.05)  # a default cut-off that shows what top-p does
LENGTH_SLIDER = (20, 500, 200, 10)
COMPARE_TEMPERATURES = (0.0, 1.0, 2.0)
TEMPERATURES = tuple(round(v, 2) for v in np.arange(TEMP_SLIDER[0], TEMP_SLIDER[1] + 1e-9, TEMP_SLIDER[3]))
TOP_PS = tuple(round(v, 2) for v in np.arange(TOP_P_SLIDER[0], TOP_P_SLIDER[1] + 1e-9, TOP_P_SLIDER[3]))
# Each ends where the model is fairly sure of the next character but not certain, so temperature and
# top-p visibly change a peaked distribution (after a space or a full stop every series looks alike):
# "o" of "thou" (65 %); 安 of 长安 in Du Fu's 《月夜》 (41 %).
DEFAULT_PROMPTS = {
    "shakespeare": "JULIET:\nO Romeo, Romeo! wherefore art th",
    "tang": "《月夜》杜甫\n今夜鄜州月，闺中只独看。\n遥怜小儿女，未解忆长",
}
PROMPT_KEYS = {"shakespeare": "smp_prompt", "tang": "smp_prompt_tang"}  # each model keeps the learner's own
# Exercise 3's top-p, per model: its nucleus at the default prompt is a few characters, not dozens.
EX3_P = {"shakespeare": 0.8, "tang": 0.5}


@dataclass(frozen=True, eq=False)
class Loaded:
    """A tiny GPT and the prompt it continues, as the page's last full run left them."""

    name: str  # "shakespeare" or "tang" (ui.tiny_gpt's names)
    directory: str  # where it was loaded from: the caches' key
    model: gpt.GPT
    vocab: CharVocab
    ids: tuple[int, ...]  # what the model reads ("\n" when the learner's prompt is empty)
    shown: str  # those ids as text
    val_loss: float  # the model's validation loss (nats per character), as it shipped


def writable(vocab: CharVocab) -> int:
    """How many characters the model may write: all of them but a capped vocabulary's □."""
    return len(vocab) - (vocab.unknown_id is not None)


def default_ids(directory: str) -> tuple[tuple[int, ...], ...]:
    """The page's default prompts that this model reads in full, as ids."""
    model, vocab, _ = get_model(directory)
    prompts = [p for p in DEFAULT_PROMPTS.values() if not vocab.unknown(p)]
    return tuple(tuple(smp.prepare_prompt(p, vocab, model.config.block_size).ids) for p in prompts)


def shipped_prompt(directory: str, ids: tuple[int, ...]) -> bool:
    """Whether ids are one of the page's own default prompts (then every learner shares the result)."""
    return ids in default_ids(directory)


@private_unless(shipped_prompt)
@st.cache_data(max_entries=16, show_spinner=False)
def next_logits(directory: str, ids: tuple[int, ...]) -> torch.Tensor:
    """The next character's logits (vocab,), □ at -inf: the page never shows or draws it."""
    model, vocab, _ = get_model(directory)
    return smp.mask_unknown(model.next_logits(torch.tensor([ids]))[0], vocab.unknown_id)


def lesson_for(name: str, directory: str, prompt_ids, prompt_text: str | None = None) -> Loaded:
    """A Loaded for the model in `directory`, with the prompt ids (or its default prompt's)."""
    model, vocab, info = get_model(directory)
    if prompt_ids is None:
        prompt_ids = smp.prepare_prompt(DEFAULT_PROMPTS[name], vocab, model.config.block_size).ids
    ids = tuple(prompt_ids) or tuple(vocab.encode("\n"))
    return Loaded(name, directory, model, vocab, ids, vocab.decode(ids), float(info.get("val_loss", float("nan"))))


def shakespeare_lesson(lesson: Loaded) -> Loaded:
    """The Shakespeare model with the learner's prompt when it is the chosen one, else with its own
    default prompt: retraining the small model stays on Shakespeare (ArtefactError if it is missing)."""
    if lesson.name == "shakespeare":
        return lesson
    return lesson_for("shakespeare", str(model_dir("shakespeare")), None)


@st.cache_resource(max_entries=2, show_spinner=False)
def default_samples(directory: str, prompt: str) -> tuple[str, ...]:
    """The model's default prompt continued with the default settings (seed 0), then at each compared
    temperature: what the generation section shows before a learner presses anything. Called only
    with the page's own prompts, so shared by every learner."""
    model, vocab, _ = get_model(directory)
    ids = smp.prepare_prompt(prompt, vocab, model.config.block_size).ids or vocab.encode("\n")
    top_p = TOP_P_SLIDER[2] if TOP_P_SLIDER[2] < 1 else None
    return tuple(
        smp.continue_text(model, vocab, ids, smp.Settings(T, None, top_p), LENGTH_SLIDER[2], 0)
        for T in (TEMP_SLIDER[2], *COMPARE_TEMPERATURES)
    )


@st.cache_resource(max_entries=1, show_spinner=False)
def default_small_run(directory: str) -> tuple[gpt.GPT, TrainHistory]:
    """The run the retraining aside shows before a learner trains: the lesson preset with its default
    steps, made by `python -m core.gpt_train --preset lesson` and shipped (models/README.md). Read-only."""
    small_model, _, info = get_model(directory)
    return small_model, TrainHistory(**info["history"])
