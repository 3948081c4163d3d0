// Moves a scrub figure (ui/scrub.py) to the state the page's widgets chose, in the browser.
// The figure's spec stays the same while the widgets move, so Streamlit keeps the chart Plotly has
// drawn, and only this element's data changes: Plotly then jumps to that frame, as a drag in the
// figure does, instead of rebuilding the whole figure with all its frames.
//
// A grid figure (layout.meta.grid = columns) holds a row of states per value of a page widget (a
// learning rate, say): its own slider's steps do nothing themselves, and a drag there jumps to that
// column of the row shown. The traces of a row (layout.meta.rows) are shown here when it is entered.

const JUMP = { mode: "immediate", frame: { duration: 0, redraw: true }, transition: { duration: 0 } };
const PATIENCE_MS = 10000; // a first load draws the chart after this element, at most this much later

function jump(gd, index) {
  const { grid: columns, rows } = gd.layout.meta;
  const slider = gd.layout.sliders && gd.layout.sliders[0];
  if (columns) {
    // Set where the frame's redraw reads them (a restyle and a relayout would each redraw once more).
    if (slider) slider.active = index % columns;
    rows.forEach((traces, row) => traces.forEach((i) => (gd.data[i].visible = row === Math.floor(index / columns))));
  }
  const step = !columns && slider && slider.steps[index];
  gd.dataset.scrubShown = String(index);
  window.Plotly.animate(gd, [String(index)], (step && step.args && step.args[1]) || JUMP); // as a drag does
}

function followDrags(gd) {
  if (gd.llmxDrag) gd.removeListener("plotly_sliderchange", gd.llmxDrag);
  gd.llmxDrag = (event) => {
    if (!event.interaction) return;
    const columns = gd.layout.meta.grid;
    const row = Math.floor(Number(gd.dataset.scrubShown) / columns);
    jump(gd, row * columns + event.slider.active);
  };
  gd.on("plotly_sliderchange", gd.llmxDrag);
}

export default function (component) {
  const { data, parentElement } = component;
  if (!parentElement.querySelector(".llmx-scrub-follow")) {
    const marker = document.createElement("span");
    marker.className = "llmx-scrub-follow";
    parentElement.appendChild(marker);
  }
  const asked = `${data.token}#${data.active}`;
  const deadline = performance.now() + PATIENCE_MS;
  function attempt() {
    const gd = document.querySelector(`.st-key-${data.chart} .js-plotly-plot`);
    const frames = gd && gd._transitionData && gd._transitionData._frameHash;
    const meta = (gd && gd.layout && gd.layout.meta) || {};
    if (!window.Plotly || !frames || !frames[data.active] || meta.scrub !== data.token) {
      if (performance.now() < deadline) requestAnimationFrame(attempt);
      return;
    }
    if (meta.grid) followDrags(gd); // again on every draw: a redrawn chart may have lost its listeners
    const previous = gd.dataset.scrubAsked || "";
    if (previous === asked) return; // nothing new asked (a rerun that moved something else)
    gd.dataset.scrubAsked = asked;
    let target = Number(data.active);
    if (!previous.startsWith(`${data.token}#`)) {
      // This spec was just drawn, in the state it was baked at: a jump there would only redraw it again.
      gd.dataset.scrubShown = String(meta.at);
    } else if (meta.grid && Number(previous.split("#")[1]) % meta.grid === target % meta.grid) {
      // Only the row changed (a new learning rate): stay at the column the learner dragged to.
      target += (Number(gd.dataset.scrubShown) % meta.grid) - (target % meta.grid);
    }
    if (String(target) !== gd.dataset.scrubShown) jump(gd, target);
  }
  attempt();
}
