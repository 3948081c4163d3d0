"""Lesson 11 — From base model to assistant: fine-tuning, LoRA and preferences, on the course's Tang model.

The hero scrubs the shipped run of supervised fine-tuning on 五言绝句 only, record by record: the same
seeded poems at every step and the share that keeps the form; card 1 asks what the model forgets. Then full
fine-tuning against LoRA with a live run of the learner's own (app_pages/fine_tuning_sections.py) and
preference tuning with DPO (app_pages/fine_tuning_preference.py). Defaults and caches:
app_pages/fine_tuning_data.py; the numbers: core.fine_tuning_defaults.
"""

import streamlit as st

from app_pages import fine_tuning_data as data
from app_pages import fine_tuning_preference as preference
from app_pages import fine_tuning_sections as sections
from core import finetune as F
from core import lora as L
from core import preference as P
from core.artefacts import ArtefactError, shown_path
from core.fine_tuning_defaults import COMMAND
from ui import exercise
from ui import fine_tuning_charts as charts
from ui.figures import show
from ui.frame import go_deeper, lesson_footer, lesson_link, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code, vocabulary
from ui.scrub import scrub_figure
from ui.tiny_gpt import model_dir
from ui.widgets import slider


@st.fragment  # the step slider reruns the hero alone
def hero(shipped: dict) -> None:
    """The shipped run's records, scrubbed in the figure: the same seeded poems at every step and the share
    in quatrain form. The step slider is the keyboard path; the forgetting is left for card 1 to predict."""
    base, full, lora, n = shipped["base"], shipped["full"], shipped["lora"], shipped["n_samples"]
    try_this(t("fine_tuning.hero_try"))
    records = [p["step"] for p in full["snapshots"]]
    spec = (records[0], records[-1], records[-1], records[1] - records[0])  # (min, max, default, step)
    step = slider("fine_tuning.hero_step_label", spec, "ft_step", help=t("fine_tuning.hero_step_help"))
    index = min(range(len(records)), key=lambda i: abs(records[i] - step))
    signature = (shipped["total_seconds"], current_language())
    show(scrub_figure("ft_hero", signature, lambda: charts.hero_template(shipped), index), "ft_hero_chart")
    saw, card = st.columns(2)
    with saw:
        what_you_saw(t("fine_tuning.hero_saw", quatrains=shipped["quatrains"], chars=f"{shipped['train_chars']:,}",
                       steps=full["steps"], seconds=f"{full['seconds']:.0f}", n=n, r=lora["rank"],
                       before=charts.pct(base["form_share"]), after=charts.pct(full["form_share"]),
                       lora=charts.pct(lora["form_share"])))  # fmt: skip
    with card:
        exercise_one(base, full)


def exercise_one(base: dict, full: dict) -> None:
    """Card 1: forgetting. The answer is the direction the held-out loss moved in the run on screen."""
    change = full["val_loss"] - base["val_loss"]
    answer = "up" if change > 0.01 else "down" if change < -0.01 else "same"
    options = {key: t(f"fine_tuning.ex1_{key}") for key in ("down", "same", "up")}
    explain = t("fine_tuning.ex1_explain", before=f"{base['val_loss']:.2f}", after=f"{full['val_loss']:.2f}",
                change=f"{change:+.2f}")  # fmt: skip
    exercise.choice("fine_tuning", 1, sections.EXERCISES, t("fine_tuning.ex1_question"), options, answer, explain)


def asides(shipped: dict) -> None:
    with go_deeper(t("fine_tuning.lora_deeper_header")):
        st.latex(r"W' = W + \frac{\alpha}{r}\,B A,\qquad B \in \mathbb{R}^{d_\text{out}\times r},\ "
                 r"A \in \mathbb{R}^{r\times d_\text{in}},\qquad B_0 = 0")  # fmt: skip
        st.markdown(t("fine_tuning.lora_deeper"))
    with go_deeper(t("fine_tuning.dpo_deeper_header")):
        st.latex(r"\mathcal{L} = -\log\sigma\!\Big(\beta\big[(\log\pi_\theta(c) - \log\pi_\text{ref}(c))"
                 r" - (\log\pi_\theta(r) - \log\pi_\text{ref}(r))\big]\Big)")  # fmt: skip
        st.markdown(t("fine_tuning.dpo_deeper"))
    with go_deeper(t("fine_tuning.rlhf_header")):
        st.markdown(t("fine_tuning.rlhf"))
    with go_deeper(t("fine_tuning.assistant_header")):
        st.markdown(t("fine_tuning.assistant"))
    with go_deeper(t("fine_tuning.run_header")):
        st.markdown(t("fine_tuning.run_text", seconds=f"{shipped.get('total_seconds', 0):.0f}"))
        st.code(shipped.get("command", COMMAND), language="bash")


setup_page("fine-tuning")
st.markdown(t("fine_tuning.intro"))
try:
    data.tang()
except ArtefactError as problem:  # missing or corrupt files: explain, never a traceback
    st.error(t("fine_tuning.model_missing", path=shown_path(model_dir("tang")), problem=problem.reason),
             icon=":material/error:")  # fmt: skip
    st.stop()
shipped = data.defaults(str(data.DEFAULTS))
if shipped is None:
    st.error(
        t("fine_tuning.defaults_missing", path=shown_path(data.DEFAULTS), command=COMMAND), icon=":material/error:"
    )
    st.stop()

st.header(t("fine_tuning.hero_header"))
st.markdown(t("fine_tuning.hero_intro"))
hero(shipped)

st.header(t("fine_tuning.lora_header"))
sections.lora_section(shipped)

st.header(t("fine_tuning.pref_header"))
st.markdown(t("fine_tuning.pref_intro"))
preference.preference_section(shipped)

asides(shipped)
with st.container(horizontal=True, gap="medium"):
    lesson_link("generation", numbered=True)
    lesson_link("big-picture", numbered=True)
vocabulary("fine_tuning")
show_code(F.finetune, L.LoRALinear.forward, P.dpo_loss, F.is_wujue)
lesson_footer("fine-tuning")
