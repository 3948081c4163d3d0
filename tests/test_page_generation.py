"""The generation lesson's page in AppTest: every section in both languages and with both models, the hero's
states against the saved run, the numbers in the prose against core, beam width and the tree, prompts with
unknown characters or none, no □ in anything the Tang model writes, the exercises' answers, a missing run."""

import ast
import math
import re

import pytest

from app_pages import generation_data as data
from core import generation as G
from core.sampling import prepare_prompt
from tests.apptest import run_clean, shown_spec
from ui import generation_charts as charts
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT
from ui.tiny_gpt import get_model, model_dir

PAGE = ROOT / "app_pages" / "generation.py"
MODELS = ("shakespeare", "tang")
HEADERS = ("hero_header", "loss_header", "block_header", "decode_header", "cost_header")


def run_page(lang: str = "en", name: str = "shakespeare", **query):
    return run_clean(PAGE, lang, gpt=name, **query)


def loaded(name: str):
    return get_model(str(model_dir(name)))


def default_ids(name: str) -> list[int]:
    model, vocab, _ = loaded(name)
    return prepare_prompt(data.DEFAULT_PROMPTS[name], vocab, model.config.block_size).ids


def chart(at, key: str) -> dict:
    return shown_spec(at, next(c for c in at.get("plotly_chart") if key in c.proto.id))


def has_chart(at, key: str) -> bool:
    return any(key in c.proto.id for c in at.get("plotly_chart"))


def markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def catalog_text(lang: str, key: str, **fields) -> str:
    return load_catalog(lang)[f"generation.{key}"].format(**fields)


# --- Every section, both languages, both models -------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", MODELS)
def test_every_section_renders_in_the_default_state(lang, name):
    at = run_page(lang, name)
    catalog = load_catalog(lang)
    headers = [h.value for h in at.header]
    assert [catalog[f"generation.{key}"] for key in HEADERS] == headers
    run = data.learning_run(name)
    if run is None:  # not saved yet: said, never a traceback
        path = f"models/learning_run/{name}.json"
        model = catalog[f"generation.models.{name}"]
        assert catalog_text(lang, "run_missing", model=model, path=path) in [i.value for i in at.info]
    else:
        assert len(chart(at, "gen_hero_chart")["frames"]) == len(run["checkpoints"])
    for key in ("gen_stream", "gen_parts", "gen_beam", "gen_candidates", "gen_cost"):
        assert chart(at, key)["data"], key
    assert [r.key for r in at.radio] == ["ex_generation_1", "ex_generation_2"]
    assert [w.key for w in at.number_input] == ["ex_generation_3"]
    assert not at.warning and not at.error
    assert at.text_area(key=data.PROMPT_KEYS[name]).value == data.DEFAULT_PROMPTS[name]


# --- The hero: every state is the run's checkpoint ------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_hero_state_is_a_checkpoint_of_the_run(lang):
    run = data.learning_run("shakespeare")
    if run is None:
        pytest.skip("the Shakespeare run is not saved yet")
    at = run_page(lang)
    spec = chart(at, "gen_hero_chart")
    head = at.button_group(key="gen_head").value
    steps = spec["layout"]["sliders"][0]["steps"]
    cells, last = charts.attention_cells(len(run["attention_text"])), run["checkpoints"][-1]["step"]
    for point, frame, step in zip(run["checkpoints"], spec["frames"], steps, strict=True):
        train, val, marker, attention, sample = frame["data"]
        assert val["y"][-1] == point["val_loss"] and train["y"][-1] == point["train_loss"]
        assert marker["x"] == [point["step"]] and marker["y"] == [point["val_loss"]]
        weights = dict(zip(cells, attention["marker"]["color"], strict=True))  # (reading, read) -> percent
        rows = point["attention"][head]
        assert all(weights[i, j] == rows[i][j] for i, j in cells) and len(rows[-1]) == len(rows)  # the last: whole
        assert sample["text"] == [charts.sample_markup(point["sample"])]
        assert step["label"] == catalog_text(lang, "chart.hero_frame", step=point["step"], last=last,
                                             train=f"{point['train_loss']:.2f}", val=f"{point['val_loss']:.2f}",
                                             ppl=f"{math.exp(point['val_loss']):.1f}")  # fmt: skip
        assert f"{point['val_loss']:.2f}" in step["label"] and not frame["layout"]  # no redraw: no layout
    active = spec["layout"]["sliders"][0]["active"]
    assert run["checkpoints"][active]["step"] == data.STEP_SLIDER[2] > 0, "the default is not step 0"
    ln_v = math.log(65)
    saw = next(s.value for s in at.success if f"{ln_v:.2f}" in s.value)
    assert f"{run['checkpoints'][0]['val_loss']:.2f}" in saw and f"{run['checkpoints'][-1]['val_loss']:.2f}" in saw


def test_a_links_step_is_the_state_shown():
    """A teacher's link (?gen_step=) picks the hero's checkpoint, whatever state was drawn first."""
    run = data.learning_run("shakespeare")
    for step in (300, 1500):
        at = run_page("en", "shakespeare", gen_step=str(step))
        spec = chart(at, "gen_hero_chart")
        assert run["checkpoints"][spec["layout"]["sliders"][0]["active"]]["step"] == step


