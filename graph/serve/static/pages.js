// What the /topics and /sparql pages share: window.pages (ready, busy: what the browser tests wait on),
// el() that puts text in as text nodes only, never as HTML, and getJSON() that counts its requests.
"use strict";
window.pages = { ready: false, busy: 0 };
window.pageKit = {
  el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : String(c ?? "")); // a string is a text node
    return node;
  },
  async getJSON(url) {
    window.pages.busy++;
    try {
      const r = await fetch(url, { headers: { Accept: "application/json" } });
      const data = await r.json();
      if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
      return data;
    } finally {
      window.pages.busy--;
    }
  },
};
