// The topics table: every view (sort, filters, page) is the server's (/api/table), and the URL holds it.
// Text from the graph reaches the page through textContent only, never as HTML.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const pages = window.pages;
  const { el, getJSON, csv, downloads } = window.pageKit;
  const COLUMNS = ["slug", "name", "comparisons", "wins", "losses", "community", "kind"];
  const PAGE = 50;
  const NUMERIC = new Set(["comparisons", "wins", "losses", "community"]);
  const params = new URLSearchParams(location.search);
  const view = {
    sort: params.get("sort") || "comparisons", order: params.get("order") || "desc",
    q: params.get("q") || "", community: params.get("community"), kind: params.get("kind"),
    offset: Number(params.get("offset")) || 0,
  };


  function query(extra) {
    const q = new URLSearchParams();
    q.set("sort", view.sort);
    q.set("order", view.order);
    if (view.q) q.set("q", view.q);
    if (view.community !== null && view.community !== "") q.set("community", view.community);
    if (view.kind !== null) q.set("kind", view.kind);
    for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
    return q;
  }

  let facetsShown = false;
  function showFacets(data) {
    if (facetsShown) return;
    facetsShown = true;
    for (const [id, n] of data.communities) $("community").append(el("option", { value: String(id) }, `community ${id} (${n})`));
    for (const [kind, n] of data.kinds) $("kind").append(el("option", { value: `k:${kind}` }, `${kind || "(no kind)"} (${n})`));
    $("community").value = view.community === null ? "" : view.community;
    $("kind").value = view.kind === null ? "" : `k:${view.kind}`;
  }

  async function load() {
    $("error").hidden = true;
    let data;
    try {
      data = await getJSON(`/api/table?${query({ offset: view.offset, limit: PAGE })}`);
    } catch (e) {
      $("error").textContent = e.message;
      $("error").hidden = false;
      return;
    }
    showFacets(data);
    const body = $("table").tBodies[0];
    body.replaceChildren(...data.rows.map((r) => el("tr", { "data-slug": r.slug },
      el("td", {}, el("a", { href: `/?topic=${encodeURIComponent(r.slug)}` }, r.name)),
      el("td", { class: "num" }, r.comparisons), el("td", { class: "num" }, r.wins),
      el("td", { class: "num" }, r.losses), el("td", { class: "num" }, r.community), el("td", {}, r.kind))));
    for (const th of $("table").tHead.rows[0].cells) {
      if (th.dataset.col === view.sort) th.setAttribute("aria-sort", view.order === "asc" ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    const last = Math.min(data.total, view.offset + data.rows.length);
    $("count").textContent = `${data.total} topics`;
    $("page").textContent = data.total ? `${view.offset + 1}–${last} of ${data.total}` : "none";
    $("prev").disabled = view.offset === 0;
    $("next").disabled = last >= data.total;
    $("csv").href = `/api/table.csv?${query()}`;
    $("json").href = `/api/table.json?${query()}`;
    const url = `/topics?${query(view.offset ? { offset: view.offset } : {})}`;
    if (location.pathname + location.search !== url) history.replaceState(null, "", url);
  }

  // the CSV of the whole view, made here from its JSON so that it goes through the page's one CSV guard
  downloads($("csv"), "text/csv", async () => csv([COLUMNS, ...(await getJSON(`/api/table.json?${query()}`)).map((r) => COLUMNS.map((c) => r[c]))]));

  function change(fn) {
    return () => {
      fn();
      view.offset = 0;
      load();
    };
  }

  for (const th of $("table").tHead.rows[0].cells) {
    th.querySelector("button").addEventListener("click", change(() => {
      const col = th.dataset.col;
      view.order = col === view.sort ? (view.order === "asc" ? "desc" : "asc") : NUMERIC.has(col) ? "desc" : "asc";
      view.sort = col;
    }));
  }
  $("community").addEventListener("change", change(() => { view.community = $("community").value || null; }));
  $("kind").addEventListener("change", change(() => {
    const v = $("kind").value;
    view.kind = v ? v.slice(2) : null;
  }));
  let typing = null;
  $("q").value = view.q;
  $("q").addEventListener("input", () => {
    clearTimeout(typing);
    pages.busy++; // the wait before the request counts as work, so a test waits for the answer
    typing = setTimeout(() => {
      pages.busy--;
      change(() => { view.q = $("q").value.trim(); })();
    }, 200);
  });
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("prev").addEventListener("click", () => { view.offset = Math.max(0, view.offset - PAGE); load(); });
  $("next").addEventListener("click", () => { view.offset += PAGE; load(); });

  // full-text search: what the pages say of a topic (the build's FTS5 index)
  let searching = null;
  let asked = 0;
  $("fulltext").addEventListener("input", () => {
    clearTimeout(searching);
    pages.busy++;
    searching = setTimeout(async () => {
      try {
        const text = $("fulltext").value.trim();
        const mine = ++asked;
        const data = text ? await getJSON(`/api/search?${new URLSearchParams({ q: text, limit: 20 })}`) : { results: [] };
        if (mine !== asked) return; // a later search answered first
        $("hits").replaceChildren(...data.results.map((h) => el("li", { "data-slug": h.id },
          el("a", { href: `/?topic=${encodeURIComponent(h.id)}` }, h.label),
          el("span", { class: "field" }, h.field), el("span", { class: "snippet" }, h.snippet))));
        if (text && !data.results.length) $("hits").replaceChildren(el("li", { class: "muted" }, "nothing found"));
      } catch (e) {
        $("hits").replaceChildren(el("li", { class: "error" }, e.message));
      } finally {
        pages.busy--;
      }
    }, 150);
  });

  load().finally(() => { pages.ready = true; });
})();
