// What the /topics and /sparql pages share: window.pages (ready, busy: what the browser tests wait on),
// el() that puts text in as text nodes only, never as HTML, getJSON() that counts its requests, and the CSV of
// a download (csv(), downloads()): one guard against formulas for the topics table and the SPARQL results.
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
  // The CSV (RFC 4180) of rows, the header first. A cell that a spreadsheet would read as a formula (it starts
  // with =, +, -, @, a tab or a carriage return: OWASP's CSV injection list) gets a ' before it, so it stays text.
  csv(rows) {
    const cell = (v) => {
      const s = String(v ?? "");
      const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
      return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    };
    return rows.map((r) => r.map(cell).join(",")).join("\n") + "\n";
  },
  // a link that downloads what make() answers (a promise of text) as the file it names, instead of what it points to
  downloads(link, type, make) {
    link.addEventListener("click", async (ev) => {
      ev.preventDefault();
      window.pages.busy++;
      try {
        const url = URL.createObjectURL(new Blob([await make()], { type }));
        const a = Object.assign(document.createElement("a"), { href: url, download: link.getAttribute("download") });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      } catch (e) { // said where the page says its errors, not thrown into the console
        const box = document.getElementById("error");
        box.textContent = `the download failed: ${e.message}`;
        box.hidden = false;
      } finally {
        window.pages.busy--;
      }
    });
  },
};
