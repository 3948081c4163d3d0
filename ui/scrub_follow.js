// Moves a scrub figure (ui/scrub.py) to the state the page's slider chose, in the browser.
// The figure's spec stays the same while the slider moves, so Streamlit keeps the chart Plotly has
// drawn, and only this element's data changes: Plotly then jumps to that frame, as a drag in the
// figure does, instead of rebuilding the whole figure with all its frames.

const JUMP = { mode: "immediate", frame: { duration: 0, redraw: true }, transition: { duration: 0 } };
const PATIENCE_MS = 10000; // a first load draws the chart after this element, at most this much later

export default function (component) {
  const { data, parentElement } = component;
  if (!parentElement.querySelector(".llmx-scrub-follow")) {
    const marker = document.createElement("span");
    marker.className = "llmx-scrub-follow";
    parentElement.appendChild(marker);
  }
  const wanted = `${data.token}#${data.active}`;
  const deadline = performance.now() + PATIENCE_MS;
  function attempt() {
    const gd = document.querySelector(`.st-key-${data.chart} .js-plotly-plot`);
    const frames = gd && gd._transitionData && gd._transitionData._frameHash;
    const drawn = gd && gd.layout && gd.layout.meta && gd.layout.meta.scrub;
    if (!window.Plotly || !frames || !frames[data.active] || drawn !== data.token) {
      if (performance.now() < deadline) requestAnimationFrame(attempt);
      return;
    }
    if (gd.dataset.scrubShown === wanted) return; // already there (a rerun that moved something else)
    const fresh = !(gd.dataset.scrubShown || "").startsWith(`${data.token}#`); // this spec just drawn
    gd.dataset.scrubShown = wanted;
    // A figure just drawn in the state asked for (a new learning rate, say, baked at this step) is there
    // already: a jump would only redraw it all once more.
    const drawnSlider = gd._fullLayout && gd._fullLayout.sliders && gd._fullLayout.sliders[0];
    if (fresh && drawnSlider && String(drawnSlider.active) === String(data.active)) return;
    const step = gd.layout.sliders && gd.layout.sliders[0] && gd.layout.sliders[0].steps[data.active];
    window.Plotly.animate(gd, [data.active], (step && step.args && step.args[1]) || JUMP); // as a drag there does
  }
  attempt();
}
