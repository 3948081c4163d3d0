"""Lesson 11 — The big picture: the course's tiny GPT made smaller (quantized and pruned, every state
scrubbed in the browser, the chosen one measured), a small student distilled from it, the whole
pipeline of an LLM with a link to each lesson, and a searchable glossary. The hero lives in
app_pages/big_picture_compression.py, the other sections in big_picture_sections.py; caches are here.
"""

import streamlit as st
import torch

from app_pages import big_picture_compression as compression
from app_pages import big_picture_sections as sections
from core import big_picture as bp
from core import compress
from core.artefacts import ArtefactError, shown_path
from core.corpus import TANG_VALIDATION, corpus_path
from core.device import describe_device, get_device
from core.distill import STUDENT, STUDENT_SETTINGS, distillation_loss, history_of, train_student
from core.gpt import GPTConfig
from ui import big_picture_charts as charts
from ui.corpus import corpus_split, held_out, shown_corpus
from ui.figures import chart
from ui.frame import go_deeper, lesson_footer, try_this
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code
from ui.lessons import ROOT
from ui.tiny_gpt import chosen_name, get_model, model_dir, model_switch
from ui.training_slot import train_with_progress

TEXT_STUDENT = ROOT / "models" / "tiny_gpt_lesson"  # lesson 8's small model: the student on the raw text
TAUGHT_STUDENT = ROOT / "models" / "tiny_gpt_distilled"  # the same, taught by the tiny GPT (python -m core.distill)
TEMPERATURES = (1.0, 2.0, 4.0)  # the learner's own run: how much the teacher's distribution is softened
DEFAULT_OWN_TEMPERATURE = 2.0  # not the shipped student's 1: pressing the button shows something new


# --- Cached computations, shared by every learner (the shared models are only read) -------------------
@st.cache_resource(max_entries=4, show_spinner=False)
def compression_states(directory: str, per_channel: bool) -> bp.CompressionStates:
    return bp.compression_states(get_model(directory)[0], per_channel)


@st.cache_resource(max_entries=2, show_spinner=False)
def reference_texts(directory: str) -> torch.Tensor:
    return bp.reference_texts(get_model(directory)[0])


def usable_text(name: str, vocab) -> tuple[str | None, ArtefactError | None]:
    """The path of the model `name`'s held-out text where it can be read in `vocab` (else None: the
    measures that need it are left out), and what went wrong if it cannot."""
    try:
        held_out(name, vocab)
    except ArtefactError as problem:
        return None, problem
    return str(TANG_VALIDATION if name == "tang" else corpus_path()), None


@st.cache_data(max_entries=64, show_spinner=False)
def evaluate(directory: str, name: str, text: str | None, settings: compress.Settings | None) -> bp.Measured:
    """The original's measures (settings None), or a compressed copy's, on the held-out `text`."""
    model, vocab, _ = get_model(directory)
    val = None if text is None else held_out(name, vocab)
    if settings is None:
        return bp.measure_original(model, vocab, val, with_sample=False)
    return bp.measure_compressed(model, vocab, settings, reference_texts(directory), val, with_sample=False)


def measure(directory: str, settings: compress.Settings | None) -> bp.Measured:
    name = chosen_name()
    return evaluate(directory, name, usable_text(name, get_model(directory)[1])[0], settings)


@st.cache_resource(max_entries=2, show_spinner=False)
def shipped_student(directory: str) -> tuple:
    """A shipped student's training history and the text it writes (seeded), once per server."""
    student, vocab, info = get_model(directory)
    return history_of(info), bp.sample(student, vocab)


setup_page("big-picture")
st.markdown(t("big_picture.intro"))
get_device()  # once per server: PyTorch's thread count (one thread per computation, learners share the CPU)
name = model_switch()
try:
    model, vocab, info = get_model(str(model_dir()))
except ArtefactError as problem:  # missing or corrupt files: explain, never a traceback
    st.error(
        t("big_picture.model_missing", path=shown_path(model_dir()), problem=problem.reason), icon=":material/error:"
    )
    model = None

# --- Making the tiny GPT small (the hero) -----------------------------------------------------------------
if model is not None:
    st.header(t("big_picture.compress_header"), anchor="compression")
    st.markdown(t("big_picture.compress_intro"))
    try_this(t("big_picture.compress_try"))
    compression.compression_section(str(model_dir()), compression_states, measure, bp.loss_chars(model))
    corpus_problem = usable_text(name, vocab)[1]
    if corpus_problem is not None:
        message = t("big_picture.no_corpus", path=shown_corpus(name), problem=corpus_problem.reason)
        st.info(message, icon=":material/folder_off:")
    st.markdown(t("big_picture.compress_explain"))
    with go_deeper(t("big_picture.how_header")):
        share = compress.compressible_share(model)
        st.markdown(t("big_picture.how_it_works", share=f"{share:.1%}"))
        st.latex(
            r"q = \mathrm{clip}\!\left(\mathrm{round}\!\left(\tfrac{w}{s}\right), -q_{\max}, q_{\max}\right),"
            r"\quad \hat w = q\,s,\quad s = \frac{\max |w|}{q_{\max}},\quad |\hat w - w| \le \tfrac{s}{2}"
        )
        st.markdown(t("big_picture.real_inference"))


