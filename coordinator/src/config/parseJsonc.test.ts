import { describe, expect, it } from "vitest";
import { parseJsonc, stripJsonComments } from "./parseJsonc.ts";

describe("parseJsonc", () => {
  it("reads line and block comments anywhere whitespace may stand", () => {
    const text = `// head
{
  /* before a key */ "a": 1, // after a value
  "b": /* inside */ [1, /* multi
  line */ 2]
}
// tail`;
    expect(parseJsonc(text)).toEqual({ a: 1, b: [1, 2] });
  });

  it("keeps comment markers and escaped quotes inside strings", () => {
    const text = String.raw`{"url": "http://127.0.0.1:8545", "glob": "a/*b*/c", "quote": "say \"//hi\"", "slash": "C:\\"} // done`;
    expect(parseJsonc(text)).toEqual({ url: "http://127.0.0.1:8545", glob: "a/*b*/c", quote: 'say "//hi"', slash: "C:\\" });
  });

  it("keeps line breaks and lengths, so errors point into the file", () => {
    const text = "{\n  // note\n  \"a\": 1\n}";
    expect(stripJsonComments(text)).toHaveLength(text.length);
    expect(stripJsonComments(text).split("\n")).toHaveLength(4);
  });

  it("refuses what is not JSON once comments are gone: an unterminated comment, trailing text", () => {
    expect(() => parseJsonc('{"a": 1 /* open')).toThrow(SyntaxError);
    expect(() => parseJsonc('{"a": 1} x')).toThrow(SyntaxError);
  });
});
