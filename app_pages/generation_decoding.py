"""The generation lesson's later sections: decoding (greedy against beam search, the repetition penalty, a stop
character, one character at a time) and the cost of writing with and without the KV cache. Imported by
app_pages/generation.py; not a page itself. Each section is a fragment: its controls rerun only itself.
"""

import streamlit as st
import torch

from app_pages import generation_data as data
from core import generation as G
from core import sampling as smp
from ui import exercise
from ui import generation_charts as charts
from ui.figures import chart
from ui.frame import what_you_saw
from ui.i18n import current_language, t
from ui.sampling_charts import show_char
from ui.widgets import slider

EXERCISES = 3
STEP_TOP = 5  # candidates shown for the next character


def stop_label(stop: str) -> str:
    """The same in every language (a widget's labels must not depend on the session): — for none."""
    return show_char(stop) if stop else "—"


def controls(lesson: data.Loaded) -> tuple[int, int, float, str]:
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        width = slider("generation.width_label", data.WIDTH_SLIDER, "gen_width", help=t("generation.width_help"))
    with c2:
        n_new = slider("generation.new_label", data.NEW_SLIDER, "gen_new")
    with c3:
        penalty = slider("generation.penalty_label", data.PENALTY_SLIDER, "gen_penalty",
                         help=t("generation.penalty_help"))  # fmt: skip
    with c4:
        stops = data.STOPS[lesson.name]
        stop = st.selectbox(t("generation.stop_label"), stops, format_func=stop_label, key=f"gen_stop_{lesson.name}",
                            help=t("generation.stop_help"))  # fmt: skip
    return width, n_new, penalty, stop or ""


def decode_ids(lesson: data.Loaded, n_new: int) -> tuple[int, ...]:
    """The prompt's last characters that leave room for n_new more in the model's context, so that the whole
    text is scored in one pass (the total log-probabilities compare like with like)."""
    return lesson.ids[-(lesson.model.config.block_size - n_new) :]


def show_text(prompt: str, text: str) -> None:
    st.code(prompt + text, language=None, wrap_lines=True)  # learner text: never as Markdown


@st.fragment
def decoding_section(lesson: data.Loaded) -> None:
    """Greedy (with the repetition penalty) beside beam search's best text, the beam drawn as a tree."""
    width, n_new, penalty, stop = controls(lesson)
    stop_id, ids = lesson.stop_id(stop), decode_ids(lesson, n_new)
    if len(ids) < len(lesson.ids):
        st.caption(t("generation.decode_cut", n=len(ids), block=lesson.model.config.block_size, new=n_new))
    result = data.beams(lesson.directory, ids, width, n_new, stop_id)
    greedy_ids, greedy_logp = data.greedy(lesson.directory, ids, n_new, stop_id, penalty)
    plain_ids = greedy_ids if penalty == 1.0 else data.greedy(lesson.directory, ids, n_new, stop_id, 1.0)[0]
    chars, public, shown = lesson.vocab.chars, data.shipped(lesson.directory, ids), lesson.vocab.decode(ids)
    signature = (lesson.directory, ids, width, n_new, stop_id, plain_ids, current_language())
    chart("gen_beam", signature, lambda: charts.beam_figure(result, chars, plain_ids), public=public)
    best = result.beams[0]
    left, right = st.columns(2)
    greedy_text, beam_text = lesson.vocab.decode(list(greedy_ids)), lesson.vocab.decode(best.ids)
    with left:
        st.markdown(t("generation.greedy_head", logp=f"{greedy_logp:.2f}", penalty=f"{penalty:.2f}",
                      share=f"{smp.repeated_share(greedy_text):.0%}"))  # fmt: skip
        show_text(shown, greedy_text)
    with right:
        st.markdown(t("generation.beam_head", width=width, logp=f"{best.logp:.2f}",
                      share=f"{smp.repeated_share(beam_text):.0%}"))  # fmt: skip
        show_text(shown, beam_text)


def beam_card(lesson: data.Loaded) -> None:
    """Card 2: at width 3 (the page's default length, no penalty, no stop), does beam search's best text have a
    higher total log-probability than greedy's? Core's two numbers decide."""
    width, n_new = data.WIDTH_SLIDER[2], data.NEW_SLIDER[2]
    ids = decode_ids(lesson, n_new)
    beam = data.beams(lesson.directory, ids, width, n_new, None).beams[0].logp
    greedy = data.greedy(lesson.directory, ids, n_new, None, 1.0)[1]
    answer = smp.direction(greedy, beam, tolerance=1e-3)  # "up": the beam's is higher
    options = {"up": t("generation.ex2_higher"), "down": t("generation.ex2_lower"), "same": t("generation.ex2_same")}
    explain = t(f"generation.ex2_explain_{answer}", beam=f"{beam:.2f}", greedy=f"{greedy:.2f}", width=width)
    preset = {"gen_width": width, "gen_new": n_new, "gen_penalty": 1.0, f"gen_stop_{lesson.name}": ""}
    exercise.choice("generation", 2, EXERCISES, t("generation.ex2_question", width=width, n=n_new), options, answer,
                    explain, preset)  # fmt: skip


