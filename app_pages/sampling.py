"""Lesson 8 — Sampling: temperature, top-k and top-p on the course's own tiny character GPT.

Each section is an st.fragment: moving a slider reruns only its own section.
"""

from pathlib import Path

import numpy as np
import streamlit as st
import torch

from core import gpt
from core import sampling as smp
from core.artefacts import ArtefactError
from core.device import describe_device, get_device
from core.gpt_train import PRESETS, CharVocab, TrainSettings, split_corpus, train
from ui import sampling_charts as charts
from ui.faults import out_of_memory_guard
from ui.figures import session_figure, show
from ui.i18n import current_language, t
from ui.layout import lesson_link, setup_page, show_code, vocabulary
from ui.lessons import ROOT
from ui.tiny_gpt import get_model, model_dir
from ui.training_slot import training_slot

# Ranges and defaults, in one place: (min, max, default, step).
TEMP_SLIDER = (0.0, 3.0, 1.0, 0.05)
TOP_P_SLIDER = (0.05, 1.0, 1.0, 0.05)
LENGTH_SLIDER = (20, 500, 200, 10)
COMPARE_TEMPERATURES = (0.0, 1.0, 2.0)
N_DRAWS = 1000
DEFAULT_PROMPT = "JULIET:\nO Romeo, Romeo! wherefore art thou "
MAX_PROMPT = 2000  # characters a learner may type; the model reads only the last block_size of them
CORPUS = ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"
SMALL, SMALL_SETTINGS = PRESETS["lesson"]  # the learner's own model
STEPS_SLIDER = (100, 600, SMALL_SETTINGS.max_iters, 100)


@st.cache_data(max_entries=256, show_spinner=False)
def next_logits(directory: str, ids: tuple[int, ...]) -> torch.Tensor:
    return get_model(directory)[0].next_logits(torch.tensor([ids]))[0]  # (vocab,)


@st.cache_resource(max_entries=2, show_spinner=False)
def corpus_split(path: str, chars: str):
    return split_corpus(Path(path).read_text(encoding="utf-8"), CharVocab(chars))


def slider(label_key: str, spec: tuple, key: str, **kwargs):
    lo, hi, default, step = spec
    return st.slider(t(label_key), lo, hi, default, step, key=key, bind="query-params", **kwargs)


def settings() -> tuple[float, int | None, float | None]:
    """The sampling settings chosen in the first section (temperature, top-k, top-p; None = off)."""
    k = st.session_state.get("smp_top_k", len(vocab))
    p = st.session_state.get("smp_top_p", TOP_P_SLIDER[2])
    return st.session_state.get("smp_temp", TEMP_SLIDER[2]), (k if k < len(vocab) else None), (p if p < 1 else None)


def sample_text(model, ids: list[int], temperature: float, length: int, seed: int, bar=None) -> str:
    _, k, p = settings()
    start = torch.tensor([ids[-model.config.block_size :]])  # (1, T)
    on_token = None if bar is None else (lambda i: bar.progress(i / length) if i % 20 == 0 else None)
    generator = torch.Generator().manual_seed(seed)
    out = smp.generate(model, start, length, temperature, k, p, generator=generator, on_token=on_token)
    return vocab.decode(out[0, len(start[0]) :].tolist())


def bits(probs: torch.Tensor) -> str:
    return f"{float(smp.entropy(probs)) + 0.0:.2f}"  # + 0.0 turns -0.0 (a certain character) into 0.0


def show_sample(prompt_text: str, text: str) -> None:
    st.code(prompt_text + text, language=None, wrap_lines=True)  # learner text: never as Markdown
    st.caption(t("sampling.repeated", share=f"{smp.repeated_share(text):.0%}"))


setup_page("sampling")
st.markdown(t("sampling.intro"))
try:
    model, vocab, info = get_model(str(model_dir()))
except ArtefactError as problem:  # missing or corrupt files: explain, never a traceback
    st.error(t("sampling.model_missing", path=str(model_dir()), problem=problem.reason), icon=":material/error:")
    st.stop()
config = model.config
st.info(
    t(
        "sampling.model_card",
        params=f"{model.num_params():,}",
        layers=config.n_layer,
        heads=config.n_head,
        width=config.n_embd,
        block=config.block_size,
        vocab=len(vocab),
        steps=info.get("settings", {}).get("max_iters", "?"),
        loss=f"{info.get('val_loss', float('nan')):.3f}",
        device=str(info.get("device", "cpu")).split(":")[0].upper(),
    ),
    icon=":material/smart_toy:",
)

