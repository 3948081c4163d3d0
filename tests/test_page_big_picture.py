"""The big-picture lesson's page in AppTest: the compression chart's every state and the measures against core
computed here directly, prose that follows the controls, the exercises, the shipped students on
arrival, the whole picture's links, the glossary (a collapsed table, searched in both languages),
and the sections stepping aside when a file is missing."""

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from core import big_picture as bp
from core import compress, glossary
from core import fitting as fit
from core.artefacts import shown_path
from core.corpus import ENV_VAR
from tests.apptest import plotly_array, run_clean, shown_spec
from tests.conftest import ROOT
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import LESSONS, STAGES

PAGE = ROOT / "app_pages" / "big_picture.py"
MODEL = ROOT / "models" / "tiny_gpt"
STUDENTS = (ROOT / "models" / "tiny_gpt_lesson", ROOT / "models" / "tiny_gpt_distilled")
needs_model = pytest.mark.skipif(
    not all((d / "model.json").exists() for d in (MODEL, *STUDENTS)), reason="no tiny GPT or students in models/"
)
TANG = ROOT / "models" / "tiny_gpt_tang"
needs_tang = pytest.mark.skipif(not (TANG / "model.json").exists(), reason="no Tang poems' tiny GPT in models/")
SHARES = list(range(0, 100, 10))

# The curriculum's section 9 terms, and those the source articles stress, each mapped to its entries.
CURRICULUM_TERMS = {
    "function": ["function"],
    "symbolism vs connectionism": ["symbolism", "connectionism"],
    "model": ["model"],
    "weights": ["weights"],
    "large model": ["large_model"],
    "LLM": ["llm"],
    "training": ["training"],
    "pre-training": ["pre_training"],
    "fine-tuning": ["fine_tuning"],
    "inference": ["inference"],
    "emergence": ["emergence"],
    "closed / open-weight / fully open": ["closed_model", "open_weight_model", "fully_open_model"],
    "private deployment": ["private_deployment"],
    "cloud desktop and image": ["cloud_desktop", "cloud_image"],
    "generative AI": ["generative_ai"],
    "token": ["token"],
    "context": ["context"],
    "prompt": ["prompt"],
    "temperature": ["temperature"],
    "top-k": ["top_k"],
    "hallucination": ["hallucination"],
    "web search": ["web_search"],
    "RAG and knowledge base": ["rag", "knowledge_base"],
    "word embedding": ["word_embedding"],
    "vector retrieval": ["vector_retrieval"],
    "PGC/UGC/AIGC": ["pgc_ugc_aigc"],
    "AGI": ["agi"],
    "multimodal": ["multimodal"],
    "workflow": ["workflow"],
    "agent and multi-agent": ["agent", "multi_agent"],
    "MCP": ["mcp"],
    "A2A": ["a2a"],
    "quantization": ["quantization"],
    "distillation": ["distillation"],
    "pruning": ["pruning"],
    "LoRA": ["lora"],
    "chain of thought": ["chain_of_thought"],
    "RLHF": ["rlhf"],
    "NLP, computer vision, TTS/ASR": ["nlp", "computer_vision", "tts", "asr"],
    "GPU/CUDA, TPU, NPU": ["gpu", "cuda", "tpu", "npu"],
    "PyTorch, TensorFlow": ["pytorch", "tensorflow"],
    "model hubs": ["model_hub"],
    "local runners": ["local_runner"],
    "inference engines": ["inference_engine"],
    "MLP, CNN, RNN, attention, transformer": ["mlp", "cnn", "rnn", "attention", "transformer"],
    "extras a lesson demonstrates": ["top_p", "loss", "gradient_descent", "overfitting"],
}
ARTICLE_TERMS = {  # fidelity review §4: stressed by the source articles, missing before
    "ChatGPT vs GPT vs OpenAI": ["chatgpt_gpt_openai"],
    "prompt engineering": ["prompt_engineering"],
    "diffusion models and GANs": ["diffusion", "gan"],
    "QLoRA and adapters": ["qlora", "adapter"],
    "hyperparameter": ["hyperparameter"],
    "tokenizer": ["tokenizer"],
}


