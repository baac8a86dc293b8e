// The SPARQL editor of /sparql: a textarea over a highlighted copy of its text, completion from the
// server's vocabulary (/api/vocabulary, topic slugs from /api/topics: nothing asked of any other host),
// the bundled queries, results as a table (topic IRIs link into the explorer) and a bar chart of a
// numeric column. The query lives in the URL's fragment. Every text reaches the page through
// textContent or text nodes, never as HTML.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const pages = Object.assign(window.pages, { lastResult: null });
  const { el, getJSON, csv, downloads } = window.pageKit;
  const editor = $("query");
  const KEYWORDS = ["SELECT", "DISTINCT", "REDUCED", "WHERE", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "BIND",
    "VALUES", "GROUP", "BY", "ORDER", "ASC", "DESC", "LIMIT", "OFFSET", "HAVING", "PREFIX", "BASE", "ASK", "CONSTRUCT",
    "DESCRIBE", "AS", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "SEPARATOR", "STR", "LANG", "IF",
    "BOUND", "NOT", "EXISTS", "IN", "REGEX", "CONTAINS", "STRSTARTS", "LCASE", "UCASE", "COALESCE", "a"];
  const KEYWORD_SET = new Set(KEYWORDS.map((k) => k.toUpperCase()));
  const NUMERIC_TYPES = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger"]
    .map((t) => `http://www.w3.org/2001/XMLSchema#${t}`));
  let vocab = { prefixes: {}, terms: {}, queries: [], topic_base: "" };


  // ------------------------------------------------------------------ highlighting
  const TOKEN = /(#[^\n]*)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"{}|^`\\\s]*>)|([?$][\w]+)|((?:[A-Za-z][\w.-]*)?:[\w.-]*)|(\b\d+(?:\.\d+)?\b)|(\b[A-Za-z_]+\b)/g;
  const CLASSES = [null, "tok-comment", "tok-string", "tok-iri", "tok-var", "tok-pname", "tok-number", "tok-keyword"];

  function highlight() {
    const text = editor.value;
    const out = [];
    let at = 0;
    for (const m of text.matchAll(TOKEN)) {
      const group = m.findIndex((g, i) => i > 0 && g !== undefined);
      if (group === 7 && !KEYWORD_SET.has(m[0].toUpperCase())) continue;
      if (m.index > at) out.push(text.slice(at, m.index));
      out.push(el("span", { class: CLASSES[group] }, m[0]));
      at = m.index + m[0].length;
    }
    out.push(text.slice(at) + "\n"); // a last empty line is drawn as tall as the textarea's
    $("highlight").replaceChildren(...out);
    syncScroll();
  }
  function syncScroll() {
    $("highlight").scrollTop = editor.scrollTop;
    $("highlight").scrollLeft = editor.scrollLeft;
  }

  // ------------------------------------------------------------------ completion
  let choices = [];
  let chosen = 0;
  let word = { start: 0, end: 0 };

  async function candidates() {
    const before = editor.value.slice(0, editor.selectionStart);
    let m = before.match(/PREFIX\s+([\w-]*)$/i);
    if (m) {
      word = { start: before.length - m[1].length };
      return Object.entries(vocab.prefixes).filter(([p]) => p.startsWith(m[1])).map(([p, ns]) => `${p}: <${ns}>`);
    }
    m = before.match(/([A-Za-z][\w-]*):([\w.-]*)$/);
    if (m) {
      const [, prefix, local] = m;
      word = { start: before.length - local.length };
      if (vocab.prefixes[prefix] === vocab.topic_base) {
        const found = await getJSON(`/api/topics?${new URLSearchParams({ q: local, limit: 12 })}`);
        return found.map((t) => t.slug);
      }
      return (vocab.terms[prefix] || []).filter((t) => t.toLowerCase().startsWith(local.toLowerCase()));
    }
    m = before.match(/(^|[^\w?$:])([A-Za-z][\w-]*)$/);
    if (m && m[2].length >= 2) {
      word = { start: before.length - m[2].length };
      const lower = m[2].toLowerCase();
      return [...Object.keys(vocab.prefixes).filter((p) => p.startsWith(lower)).map((p) => `${p}:`),
        ...KEYWORDS.filter((k) => k.toLowerCase().startsWith(lower) && k.toLowerCase() !== lower)];
    }
    return [];
  }

  let asked = 0;
  async function complete(always) {
    const mine = ++asked;
    const list = await candidates();
    if (mine !== asked) return; // a later keystroke asked again: its answer is the one to show
    choices = list.slice(0, 40);
    chosen = 0;
    if (!choices.length || (!always && choices.length === 1 && editor.value.slice(word.start, editor.selectionStart) === choices[0])) {
      closeCompletion();
      return;
    }
    $("complete").replaceChildren(...choices.map((c, i) => el("li", {
      role: "option", "aria-selected": String(i === chosen),
      on: { mousedown: (e) => { e.preventDefault(); chosen = i; accept(); } },
    }, c)));
    $("complete").hidden = false;
  }
  function closeCompletion() {
    choices = [];
    $("complete").hidden = true;
  }
  function accept() {
    const text = choices[chosen];
    editor.setRangeText(text, word.start, editor.selectionStart, "end");
    closeCompletion();
    changed();
  }
  function moveChoice(step) {
    chosen = (chosen + step + choices.length) % choices.length;
    [...$("complete").children].forEach((li, i) => li.setAttribute("aria-selected", String(i === chosen)));
  }

  // ------------------------------------------------------------------ running
  function changed() {
    highlight();
    const url = `/sparql#query=${encodeURIComponent(editor.value)}`;
    history.replaceState(null, "", url);
    $("csv").href = `/sparql?${new URLSearchParams({ query: editor.value, format: "csv" })}`;
    $("json").href = `/sparql?${new URLSearchParams({ query: editor.value, format: "json" })}`;
  }

  // the CSV of the query's results (SPARQL 1.1's CSV: each term's value, a blank node as _:id), made here from
  // their JSON so that it goes through the page's one CSV guard
  downloads($("csv"), "text/csv", async () => {
    const data = await getJSON($("json").getAttribute("href"));
    if (!data.head || !data.results) return csv([["boolean"], [String(data.boolean)]]);
    const vars = data.head.vars;
    return csv([vars, ...data.results.bindings.map((b) => vars.map((v) => (!b[v] ? "" : b[v].type === "bnode" ? `_:${b[v].value}` : b[v].value)))]);
  });

  function cell(term) {
    if (!term) return el("td", {});
    if (term.type === "uri" && vocab.topic_base && term.value.startsWith(vocab.topic_base)) {
      const slug = term.value.slice(vocab.topic_base.length);
      return el("td", {}, el("a", { href: `/?topic=${encodeURIComponent(slug)}`, title: term.value }, `topic:${slug}`));
    }
    const numeric = term.type === "literal" && NUMERIC_TYPES.has(term.datatype);
    return el("td", numeric ? { class: "num" } : {}, term.type === "uri" ? `<${term.value}>` : term.value);
  }

  function chart(vars, rows) {
    const numeric = vars.find((v) => rows.length && rows.every((r) => !r[v] || (r[v].type === "literal" && NUMERIC_TYPES.has(r[v].datatype))) && rows.some((r) => r[v]));
    const label = vars.find((v) => v !== numeric && rows.some((r) => r[v] && !NUMERIC_TYPES.has(r[v].datatype || "")));
    $("chart").replaceChildren();
    if (!numeric || !label) return;
    const shown = rows.slice(0, 25).map((r) => ({ label: r[label] ? r[label].value.replace(vocab.topic_base, "") : "", value: Number(r[numeric] ? r[numeric].value : 0) }));
    const max = Math.max(1, ...shown.map((s) => s.value));
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    const bar = 18, left = 220, width = 640;
    svg.setAttribute("width", String(left + width + 60));
    svg.setAttribute("height", String(shown.length * bar + 24));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `${numeric} by ${label}`);
    const title = document.createElementNS(NS, "text");
    title.setAttribute("x", "0");
    title.setAttribute("y", "12");
    title.textContent = `?${numeric} by ?${label} (first ${shown.length} rows)`;
    svg.append(title);
    shown.forEach((s, i) => {
      const y = 20 + i * bar;
      const name = document.createElementNS(NS, "text");
      name.setAttribute("x", String(left - 6));
      name.setAttribute("y", String(y + 13));
      name.setAttribute("text-anchor", "end");
      name.textContent = s.label.length > 34 ? `${s.label.slice(0, 33)}…` : s.label;
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("x", String(left));
      rect.setAttribute("y", String(y + 2));
      rect.setAttribute("height", String(bar - 4));
      rect.setAttribute("width", String(Math.max(0, (s.value / max) * width)));
      const value = document.createElementNS(NS, "text");
      value.setAttribute("x", String(left + (s.value / max) * width + 4));
      value.setAttribute("y", String(y + 13));
      value.textContent = String(s.value);
      svg.append(name, rect, value);
    });
    $("chart").append(svg);
  }

  async function run() {
    closeCompletion();
    $("error").hidden = true;
    $("graph").hidden = true;
    $("status").textContent = "running…";
    pages.busy++;
    try {
      const r = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/sparql-results+json, text/turtle;q=0.9" },
        body: new URLSearchParams({ query: editor.value }),
      });
      const type = r.headers.get("Content-Type") || "";
      if (!r.ok) {
        const body = await r.text();
        let message = body;
        try { message = JSON.parse(body).error || body; } catch (e) { /* not JSON: the text as it came */ }
        throw new Error(message);
      }
      const head = $("results").tHead;
      const body = $("results").tBodies[0];
      head.replaceChildren();
      body.replaceChildren();
      $("chart").replaceChildren();
      if (!type.includes("json")) { // CONSTRUCT or DESCRIBE: the graph as Turtle
        $("graph").textContent = await r.text();
        $("graph").hidden = false;
        $("status").textContent = "a graph";
        return;
      }
      const data = await r.json();
      pages.lastResult = data;
      if ("boolean" in data) {
        $("status").textContent = `ASK: ${data.boolean}`;
        return;
      }
      const vars = data.head.vars;
      const rows = data.results.bindings;
      head.append(el("tr", {}, ...vars.map((v) => el("th", {}, `?${v}`))));
      body.append(...rows.map((row) => el("tr", {}, ...vars.map((v) => cell(row[v])))));
      chart(vars, rows);
      $("status").textContent = `${rows.length} row${rows.length === 1 ? "" : "s"}`;
    } catch (e) {
      $("status").textContent = "";
      $("error").textContent = e.message;
      $("error").hidden = false;
    } finally {
      pages.busy--;
    }
  }

  // ------------------------------------------------------------------ events
  editor.addEventListener("input", () => {
    changed();
    complete(false);
  });
  editor.addEventListener("scroll", syncScroll);
  editor.addEventListener("blur", () => setTimeout(closeCompletion, 100));
  editor.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    } else if (e.key === " " && e.ctrlKey) {
      e.preventDefault();
      complete(true);
    } else if (!$("complete").hidden && choices.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        moveChoice(e.key === "ArrowDown" ? 1 : -1);
      } else if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        accept();
      } else if (e.key === "Escape") {
        closeCompletion();
      }
    }
  });
  $("run").addEventListener("click", run);

  async function start() {
    try {
      vocab = await getJSON("/api/vocabulary");
    } catch (e) {
      $("error").textContent = `the vocabulary did not load: ${e.message}`;
      $("error").hidden = false;
    }
    for (const q of vocab.queries) {
      $("ready").append(el("button", { type: "button", title: q.summary, "data-query": q.name, on: { click: () => {
        editor.value = q.text;
        changed();
        run();
      } } }, q.name));
    }
    const hash = new URLSearchParams(location.hash.slice(1));
    editor.value = hash.get("query") || (vocab.queries.find((q) => q.name === "win-loss") || { text: "SELECT * WHERE { ?s ?p ?o } LIMIT 10" }).text;
    changed();
    if (hash.get("query")) await run();
  }
  start().finally(() => { pages.ready = true; });
})();
