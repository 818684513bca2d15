// Parse Mermaid diagrams with the real `mermaid` package: stdin is a JSON array of
// diagrams, stdout a JSON array of {"ok": true, "type": ...} or {"ok": false, "error": ...}. MERMAID_PREFIX is the
// `npm install --prefix` directory holding mermaid and jsdom (mermaid's DOMPurify needs a window).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const prefix = process.env.MERMAID_PREFIX;
if (!prefix) { console.error('MERMAID_PREFIX is not set'); process.exit(2); }
const require = createRequire(prefix + '/node_modules/');
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!DOCTYPE html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const mermaid = (await import(prefix + '/node_modules/mermaid/dist/mermaid.core.mjs')).default;
mermaid.initialize({ startOnLoad: false });
// stdin: a JSON array of diagrams (one node start for many); stdout: one result per diagram
const diagrams = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const text of diagrams) {
  try {
    const result = await mermaid.parse(text);
    results.push({ ok: true, type: result.diagramType });
  } catch (e) {
    results.push({ ok: false, error: String(e.message || e) });
  }
}
console.log(JSON.stringify(results));
