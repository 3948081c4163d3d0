"""Lesson 8 — Sampling: temperature, top-k and top-p on the course's own tiny character GPT.

Each section is an st.fragment: moving a slider reruns only its own section.
"""

from dataclasses import replace

import numpy as np
import streamlit as st
import torch

from core import gpt
from core import sampling as smp
from core.artefacts import ArtefactError, shown_path
from core.device import describe_device, get_device
from core.gpt_train import PRESETS, TrainHistory, TrainSettings, train
from ui import exercise
from ui import sampling_charts as charts
from ui.corpus import corpus_split, shown_corpus
from ui.figures import chart, show
from ui.frame import go_deeper, lesson_footer, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code, vocabulary
from ui.lessons import ROOT
from ui.private_cache import private_unless
from ui.scrub import scrub_figure
from ui.tiny_gpt import get_model, model_dir
from ui.training_slot import train_with_progress
from ui.widgets import slider

# Ranges and defaults, in one place: (min, max, default, step).
TEMP_SLIDER = (0.0, 3.0, 1.0, 0.05)
TOP_P_SLIDER = (0.05, 1.0, 0.9, 0.05)  # a default cut-off that shows what top-p does
LENGTH_SLIDER = (20, 500, 200, 10)
COMPARE_TEMPERATURES = (0.0, 1.0, 2.0)
N_DRAWS = 1000
# Ends mid-word, so the model is fairly sure of the next character ("o" of "thou"): temperature and
# top-p visibly change a peaked distribution, where after a space every series would look alike.
DEFAULT_PROMPT = "JULIET:\nO Romeo, Romeo! wherefore art th"
TEMPERATURES = tuple(round(v, 2) for v in np.arange(TEMP_SLIDER[0], TEMP_SLIDER[1] + 1e-9, TEMP_SLIDER[3]))
TOP_PS = tuple(round(v, 2) for v in np.arange(TOP_P_SLIDER[0], TOP_P_SLIDER[1] + 1e-9, TOP_P_SLIDER[3]))
EXERCISES = 3
MAX_PROMPT = 2000  # characters a learner may type; the model reads only the last block_size of them
SMALL, SMALL_SETTINGS = PRESETS["lesson"]  # the learner's own model
SMALL_DIR = ROOT / "models" / "tiny_gpt_lesson"  # that model trained with the defaults, shown on arrival
STEPS_SLIDER = (100, 600, SMALL_SETTINGS.max_iters, 100)


def shipped_prompt(directory: str, ids: tuple[int, ...]) -> bool:
    """Whether ids are the page's own default prompt (then every learner shares the result)."""
    model, vocab, _ = get_model(directory)
    return ids == tuple(smp.prepare_prompt(DEFAULT_PROMPT, vocab, model.config.block_size).ids)


@private_unless(shipped_prompt)
@st.cache_data(max_entries=16, show_spinner=False)
def next_logits(directory: str, ids: tuple[int, ...]) -> torch.Tensor:
    return get_model(directory)[0].next_logits(torch.tensor([ids]))[0]  # (vocab,)


def chosen_settings() -> smp.Settings:
    """The sampling settings, as the hero's sliders left them. The sections below run as fragments of
    their own (a slider move reruns only its section), so they read the sliders' values from the
    session, here and nowhere else, and show beside each result the settings it was made with."""
    state = st.session_state
    return smp.Settings.from_controls(
        state.get("smp_temp", TEMP_SLIDER[2]),
        state.get("smp_top_k", len(vocab)),
        state.get("smp_top_p", TOP_P_SLIDER[2]),
        len(vocab),
    )


def describe(settings: smp.Settings, seed: int) -> str:
    k, p = settings.top_k, settings.top_p
    return t("sampling.using", temp=f"{settings.temperature:.2f}", k=k or "—", p=f"{p:.2f}" if p else "—", seed=seed)


def sample_text(model, ids: list[int], settings: smp.Settings, length: int, seed: int, bar=None) -> str:
    start = torch.tensor([ids[-model.config.block_size :]])  # (1, T)
    on_token = None if bar is None else (lambda i: bar.progress(i / length) if i % 20 == 0 else None)
    generator = torch.Generator().manual_seed(seed)
    s = settings
    out = smp.generate(model, start, length, s.temperature, s.top_k, s.top_p, generator=generator, on_token=on_token)
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
    st.error(t("sampling.model_missing", path=shown_path(model_dir()), problem=problem.reason), icon=":material/error:")
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
def scrub_index(values: tuple, value: float) -> int:
    return int(np.argmin(np.abs(np.array(values) - value)))


