"""LLM Explorables: the frame. Run with `streamlit run app.py`.

Picks the language, builds the navigation from the lessons that exist, shows the language
switch and the device in the sidebar, then runs the chosen page.
"""

import streamlit as st

from ui.faults import run_page
from ui.i18n import current_language, language_switch, t
from ui.kept import keep_widget_values
from ui.layout import device_badge, navigation_pages
from ui.preload import preload_libraries
from ui.training_slot import hide_progress_of_stopped_runs

st.set_page_config(page_title="LLM Explorables", page_icon=":material/school:", layout="wide")
preload_libraries()  # once per server, before any page: concurrent first imports break
current_language()
hide_progress_of_stopped_runs()

keep_widget_values()  # what a learner typed on a lesson survives a visit to another
page = st.navigation(navigation_pages(), expanded=True)  # every lesson listed: the sidebar is the course map
with st.sidebar:
    st.markdown(f"**{t('common.course_name')}**")
    language_switch()
    device_badge()
run_page(page)
