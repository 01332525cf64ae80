/**
 * A report as a few kinds of blocks, rendered to Markdown (renderMarkdown.ts) and HTML
 * (renderHtml.ts). Text may hold `code` spans in backticks, nothing else of Markdown.
 */
export type Block =
  | { readonly kind: "heading"; readonly level: 1 | 2 | 3; readonly text: string }
  | { readonly kind: "paragraph"; readonly text: string }
  /** Labelled values, one per line. */
  | { readonly kind: "fields"; readonly rows: readonly (readonly [string, string])[] }
  | { readonly kind: "table"; readonly headers: readonly string[]; readonly rows: readonly (readonly string[])[] }
  | { readonly kind: "list"; readonly items: readonly string[] }
  | { readonly kind: "code"; readonly text: string };

/** `text` as a code span, whatever backticks it holds (replaced: a span cannot hold one). */
export function code(text: string): string {
  return `\`${text.replaceAll("`", "'")}\``;
}