@st.fragment
def temperature_section(ids: tuple[int, ...]) -> None:
    """The hero: the temperature scrubbed over the next character's distribution."""
    temperature = slider("sampling.temp_label", TEMP_SLIDER, "smp_temp", help=t("sampling.temp_help"))
    directory = str(model_dir())
    logits = next_logits(directory, ids)  # (vocab,)
    signature = (directory, ids, current_language())
    build = lambda: charts.temperature_template(vocab.chars, logits, TEMPERATURES)  # noqa: E731
    active = scrub_index(TEMPERATURES, temperature)
    public = shipped_prompt(directory, ids)
    show(scrub_figure("smp_temperature", signature, build, active, public), "smp_temperature_chart")
    if temperature == 0:
        st.caption(t("sampling.greedy_note", char=charts.show_char(vocab.chars[int(logits.argmax())])))
    cold, hot = smp.distribution(logits, 0.05), smp.distribution(logits, 1.0)
    top = int(logits.argmax())
    exercise.choice(
        "sampling",
        1,
        EXERCISES,
        t("sampling.ex1_question"),
        {"greedy": t("sampling.ex1_greedy"), "uniform": t("sampling.ex1_uniform"), "same": t("sampling.ex1_same")},
        answer="greedy",
        explain=t(
            "sampling.ex1_explain",
            char=charts.show_char(vocab.chars[top]),
            cold=f"{float(cold[top]):.1%}",
            warm=f"{float(hot[top]):.1%}",
        ),
        preset={"smp_temp": 0.05},
    )
    h1, h2 = float(smp.entropy(smp.distribution(logits, 1.0))), float(smp.entropy(smp.distribution(logits, 2.0)))
    exercise.choice(
        "sampling",
        2,
        EXERCISES,
        t("sampling.ex2_question"),
        {"up": t("sampling.ex2_up"), "down": t("sampling.ex2_down"), "same": t("sampling.ex2_same")},
        answer="up" if h2 > h1 + 1e-6 else ("down" if h2 < h1 - 1e-6 else "same"),
        explain=t("sampling.ex2_explain", h1=f"{h1:.2f}", h2=f"{h2:.2f}"),
        preset={"smp_temp": 2.0},
    )


@st.fragment
def cut_section(ids: tuple[int, ...]) -> None:
    """top-k and top-p at the chosen temperature; top-p scrubbed in its figure."""
    c1, c2 = st.columns(2)
    with c1:
        slider("sampling.top_k_label", (1, len(vocab), len(vocab), 1), "smp_top_k", help=t("sampling.top_k_help"))
    with c2:
        p = slider("sampling.top_p_label", TOP_P_SLIDER, "smp_top_p", help=t("sampling.top_p_help"))
    settings = chosen_settings()
    temperature, top_k, top_p = settings.temperature, settings.top_k, settings.top_p
    directory = str(model_dir())
    logits = next_logits(directory, ids)  # (vocab,)
    if temperature == 0:
        st.info(t("sampling.cut_greedy"), icon=":material/info:")
    t_cut = max(temperature, TEMPERATURES[1])  # at T = 0 only one character is left to cut
    signature = (directory, ids, t_cut, top_k, current_language())
    build = lambda: charts.top_p_template(vocab.chars, logits, t_cut, top_k, TOP_PS)  # noqa: E731
    public = shipped_prompt(directory, ids)
    show(scrub_figure("smp_top_p", signature, build, scrub_index(TOP_PS, p), public), "smp_top_p_chart")
    model_p, final_p = smp.distribution(logits, 1.0), smp.distribution(logits, temperature, top_k, top_p)
    m1, m2, m3 = st.columns(3)
    m1.metric(t("sampling.entropy_model"), bits(model_p), help=t("sampling.entropy_help"))
    m2.metric(t("sampling.entropy_final"), bits(final_p))
    m3.metric(t("sampling.kept"), f"{int((final_p > 0).sum())} / {len(vocab)}")

    # Exercise 3: which characters does top-p = 0.8 keep at T = 1? The choices come from the ranking.
    at_t1 = smp.distribution(logits, 1.0)
    ranked = [int(i) for i in torch.argsort(at_t1, descending=True, stable=True)[:5]]
    nucleus = smp.distribution(logits, 1.0, None, EX3_P)
    kept = [i for i in ranked if nucleus[i] > 0]
    options = {n: " ".join(charts.show_char(vocab.chars[i]) for i in ranked[:n]) for n in range(1, 6)}
    mass = float(at_t1[kept].sum())
    exercise.choice(
        "sampling",
        3,
        EXERCISES,
        t("sampling.ex3_question", p=EX3_P),
        options,
        answer=len(kept),
        explain=t("sampling.ex3_explain", p=EX3_P, n=len(kept), mass=f"{mass:.2f}", chars=options[len(kept)]),
        preset={"smp_temp": 1.0, "smp_top_k": len(vocab), "smp_top_p": EX3_P},
    )


