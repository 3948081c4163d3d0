"""The tokens lesson's chips (ui/token_chips.js): a text cut several ways, one row per way, each
token a chip with its id under it, byte fragments and unknown tokens marked, counts compared.

A display-only components-v2 component: it sends nothing back, so it never reruns the script. Its
JavaScript builds every chip with textContent: a learner's text is never parsed as HTML (no
unsafe_allow_html, no st.html). AppTest reads what it was given from the element's JSON.
"""

from pathlib import Path

import streamlit as st

from core.tokens import Piece
from ui.i18n import t

SHOWN = 400  # chips drawn per row; the count always covers them all
VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}

_JS = (Path(__file__).parent / "token_chips.js").read_text(encoding="utf-8")
_CSS = """
.tok { font-family: inherit; color: var(--st-text-color, #31333f); display: flex; flex-direction: column; gap: 0.5rem; }
.tok .row { display: grid; grid-template-columns: 12.5rem 1fr; gap: 0.75rem; align-items: start; }
.tok .head { display: flex; flex-direction: column; gap: 0.15rem; font-size: 0.85rem; padding-top: 0.1rem; }
.tok .name { font-weight: 600; line-height: 1.2; }
.tok .line { display: flex; align-items: center; gap: 0.4rem; }
.tok .bar { flex: 1; height: 0.45rem; border-radius: 0.3rem; background: rgba(128, 128, 128, 0.15); overflow: hidden; }
.tok .fill { display: block; height: 100%; background: #D55E00; border-radius: 0.3rem; }
.tok .count { white-space: nowrap; font-variant-numeric: tabular-nums; }
.tok .chips { display: flex; flex-wrap: wrap; gap: 3px; }
.tok .chip { display: inline-flex; flex-direction: column; align-items: center; padding: 1px 5px 0 5px;
  border-radius: 4px; border: 1px solid transparent; line-height: 1.25; min-width: 1.1rem; }
.tok .chip.c0 { background: rgba(0, 114, 178, 0.16); border-color: rgba(0, 114, 178, 0.45); }
.tok .chip.c1 { background: rgba(213, 94, 0, 0.14); border-color: rgba(213, 94, 0, 0.45); }
.tok .chip.fragment { border: 1px solid #E69F00;
  background: repeating-linear-gradient(135deg, rgba(230, 159, 0, 0.3) 0 4px, rgba(230, 159, 0, 0.08) 4px 8px); }
.tok .chip.unknown { background: transparent; border: 1px dashed #CC79A7; }
.tok .chip .text { white-space: pre; font-size: 1rem; }
.tok .chip .id { font-size: 0.68rem; opacity: 0.75; font-variant-numeric: tabular-nums; }
.tok .more { align-self: center; font-size: 0.8rem; opacity: 0.8; padding-left: 0.3rem; }
"""
# Not isolated in a shadow root (its CSS is all under .tok): the browser tests reach the chips.
_chips = st.components.v2.component("llmx_token_chips", js=_JS, css=_CSS, isolate_styles=False)


def shown_text(text: str) -> str:
    """A token as a chip shows it: spaces and line breaks as visible signs."""
    return "".join(VISIBLE.get(c, c) for c in text)


def label(piece: Piece) -> str:
    """A token as text: visible spaces; a byte fragment as "�" and its bytes (" \\xf0\\x9f" -> "␣� 20 f0 9f")."""
    if piece.fragment:
        return f"{shown_text(piece.bytes.decode('utf-8', errors='replace'))} {piece.bytes.hex(' ')}"
    return shown_text(piece.text)


def chip(piece: Piece, unknown: bool = False) -> dict:
    """One chip: byte fragments as "�" and their bytes; tokens with no id (or [UNK]) as unknown."""
    hexes = piece.bytes.hex(" ")
    if piece.fragment:
        text, kind = label(piece), "fragment"
        title = t("tokens.chips.fragment_title", id=piece.id, bytes=hexes)
    elif piece.id is None or unknown:
        text, kind = label(piece), "unknown"
        title = t("tokens.chips.unknown_title", token=piece.text)
    else:
        text, kind = label(piece), ""
        title = t("tokens.chips.title", token=piece.text, id=piece.id, bytes=hexes)
    return {"text": text, "id": "?" if piece.id is None else str(piece.id), "kind": kind, "title": title}


def row(way: str, name: str, pieces: list[Piece], note: str = "", unknown_ids: frozenset = frozenset()) -> dict:
    """A way's row: its name, its count, and its first SHOWN chips."""
    n = len(pieces)
    more = t("tokens.chips.more", n=f"{n - SHOWN:,}") if n > SHOWN else ""
    chips = [chip(p, p.id in unknown_ids) for p in pieces[:SHOWN]]
    count_text = t("tokens.chips.count", n=f"{n:,}")
    return {"way": way, "label": name, "count": n, "count_text": count_text, "note": note, "chips": chips, "more": more}


def token_chips(rows: list[dict], key: str, show_ids: bool = True) -> None:
    _chips(data={"rows": rows, "show_ids": show_ids}, key=key, default={})
