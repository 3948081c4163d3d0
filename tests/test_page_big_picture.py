"""Lesson 9's page in AppTest: the glossary (complete, searchable, linked), the rule against the
line, and the compression numbers checked against core computed here directly."""

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest

from core import compress, glossary
from core import fitting as fit
from core.artefacts import shown_path
from core.corpus import ENV_VAR
from tests.apptest import run_clean
from tests.conftest import ROOT
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import LESSONS

PAGE = ROOT / "app_pages" / "big_picture.py"
MODEL = ROOT / "models" / "tiny_gpt"
needs_model = pytest.mark.skipif(not (MODEL / "model.json").exists(), reason=f"no tiny GPT at {MODEL}")

# The curriculum's section 9 terms, each mapped to the glossary entries that cover it.
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


def run_page(lang: str = "en", **query):
    return run_clean(PAGE, lang, **query)


def specs(at) -> dict[str, dict]:
    return {
        json.loads(c.proto.spec)["layout"]["title"]["text"]: json.loads(c.proto.spec) for c in at.get("plotly_chart")
    }


def metrics(at) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def entries(at) -> list[str]:
    """The glossary entries shown: Markdown lines that start with a bold term."""
    return [m.value for m in at.markdown if re.match(r"^\*\*[^*]+\*\* — ", m.value)]


# --- The glossary ----------------------------------------------------------------------------------
def test_glossary_covers_the_curriculum_with_valid_structure():
    ids = [term.id for term in glossary.TERMS]
    assert len(ids) == len(set(ids)) >= 40
    covered = {i for group in CURRICULUM_TERMS.values() for i in group}
    assert covered <= set(ids) and set(ids) <= covered
    assert {term.group for term in glossary.TERMS} == set(glossary.GROUPS)
    slugs = {lesson.slug for lesson in LESSONS}
    assert all(term.lesson is None or term.lesson in slugs for term in glossary.TERMS)
    for lang in LANGUAGES:
        catalog = load_catalog(lang)
        for term in glossary.TERMS:
            text = catalog[f"big_picture.glossary.{term.id}.text"]
            assert catalog[f"big_picture.glossary.{term.id}.term"]
            sentences = text.count("。") if lang == "zh" else len(re.findall(r"[.?!](?:\s|$)", text))
            assert 1 <= sentences <= 3 and len(text) < (200 if lang == "zh" else 330), (term.id, lang, sentences)