def run_page(lang: str = "en", **query):
    return run_clean(PAGE, lang, **query)


def chart(at, key: str) -> dict:
    return shown_spec(at, next(c for c in at.get("plotly_chart") if key in c.proto.id))


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at):
    return at.table[0].value if at.table else None


@pytest.fixture(scope="module")
def shipped():
    from core.gpt_train import load

    return load(MODEL)


@pytest.fixture(scope="module")
def val_text(shipped):
    from core.corpus import SHIPPED, read_corpus
    from core.gpt_train import split_corpus

    return split_corpus(read_corpus(SHIPPED), shipped[1])[1]


@pytest.fixture(scope="module")
def tang():
    """The Tang poems' model and its held-out poems (rare characters as the unknown id, as in training)."""
    import torch

    from core.corpus import TANG_VALIDATION, read_corpus
    from core.gpt_train import load

    model, vocab, info = load(TANG)
    return model, vocab, info, torch.tensor(vocab.encode(read_corpus(TANG_VALIDATION)))


def measured(model, val, settings):
    """What the page's measures should say, computed here directly with core.compress."""
    small, _ = compress.compressed_model(model, settings)
    kl, top1 = compress.agreement(model, small, compress.reference_texts(model, bp.N_REFERENCE_TEXTS, seed=0))
    return compress.model_size_bytes(small, settings), bp.val_loss(small, val), top1


# --- The compression chart (the hero) ------------------------------------------------------------------
@needs_model
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_chart_state_is_a_direct_core_call(lang, shipped):
    model = shipped[0]
    at = run_page(lang, gpt="shakespeare")
    spec = chart(at, "big_states_chart")
    catalog = load_catalog(lang)
    assert len(spec["frames"]) == len(SHARES) and spec["layout"]["sliders"][0]["active"] == 0
    w = dict(model.named_parameters())[bp.HISTOGRAM_MATRIX].detach()
    edge = 1.02 * float(w.abs().max())
    edges = np.linspace(-edge, edge, bp.HISTOGRAM_BINS + 1)
    np.testing.assert_array_equal(plotly_array(spec["data"][3]["y"])[:-1], np.histogram(w.numpy(), edges)[0])
    original = compress.model_size_bytes(model)
    for j, share in enumerate(SHARES):
        frame = spec["frames"][j]
        assert (
            catalog["big_picture.states_title"].format(share=share, rows=768, cols=192)
            == frame["layout"]["title"]["text"]
        )
        headers = [a["text"] for a in frame["layout"]["annotations"]]
        for i, bits in enumerate((None, 8, 4)):
            settings = compress.Settings(bits, False, share / 100)
            expected = np.histogram(compress.compress_tensor(w, settings).numpy(), edges)[0]
            np.testing.assert_array_equal(plotly_array(frame["data"][i]["y"]), expected)
            if share in (0, 50, 90):  # the whole model compressed here, at a few states
                size = compress.model_size_bytes(compress.compressed_model(model, settings)[0], settings)
                assert f"{size / 1000:,.0f} kB" in headers[i]
                if size != original:
                    assert f"{original / size:.1f}" in headers[i]
    np.testing.assert_array_equal(plotly_array(spec["data"][0]["y"]), plotly_array(spec["frames"][0]["data"][0]["y"]))


@needs_model
def test_the_controls_select_the_frame_and_the_measures_are_core(shipped, val_text):
    model = shipped[0]
    at = run_page("en", big_bits="4", big_channel="true", big_sparsity="50")
    spec = chart(at, "big_states_chart")
    assert spec["layout"]["sliders"][0]["active"] == 5
    assert spec["layout"]["title"]["text"].startswith("50% of every matrix pruned")
    size, loss, top1 = measured(model, val_text, compress.Settings(4, True, 0.5))
    shown = metrics(at)
    assert shown["Size of the whole model"] == f"{size / 1000:,.0f} kB"
    assert shown["Validation loss (nats per character)"] == f"{loss:.3f}"
    assert shown["Same first choice"] == f"{top1:.1%}"
    per_channel = compress.sizes(model, [compress.Settings(4, True, s / 100) for s in SHARES])
    headers = [a["text"] for a in spec["frames"][5]["layout"]["annotations"]]
    assert f"{per_channel[5] / 1000:,.0f} kB" in headers[2], "per-channel steps: the chart's states change too"


