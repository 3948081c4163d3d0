"""Lesson 8's page in AppTest: the distribution against the model's own logits, the cut-offs,
prompts that need handling, seeded generation, 1,000 draws, a missing model, and retraining."""

import base64
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from tests.apptest import run_clean
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

PAGE = ROOT / "app_pages" / "sampling.py"
MODEL = Path(os.environ.get("LLMX_TINY_GPT", ROOT / "models" / "tiny_gpt"))
PROMPT = "JULIET:\nO Romeo, Romeo! wherefore art thou "  # the page's default
CORPUS = ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"
needs_model = pytest.mark.skipif(
    not (MODEL / "model.json").exists(), reason=f"the tiny GPT is not at {MODEL} (python -m core.gpt_train)"
)


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def specs(at: AppTest) -> dict[str, dict]:
    """Plotly figures by title."""
    out = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def metric(at: AppTest, key: str, lang: str = "en") -> str:
    label = load_catalog(lang)[key]
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture(scope="module")
def reference():
    """The model's next-character probabilities for the default prompt, computed here directly."""
    from core.gpt_train import load

    model, vocab, _ = load(MODEL)
    with torch.no_grad():
        logits, _ = model(torch.tensor([vocab.encode(PROMPT)]))
    return logits[0, -1], vocab


def trace_y(spec: dict, index: int) -> np.ndarray:
    """A trace's y values (Plotly writes NumPy arrays as base64 typed arrays: {"dtype", "bdata"})."""
    y = spec["data"][index]["y"]
    if isinstance(y, dict):
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).astype(float)
    return np.asarray(y, dtype=float)


@needs_model
@pytest.mark.parametrize("lang", LANGUAGES)
def test_bars_are_the_models_probabilities(lang, reference):
    logits, vocab = reference
    at = run_page(lang)
    catalog = load_catalog(lang)
    spec = specs(at)[catalog["sampling.chart.dist_title"]]
    order = torch.argsort(logits, descending=True)[:20]
    expected = torch.softmax(logits.double(), -1)[order].numpy()
    np.testing.assert_allclose(trace_y(spec, 2), expected, atol=1e-5)  # model, T = 1
    np.testing.assert_allclose(trace_y(spec, 1), expected, atol=1e-5)  # nothing cut by default
    assert metric(at, "sampling.kept", lang) == f"{len(vocab)} / {len(vocab)}"
    bits = -(torch.softmax(logits.double(), -1) * torch.log_softmax(logits.double(), -1)).sum() / np.log(2)
    assert metric(at, "sampling.entropy_model", lang) == f"{bits:.2f}"
    assert catalog["sampling.chart.samples_title"] in specs(at)


@needs_model
def test_temperature_zero_is_argmax_and_temperature_two_flattens(reference):
    logits, vocab = reference
    at = run_page("en", smp_temp="0")
    spec = specs(at)[load_catalog("en")["sampling.chart.dist_title"]]
    final = trace_y(spec, 1)
    assert final[0] == 1.0 and final[1:].sum() == 0.0  # bar 0 is the model's most probable character
    assert metric(at, "sampling.entropy_final") == "0.00" and metric(at, "sampling.kept") == f"1 / {len(vocab)}"
    top = vocab.chars[int(logits.argmax())].replace(" ", "␣").replace("\n", "↵")
    assert load_catalog("en")["sampling.greedy_note"].format(char=top) in [c.value for c in at.caption]
    at.slider(key="smp_temp").set_value(2.0).run()
    spec = specs(at)[load_catalog("en")["sampling.chart.dist_title"]]
    order = torch.argsort(logits, descending=True)[:20]
    np.testing.assert_allclose(trace_y(spec, 0), torch.softmax(logits.double() / 2, -1)[order].numpy(), atol=1e-5)


@needs_model
def test_top_k_and_top_p_cut_and_renormalize(reference):
    logits, _ = reference
    at = run_page("en", smp_top_k="5")
    spec = specs(at)["Probability of the next character (top 20)"]
    final = trace_y(spec, 1)
    assert (final > 0).sum() == 5 and final.sum() == pytest.approx(1.0, abs=1e-5)
    top5 = torch.softmax(torch.sort(logits, descending=True).values[:5].double(), -1).numpy()
    np.testing.assert_allclose(final[:5], top5, atol=1e-5)
    assert spec["data"][3]["x"] == [4.5, 4.5] and spec["data"][3]["name"] == "top-k cut-off (k = 5)"
    assert metric(at, "sampling.kept") == "5 / 65"
    at = run_page("en", smp_top_p="0.5")
    spec = specs(at)["Probability of the next character (top 20)"]
    final = trace_y(spec, 1)
    n = int((final > 0).sum())
    ranked = torch.sort(torch.softmax(logits.double(), -1), descending=True).values.numpy()
    assert ranked[:n].sum() >= 0.5 and (n == 1 or ranked[: n - 1].sum() < 0.5)
    assert spec["data"][4]["x"] == [n - 0.5, n - 0.5]


