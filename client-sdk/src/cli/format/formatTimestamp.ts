/** A Unix time in seconds as ISO 8601 UTC, with the raw value: `2025-01-02T03:04:05.000Z (1735787045)`. */
export function formatTimestamp(seconds: bigint): string {
  if (seconds === 0n) return "-";
  const millis = Number(seconds) * 1000;
  return Number.isFinite(millis) && Math.abs(millis) <= 8.64e15 ? `${new Date(millis).toISOString()} (${seconds})` : String(seconds);
}
