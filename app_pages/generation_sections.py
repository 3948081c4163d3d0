"""The generation lesson's first sections: the hero (a training run's checkpoints scrubbed), what training
minimizes, and one block opened on the learner's prompt. Imported by app_pages/generation.py; not a page
itself (ui/lessons.py names the pages). Decoding and the cost of writing: app_pages/generation_decoding.py.
"""

import math

import numpy as np
import streamlit as st
import torch

from app_pages import generation_data as data
from core import generation as G
from core.gpt import GPT
from ui import exercise
from ui import generation_charts as charts
from ui.figures import chart, show
from ui.frame import try_this, what_you_saw
from ui.i18n import current_language, t
from ui.literal import for_markdown
from ui.sampling_charts import show_char
from ui.scrub import scrub_figure
from ui.tiny_gpt import KEY
from ui.widgets import slider

EXERCISES = 3


def focused_head(run: dict) -> int:
    """The last layer's head that attends most sharply at the end of the run (largest mean top weight)."""
    final = run["checkpoints"][-1]["attention"]  # (n_head, T, ≤T)
    return int(np.argmax([np.mean([max(row) for row in head]) for head in final]))


@st.cache_resource(max_entries=2, show_spinner=False)
def untrained_loss(directory: str, ids: tuple[int, ...]) -> float:
    """Cross-entropy of a freshly initialized model of the same shape on ids (used where no run is saved)."""
    model = data.get_model(directory)[0]
    fresh = GPT(model.config, torch.Generator().manual_seed(0)).eval()
    idx = torch.tensor([ids])  # (1, T)
    with torch.no_grad():
        _, loss = fresh(idx[:, :-1], idx[:, 1:])
    return float(loss)


def step_zero_loss(lesson: data.Loaded, run: dict | None) -> float:
    if run is not None:
        return run["checkpoints"][0]["val_loss"]
    ids = data.default_ids(lesson.directory)[0]
    return untrained_loss(lesson.directory, ids)


# --- The hero ------------------------------------------------------------------------------------------------
@st.fragment
def hero_section(lesson: data.Loaded) -> None:
    """The training run's checkpoints, scrubbed in the figure; the step slider is the keyboard path."""
    run = data.learning_run(lesson.name)
    if run is None:
        st.info(t("generation.run_missing", model=t(f"generation.models.{lesson.name}"),
                  path=f"models/learning_run/{lesson.name}.json"), icon=":material/hourglass_empty:")  # fmt: skip
        return
    try_this(t("generation.hero_try"))
    heads = len(run["checkpoints"][0]["attention"])
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    with c1:
        step = slider("generation.step_label", data.STEP_SLIDER, "gen_step", help=t("generation.step_help"))
    with c2:
        head = st.segmented_control(t("generation.head_label"), list(range(heads)), default=focused_head(run),
                                    format_func=lambda h: str(h + 1), key="gen_head", required=True,
                                    help=t("generation.head_help"))  # fmt: skip
    ln_v = G.uniform_loss(run["vocab_size"])
    signature = (lesson.name, run["seconds"], head, current_language())
    build = lambda: charts.hero_template(run, head, ln_v)  # noqa: E731
    show(scrub_figure("gen_hero", signature, build, data.checkpoint_index(run, step)), "gen_hero_chart")
    first, last = run["checkpoints"][0], run["checkpoints"][-1]
    what_you_saw(t("generation.hero_saw", v=f"{run['vocab_size']:,}", ln_v=f"{ln_v:.2f}",
                   first=f"{first['val_loss']:.2f}", last=f"{last['val_loss']:.2f}", steps=f"{last['step']:,}",
                   ppl=f"{math.exp(last['val_loss']):.1f}",
                   seconds=f"{run['seconds']:.0f}", params=f"{run['parameters']:,}"))  # fmt: skip


def exercise_one(lesson: data.Loaded) -> None:
    """Card 1: the loss before any training, asked of the course's other tiny GPT (this one's is on the page
    above: ln V in the hero and in the text beside the card). The answer is the choice nearest the other run's
    loss at step 0; without that run, the question is about this model and a fresh model of its shape decides."""
    other = "tang" if lesson.name == "shakespeare" else "shakespeare"
    run = data.learning_run(other)
    this_lnv = G.uniform_loss(len(lesson.vocab))
    if run is None:
        V, measured, preset = len(lesson.vocab), step_zero_loss(lesson, data.learning_run(lesson.name)), None
        question = t("generation.ex1_question", v=f"{V:,}")
    else:
        V, measured, preset = run["vocab_size"], run["checkpoints"][0]["val_loss"], {KEY: other, "gen_step": 0}
        question = t("generation.ex1_question_other", model=t(f"generation.models.{other}"), v=f"{V:,}")
    values = {"zero": 0.0, "this": this_lnv, "lnv": G.uniform_loss(V), "v": float(V)}
    values = values if run is not None else {**values, "this": lesson.val_loss}  # same model: its trained loss
    options = {key: f"{value:,.2f}" if key != "v" else f"{V:,}" for key, value in values.items()}
    options["zero"] = "0"
    answer = min(values, key=lambda k: abs(values[k] - measured))
    explain = t("generation.ex1_explain", measured=f"{measured:.2f}", v=f"{V:,}", ln_v=f"{G.uniform_loss(V):.2f}",
                p=f"{1 / V:.4f}")  # fmt: skip
    exercise.choice("generation", 1, EXERCISES, question, options, answer, explain, preset)


