// The rating control: each statement a radio group (fieldset, legend, native radios), one
// widget for a whole cell or space. The browser only proposes; the kernel checks every
// choice, keeps it, and echoes its sequence number back once the store holds it. Only then
// does a statement say "Saved". Every text comes from the kernel (content), set as text.

let last = 0;
function nextSeq() {
  // Increasing across every view on the page, and across reloads (time-based).
  last = Math.max(last + 1, Date.now() * 1000);
  return last;
}

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el }) {
  const spec = model.get("spec");
  const text = spec.text;
  const uid = "trace-r" + Math.random().toString(36).slice(2, 10);
  const mine = new Map(); // item -> {choice, seq}: sent, not yet echoed by the kernel
  const rows = new Map(); // item -> {inputs, status, group}

  el.classList.add("trace-rating-widget");
  // The narrow layout's columns: one per choice (an instrument may have its own scale).
  el.style.setProperty("--trace-choices", String(spec.choices.length));
  const previous = spec.previous || {};
  const keeps = []; // [button, statement ids with a last-round answer]
  if (spec.intro) el.append(make("p", "trace-rating-intro", spec.intro));
  if (spec.new_round) el.append(make("p", "trace-new-round", spec.new_round));
  spec.groups.forEach((g, gi) => {
    const cell = make("div", "trace-rating-cell");
    // The condition's accent (a checked #rrggbb from content) for its stripe and heading.
    if (/^#[0-9a-f]{6}$/.test(g.colour || "")) cell.style.setProperty("--trace-el", g.colour);
    cell.append(make("h3", "trace-rating-heading", g.heading));
    if (g.about) cell.append(make("p", "trace-rating-about", g.about));
    // The scale's words once per condition, over the columns of a narrow screen's compact
    // rows. Hidden from screen readers: each radio is named by its own label.
    const scale = make("div", "trace-rating-scale");
    scale.setAttribute("aria-hidden", "true");
    spec.choices.forEach((label) => scale.append(make("span", "", label)));
    cell.append(scale);
    g.statements.forEach((s, si) => {
      const id = `${uid}-${gi}-${si}`;
      const group = make("fieldset", "trace-rating trace-rating-" + s.id.replaceAll(".", "-"));
      group.setAttribute("role", "radiogroup");
      group.dataset.item = s.id;
      const legend = make("legend", "trace-rating-legend");
      const words = make("span", "trace-rating-text", s.text);
      words.id = id;
      const status = make("span", "trace-rating-status");
      status.id = id + "-status";
      legend.append(words, status);
      group.setAttribute("aria-labelledby", words.id);
      group.setAttribute("aria-describedby", status.id);
      const choices = make("div", "trace-rating-choices");
      const inputs = spec.choices.map((label, ci) => {
        const choice = make("label", "trace-rating-choice");
        const input = make("input");
        input.type = "radio";
        input.name = id;
        input.value = String(ci);
        input.addEventListener("change", () => {
          if (input.checked) choose(s.id, ci);
        });
        choice.append(input, make("span", "trace-rating-label", label));
        choices.append(choice);
        return input;
      });
      group.append(legend, choices);
      let hint = null;
      if (previous[s.id]) {
        // Last round's answer, a starting point: it counts only once chosen again or kept.
        hint = make("p", "trace-previous", previous[s.id]);
        group.append(hint);
      }
      cell.append(group);
      rows.set(s.id, { inputs, status, group, hint });
    });
    if (g.keep) {
      const keep = make("button", "trace-keep jupyter-button", g.keep);
      keep.type = "button";
      keep.addEventListener("click", () => model.send({ keep: g.element }));
      cell.append(keep);
      keeps.push([keep, g.statements.map((s) => s.id).filter((id) => previous[id])]);
    }
    el.append(cell);
  });

  const bar = make("div", "trace-save-status trace-rating-summary");
  bar.setAttribute("role", "status");
  bar.setAttribute("aria-live", "polite");
  const message = make("span", "trace-save-message");
  const retry = make("button", "trace-retry jupyter-button", text.retry);
  retry.type = "button";
  retry.hidden = true;
  retry.addEventListener("click", () => model.send({ retry: true }));
  bar.append(message, retry);
  el.append(bar);

  function choose(item, choice) {
    const seq = nextSeq();
    mine.set(item, { choice, seq });
    model.send({ rate: item, choice, seq });
    paintAll();
  }

  // What one statement shows: its own unconfirmed choice, else what the kernel holds.
  function shown(item) {
    const held = model.get("answers")[item]; // [choice, seq, saved] or undefined
    const own = mine.get(item);
    if (own && held && held[1] >= own.seq) mine.delete(item);
    const failing = model.get("status") === "failed";
    if (mine.has(item)) return { choice: own.choice, state: failing ? "retrying" : "unsaved" };
    if (!held) return { choice: null, state: "" };
    return { choice: held[0], state: held[2] ? "saved" : failing ? "retrying" : "unsaved" };
  }

  function paint(item) {
    const row = rows.get(item);
    if (!row) return;
    const { choice, state } = shown(item);
    row.inputs.forEach((input, ci) => {
      if (input.checked !== (ci === choice)) input.checked = ci === choice;
    });
    row.status.textContent = state ? text[state] : "";
    row.group.dataset.state = state;
    if (row.hint) row.hint.hidden = choice !== null;
  }

  function summary() {
    const status = model.get("status");
    let words = model.get("message");
    if (!["failed", "rejected", "error"].includes(status)) {
      const waiting = mine.size > 0 ||
        Object.values(model.get("answers")).some((held) => !held[2]);
      if (waiting) words = text.saving;
    }
    message.textContent = words;
    retry.hidden = status !== "failed";
    bar.classList.toggle("trace-save-failed", ["failed", "rejected", "error"].includes(status));
  }

  function paintAll() {
    rows.forEach((_, item) => paint(item));
    keeps.forEach(([button, items]) => {
      button.hidden = items.every((item) => shown(item).choice !== null);
    });
    summary();
  }

  function onMessage(msg) {
    // A choice the kernel refused: forget it and show what is kept.
    if (msg && typeof msg.refused === "string") {
      const own = mine.get(msg.refused);
      if (own && own.seq === msg.seq) mine.delete(msg.refused);
      paint(msg.refused);
      summary();
    }
  }

  model.on("change:answers", paintAll);
  model.on("change:status", paintAll);
  model.on("change:message", summary);
  model.on("msg:custom", onMessage);
  paintAll();
  return () => {
    model.off("change:answers", paintAll);
    model.off("change:status", paintAll);
    model.off("change:message", summary);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