EX3_P = 0.8


def draw_next(ids: tuple[int, ...]) -> None:
    """Sample one character with the chosen settings and append it to the learner's text."""
    walk = st.session_state.setdefault("smp_walk", [])
    context = (list(ids) + walk)[-config.block_size :]
    s = chosen_settings()
    probs = smp.distribution(next_logits(str(model_dir()), tuple(context)), s.temperature, s.top_k, s.top_p)
    generator = torch.Generator().manual_seed(len(walk) + 1000 * int(st.session_state.get("smp_seed", 0)))
    walk.append(int(torch.multinomial(probs, 1, generator=generator)))


@st.fragment
def step_section(ids: tuple[int, ...]) -> None:
    """The autoregressive loop from inside: one character, appended, and the next distribution."""
    walk = st.session_state.get("smp_walk", [])
    if st.session_state.get("smp_walk_prompt") != ids:  # a new prompt starts a new text
        st.session_state["smp_walk_prompt"], walk = ids, []
        st.session_state["smp_walk"] = walk
    c1, c2 = st.columns([1, 1])
    c1.button(t("sampling.next_char"), icon=":material/arrow_forward:", key="smp_next", on_click=draw_next, args=(ids,))
    c2.button(t("sampling.restart_walk"), icon=":material/restart_alt:", key="smp_walk_reset",
              on_click=lambda: st.session_state.update(smp_walk=[]))  # fmt: skip
    st.code(vocab.decode(list(ids) + walk), language=None, wrap_lines=True)  # learner text: never as Markdown
    context = tuple((list(ids) + walk)[-config.block_size :])
    s = chosen_settings()
    logits = next_logits(str(model_dir()), context)
    final_p = smp.distribution(logits, s.temperature, s.top_k, s.top_p)
    model_p = smp.distribution(logits, 1.0)
    temp_p = smp.distribution(logits, s.temperature)
    order = charts.top_order(final_p.numpy())

    def build():
        figure = charts.distribution_figure(vocab.chars, order)
        figure.update_traces(showlegend=False, selector={"type": "scatter", "mode": "lines"})  # no cut-off lines
        return figure

    def update(figure):
        charts.update_distribution_figure(
            figure, order, model_p.numpy(), temp_p.numpy(), final_p.numpy(), None, None, 0, 0
        )

    # The order is of the learner's text's distribution: built in their session.
    chart("smp_step_dist", (tuple(order.tolist()), current_language()), build, update, public=False)
    k, p = s.top_k or "—", f"{s.top_p:.2f}" if s.top_p else "—"
    st.caption(t("sampling.step_using", temp=f"{s.temperature:.2f}", k=k, p=p))
    if walk:
        st.caption(t("sampling.walk_last", char=charts.show_char(vocab.chars[walk[-1]]), n=len(walk)))


st.header(t("sampling.dist_header"))
st.markdown(t("sampling.dist_intro"))
try_this(t("sampling.temp_try"))
temperature_section(tuple(ids))
st.latex(r"p_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}},\qquad H = -\sum_i p_i \log_2 p_i \ \text{bits}")
what_you_saw(t("sampling.temp_saw"))