# --- What training minimizes -------------------------------------------------------------------------------------
def loss_section(lesson: data.Loaded, info: dict) -> None:
    """Cross-entropy, ln V, the shipped model's loss as a perplexity, and mini-batches, in this model's numbers."""
    V, config = len(lesson.vocab), lesson.model.config
    settings = info.get("settings", {})
    batch, steps = settings.get("batch_size", 0), settings.get("max_iters", 0)
    perplexity = r"\text{" + t("generation.perplexity") + "}"
    left, right = st.columns([3, 2])
    left.latex(r"\begin{gathered}L = -\frac{1}{N}\sum_{t=1}^{N} \ln p_\theta(x_{t+1} \mid x_1,\dots,x_t)\\"
               r"L_{\text{uniform}} = -\ln\tfrac{1}{V} = \ln V,\qquad " + perplexity + r" = e^{L}"
               r"\end{gathered}")  # fmt: skip
    left.markdown(t("generation.loss_text", v=f"{V:,}", ln_v=f"{G.uniform_loss(V):.2f}", loss=f"{lesson.val_loss:.4f}",
                  ppl=f"{G.perplexity(lesson.val_loss):.2f}", uniform_ppl=f"{G.perplexity(G.uniform_loss(V)):,.0f}",
                  model=t(f"generation.models.{lesson.name}"), batch=batch, block=config.block_size,
                  chars=f"{batch * config.block_size:,}", steps=f"{steps:,}",
                  total=f"{batch * config.block_size * steps:,}"))  # fmt: skip
    with right:
        exercise_one(lesson)


# --- One block, opened ----------------------------------------------------------------------------------------
@st.fragment
def block_section(lesson: data.Loaded) -> None:
    """The residual stream of the learner's prompt, and the parameters by part with their sum."""
    trace = data.trace(lesson.directory, lesson.ids)
    chars = lesson.vocab.chars
    public = data.shipped(lesson.directory, lesson.ids)
    signature = (lesson.directory, lesson.ids, current_language())
    parts = data.parts(lesson.directory)
    total = sum(p.count for p in parts)
    stream_tab, parts_tab = st.tabs([t("generation.tab_stream"), t("generation.tab_parts", total=f"{total:,}")])
    with stream_tab:
        chart("gen_stream", signature, lambda: charts.stream_figure(trace, chars), public=public)
        st.markdown(stream_saw(trace, chars, lesson))
    with parts_tab:
        left, right = st.columns([3, 2], vertical_alignment="center")
        with left:
            chart("gen_parts", (lesson.directory, current_language()), lambda: charts.parts_figure(list(parts)))
        right.markdown(parts_text(lesson, parts))


def parts_text(lesson: data.Loaded, parts) -> str:
    """The parameters in numbers: the sum against the model's own count, the blocks' share, the big parts."""
    total = sum(p.count for p in parts)
    by_name = {}
    for part in parts:
        by_name[part.name] = by_name.get(part.name, 0) + part.count
    blocks = sum(p.count for p in parts if p.layer is not None)
    config = lesson.model.config
    return t("generation.parts_text", total=f"{total:,}", num_params=f"{lesson.model.num_params():,}",
             blocks=f"{blocks:,}", share=f"{blocks / total:.0%}", layers=config.n_layer,
             per_block=f"{blocks // config.n_layer:,}", width=config.n_embd, v=f"{len(lesson.vocab):,}",
             embedding=f"{by_name['token_embedding']:,}", head=f"{by_name['head']:,}",
             mlp=f"{by_name['mlp']:,}")  # fmt: skip


def stream_saw(trace: G.Trace, chars: str, lesson: data.Loaded) -> str:
    """What the heatmap shows, in its own numbers: how the stream grows, who adds most, what it predicts."""
    n_layer = trace.attention.shape[0]
    added = np.vstack([trace.attention, trace.mlp])  # (2 n_layer, T)
    r, j = np.unravel_index(int(np.argmax(added)), added.shape)
    where = t("generation.chart.row_attention" if r < n_layer else "generation.chart.row_mlp", layer=r % n_layer + 1)
    probs = torch.softmax(torch.from_numpy(trace.logits[-1]), dim=-1)
    if lesson.banned is not None:
        probs[lesson.banned] = 0.0
    top = int(probs.argmax())
    return t("generation.stream_saw", first=f"{trace.stream[0].mean():.1f}", last=f"{trace.stream[-1].mean():.1f}",
             attention=f"{trace.attention.mean():.1f}", mlp=f"{trace.mlp.mean():.1f}", where=where,
             char=for_markdown(show_char(chars[trace.ids[j]])), position=j + 1, biggest=f"{added[r, j]:.1f}",
             v=f"{len(lesson.vocab):,}", next=for_markdown(show_char(chars[top])),
             p=f"{float(probs[top]):.0%}")  # fmt: skip