# --- The prompt -------------------------------------------------------------------------------------
st.header(t("sampling.prompt_header"))
prompt_text = st.text_area(
    t("sampling.prompt_label"), DEFAULT_PROMPT, max_chars=MAX_PROMPT, key="smp_prompt", help=t("sampling.prompt_help")
)
prompt = smp.prepare_prompt(prompt_text, vocab, config.block_size)
if prompt.unknown:
    st.warning(t("sampling.unknown_chars", count=len(prompt.unknown)), icon=":material/translate:")
    st.code(" ".join(prompt.unknown[:60]) + (" …" if len(prompt.unknown) > 60 else ""), language=None)
if prompt.cut:
    st.info(t("sampling.prompt_cut", cut=prompt.cut, block=config.block_size), icon=":material/cut:")
ids = prompt.ids
if not ids:
    st.warning(t("sampling.prompt_empty"), icon=":material/edit_note:")
    ids = vocab.encode("\n")
shown_prompt = vocab.decode(ids)


# --- The next character's distribution ---------------------------------------------------------------
@st.fragment
def distribution_section(ids: tuple[int, ...]) -> None:
    c1, c2, c3 = st.columns(3)
    with c1:
        temperature = slider("sampling.temp_label", TEMP_SLIDER, "smp_temp", help=t("sampling.temp_help"))
    with c2:
        k = slider("sampling.top_k_label", (1, len(vocab), len(vocab), 1), "smp_top_k", help=t("sampling.top_k_help"))
    with c3:
        p = slider("sampling.top_p_label", TOP_P_SLIDER, "smp_top_p", help=t("sampling.top_p_help"))
    _, top_k, top_p = settings()
    logits = next_logits(str(model_dir()), ids)  # (vocab,)
    model_p = smp.distribution(logits, 1.0)
    temp_p = smp.distribution(logits, temperature)
    final_p = smp.distribution(logits, temperature, top_k, top_p)
    kept = int((final_p > 0).sum())
    order = charts.top_order(model_p.numpy())
    figure = session_figure(
        "smp_dist",
        (ids, current_language()),
        build=lambda: charts.distribution_figure(vocab.chars, order),
    )
    p_at = kept if top_p is not None and temperature > 0 else None
    k_at = top_k if temperature > 0 else None
    charts.update_distribution_figure(figure, order, model_p.numpy(), temp_p.numpy(), final_p.numpy(), k_at, p_at, k, p)
    show(figure, key="smp_dist")
    if temperature == 0:
        st.caption(t("sampling.greedy_note", char=charts.show_char(vocab.chars[int(logits.argmax())])))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("sampling.entropy_model"), bits(model_p), help=t("sampling.entropy_help"))
    m2.metric(t("sampling.entropy_temp"), bits(temp_p))
    m3.metric(t("sampling.entropy_final"), bits(final_p))
    m4.metric(t("sampling.kept"), f"{kept} / {len(vocab)}")

    st.subheader(t("sampling.draws_header", n=f"{N_DRAWS:,}"))
    st.markdown(t("sampling.draws_intro", n=f"{N_DRAWS:,}"))
    if st.button(t("sampling.draw_again"), icon=":material/casino:", key="smp_redraw"):
        st.session_state["smp_draw_seed"] = st.session_state.get("smp_draw_seed", 0) + 1
    seed = st.session_state.get("smp_draw_seed", 0)
    counts = smp.sample_counts(final_p, N_DRAWS, torch.Generator().manual_seed(seed)).numpy()
    draws_order = charts.top_order(final_p.numpy())
    samples = session_figure(
        "smp_draws",
        (ids, current_language()),
        build=lambda: charts.samples_figure(vocab.chars, draws_order),
    )
    charts.update_samples_figure(samples, vocab.chars, draws_order, final_p.numpy(), counts)
    show(samples, key="smp_draws")
    gap = np.abs(counts / N_DRAWS - final_p.numpy()).max()
    st.caption(t("sampling.draws_gap", gap=f"{gap:.1%}", seed=seed))


st.header(t("sampling.dist_header"))
st.markdown(t("sampling.dist_intro"))
distribution_section(tuple(ids))
st.latex(r"p_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}},\qquad H = -\sum_i p_i \log_2 p_i \ \text{bits}")
st.markdown(t("sampling.dist_explain"))