@needs_model
@pytest.mark.parametrize(
    "bits, per_channel, share, key",
    [(32, False, 0, "saw_identity"), (8, False, 0, "saw_small"), (4, False, 50, "saw_large"), (32, True, 30, None)],
)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_what_you_saw_follows_the_controls(bits, per_channel, share, key, lang, shipped, val_text):
    """Every sentence that quotes a figure is the figure computed for the controls' state."""
    model = shipped[0]
    catalog = load_catalog(lang)
    query = {"big_bits": str(bits), "big_channel": str(per_channel).lower(), "big_sparsity": str(share)}
    at = run_page(lang, gpt="shakespeare", **query)
    settings = compress.Settings(None if bits == 32 else bits, per_channel, share / 100)
    size, loss, _ = measured(model, val_text, settings)
    before = bp.val_loss(model, val_text)
    change = loss - before
    key = key or ("saw_small" if change < 0.01 else "saw_large")
    label = catalog["big_picture.bits_float"] if bits == 32 else catalog["big_picture.bits_n"].format(bits=bits)
    figures = {"bits": label, "share": share, "ratio": f"{compress.model_size_bytes(model) / size:.1f}"}
    signed = f"{change:+.3f}" if abs(change) >= 0.0005 else "±0.000"
    text = catalog[f"big_picture.{key}"].format(before=f"{before:.3f}", after=f"{loss:.3f}", change=signed, **figures)
    assert text in [s.value for s in at.success]
    chars = f"{bp.loss_chars(model):,}"
    assert any(
        c.value.startswith(catalog["big_picture.widget_path"].split("{")[0]) and chars in c.value for c in at.caption
    )


# --- Exercises ---------------------------------------------------------------------------------------------
@needs_model
@pytest.mark.parametrize("lang", LANGUAGES)
def test_exercises_answered_right_and_wrong(lang, shipped, val_text):
    catalog = load_catalog(lang)
    right, wrong = catalog["common.exercise.right"], catalog["common.exercise.wrong"]
    at = run_page(lang, gpt="shakespeare")
    at.radio(key="ex_big_picture_1").set_value("large").run()
    at.button(key="ex_big_picture_1_check").click().run()
    _, loss8, _ = measured(shipped[0], val_text, compress.Settings(8, False, 0.0))
    assert any(w.value.startswith(wrong) and f"{loss8:.3f}" in w.value for w in at.warning)
    at.radio(key="ex_big_picture_1").set_value("small").run()
    assert any(s.value.startswith(right) for s in at.success)
    at.radio(key="ex_big_picture_2").set_value("smaller").run()
    at.button(key="ex_big_picture_2_check").click().run()
    sizes = compress.sizes(shipped[0], [compress.Settings(8, False, 0.0), compress.Settings(8, False, 0.1)])
    assert sizes[0] == sizes[1]
    assert any(w.value.startswith(wrong) and f"{sizes[0] / 1000:,.0f} kB" in w.value for w in at.warning)
    at.radio(key="ex_big_picture_2").set_value("same").run()
    assert any(s.value.startswith(right) and "12.5%" in s.value for s in at.success)
    at.radio(key="ex_big_picture_3").set_value("text").run()
    at.button(key="ex_big_picture_3_check").click().run()
    at.radio(key="ex_big_picture_3").set_value("teacher").run()
    assert any(s.value.startswith(right) for s in at.success)
    assert at.session_state["exercises_solved"]["big_picture"] == {1, 2, 3}
    at.button(key="ex_big_picture_2_preset").click().run()
    assert (at.radio(key="big_bits").value, at.slider(key="big_sparsity").value) == (8, 10)
    at.button(key="ex_big_picture_1_preset").click().run()
    assert (at.radio(key="big_bits").value, at.toggle(key="big_channel").value) == (8, False)


