// The pickgraph explorer: every piece of graph text reaches the page through textContent
// (el() below), never as HTML, so markup in a topic name or a page is shown, not run.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const explorer = (window.explorer = { ready: false, busy: 0, state: null, errors: [] });
  let pending = null; // a topic waiting for a second one to compare with: {slug, name}

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
      else if (k === "cls") node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  const button = (label, fn, title) => el("button", { type: "button", title: title || label, on: { click: fn } }, label);

  async function api(path, params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) for (const x of [].concat(v)) q.append(k, x);
    explorer.busy++;
    try {
      const r = await fetch(`/api/${path}?${q}`, { headers: { Accept: "application/json" } });
      const data = await r.json();
      if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
      return { data, total: r.headers.get("X-Total-Count") };
    } finally {
      explorer.busy--;
    }
  }

  // ---------------------------------------------------------------- state and URL
  function stateFromURL() {
    const p = new URLSearchParams(location.search);
    return { topic: p.get("topic"), expand: p.getAll("expand"), a: p.get("a"), b: p.get("b") };
  }
  function urlOf(s) {
    const p = new URLSearchParams();
    if (s.a && s.b) { p.set("a", s.a); p.set("b", s.b); }
    else if (s.topic) p.set("topic", s.topic);
    for (const e of s.expand || []) p.append("expand", e);
    const q = p.toString();
    return q ? `/?${q}` : "/";
  }
  function go(s) {
    history.pushState(s, "", urlOf(s));
    render(s);
  }
  window.addEventListener("popstate", () => render(stateFromURL()));

  // ---------------------------------------------------------------- drawing
  const nodes = new vis.DataSet();
  const edges = new vis.DataSet();
  const EDGE = { versus: "#37474f", "related-to": "#9fb3c8", "alternative-to": "#8e44ad" };
  const network = new vis.Network($("network"), { nodes, edges }, {
    nodes: { shape: "dot", size: 12, font: { size: 14, face: "system-ui" }, color: { background: "#4e79a7", border: "#2f4b6b" } },
    edges: { smooth: false, width: 1.5 },
    physics: { barnesHut: { gravitationalConstant: -4000, springLength: 120 }, stabilization: { iterations: 120 } },
    interaction: { hover: true, tooltipDelay: 200 },
  });
  network.on("stabilized", () => network.setOptions({ physics: false }));
  network.on("click", (p) => {
    if (!p.nodes.length) return;
    const id = p.nodes[0];
    const s = explorer.state;
    const shown = s.a && s.b ? [s.a, s.b] : [s.topic];
    if (!shown.includes(id) && !s.expand.includes(id)) go({ ...s, expand: [...s.expand, id] });
  });
  network.on("doubleClick", (p) => { if (p.nodes.length) go({ topic: p.nodes[0], expand: [] }); });

  async function draw(focus, expand) {
    const all = [...focus, ...expand.filter((e) => !focus.includes(e))];
    const parts = await Promise.all(all.map((t) => api("neighbours", { topic: t, limit: 25 }).then((r) => r.data)));
    const n = new Map();
    const e = new Map();
    for (const part of parts) {
      for (const x of part.nodes) n.set(x.id, x);
      for (const x of part.edges) e.set(`${x.from}|${x.to}|${x.kind}`, x);
    }
    nodes.clear();
    edges.clear();
    nodes.add([...n.values()].map((x) => ({
      id: x.id, label: x.name, title: `${x.name} (${x.degree} links)`,
      size: focus.includes(x.id) ? 22 : expand.includes(x.id) ? 16 : 11,
      color: focus.includes(x.id) ? { background: "#f28e2b", border: "#a85f17" } : expand.includes(x.id) ? { background: "#59a14f", border: "#376631" } : undefined,
      font: focus.includes(x.id) ? { size: 17, bold: true } : undefined,
    })));
    edges.add([...e.entries()].map(([id, x]) => ({
      id, from: x.from, to: x.to, color: { color: EDGE[x.kind] || "#999" }, dashes: x.kind !== "versus",
      arrows: x.kind === "versus" && x.pick ? { to: { enabled: x.pick === x.to }, from: { enabled: x.pick === x.from } } : undefined,
      title: `${x.kind}${x.count > 1 ? ` (${x.count} pages)` : ""}`,
    })));
    // settle the layout before the page counts as ready, then keep it still (physics off once stable)
    const settled = new Promise((done) => { network.once("stabilized", done); setTimeout(done, 5000); });
    network.setOptions({ physics: true });
    network.stabilize(120);
    await settled;
    network.setOptions({ physics: false });
    network.fit();
  }
  explorer.nodePosition = (id) => {
    const p = network.getPositions([id])[id];
    if (!p) return null;
    const d = network.canvasToDOM(p);
    const box = $("network").getBoundingClientRect();
    return { x: box.left + d.x, y: box.top + d.y };
  };
  explorer.shownNodes = () => nodes.getIds().sort();

  // ---------------------------------------------------------------- the side panel
  const panel = $("panel");
  const src = (s, line) => el("span", { cls: "src" }, ` [${s}${line ? `:${line}` : ""}]`);
  const open = (slug) => go({ topic: slug, expand: [] });

  function pendingBanner() {
    const box = $("pending");
    box.replaceChildren();
    box.hidden = !pending;
    if (pending) box.append(`Compare ${pending.name} with… open another topic`, button("cancel", () => { pending = null; pendingBanner(); render(explorer.state); }));
  }

  async function topicPanel(slug) {
    const { data: t } = await api("show", { topic: slug });
    const out = [el("h2", {}, t.name), el("div", { cls: "src" }, t.slug, t.kind ? ` · ${t.kind}` : "")];
    const also = t.labels.filter((l) => l !== t.name);
    if (also.length) out.push(el("div", {}, `also: ${also.join(", ")}`));
    const actions = el("div", { cls: "actions" });
    if (pending && pending.slug !== t.slug) actions.append(button(`Compare ${pending.name} with ${t.name}`, () => { const a = pending.slug; pending = null; pendingBanner(); go({ a, b: t.slug, expand: [] }); }));
    else actions.append(button("Compare with…", () => { pending = { slug: t.slug, name: t.name }; pendingBanner(); render(explorer.state); }));
    out.push(actions);
    if (t.definition) out.push(el("p", {}, t.definition));
    for (const d of t.descriptions) out.push(el("p", {}, d.text, src(d.source)));
    if (t.pros.length) out.push(el("h3", {}, "Pros"), el("ul", {}, t.pros.map((p) => el("li", {}, p.text, src(p.source, p.line)))));
    if (t.cons.length) out.push(el("h3", {}, "Cons"), el("ul", {}, t.cons.map((p) => el("li", {}, p.text, src(p.source, p.line)))));
    out.push(el("h3", {}, `Comparisons (${t.wins} won, ${t.losses} lost)`));
    if (!t.comparisons.length) out.push(el("p", { cls: "hint" }, "none yet"));
    out.push(el("ul", { cls: "comparisons" }, t.comparisons.map((c) => el("li", {},
      "vs ", el("a", { href: urlOf({ topic: c.against, expand: [] }), on: { click: (ev) => { ev.preventDefault(); open(c.against); } } }, c.against_name),
      ": ", el("span", { cls: c.result === "win" ? "win" : c.result === "loss" ? "loss" : "" }, c.result),
      c.contested ? el("span", { cls: "contested" }, " contested") : null,
      src(c.source),
      button("compare", () => go({ a: t.slug, b: c.against, expand: [] }), `compare ${t.name} and ${c.against_name}`),
      button("expand", () => go({ ...explorer.state, expand: [...new Set([...explorer.state.expand, c.against])] }), `draw ${c.against_name}'s neighbours`)))));
    if (t.related.length) out.push(el("h3", {}, "Related"), el("ul", {}, t.related.map((r) => el("li", {},
      el("a", { href: urlOf({ topic: r, expand: [] }), on: { click: (ev) => { ev.preventDefault(); open(r); } } }, nodes.get(r) ? nodes.get(r).label : r)))));
    const sug = el("div", {}, el("p", { cls: "hint" }, "…"));
    out.push(el("h3", {}, "You might also compare"), sug);
    panel.replaceChildren(...out);
    api("suggest", { topic: slug, k: 5, pair: "false" }).then(({ data }) => {
      const list = data.results[0].suggestions;
      sug.replaceChildren(list.length ? el("ul", {}, list.map((s) => el("li", {},
        el("strong", {}, s.name), ` (score ${s.score.toFixed(3)})`,
        button("compare", () => go({ a: slug, b: s.slug, expand: [] }), `compare with ${s.name}`),
        el("ul", {}, s.reasons.map((r) => el("li", { cls: "src" }, r)))))) : el("p", { cls: "hint" }, "nothing to suggest"));
    }).catch((e) => sug.replaceChildren(el("p", { cls: "error" }, e.message)));
  }

  async function comparePanel(a, b) {
    const [{ data: c }, { data: w }] = await Promise.all([api("compare", { a, b }), api("why", { a, b })]);
    const out = [el("h2", {}, `${c.a_name} vs ${c.b_name}`), el("p", { cls: "verdict" }, c.note)];
    if (c.prediction && c.prediction.pick) out.push(el("p", {}, `pick: ${c.prediction.pick_name} (probability ${c.prediction.probability})`));
    if (c.contested) out.push(el("p", { cls: "contested" }, "contested: the pages disagree"));
    if (c.documents.length) {
      out.push(el("h3", {}, "Pages"));
      out.push(el("ul", {}, c.documents.map((d) => el("li", {}, el("strong", {}, d.title), ` — pick: ${d.pick_name || "none"}`, src(d.source),
        el("ul", {}, d.verdict.map((v) => el("li", {}, v.text)))))));
    }
    if (c.chains.length) out.push(el("h3", {}, "Win chains"), el("ul", {}, c.chains.map((ch) => el("li", {}, ch.text))));
    for (const side of w.sides || []) {
      out.push(el("h3", {}, `For ${side.winner_name}`));
      out.push(el("ul", {}, [...side.pros.map((p) => el("li", {}, "+ ", p.text, src(p.source, p.line))),
        ...side.cons.map((p) => el("li", {}, "− ", p.text, src(p.source, p.line)))]));
    }
    out.push(el("p", {}, button(`open ${c.a_name}`, () => open(c.a)), button(`open ${c.b_name}`, () => open(c.b))));
    panel.replaceChildren(...out);
  }

  // ---------------------------------------------------------------- render a state
  let renderCount = 0;
  async function render(s) {
    explorer.state = s;
    const mine = ++renderCount;
    explorer.ready = false;
    try {
      if (s.a && s.b) await Promise.all([draw([s.a, s.b], s.expand), comparePanel(s.a, s.b)]);
      else if (s.topic) await Promise.all([draw([s.topic], s.expand), topicPanel(s.topic)]);
      else { nodes.clear(); edges.clear(); }
    } catch (e) {
      panel.replaceChildren(el("p", { cls: "error" }, e.message));
    }
    if (mine === renderCount) explorer.ready = true;
  }

  // ---------------------------------------------------------------- search and complete
  const input = $("search");
  const list = $("completions");
  let chosen = -1;
  let asked = 0;
  function showCompletions(rows, total) {
    list.replaceChildren(...rows.map((r, i) => el("li", { role: "option", "data-slug": r.slug, "aria-selected": "false",
      on: { mousedown: (ev) => { ev.preventDefault(); pick(r.slug); } } },
      el("span", {}, r.name), el("span", { cls: "meta" }, `${r.slug} · ${r.comparisons} cmp`))));
    if (total > rows.length) list.append(el("li", { cls: "meta" }, `… ${total - rows.length} more: type more letters`));
    list.hidden = !rows.length;
    input.setAttribute("aria-expanded", String(!list.hidden));
    chosen = -1;
  }
  function pick(slug) {
    list.hidden = true;
    input.value = "";
    open(slug);
  }
  // Enter on typed text asks the server's resolver (graph.kg.graph.find_topic, as the CLI does): a name, alias or
  // slug opens its topic; anything else shows its error with the "did you mean" names, never a prefix match.
  async function find(q) {
    list.hidden = true;
    try {
      const { data } = await api("show", { topic: q });
      input.value = "";
      open(data.slug);
    } catch (e) {
      panel.replaceChildren(el("p", { cls: "error" }, e.message));
    }
  }
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      const mine = ++asked;
      if (!q) { showCompletions([], 0); return; }
      const { data, total } = await api("topics", { q, limit: 10 });
      if (mine === asked) showCompletions(data, Number(total));
    }, 60);
  });
  input.addEventListener("keydown", (ev) => {
    const items = [...list.querySelectorAll("li[data-slug]")];
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!items.length) return;
      chosen = (chosen + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach((li, i) => li.setAttribute("aria-selected", String(i === chosen)));
    } else if (ev.key === "Enter") {
      clearTimeout(timer);
      if (chosen >= 0 && items[chosen]) pick(items[chosen].dataset.slug);
      else if (input.value.trim()) find(input.value.trim());
    } else if (ev.key === "Escape") list.hidden = true;
  });
  input.addEventListener("blur", () => { list.hidden = true; });

  api("status").then(({ data }) => { $("build").textContent = `${data.topics} topics · ${data.documents} pages`; });
  const first = stateFromURL();
  history.replaceState(first, "", urlOf(first));
  render(first);
})();