st.header(t("sampling.cut_header"))
st.markdown(t("sampling.cut_intro"))
try_this(t("sampling.cut_try"))
cut_section(tuple(ids))

st.header(t("sampling.step_header"))
st.markdown(t("sampling.step_intro"))
step_section(tuple(ids))


@st.fragment
def draws_section(ids: tuple[int, ...]) -> None:
    s = chosen_settings()
    final_p = smp.distribution(next_logits(str(model_dir()), ids), s.temperature, s.top_k, s.top_p)
    if st.button(t("sampling.draw_again"), icon=":material/casino:", key="smp_redraw"):
        st.session_state["smp_draw_seed"] = st.session_state.get("smp_draw_seed", 0) + 1
    seed = st.session_state.get("smp_draw_seed", 0)
    counts = smp.sample_counts(final_p, N_DRAWS, torch.Generator().manual_seed(seed)).numpy()
    draws_order = charts.top_order(final_p.numpy())
    chart(
        "smp_draws",
        (tuple(draws_order.tolist()), current_language()),
        lambda: charts.samples_figure(vocab.chars, draws_order),
        lambda figure: charts.update_samples_figure(figure, vocab.chars, draws_order, final_p.numpy(), counts),
        public=False,  # ordered by the distribution after the learner's text
    )
    gap = np.abs(counts / N_DRAWS - final_p.numpy()).max()
    st.caption(t("sampling.draws_gap", gap=f"{gap:.1%}", seed=seed))


with go_deeper(t("sampling.draws_header", n=f"{N_DRAWS:,}")):
    st.markdown(t("sampling.draws_intro", n=f"{N_DRAWS:,}"))
    draws_section(tuple(ids))


@st.cache_resource(max_entries=1, show_spinner=False)
def default_samples(directory: str) -> tuple[str, ...]:
    """The default prompt continued with the default settings (seed 0), then at each compared
    temperature: what the generation section shows before a learner presses anything."""
    model, vocab, _ = get_model(directory)
    start = torch.tensor([smp.prepare_prompt(DEFAULT_PROMPT, vocab, model.config.block_size).ids])  # (1, T)

    def sample(temperature: float) -> str:
        top_p = TOP_P_SLIDER[2] if TOP_P_SLIDER[2] < 1 else None
        out = smp.generate(model, start, LENGTH_SLIDER[2], temperature, None, top_p, torch.Generator().manual_seed(0))
        return vocab.decode(out[0, start.shape[1] :].tolist())

    return (sample(TEMP_SLIDER[2]), *(sample(T) for T in COMPARE_TEMPERATURES))


# --- Generating text -----------------------------------------------------------------------------------
@st.fragment
def generation_section() -> None:
    c1, c2 = st.columns([3, 1])
    with c1:
        length = slider("sampling.length_label", LENGTH_SLIDER, "smp_length")
    with c2:
        seed = st.number_input(t("sampling.seed_label"), 0, 999_999, 0, key="smp_seed", help=t("sampling.seed_help"))
    if st.button(t("sampling.generate"), type="primary", icon=":material/play_arrow:", key="smp_generate"):
        settings = chosen_settings()
        bar = st.progress(0.0, text=t("sampling.generating"))
        text = sample_text(model, ids, settings, length, int(seed), bar)
        # What the text was made with, kept beside it: the sliders above live in other fragments, so
        # a caption reading them here would go stale when they move.
        st.session_state["smp_text"] = (shown_prompt, text, describe(settings, int(seed)))
        bar.empty()
    if "smp_text" in st.session_state:
        shown, text, used = (*st.session_state["smp_text"], "")[:3]
        st.caption(used)
        show_sample(shown, text)
    else:  # never empty: an example made with the page's defaults, the same for every learner
        st.caption(t("sampling.example_note", temp="1.00", p=f"{TOP_P_SLIDER[2]:.2f}", length=LENGTH_SLIDER[2]))
        show_sample(DEFAULT_PROMPT, default_samples(str(model_dir()))[0])

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
            texts.append(sample_text(model, ids, replace(chosen_settings(), temperature=T), length, int(seed)))
            bar.progress((i + 1) / len(temps), text=t("sampling.generating"))
        st.session_state["smp_compare_texts"] = list(zip(temps, texts))
        bar.empty()
    shown = st.session_state.get("smp_compare_texts")
    if shown is None:  # never empty: the page's default three temperatures, made once for everyone
        st.caption(t("sampling.example_note", temp="0, 1, 2", p=f"{TOP_P_SLIDER[2]:.2f}", length=LENGTH_SLIDER[2]))
        shown = list(zip(COMPARE_TEMPERATURES, default_samples(str(model_dir()))[1:]))
    for col, (T, text) in zip(columns, shown):
        with col:
            st.markdown(t("sampling.compare_column", temp=f"{T:.1f}"))
            show_sample(shown_prompt, text)


