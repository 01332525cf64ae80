/**
 * Strings, line comments and block comments, leftmost first: a string is taken whole, so
 * comment markers inside one are text.
 */
const TOKENS = /"(?:[^"\\\n]|\\.)*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g;

/**
 * JSON with `//` and `/* … *\/` comments (JSONC, as tsconfig files and `fedledger-operator
 * init` write it) as plain JSON: each comment becomes spaces, line breaks kept, so
 * JSON.parse's error positions still point into the file. A small tokenizer rather than a
 * library: none of the project's declared dependencies reads JSONC.
 */
export function stripJsonComments(text: string): string {
  return text.replace(TOKENS, (token) => (token.startsWith('"') ? token : token.replace(/[^\n]/g, " ")));
}

/** Parses JSONC (see stripJsonComments); throws JSON.parse's SyntaxError. */
export function parseJsonc(text: string): unknown {
  return JSON.parse(stripJsonComments(text)) as unknown;
}
