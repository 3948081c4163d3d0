"""The two tiny GPTs: the Tang model's held-out poems ship with it (the last 10 % of the shared corpus,
exactly), and one switch (ui/tiny_gpt.py) picks the model for every lesson: the language's default,
the learner's pick kept across pages, a teacher's ?gpt= link."""

import hashlib

import pytest
import torch
from streamlit.testing.v1 import AppTest

from core import corpus
from core.gpt_train import CharVocab
from core.sampling import generate, mask_unknown
from tests.conftest import ROOT
from ui.corpus import held_out
from ui.tiny_gpt import FOLDERS, get_model

SHARED_TANG = ROOT.parent / "shared" / "data" / "tang_poems.txt"
SWITCH_APP = """
import streamlit as st
from ui.i18n import current_language
from ui.tiny_gpt import chosen_name, model_dir, model_switch
current_language()
if st.session_state.get("show", True):
    model_switch()
st.write("chosen:", chosen_name(), model_dir().name)
"""


def test_the_tang_validation_poems_ship_and_are_the_last_tenth():
    assert corpus.TANG_VALIDATION == ROOT / "data" / "tang_poems_val.txt.bz2"
    assert corpus.TANG_VALIDATION.stat().st_size < 350_000
    data = corpus.read_bytes(corpus.TANG_VALIDATION)
    assert hashlib.sha256(data).hexdigest() == corpus.TANG_VALIDATION_SHA256
    text = data.decode("utf-8")
    assert len(text) == corpus.TANG_VALIDATION_CHARACTERS == 269_712
    if SHARED_TANG.exists():  # where the course is developed: the split by position, as the trainer makes it
        full = SHARED_TANG.read_text(encoding="utf-8")
        assert full[int(0.9 * len(full)) :] == text


def test_held_out_gives_each_model_its_own_validation_ids():
    tang_model, tang_vocab, info = get_model(str(ROOT / "models" / FOLDERS["tang"]))
    val = held_out("tang", tang_vocab)
    assert val.shape == (269_712,) and int(val.max()) < len(tang_vocab) == 4000
    unknown_share = float((val == tang_vocab.unknown_id).float().mean())
    assert 0.007 < unknown_share < 0.01  # the trainer printed 0.78 % for this split
    _, shakespeare_vocab, _ = get_model(str(ROOT / "models" / FOLDERS["shakespeare"]))
    assert held_out("shakespeare", shakespeare_vocab).shape == (111_540,)


def test_the_unknown_id_is_never_written():
    logits = torch.tensor([[0.0, 5.0, 1.0], [9.0, 0.0, 0.0]])  # (2, vocab 3): id 1 and id 0 on top
    masked = mask_unknown(logits, 1)
    assert torch.isinf(masked[:, 1]).all() and torch.equal(masked[:, [0, 2]], logits[:, [0, 2]])
    assert torch.equal(mask_unknown(logits, None), logits)
    model, vocab, _ = get_model(str(ROOT / "models" / FOLDERS["tang"]))
    prompt = torch.tensor([vocab.encode("《登高》\n无边落木萧萧下，不尽长江滚滚")])  # 滚 is rare: the model expects □
    free = generate(model, prompt, 40, 1.0, generator=torch.Generator().manual_seed(0))
    probs = mask_unknown(model.next_logits(prompt), None).softmax(-1)[0]
    assert float(probs[vocab.unknown_id]) > 0.1  # left alone, □ is its most likely next "character"
    banned = generate(model, prompt, 40, 1.0, generator=torch.Generator().manual_seed(0), banned=vocab.unknown_id)
    assert vocab.unknown_id not in banned[0, prompt.shape[1] :].tolist()
    assert free.shape == banned.shape


def run_switch(lang="en", **params) -> AppTest:
    at = AppTest.from_string(SWITCH_APP)
    at.query_params.update({"lang": lang, **params})
    return at.run()


def chosen(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("chosen:"))


@pytest.mark.parametrize(("lang", "name"), [("en", "shakespeare"), ("zh", "tang")])
def test_the_language_picks_the_default_model(lang, name):
    at = run_switch(lang)
    assert chosen(at) == f"chosen: {name} {FOLDERS[name]}"
    assert at.query_params["gpt"] == name  # the link reproduces it


def test_a_pick_is_kept_in_the_link_and_across_pages_without_the_switch():
    at = run_switch("en")
    at.button_group[0].set_value("tang").run()
    assert chosen(at) == "chosen: tang tiny_gpt_tang" and at.query_params["gpt"] == "tang"
    at.session_state["show"] = False  # a lesson without the switch: the widget's state is gone
    at.run()
    assert chosen(at) == "chosen: tang tiny_gpt_tang"
    at.session_state["show"] = True
    at.run()
    assert at.button_group[0].value == "tang"


def test_a_teachers_link_picks_the_model_in_either_language():
    assert chosen(run_switch("en", gpt="tang")) == "chosen: tang tiny_gpt_tang"
    assert chosen(run_switch("zh", gpt="shakespeare")) == "chosen: shakespeare tiny_gpt"
    assert chosen(run_switch("zh", gpt="nonsense")) == "chosen: tang tiny_gpt_tang"  # a bad value: the default


def test_the_capped_vocabulary_maps_rare_characters_to_the_unknown_id():
    vocab = CharVocab("ab□", unknown="□")
    assert vocab.encode("abz") == [0, 1, 2] and vocab.unknown("abz") == ["z"]
