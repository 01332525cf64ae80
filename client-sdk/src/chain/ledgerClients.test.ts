import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { custom, getAddress } from "viem";
import { deployLedger, GENESIS, participantAccount } from "../../../test/fixtures/ledger.ts";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { toChainError } from "./chainError.ts";
import { createLedgerReader, createLedgerWallet, describeRpcUrl, parseAddress } from "./ledgerClients.ts";
import { readParticipantStatus } from "./readParticipantStatus.ts";

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("ledger clients", () => {
  it("reads the ledger over a transport and signs for the node's chain", async () => {
    const f = await deployLedger();
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address.toLowerCase() });
    expect(reader.ledger).toBe(getAddress(f.ledger.address));
    const genesis = await reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "genesisModelHash" });
    expect(genesis).toBe(GENESIS);
    const wallet = await createLedgerWallet(reader, participantAccount(1));
    expect(wallet.client.chain.id).toBe(f.chainId);
    expect(wallet.client.account.address).toBe(participantAccount(1).address);
  });

  it("says there is no ledger at an address without code", async () => {
    const f = await deployLedger();
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: participantAccount(5).address });
    await expect(readParticipantStatus(reader, participantAccount(1).address)).rejects.toMatchObject({
      code: "CHAIN_ERROR",
      shortMessage: "Cannot read participantInfo: no ContributionLedger at the ledger address",
    });
  });

  it("reports an unreachable RPC endpoint as CHAIN_ERROR", async () => {
    const port = await closedPort();
    const reader = createLedgerReader({ rpcUrl: `http://127.0.0.1:${port}`, ledger: participantAccount(5).address, retryCount: 0 });
    await expect(readParticipantStatus(reader, participantAccount(1).address)).rejects.toMatchObject({
      code: "CHAIN_ERROR",
      shortMessage: "Cannot read the latest block number: the RPC endpoint cannot be reached",
    });
    await expect(createLedgerWallet(reader, participantAccount(1))).rejects.toMatchObject({ code: "CHAIN_ERROR" });
  });

  it("refuses bad configuration with INVALID_CONFIG", () => {
    const ledger = participantAccount(5).address;
    expect(() => createLedgerReader({ rpcUrl: "not a url", ledger })).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    expect(() => createLedgerReader({ rpcUrl: "ftp://host", ledger })).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    expect(() => createLedgerReader({ rpcUrl: "http://127.0.0.1:1", ledger: "0x1234" })).toThrow(
      expect.objectContaining({ code: "INVALID_CONFIG", shortMessage: "The ledger address is not a valid address" }),
    );
    // A mixed-case address must carry a valid checksum.
    const badChecksum = ledger.slice(0, 2) + [...ledger.slice(2)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join("");
    expect(() => parseAddress(badChecksum, "The address")).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    expect(parseAddress(` ${ledger.toLowerCase()} `, "The address")).toBe(ledger);
  });

  it("describes an RPC URL without its credentials or path", () => {
    expect(describeRpcUrl("https://user:secret@rpc.example.org/v3/KEY?x=1")).toBe("https://rpc.example.org");
    expect(describeRpcUrl("nope")).toBe("(unparseable URL)");
  });

  it("passes FedLedgerErrors through and wraps anything else", () => {
    const plain = toChainError(new Error("boom\nsecond line"), "do a thing");
    expect(plain).toMatchObject({ code: "CHAIN_ERROR", shortMessage: "Cannot do a thing", details: "boom" });
    expect(toChainError(plain, "other")).toBe(plain);
    expect(toChainError("text", "x").details).toBe("text");
  });
});
