"""LLM Explorables: the frame. Run with `streamlit run app.py`.

Picks the language, builds the navigation from the lessons that exist, shows the language
switch and the device in the sidebar, then runs the chosen page.
"""

import streamlit as st

from ui.i18n import current_language, language_switch, t
from ui.layout import device_badge
from ui.lessons import GROUPS, HOME_PATH, built_lessons

st.set_page_config(page_title="LLM Explorables", page_icon=":material/school:", layout="wide")
current_language()

pages = {"": [st.Page(HOME_PATH, title=t("home.nav_title"), icon=":material/home:", url_path="home", default=True)]}
for group in GROUPS:
    in_group = [lesson for lesson in built_lessons() if lesson.group == group]
    if in_group:
        pages[t(f"common.groups.{group}")] = [
            st.Page(
                lesson.path,
                title=f"{lesson.number}. {t(f'common.lesson_names.{lesson.namespace}')}",
                icon=lesson.icon,
                url_path=lesson.slug,
            )
            for lesson in in_group
        ]

page = st.navigation(pages)
with st.sidebar:
    st.markdown(f"**{t('common.course_name')}**")
    language_switch()
    device_badge()
page.run()
