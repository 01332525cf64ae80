import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { canonicalJson } from "./canonicalJson.ts";
import { decodeEnvelope, encodeEnvelope, preAuthEncoding, signStatementEnvelope, verifyStatementEnvelope } from "./dsseEnvelope.ts";
import { createRoundStatement, decodeRoundStatement, encodeRoundStatement, type RoundStatementParameters, roundStatementDigest } from "./roundStatement.ts";

const coordinator = privateKeyToAccount(keccak256(toHex("fedledger statement test coordinator")));
const stranger = privateKeyToAccount(keccak256(toHex("fedledger statement test stranger")));
const h = (label: string) => keccak256(toHex(label));

const parameters: RoundStatementParameters = {
  chainId: 31337,
  ledger: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
  round: 2,
  baseModelHash: h("base"),
  aggregateModelHash: h("aggregate"),
  updates: [
    { participant: "0x1000000000000000000000000000000000000001", updateHash: h("u1"), numSamples: 80, score: 600_000n, signature: `0x${"11".repeat(65)}`, datasetCommitment: h("d1") },
    { participant: "0x2000000000000000000000000000000000000002", updateHash: h("u2"), numSamples: 90, score: 400_000n, signature: `0x${"22".repeat(65)}`, datasetCommitment: h("d2") },
  ],
  refusedUpdates: [{ participant: "0x3000000000000000000000000000000000000003", updateHash: h("u3"), numSamples: 50, reason: "COPIED_UPDATE" }],
  refusedSubmissions: [
    { participant: "0x3000000000000000000000000000000000000003", reason: "NORM_EXCEEDED", count: 1 },
    { participant: "0x1000000000000000000000000000000000000001", reason: "LATE_SUBMISSION", count: 2 },
  ],
  strategy: { name: "fedavg", clip: { multiple: 3 } },
  scorer: { name: "shapley", permutations: 20 },
  safety: { outlierNormMultiple: 10, maxLossIncrease: 1, maxUpdateNorm: undefined },
  training: { epochs: 2, batchSize: 16, learningRate: 0.1, seed: 2 },
  model: { spec: { kind: "mlp", inputShape: [4], layers: [{ units: 3, activation: "softmax" }] }, dtype: "f32" },
  validationData: { numSamples: 150, fingerprint: h("fingerprint"), recordsDigest: h("records") },
  metrics: { loss: 0.8125, accuracy: 0.66 },
  coordinator: coordinator.address,
  software: { name: "@fedledger/coordinator", version: "0.1.0" },
  eventLogHead: { seq: 17, hash: h("head") },
};

const failure = async (run: () => unknown) => {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("round statement", () => {
  it("is an in-toto Statement v1 about the aggregate, whose digest is pinned (a format change must be deliberate)", () => {
    const statement = createRoundStatement(parameters);
    expect(statement).toMatchObject({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "round-2-aggregate-model", digest: { sha256: h("aggregate").slice(2) } }],
      predicateType: "https://fedledger.dev/attestations/round/v1",
      predicate: { round: 2, baseModel: { sha256: h("base").slice(2) }, eventLog: { seq: 17, sha256: h("head").slice(2) } },
    });
    // Refusals sorted by participant then reason; no undefined fields.
    expect(statement.predicate.refused.submissions.map((s) => s.reason)).toEqual(["LATE_SUBMISSION", "NORM_EXCEEDED"]);
    expect(statement.predicate.safety).toEqual({ outlierNormMultiple: 10, maxLossIncrease: 1 });
    const bytes = encodeRoundStatement(statement);
    expect(new TextDecoder().decode(bytes)).toBe(canonicalJson(statement));
    expect(roundStatementDigest(statement)).toBe(roundStatementDigest(bytes));
    expect(roundStatementDigest(statement)).toBe("0x986270c16dfbcd671ad145c348f4ebfbf5cb68e3fbd46e2027c4ba7ff272df51");
    expect(decodeRoundStatement(bytes)).toEqual(statement);
  });

  it("the same round gives the same bytes, whatever order refusals came in", () => {
    const reordered = { ...parameters, refusedSubmissions: [...parameters.refusedSubmissions].reverse() };
    expect(roundStatementDigest(createRoundStatement(reordered))).toBe(roundStatementDigest(createRoundStatement(parameters)));
  });

  it("decoding refuses non-canonical bytes and other JSON (DECODE_ERROR)", async () => {
    const statement = createRoundStatement(parameters);
    const pretty = new TextEncoder().encode(JSON.stringify(statement, null, 2));
    expect(isFedLedgerError(await failure(() => decodeRoundStatement(pretty)), "DECODE_ERROR")).toBe(true);
    const other = new TextEncoder().encode(canonicalJson({ ...statement, predicateType: "https://example.com/other" }));
    expect(isFedLedgerError(await failure(() => decodeRoundStatement(other)), "DECODE_ERROR")).toBe(true);
  });
});

