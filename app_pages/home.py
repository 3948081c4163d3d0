"""Home: what the course is, the path through the lessons, and how to use it."""

import streamlit as st

from ui.frame import lesson_link
from ui.i18n import t
from ui.layout import setup_page
from ui.lessons import GROUPS, LESSONS

setup_page()
st.title(t("home.title"))
st.markdown(t("home.intro"))

st.header(t("home.map_header"))
for group in GROUPS:
    st.subheader(t(f"common.groups.{group}"))
    for item in (lesson for lesson in LESSONS if lesson.group == group):
        with st.container(border=True):
            lesson_link(item.slug, numbered=True)
            st.caption(t(f"home.summaries.{item.namespace}"))

st.header(t("home.how_header"))
st.markdown(t("home.how"))
