"""The fine-tuning lesson's page in AppTest: every section in both languages, the prose's numbers against the
shipped defaults and core's measures, the exercises' answers, a live run of each kind (made small) that
replaces the default for its own session only, and no traceback on any button."""

import json

import pytest

from app_pages import fine_tuning_data as data
from core import fine_tuning_defaults as D
from core.artefacts import shown_path
from core.finetune import form_share, is_wujue, moon_share
from tests.apptest import run_clean, shown_spec
from ui import fine_tuning_charts as charts
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT, lesson

PAGE = ROOT / "app_pages" / "fine_tuning.py"
HEADERS = ("hero_header", "lora_header", "pref_header")
SHIPPED = json.loads(data.DEFAULTS.read_text(encoding="utf-8"))


def chart(at, key: str) -> dict:
    return shown_spec(at, next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id))


def text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [s.value for s in at.success] + [c.value for c in at.caption])


def numbers(lang: str, key: str, **fields) -> str:
    return load_catalog(lang)[f"fine_tuning.{key}"].format(**fields)


@pytest.fixture(scope="module")
def pages():
    return {lang: run_clean(PAGE, lang) for lang in LANGUAGES}


# --- The shipped defaults --------------------------------------------------------------------------------------
def test_shipped_defaults_are_small_seeded_and_consistent():
    assert data.DEFAULTS.stat().st_size < 200_000 and SHIPPED["command"] == D.COMMAND
    n = SHIPPED["n_samples"]
    for name in ("base", "full", "lora"):
        result = SHIPPED[name]
        assert len(result["samples"]) == D.SHOWN
        assert round(result["form_share"] * n) == pytest.approx(result["form_share"] * n)  # k of n poems
        assert form_share(result["samples"]) == sum(map(is_wujue, result["samples"])) / D.SHOWN
    assert SHIPPED["full"]["trainable_share"] == 1.0 and 0 < SHIPPED["lora"]["trainable_share"] < 0.05
    assert SHIPPED["full"]["form_share"] > SHIPPED["base"]["form_share"] + 0.3, "tuning wrote more quatrains"
    assert SHIPPED["full"]["val_loss"] > SHIPPED["base"]["val_loss"], "and forgot some of the rest"
    low, high = (SHIPPED["dpo"][data.beta_key(b)] for b in D.BETAS)
    assert low["moon_share"] > high["moon_share"] > SHIPPED["base"]["moon_share"] and low["kl"] > high["kl"] > 0
    assert all("月" in pair["chosen"] and "月" not in pair["rejected"] for pair in SHIPPED["pairs"]["examples"])
    assert moon_share([p["chosen"] for p in SHIPPED["pairs"]["examples"]]) == 1.0
    for name in ("full", "lora"):  # the hero's records: step 0 is the base model, the last the tuned one
        first, *_, last = trail = SHIPPED[name]["snapshots"]
        assert [p["step"] for p in trail] == [0, *SHIPPED[name]["curve"]["steps"]]
        for point, result in ((first, SHIPPED["base"]), (last, SHIPPED[name])):
            assert point["form_share"] == result["form_share"]
            assert point["samples"] == result["samples"][: D.SHOWN]


# --- Every section, both languages ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_section_renders_in_the_default_state(pages, lang):
    at = pages[lang]
    catalog = load_catalog(lang)
    assert [h.value for h in at.header] == [catalog[f"fine_tuning.{key}"] for key in HEADERS]
    for key in ("ft_hero", "ft_curves", "ft_dpo"):
        assert chart(at, key)["data"], key
    assert not any(c.proto.id.endswith("ft_dpo_curves") for c in at.get("plotly_chart")), "drawn once opened"
    opened = run_clean(PAGE, lang, ft_dpo_curves_open="true")
    assert chart(opened, "ft_dpo_curves")["data"]
    assert [r.key for r in at.radio] == [f"ex_fine_tuning_{n}" for n in (1, 2, 3)]
    assert lesson("fine-tuning").exercises == 3
    assert not at.warning and not at.error


