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
  // vis-network draws a topic's neighbourhood only: its script and stylesheet are fetched and run in idle time
  // after the whole graph's first frame (see preloadVis), never before it, and so are most often in by the first
  // click; the network itself is made on the first draw, in its shown container
  let nodes = null, edges = null, network = null, visScript = null, visReady = null;
  function loadVisScript() {
    visScript = visScript || new Promise((done, fail) => {
      document.head.append(el("link", { rel: "stylesheet", href: "/static/vis-network.css" }));
      const script = el("script", { src: "/static/vis-network.min.js" });
      script.addEventListener("load", done);
      script.addEventListener("error", () => fail(new Error("the drawing's script did not load")));
      document.head.append(script);
    });
    return visScript;
  }
  function loadVis() {
    visReady = visReady || loadVisScript().then(makeNetwork);
    return visReady;
  }
  // in the first idle time after the start page's first frame (a timeout where requestIdleCallback is missing);
  // counted as a request out from now, so that the page is busy until the script has run
  function preloadVis() {
    const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 200));
    explorer.busy++;
    idle(() => loadVisScript().catch((e) => explorer.errors.push(e.message)).finally(() => { explorer.busy--; }), { timeout: 2000 });
  }
  // ms after the last click on a topic (clickMark("click") at its start) to each step of its answer: what the
  // benchmark reports as click.* marks
  const clickMarks = (explorer.clickMarks = {});
  let clickAt = null;
  const clickMark = (name) => {
    if (name === "click") { clickAt = performance.now(); for (const k of Object.keys(clickMarks)) delete clickMarks[k]; }
    if (clickAt !== null && !(`click.${name}` in clickMarks)) clickMarks[`click.${name}`] = Math.round(performance.now() - clickAt);
  };
  const STABILIZE = 150; // layout iterations of a neighbourhood, run at once: more settle it further and hold the page longer
  const EDGE = { versus: "#37474f", "related-to": "#9fb3c8", "alternative-to": "#8e44ad" };
  function makeNetwork() {
    nodes = new window.vis.DataSet();
    edges = new window.vis.DataSet();
    network = new window.vis.Network($("network"), { nodes, edges }, {
      nodes: { shape: "dot", size: 12, font: { size: 14, face: "system-ui" }, color: { background: "#4e79a7", border: "#2f4b6b" } },
      edges: { smooth: false, width: 1.5 },
      physics: { barnesHut: { gravitationalConstant: -4000, springLength: 120 }, stabilization: { iterations: STABILIZE, updateInterval: STABILIZE } },
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
  }

  // the frame after the one being made: what the DOM holds now is on screen once it resolves
  const painted = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));

  // card: the side panel's answer (a promise), on screen before the layout, which holds the page for its iterations
  async function draw(focus, expand, card) {
    // the neighbourhoods asked while vis-network loads, not after
    const all = [...focus, ...expand.filter((e) => !focus.includes(e))];
    const [parts] = await Promise.all([
      Promise.all(all.map((t) => api("neighbours", { topic: t, limit: 25 }).then((r) => r.data))).then((p) => { clickMark("neighbours"); return p; }),
      loadVisScript(),
      card.catch(() => null).then(painted), // its error is render's to show
    ]);
    await loadVis(); // the network made (the first time) after the card too
    clickMark("vis");
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
    // settle the layout before the page counts as ready, then keep it still: the iterations run in one batch,
    // undrawn, and the layout they leave is the one shown (physics off), never an animated simulation after them
    // until it comes to rest
    const settled = new Promise((done) => { network.once("stabilizationIterationsDone", done); setTimeout(done, 5000); });
    network.setOptions({ physics: true });
    network.stabilize(STABILIZE);
    await settled;
    network.setOptions({ physics: false });
    network.fit();
    clickMark("drawn");
  }
  explorer.nodePosition = (id) => {
    const p = network.getPositions([id])[id];
    if (!p) return null;
    const d = network.canvasToDOM(p);
    const box = $("network").getBoundingClientRect();
    return { x: box.left + d.x, y: box.top + d.y };
  };
  explorer.shownNodes = () => nodes.getIds().sort();
  explorer.highlighted = () => edges.getIds().filter((id) => id.startsWith("hl|")).sort();

  // ---------------------------------------------------------------- the whole graph (WebGL)
  // The build's layout (/api/overview) drawn by sigma.js. Its topics come most compared first, so each level of
  // detail is a prefix of them. Chromium without a GPU draws WebGL in software: a real frame redraws every disc and
  // line on the CPU, the discs costing most (each drawn twice: on screen and in sigma's picking layer for the
  // mouse), so what is drawn is capped, whatever the zoom: a real frame's cost stays that of the caps (while the
  // camera moves, none is drawn: see onCamera).
  // The first answer is one tier (TIER topics, the links among them): small enough to fetch, parse and draw at
  // once on any graph; the rest of a bigger graph is fetched after that first frame, for the zoom.
  const TIER = 1000;
  // always drawn: the NODE_BASE most compared topics and EDGE_BASE links among them (those whose less compared
  // topic ranks first); zoomed in, the VIEW_NODES most compared of the other topics inside the view, with up to
  // VIEW_EDGES of their links to drawn topics. A graph within NODE_BASE and EDGE_BASE is drawn whole.
  const NODE_BASE = 1000;
  const EDGE_BASE = 2000;
  const VIEW_NODES = 600;
  const VIEW_EDGES = 1500;
  const KIND_STYLE = { versus: ["#37474f", "comparisons (arrow to the pick)"], contested: ["#d62728", "contested comparisons"],
    "related-to": ["#9fb3c8", "related"], "alternative-to": ["#8e44ad", "alternatives"] };
  const ov = { sigma: null, graph: null, data: null, hidden: new Set(), hovered: null, limit: 0, drawn: null, settled: 0,
    nodes: [], edges: [], edgesAdded: 0, labels: [], view: new Set(), adj: null };
  explorer.overview = ov;
  // ms from navigation to each step of the first frame: what the benchmark reports, to show where the time goes
  const marks = (explorer.marks = {});
  const mark = (name) => { marks[name] = Math.round(performance.now()); };

  function legendBox(data) {
    const kinds = data.kinds.map((k) => el("li", {},
      el("input", { type: "checkbox", id: `kind-${k}`, "data-kind": k, checked: "", on: { change: (ev) => {
        if (ev.target.checked) ov.hidden.delete(k); else ov.hidden.add(k);
        ov.sigma.refresh({ skipIndexation: true });
      } } }),
      el("span", { cls: "line", style: `border-top-color:${KIND_STYLE[k][0]}` }),
      el("label", { for: `kind-${k}` }, KIND_STYLE[k][1])));
    // in the side panel, never over the drawing
    return el("div", { id: "legend", "aria-label": "communities and link kinds" },
      el("p", { id: "lod", cls: "hint" }),
      el("h4", {}, "Communities"),
      el("ul", { cls: "communities" }, data.communities.map((c) => el("li", { "data-community": c.id },
        el("span", { cls: "swatch", style: `background:${c.colour}` }), el("span", { cls: "name" }, c.label),
        el("span", { cls: "count" }, String(c.count))))),
      el("h4", {}, "Links"), el("ul", { cls: "kinds" }, kinds));
  }

  function addTopic(r) {
    const [id, label, x, y, size, community, compared] = ov.nodes[r];
    ov.graph.addNode(id, { label, x, y: -y, size: Math.max(2, size * 0.4), color: ov.colour.get(community) || ov.colour.get(-1) || "#bab0ac",
      rank: r, community, compared });
  }
  function addLink(e) {
    const [i, j, k, arrow] = ov.edges[e];
    const kind = ov.data.kinds[k];
    ov.graph.addEdgeWithKey(`e${e}`, ov.nodes[i][0], ov.nodes[j][0], { kind, type: arrow ? "arrow" : "line",
      color: KIND_STYLE[kind][0], size: kind === "versus" || kind === "contested" ? 1.2 : 0.8 });
  }
  // the base: the first NODE_BASE topics and, in tier order, the first EDGE_BASE links among them
  function drawBase() {
    for (let r = 0; r < Math.min(NODE_BASE, ov.nodes.length); r++) addTopic(r);
    for (; ov.edgesAdded < Math.min(EDGE_BASE, ov.edges.length); ov.edgesAdded++) {
      const [i, j] = ov.edges[ov.edgesAdded];
      if (Math.max(i, j) >= NODE_BASE) break;
      addLink(ov.edgesAdded);
    }
  }
  // zoomed in: the most compared topics inside the view beyond the base, and their links to drawn topics (by the
  // links of each topic, from an adjacency made once: never a pass over every link)
  function showView() {
    const s = ov.sigma, g = ov.graph;
    const want = new Set();
    if (s.getCamera().getState().ratio < 1 && ov.nodes.length > NODE_BASE) {
      const { width, height } = s.getDimensions();
      const a = s.viewportToGraph({ x: 0, y: 0 }), b = s.viewportToGraph({ x: width, y: height });
      const [x0, x1, y0, y1] = [Math.min(a.x, b.x), Math.max(a.x, b.x), Math.min(a.y, b.y), Math.max(a.y, b.y)];
      for (let r = NODE_BASE; r < ov.nodes.length && want.size < VIEW_NODES; r++) {
        const n = ov.nodes[r];
        if (n[2] >= x0 && n[2] <= x1 && -n[3] >= y0 && -n[3] <= y1) want.add(r);
      }
    }
    for (const r of ov.view) if (!want.has(r)) g.dropNode(ov.nodes[r][0]); // its links go with it
    for (const r of want) if (!ov.view.has(r)) addTopic(r);
    ov.view = want;
    if (want.size && !ov.adj) {
      ov.adj = new Map();
      ov.edges.forEach(([i, j], e) => { for (const r of [i, j]) { if (!ov.adj.has(r)) ov.adj.set(r, []); ov.adj.get(r).push(e); } });
    }
    let links = 0;
    for (const r of want) {
      for (const e of ov.adj.get(r) || []) {
        if (links >= VIEW_EDGES) break;
        const [i, j] = ov.edges[e];
        const other = i === r ? j : i;
        if ((other < NODE_BASE || want.has(other)) && !g.hasEdge(`e${e}`)) { addLink(e); links++; }
      }
    }
    ov.viewEdges = links;
    showLod();
  }
  // While the camera moves, sigma does not redraw: the last frame, every layer of it, is moved and scaled as a
  // picture by a CSS transform (a compositor step, where software WebGL redraws each layer on the CPU); once the
  // camera has rested REST ms, the view's topics are updated and the frame drawn for real (ov.settled: when).
  // A turn of the camera cannot be shown by a move and a scale: drawn for real at once.
  const REST = 100;
  let restTimer = null;
  // every layer but the mouse's (empty, and where sigma reads the mouse from: it stays in place, or the mouse would
  // be read against the moved picture); #overview clips them
  function placeLayers(transform) {
    for (const [name, c] of Object.entries(ov.sigma.getCanvases())) if (name !== "mouse") c.style.transform = transform;
  }
  function onCamera(state) {
    const s = ov.sigma, drawn = ov.drawn;
    clearTimeout(restTimer);
    restTimer = setTimeout(() => requestAnimationFrame(() => { showView(); s.render(); }), REST);
    if (!drawn || state.angle !== drawn.angle) { s.scheduleRender(); return; }
    // where two points of the drawn frame are now: the picture's scale and shift
    const [a0, b0] = [{ x: 0, y: 0 }, { x: 1, y: 1 }].map((p) => s.framedGraphToViewport(p, { cameraState: drawn }));
    const [a1, b1] = [{ x: 0, y: 0 }, { x: 1, y: 1 }].map((p) => s.framedGraphToViewport(p, { cameraState: state }));
    const k = (b1.x - a1.x) / (b0.x - a0.x);
    // a shift by whole pixels, unscaled: the layers copied as they are, never resampled
    const [x, y] = [a1.x - k * a0.x, a1.y - k * a0.y].map((v) => (Math.abs(k - 1) < 1e-9 ? Math.round(v) : v));
    placeLayers(Math.abs(k - 1) < 1e-9 ? `translate(${x}px, ${y}px)` : `translate(${x}px, ${y}px) scale(${k})`);
  }
  const fmt = (n) => n.toLocaleString("en-US");
  function showLod() {
    const n = ov.data.total_nodes, m = ov.data.total_edges;
    const links = ov.graph.size;
    $("lod").textContent = ov.graph.order >= n && links >= m ? `${n} topics`
      : `showing the ${fmt(ov.graph.order)} most compared of ${fmt(n)} topics and ${fmt(links)} of ${fmt(m)} links: ` +
        "zoom in or search for the rest";
  }

  // the labels sigma's grid picks, each drawn only where it overlaps none drawn before it in this frame
  const LABEL = Sigma.rendering.drawDiscNodeLabel;
  function drawLabel(ctx, d, settings) {
    if (!d.label) return;
    ctx.font = `${settings.labelWeight} ${settings.labelSize}px ${settings.labelFont}`;
    const box = { key: d.key, x: d.x + d.size + 3, y: d.y - settings.labelSize * 0.75, w: ctx.measureText(d.label).width,
      h: settings.labelSize * 1.1 };
    const overlaps = (b) => box.x < b.x + b.w && b.x < box.x + box.w && box.y < b.y + b.h && b.y < box.y + box.h;
    if (ov.labels.some(overlaps)) return;
    ov.labels.push(box);
    LABEL(ctx, d, settings);
  }
  // the hovered topic, drawn on sigma's hover layer only (a 2D canvas over the others), never by a redraw of the
  // WebGL layers: the drawing faded by a veil of the page's white, the topic's links (from the graph's own
  // adjacency: its degree's worth of work, never a pass over every topic or link), its neighbours' discs and
  // labels, sigma's hover box; sigma draws the topic's own disc over it
  const HOVER = Sigma.rendering.drawDiscNodeHover;
  const VEIL = "rgba(255, 255, 255, 0.75)";
  function drawHover(ctx, d, settings) {
    const s = ov.sigma;
    const { width, height } = s.getDimensions();
    ov.labels = [];
    ctx.save();
    ctx.fillStyle = VEIL;
    ctx.fillRect(0, 0, width, height);
    const near = [];
    ov.graph.forEachNeighbor(d.key, (n) => {
      const nd = s.getNodeDisplayData(n);
      near.push({ key: n, ...nd, ...s.framedGraphToViewport(nd), size: s.scaleSize(nd.size) });
    });
    ov.graph.forEachEdge(d.key, (e, a, src, dst) => {
      if (ov.hidden.has(a.kind)) return;
      const p = s.framedGraphToViewport(s.getNodeDisplayData(src === d.key ? dst : src));
      ctx.strokeStyle = a.color;
      ctx.lineWidth = a.size + 0.5;
      ctx.beginPath();
      ctx.moveTo(d.x, d.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
    });
    for (const n of near) {
      ctx.fillStyle = n.color;
      ctx.beginPath();
      ctx.arc(n.x, n.y, n.size, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.restore();
    HOVER(ctx, d, settings);
    const size = settings.labelSize;
    ov.labels.push({ key: d.key, x: d.x - d.size - 2, y: d.y - size / 2 - 4, w: 1e4, h: size + 8 }); // its box, kept clear
    for (const n of near) drawLabel(ctx, n, settings);
    ov.hoverDrawn = [d.key, ...near.map((n) => n.key)];
  }
  async function drawOverview() {
    if (ov.sigma) { panel.append(ov.legend); showLod(); ov.sigma.resize(); ov.sigma.refresh(); return; }
    const { data } = await api("overview", { start: 0, stop: TIER });
    mark("fetched");
    ov.data = data;
    ov.nodes = data.nodes;
    ov.edges = data.edges;
    ov.colour = new Map(data.communities.map((c) => [c.id, c.colour]));
    ov.legend = legendBox(data);
    panel.append(ov.legend);
    const g = (ov.graph = new graphology.MultiDirectedGraph());
    drawBase();
    mark("graph");
    ov.sigma = new Sigma(g, $("overview"), {
      renderEdgeLabels: false, defaultEdgeType: "line",
      allowInvalidContainer: true, // hidden while a topic is open: sigma then waits instead of throwing
      edgeProgramClasses: { arrow: Sigma.rendering.EdgeArrowProgram, line: Sigma.rendering.EdgeLineProgram },
      labelRenderedSizeThreshold: 5, labelDensity: 0.7, labelGridCellSize: 90,
      defaultDrawNodeLabel: drawLabel, defaultDrawNodeHover: drawHover,
      edgeReducer: (edge, d) => (ov.hidden.has(d.kind) ? { ...d, hidden: true } : d),
    });
    mark("sigma");
    // every real frame (of a rest, a filter, a resize) is drawn in place: the moved picture's transform goes
    ov.sigma.on("beforeRender", () => { ov.labels = []; placeLayers(""); });
    ov.sigma.on("afterRender", () => {
      ov.drawn = ov.sigma.getCamera().getState();
      requestAnimationFrame(() => { ov.settled = performance.now(); }); // the frame after: this one is on screen
    });
    // the frame of the whole layout, not of the topics drawn so far: the picture keeps still as more are added
    const [x0, x1, y0, y1] = data.bbox;
    ov.sigma.setCustomBBox({ x: [x0, x1], y: [-y1, -y0] });
    // the frame after the first render (sigma renders in its constructor): the benchmark's first frame
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    mark("firstFrame");
    explorer.firstFrame = explorer.firstFrame || marks.firstFrame;
    // every layer on screen costs the compositor a pass over its pixels at each frame, an empty one too: sigma's
    // edge labels (none drawn here) are never shown, its hover layers only while a topic is hovered (sigma draws
    // them itself on entering or leaving a topic)
    const layers = ov.sigma.getCanvases();
    layers.edgeLabels.style.display = "none";
    const hovered = (node) => {
      ov.hovered = node;
      for (const c of [layers.hovers, layers.hoverNodes]) c.style.display = node ? "" : "none";
    };
    hovered(null);
    ov.sigma.on("enterNode", ({ node }) => hovered(node));
    ov.sigma.on("leaveNode", () => hovered(null));
    ov.sigma.on("clickNode", ({ node }) => { clickMark("click"); open(node); });
    ov.sigma.unbindCameraHandlers(); // sigma's own: a full redraw at every step of the camera
    ov.sigma.getCamera().on("updated", onCamera);
    showLod();
    preloadVis();
    if (data.total_nodes > data.nodes.length) {
      // the rest, while the first frame is on screen: added as the camera zooms in
      api("overview", { start: data.nodes.length }).then(({ data: rest }) => {
        ov.nodes = ov.nodes.concat(rest.nodes);
        ov.edges = ov.edges.concat(rest.edges);
        mark("rest");
        showView();
      }).catch((e) => explorer.errors.push(e.message));
    }
  }
  // test and benchmark hooks: what sigma draws, read from its own display data; the label boxes of the last frame
  explorer.edgeShown = (kind) => ov.graph.filterEdges((e, a) => a.kind === kind && !ov.sigma.getEdgeDisplayData(e).hidden).length;
  explorer.nodeScreen = (id) => {
    const p = ov.sigma.graphToViewport(ov.graph.getNodeAttributes(id));
    const box = $("overview").getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y, r: ov.sigma.scaleSize(ov.sigma.getNodeDisplayData(id).size) };
  };
  explorer.labelBoxes = () => {
    const box = $("overview").getBoundingClientRect();
    return ov.labels.map((b) => ({ ...b, x: box.left + b.x, y: box.top + b.y }));
  };

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
    clickMark("show");
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
      el("a", { href: urlOf({ topic: r, expand: [] }), on: { click: (ev) => { ev.preventDefault(); open(r); } } }, nodes && nodes.get(r) ? nodes.get(r).label : r)))));
    const sug = el("div", {}, el("p", { cls: "hint" }, "…"));
    out.push(el("h3", {}, "You might also compare"), sug);
    panel.replaceChildren(...out);
    clickMark("card");
    api("suggest", { topic: slug, k: 5, pair: "false" }).then(({ data }) => {
      const list = data.results[0].suggestions;
      sug.replaceChildren(list.length ? el("ul", {}, list.map((s) => el("li", {},
        el("strong", {}, s.name), ` (score ${s.score.toFixed(3)})`,
        button("compare", () => go({ a: slug, b: s.slug, expand: [] }), `compare with ${s.name}`),
        el("ul", {}, s.reasons.map((r) => el("li", { cls: "src" }, r)))))) : el("p", { cls: "hint" }, "nothing to suggest"));
    }).catch((e) => sug.replaceChildren(el("p", { cls: "error" }, e.message)));
  }

  const pct = (p) => `${Math.round(p * 100)}%`;
  // one side's case: its verdict lines on the pages that compare the two, and its pros and cons from those pages
  // (from its own pages when none compares them)
  function sideCase(t, c) {
    const pages = new Set(c.documents.map((d) => d.source));
    const verdict = c.documents.flatMap((d) => d.verdict.filter((v) => v.topic === t.slug).map((v) => ({ ...v, source: d.source })));
    const shared = (items) => items.filter((p) => pages.has(p.source));
    const [pros, cons] = pages.size ? [shared(t.pros), shared(t.cons)] : [t.pros.slice(0, 4), t.cons.slice(0, 4)];
    const rec = c.records[t.slug] || { wins: 0, losses: 0 };
    return el("div", { cls: "side", "data-side": t.slug }, el("h3", {}, `The case for ${t.name}`),
      el("div", { cls: "src" }, `${rec.wins} won, ${rec.losses} lost${pages.size ? "" : " · from its own pages: no page compares the two"}`),
      el("ul", {}, [...verdict.map((v) => el("li", { cls: "verdict-line" }, v.text, src(v.source, v.line))),
        ...pros.map((p) => el("li", {}, "+ ", p.text, src(p.source, p.line))),
        ...cons.map((p) => el("li", {}, "− ", p.text, src(p.source, p.line)))]));
  }

  async function comparePanel(a, b) {
    const [{ data: c }, { data: ta }, { data: tb }] = await Promise.all([api("compare", { a, b }), api("show", { topic: a }), api("show", { topic: b })]);
    const out = [el("h2", {}, `${c.a_name} vs ${c.b_name}`), el("p", { cls: "verdict" }, c.note)];
    if (c.prediction && c.prediction.pick) {
      const p = c.prediction.probability;
      const other = c.prediction.pick === c.a ? c.b_name : c.a_name;
      out.push(el("p", { cls: "prob" }, `pick: ${c.prediction.pick_name}, ${pct(p)} likely (${other} ${pct(1 - p)})`));
    }
    if (c.contested) out.push(el("p", { cls: "contested" }, "contested: the pages disagree"));
    out.push(el("div", { cls: "sides" }, sideCase(ta, c), sideCase(tb, c)));
    if (c.documents.length) {
      out.push(el("h3", {}, "Pages"));
      out.push(el("ul", {}, c.documents.map((d) => el("li", {}, el("strong", {}, d.title), ` — pick: ${d.pick_name || "none"}`, src(d.source)))));
    }
    if (c.chains.length) out.push(el("h3", {}, "Win chains (drawn in orange)"), el("ul", {}, c.chains.map((ch) => el("li", {}, ch.text))));
    if (c.common_opponents.length) out.push(el("h3", {}, "Common opponents (drawn in green)"), el("ul", {}, c.common_opponents.map((o) => el("li", {},
      el("a", { href: urlOf({ topic: o.slug, expand: [] }), on: { click: (ev) => { ev.preventDefault(); open(o.slug); } } }, o.name),
      `: ${c.a_name} ${o.a.join(", ")}; ${c.b_name} ${o.b.join(", ")}`))));
    out.push(el("p", {}, button(`open ${c.a_name}`, () => open(c.a)), button(`open ${c.b_name}`, () => open(c.b))));
    panel.replaceChildren(...out);
    return c;
  }

  // the compare view's chains and common opponents, on the drawing: their topics added, their links highlighted
  async function drawCompare(c) {
    const want = new Set([...c.chains.flatMap((ch) => ch.path), ...c.common_opponents.map((o) => o.slug)]);
    const missing = [...want].filter((id) => !nodes.get(id));
    const found = await Promise.all(missing.map((t) => api("neighbours", { topic: t, limit: 1 }).then((r) => r.data.nodes[0])));
    nodes.add(found.map((x) => ({ id: x.id, label: x.name, title: `${x.name} (${x.degree} links)`, size: 11 })));
    const link = (from, to, colour, id, arrow) => {
      const key = `hl|${id}|${from}|${to}`;
      if (!edges.get(key)) edges.add({ id: key, from, to, color: { color: colour }, width: 4, arrows: arrow ? { to: { enabled: true } } : undefined });
    };
    for (const o of c.common_opponents) { link(c.a, o.slug, "#59a14f", "common", false); link(c.b, o.slug, "#59a14f", "common", false); }
    c.chains.forEach((ch, i) => ch.steps.forEach((st) => link(st.loser, st.winner, "#f28e2b", `chain${i}`, true)));  // over the green
    if (missing.length) network.fit();
  }

  // ---------------------------------------------------------------- render a state
  let renderCount = 0;
  async function render(s) {
    explorer.state = s;
    const mine = ++renderCount;
    explorer.ready = false;
    const whole = !(s.a && s.b) && !s.topic;
    $("overview").hidden = !whole;
    $("network").hidden = whole;
    if (whole) panel.replaceChildren(el("p", { cls: "hint" }, "The whole graph, coloured by community: hover a topic to see its links, " +
      "click it to open its card and its neighbourhood. Tick the link kinds to show; zoom in for more topics. Or search a topic by any part of its name."));
    try {
      if (s.a && s.b) {
        const card = comparePanel(s.a, s.b);
        await drawCompare((await Promise.all([card, draw([s.a, s.b], s.expand, card)]))[0]);
      } else if (s.topic) {
        const card = topicPanel(s.topic);
        await Promise.all([card, draw([s.topic], s.expand, card)]);
      }
      else await drawOverview();
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
  const MATCH = { exact: "", prefix: "", infix: "", typo: "did you mean" };
  function option(slug, label, meta, extra, cls) {
    return el("li", { role: "option", "data-slug": slug, "aria-selected": "false", cls: cls || "name",
      on: { mousedown: (ev) => { ev.preventDefault(); pick(slug); } } },
      el("span", {}, label, extra || null), el("span", { cls: "meta" }, meta));
  }
  function showCompletions(names, text) {
    const rows = names ? names.results.map((r) => option(r.slug, r.name, [MATCH[r.match], r.slug].filter(Boolean).join(" · "))) : [];
    if (names && names.total > names.results.length) rows.push(el("li", { cls: "meta" }, `… ${names.total - names.results.length} more: type more letters`));
    if (text && text.results.length) {
      rows.push(el("li", { cls: "group" }, "in descriptions, pros and cons"));
      for (const r of text.results) rows.push(option(r.id, r.label, r.field, el("span", { cls: "snippet" }, r.snippet), "text"));
    }
    list.replaceChildren(...rows);
    list.dataset.query = names ? names.query : "";
    list.hidden = !rows.length;
    input.setAttribute("aria-expanded", String(!list.hidden));
    chosen = -1;
  }
  function pick(slug) {
    list.hidden = true;
    input.value = "";
    open(slug);
  }
  // Enter on typed text asks the server's resolver (graph.kg.graph.find_topic, as the CLI does, through /api/names,
  // which answers 200 where /api/show's 404 would be a console error): a name, alias or slug opens its topic;
  // anything else shows the names it may be, as links, never a prefix match opened unasked.
  async function find(q) {
    list.hidden = true;
    const { data } = await api("names", { q, limit: 5 });
    if (data.results.length && data.results[0].match === "exact") {
      input.value = "";
      open(data.results[0].slug);
      return;
    }
    panel.replaceChildren(el("p", { cls: "error" }, `no topic is named ${JSON.stringify(q)}`),
      data.results.length ? el("p", { cls: "didyoumean" }, "Did you mean: ",
        data.results.map((r) => el("a", { href: urlOf({ topic: r.slug, expand: [] }), on: { click: (ev) => { ev.preventDefault(); open(r.slug); } } }, r.name))) : null);
  }
  // the full-text search of another part of the server (/api/search): used when the server has it, a 404 means not
  let fullText = null; // null: not asked yet; false: the server has none
  async function searchText(q) {
    if (fullText === false) return null;
    explorer.busy++;
    try {
      const r = await fetch(`/api/search?${new URLSearchParams({ q, limit: 5 })}`, { headers: { Accept: "application/json" } });
      if (r.status === 404 && fullText === null) { fullText = false; return null; }
      fullText = true;
      return r.ok ? await r.json() : null;
    } catch (e) {
      return null;
    } finally {
      explorer.busy--;
    }
  }
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      const mine = ++asked;
      if (!q) { showCompletions(null, null); return; }
      const { data } = await api("names", { q, limit: 10 });
      if (!data.full_text) fullText = false;
      const text = q.length > 2 ? await searchText(q) : null;
      if (mine === asked) showCompletions(data, text);
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
