"""The generation lesson's data: its defaults, the chosen tiny GPT with the learner's prompt, the saved
training run, and the cached results every learner shares. Imported by app_pages/generation.py and its
sections; not a page itself. Caches live here, so their decorators run once per process, not per rerun.
"""

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core import generation as G
from core import sampling as smp
from core.gpt import GPT
from core.gpt_train import CharVocab
from core.learning_run import load_run
from ui.lessons import ROOT
from ui.private_cache import private_unless
from ui.tiny_gpt import get_model

RUNS = ROOT / "models" / "learning_run"  # <name>.json, made by `python -m core.learning_run`
# Ranges and defaults, in one place: (min, max, default, step).
STEP_SLIDER = (0, 2000, 1000, 50)  # the hero's checkpoints; at 1,000 words, names and line breaks are there
WIDTH_SLIDER = (1, 8, 3, 1)
NEW_SLIDER = (10, 50, 30, 5)  # the Tang model's context is 64: at least 14 prompt characters stay
PENALTY_SLIDER = (1.0, 2.0, 1.0, 0.05)
TIMED_CHARS = 200  # characters written by each timed run
COST_CONTEXTS = (64, 128)  # the cost exercise asks about the first that fits the model's context
# A famous line each, which the model reads in full; beam search and greedy part ways after it.
DEFAULT_PROMPTS = {"shakespeare": "JULIET:\nO Romeo, Romeo! wherefore art th", "tang": "《静夜思》李白\n床前明月光，"}
PROMPT_KEYS = {"shakespeare": "gen_prompt", "tang": "gen_prompt_tang"}  # each model keeps the learner's own
STOPS = {"shakespeare": ("", "\n", ".", "?"), "tang": ("", "\n", "。", "，")}  # "": no stop character


@dataclass(frozen=True, eq=False)
class Loaded:
    """A tiny GPT and the prompt the page's sections read, as the page's last full run left them."""

    name: str  # "shakespeare" or "tang" (ui.tiny_gpt's names)
    directory: str  # where it was loaded from: the caches' key
    model: GPT
    vocab: CharVocab
    ids: tuple[int, ...]  # what the model reads ("\n" when the learner's prompt is empty)
    shown: str  # those ids as text
    val_loss: float  # nats per character on held-out text, as it shipped

    @property
    def banned(self) -> int | None:
        """The Tang model's □, never written."""
        return self.vocab.unknown_id

    def stop_id(self, stop: str) -> int | None:
        return self.vocab.encode(stop)[0] if stop else None


def loaded(name: str, directory: str, prompt_ids) -> Loaded:
    model, vocab, info = get_model(directory)
    ids = tuple(prompt_ids) or tuple(vocab.encode("\n"))
    return Loaded(name, directory, model, vocab, ids, vocab.decode(ids), float(info.get("val_loss", float("nan"))))


def default_ids(directory: str) -> tuple[tuple[int, ...], ...]:
    """The page's default prompts that this model reads in full, as ids (and "\n", an empty prompt's)."""
    model, vocab, _ = get_model(directory)
    prompts = [p for p in DEFAULT_PROMPTS.values() if not vocab.unknown(p)] + ["\n"]
    return tuple(tuple(smp.prepare_prompt(p, vocab, model.config.block_size).ids) for p in prompts)


def shipped(directory: str, ids: tuple[int, ...], *_) -> bool:
    """Whether ids are one of the page's own prompts (then every learner shares the result)."""
    return ids in default_ids(directory)


# --- Cached results: shared for the page's own prompts, in the learner's session otherwise ---------------
@private_unless(shipped)
@st.cache_data(max_entries=8, show_spinner=False)
def trace(directory: str, ids: tuple[int, ...]) -> G.Trace:
    return G.residual_stream(get_model(directory)[0], ids)


@private_unless(shipped)
@st.cache_data(max_entries=64, show_spinner=False)
def beams(directory: str, ids: tuple[int, ...], width: int, n_new: int, stop: int | None) -> G.BeamResult:
    model, vocab, _ = get_model(directory)
    return G.beam_search(model, ids, width, n_new, stop, vocab.unknown_id)


@private_unless(shipped)
@st.cache_data(max_entries=64, show_spinner=False)
def greedy(directory: str, ids: tuple[int, ...], n_new: int, stop: int | None, penalty: float) -> tuple:
    """Greedy's new ids (after the repetition penalty) and their total log-probability under the model."""
    model, vocab, _ = get_model(directory)
    new = G.greedy(model, ids, n_new, stop, vocab.unknown_id, penalty)
    return tuple(new), G.sequence_logp(model, ids, new)


@st.cache_resource(max_entries=2, show_spinner=False)
def parts(directory: str) -> tuple[G.Part, ...]:
    return tuple(G.parameter_parts(get_model(directory)[0]))


def run_path(name: str) -> Path:
    return RUNS / f"{name}.json"


@st.cache_resource(max_entries=2, show_spinner=False)
def _read_run(path: str, mtime: float) -> dict:
    return load_run(Path(path))


def learning_run(name: str) -> dict | None:
    """The saved training run of this model's corpus, read once and shared read-only; None where it is
    missing or unreadable (the page says so; a run saved later is found on the next visit)."""
    path = run_path(name)
    try:
        run = _read_run(str(path), path.stat().st_mtime)
        return run if run.get("checkpoints") else None
    except (OSError, ValueError, AttributeError):
        return None


def checkpoint_index(run: dict, step: int) -> int:
    steps = [c["step"] for c in run["checkpoints"]]
    return min(range(len(steps)), key=lambda i: abs(steps[i] - step))
