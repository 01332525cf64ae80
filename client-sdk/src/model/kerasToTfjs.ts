function toCamelCase(identifier: string): string {
  return identifier.replace(/[_-](.)/g, (_, c: string) => c.toUpperCase());
}

/**
 * A Keras (snake_case) config as TensorFlow.js' `fromConfig` reads it: keys and string
 * values camel-cased, `name` values kept (as tfjs-layers' own loader does for model.json).
 */
export function kerasToTfjsConfig(value: unknown): unknown {
  if (typeof value === "string") return toCamelCase(value);
  if (Array.isArray(value)) return value.map((item) => kerasToTfjsConfig(item));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key === "name" ? key : toCamelCase(key)] = key === "name" && typeof item === "string" ? item : kerasToTfjsConfig(item);
  }
  return out;
}