# --- One character at a time ---------------------------------------------------------------------------------
def add_next(lesson: data.Loaded, sampled: bool) -> None:
    """Append the next character: the most likely one, or one drawn from the whole distribution (seeded)."""
    walk = st.session_state.setdefault("gen_walk", [])
    context = (list(lesson.ids) + walk)[-lesson.model.config.block_size :]
    if not sampled:
        walk.append(G.step_through(lesson.model, context, 1, lesson.banned)[0][0])
        return
    with torch.no_grad():
        logits = smp.mask_unknown(lesson.model.next_logits(torch.tensor([context]))[0], lesson.banned)
    walk.append(smp.draw(smp.distribution(logits, 1.0), len(walk)))


@st.fragment
def step_section(lesson: data.Loaded) -> None:
    """The loop from inside: press to add one character; the next one's top candidates, with probabilities."""
    if st.session_state.get("gen_walk_prompt") != (lesson.directory, lesson.ids):  # a new prompt or model
        st.session_state["gen_walk_prompt"], st.session_state["gen_walk"] = (lesson.directory, lesson.ids), []
    walk = st.session_state["gen_walk"]
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    way = c1.segmented_control(t("generation.way_label"), ("greedy", "sampled"), default="greedy", key="gen_way",
                               format_func=lambda w: t(f"generation.way.{w}"), required=True)  # fmt: skip
    c2.button(t("generation.next_char"), icon=":material/arrow_forward:", key="gen_next", type="primary",
              on_click=add_next, args=(lesson, way == "sampled"))  # fmt: skip
    c3.button(t("generation.restart"), icon=":material/restart_alt:", key="gen_restart",
              on_click=lambda: st.session_state.update(gen_walk=[]))  # fmt: skip
    context = tuple((list(lesson.ids) + walk)[-lesson.model.config.block_size :])
    top = G.step_through(lesson.model, context, STEP_TOP, lesson.banned)
    left, right = st.columns([1, 1])
    with left:
        show_text(lesson.shown, lesson.vocab.decode(walk))
        st.caption(t("generation.walk_count", n=len(walk)))
    with right:
        signature = (lesson.directory, context, current_language())
        chart("gen_candidates", signature, lambda: charts.candidates_figure(lesson.vocab.chars, top), public=False)


# --- The cost of writing -------------------------------------------------------------------------------------------
def total_macs(config, context: int, cached: bool) -> int:
    return sum(G.macs_per_token(config, context, cached).values())


def cost_context(config) -> int:
    return max(c for c in data.COST_CONTEXTS if c <= config.block_size)


@st.fragment
def cost_section(lesson: data.Loaded) -> None:
    """Multiply-adds per new character as the context grows (computed), and both ways timed on the prompt."""
    intro, card = st.columns(2)  # predict first: the card stands before the chart that answers it
    intro.markdown(t("generation.cost_intro"))
    with card:
        cost_card(lesson)
    config = lesson.model.config
    contexts = list(range(1, config.block_size + 1))
    cached = [total_macs(config, c, True) for c in contexts]
    plain = [total_macs(config, c, False) for c in contexts]
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        chart("gen_cost", (lesson.directory, current_language()), lambda: charts.cost_figure(contexts, cached, plain))
    T = config.block_size
    right.markdown(t("generation.cost_text", t=T, plain=f"{plain[-1]:,}", cached=f"{cached[-1]:,}",
                     ratio=f"{plain[-1] / cached[-1]:.0f}", one=f"{cached[0]:,}"))  # fmt: skip
    if right.button(t("generation.time_button", n=data.TIMED_CHARS), icon=":material/timer:", key="gen_time"):
        with st.spinner(t("generation.timing")):
            runs = {c: G.time_generation(lesson.model, lesson.ids, data.TIMED_CHARS, c, 0) for c in (True, False)}
        st.session_state["gen_timed"] = (lesson.directory, lesson.ids, runs[True].seconds, runs[False].seconds)
    timed = st.session_state.get("gen_timed")
    if timed and timed[:2] == (lesson.directory, lesson.ids):
        fast, slow = timed[2], timed[3]
        right.markdown(t("generation.timed", n=data.TIMED_CHARS, fast=f"{fast:.2f}", slow=f"{slow:.2f}",
                         ratio=f"{slow / fast:.1f}", start=len(lesson.ids)))  # fmt: skip
    else:
        right.caption(t("generation.time_hint", n=data.TIMED_CHARS, start=len(lesson.ids)))
    what_you_saw(t("generation.cost_saw"))


def cost_card(lesson: data.Loaded) -> None:
    """Card 3: how many times more multiply-adds the next character costs without the cache at a full context."""
    config = lesson.model.config
    T = cost_context(config)
    plain, cached = total_macs(config, T, False), total_macs(config, T, True)
    ratio = plain / cached
    explain = t("generation.ex3_explain", t=T, plain=f"{plain:,}", cached=f"{cached:,}", ratio=f"{ratio:.4g}")
    question = t("generation.ex3_question", t=T, layers=config.n_layer, width=config.n_embd, v=f"{config.vocab_size:,}")
    exercise.number("generation", 3, EXERCISES, question, round(ratio, 1), max(1.0, 0.1 * ratio), explain)