def test_every_step_of_the_keyboard_slider_selects_its_checkpoint():
    """The Streamlit slider (the keyboard path and the link's state) picks the figure's state by its step."""
    run = data.learning_run("shakespeare")
    if run is None:
        pytest.skip("the Shakespeare run is not saved yet")
    lo, hi, _, step = data.STEP_SLIDER
    for value in range(lo, hi + 1, step):
        assert run["checkpoints"][data.checkpoint_index(run, value)]["step"] == value


# --- Numbers in the prose are core's ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_the_prose_quotes_cores_numbers(name):
    model, vocab, info = loaded(name)
    at = run_page("en", name)
    text = " ".join(" ".join(markdown(at)).split())
    total = sum(p.count for p in G.parameter_parts(model))
    assert total == model.num_params()
    assert f"**{total:,} parameters**" in text and f"`num_params()` = {model.num_params():,}" in text
    V = len(vocab)
    assert f"**ln {V:,} = {math.log(V):.2f}**" in text
    assert f"**{info['val_loss']:.4f}**" in text and f"**{math.exp(info['val_loss']):.2f}**" in text
    if name == "shakespeare":  # the curriculum's figures
        assert "**ln 65 = 4.17**" in text and "**1.4925**" in text and "**4.45**" in text
    T = model.config.block_size
    plain = sum(G.macs_per_token(model.config, T, False).values())
    cached = sum(G.macs_per_token(model.config, T, True).values())
    assert f"**{plain:,}** multiply-adds without a cache and **{cached:,}**" in text


# --- Decoding -----------------------------------------------------------------------------------------------------
def nodes_per_step(spec: dict) -> list[int]:
    nodes = next(trace for trace in spec["data"] if trace.get("mode") == "markers+text")
    return [nodes["x"].count(step) for step in sorted(set(nodes["x"]))]


@pytest.mark.parametrize("width", [1, 8])
def test_the_beam_width_changes_the_tree(width):
    at = run_page("en")
    default = chart(at, "gen_beam")
    at.slider(key="gen_width").set_value(width).run()
    spec = chart(at, "gen_beam")
    assert spec != default and f"width {width}" in spec["layout"]["title"]["text"]
    assert max(nodes_per_step(spec)) == width
    model, vocab, _ = loaded("shakespeare")
    ids = default_ids("shakespeare")
    best = G.beam_search(model, ids, width, data.NEW_SLIDER[2]).beams[0]
    text = "\n".join(markdown(at))
    assert f"total log-probability **{best.logp:.2f}**" in text
    assert data.DEFAULT_PROMPTS["shakespeare"] + vocab.decode(best.ids) in [c.value for c in at.code]
    if width == 1:  # width 1 is greedy
        assert best.ids == G.greedy(model, ids, data.NEW_SLIDER[2])


def test_the_penalty_and_the_stop_character_reach_greedy():
    at = run_page("en")
    at.slider(key="gen_penalty").set_value(1.5)
    at.selectbox(key="gen_stop_shakespeare").set_value("\n").run()
    model, vocab, _ = loaded("shakespeare")
    ids = default_ids("shakespeare")
    new = G.greedy(model, ids, data.NEW_SLIDER[2], vocab.encode("\n")[0], None, 1.5)
    assert new[-1] == vocab.encode("\n")[0] or len(new) == data.NEW_SLIDER[2]
    assert (data.DEFAULT_PROMPTS["shakespeare"] + vocab.decode(new)).rstrip() in [c.value for c in at.code]
    assert f"· total log-probability **{G.sequence_logp(model, ids, new):.2f}**" in "\n".join(markdown(at))


def test_next_character_adds_the_top_candidate():
    at = run_page("en")
    model, vocab, _ = loaded("shakespeare")
    top = G.step_through(model, default_ids("shakespeare"), 1)[0][0]
    at.button(key="gen_next").click().run()
    assert data.DEFAULT_PROMPTS["shakespeare"] + vocab.chars[top] in [c.value for c in at.code]
    assert at.session_state["gen_walk"] == [top]


# --- Prompts: unknown characters, none, and the Tang model's □ ----------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_unknown_characters_are_named_and_an_empty_prompt_is_said(lang):
    at = run_page(lang)
    typed = "Hello 你好 <b>world</b>"
    at.text_area(key="gen_prompt").set_value(typed).run()
    assert not at.exception, [e.value for e in at.exception]
    unknown = loaded("shakespeare")[1].unknown(typed)
    assert set(unknown) == set("你好<>/")
    assert catalog_text(lang, "unknown_chars", count=len(unknown)) in [w.value for w in at.warning]
    assert " ".join(unknown) in [c.value for c in at.code]
    assert not any("<b>" in m for m in markdown(at)), "learner text never reaches Markdown as typed"
    at.text_area(key="gen_prompt").set_value("").run()
    assert not at.exception, [e.value for e in at.exception]
    assert catalog_text(lang, "prompt_empty") in [w.value for w in at.warning]
    assert chart(at, "gen_stream")["data"] and chart(at, "gen_beam")["data"]


