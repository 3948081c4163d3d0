"""The fine-tuning lesson's data: the shipped default results, the Tang model and its texts, the moon pairs,
and the learner's own runs (in their session only). Imported by app_pages/fine_tuning*.py; not a page.
"""

import copy
import json

import streamlit as st

from core import fine_tuning_defaults as D
from core.device import get_device
from ui.lessons import ROOT
from ui.tiny_gpt import get_model, model_dir

DEFAULTS = ROOT / "models" / "fine_tuning" / "defaults.json"
STEPS_SLIDER = (20, 120, D.SFT.max_iters, 10)  # (min, max, default, step) of the learner's run
RANKS = (1, 2, 4, 8, 16)
BETA_CHOICES = (0.05, 0.1, 0.2, 0.5, 1.0)
DPO_STEPS = D.DPOSettings.steps
OWN_SFT = "ft_own_sft"  # session state: the learner's {"full": ..., "lora": ...}
OWN_DPO = "ft_own_dpo"  # session state: the learner's {β as str: result}


@st.cache_resource(max_entries=2, show_spinner=False)
def defaults(path: str) -> dict | None:
    """The shipped results (models/fine_tuning/defaults.json), read once for every learner; None if missing."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def tang():
    """(model, vocab, info) of the Tang model, shared read-only; ArtefactError if it cannot be loaded."""
    return get_model(str(model_dir("tang")))


@st.cache_resource(max_entries=1, show_spinner=False)
def texts(directory: str):
    """(the quatrains, the held-out poems) as ids, for every learner."""
    model, vocab, _ = get_model(directory)
    return D.tang_data(model, vocab)


@st.cache_resource(max_entries=1, show_spinner=False)
def pairs(directory: str) -> list:
    """The moon pairs from the base model's own poems (the shipped seed): the same for every learner."""
    model, vocab, _ = get_model(directory)
    return D.moon_pairs(model, vocab)


def on_device(model):
    """The learner's working copy of the shared model, on the server's device (a GPU if it has one)."""
    return copy.deepcopy(model).to(get_device())


def sft_results(shipped: dict | None) -> tuple[dict | None, dict | None, bool]:
    """(full, LoRA, the learner's own?): their last run if they made one, else the shipped defaults."""
    own = st.session_state.get(OWN_SFT)
    if own is not None:
        return own["full"], own["lora"], True
    if shipped is None:
        return None, None, False
    return shipped["full"], shipped["lora"], False


def dpo_results(shipped: dict | None) -> dict[str, dict]:
    """Every DPO result this learner can see, by β: the shipped ones, then their own (replacing a shipped β)."""
    results = dict(shipped["dpo"]) if shipped else {}
    results.update({beta: {**run, "own": True} for beta, run in st.session_state.get(OWN_DPO, {}).items()})
    return dict(sorted(results.items(), key=lambda item: float(item[0])))


def param_share(share: float) -> str:
    """The share of parameters trained: "100%" for full fine-tuning, two decimals for LoRA's small one."""
    return f"{share:.0%}" if share >= 0.995 else f"{share:.2%}"


def beta_key(beta: float) -> str:
    return str(float(beta))