# --- Generating text -----------------------------------------------------------------------------------
@st.fragment
def generation_section() -> None:
    c1, c2 = st.columns([3, 1])
    with c1:
        length = slider("sampling.length_label", LENGTH_SLIDER, "smp_length")
    with c2:
        seed = st.number_input(t("sampling.seed_label"), 0, 999_999, 0, key="smp_seed", help=t("sampling.seed_help"))
    temperature, k, p = settings()
    st.caption(t("sampling.using", temp=f"{temperature:.2f}", k=k or "—", p=f"{p:.2f}" if p else "—"))
    if st.button(t("sampling.generate"), type="primary", icon=":material/play_arrow:", key="smp_generate"):
        bar = st.progress(0.0, text=t("sampling.generating"))
        st.session_state["smp_text"] = (shown_prompt, sample_text(model, ids, temperature, length, int(seed), bar))
        bar.empty()
    if "smp_text" in st.session_state:
        show_sample(*st.session_state["smp_text"])

    st.subheader(t("sampling.compare_header"))
    st.markdown(t("sampling.compare_intro"))
    columns = st.columns(3)
    temps = [
        col.number_input(t("sampling.compare_temp", n=i + 1), 0.0, 3.0, T, 0.1, key=f"smp_cmp_{i}")
        for i, (col, T) in enumerate(zip(columns, COMPARE_TEMPERATURES))
    ]
    if st.button(t("sampling.compare_button"), icon=":material/view_column:", key="smp_compare"):
        bar = st.progress(0.0, text=t("sampling.generating"))
        texts = []
        for i, T in enumerate(temps):
            texts.append(sample_text(model, ids, T, length, int(seed)))
            bar.progress((i + 1) / len(temps), text=t("sampling.generating"))
        st.session_state["smp_compare_texts"] = list(zip(temps, texts))
        bar.empty()
    for col, (T, text) in zip(columns, st.session_state.get("smp_compare_texts", [])):
        with col:
            st.markdown(t("sampling.compare_column", temp=f"{T:.1f}"))
            show_sample(shown_prompt, text)


st.header(t("sampling.generate_header"))
st.markdown(t("sampling.generate_intro"))
generation_section()
st.header(t("sampling.extremes_header"))
st.markdown(t("sampling.extremes"))


# --- Retrain a smaller model ---------------------------------------------------------------------------
@st.fragment
def retrain_section() -> None:
    if not CORPUS.exists():
        st.info(t("sampling.no_corpus", path=str(CORPUS)), icon=":material/folder_off:")
        return
    device = get_device()
    steps = slider("sampling.steps_label", STEPS_SLIDER, "smp_steps")
    small = gpt.GPTConfig(**{**SMALL.to_dict(), "vocab_size": len(vocab)})
    st.caption(
        t("sampling.small_card", layers=small.n_layer, width=small.n_embd, block=small.block_size)
        + " · "
        + t("sampling.device_used", device=describe_device(device))
    )
    if st.button(t("sampling.retrain"), type="primary", icon=":material/model_training:", key="smp_retrain"):
        train_data, val_data = corpus_split(str(CORPUS), vocab.chars)
        with training_slot():
            bar, live = st.progress(0.0, text=t("sampling.training", step=0, total=steps)), st.empty()

            def on_progress(step, history):
                bar.progress(step / steps, text=t("sampling.training", step=step, total=steps))
                with live.container():
                    show(charts.loss_figure(history), key=f"smp_live_{step}")

            run = TrainSettings(**{**SMALL_SETTINGS.__dict__, "max_iters": steps})
            with out_of_memory_guard(bar, live):
                small_model, history = train(small, train_data, val_data, run, device, on_progress)
                st.session_state["smp_small"] = (small_model.cpu(), history)
                bar.empty()
                live.empty()
    if "smp_small" not in st.session_state:
        return
    small_model, history = st.session_state["smp_small"]
    show(charts.loss_figure(history), key="smp_small_loss")
    st.markdown(
        t(
            "sampling.retrained",
            steps=history.steps[-1],
            seconds=f"{history.seconds:.1f}",
            loss=f"{history.val_loss[-1]:.2f}",
        )
    )
    if st.button(t("sampling.sample_small"), icon=":material/play_arrow:", key="smp_sample_small"):
        temperature, _, _ = settings()
        length, seed = st.session_state.get("smp_length", LENGTH_SLIDER[2]), int(st.session_state.get("smp_seed", 0))
        st.session_state["smp_small_text"] = (shown_prompt, sample_text(small_model, ids, temperature, length, seed))
    if "smp_small_text" in st.session_state:
        show_sample(*st.session_state["smp_small_text"])


st.header(t("sampling.retrain_header"))
st.markdown(t("sampling.retrain_intro"))
retrain_section()

lesson_link("big-picture")
vocabulary("sampling")
show_code(gpt.GPT.next_logits, smp.distribution, smp.entropy, smp.sample_counts, smp.generate, smp.prepare_prompt)