# --- Either tiny GPT -----------------------------------------------------------------------------------------
@needs_model
@needs_tang
@pytest.mark.parametrize(
    ("lang", "query", "name"), [("en", {}, "shakespeare"), ("zh", {}, "tang"), ("en", {"gpt": "tang"}, "tang")]
)
def test_the_language_or_the_link_picks_the_model_measured(lang, query, name, shipped, val_text, tang):
    """English opens on Shakespeare, Chinese on the Tang poems, ?gpt=tang too; the hero measures that
    model on its own held-out text."""
    model, val = (shipped[0], val_text) if name == "shakespeare" else (tang[0], tang[3])
    at = run_page(lang, **query)
    assert at.button_group(key="gpt").value == name
    size, loss, top1 = measured(model, val, compress.Settings(8, False, 0.0))
    assert [m.value for m in at.metric][:3] == [f"{size / 1000:,.0f} kB", f"{loss:.3f}", f"{top1:.1%}"]
    catalog = load_catalog(lang)
    start, chars = catalog["big_picture.widget_path"].split("{")[0], f"{bp.loss_chars(model):,}"
    assert any(c.value.startswith(start) and chars in c.value for c in at.caption)
    w = dict(model.named_parameters())[bp.HISTOGRAM_MATRIX].detach()
    edges = np.linspace(-1.02 * float(w.abs().max()), 1.02 * float(w.abs().max()), bp.HISTOGRAM_BINS + 1)
    spec = chart(at, "big_states_chart")
    np.testing.assert_array_equal(plotly_array(spec["data"][3]["y"])[:-1], np.histogram(w.numpy(), edges)[0])


@needs_model
@needs_tang
def test_switching_the_model_changes_the_numbers(tang):
    at = run_page("en")
    before = [m.value for m in at.metric][:3]
    at.button_group(key="gpt").set_value("tang").run()
    assert not at.exception and at.query_params["gpt"] == "tang"
    size, loss, top1 = measured(tang[0], tang[3], compress.Settings(8, False, 0.0))
    after = [m.value for m in at.metric][:3]
    assert after == [f"{size / 1000:,.0f} kB", f"{loss:.3f}", f"{top1:.1%}"] and after != before


@needs_tang
@pytest.mark.parametrize("lang", LANGUAGES)
def test_prose_and_exercises_quote_the_tang_models_numbers(lang, tang):
    from app_pages.big_picture_compression import signed

    model, _, _, val = tang
    catalog = load_catalog(lang)
    right = catalog["common.exercise.right"]
    at = run_page(lang, gpt="tang", big_bits="4", big_sparsity="50")
    before = bp.val_loss(model, val)
    size, loss, _ = measured(model, val, compress.Settings(4, False, 0.5))
    ratio = f"{compress.model_size_bytes(model) / size:.1f}"
    figures = {"bits": catalog["big_picture.bits_n"].format(bits=4), "share": 50, "ratio": ratio}
    key = "saw_small" if loss - before < 0.01 else "saw_large"
    text = catalog[f"big_picture.{key}"].format(
        before=f"{before:.3f}", after=f"{loss:.3f}", change=signed(loss - before), **figures
    )
    assert text in [s.value for s in at.success]
    size8, loss8, _ = measured(model, val, compress.Settings(8, False, 0.0))
    at.radio(key="ex_big_picture_1").set_value(bp.loss_band(loss8 - before)).run()
    at.button(key="ex_big_picture_1_check").click().run()
    numbers = {"before": f"{before:.3f}", "after": f"{loss8:.3f}", "change": signed(loss8 - before)}
    explain = catalog["big_picture.ex1_explain"].format(
        ratio=f"{compress.model_size_bytes(model) / size8:.1f}", **numbers
    )
    assert any(s.value.startswith(right) and explain in s.value for s in at.success)
    dense, pruned = compress.sizes(model, [compress.Settings(8, False, 0.0), compress.Settings(8, False, 0.1)])
    at.radio(key="ex_big_picture_2").set_value(bp.size_change(dense, pruned)).run()
    at.button(key="ex_big_picture_2_check").click().run()
    assert any(s.value.startswith(right) and f"{pruned / 1000:,.0f} kB" in s.value for s in at.success)


