// Encodes, decodes (with full validation) and hashes a 1,000,000-parameter update in
// fp32 and int8. MB/s count the raw float32 bytes (4 per parameter); hashMBps is
// SHA-256 over a 64 MiB buffer.
import { decodeWeights, encodeWeights } from "../../client-sdk/src/protocol/encoding/weightsCodec.ts";
import { contentHash } from "../../client-sdk/src/protocol/hashing/contentHash.ts";
import { parameterCount } from "../../client-sdk/src/protocol/encoding/layout.ts";
import { MILLION_LAYOUT } from "../fixtures/millionLayout.ts";

const layout = MILLION_LAYOUT;

function timeIt(repeats: number, fn: () => void): number {
  fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < repeats; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e9 / repeats;
}

export async function run(): Promise<Record<string, unknown>> {
  const params = parameterCount(layout);
  const update = layout.map((l) => Float32Array.from({ length: l.shape.reduce((a, b) => a * b, 1) }, () => (Math.random() - 0.5) * 0.02));
  const fp32 = encodeWeights(update, layout, "f32");
  const int8 = encodeWeights(update, layout, "i8");
  const rawMb = (params * 4) / 1e6;
  const encodeSeconds = timeIt(20, () => encodeWeights(update, layout, "f32"));
  const decodeSeconds = timeIt(20, () => decodeWeights(fp32, layout));
  const big = new Uint8Array(64 * 1024 * 1024).fill(7);
  await contentHash(big);
  const hashStart = process.hrtime.bigint();
  for (let i = 0; i < 5; i++) await contentHash(big);
  const hashSeconds = Number(process.hrtime.bigint() - hashStart) / 1e9 / 5;
  process.stderr.write(`params ${params}, fp32 ${fp32.byteLength} B, int8 ${int8.byteLength} B\n`);
  return {
    bytesPerParamFp32: Number((fp32.byteLength / params).toFixed(4)),
    bytesPerParamInt8: Number((int8.byteLength / params).toFixed(4)),
    encodeMBps: Math.round(rawMb / encodeSeconds),
    decodeMBps: Math.round(rawMb / decodeSeconds),
    hashMBps: Math.round(big.byteLength / 1e6 / hashSeconds),
  };
}
