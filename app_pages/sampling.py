"""Lesson 9 — Sampling: temperature, top-k and top-p on the course's own tiny character GPTs
(Shakespeare or Tang poems, the learner's choice).

Each section is an st.fragment: moving a slider reruns only its own section, with the model and
prompt of the page's last full run as its argument. The hero (temperature) and retraining a smaller
model are here; the sections between live in app_pages/sampling_sections.py, generating text in
app_pages/sampling_text.py, the defaults and caches in app_pages/sampling_data.py.
"""

import streamlit as st

from app_pages import sampling_data as data
from app_pages import sampling_sections as sections
from app_pages import sampling_text as text_section
from core import gpt
from core import sampling as smp
from core.artefacts import ArtefactError, shown_path
from core.device import describe_device, get_device
from core.gpt_train import PRESETS, TrainSettings, train
from ui import exercise
from ui import sampling_charts as charts
from ui.corpus import corpus_split, shown_corpus
from ui.figures import show
from ui.frame import go_deeper, lesson_footer, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code, vocabulary
from ui.lessons import ROOT
from ui.scrub import scrub_figure
from ui.tiny_gpt import load_chosen, model_dir
from ui.training_slot import train_with_progress
from ui.widgets import slider

MAX_PROMPT = 2000  # characters a learner may type; the model reads only the last block_size of them
SMALL, SMALL_SETTINGS = PRESETS["lesson"]  # the learner's own model
SMALL_DIR = ROOT / "models" / "tiny_gpt_lesson"  # that model trained with the defaults, shown on arrival
STEPS_SLIDER = (100, 600, SMALL_SETTINGS.max_iters, 100)


@st.fragment
def temperature_section(lesson: data.Loaded) -> None:
    """The hero: the temperature scrubbed over the next character's distribution."""
    vocab, ids, directory = lesson.vocab, lesson.ids, lesson.directory
    temperature = slider("sampling.temp_label", data.TEMP_SLIDER, "smp_temp", help=t("sampling.temp_help"))
    logits = data.next_logits(directory, ids)  # (vocab,), □ masked
    signature = (directory, ids, current_language())
    build = lambda: charts.temperature_template(vocab.chars, logits, data.TEMPERATURES)  # noqa: E731
    active = smp.nearest_index(data.TEMPERATURES, temperature)
    public = data.shipped_prompt(directory, ids)
    show(scrub_figure("smp_temperature", signature, build, active, public), "smp_temperature_chart")
    if temperature == 0:
        st.caption(t("sampling.greedy_note", char=charts.show_char(vocab.chars[int(logits.argmax())])))
    cold, hot = smp.distribution(logits, 0.05), smp.distribution(logits, 1.0)
    top = int(logits.argmax())
    top_char, cold_p, warm_p = charts.show_char(vocab.chars[top]), f"{float(cold[top]):.1%}", f"{float(hot[top]):.1%}"
    exercise.choice("sampling", 1, sections.EXERCISES, t("sampling.ex1_question"),
                    {"greedy": t("sampling.ex1_greedy"), "uniform": t("sampling.ex1_uniform"),
                     "same": t("sampling.ex1_same")},
                    answer="greedy", explain=t("sampling.ex1_explain", char=top_char, cold=cold_p, warm=warm_p),
                    preset={"smp_temp": 0.05})  # fmt: skip
    h1, h2 = float(smp.entropy(smp.distribution(logits, 1.0))), float(smp.entropy(smp.distribution(logits, 2.0)))
    exercise.choice("sampling", 2, sections.EXERCISES, t("sampling.ex2_question"),
                    {"up": t("sampling.ex2_up"), "down": t("sampling.ex2_down"), "same": t("sampling.ex2_same")},
                    answer=smp.direction(h1, h2), explain=t("sampling.ex2_explain", h1=f"{h1:.2f}", h2=f"{h2:.2f}"),
                    preset={"smp_temp": 2.0})  # fmt: skip


def small_trainer(vocab_chars: str, vocab_size: int) -> None:
    """The steps slider and the Retrain button (only with a readable corpus); a run replaces the default."""
    try:
        train_data, val_data = corpus_split(vocab_chars)
    except ArtefactError as problem:  # missing or unreadable: only this section steps aside
        st.info(t("sampling.no_corpus", path=shown_corpus(), problem=problem.reason), icon=":material/folder_off:")
        return
    device = get_device()
    small = gpt.GPTConfig(**{**SMALL.to_dict(), "vocab_size": vocab_size})
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


