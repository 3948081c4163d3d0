"""Lesson 9 — The big picture: where LLMs sit, symbolism against connectionism, the tiny GPT
quantized and pruned with its costs measured, and a searchable glossary.

Each interactive section is an st.fragment: moving a control reruns only its own section.
"""

import numpy as np
import streamlit as st
import torch

from core import big_picture as bp
from core import compress, fitting, glossary
from core.artefacts import ArtefactError, shown_path
from core.corpus import corpus_path
from core.device import describe_device, get_device
from core.distill import STUDENT, STUDENT_SETTINGS, distillation_loss, train_student
from core.gpt import GPTConfig
from core.progress import Progress, report, scaled
from ui import big_picture_charts as charts
from ui.corpus import corpus_split, shown_corpus
from ui.figures import chart, show
from ui.frame import lesson_footer, lesson_link
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code
from ui.tiny_gpt import get_model, model_dir
from ui.training_slot import train_with_progress

# Ranges and defaults, in one place: (min, max, default, step).
RULE_SLIDER = (5.0, 35.0, 17.0, 1.0)
SPARSITY_SLIDER = (0, 95, 0, 5)  # percent
BIT_CHOICES = (32, 8, 4)  # 32: the original floats
DEFAULT_BITS = 8
HISTOGRAM_TENSOR = "blocks.0.mlp.fc.weight"
TRADEOFF = [compress.Settings(None, True, s) for s in (0.0, 0.3, 0.5, 0.7, 0.9)]  # pruning only
TRADEOFF += [compress.Settings(bits, pc, s) for bits in (8, 4) for pc in (False, True) for s in (0.0, 0.5)]
MAX_SEARCH = 100


# --- The measures of a compressed model, cached per setting: going back to one is instant, and
# learners share the work. The shared model itself is only read. ----------------------------------
@st.cache_resource(max_entries=2, show_spinner=False)
def reference_texts(directory: str) -> torch.Tensor:
    return bp.reference_texts(get_model(directory)[0])


def usable_corpus(chars: str) -> tuple[str | None, ArtefactError | None]:
    """The corpus's path where it can be read in the vocabulary `chars` (else None: the measures
    that need it are left out), and what went wrong if it cannot."""
    path = str(corpus_path())
    try:
        corpus_split(chars, path)
    except ArtefactError as problem:
        return None, problem
    return path, None


def validation_text(chars: str, corpus: str | None) -> torch.Tensor | None:
    return None if corpus is None else corpus_split(chars, corpus)[1]


@st.cache_data(max_entries=64, show_spinner=False)
def evaluate(
    directory: str, corpus: str | None, settings: compress.Settings, with_sample: bool = True
) -> bp.Compressed:
    model, vocab, _ = get_model(directory)
    val = validation_text(vocab.chars, corpus)
    return bp.measure_compressed(model, vocab, settings, reference_texts(directory), val, with_sample)


@st.cache_data(max_entries=4, show_spinner=False)
def original_measures(directory: str, corpus: str | None) -> bp.Measured:
    model, vocab, _ = get_model(directory)
    return bp.measure_original(model, vocab, validation_text(vocab.chars, corpus))


setup_page("big-picture")
st.markdown(t("big_picture.intro"))

# --- Where LLMs sit --------------------------------------------------------------------------------
st.header(t("big_picture.where_header"))
st.markdown(t("big_picture.where_intro"))
chart("big_nested", (current_language(),), charts.nested_figure)  # the same for every learner


@st.fragment
def rule_section() -> None:
    lo, hi, default, step = RULE_SLIDER
    threshold = st.slider(
        t("big_picture.rule_label"),
        lo,
        hi,
        default,
        step,
        key="big_rule",
        format="%.0f",
        bind="query-params",
        help=t("big_picture.rule_help"),
    )
    x, y = np.array(fitting.TEA_PRICES), np.array(fitting.TEA_SALES)
    k, b = bp.learned_line(x, y)
    build = lambda: charts.rule_figure(RULE_SLIDER[2])  # noqa: E731
    chart("big_rule_chart", (current_language(),), build, lambda f: charts.update_rule_figure(f, threshold))
    left, right = st.columns(2)
    with left:
        st.caption(t("big_picture.rule_code_caption"))
        cheap, dear = int(bp.CHEAP_CUPS), int(bp.DEAR_CUPS)
        st.code(f"if price <= {threshold:g}:\n    cups = {cheap}\nelse:\n    cups = {dear}", language="python")
        st.metric(
            t("big_picture.rule_error"), f"{bp.rule_error(x, y, threshold):,.0f}", help=t("big_picture.error_help")
        )
    with right:
        st.caption(t("big_picture.line_code_caption"))
        st.code(f"cups = {k:.2f} * price + {b:.1f}", language="python")
        st.metric(
            t("big_picture.line_error"), f"{fitting.dataset_error(x, y, k, b):,.0f}", help=t("big_picture.error_help")
        )


