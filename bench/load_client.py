"""A learner without a browser: speaks Streamlit's own websocket protocol to a running server.

The browser's part of a Streamlit app is a thin renderer: it sends a `BackMsg` (rerun the script
with these widget values, on this page) over `/_stcore/stream` and draws the `ForwardMsg`s that come
back (deltas, then `script_finished`). This client sends the same messages and keeps what comes
back, so many learners fit in one asyncio process and the server does exactly the work a browser
would cause (a fragment's widget reruns that fragment only, as in the browser).

Used by bench/bench_load.py (latency under load, memory churn) and tests/test_isolation.py.
"""

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

SELECT_SLIDER = Slider.Type.SELECT_SLIDER

FINISHED_OK = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


class LoadError(Exception):
    """A run that did not finish cleanly: timeout, disconnect, or a bad finish status."""


@dataclass
class Widget:
    element: Element  # the latest proto the server sent for it
    fragment_id: str  # "" when the widget is not inside an st.fragment
    path: tuple  # delta path: (container, index, ...), the widget's place on the page


@dataclass
class Run:
    """What one script run sent back."""

    seconds: float  # from sending the request to the script_finished message
    status: int
    elements: list[tuple[tuple, Element]] = field(default_factory=list)  # (delta path, element) in order

    @property
    def exceptions(self) -> list[str]:
        return [e.exception.message for _, e in self.elements if e.WhichOneof("type") == "exception"]

    def of_type(self, kind: str) -> list[Element]:
        return [e for _, e in self.elements if e.WhichOneof("type") == kind]


class Learner:
    """One browser tab's worth of protocol: open a page, move widgets, read what came back.

    async with Learner(base_url, "fitting", lang="zh") as learner:
        await learner.open()
        run = await learner.move_first_slider()
    """

    def __init__(self, base_url: str, page: str, lang: str = "en", timeout: float = 120.0, query: dict | None = None):
        """`query`: more of the URL's query string than the language (a tab, say: {"nn_tab": "Deep or wide?"})."""
        self.url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.page, self.lang, self.timeout = page, lang, timeout
        self.query = urlencode({"lang": lang, **(query or {})})
        self.widgets: dict[str, Widget] = {}
        self.page_script_hash = ""
        self.values: dict[str, list[float]] = {}  # slider values this client has set
        self._ws = None
        self._direction = 1

    async def __aenter__(self):
        self._ws = await connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout)
        return self

    async def __aexit__(self, *exc):
        await self._ws.close()

    async def open(self) -> Run:
        """The first run of the page, as when a browser opens its URL."""
        return await self._rerun()

    async def set_widget(self, state: WidgetState) -> Run:
        """Send one widget's new value (its fragment reruns alone if it lives in one)."""
        return await self._rerun(state, self.widgets[state.id].fragment_id)

    async def move_first_slider(self) -> Run:
        """One step right on the page's first slider (left once it reaches the end), as → in a browser."""
        slider = self.first_slider().slider
        # The server sends the value only when the script set it; otherwise the default holds.
        values = self.values.get(slider.id) or list(slider.value) or list(slider.default)
        step = slider.step or 1
        if not slider.min <= values[0] + self._direction * step <= slider.max:
            self._direction = -self._direction
        values = [values[0] + self._direction * step, *values[1:]]
        return await self.set_slider(slider.id, values)

    async def set_slider(self, widget_id: str, values: list[float]) -> Run:
        self.values[widget_id] = values
        state = WidgetState(id=widget_id)
        state.double_array_value.data.extend(values)
        return await self.set_widget(state)

    async def press_button(self, widget_id: str) -> Run:
        return await self.set_widget(self._trigger(widget_id))

    @staticmethod
    def _trigger(widget_id: str) -> WidgetState:
        return WidgetState(id=widget_id, trigger_value=True)

    async def start_button(self, widget_id: str) -> float:
        """Press a button without waiting for the run to end (e.g. to start a training run)."""
        return await self._send(self._rerun_msg(self._trigger(widget_id), self.widgets[widget_id].fragment_id))

    async def stop(self) -> Run:
        """Streamlit's Stop (top right of the page): ask the server to stop the running script."""
        msg = BackMsg()
        msg.stop_script = True
        return await self._receive(await self._send(msg))

    def first_slider(self) -> Element:
        """The slider nearest the top of the main area (the one a browser test presses → on)."""
        # Numeric sliders only: a select_slider's value travels as its option, not as a number.
        sliders = [
            w
            for w in self.widgets.values()
            if w.element.WhichOneof("type") == "slider" and w.element.slider.type != SELECT_SLIDER and w.path[0] == 0
        ]
        if not sliders:
            raise LoadError(f"page {self.page!r} has no slider")
        return min(sliders, key=lambda w: w.path).element

    def widget_id(self, key: str) -> str:
        """The id of the widget created with `key=` (Streamlit puts the user key at the id's end)."""
        return next(i for i in self.widgets if i.endswith(f"-{key}"))

    async def _rerun(self, state: WidgetState | None = None, fragment_id: str = "") -> Run:
        return await self._receive(await self._send(self._rerun_msg(state, fragment_id)))

    def _rerun_msg(self, state: WidgetState | None, fragment_id: str) -> BackMsg:
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query
        rerun.page_name = self.page
        rerun.page_script_hash = self.page_script_hash
        rerun.fragment_id = fragment_id
        if state is not None:
            rerun.widget_states.widgets.append(state)
        return msg

    async def _send(self, msg: BackMsg) -> float:
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        return start

    async def _receive(self, start: float, until=None) -> Run:
        """Collect what the server sends until the run's script_finished message, or until
        `until(run so far)` is true (the run then goes on; `finish` collects the rest)."""
        run = Run(seconds=0.0, status=-1)
        deadline = start + self.timeout
        while True:
            try:
                data = await asyncio.wait_for(self._ws.recv(), timeout=max(0.01, deadline - time.perf_counter()))
            except TimeoutError as error:
                raise LoadError(f"{self.page}: no script_finished within {self.timeout:.0f} s") from error
            except Exception as error:  # the connection closed under us
                raise LoadError(f"{self.page}: {type(error).__name__}: {error}") from error
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = forward.new_session.page_script_hash or self.page_script_hash
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                self._keep(forward)
                run.elements.append((tuple(forward.metadata.delta_path), forward.delta.new_element))
                if until is not None and until(run):
                    return run
            elif kind == "script_finished":
                run.seconds, run.status = time.perf_counter() - start, forward.script_finished
                if run.status not in FINISHED_OK:
                    raise LoadError(f"{self.page}: script finished with status {run.status}")
                return run

    async def finish(self, start: float) -> Run:
        """Wait for the run started by start_button (its `start` time) to end."""
        return await self._receive(start)

    async def finish_when(self, start: float, until) -> Run:
        """Read the running script's output until `until(run so far)` holds; the script goes on."""
        return await self._receive(start, until)

    def _keep(self, forward: ForwardMsg) -> None:
        element = forward.delta.new_element
        widget = getattr(element, element.WhichOneof("type"), None)
        widget_id = getattr(widget, "id", "")
        if widget_id and hasattr(widget, "label"):
            path = tuple(forward.metadata.delta_path)
            self.widgets[widget_id] = Widget(element, forward.delta.fragment_id, path)
