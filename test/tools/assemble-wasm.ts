// Assembles the aggregation kernels' WebAssembly text into the binary the coordinator
// loads. The binary is committed, so the coordinator runs without a build step;
// coordinator/src/strategies/aggregate/kernels.test.ts fails if it ever differs from the text.
import { readFileSync, writeFileSync } from "node:fs";
import { assembleWat } from "./wat.ts";

const source = "coordinator/src/strategies/aggregate/kernels.wat";
const out = source.replace(/\.wat$/, ".wasm");
const bytes = await assembleWat(source, readFileSync(source, "utf8"));
let previous: Uint8Array = new Uint8Array(0);
try {
  previous = readFileSync(out);
} catch {
  // first run
}
if (!Buffer.from(previous).equals(Buffer.from(bytes))) {
  writeFileSync(out, bytes);
  console.log(`assemble-wasm: wrote ${out}`);
}
