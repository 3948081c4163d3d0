// The tokens lesson's chips: a text cut several ways, one row per way. Each token is a chip with
// its text and, under it, its id; neighbours alternate colours, a byte fragment (part of a
// character's UTF-8 bytes) is hatched and shows "�" and its bytes, a token outside the vocabulary
// is dashed. Each row's header, on its left, compares its count to the others' with a bar.
// Every text goes in with textContent: what a learner typed is never parsed as HTML.

function node(tag, className, text, parent) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = text;
  if (parent) parent.appendChild(el);
  return el;
}

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector(".tok");
  if (!root) {
    root = node("div", "tok", null, parentElement);
  }
  root.replaceChildren();
  const most = Math.max(1, ...data.rows.map((row) => row.count));
  for (const row of data.rows) {
    const box = node("section", "row", null, root);
    box.dataset.way = row.way;
    const head = node("div", "head", null, box);
    node("div", "name", row.label, head);
    const line = node("div", "line", null, head);
    const bar = node("span", "bar", null, line);
    const fill = node("span", "fill", null, bar);
    fill.style.width = `${(100 * row.count) / most}%`;
    node("span", "count", row.count_text, line);
    if (row.note) head.title = row.note;
    const chips = node("div", "chips", null, box);
    chips.setAttribute("role", "list");
    chips.setAttribute("aria-label", `${row.label}: ${row.count_text}`);
    if (row.note && !row.chips.length) node("span", "more", row.note, chips);
    row.chips.forEach((chip, i) => {
      const kind = chip.kind ? ` ${chip.kind}` : "";
      const el = node("span", `chip c${i % 2}${kind}`, null, chips);
      el.setAttribute("role", "listitem");
      el.title = chip.title;
      node("span", "text", chip.text, el);
      if (data.show_ids) node("span", "id", chip.id, el);
    });
    if (row.more) node("span", "more", row.more, chips);
  }
}
