// Moves a scrub figure (ui/scrub.py) to the state the page's widgets chose, in the browser.
// The figure's spec stays the same while the widgets move, so Streamlit keeps the chart Plotly has
// drawn, and only this element's data changes: Plotly then jumps to that frame, as a drag in the
// figure does, instead of rebuilding the whole figure with all its frames.
//
// A grid figure (layout.meta.grid = columns) holds a row of states per value of a page widget (a
// learning rate, say): its own slider's steps do nothing themselves, and a drag there jumps to that
// column of the row shown. Entering a row first plays the row's own frame ("row<i>": what the whole row
// shares, a rate's path), so that no other frame carries it.

const JUMP = { mode: "immediate", frame: { duration: 0, redraw: true }, transition: { duration: 0 } };
const PATIENCE_MS = 10000; // a first load draws the chart after this element, at most this much later

function jump(gd, index, dragged) {
  const { grid: columns, redraw } = gd.layout.meta;
  const slider = gd.layout.sliders && gd.layout.sliders[0];
  const shown = Number(gd.dataset.scrubShown);
  gd.dataset.scrubShown = String(index);
  if (!columns) {
    const step = slider && slider.steps[index];
    window.Plotly.animate(gd, [String(index)], (step && step.args && step.args[1]) || JUMP); // as a drag does
    return;
  }
  const row = Math.floor(index / columns);
  const names = row === Math.floor(shown / columns) ? [String(index)] : [`row${row}`, String(index)];
  const options = { ...JUMP, frame: { duration: 0, redraw: redraw !== false } };
  window.Plotly.animate(gd, names, options).then(() => {
    // A drag has put the grip there already; a widget's move has not, and a frame without a redraw
    // does not draw the slider.
    if (!dragged && slider && slider.active !== index % columns) {
      window.Plotly.relayout(gd, { "sliders[0].active": index % columns });
    }
  });
}

function followDrags(gd) {
  if (gd.llmxDrag) gd.removeListener("plotly_sliderchange", gd.llmxDrag);
  gd.llmxDrag = (event) => {
    if (!event.interaction) return;
    const columns = gd.layout.meta.grid;
    const row = Math.floor(Number(gd.dataset.scrubShown) / columns);
    jump(gd, row * columns + event.slider.active, true);
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
    if (String(target) !== gd.dataset.scrubShown) jump(gd, target, false);
  }
  attempt();
}