st.header(t("big_picture.sym_header"))
st.markdown(t("big_picture.sym_intro"))
rule_section()
st.markdown(t("big_picture.sym_explain"))
lesson_link("fitting", numbered=True)

# --- Compression -------------------------------------------------------------------------------------
st.header(t("big_picture.compress_header"), anchor="compression")
st.markdown(t("big_picture.compress_intro"))
get_device()  # once per server: PyTorch's thread count (one thread per computation, learners share the CPU)
try:
    model, vocab, info = get_model(str(model_dir()))
except ArtefactError as problem:  # missing or corrupt files: explain, never a traceback
    st.error(
        t("big_picture.model_missing", path=shown_path(model_dir()), problem=problem.reason), icon=":material/error:"
    )
    model = None
if model is not None:
    matrices = {name: p for name, p in model.named_parameters() if compress.compressible(name, p)}
    share = sum(p.numel() for p in matrices.values()) / model.num_params()
    st.markdown(t("big_picture.how_it_works", share=f"{share:.1%}"))
    st.latex(
        r"q = \mathrm{clip}\!\left(\mathrm{round}\!\left(\tfrac{w}{s}\right), -q_{\max}, q_{\max}\right),"
        r"\quad \hat w = q\,s,\quad s = \frac{\max |w|}{q_{\max}},\quad |\hat w - w| \le \tfrac{s}{2}"
    )


def settings_widgets() -> compress.Settings:
    """The compression controls, side by side; what they are set to."""
    c1, c2, c3 = st.columns([1.2, 1, 1.4])
    with c1:
        bits = st.radio(
            t("big_picture.bits_label"),
            BIT_CHOICES,
            BIT_CHOICES.index(DEFAULT_BITS),
            key="big_bits",
            horizontal=True,
            bind="query-params",
            help=t("big_picture.bits_help"),
        )
    with c2:
        per_channel = st.toggle(
            t("big_picture.per_channel_label"),
            True,
            key="big_channel",
            bind="query-params",
            help=t("big_picture.per_channel_help"),
        )
    with c3:
        lo, hi, default, step = SPARSITY_SLIDER
        percent = st.slider(
            t("big_picture.sparsity_label"),
            lo,
            hi,
            default,
            step,
            key="big_sparsity",
            bind="query-params",
            help=t("big_picture.sparsity_help"),
        )
    return compress.Settings(None if bits == 32 else bits, per_channel, percent / 100)