@needs_model
@needs_tang
@pytest.mark.parametrize("lang", LANGUAGES)
def test_distillation_stays_on_shakespeare_whatever_the_switch(lang, shipped):
    from core.gpt_train import load

    catalog = load_catalog(lang)
    note = catalog["big_picture.distill_always_shakespeare"]
    at = run_page(lang, gpt="tang")
    assert note in [c.value for c in at.caption]
    teacher = catalog["big_picture.distill_teacher_line"].format(loss=f"{shipped[2]['val_loss']:.2f}")
    assert teacher in [trace["name"] for trace in chart(at, "big_distill_chart")["data"]]
    text_model, vocab, _ = load(STUDENTS[0])
    assert bp.sample(text_model, vocab) in [c.value for c in at.code]
    assert note not in [c.value for c in run_page(lang, gpt="shakespeare").caption]


# --- Distillation --------------------------------------------------------------------------------------------
@needs_model
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_shipped_students_are_shown_on_arrival(lang):
    from core.distill import history_of
    from core.gpt_train import load

    catalog = load_catalog(lang)
    at = run_page(lang)
    spec = chart(at, "big_distill_chart")
    (text_model, vocab, text_info), (taught_model, _, taught_info) = (load(d) for d in STUDENTS)
    text, taught = history_of(text_info), history_of(taught_info)
    for trace, history in zip(spec["data"][:2], (text, taught)):
        np.testing.assert_allclose(plotly_array(trace["y"]), history.val_loss)
        np.testing.assert_array_equal(plotly_array(trace["x"]), history.steps)
    sentence = catalog["big_picture.distill_result"].format(
        text=f"{text.val_loss[-1]:.3f}", taught=f"{taught.val_loss[-1]:.3f}"
    )
    assert sentence in [s.value for s in at.success]
    codes = [c.value for c in at.code]
    assert bp.sample(text_model, vocab) in codes and bp.sample(taught_model, vocab) in codes
    assert [b for b in at.button if b.key == "big_distill"]


@needs_model
@pytest.mark.slow
def test_a_learner_trains_their_own_student():
    from core.distill import STUDENT_SETTINGS

    at = run_page("en")
    at.radio(key="big_distill_temp").set_value(4.0).run()
    at.button(key="big_distill").click().run(timeout=600)
    assert not at.exception, [e.value for e in at.exception]
    spec = chart(at, "big_distill_chart")
    own = next(trace for trace in spec["data"] if trace["name"] == "Your student (T = 4)")
    assert plotly_array(own["x"])[-1] == STUDENT_SETTINGS.max_iters
    assert plotly_array(own["y"])[0] == pytest.approx(plotly_array(spec["data"][0]["y"])[0]), (
        "the same starting weights"
    )
    assert any(
        m.value.startswith(f"Your student, taught at T = 4, ends at {plotly_array(own['y'])[-1]:.3f}")
        for m in at.markdown
    )


# --- The whole picture ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_whole_picture_links_every_stage_to_its_lessons(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    for stage in STAGES:
        line = f"**{catalog[f'common.stages.{stage}']}** · {catalog[f'big_picture.picture.{stage}']}"
        assert line in [m.value for m in at.markdown], stage
    links = [m.value for m in at.markdown if m.value.startswith("[")]
    for slug in ("fitting", "loss-surface", "neural-networks", "overfitting", "embeddings", "attention", "sampling"):
        number = next(item.number for item in LESSONS if item.slug == slug)
        name = catalog[f"big_picture.short.{slug.replace('-', '_')}"]
        assert f"[{number}. {name}](./{slug}?lang={lang})" in links, slug