def test_matches_is_case_insensitive_and_empty_matches_all():
    assert glossary.matches("", "anything") and glossary.matches("  ", "x")
    assert glossary.matches("rag", "RAG (retrieval)") and glossary.matches(" Token ", "a token")
    assert not glossary.matches("zebra", "RAG", "token")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_shown_with_its_lesson_link(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    shown = entries(at)
    assert len(shown) == len(glossary.TERMS)
    for term in glossary.TERMS:
        line = (
            f"**{catalog[f'big_picture.glossary.{term.id}.term']}** — {catalog[f'big_picture.glossary.{term.id}.text']}"
        )
        assert line in shown
    # Standalone (no navigation), a link is Markdown carrying the language: [name](./slug?lang=xx).
    links = [m.value for m in at.markdown if m.value.startswith("[")]
    linked = {term.lesson for term in glossary.TERMS if term.lesson not in (None, "big-picture")}
    built = {lesson.slug for lesson in LESSONS if lesson.built}
    for slug in linked & built:
        assert any(f"(./{slug}?lang={lang})" in link for link in links), slug
    for slug in linked - built:  # a lesson still being built: its name, not a link
        name = catalog[f"common.lesson_names.{slug.replace('-', '_')}"]
        assert any(
            catalog["common.lesson_coming"].format(name=f"{n}. {name}") == m.value
            for m in at.markdown
            for n in range(1, 10)
        )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_filters_keeps_the_text_and_explains_no_hits(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    at.text_input(key="big_search").input("rag").run()
    shown = entries(at)
    expected = [
        term.id
        for term in glossary.TERMS
        if "rag"
        in (catalog[f"big_picture.glossary.{term.id}.term"] + catalog[f"big_picture.glossary.{term.id}.text"]).lower()
    ]
    assert 1 <= len(shown) == len(expected) < len(glossary.TERMS)
    assert any(catalog["big_picture.glossary.rag.term"] in line for line in shown)
    nonsense = "<b>zzz</b>**qq"
    at.text_input(key="big_search").input(nonsense).run()
    assert not at.exception and entries(at) == []
    assert catalog["big_picture.no_hits"] in [i.value for i in at.info]
    assert at.text_input(key="big_search").value == nonsense, "the learner's text is kept"
    assert all(nonsense not in m.value for m in at.markdown), "and never rendered"
    at.text_input(key="big_search").input("").run()
    assert len(entries(at)) == len(glossary.TERMS)


def test_group_filter():
    at = run_page("en")
    at.segmented_control(key="big_group").set_value("ecosystem").run()
    assert len(entries(at)) == sum(term.group == "ecosystem" for term in glossary.TERMS)
    at.text_input(key="big_search").input("model").run()
    assert 0 < len(entries(at)) < sum(term.group == "ecosystem" for term in glossary.TERMS)


def test_chinese_search_finds_chinese_text():
    at = run_page("zh")
    at.text_input(key="big_search").input("量化").run()
    assert any("**量化** — " in line for line in entries(at))


# --- Symbolism and connectionism --------------------------------------------------------------------
def test_rule_and_line_errors_are_computed():
    at = run_page("en", big_rule="20")
    x, y = fit.TEA_PRICES, fit.TEA_SALES
    rule = [850 if price <= 20 else 650 for price in x]
    rule_error = sum((r - s) ** 2 / 2 for r, s in zip(rule, y)) / len(x)
    k, b = fit.least_squares(x, y)
    values = dict(metrics(at))
    assert values["Error of the rule"] == f"{rule_error:,.0f}"
    assert values["Error of the fitted line"] == f"{fit.dataset_error(x, y, k, b):,.0f}"
    assert at.code[0].value == "if price <= 20:\n    cups = 850\nelse:\n    cups = 650"
    assert "The same six teas, a written rule and a learned line" in specs(at)


# --- Compression ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    from core.gpt_train import load

    return load(Path(MODEL))


@needs_model
def test_compression_numbers_match_core(shipped):
    model, vocab, _ = shipped
    at = run_page("en", big_bits="4", big_channel="false", big_sparsity="50")
    settings = compress.Settings(4, False, 0.5)
    small, pruned = compress.compressed_model(model, settings)
    values = metrics(at)
    sizes = [v for label, v in values if label == "Size of the weights"]
    assert sizes == [
        f"{compress.model_size_bytes(model) / 1000:,.0f} kB",
        f"{compress.model_size_bytes(small, settings) / 1000:,.0f} kB",
    ]
    assert dict(values)["Zeros in the matrices"] == f"{pruned:.1%}" == "50.0%"
    kl, top1 = compress.agreement(model, small, compress.reference_texts(model, 4, seed=0))
    assert dict(values)["KL divergence from the original"] == f"{kl:.4f} nats"
    assert dict(values)["Same top character"] == f"{top1:.1%}"
    title = f"blocks.0.mlp.fc.weight: {model.config.n_embd * 4} × {model.config.n_embd} weights before and after"
    assert title in specs(at)
    after = specs(at)[title]["data"][1]["y"]
    after = np.frombuffer(base64.b64decode(after["bdata"]), dtype=after["dtype"]) if isinstance(after, dict) else after
    assert sum(np.asarray(after) > 0) <= 15, "4 bits per tensor: at most 15 distinct values"
    assert sum(after) == model.config.n_embd * 4 * model.config.n_embd
    original_text, compressed_text = at.code[2].value, at.code[3].value
    assert original_text.startswith("ROMEO:") and compressed_text.startswith("ROMEO:")
    assert original_text != compressed_text  # 4 bits per tensor, half pruned: the texts part


@needs_model
def test_validation_loss_shown_for_both_models():
    at = run_page("en", big_bits="8")
    losses = [m.value for m in at.metric if m.label == "Validation loss (nats per character)"]
    assert len(losses) == 2 and abs(float(losses[0]) - float(losses[1])) < 0.02


def unusable_corpus(case: str, folder: Path) -> Path:
    """A corpus file the way a server can find it: absent, not the format its name says, or in
    characters the shipped model does not know."""
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
def test_without_a_readable_corpus_only_its_sections_step_aside(case, reason, monkeypatch, tmp_path):
    path = unusable_corpus(case, tmp_path)
    monkeypatch.setenv(ENV_VAR, str(path))
    at = run_page("en", big_bits="8")
    catalog = load_catalog("en")
    assert not [m for m in at.metric if m.label.startswith("Validation loss")]
    messages = [i.value for i in at.info]
    shown = shown_path(path)  # its name alone, where the repository's folder does not hold tmp_path
    assert catalog["big_picture.no_corpus"].format(path=shown, problem=reason) in messages
    assert catalog["big_picture.distill_no_corpus"].format(path=shown, problem=reason) in messages
    assert not [b for b in at.button if b.key == "big_distill"]
    assert any(m.label == "KL divergence from the original" for m in at.metric)
    assert len(entries(at)) == len(glossary.TERMS), "the glossary still works"


@needs_model
def test_the_shipped_corpus_is_read_where_no_other_is_named(monkeypatch):
    """A fresh clone (or a deployed app) validates and trains on data/tinyshakespeare.txt.bz2."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    at = run_page("en")
    assert not [i for i in at.info if i.value.startswith("The validation text at")]
    assert [b for b in at.button if b.key == "big_distill"]


@needs_model
def test_tradeoff_chart_is_computed(shipped):
    model = shipped[0]
    at = run_page("en")
    at.button(key="big_tradeoff").click().run(timeout=300)
    assert not at.exception
    spec = specs(at)["Size against prediction drift"]
    names = [trace["name"] for trace in spec["data"]]
    assert "8-bit, per-channel" in names and "4-bit, per-tensor" in names and "Your setting" in names
    eight = next(trace for trace in spec["data"] if trace["name"] == "8-bit, per-tensor")
    settings = compress.Settings(8, False, 0.0)
    small, _ = compress.compressed_model(model, settings)
    assert eight["x"][0] == pytest.approx(compress.model_size_bytes(small, settings) / 1000)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_model_is_explained(lang, monkeypatch, tmp_path):
    monkeypatch.setenv("LLMX_TINY_GPT", str(tmp_path / "nowhere"))
    at = run_page(lang)
    assert at.error[0].value == load_catalog(lang)["big_picture.model_missing"].format(
        path="nowhere", problem="FileNotFoundError"
    )
    assert len(entries(at)) == len(glossary.TERMS), "the glossary still works"


def test_state_comes_from_the_url_and_bad_values_fall_back():
    at = run_page("en", big_rule="30", big_sparsity="40", big_bits="4")
    assert at.slider(key="big_rule").value == 30 and at.slider(key="big_sparsity").value == 40
    assert at.radio(key="big_bits").value == 4
    at = run_page("en", big_rule="abc", big_sparsity="7", big_bits="16")
    assert at.slider(key="big_rule").value == 17 and at.radio(key="big_bits").value == 8


@needs_model
@pytest.mark.slow
def test_distillation_trains_both_students_in_the_session():
    from core.distill import STUDENT_SETTINGS

    at = run_page("en")
    at.button(key="big_distill").click().run(timeout=600)
    assert not at.exception, [e.value for e in at.exception]
    spec = specs(at)["Validation loss of the two students"]
    text, taught = (trace for trace in spec["data"][:2])
    assert (text["name"], taught["name"]) == ("on the raw text", "from the teacher")
    assert text["x"][-1] == STUDENT_SETTINGS.max_iters and text["y"][0] == taught["y"][0], "same start"
    assert taught["y"][-1] < text["y"][-1]
    assert f"**{text['y'][-1]:.3f}**" in next(m.value for m in at.markdown if m.value.startswith("After "))
    samples = [c.value for c in at.code if c.value.startswith("ROMEO:")]
    assert len(samples) == 4  # original and compressed, then the two students