@st.fragment
def compression_section() -> None:
    settings = settings_widgets()
    name = st.selectbox(
        t("big_picture.histogram_label"),
        list(matrices),
        list(matrices).index(HISTOGRAM_TENSOR) if HISTOGRAM_TENSOR in matrices else 0,
        key="big_tensor",
        bind="query-params",
    )
    w = matrices[name].detach()
    after = compress.prune(w, settings.sparsity) if settings.sparsity > 0 else w
    if settings.bits is not None:
        after = compress.dequantize(compress.quantize(after, settings.bits, settings.per_channel))
    directory = str(model_dir())
    chart(
        "big_histogram",
        (name, current_language(), directory),
        lambda: charts.histogram_figure(name, w.numpy()),
        lambda f: charts.update_histogram(f, w.numpy(), after.numpy()),
    )

    with st.spinner():
        corpus, corpus_problem = usable_corpus(vocab.chars)
        original = original_measures(directory, corpus)
        result = evaluate(directory, corpus, settings)
    st.session_state["big_current"] = result  # the trade-off chart's star
    left, right = st.columns(2)
    with left:
        st.subheader(t("big_picture.original_header"))
        st.metric(
            t("big_picture.size_label"),
            t("big_picture.size_value", kb=original.size / 1000),
            help=t("big_picture.size_help"),
        )
        if original.val_loss is not None:
            st.metric(
                t("big_picture.loss_label"),
                f"{original.val_loss:.3f}",
                help=t(
                    "big_picture.loss_help",
                    chars=bp.loss_chars(model),
                ),
            )
    with right:
        st.subheader(t("big_picture.compressed_header"))
        st.metric(
            t("big_picture.size_label"),
            t("big_picture.size_value", kb=result.size / 1000),
            t("big_picture.ratio", ratio=original.size / result.size),
            delta_color="off",
            delta_arrow="off",
            help=t("big_picture.size_help"),
        )
        if result.val_loss is not None:
            delta = result.val_loss - original.val_loss
            st.metric(
                t("big_picture.loss_label"),
                f"{result.val_loss:.3f}",
                t("big_picture.loss_delta", delta=delta),
                delta_color="inverse",
                help=t(
                    "big_picture.loss_help",
                    chars=bp.loss_chars(model),
                ),
            )
    if corpus_problem is not None:
        st.info(
            t("big_picture.no_corpus", path=shown_corpus(), problem=corpus_problem.reason), icon=":material/folder_off:"
        )
    m1, m2, m3 = st.columns(3)
    positions = bp.N_REFERENCE_TEXTS * model.config.block_size
    m1.metric(
        t("big_picture.kl_label"),
        t("big_picture.kl_value", kl=result.kl),
        help=t("big_picture.kl_help", chars=positions),
    )
    m2.metric(t("big_picture.top1_label"), f"{result.top1:.1%}", help=t("big_picture.top1_help"))
    m3.metric(t("big_picture.sparsity_reached"), f"{result.pruned:.1%}", help=t("big_picture.sparsity_reached_help"))
    st.caption(t("big_picture.timing", compress_ms=result.compress_ms, eval_ms=result.eval_ms))

    st.subheader(t("big_picture.sample_header"))
    st.markdown(
        t(
            "big_picture.sample_intro",
            prompt=bp.SAMPLE_PROMPT.strip(),
            seed=bp.SAMPLE_SEED,
            temp=bp.SAMPLE_TEMPERATURE,
        )
    )
    left, right = st.columns(2)
    left.caption(t("big_picture.original_header"))
    left.code(original.sample, language=None, wrap_lines=True)
    right.caption(t("big_picture.compressed_header"))
    right.code(result.sample, language=None, wrap_lines=True)


@st.fragment
def tradeoff_section() -> None:
    st.markdown(t("big_picture.tradeoff_intro"))
    if st.button(t("big_picture.tradeoff_button"), icon=":material/scatter_plot:", key="big_tradeoff"):
        directory, (corpus, _) = str(model_dir()), usable_corpus(vocab.chars)

        def measure_all(on_progress) -> list[bp.Compressed]:
            points = []
            for i, settings in enumerate(TRADEOFF):
                points.append(evaluate(directory, corpus, settings, with_sample=False))
                report(on_progress, i + 1, len(TRADEOFF))
            return points

        points = train_with_progress(lambda p: t("big_picture.tradeoff_running", n=len(TRADEOFF)), measure_all)
        if points is not None:
            st.session_state["big_tradeoff_points"] = points
    points = st.session_state.get("big_tradeoff_points")
    if points is None:
        return
    current = st.session_state.get("big_current")
    show(charts.tradeoff_figure(points, current, "kl"), key="big_tradeoff_kl")
    if points[0].val_loss is not None:
        show(charts.tradeoff_figure(points, current, "val_loss"), key="big_tradeoff_loss")


