"""The fine-tuning lesson's preference section: moon pairs, DPO at the shipped β values and the learner's own
runs (kept in their session only). Imported by app_pages/fine_tuning.py; not a page itself.
"""

import streamlit as st

from app_pages import fine_tuning_data as data
from app_pages.fine_tuning_sections import EXERCISES
from core import fine_tuning_defaults as D
from ui import exercise
from ui import fine_tuning_charts as charts
from ui.figures import chart
from ui.frame import go_deeper, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.tiny_gpt import model_dir
from ui.training_slot import train_with_progress


def show_pair(example: dict) -> None:
    chosen, rejected = st.columns(2)
    chosen.markdown(t("fine_tuning.chosen"))
    chosen.code(example["chosen"], language=None)
    rejected.markdown(t("fine_tuning.rejected"))
    rejected.code(example["rejected"], language=None)


def exercise_three(shipped: dict) -> None:
    """Card 3: which β drifts further from the base model. The answer compares the two shipped runs' KL."""
    low, high = (shipped["dpo"][data.beta_key(b)] for b in D.BETAS)
    answer = "low" if low["kl"] > high["kl"] else "high"
    options = {"low": f"β = {D.BETAS[0]}", "high": f"β = {D.BETAS[1]}"}
    explain = t("fine_tuning.ex3_explain", low=D.BETAS[0], high=D.BETAS[1], kl_low=f"{low['kl']:.3f}",
                kl_high=f"{high['kl']:.3f}", moon_low=f"{low['moon_share']:.0%}",
                moon_high=f"{high['moon_share']:.0%}")  # fmt: skip
    question = t("fine_tuning.ex3_question", low=D.BETAS[0], high=D.BETAS[1])
    exercise.choice("fine_tuning", 3, EXERCISES, question, options, answer, explain)


def run_dpo(beta: float) -> None:
    """DPO at β on the shared pairs, live, in a training slot; the result joins the learner's own."""
    model, vocab, _ = data.tang()
    directory = str(model_dir("tang"))
    _, val = data.texts(directory)
    with st.spinner(t("fine_tuning.pairs_spinner")):
        pairs = data.pairs(directory)
    work = data.on_device(model)
    result = train_with_progress(
        lambda p: t("fine_tuning.dpo_running", beta=beta, step=p.step, total=p.total),
        lambda on_progress: D.dpo_result(work, vocab, pairs, val, beta, data.DPO_STEPS, on_progress),
    )
    if result is not None:
        st.session_state.setdefault(data.OWN_DPO, {})[data.beta_key(beta)] = result


def preference_section(shipped: dict) -> None:
    base = shipped["base"]
    info = shipped["pairs"]
    st.markdown(t("fine_tuning.pairs_text", samples=info["samples"], count=info["count"],
                  moon=f"{base['moon_share']:.0%}"))  # fmt: skip
    show_pair(info["examples"][0])
    exercise_three(shipped)
    try_this(t("fine_tuning.dpo_try"))
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    beta = c1.segmented_control(t("fine_tuning.beta_label"), data.BETA_CHOICES, default=D.BETAS[0], key="ft_beta",
                                required=True, help=t("fine_tuning.beta_help"))  # fmt: skip
    if c2.button(t("fine_tuning.dpo_button", beta=beta), type="primary", icon=":material/thumb_up:", key="ft_dpo_run"):
        run_dpo(beta)
    results = data.dpo_results(shipped)
    mine = set(st.session_state.get(data.OWN_DPO, {}))
    signature = (tuple((b, r["seconds"]) for b, r in results.items()), current_language())
    chart("ft_dpo", signature, lambda: charts.dpo_figure(base["moon_share"], results), public=not mine)
    key = data.beta_key(beta)
    if key in results:
        result = results[key]
        what_you_saw(t("fine_tuning.dpo_saw_own" if key in mine else "fine_tuning.dpo_saw", beta=beta,
                       before=f"{base['moon_share']:.0%}", after=f"{result['moon_share']:.0%}",
                       kl=f"{result['kl']:.3f}", seconds=f"{result['seconds']:.1f}", n=shipped["n_samples"],
                       steps=result["curve"]["steps"][-1]))  # fmt: skip
    else:
        st.caption(t("fine_tuning.dpo_not_run", beta=beta))
    with (aside := go_deeper(t("fine_tuning.dpo_curves_header"), key="ft_dpo_curves_open")):
        if aside.open:
            chart("ft_dpo_curves", signature, lambda: charts.dpo_curve_figure(results), public=not mine)
        st.markdown(t("fine_tuning.dpo_curves_text"))
        for example in info["examples"][1:]:
            show_pair(example)
