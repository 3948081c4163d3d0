"""Several learners on one real server at once: isolation, fair sharing of training, no errors.

Each test talks to a `streamlit run app.py` on loopback through Streamlit's own websocket protocol
(bench/load_client.py), so sessions really share one process, its caches and its training slots.
Nothing here is timed: latency budgets are measured by bench/bench_load.py.
"""

import asyncio
import random
import tomllib

import pytest

from bench.bench_load import Tally, learner_session
from bench.load_client import Learner
from tests.harness import streamlit_server
from ui.i18n import load_catalog
from ui.lessons import ROOT, built_lessons

pytestmark = pytest.mark.slow
SLUGS = [lesson.slug for lesson in built_lessons()]


@pytest.fixture(scope="module")
def server():
    with streamlit_server(ROOT / "app.py") as (base_url, _process):
        yield base_url


def charts(run) -> list[tuple[str, str]]:
    """(chart id, figure JSON) of every Plotly chart a run sent."""
    return [(e.plotly_chart.id, e.plotly_chart.spec) for e in run.of_type("plotly_chart")]


def test_every_lesson_answers_a_small_class_without_errors(server):
    tally = Tally()

    async def main():
        sessions = [learner_session(server, slug, 2, random.Random(i), tally, "en") for i, slug in enumerate(SLUGS)]
        await asyncio.gather(*sessions)

    asyncio.run(main())
    assert tally.errors == []
    assert tally.moves_by_page == dict.fromkeys(SLUGS, 2)


@pytest.mark.parametrize("slug", SLUGS)
def test_two_learners_see_only_their_own_settings(server, slug):
    """A puts the first slider at its minimum, B at its maximum, at the same time; each rerun shows
    its own setting, the same charts a third learner gets with that setting alone."""

    async def main():
        async with Learner(server, slug) as a, Learner(server, slug, lang="zh") as b:
            await asyncio.gather(a.open(), b.open())
            slider = a.first_slider().slider
            assert len(slider.default) == 1, "a range slider: this test moves single values"
            low, high = [slider.min], [slider.max]
            a_first, b_first = await asyncio.gather(a.set_slider(slider.id, low), b.set_slider(slider.id, high))
            # Each sends its own value again after the other has moved: nothing may have leaked.
            a_again, b_again = await asyncio.gather(a.set_slider(slider.id, low), b.set_slider(slider.id, high))
        async with Learner(server, slug) as alone_low, Learner(server, slug, lang="zh") as alone_high:
            await asyncio.gather(alone_low.open(), alone_high.open())
            ref_low = await alone_low.set_slider(slider.id, low)
            ref_high = await alone_high.set_slider(slider.id, high)
        return a_first, a_again, b_first, b_again, ref_low, ref_high

    a_first, a_again, b_first, b_again, ref_low, ref_high = asyncio.run(main())
    for run in (a_first, a_again, b_first, b_again):
        assert run.exceptions == []
    assert charts(a_first), f"{slug}: moving the first slider redrew no chart"
    assert charts(a_first) != charts(b_first), f"{slug}: minimum and maximum drew the same charts"
    assert charts(a_first) == charts(a_again) == charts(ref_low)
    assert charts(b_first) == charts(b_again) == charts(ref_high)


@pytest.mark.skipif("neural-networks" not in SLUGS, reason="lesson 3 is not built")
def test_a_trained_model_stays_with_its_learner(server):
    """A trains a network of their own on lesson 3; B, on the same page at the same time, keeps
    seeing the course's default run (shown to everyone on arrival), never A's."""

    def fit_chart(run) -> str | None:
        return next((spec for i, spec in charts(run) if i.endswith("-nn_fit_chart")), None)

    async def main():
        fit_tab = {"nn_tab": load_catalog("en")["neural_networks.fit_header"]}  # the tab runs once opened
        async with (
            Learner(server, "neural-networks", query=fit_tab) as a,
            Learner(server, "neural-networks", query=fit_tab) as b,
        ):
            opened = await asyncio.gather(a.open(), b.open())
            depth = a.widget_id("nn_depth")
            await a.set_slider(depth, [2])
            trained, untouched = await asyncio.gather(a.press_button(a.widget_id("nn_train")), b.set_slider(depth, [2]))
            return opened[1], trained, untouched

    b_opened, trained, untouched = asyncio.run(main())
    assert trained.exceptions == [] and untouched.exceptions == []
    mine = fit_chart(trained)
    assert mine is not None, "the trainer sees their trained network"
    theirs = [fit_chart(run) for run in (b_opened, untouched)]
    assert mine not in theirs, "the other learner never sees it"


@pytest.mark.skipif("sampling" not in SLUGS, reason="the sampling lesson is absent")
def test_training_waits_for_a_free_slot_and_stop_frees_it(server):
    """With one training slot (the default), B's training waits with a message in B's language
    while A trains; A presses Stop, and B's training then runs to the end."""

    async def main():
        async with Learner(server, "sampling") as a, Learner(server, "sampling", lang="zh") as b:
            await asyncio.gather(a.open(), b.open())
            await b.set_slider(b.widget_id("smp_steps"), [100])  # B's own run: short
            a_started = await a.start_button(a.widget_id("smp_retrain"))
            await a.finish_when(a_started, lambda run: bool(run.of_type("progress")))
            b_started = await b.start_button(b.widget_id("smp_retrain"))
            b_waiting = await b.finish_when(b_started, lambda run: any(_is_wait(e) for e in run.of_type("alert")))
            a_stopped = await a.stop()
            b_done = await b.finish(b_started)
            return a_stopped, b_waiting, b_done

    a_stopped, b_waiting, b_done = asyncio.run(main())
    waits = [e.alert.body for e in b_waiting.of_type("alert") if _is_wait(e)]
    assert waits and "名额" in waits[0]  # B reads it in Chinese
    assert "smp_small_loss" not in " ".join(i for i, _ in charts(a_stopped))  # A stopped before the end
    assert [i for i, _ in charts(b_done) if i.endswith("-smp_small_loss")], "B's model trained once the slot was free"
    assert b_done.exceptions == []


def _is_wait(element) -> bool:
    return element.alert.icon == ":material/hourglass_top:"  # training_slot's waiting message


def test_the_server_does_not_collect_garbage_after_every_run():
    """Streamlit's post-run gc.collect(2) walked every live object on every slider move, under the
    interpreter lock: over half the server's CPU with 30 learners (bench/README.md). It stays off."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False