# --- Distillation ----------------------------------------------------------------------------------------
def own_run(teacher, vocab, temperature: float):
    """Train a student from the teacher at `temperature` (the learner's run); None if it failed."""
    train_data, val_data = corpus_split(vocab.chars)
    config = GPTConfig(**{**STUDENT.to_dict(), "vocab_size": len(vocab)})
    steps = STUDENT_SETTINGS.max_iters

    def train(on_progress):
        student, history = train_student(
            config, train_data, val_data, STUDENT_SETTINGS, teacher, temperature, get_device(), on_progress
        )
        return history, bp.sample(student.cpu(), vocab)

    return train_with_progress(lambda p: t("big_picture.distill_training", step=p.step, total=steps), train)


def distill_controls(teacher, vocab) -> None:
    """The learner's own student, at a temperature they pick (needs the training text)."""
    problem = usable_text("shakespeare", vocab)[1]
    if problem is not None:  # the shipped runs need no text; a new one does
        message = t("big_picture.distill_no_corpus", path=shown_corpus(), problem=problem.reason)
        st.info(message, icon=":material/folder_off:")
        return
    st.markdown(t("big_picture.distill_try"))
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    temperature = left.radio(
        t("big_picture.distill_temp_label"),
        TEMPERATURES,
        TEMPERATURES.index(DEFAULT_OWN_TEMPERATURE),
        key="big_distill_temp",
        horizontal=True,
        format_func=lambda T: f"T = {T:g}",
    )
    if right.button(t("big_picture.distill_button"), type="primary", icon=":material/school:", key="big_distill"):
        result = own_run(teacher, vocab, temperature)
        if result is not None:
            st.session_state["big_distilled"] = (temperature, *result)
    st.caption(t("big_picture.distill_card", device=describe_device(get_device())))


@st.fragment
def distill_section(teacher, vocab, info) -> None:
    try:
        shipped = {"text": shipped_student(str(TEXT_STUDENT)), "taught": shipped_student(str(TAUGHT_STUDENT))}
    except ArtefactError as problem:
        st.error(t("big_picture.students_missing", path=shown_path(TAUGHT_STUDENT), problem=problem.reason))
        return
    text_loss, taught_loss = shipped["text"][0].val_loss[-1], shipped["taught"][0].val_loss[-1]
    question = t("big_picture.ex3_question", steps=STUDENT_SETTINGS.max_iters)
    explain = t("big_picture.ex3_explain", text=f"{text_loss:.3f}", taught=f"{taught_loss:.3f}")
    sections.card(3, ("text", "teacher", "same"), bp.lower_loss(text_loss, taught_loss), question, explain)
    results = st.container()  # drawn after the controls: a run trained just now shows at once
    distill_controls(teacher, vocab)
    with results:
        sections.distill_results(shipped, st.session_state.get("big_distilled"), info.get("val_loss"))


try:  # the teacher is the Shakespeare model whatever the switch says: the students learned Shakespeare
    teacher = get_model(str(model_dir("shakespeare")))
except ArtefactError:  # no teacher, no distillation (the error above names the file when it is the chosen one)
    teacher = None
if teacher is not None:
    st.header(t("big_picture.distill_header"))
    st.markdown(t("big_picture.distill_intro", layers=STUDENT.n_layer, width=STUDENT.n_embd))
    if name != "shakespeare":
        st.caption(t("big_picture.distill_always_shakespeare"))
    distill_section(*teacher)

# --- The whole picture --------------------------------------------------------------------------------
st.header(t("big_picture.picture_header"), anchor="picture")
st.markdown(t("big_picture.picture_intro"))
sections.picture_section()
left, right = st.columns([1, 1.7], vertical_alignment="center")
left.markdown(t("big_picture.venn_intro"))
with right:
    chart("big_nested", (current_language(),), charts.nested_figure)  # the same for every learner
with go_deeper(t("big_picture.sym_header")):
    st.markdown(t("big_picture.sym_intro"))
    sections.rule_section()
    st.markdown(t("big_picture.sym_explain"))

with st.expander(t("big_picture.glossary_header", n=len(sections.glossary_rows())), icon=":material/menu_book:"):
    sections.glossary_section()
st.markdown(t("big_picture.where_this_sits"))
if model is not None:
    show_code(bp.compression_states, compress.compress_tensor, compress.quantize, compress.prune, compress.sizes,
              compress.tensor_bytes, distillation_loss)  # fmt: skip
lesson_footer("big-picture")
