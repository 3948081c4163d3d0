// Lesson 1's hero: k and b scrubbed in the browser. Two native range inputs (arrow keys work),
// the teas, the line, each tea's residual and the prediction at the new price, redrawn on every
// input event with no server round trip. E and the prediction shown are core's values from the
// grid Python sent (data.E, data.pred: one per (k, b) state, row-major by k); only the drawing
// (where a line with that k and b lies) is computed here. On release the state goes to Python.

const NS = "http://www.w3.org/2000/svg";
const W = 640, H = 380, M = { l: 62, r: 16, t: 14, b: 48 };

function el(tag, attrs, parent) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function fmt(v, digits) {
  return Number(v).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let root = parentElement.querySelector(".pad");
  if (!root) {
    root = document.createElement("div");
    root.className = "pad";
    root.innerHTML = `
      <div class="readout" aria-live="polite"></div>
      <svg viewBox="0 0 ${W} ${H}" role="img"></svg>
      <div class="controls">
        <label><span class="name k"></span><input type="range" class="k"><output class="k"></output></label>
        <label><span class="name b"></span><input type="range" class="b"><output class="b"></output></label>
      </div>
      <div class="hint"></div>`;
    parentElement.appendChild(root);
  }
  const kInput = root.querySelector("input.k"), bInput = root.querySelector("input.b");
  const nk = data.k.length, nb = data.b.length;
  // A new state from Python (first mount, a preset, a link) moves the handles; otherwise keep them.
  const fromServer = `${data.k_index},${data.b_index},${data.signature}`;
  if (root.dataset.fromServer !== fromServer) {
    root.dataset.fromServer = fromServer;
    kInput.value = data.k_index;
    bInput.value = data.b_index;
  }
  kInput.min = 0; kInput.max = nk - 1; kInput.step = 1;
  bInput.min = 0; bInput.max = nb - 1; bInput.step = 1;
  root.querySelector(".name.k").textContent = data.labels.k;
  root.querySelector(".name.b").textContent = data.labels.b;
  root.querySelector(".hint").textContent = data.labels.hint;

  const xs = data.x, ys = data.y;
  const xMax = data.x_max, yMin = data.y_min, yMax = data.y_max;
  const sx = (x) => M.l + ((x - 0) / (xMax - 0)) * (W - M.l - M.r);
  const sy = (y) => H - M.b - ((y - yMin) / (yMax - yMin)) * (H - M.t - M.b);
  const clampY = (y) => Math.max(yMin - (yMax - yMin), Math.min(yMax + (yMax - yMin), y));

  function draw() {
    const i = Number(kInput.value), j = Number(bInput.value);
    const k = data.k[i], b = data.b[j];
    const E = data.E[i * nb + j], pred = data.pred[i * nb + j];
    root.querySelector("output.k").textContent = fmt(k, 1);
    root.querySelector("output.b").textContent = fmt(b, 0);
    kInput.setAttribute("aria-valuetext", `k = ${fmt(k, 1)}`);
    bInput.setAttribute("aria-valuetext", `b = ${fmt(b, 0)}`);
    root.querySelector(".readout").innerHTML = "";
    const parts = [
      [data.labels.error, fmt(E, 2), data.target !== null && E <= data.target ? "good" : ""],
      [data.labels.prediction, fmt(pred, 1), ""],
    ];
    for (const [name, value, cls] of parts) {
      const span = document.createElement("span");
      span.className = "metric " + cls;
      const n = document.createElement("small"); n.textContent = name;
      const v = document.createElement("b"); v.textContent = value;
      span.append(n, v);
      root.querySelector(".readout").appendChild(span);
    }
    const svg = root.querySelector("svg");
    svg.setAttribute("aria-label", `${data.labels.title}: k = ${fmt(k, 1)}, b = ${fmt(b, 0)}, E = ${fmt(E, 2)}`);
    svg.innerHTML = "";
    // axes and ticks
    el("line", { x1: M.l, y1: H - M.b, x2: W - M.r, y2: H - M.b, class: "axis" }, svg);
    el("line", { x1: M.l, y1: M.t, x2: M.l, y2: H - M.b, class: "axis" }, svg);
    for (const t of data.x_ticks) {
      el("line", { x1: sx(t), y1: H - M.b, x2: sx(t), y2: H - M.b + 5, class: "axis" }, svg);
      el("text", { x: sx(t), y: H - M.b + 20, class: "tick", "text-anchor": "middle" }, svg).textContent = t;
    }
    for (const t of data.y_ticks) {
      el("line", { x1: M.l, y1: sy(t), x2: W - M.r, y2: sy(t), class: "grid" }, svg);
      el("text", { x: M.l - 8, y: sy(t) + 4, class: "tick", "text-anchor": "end" }, svg).textContent = fmt(t, 0);
    }
    el("text", { x: (M.l + W - M.r) / 2, y: H - 6, class: "label", "text-anchor": "middle" }, svg).textContent = data.labels.x_axis;
    el("text", { x: 14, y: (M.t + H - M.b) / 2, class: "label", "text-anchor": "middle",
      transform: `rotate(-90 14 ${(M.t + H - M.b) / 2})` }, svg).textContent = data.labels.y_axis;
    const clip = el("clipPath", { id: "plot-area" }, el("defs", {}, svg));
    el("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b }, clip);
    const plot = el("g", { "clip-path": "url(#plot-area)" }, svg);
    // residuals, the line, the teas, the prediction
    xs.forEach((x, n) => {
      el("line", { x1: sx(x), y1: sy(ys[n]), x2: sx(x), y2: sy(clampY(k * x + b)), class: "residual" }, plot);
    });
    el("line", { x1: sx(0), y1: sy(clampY(b)), x2: sx(xMax), y2: sy(clampY(k * xMax + b)), class: "model" }, plot);
    xs.forEach((x, n) => el("circle", { cx: sx(x), cy: sy(ys[n]), r: 6, class: "data" }, plot));
    const px = sx(data.new_price), py = sy(clampY(pred));
    el("path", { d: star(px, py, 10), class: "prediction" }, plot);
    el("line", { x1: px, y1: H - M.b, x2: px, y2: M.t, class: "new-price" }, plot);
  }

  function star(cx, cy, r) {
    let d = "";
    for (let n = 0; n < 10; n++) {
      const a = (Math.PI / 5) * n - Math.PI / 2, rr = n % 2 ? r * 0.45 : r;
      d += (n ? "L" : "M") + (cx + rr * Math.cos(a)).toFixed(1) + " " + (cy + rr * Math.sin(a)).toFixed(1);
    }
    return d + "Z";
  }

  const send = () => setStateValue("value", { k_index: Number(kInput.value), b_index: Number(bInput.value) });
  kInput.oninput = draw;
  bInput.oninput = draw;
  kInput.onchange = send;
  bInput.onchange = send;
  draw();
}
