/** JSON for `--json` output: bigints become decimal strings (token amounts exceed 2^53), two-space indent. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}