st.header(t("sampling.generate_header"))
st.markdown(t("sampling.generate_intro"))
generation_section()
st.header(t("sampling.extremes_header"))
st.markdown(t("sampling.extremes"))


# --- Retrain a smaller model ---------------------------------------------------------------------------
@st.cache_resource(max_entries=1, show_spinner=False)
def default_small_run(directory: str) -> tuple[gpt.GPT, TrainHistory]:
    """The run the section shows before a learner trains: the lesson preset with its default steps,
    made by `python -m core.gpt_train --preset lesson` and shipped (models/README.md). Read-only."""
    small_model, _, info = get_model(directory)
    return small_model, TrainHistory(**info["history"])


@st.fragment
def retrain_section() -> None:
    try:
        train_data, val_data = corpus_split(vocab.chars)
    except ArtefactError as problem:  # missing or unreadable: only this section steps aside
        st.info(t("sampling.no_corpus", path=shown_corpus(), problem=problem.reason), icon=":material/folder_off:")
        train_data = None
    device = get_device()
    small = gpt.GPTConfig(**{**SMALL.to_dict(), "vocab_size": len(vocab)})
    if train_data is not None:
        steps = slider("sampling.steps_label", STEPS_SLIDER, "smp_steps")
        st.caption(
            t("sampling.small_card", layers=small.n_layer, width=small.n_embd, block=small.block_size)
            + " · "
            + t("sampling.device_used", device=describe_device(device))
        )
        if st.button(t("sampling.retrain"), type="primary", icon=":material/model_training:", key="smp_retrain"):
            settings = TrainSettings(**{**SMALL_SETTINGS.__dict__, "max_iters": steps})
            trained = train_with_progress(
                lambda progress: t("sampling.training", step=progress.step, total=progress.total),
                lambda on_progress: train(small, train_data, val_data, settings, device, on_progress),
                lambda progress: show(charts.loss_figure(progress.record), key=f"smp_live_{progress.step}"),
            )
            if trained is not None:
                st.session_state["smp_small"] = (trained[0].cpu(), trained[1])
                st.session_state.pop("smp_small_text", None)
    own = st.session_state.get("smp_small")
    try:
        small_model, history = own or default_small_run(str(SMALL_DIR))
    except ArtefactError as problem:
        st.error(
            t("sampling.model_missing", path=shown_path(SMALL_DIR), problem=problem.reason), icon=":material/error:"
        )
        return
    show(charts.loss_figure(history, mine=own is not None), key="smp_small_loss")
    figures = {"steps": history.steps[-1], "seconds": f"{history.seconds:.1f}", "loss": f"{history.val_loss[-1]:.2f}"}
    st.markdown(t("sampling.retrained" if own else "sampling.retrained_default", **figures))
    if st.button(t("sampling.sample_small"), icon=":material/play_arrow:", key="smp_sample_small"):
        settings = chosen_settings()
        length, seed = st.session_state.get("smp_length", LENGTH_SLIDER[2]), int(st.session_state.get("smp_seed", 0))
        text = sample_text(small_model, ids, settings, length, seed)
        st.session_state["smp_small_text"] = (shown_prompt, text, describe(settings, seed))
    if "smp_small_text" in st.session_state:
        shown, text, used = st.session_state["smp_small_text"]
        st.caption(used)
        show_sample(shown, text)


st.header(t("sampling.retrain_header"))
st.markdown(t("sampling.retrain_intro"))
retrain_section()

vocabulary("sampling")
show_code(gpt.GPT.next_logits, smp.distribution, smp.entropy, smp.sample_counts, smp.generate, smp.prepare_prompt)
lesson_footer("sampling")