# --- The glossary ---------------------------------------------------------------------------------------------
def test_glossary_covers_the_curriculum_and_the_articles():
    ids = [term.id for term in glossary.TERMS]
    assert len(ids) == len(set(ids)) >= 70
    covered = {i for group in (*CURRICULUM_TERMS.values(), *ARTICLE_TERMS.values()) for i in group}
    assert covered == set(ids)
    assert {term.group for term in glossary.TERMS} == set(glossary.GROUPS)
    slugs = {lesson.slug for lesson in LESSONS}
    assert all(term.lesson is None or term.lesson in slugs for term in glossary.TERMS)
    assert {t.id: t.lesson for t in glossary.TERMS}["rnn"] == "attention"
    for lang in LANGUAGES:
        catalog = load_catalog(lang)
        for term in glossary.TERMS:
            text = catalog[f"big_picture.glossary.{term.id}.text"]
            assert catalog[f"big_picture.glossary.{term.id}.term"]
            sentences = text.count("。") if lang == "zh" else len(re.findall(r"[.?!](?:\s|$)", text))
            assert 1 <= sentences <= 3 and len(text) < (200 if lang == "zh" else 330), (term.id, lang, sentences)
    assert "推理" in load_catalog("zh")["big_picture.glossary.inference.text"].split("。")[-2], "its two meanings"
    assert "联结主义" in load_catalog("zh")["big_picture.glossary.connectionism.term"]


