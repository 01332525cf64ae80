import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { zeroHash } from "viem";
import { encodeIdx } from "../../data/idxFormat.ts";
import { loadMnistDigits } from "../../data/loadMnistDigits.ts";
import { datasetFingerprint } from "../../dataset/merkle.ts";
import { EMPTY_DATASET_ROOT } from "../../dataset/merkleHash.ts";
import { parseDatasetSpec } from "../parseDatasetSpec.ts";
import { fingerprintCommand, formatFingerprint } from "./fingerprint.ts";

describe("fingerprint command", () => {
  it("commits to the mnist digits as datasetFingerprint does", async () => {
    const result = await fingerprintCommand({ dataset: parseDatasetSpec("mnist:300") });
    expect(result).toEqual({
      dataset: "mnist:300",
      commitment: datasetFingerprint(await loadMnistDigits({ count: 300 })),
      datasetSize: 300,
      records: 300,
      featureShape: [784],
      numClasses: 10,
      attestationDigest: zeroHash,
    });
    expect(formatFingerprint(result)).toContain("Attestation   none declared");
    expect(result.commitment).not.toBe(EMPTY_DATASET_ROOT);
    expect(formatFingerprint(result)).toContain(`Commitment    ${result.commitment}\nDataset size  300\n`);
  });

  it("hashes the consent or licence attestation, which never leaves the machine, or takes its digest", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-fp-"));
    const consent = join(dir, "consent.pdf");
    const document = Buffer.from("%PDF consent of the data subjects, licence CC-BY-4.0");
    await writeFile(consent, document);
    const digest = `0x${createHash("sha256").update(document).digest("hex")}`;
    const dataset = parseDatasetSpec("mnist:20");
    const fromFile = await fingerprintCommand({ dataset, attestation: consent });
    expect(fromFile.attestationDigest).toBe(digest);
    expect(formatFingerprint(fromFile)).toContain(`Attestation   ${digest}`);
    expect((await fingerprintCommand({ dataset, attestationDigest: digest.toUpperCase().replace("0X", "0x") })).attestationDigest).toBe(digest);

    await expect(fingerprintCommand({ dataset, attestation: consent, attestationDigest: digest })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    await expect(fingerprintCommand({ dataset, attestationDigest: zeroHash })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    await expect(fingerprintCommand({ dataset, attestationDigest: "0x1234" })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    await expect(fingerprintCommand({ dataset, attestation: join(dir, "missing.pdf") })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });

  it("reads csv with its options and counts duplicate records once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-fp-"));
    const path = join(dir, "data.csv");
    await writeFile(path, "a;b;label\n1;2;0\n3;4;1\n1;2;0\n");
    const result = await fingerprintCommand({ dataset: parseDatasetSpec(`csv:${path}`, { labelColumn: "label", delimiter: ";" }) });
    expect(result).toMatchObject({ records: 3, datasetSize: 2, featureShape: [2], numClasses: 2 });
    expect(formatFingerprint(result)).toContain("Dataset size  2 (distinct records of 3 loaded)");
    // Same records in another order and without the duplicate: same commitment.
    const reordered = join(dir, "reordered.csv");
    await writeFile(reordered, "3,4,1\n1,2,0\n");
    const same = await fingerprintCommand({ dataset: parseDatasetSpec(`csv:${reordered}`, { labelColumn: "2", header: false }) });
    expect(same.commitment).toBe(result.commitment);
    // Feature columns pick and order features: swapping them changes the records.
    const swapped = await fingerprintCommand({ dataset: parseDatasetSpec(`csv:${path}`, { labelColumn: "label", featureColumns: "b,a", delimiter: ";" }) });
    expect(swapped.commitment).not.toBe(result.commitment);
  });

  it("reads an IDX image/label pair", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-fp-"));
    const images = join(dir, "images.idx");
    const labels = join(dir, "labels.idx");
    await writeFile(images, encodeIdx({ dtype: "ubyte", dims: [3, 2, 2], data: Uint8Array.from([0, 255, 10, 20, 30, 40, 50, 60, 1, 2, 3, 4]) }));
    await writeFile(labels, encodeIdx({ dtype: "ubyte", dims: [3], data: Uint8Array.from([1, 0, 1]) }));
    const result = await fingerprintCommand({ dataset: parseDatasetSpec(`idx:${images},${labels}`) });
    expect(result).toMatchObject({ records: 3, datasetSize: 3, featureShape: [2, 2], numClasses: 2 });
  });

  it("reports unreadable data as INVALID_DATASET", async () => {
    await expect(fingerprintCommand({ dataset: parseDatasetSpec("csv:/nonexistent/data.csv", { labelColumn: "y" }) })).rejects.toMatchObject({
      code: "INVALID_DATASET",
    });
  });
});
