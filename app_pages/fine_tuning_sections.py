"""The fine-tuning lesson's comparison of full fine-tuning and LoRA, with the learner's own run (kept in their
session only). Imported by app_pages/fine_tuning.py; not a page itself (ui/lessons.py names the pages).
"""

import streamlit as st

from app_pages import fine_tuning_data as data
from core import fine_tuning_defaults as D
from core.device import describe_device, get_device
from core.progress import scaled
from ui import exercise
from ui import fine_tuning_charts as charts
from ui.figures import chart
from ui.frame import try_this, what_you_saw
from ui.i18n import current_language, t
from ui.tiny_gpt import model_dir
from ui.training_slot import train_with_progress
from ui.widgets import slider

EXERCISES = 3
SHARE_CHOICES = {"all": 1.0, "quarter": 0.25, "small": 0.015, "tiny": 0.0001}  # card 2's answers, as shares


def exercise_two(lora: dict) -> None:
    """Card 2, before the comparison: how much of the model LoRA trains. The answer is the choice nearest
    the share measured on the run on screen (core.lora.trainable_share)."""
    share = lora["trainable_share"]
    answer = min(SHARE_CHOICES, key=lambda k: abs(SHARE_CHOICES[k] - share))
    options = {"all": "100%", "quarter": "25%", "small": "1.5%", "tiny": "0.01%"}
    explain = t("fine_tuning.ex2_explain", share=f"{share:.2%}", r=lora["rank"], form=f"{lora['form_share']:.0%}")
    exercise.choice(
        "fine_tuning", 2, EXERCISES, t("fine_tuning.ex2_question", r=lora["rank"]), options, answer, explain
    )


def result_column(result: dict, title: str, n: int) -> None:
    st.markdown(f"**{title}**")
    a, b = st.columns(2)
    a.metric(t("fine_tuning.metric_share"), data.param_share(result["trainable_share"]))
    b.metric(t("fine_tuning.metric_seconds"), t("fine_tuning.seconds", s=f"{result['seconds']:.1f}"))
    a.metric(t("fine_tuning.metric_form", n=n), f"{result['form_share']:.0%}")
    b.metric(t("fine_tuning.metric_val"), f"{result['val_loss']:.2f}")


def tune_yourself() -> None:
    """The steps slider, the rank and the button: full fine-tuning then LoRA, live, in a training slot."""
    st.subheader(t("fine_tuning.tune_header"))
    try_this(t("fine_tuning.tune_try"))
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    with c1:
        steps = slider("fine_tuning.steps_label", data.STEPS_SLIDER, "ft_steps", help=t("fine_tuning.steps_help"))
    with c2:
        rank = st.segmented_control(t("fine_tuning.rank_label"), data.RANKS, default=D.LORA_RANK, key="ft_rank",
                                    required=True, help=t("fine_tuning.rank_help"))  # fmt: skip
    st.caption(t("fine_tuning.device_used", device=describe_device(get_device())))
    if st.button(t("fine_tuning.tune_button"), type="primary", icon=":material/model_training:", key="ft_tune"):
        model, vocab, _ = data.tang()
        train, val = data.texts(str(model_dir("tang")))
        work, total = data.on_device(model), 2 * steps

        def job(on_progress):
            full = D.sft_result(work, vocab, train, val, steps, None, scaled(on_progress, 0, total))
            lora = D.sft_result(work, vocab, train, val, steps, rank, scaled(on_progress, steps, total))
            return {"full": full, "lora": lora}

        result = train_with_progress(
            lambda p: t(
                "fine_tuning.tuning",
                part=t("fine_tuning.full" if p.step <= steps else "fine_tuning.lora_short"),
                step=p.step,
                total=p.total,
            ),  # fmt: skip
            job,
        )
        if result is not None:
            st.session_state[data.OWN_SFT] = result
            st.rerun()  # the comparison above shows the learner's run
    if data.OWN_SFT in st.session_state:
        if st.button(t("fine_tuning.reset"), icon=":material/restart_alt:", key="ft_reset"):
            st.session_state.pop(data.OWN_SFT)
            st.rerun()


def lora_section(shipped: dict) -> None:
    """Predict first, then the two results side by side, their curves and the learner's own run."""
    full, lora, own = data.sft_results(shipped)
    n = shipped["n_samples"]
    intro, card = st.columns(2)
    intro.markdown(t("fine_tuning.lora_intro"))
    with card:
        exercise_two(lora)
    left, right = st.columns(2)
    with left:
        result_column(full, t("fine_tuning.full"), n)
    with right:
        result_column(lora, t("fine_tuning.lora_label", r=lora["rank"]), n)
    signature = (own, full["seconds"], lora["seconds"], current_language())
    base_val = shipped["base"]["val_loss"]
    chart("ft_curves", signature, lambda: charts.curves_figure(full, lora, base_val, own), public=not own)
    what_you_saw(t("fine_tuning.own_saw" if own else "fine_tuning.lora_saw", steps=full["steps"], r=lora["rank"],
                   share=f"{lora['trainable_share']:.2%}", full_form=f"{full['form_share']:.0%}",
                   lora_form=f"{lora['form_share']:.0%}", full_s=f"{full['seconds']:.1f}",
                   lora_s=f"{lora['seconds']:.1f}", full_val=f"{full['val_loss']:.2f}",
                   lora_val=f"{lora['val_loss']:.2f}", base_val=f"{shipped['base']['val_loss']:.2f}"))  # fmt: skip
    tune_yourself()
