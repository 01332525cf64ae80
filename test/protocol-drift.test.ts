import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import {
  LEDGER_EIP712_NAME,
  LEDGER_EIP712_VERSION,
  MAX_RELEASE_TAG_BYTES,
  RELEASE_APPROVAL_TYPEHASH,
  releaseApprovalDigest,
  UPDATE_TYPEHASH,
  updateDigest,
} from "../client-sdk/src/protocol/eip712.ts";
import { contributionLedgerAbi } from "../client-sdk/src/protocol/ledgerAbi.ts";
import { deployLedger } from "./fixtures/ledger.ts";
import golden from "../client-sdk/src/protocol/vectors/golden.json" with { type: "json" };
import { GOLDEN_DOMAIN, GOLDEN_MESSAGE_FIELDS, type GoldenVectors } from "../client-sdk/src/protocol/vectors/goldenInputs.ts";
import { solidityVectors } from "./tools/solidityVectors.ts";

describe("the protocol module agrees with the deployed contract", () => {
  it("EIP-712 domain, type hash and digest", async () => {
    const f = await deployLedger({ fund: 0n });
    const [, name, version, chainId, verifyingContract] = await f.ledger.read.eip712Domain();
    expect({ name, version, chainId: Number(chainId), verifyingContract }).toEqual({
      name: LEDGER_EIP712_NAME,
      version: LEDGER_EIP712_VERSION,
      chainId: f.chainId,
      verifyingContract: f.ledger.address,
    });
    expect(await f.ledger.read.UPDATE_TYPEHASH()).toBe(UPDATE_TYPEHASH);
    const message = {
      round: 7n,
      baseModelHash: keccak256(toHex("base")),
      updateHash: keccak256(toHex("update")),
      numSamples: 1234n,
      datasetCommitment: keccak256(toHex("data")),
    };
    const onChain = await f.ledger.read.updateDigest([
      message.round,
      message.baseModelHash,
      message.updateHash,
      message.numSamples,
      message.datasetCommitment,
    ]);
    expect(onChain).toBe(updateDigest(f.domain, message));

    expect(await f.ledger.read.RELEASE_APPROVAL_TYPEHASH()).toBe(RELEASE_APPROVAL_TYPEHASH);
    expect(await f.ledger.read.MAX_RELEASE_TAG_LENGTH()).toBe(BigInt(MAX_RELEASE_TAG_BYTES));
    const release = { round: 3n, modelHash: keccak256(toHex("model")), tag: "v1.0 ✓", reportDigest: keccak256(toHex("report")) };
    const releaseOnChain = await f.ledger.read.releaseApprovalDigest([release.round, release.modelHash, release.tag, release.reportDigest]);
    expect(releaseOnChain).toBe(releaseApprovalDigest(f.domain, release));
  });

  it("the SDK's generated ABI equals the compiled artifact", () => {
    const artifact = JSON.parse(
      readFileSync("artifacts/contracts/ContributionLedger.sol/ContributionLedger.json", "utf8"),
    ) as { abi: unknown };
    expect(contributionLedgerAbi).toEqual(artifact.abi);
  });

  it("the Solidity copy of the golden vectors is the committed golden.json", () => {
    expect(readFileSync("contracts/test/GoldenVectors.sol", "utf8")).toBe(
      solidityVectors(golden as GoldenVectors, GOLDEN_DOMAIN, GOLDEN_MESSAGE_FIELDS),
    );
  });
});