def hero_state(at) -> tuple[str, list[str], list[float]]:
    """(the hero's title, its poems' text, the full run's share curve) as the browser shows them."""
    spec = chart(at, "ft_hero")
    return spec["data"][4]["text"][0], spec["data"][3]["text"], spec["data"][0]["y"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_hero_scrubs_the_shipped_records(lang):
    at, n = run_clean(PAGE, lang), SHIPPED["n_samples"]
    full, lora = SHIPPED["full"]["snapshots"], SHIPPED["lora"]["snapshots"]
    frames = chart(at, "ft_hero")["frames"]
    assert len(frames) == len(full) == 7
    for step_index in (len(full) - 1, 0, 3):  # the default (the last record), the base, a middle one
        at.slider(key="ft_step").set_value(full[step_index]["step"]).run()
        point = full[step_index]
        title, poems, curve = hero_state(at)
        headline = numbers(lang, "chart.hero_frame", step=point["step"], last=full[-1]["step"], n=n,
                           k=round(point["form_share"] * n), share=charts.pct(point["form_share"]),
                           lora=charts.pct(lora[step_index]["form_share"]))  # fmt: skip
        assert title == f"<b>{headline}</b>"
        assert poems == [charts.poem_markup(p) for p in point["samples"]] and len(poems) == D.SHOWN
        assert curve == pytest.approx([100 * p["form_share"] for p in full[: step_index + 1]])
    assert sum("✓" in charts.poem_markup(p) for p in full[-1]["samples"]) > sum(
        "✓" in charts.poem_markup(p) for p in full[0]["samples"]
    ), "the tuned poems keep the form more often"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_prose_numbers_are_the_shipped_ones(pages, lang):
    at, n = pages[lang], SHIPPED["n_samples"]
    base, full, lora = SHIPPED["base"], SHIPPED["full"], SHIPPED["lora"]
    shown = text(at)
    hero = numbers(lang, "hero_saw", quatrains=SHIPPED["quatrains"], chars=f"{SHIPPED['train_chars']:,}",
                   steps=full["steps"], seconds=f"{full['seconds']:.0f}", n=n, before=charts.pct(base["form_share"]),
                   after=charts.pct(full["form_share"]), lora=charts.pct(lora["form_share"]),
                   r=lora["rank"])  # fmt: skip
    assert hero in shown
    assert f"{lora['trainable_share']:.2%}" in shown and f"{lora['form_share']:.0%}" in shown
    beta = D.BETAS[0]
    dpo = SHIPPED["dpo"][data.beta_key(beta)]
    assert f"{dpo['kl']:.3f}" in shown and f"{dpo['moon_share']:.0%}" in shown
    assert SHIPPED["quatrains"] == 266 and SHIPPED["train_chars"] == 9924, "core's count of the excerpt's quatrains"
    shares = [m.value for m in at.metric if m.label == load_catalog(lang)["fine_tuning.metric_share"]]
    assert shares == ["100%", f"{lora['trainable_share']:.2%}"] and full["trainable_share"] == 1.0


def test_the_exercises_answers_are_computed():
    at = run_clean(PAGE, "en")
    at.radio(key="ex_fine_tuning_1").set_value("up")
    at.radio(key="ex_fine_tuning_2").set_value("small")
    at.radio(key="ex_fine_tuning_3").set_value("low")
    for n in (1, 2, 3):
        at.button(key=f"ex_fine_tuning_{n}_check").click()
        at.run()
        assert not at.exception
    assert len(at.session_state["exercises_solved"]["fine_tuning"]) == 3
    assert not at.warning


# --- Live runs: the learner's alone -------------------------------------------------------------------------------
def test_live_runs_replace_the_default_for_that_session_only(monkeypatch):
    monkeypatch.setattr(data, "STEPS_SLIDER", (2, 20, 2, 1))  # tiny runs: the page is tested, not the tuning
    monkeypatch.setattr(data, "DPO_STEPS", 2)
    monkeypatch.setattr(D, "N_SAMPLES", 8)
    at = run_clean(PAGE, "en")
    at.button_group(key="ft_rank").set_value(1)
    at.button(key="ft_tune").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    own = at.session_state[data.OWN_SFT]
    assert own["full"]["steps"] == 2 and own["lora"]["rank"] == 1 and own["lora"]["trainable_share"] < 0.01
    yours = numbers("en", "chart.own_curves_title")
    assert chart(at, "ft_curves")["layout"]["title"]["text"] == yours
    at.button_group(key="ft_beta").set_value(0.2)
    at.button(key="ft_dpo_run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert data.beta_key(0.2) in at.session_state[data.OWN_DPO]
    assert len(chart(at, "ft_dpo")["data"][1]["y"]) == len(SHIPPED["dpo"]) + 1
    at.button(key="ft_reset").click()
    at.run()
    assert not at.exception and data.OWN_SFT not in at.session_state
    other = run_clean(PAGE, "en")  # a second learner still sees the defaults
    assert data.OWN_SFT not in other.session_state and data.OWN_DPO not in other.session_state
    assert chart(other, "ft_curves")["layout"]["title"]["text"] == numbers("en", "chart.curves_title")
    forgetting = [SHIPPED["base"]["val_loss"], *SHIPPED["full"]["curve"]["val_loss"]]  # from the base's, at step 0
    assert chart(other, "ft_curves")["data"][1]["y"] == pytest.approx(forgetting)


def test_a_missing_defaults_file_is_said_not_a_traceback(monkeypatch, tmp_path):
    missing = tmp_path / "none.json"
    monkeypatch.setattr(data, "DEFAULTS", missing)
    at = run_clean(PAGE, "zh")
    assert [e.value for e in at.error] == [
        numbers("zh", "defaults_missing", path=shown_path(missing), command=D.COMMAND)
    ]