@needs_model
@pytest.mark.parametrize("lang", LANGUAGES)
def test_prompts_that_need_handling(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    at.text_area(key="smp_prompt").set_value("ROMEO: “你好” ok").run()
    assert not at.exception
    assert at.warning[0].value == catalog["sampling.unknown_chars"].format(count=4)
    assert at.code[0].value == "“ 你 好 ”"
    at.text_area(key="smp_prompt").set_value("a" * 500).run()
    assert not at.exception and not at.warning
    block = json.loads((MODEL / "model.json").read_text(encoding="utf-8"))["config"]["block_size"]
    assert catalog["sampling.prompt_cut"].format(cut=500 - block, block=block) in [i.value for i in at.info]
    at.text_area(key="smp_prompt").set_value("").run()
    assert not at.exception
    assert at.warning[0].value == catalog["sampling.prompt_empty"]
    assert specs(at)[catalog["sampling.chart.dist_title"]]  # the model still continues a new line


@needs_model
@pytest.mark.slow
def test_same_seed_same_text_and_three_temperatures(reference):
    from core.gpt_train import load
    from core.sampling import generate

    model, vocab, _ = load(MODEL)
    start = torch.tensor([vocab.encode(PROMPT)])
    expected = generate(model, start, 20, 0.8, top_k=10, generator=torch.Generator().manual_seed(0))
    at = run_page("en", smp_length="20", smp_temp="0.8", smp_top_k="10")
    at.button(key="smp_generate").click().run()
    first = at.code[0].value
    assert first == vocab.decode(expected[0].tolist()).rstrip("\n")  # st.code drops trailing newlines (not spaces)
    at.button(key="smp_generate").click().run()
    assert at.code[0].value == first
    at.number_input(key="smp_seed").set_value(7).run()
    at.button(key="smp_generate").click().run()
    assert at.code[0].value != first
    at.button(key="smp_compare").click().run()
    assert not at.exception
    texts = [c.value for c in at.code][1:4]
    assert len(set(texts)) == 3
    at.button(key="smp_compare").click().run()
    assert [c.value for c in at.code][1:4] == texts  # same seed, same three texts


@needs_model
def test_draws_follow_the_probabilities():
    at = run_page("en", smp_temp="1.5")
    spec = specs(at)["1,000 draws against the computed probabilities"]
    observed, expected = trace_y(spec, 0), trace_y(spec, 1)
    assert observed.sum() <= 1.0 + 1e-9
    assert np.all(np.abs(observed - expected) <= 4 * np.sqrt(expected * (1 - expected) / 1000) + 2e-3)
    at.button(key="smp_redraw").click().run()
    again = trace_y(specs(at)["1,000 draws against the computed probabilities"], 0)
    assert not np.array_equal(again, observed)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_model_is_explained(lang, monkeypatch, tmp_path):
    monkeypatch.setenv("LLMX_TINY_GPT", str(tmp_path / "nowhere"))
    at = run_page(lang)
    assert at.error[0].value == load_catalog(lang)["sampling.model_missing"].format(
        path=str(tmp_path / "nowhere"), problem="FileNotFoundError"
    )
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "model.json").write_text("{not json")
    monkeypatch.setenv("LLMX_TINY_GPT", str(tmp_path / "broken"))
    at = run_page(lang)
    assert "JSONDecodeError" in at.error[0].value


@needs_model
@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.exists(), reason=f"retraining needs the corpus at {CORPUS}")
def test_retrain_a_small_model_and_sample_from_it():
    at = run_page("en", smp_steps="100", smp_length="40")
    at.button(key="smp_retrain").click().run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    spec = specs(at)["Your model's loss while training"]
    val = trace_y(spec, 1)
    assert len(val) == 3 and val[-1] < val[0] - 0.8  # 4.2 nats at random, well below after 100 steps
    at.button(key="smp_sample_small").click().run()
    assert not at.exception
    text = at.code[0].value  # the only sample on the page (the show-the-code blocks come last)
    assert text.startswith(PROMPT) and len(PROMPT) + 30 <= len(text) <= len(PROMPT) + 40


@needs_model
def test_state_comes_from_the_url_and_bad_values_fall_back():
    at = run_page("en", smp_temp="2.5", smp_top_k="12", smp_top_p="0.8")
    assert (at.slider(key="smp_temp").value, at.slider(key="smp_top_k").value) == (2.5, 12)
    assert at.slider(key="smp_top_p").value == 0.8
    at = run_page("en", smp_temp="abc", smp_top_k="999", smp_top_p="0", smp_steps="7")
    assert (at.slider(key="smp_temp").value, at.slider(key="smp_top_p").value) == (1.0, 1.0)
    assert at.slider(key="smp_top_k").value == at.slider(key="smp_top_k").max  # every character kept