@st.fragment
def retrain_section(chosen: data.Loaded) -> None:
    """The small Shakespeare model, whichever model the page shows: its own 65 characters, its text
    and, with the Tang poems chosen, its own default prompt."""
    try:
        lesson = data.shakespeare_lesson(chosen)
        if chosen.name != "shakespeare":
            st.caption(t("sampling.retrain_other", n=len(lesson.vocab), prompt=lesson.shown.replace("\n", " / ")))
        small_trainer(lesson.vocab.chars, len(lesson.vocab))
        own = st.session_state.get("smp_small")
        small_model, history = own or data.default_small_run(str(SMALL_DIR))
    except ArtefactError as problem:  # the small model's files, or Shakespeare's with the Tang poems chosen
        folder = SMALL_DIR if chosen.name == "shakespeare" else model_dir("shakespeare")
        st.error(t("sampling.model_missing", path=shown_path(folder), problem=problem.reason), icon=":material/error:")
        return
    show(charts.loss_figure(history, mine=own is not None), key="smp_small_loss")
    figures = {"steps": history.steps[-1], "seconds": f"{history.seconds:.1f}", "loss": f"{history.val_loss[-1]:.2f}",
               "big": f"{lesson.val_loss:.2f}"}  # fmt: skip
    st.markdown(t("sampling.retrained" if own else "sampling.retrained_default", **figures))
    if st.button(t("sampling.sample_small"), icon=":material/play_arrow:", key="smp_sample_small"):
        settings = sections.chosen_settings(len(lesson.vocab))
        length = st.session_state.get("smp_length", data.LENGTH_SLIDER[2])
        seed = int(st.session_state.get("smp_seed", 0))
        text = sections.sample_text(small_model, lesson, settings, length, seed)
        st.session_state["smp_small_text"] = (lesson.shown, text, sections.describe(settings, seed))
    if "smp_small_text" in st.session_state:
        shown, text, used = st.session_state["smp_small_text"]
        st.caption(used)
        sections.show_sample(shown, text)


setup_page("sampling")
st.markdown(t("sampling.intro"))
model, vocab, info, directory, name = load_chosen("sampling.model_missing")  # name: of the model loaded
config = model.config
card = {"params": f"{model.num_params():,}", "layers": config.n_layer, "heads": config.n_head, "width": config.n_embd,
        "block": config.block_size, "vocab": f"{len(vocab):,}", "steps": info.get("settings", {}).get("max_iters", "?"),
        "loss": f"{info.get('val_loss', float('nan')):.3f}",
        "device": str(info.get("device", "cpu")).split(":")[0].upper()}  # fmt: skip
st.info(t(f"sampling.{name}.model_card", **card), icon=":material/smart_toy:")

# --- The prompt -------------------------------------------------------------------------------------
st.header(t("sampling.prompt_header"))
prompt_text = st.text_area(t("sampling.prompt_label"), data.DEFAULT_PROMPTS[name], max_chars=MAX_PROMPT,
                           key=data.PROMPT_KEYS[name], help=t("sampling.prompt_help"))  # fmt: skip
prompt = smp.prepare_prompt(prompt_text, vocab, config.block_size)
if prompt.unknown:
    unknown = t(f"sampling.{name}.unknown_chars", count=len(prompt.unknown), known=f"{data.writable(vocab):,}")
    st.warning(unknown, icon=":material/translate:")
    st.code(" ".join(prompt.unknown[:60]) + (" …" if len(prompt.unknown) > 60 else ""), language=None)
if prompt.cut:
    st.info(t("sampling.prompt_cut", cut=prompt.cut, block=config.block_size), icon=":material/cut:")
if not prompt.ids:
    st.warning(t("sampling.prompt_empty"), icon=":material/edit_note:")
lesson = data.lesson_for(name, directory, prompt.ids)  # "\n" for an empty prompt

# --- The next character's distribution ---------------------------------------------------------------
st.header(t("sampling.dist_header"))
st.markdown(t("sampling.dist_intro"))
try_this(t("sampling.temp_try"))
temperature_section(lesson)
st.latex(r"p_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}},\qquad H = -\sum_i p_i \log_2 p_i \ \text{bits}")
what_you_saw(t("sampling.temp_saw"))

st.header(t("sampling.cut_header"))
st.markdown(t("sampling.cut_intro"))
try_this(t("sampling.cut_try"))
sections.cut_section(lesson)

st.header(t("sampling.step_header"))
st.markdown(t("sampling.step_intro"))
sections.step_section(lesson)
with go_deeper(t("sampling.draws_header", n=f"{sections.N_DRAWS:,}")):
    st.markdown(t("sampling.draws_intro", n=f"{sections.N_DRAWS:,}"))
    sections.draws_section(lesson)

# --- Generating text -----------------------------------------------------------------------------------
st.header(t("sampling.generate_header"))
st.markdown(t("sampling.generate_intro"))
text_section.generation_section(lesson)
with go_deeper(t("sampling.extremes_header")):
    st.markdown(t("sampling.extremes", too_hot=t(f"sampling.{name}.too_hot"), invents=t(f"sampling.{name}.invents")))

# --- Retrain a smaller model ---------------------------------------------------------------------------
with go_deeper(t("sampling.retrain_header")):  # hands-on, but beside the lesson's path: folded away
    st.markdown(t("sampling.retrain_intro"))
    retrain_section(lesson)

vocabulary("sampling")
show_code(gpt.GPT.next_logits, smp.distribution, smp.entropy, smp.sample_counts, smp.generate, smp.prepare_prompt)
lesson_footer("sampling")
