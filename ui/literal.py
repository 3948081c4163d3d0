"""Learner text shown as typed, never interpreted.

Plotly draws a subset of HTML in titles, labels, legends and hover text (<b>, <br>, <a href>...),
and Streamlit's Markdown turns [x](url), ![](url), $...$ and :red[...] into links, images, LaTeX
and colours. Text a learner typed or uploaded goes through one of these two functions first.
(Streamlit never renders raw HTML from Markdown unless unsafe_allow_html is set; we never set it
for learner text, see tests/test_security.py.)
"""

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def for_plotly(text: str) -> str:
    """`<b>hi</b>` is drawn as those characters, not in bold (Plotly decodes the entities)."""
    return html.escape(text, quote=False)


def for_markdown(text: str) -> str:
    """Every Markdown, LaTeX and Streamlit directive character backslash-escaped; lines joined."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))