describe("DSSE envelope", () => {
  it("PAE is DSSEv1 with byte lengths", () => {
    expect(new TextDecoder().decode(preAuthEncoding("application/vnd.in-toto+json", new TextEncoder().encode("hé")))).toBe("DSSEv1 28 application/vnd.in-toto+json 3 hé");
  });

  it("signed by the coordinator's key, verifies to its address and the statement's digest; survives storage", async () => {
    const statement = createRoundStatement(parameters);
    const envelope = await signStatementEnvelope(encodeRoundStatement(statement), coordinator);
    expect(envelope).toMatchObject({ payloadType: "application/vnd.in-toto+json", signatures: [{ keyid: coordinator.address }] });
    expect(Buffer.from(envelope.signatures[0]!.sig, "base64")).toHaveLength(65);
    const verified = await verifyStatementEnvelope(decodeEnvelope(encodeEnvelope(envelope)), coordinator.address);
    expect(verified).toEqual({ signer: coordinator.address, statement, statementDigest: roundStatementDigest(statement) });
    // A JSON-RPC account signs the hash as an EIP-191 personal message: accepted from the same key.
    const personal = await signStatementEnvelope(encodeRoundStatement(statement), { address: coordinator.address, sign: ({ hash }) => coordinator.signMessage({ message: { raw: hash } }) });
    expect(personal.signatures[0]?.sig).not.toBe(envelope.signatures[0]?.sig);
    expect(await verifyStatementEnvelope(personal, coordinator.address)).toEqual(verified);
  });

  it("refuses a changed payload and another key (INVALID_SIGNATURE)", async () => {
    const bytes = encodeRoundStatement(createRoundStatement(parameters));
    const envelope = await signStatementEnvelope(bytes, coordinator);
    const tampered = new TextDecoder().decode(bytes).replace('"numSamples":80', '"numSamples":81');
    const changed = { ...envelope, payload: Buffer.from(tampered).toString("base64") };
    const changedError = await failure(() => verifyStatementEnvelope(changed));
    expect(isFedLedgerError(changedError, "INVALID_SIGNATURE") && changedError.shortMessage).toContain("not by the key it names");

    // Signed by a stranger who names the coordinator as its key.
    const forged = await signStatementEnvelope(bytes, { address: coordinator.address, sign: (p) => stranger.sign(p) });
    expect(isFedLedgerError(await failure(() => verifyStatementEnvelope(forged)), "INVALID_SIGNATURE")).toBe(true);
    // Signed honestly by another key: valid, but not the expected signer.
    const other = await signStatementEnvelope(bytes, stranger);
    expect((await verifyStatementEnvelope(other)).signer).toBe(stranger.address);
    expect(isFedLedgerError(await failure(() => verifyStatementEnvelope(other, coordinator.address)), "INVALID_SIGNATURE")).toBe(true);
  });
});
