import { describe, expect, it } from "vitest";
import { type Block, code } from "./reportBlocks.ts";
import { renderHtml } from "./renderHtml.ts";
import { renderMarkdown } from "./renderMarkdown.ts";

const blocks: Block[] = [
  { kind: "heading", level: 2, text: "Purpose" },
  { kind: "paragraph", text: "Triage <script>alert(1)</script> & more\nsecond line" },
  { kind: "fields", rows: [["Model hash", code("0xab")]] },
  { kind: "table", headers: ["A", "B"], rows: [["x | y", "multi\nline"]] },
  { kind: "list", items: [`run ${code("npx fedledger audit")}`] },
  { kind: "code", text: "a ``` fence" },
];

describe("report rendering", () => {
  it("Markdown: tables on one line per row with pipes escaped, code spans kept, fences longer than the code's backticks", () => {
    const md = renderMarkdown(blocks);
    expect(md).toContain("## Purpose\n\nTriage <script>");
    expect(md).toContain("- **Model hash**: `0xab`");
    expect(md).toContain("| A | B |\n| --- | --- |\n| x \\| y | multi line |");
    expect(md).toContain("- run `npx fedledger audit`");
    expect(md).toContain("````\na ``` fence\n````");
  });

  it("HTML: every text escaped, code spans as <code>, a standalone page", () => {
    const html = renderHtml("Card <1>", blocks);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("<title>Card &lt;1&gt;</title>");
    expect(html).not.toContain("<script>");
    expect(html).toContain("Triage &lt;script&gt;alert(1)&lt;/script&gt; &amp; more<br>\nsecond line");
    expect(html).toContain("<dt>Model hash</dt><dd><code>0xab</code></dd>");
    expect(html).toContain("<td>x | y</td>");
    expect(html).toContain("<li>run <code>npx fedledger audit</code></li>");
    expect(code("a`b")).toBe("`a'b`");
  });
});