def test_search_looks_in_both_languages_and_never_leaves_the_table_empty():
    rows = glossary.rows({lang: load_catalog(lang) for lang in LANGUAGES})
    found = lambda query: {row.entry.id for row in glossary.search(query, rows)}  # noqa: E731
    assert found("") == found("   ") == {term.id for term in glossary.TERMS}
    assert "quantization" in found("量化") and {"token", "tokenizer"} <= found("TOKEN")
    assert "inference" in found("推理") and "connectionism" in found("联结")
    assert found("zebra-zebra") == set()
    assert glossary.matches("rag", "RAG (retrieval)") and not glossary.matches("zebra", "RAG", "token")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_glossary_is_a_collapsed_table_of_every_entry(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    header = catalog["big_picture.glossary_header"].format(n=len(glossary.TERMS))
    assert [e.proto.expanded for e in at.expander if e.label == header] == [False]
    shown = table(at)
    assert list(shown.columns) == [catalog[f"big_picture.column_{c}"] for c in ("term", "meaning", "lesson")]
    assert shown.iloc[:, 0].tolist() == [catalog[f"big_picture.glossary.{term.id}.term"] for term in glossary.TERMS]
    rnn = shown.iloc[[term.id for term in glossary.TERMS].index("rnn"), 2]
    name = catalog["common.lesson_names.attention"]
    number = next(item.number for item in LESSONS if item.slug == "attention")
    assert rnn == f"[{number}. {name}](./attention?lang={lang})"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_filters_keeps_the_text_and_explains_no_hits(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    other = "量化" if lang == "en" else "quantization"  # a word of the other language
    at.text_input(key="big_search").input(other).run()
    assert catalog["big_picture.glossary.quantization.term"] in table(at).iloc[:, 0].tolist()
    assert len(table(at)) < len(glossary.TERMS)
    nonsense = "<b>zzz</b>**qq"
    at.text_input(key="big_search").input(nonsense).run()
    assert not at.exception and table(at) is None
    assert catalog["big_picture.no_hits"] in [i.value for i in at.info]
    assert at.text_input(key="big_search").value == nonsense, "the learner's text is kept"
    assert all(nonsense not in m.value for m in at.markdown), "and never rendered"
    at.text_input(key="big_search").input("").run()
    assert len(table(at)) == len(glossary.TERMS)


# --- Symbolism and connectionism --------------------------------------------------------------------------
def test_rule_and_line_errors_are_computed():
    at = run_page("en", big_rule="20")
    x, y = fit.TEA_PRICES, fit.TEA_SALES
    rule = [850 if price <= 20 else 650 for price in x]
    rule_error = sum((r - s) ** 2 / 2 for r, s in zip(rule, y)) / len(x)
    k, b = fit.least_squares(x, y)
    shown = metrics(at)
    assert shown["Error of the rule"] == f"{rule_error:,.0f}"
    assert shown["Error of the fitted line"] == f"{fit.dataset_error(x, y, k, b):,.0f}"
    assert "if price <= 20:\n    cups = 850\nelse:\n    cups = 650" in [c.value for c in at.code]


def test_update_rule_figure_equals_a_fresh_build():
    from ui import big_picture_charts as charts

    updated = charts.rule_figure(17.0)
    charts.update_rule_figure(updated, 23.0)
    fresh = charts.rule_figure(23.0)
    for a, b in zip(updated.data, fresh.data):
        np.testing.assert_array_equal(np.asarray(a.x), np.asarray(b.x))
        np.testing.assert_array_equal(np.asarray(a.y), np.asarray(b.y))


# --- Files missing: only their sections step aside --------------------------------------------------------
def unusable_corpus(case: str, folder: Path) -> Path:
    path = folder / case
    if case == "broken.txt.bz2":
        path.write_bytes(b"BZh9" + bytes(range(256)) * 4)
    elif case == "greek.txt":
        path.write_text("αβγδ " * 5000, encoding="utf-8")
    return path


@needs_model
@pytest.mark.parametrize(
    "case, reason", [("absent.txt", "FileNotFoundError"), ("broken.txt.bz2", "OSError"), ("greek.txt", "ValueError")]
)
def test_without_a_readable_corpus_only_its_parts_step_aside(case, reason, monkeypatch, tmp_path):
    path = unusable_corpus(case, tmp_path)
    monkeypatch.setenv(ENV_VAR, str(path))
    at = run_page("en", big_bits="8")
    catalog = load_catalog("en")
    assert not [m for m in at.metric if m.label.startswith("Validation loss")]
    messages = [i.value for i in at.info]
    shown = shown_path(path)
    assert catalog["big_picture.no_corpus"].format(path=shown, problem=reason) in messages
    assert catalog["big_picture.distill_no_corpus"].format(path=shown, problem=reason) in messages
    assert not [b for b in at.button if b.key == "big_distill"]
    assert "Same first choice" in metrics(at)
    assert chart(at, "big_distill_chart")["data"], "the shipped students need no corpus"
    assert not [b for b in at.button if b.key == "ex_big_picture_1_check"], "card 1 needs the loss"
    assert len(table(at)) == len(glossary.TERMS), "the glossary still works"


@needs_model
def test_the_shipped_corpus_is_read_where_no_other_is_named(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    at = run_page("en")
    assert not [i for i in at.info if i.value.startswith("The validation text at")]
    assert [b for b in at.button if b.key == "big_distill"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_model_is_explained(lang, monkeypatch, tmp_path):
    monkeypatch.setenv("LLMX_TINY_GPT", str(tmp_path / "nowhere"))
    at = run_page(lang)
    assert at.error[0].value == load_catalog(lang)["big_picture.model_missing"].format(
        path="nowhere", problem="FileNotFoundError"
    )
    assert len(table(at)) == len(glossary.TERMS), "the glossary still works"
    sampling = next(item.number for item in LESSONS if item.slug == "sampling")
    assert any(m.value.startswith(f"[{sampling}. ") for m in at.markdown), "and the whole picture"


def test_state_comes_from_the_url_and_bad_values_fall_back():
    at = run_page("en", big_rule="30", big_sparsity="40", big_bits="4")
    assert at.slider(key="big_rule").value == 30 and at.slider(key="big_sparsity").value == 40
    assert at.radio(key="big_bits").value == 4
    at = run_page("en", big_rule="abc", big_sparsity="7", big_bits="16")
    assert at.slider(key="big_rule").value == 17 and at.radio(key="big_bits").value == 8


# --- Thin pages -------------------------------------------------------------------------------------------
def test_the_page_is_thin():
    files = ["app_pages/big_picture.py", "app_pages/big_picture_sections.py", "ui/big_picture_charts.py"]
    for name in files:
        source = (ROOT / name).read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno - node.lineno + 1 <= 60, (name, node.name)
    assert len((ROOT / files[0]).read_text(encoding="utf-8").splitlines()) < 200
    assert len((ROOT / files[1]).read_text(encoding="utf-8").splitlines()) < 260
