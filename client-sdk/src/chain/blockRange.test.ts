import { describe, expect, it } from "vitest";
import { custom } from "viem";
import { deployLedger } from "../../../test/fixtures/ledger.ts";
import { blockPages, collectPages, resolveBlockRange } from "./blockRange.ts";
import { createLedgerReader } from "./ledgerClients.ts";

describe("block ranges", () => {
  it("splits a range into consecutive pages of at most maxBlockRange blocks", () => {
    expect(blockPages({ fromBlock: 0n, toBlock: 9n, maxBlockRange: undefined })).toEqual([{ fromBlock: 0n, toBlock: 9n }]);
    expect(blockPages({ fromBlock: 0n, toBlock: 9n, maxBlockRange: 4n })).toEqual([
      { fromBlock: 0n, toBlock: 3n },
      { fromBlock: 4n, toBlock: 7n },
      { fromBlock: 8n, toBlock: 9n },
    ]);
    expect(blockPages({ fromBlock: 5n, toBlock: 5n, maxBlockRange: 1n })).toEqual([{ fromBlock: 5n, toBlock: 5n }]);
    expect(blockPages({ fromBlock: 3n, toBlock: 8n, maxBlockRange: 3n })).toEqual([
      { fromBlock: 3n, toBlock: 5n },
      { fromBlock: 6n, toBlock: 8n },
    ]);
  });

  it("collects pages in order, one at a time", async () => {
    const seen: string[] = [];
    const items = await collectPages({ fromBlock: 1n, toBlock: 5n, maxBlockRange: 2n }, async (from, to) => {
      seen.push(`${from}-${to}`);
      return [from, to];
    });
    expect(seen).toEqual(["1-2", "3-4", "5-5"]);
    expect(items).toEqual([1n, 2n, 3n, 4n, 5n, 5n]);
  });

  it("fixes toBlock at the latest block and checks the bounds", async () => {
    const f = await deployLedger();
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });
    const latest = await f.publicClient.getBlockNumber();
    expect(await resolveBlockRange(reader)).toEqual({ fromBlock: 0n, toBlock: latest, maxBlockRange: undefined });
    expect(await resolveBlockRange(reader, { fromBlock: 2n, toBlock: 3n, maxBlockRange: 10n })).toEqual({ fromBlock: 2n, toBlock: 3n, maxBlockRange: 10n });
    await expect(resolveBlockRange(reader, { fromBlock: -1n })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    await expect(resolveBlockRange(reader, { maxBlockRange: 0n })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    await expect(resolveBlockRange(reader, { fromBlock: latest + 1n })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });
});
