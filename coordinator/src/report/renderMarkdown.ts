import type { Block } from "./reportBlocks.ts";

/** A table cell on one line, its pipes escaped (GitHub-flavoured Markdown). */
const cell = (text: string) => text.replaceAll("|", "\\|").replace(/\s*\n\s*/g, " ");

function renderBlock(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `${"#".repeat(block.level)} ${block.text}`;
    case "paragraph":
      return block.text;
    case "fields":
      return block.rows.map(([label, value]) => `- **${label}**: ${value.replace(/\n/g, "\n  ")}`).join("\n");
    case "table":
      return [block.headers, block.headers.map(() => "---"), ...block.rows].map((row) => `| ${row.map(cell).join(" | ")} |`).join("\n");
    case "list":
      return block.items.map((item) => `- ${item.replace(/\n/g, "\n  ")}`).join("\n");
    case "code": {
      const longest = Math.max(2, ...[...block.text.matchAll(/`+/g)].map((m) => m[0].length));
      const fence = "`".repeat(longest + 1);
      return `${fence}\n${block.text}\n${fence}`;
    }
  }
}

/** The blocks as Markdown, separated by blank lines. */
export function renderMarkdown(blocks: readonly Block[]): string {
  return `${blocks.map(renderBlock).join("\n\n")}\n`;
}
