import type { Block } from "./reportBlocks.ts";

const escapeHtml = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");

/** Escaped text with its `code` spans as <code>. */
function inline(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) => (part.length >= 2 && part.startsWith("`") && part.endsWith("`") ? `<code>${escapeHtml(part.slice(1, -1))}</code>` : escapeHtml(part)))
    .join("");
}

const lines = (text: string) => inline(text).replaceAll("\n", "<br>\n");

function renderBlock(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `<h${block.level}>${inline(block.text)}</h${block.level}>`;
    case "paragraph":
      return `<p>${lines(block.text)}</p>`;
    case "fields":
      return `<dl>\n${block.rows.map(([label, value]) => `<dt>${inline(label)}</dt><dd>${lines(value)}</dd>`).join("\n")}\n</dl>`;
    case "table": {
      const head = `<tr>${block.headers.map((h) => `<th>${inline(h)}</th>`).join("")}</tr>`;
      const body = block.rows.map((row) => `<tr>${row.map((c) => `<td>${lines(c)}</td>`).join("")}</tr>`).join("\n");
      return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
    }
    case "list":
      return `<ul>\n${block.items.map((item) => `<li>${lines(item)}</li>`).join("\n")}\n</ul>`;
    case "code":
      return `<pre><code>${escapeHtml(block.text)}</code></pre>`;
  }
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
code{font-size:.85em;word-break:break-all}dt{font-weight:bold}dd{margin:0 0 .5rem 1rem}pre{background:#f5f5f5;padding:.5rem;overflow-x:auto}`;

/** A standalone HTML page of the blocks; every text is escaped (no markup passes through). */
export function renderHtml(title: string, blocks: readonly Block[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
${blocks.map(renderBlock).join("\n")}
</body>
</html>
`;
}
