import { describe, expect, it } from "vitest";
import { createDataset, type Dataset, subsetDataset } from "../data/Dataset.ts";
import { datasetFingerprint } from "../dataset/merkle.ts";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { checkEvaluationData, createAuditConfig, evaluationDigest, parseAuditConfig } from "./auditConfig.ts";

const data = createDataset({ features: Float32Array.from({ length: 20 }, (_, i) => i / 7), labels: Int32Array.of(0, 1, 2, 1, 0), featureShape: [4] });

function refusal(other: Dataset): unknown {
  try {
    checkEvaluationData(other, evaluationDigest(data));
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("audit config", () => {
  it("records the evaluation data's commitment and order, and parses back from JSON", () => {
    const config = createAuditConfig({ strategy: { name: "fedavg" }, scorer: { name: "leave-one-out" }, evaluation: { dataset: "csv:e.csv", labelColumn: "y", testFraction: 1, seed: 7 }, evaluationData: data });
    expect(config.evaluationData).toMatchObject({ numSamples: 5, fingerprint: datasetFingerprint(data) });
    expect(parseAuditConfig(JSON.parse(JSON.stringify(config)), "audit-config.json")).toEqual(config);
    expect(createAuditConfig({ strategy: { name: "fedavg" }, scorer: { name: "samples" } })).toMatchObject({ evaluation: null, evaluationData: null });
  });

  it("refuses a malformed file (INVALID_CONFIG)", () => {
    const error = (() => {
      try {
        return parseAuditConfig({ version: 1, strategy: {}, scorer: { name: "samples" } }, "x.json");
      } catch (e) {
        return e;
      }
    })();
    expect(isFedLedgerError(error, "INVALID_CONFIG")).toBe(true);
  });

  it("accepts the same data and refuses other records or another order (INVALID_DATASET)", () => {
    expect(refusal(data)).toBeUndefined();
    const fewer = refusal(subsetDataset(data, [0, 1, 2, 3]));
    expect(isFedLedgerError(fewer, "INVALID_DATASET") && fewer.shortMessage).toContain("fingerprint");
    const reordered = refusal(subsetDataset(data, [4, 3, 2, 1, 0]));
    expect(isFedLedgerError(reordered, "INVALID_DATASET") && reordered.shortMessage).toContain("another order");
  });
});