@st.fragment
def distill_section() -> None:
    try:
        train_data, val_data = corpus_split(vocab.chars)
    except ArtefactError as problem:  # missing or unreadable: only this section steps aside
        message = t("big_picture.distill_no_corpus", path=shown_corpus(), problem=problem.reason)
        st.info(message, icon=":material/folder_off:")
        return
    device, steps = get_device(), STUDENT_SETTINGS.max_iters
    student = GPTConfig(**{**STUDENT.to_dict(), "vocab_size": len(vocab)})
    card = t("big_picture.distill_card", layers=student.n_layer, width=student.n_embd, block=student.block_size)
    st.caption(card + " · " + t("big_picture.device_used", device=describe_device(device)))
    students = (("text", None), ("teacher", model))  # one on the raw text, one taught by the shipped model

    def describe(progress: Progress) -> str:
        """Which student is training, and its own step: the two count as one run of 2 × steps."""
        if progress.step == 0:
            return t("big_picture.distill_starting")
        i = min((progress.step - 1) // steps, 1)
        which = t(f"big_picture.distill_{students[i][0]}")
        return t("big_picture.distill_training", which=which, step=progress.step - i * steps, total=steps)

    def train_both(on_progress) -> dict:
        results = {}
        for i, (mode, teacher) in enumerate(students):
            part = scaled(on_progress, i * steps, 2 * steps)
            trained, history = train_student(
                student, train_data, val_data, STUDENT_SETTINGS, teacher, 1.0, device, on_progress=part
            )
            results[mode] = (history, bp.sample(trained.cpu(), vocab))
        return results

    if st.button(t("big_picture.distill_button"), type="primary", icon=":material/school:", key="big_distill"):
        results = train_with_progress(describe, train_both)
        if results is not None:
            st.session_state["big_distilled"] = results
    if "big_distilled" not in st.session_state:
        return
    results = st.session_state["big_distilled"]
    histories = {mode: history for mode, (history, _) in results.items()}
    show(charts.distill_figure(histories, info.get("val_loss")), key="big_distill_chart")
    text_loss, teacher_loss = histories["text"].val_loss[-1], histories["teacher"].val_loss[-1]
    st.markdown(
        t(
            "big_picture.distill_result",
            steps=steps,
            text_loss=f"{text_loss:.3f}",
            teacher_loss=f"{teacher_loss:.3f}",
            text_s=f"{histories['text'].seconds:.1f}",
            teacher_s=f"{histories['teacher'].seconds:.1f}",
        )
    )
    left, right = st.columns(2)
    for column, mode in ((left, "text"), (right, "teacher")):
        column.caption(t(f"big_picture.distill_{mode}"))
        column.code(results[mode][1], language=None, wrap_lines=True)


if model is not None:
    compression_section()
    st.subheader(t("big_picture.tradeoff_header"))
    tradeoff_section()
    st.markdown(t("big_picture.compress_explain"))
    st.subheader(t("big_picture.distill_header"))
    st.markdown(t("big_picture.distill_intro"))
    distill_section()


# --- Glossary ----------------------------------------------------------------------------------------
@st.fragment
def glossary_section() -> None:
    st.markdown(t("big_picture.glossary_intro", n=len(glossary.TERMS)))
    query = st.text_input(
        t("big_picture.search_label"),
        "",
        MAX_SEARCH,
        key="big_search",
        placeholder=t("big_picture.search_placeholder"),
        help=t("big_picture.search_help"),
    )
    group = st.segmented_control(
        t("big_picture.group_label"),
        ("all", *glossary.GROUPS),
        default="all",
        format_func=lambda g: t("big_picture.all_groups") if g == "all" else t(f"big_picture.groups.{g}"),
        key="big_group",
    )
    shown = [
        term
        for term in glossary.TERMS
        if group in (None, "all", term.group)
        and glossary.matches(
            query, t(f"big_picture.glossary.{term.id}.term"), t(f"big_picture.glossary.{term.id}.text")
        )
    ]
    if not shown:
        st.info(t("big_picture.no_hits"), icon=":material/search_off:")
        return
    st.caption(t("big_picture.hits", n=len(shown), total=len(glossary.TERMS)))
    for group_id in glossary.GROUPS:
        in_group = [term for term in shown if term.group == group_id]
        if not in_group:
            continue
        st.subheader(t(f"big_picture.groups.{group_id}"))
        for term in in_group:
            st.markdown(
                f"**{t(f'big_picture.glossary.{term.id}.term')}** — {t(f'big_picture.glossary.{term.id}.text')}"
            )
            if term.lesson == "big-picture":
                header = {"symbolism": "sym_header", "distillation": "distill_header"}.get(term.id, "compress_header")
                section = t(f"big_picture.{header}")
                st.caption(t("big_picture.on_this_page", section=section))
            elif term.lesson is not None:
                with st.container(horizontal=True, vertical_alignment="center", gap="small"):
                    st.caption(t("big_picture.demonstrated_in"), width="content")
                    lesson_link(term.lesson, numbered=True)


st.header(t("big_picture.glossary_header"), anchor="glossary")
glossary_section()

if model is not None:
    show_code(
        compress.quantize,
        compress.dequantize,
        compress.prune,
        compress.compressed_model,
        compress.tensor_bytes,
        compress.model_size_bytes,
        compress.agreement,
        distillation_loss,
    )

lesson_footer("big-picture")
