import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { encodeWeights } from "../protocol/encoding/weightsCodec.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { layerLayout, type ModelSpec } from "../training/modelSpec.ts";
import { AUDIT_BUNDLE_FORMAT, bundledObjects, decodeAuditBundle, encodeAuditBundle } from "./auditBundle.ts";
import { createAuditConfig } from "./auditConfig.ts";

const spec: ModelSpec = { kind: "mlp", inputShape: [2], layers: [{ units: 2, activation: "softmax" }] };

async function bundleContent() {
  const bytes = encodeWeights([Float32Array.of(1, 2, 3, 4), Float32Array.of(5, 6)], layerLayout(spec), "f32");
  const hash = await contentHash(bytes);
  return {
    chainId: 31337,
    ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const,
    genesisModelHash: hash,
    modelSpec: spec,
    auditConfig: createAuditConfig({ strategy: { name: "fedavg" }, scorer: { name: "samples" } }),
    rounds: [],
    eventLog: null,
    objects: [{ hash, bytes }],
  };
}

const failure = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("audit bundle", () => {
  it("round-trips as plain msgpack with its format and version", async () => {
    const content = await bundleContent();
    const bytes = encodeAuditBundle(content);
    const plain = new Packr({ useRecords: false }).unpack(bytes) as Record<string, unknown>;
    expect(plain).toMatchObject({ format: AUDIT_BUNDLE_FORMAT, version: 2, chainId: 31337, eventLog: null });
    const decoded = decodeAuditBundle(bytes);
    expect(decoded.auditConfig).toEqual(content.auditConfig);
    expect(await bundledObjects(decoded)(content.genesisModelHash)).toEqual(content.objects[0]!.bytes);
    expect(await bundledObjects(decoded)(`0x${"0".repeat(64)}`)).toBeUndefined();
  });

  it("refuses other files (DECODE_ERROR), naming an unknown version", async () => {
    const packr = new Packr({ useRecords: false });
    expect(isFedLedgerError(failure(() => decodeAuditBundle(Uint8Array.of(0xc1))), "DECODE_ERROR")).toBe(true);
    expect(isFedLedgerError(failure(() => decodeAuditBundle(packr.pack({ hello: 1 }))), "DECODE_ERROR")).toBe(true);
    const future = failure(() => decodeAuditBundle(packr.pack({ format: AUDIT_BUNDLE_FORMAT, version: 3 })));
    expect(isFedLedgerError(future, "DECODE_ERROR") && future.shortMessage).toContain("version 3");
    // Version 1 has no statements or event log: refused, saying so.
    const content = await bundleContent();
    const { eventLog: _eventLog, ...v1 } = content;
    const old = failure(() => decodeAuditBundle(packr.pack({ ...v1, format: AUDIT_BUNDLE_FORMAT, version: 1 })));
    expect(isFedLedgerError(old, "DECODE_ERROR") && old.shortMessage).toBe("Audit bundle version 1 predates round statements and the event log");
    const incomplete = failure(() => decodeAuditBundle(packr.pack({ ...content, format: AUDIT_BUNDLE_FORMAT, version: 2, auditConfig: { version: 1 } })));
    expect(isFedLedgerError(incomplete, "DECODE_ERROR") && incomplete.details).toContain("auditConfig.strategy");
  });

  it("re-hashes bundled objects (HASH_MISMATCH)", async () => {
    const content = await bundleContent();
    const tampered = content.objects[0]!.bytes.slice();
    tampered[tampered.length - 1]! ^= 1;
    const decoded = decodeAuditBundle(encodeAuditBundle({ ...content, objects: [{ hash: content.genesisModelHash, bytes: tampered }] }));
    const error = await bundledObjects(decoded)(content.genesisModelHash).catch((e: unknown) => e);
    expect(isFedLedgerError(error, "HASH_MISMATCH")).toBe(true);
  });
});