def test_nothing_the_tang_model_writes_holds_the_unknown_character():
    at = run_page("zh", "tang")
    at.slider(key="gen_width").set_value(8)
    at.slider(key="gen_new").set_value(50).run()
    at.button_group(key="gen_way").set_value("sampled").run()
    for _ in range(3):
        at.button(key="gen_next").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.session_state["gen_walk"]) == 3
    codes = [c.value for c in at.code]
    assert len(codes) >= 3 and not any("□" in code for code in codes)
    spec = chart(at, "gen_beam")
    assert not any("□" in str(text) for trace in spec["data"] for text in trace.get("text") or [])


# --- The exercises: answers are core's -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_exercise_answers_are_cores(name):
    catalog = load_catalog("en")
    model, vocab, _ = loaded(name)
    ids = default_ids(name)
    at = run_page("en", name)
    at.radio(key="ex_generation_1").set_value("lnv").run()
    at.button(key="ex_generation_1_check").click().run()
    width, n = data.WIDTH_SLIDER[2], data.NEW_SLIDER[2]
    beam = G.beam_search(model, ids, width, n, None, vocab.unknown_id).beams[0].logp
    greedy = G.sequence_logp(model, ids, G.greedy(model, ids, n, None, vocab.unknown_id))
    answer = "up" if beam > greedy + 1e-3 else "down" if beam < greedy - 1e-3 else "same"
    if name == "shakespeare":
        assert answer == "down", "at width 3 the beam loses greedy's likelier text"
    at.radio(key="ex_generation_2").set_value(answer).run()
    at.button(key="ex_generation_2_check").click().run()
    T = model.config.block_size
    plain, cached = (sum(G.macs_per_token(model.config, T, c).values()) for c in (False, True))
    ratio = plain / cached
    at.number_input(key="ex_generation_3").set_value(round(ratio, 1)).run()
    at.button(key="ex_generation_3_check").click().run()
    right = [s.value for s in at.success if s.value.startswith(catalog["common.exercise.right"])]
    assert len(right) == 3, right
    assert at.session_state["exercises_solved"]["generation"] == {1, 2, 3}
    assert any(f"{beam:.2f}" in value and f"{greedy:.2f}" in value for value in right)


def test_the_timing_button_times_both_ways():
    at = run_page("en")
    at.button(key="gen_time").click().run()
    timed = next(m for m in markdown(at) if m.startswith("Writing 200 characters after your prompt"))
    fast, slow = (float(x) for x in re.findall(r"\*\*([\d.]+) s\*\*", timed))
    assert 0 < fast < slow


# --- A run not saved yet --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_missing_run_is_said_and_the_rest_works(lang, monkeypatch, tmp_path):
    monkeypatch.setattr(data, "RUNS", tmp_path)
    at = run_page(lang)
    model = load_catalog(lang)["generation.models.shakespeare"]
    message = catalog_text(lang, "run_missing", model=model, path="models/learning_run/shakespeare.json")
    assert message in [i.value for i in at.info]
    assert not has_chart(at, "gen_hero_chart") and has_chart(at, "gen_stream")
    at.radio(key="ex_generation_1").set_value("lnv").run()
    at.button(key="ex_generation_1_check").click().run()  # a fresh model's loss decides: ≈ ln 65
    assert any(s.value.startswith(load_catalog(lang)["common.exercise.right"]) for s in at.success)


# --- Thin files ------------------------------------------------------------------------------------------------------
def test_the_lessons_files_stay_thin():
    """The page and its sections modules under 200 lines, no function over 60 (ast)."""
    files = [PAGE, *sorted(PAGE.parent.glob("generation_*.py")), ROOT / "ui" / "generation_charts.py"]
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert path.name == "generation_charts.py" or len(source.splitlines()) <= 200, path.name
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                assert node.end_lineno - start < 60, f"{path.name}: {node.name}"


def test_card_one_asks_about_the_other_model_and_sets_it_up():
    """This model's ln V stands in the hero and beside the card, so card 1 asks it of the other tiny GPT; its
    preset switches the hero to that model at step 0, where the answer can be read."""
    tang = data.learning_run("tang")
    at = run_page("en", "shakespeare")
    question = catalog_text("en", "ex1_question_other", model="Tang poems", v=f"{tang['vocab_size']:,}")
    assert any(question in m.value for m in at.markdown)
    labels = at.radio(key="ex_generation_1").options
    assert f"{G.uniform_loss(tang['vocab_size']):,.2f}" in labels and f"{tang['vocab_size']:,}" in labels
    at.button(key="ex_generation_1_preset").click().run()
    assert not at.exception and at.session_state["gpt"] == "tang"
    spec = chart(at, "gen_hero_chart")
    assert spec["layout"]["sliders"][0]["active"] == 0 and len(spec["frames"]) == len(tang["checkpoints"])
