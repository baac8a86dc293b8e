/* pickgraph page script.
 * Every text from the documents reaches the screen through textContent, never as
 * HTML: nodes and edges carry no "title", so vis-network's own tooltip stays off
 * and the hover cards below are built from DOM nodes.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("pickgraph-data").textContent);
  // Title and note first: they change the height left for the canvas.
  document.title = data.meta.title;
  document.getElementById("title").textContent = data.meta.title;
  if (data.meta.note) {
    var note = document.getElementById("note");
    note.textContent = data.meta.note;
    note.hidden = false;
  }
  // The legend before the network: it takes height from the canvas.
  (function legend() {
    var box = document.getElementById("legend");
    box.appendChild(el("h2", null, "Groups"));
    var ul = el("ul");
    data.legend.forEach(function (g) {
      var li = el("li");
      var dot = el("span", "dot");
      dot.style.background = g.colour;
      li.appendChild(dot);
      li.appendChild(el("span", null, g.label));
      li.appendChild(el("span", "count", g.count));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    box.appendChild(el("span", "gap"));
    box.appendChild(el("h2", null, "Links"));
    var lines = el("ul");
    [["versus", "solid", true, "compared; arrow points to the pick"],
     ["contested", "dashed", true, "contested: pages disagree"],
     ["related-to", "dashed", false, "related to"],
     ["alternative-to", "dotted", false, "alternative to"]].forEach(function (row) {
      var li = el("li");
      var line = el("span", "line" + (row[2] ? " arrow" : ""));
      line.style.borderTopColor = data.edge_legend[row[0]];
      line.style.borderTopStyle = row[1];
      li.appendChild(line);
      li.appendChild(el("span", null, row[3]));
      lines.appendChild(li);
    });
    box.appendChild(lines);
    box.appendChild(el("span", "count", "dot size: times compared · faint labels: zoom in"));
  })();

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  var shown = { "versus": true, "related-to": true, "alternative-to": true };
  var selected = null;
  var api = {
    nodes: nodes, edges: edges, network: network, meta: data.meta,
    ready: false, drawnAt: null, select: selectTopic, find: findTopic
  };
  window.pickgraph = api;

  network.once("afterDrawing", function () {
    api.drawnAt = performance.now();
    api.ready = true;
  });

  // ---------------------------------------------------------------- helpers
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  var baseNode = {}, baseEdge = {};
  data.nodes.forEach(function (n) { baseNode[n.id] = { color: n.color, font: { color: "#1d2430" } }; });
  data.edges.forEach(function (e) { baseEdge[e.id] = { color: e.color }; });
  var DIM_NODE = { background: "#e9edf1", border: "#d3d9df", highlight: { background: "#e9edf1", border: "#111111" },
                   hover: { background: "#e9edf1", border: "#8895a2" } };
  var DIM_EDGE = { color: "rgba(170,180,190,0.18)", highlight: "rgba(170,180,190,0.18)" };

  // ------------------------------------------------------------------ cards
  function topicCard(id) {
    var c = data.cards[id];
    var box = document.createDocumentFragment();
    if (!c) { return box; }
    box.appendChild(el("h3", null, c.name));
    var sub = [];
    if (c.kind) { sub.push(c.kind); }
    if (c.aliases.length) { sub.push("also: " + c.aliases.join(", ")); }
    if (sub.length) { box.appendChild(el("div", "sub", sub.join(" · "))); }
    if (c.text) { box.appendChild(el("p", "desc", c.text)); }
    var record;
    if (c.compared) {
      record = "Compared " + plural(c.compared, "time", "times") + ": " + c.wins + " won, " + c.losses + " lost";
      if (c.no_pick) { record += ", " + c.no_pick + " without a pick"; }
    } else {
      record = "Not compared yet (named as a related topic).";
    }
    box.appendChild(el("p", "record", record));
    if (c.suggestions === null) {
      box.appendChild(el("p", "suggest", "Compare next: run pickgraph suggest " + c.slug));
    } else if (c.suggestions.length) {
      box.appendChild(el("p", "suggest", "Compare next: " + c.suggestions.join(", ")));
    }
    if (c.hidden_links) { box.appendChild(el("p", "sub", plural(c.hidden_links, "more link", "more links") + " outside this view.")); }
    return box;
  }

  function edgeCard(id) {
    var c = data.edge_cards[id];
    var box = document.createDocumentFragment();
    if (!c) { return box; }
    if (c.kind === "versus") {
      var h = el("h3", null, c.a + " vs " + c.b);
      if (c.contested) { h.appendChild(el("span", "tag", "contested")); }
      box.appendChild(h);
      c.verdicts.forEach(function (v) {
        var d = el("div", "verdict");
        d.appendChild(el("strong", null, v.pick ? "Pick: " + v.pick : "No pick"));
        if (v.reason) { d.appendChild(el("p", "reason", v.reason)); }
        d.appendChild(el("div", "src", v.source));
        box.appendChild(d);
      });
      if (c.more) { box.appendChild(el("p", "sub", "… and " + plural(c.more, "more page", "more pages") + ".")); }
    } else if (c.kind === "related-to") {
      box.appendChild(el("h3", null, c.a + " — " + c.b));
      box.appendChild(el("p", null, "Related topics, named in " + plural(c.sources.length + c.more, "document", "documents") + "."));
      c.sources.forEach(function (s) { box.appendChild(el("div", "src", s)); });
      if (c.more) { box.appendChild(el("div", "src", "… and " + c.more + " more")); }
    } else {
      box.appendChild(el("h3", null, c.from + " → " + c.to));
      box.appendChild(el("p", null, c.to + " is listed as an alternative to " + c.from + "."));
      c.sources.forEach(function (s) { box.appendChild(el("div", "src", s)); });
    }
    return box;
  }

  var hover = document.getElementById("hover");
  function showHover(content, pointer) {
    hover.replaceChildren(content);
    hover.hidden = false;
    var w = container.clientWidth, h = container.clientHeight;
    var x = pointer.x + 14, y = pointer.y + 14;
    if (x + hover.offsetWidth > w - 6) { x = Math.max(6, pointer.x - hover.offsetWidth - 14); }
    if (y + hover.offsetHeight > h - 6) { y = Math.max(6, pointer.y - hover.offsetHeight - 14); }
    hover.style.left = x + "px";
    hover.style.top = y + "px";
  }
  function hideHover() { hover.hidden = true; hover.replaceChildren(); }

  var details = document.getElementById("details");
  var detailsBody = document.getElementById("details-body");
  function showDetails(content) { detailsBody.replaceChildren(content); details.hidden = false; }
  function hideDetails() { details.hidden = true; detailsBody.replaceChildren(); }
  document.getElementById("details-close").addEventListener("click", function () {
    hideDetails(); clearHighlight(); network.unselectAll();
  });

  network.on("hoverNode", function (p) { showHover(topicCard(p.node), p.pointer.DOM); });
  network.on("blurNode", hideHover);
  network.on("hoverEdge", function (p) { showHover(edgeCard(p.edge), p.pointer.DOM); });
  network.on("blurEdge", hideHover);
  network.on("dragStart", hideHover);
  network.on("zoom", hideHover);
  container.addEventListener("mouseleave", hideHover);  // vis sends no blur when the pointer leaves the canvas

  // -------------------------------------------------- neighbourhood highlight
  function highlight(id) {
    selected = id;
    var keepN = {}, keepE = {};
    keepN[id] = true;
    edges.forEach(function (e) {
      if (shown[e.kind] && (e.from === id || e.to === id)) { keepN[e.from] = keepN[e.to] = true; keepE[e.id] = true; }
    });
    nodes.update(nodes.map(function (n) {
      return keepN[n.id] ? { id: n.id, color: baseNode[n.id].color, font: baseNode[n.id].font }
                         : { id: n.id, color: DIM_NODE, font: { color: "#c3c9d1" } };
    }));
    edges.update(edges.map(function (e) {
      return { id: e.id, color: keepE[e.id] ? baseEdge[e.id].color : DIM_EDGE };
    }));
  }
  function clearHighlight() {
    selected = null;
    nodes.update(nodes.map(function (n) { return { id: n.id, color: baseNode[n.id].color, font: baseNode[n.id].font }; }));
    edges.update(edges.map(function (e) { return { id: e.id, color: baseEdge[e.id].color }; }));
  }

  network.on("click", function (p) {
    if (p.nodes.length) {
      highlight(p.nodes[0]);
      showDetails(topicCard(p.nodes[0]));
    } else if (p.edges.length) {
      showDetails(edgeCard(p.edges[0]));
    } else {
      clearHighlight();
      hideDetails();
    }
  });

  // ------------------------------------------------------------------- view
  // Like network.fit(), but counting the labels in, which vis leaves out.
  function fitView() {
    if (!data.nodes.length) { return; }
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    data.nodes.forEach(function (n) {
      var half = Math.max(n.size, 0.3 * n.font.size * n.label.length);
      minX = Math.min(minX, n.x - half); maxX = Math.max(maxX, n.x + half);
      minY = Math.min(minY, n.y - n.size); maxY = Math.max(maxY, n.y + n.size + 1.3 * n.font.size);
    });
    var w = container.clientWidth, h = container.clientHeight;
    var scale = Math.min((w - 30) / (maxX - minX), (h - 30) / (maxY - minY), 1.5);
    network.moveTo({ position: { x: (minX + maxX) / 2, y: (minY + maxY) / 2 }, scale: scale, animation: false });
  }
  api.fitView = fitView;

  // ------------------------------------------------------------------ search
  var byId = Object.keys(data.cards).sort();
  var list = document.getElementById("topic-list");
  byId.forEach(function (id) { var o = el("option"); o.value = data.cards[id].name; list.appendChild(o); });

  // The Find box agrees with the CLI: data.find is graph.kg.graph.topic_table, find_topic's own answer for every
  // slug, name, label and alias of every topic, keyed as graph.kg.graph.spelling_key keys it (lower case, white
  // space collapsed; spellingKey below), so the matching rule is find_topic's, written once, in Python.
  function spellingKey(s) { return String(s).toLowerCase().split(/\s+/).filter(Boolean).join(" "); }
  function findTopic(query) {
    var key = spellingKey(query);  // an own key only: "constructor" is no topic
    return Object.prototype.hasOwnProperty.call(data.find, key) ? data.find[key] : null;
  }
  var nameOf = Object.create(null);
  data.elsewhere.forEach(function (t) { nameOf[t[0]] = t[1]; });
  byId.forEach(function (id) { nameOf[id] = data.cards[id].name; });

  // The "did you mean" names: graph.kg.graph.closest_topics's formula over the same spellings (the keys of
  // data.find), with its weight, cutoff and longest query from data.suggest; test_find_topic checks the two agree.
  function suggestionText(s) { return String(s).toLowerCase().split(/[^0-9a-z]+/).filter(Boolean).join(" "); }
  function similarity(a, b) {  // rapidfuzz's Indel.normalized_similarity: 1 - (n + m - 2 LCS) / (n + m)
    var n = a.length, m = b.length, row = new Array(m + 1).fill(0);
    for (var i = 1; i <= n; i++) {
      var diag = 0;
      for (var j = 1; j <= m; j++) {
        var up = row[j];
        row[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(row[j], row[j - 1]);
        diag = up;
      }
    }
    var sum = n + m;
    return 1.0 - (sum ? (sum - 2 * row[m]) / sum : 0);
  }
  function closest(query, limit) {
    var q = suggestionText(query), best = Object.create(null);
    if (!q || q.length > data.suggest.max_chars) { return []; }
    Object.keys(data.find).forEach(function (key) {
      var text = suggestionText(key), score = similarity(q, text), words = text.split(" ");
      if (words.length > 1) {
        score = Math.max(score, data.suggest.word_weight * Math.max.apply(null, words.map(function (w) { return similarity(q, w); })));
      }
      var name = nameOf[data.find[key]];
      if (score >= data.suggest.cutoff && (best[name] === undefined || score > best[name])) { best[name] = score; }
    });
    return Object.keys(best).sort(function (a, b) {
      return best[b] - best[a] || (a < b ? -1 : a > b ? 1 : 0);
    }).slice(0, limit === undefined ? 3 : limit);
  }
  api.closest = closest;

  var status = document.getElementById("status");
  function say(text, miss) { status.textContent = text; status.className = miss ? "miss" : ""; }

  function selectTopic(id, zoom) {
    network.selectNodes([id], false);
    highlight(id);
    showDetails(topicCard(id));
    if (zoom !== false) { network.focus(id, { scale: Math.max(network.getScale(), 1.1), animation: false }); }
    say("Selected " + data.cards[id].name + ".", false);
  }

  document.getElementById("search").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = document.getElementById("search-input").value;
    var id = findTopic(q);
    if (id === null) {
      var near = closest(q);
      say("No topic matches “" + q + "”" + (near.length ? "; did you mean: " + near.join(", ") + "?" : "."), true);
    } else if (!data.cards[id]) {
      say(nameOf[id] + " is not in this view; run: pickgraph view " + id, true);
    } else {
      selectTopic(id);
    }
  });

  // ----------------------------------------------------------------- filters
  Array.prototype.forEach.call(document.querySelectorAll("#filters input"), function (box) {
    box.addEventListener("change", function () {
      shown[box.getAttribute("data-kind")] = box.checked;
      edges.update(edges.map(function (e) { return { id: e.id, hidden: !shown[e.kind] }; }));
      if (selected !== null) { highlight(selected); }
    });
  });

  say(plural(data.meta.topics_shown, "topic", "topics") + ", " + plural(data.meta.edges_shown, "link", "links") +
      (data.meta.topics_shown < data.meta.topics_total ? " (of " + data.meta.topics_total + " topics)" : ""), false);
  fitView();
  if (data.meta.focus) { selectTopic(data.meta.focus, false); }
})();
