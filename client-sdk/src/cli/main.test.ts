// End to end: spawns the real CLI against a Hardhat JSON-RPC server (EDR behind HTTP).
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Address, formatUnits, getAddress, type Hex, keccak256, toHex, zeroHash } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { encryptKeystore } from "../identity/loadAccount.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { signUpdate, toCompactSignature } from "../protocol/signing.ts";
import { statementOf } from "../../../test/fixtures/ledger.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const GENESIS: Hex = keccak256(toHex("cli e2e genesis"));
const BUDGET = 1_000n * 10n ** 18n;
const keyOf = (i: number): Hex => keccak256(toHex(`cli e2e participant ${i}`));

type Run = { code: number; stdout: string; stderr: string };

/** Runs `fedledger ...args` with exactly `env` (plus PATH), never the test's own environment. */
function cli(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--conditions=source", MAIN, ...args],
      { cwd: REPO, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    );
  });
}

async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Token and ledger on an HTTP-served EDR chain, with two participants and two recorded rounds. */
async function deployOverHttp() {
  const server = await network.createServer(undefined, "127.0.0.1");
  const { address, port } = await server.listen();
  const rpcUrl = `http://${address}:${port}`;
  const connection = await network.create({ network: "localhost", override: { url: rpcUrl } });
  const { viem } = connection;
  const publicClient = await viem.getPublicClient();
  const [admin] = await viem.getWalletClients();
  if (!admin) throw new Error("no wallet client");
  const token = await viem.deployContract("RewardToken", ["FedLedger Reward", "FLR", admin.account.address, 10n ** 27n]);
  const ledger = await viem.deployContract("ContributionLedger", [token.address, GENESIS, BUDGET, admin.account.address]);
  const wait = async (hash: Hex) => void (await publicClient.waitForTransactionReceipt({ hash }));
  await wait(await ledger.write.grantRole([await ledger.read.REGISTRAR_ROLE(), admin.account.address]));
  await wait(await ledger.write.grantRole([await ledger.read.COORDINATOR_ROLE(), admin.account.address]));
  await wait(await token.write.approve([ledger.address, 10n ** 24n]));
  await wait(await ledger.write.fund([10n ** 24n]));

  const participants = [1, 2].map((i) => privateKeyToAccount(keyOf(i))).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const commitment = (a: Address): Hex => keccak256(toHex(`cli dataset ${a}`));
  for (const p of participants) await wait(await ledger.write.registerParticipant([p.address, commitment(p.address), 100, zeroHash]));
  const domain = { chainId: await publicClient.getChainId(), ledger: ledger.address };
  const recordRound = async (round: number, base: Hex, aggregate: Hex, entries: readonly [PrivateKeyAccount, bigint][]) => {
    const updates = await Promise.all(
      entries.map(async ([account, score], i) => {
        const message = { round: BigInt(round), baseModelHash: base, updateHash: keccak256(toHex(`u${round}.${i}`)), numSamples: 10n, datasetCommitment: commitment(account.address) };
        const signature = await signUpdate(account, domain, message);
        return { participant: account.address, updateHash: message.updateHash, numSamples: 10n, score, datasetCommitment: message.datasetCommitment, ...toCompactSignature(signature) };
      }),
    );
    await wait(await ledger.write.recordRound([BigInt(round), base, aggregate, statementOf(round), updates]));
  };

  const dir = await mkdtemp(join(tmpdir(), "fedledger-cli-"));
  const model1 = Uint8Array.from([1, 2, 3]);
  const model2 = Uint8Array.from([4, 5, 6, 7]);
  const [hash1, hash2] = [await contentHash(model1), await contentHash(model2)];
  await writeFile(join(dir, "model1.bin"), model1);
  await writeFile(join(dir, "model2.bin"), model2);
  await writeFile(join(dir, "unknown.bin"), Uint8Array.from([9]));
  const [pa, pb] = participants as [PrivateKeyAccount, PrivateKeyAccount];
  await recordRound(1, GENESIS, hash1, [[pa, 1n], [pb, 3n]]);
  await recordRound(2, hash1, hash2, [[pa, 1n]]);
  // Gas money for the claims.
  for (const p of participants) await wait(await admin.sendTransaction({ to: p.address, value: 10n ** 18n }));

  return { server, connection, rpcUrl, ledger, token, participants, dir, hashes: [hash1, hash2], pa, pb };
}

describe("fedledger CLI (spawned, JSON-RPC over HTTP)", () => {
  let chain: Awaited<ReturnType<typeof deployOverHttp>>;
  let base: Record<string, string>;

  beforeAll(async () => {
    chain = await deployOverHttp();
    base = { FEDLEDGER_RPC_URL: chain.rpcUrl, FEDLEDGER_LEDGER: chain.ledger.address };
  });
  afterAll(async () => {
    await chain?.connection.close();
    await chain?.server.close();
  });

  it("status --json reads the participant from --address, connection from the environment", async () => {
    const run = await cli(["status", "--address", chain.pa.address, "--json"], base);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const status = JSON.parse(run.stdout) as { status: string; roundsContributed: number; rounds: { round: string }[]; ledger: string };
    expect(status).toMatchObject({ status: "active", roundsContributed: 2, ledger: getAddress(chain.ledger.address) });
    expect(status.rounds.map((r) => r.round)).toEqual(["1", "2"]);
  });

  it("rewards prints the per-round table for the key's address, with flags for the connection", async () => {
    const run = await cli(["rewards", "--rpc-url", chain.rpcUrl, "--ledger", chain.ledger.address, "--max-block-range", "3"], {
      FEDLEDGER_PRIVATE_KEY: keyForAccount(chain.pb),
    });
    expect(run.code).toBe(0);
    const share = (BUDGET * 3n) / 4n;
    expect(run.stdout).toContain(`Participant  ${chain.pb.address}`);
    expect(run.stdout).toContain(`Credited     ${formatUnits(share, 18)} FLR`);
    expect(run.stdout).toMatch(new RegExp(`^\\s*1\\s+3\\s+4\\s+${formatUnits(share, 18).replace(".", "\\.")} FLR$`, "m"));
  });

  it("claim pays the account's rewards to --to, then refuses with nothing to claim", async () => {
    const recipient = privateKeyToAccount(keccak256(toHex("cli recipient"))).address;
    const env = { ...base, MY_KEY: keyForAccount(chain.pa) };
    const first = await cli(["claim", "--private-key-env", "MY_KEY", "--to", recipient, "--json"], env);
    expect(first).toMatchObject({ code: 0, stderr: "" });
    const result = JSON.parse(first.stdout) as { amount: string; recipient: string; participant: string };
    const expected = BUDGET / 4n + BUDGET;
    expect(result).toMatchObject({ amount: expected.toString(), recipient, participant: chain.pa.address });
    expect(await chain.token.read.balanceOf([recipient])).toBe(expected);

    const second = await cli(["claim", "--private-key-env", "MY_KEY"], env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`error [CHAIN_ERROR]: Nothing to claim for ${chain.pa.address}`);
    expect(second.stdout).toBe("");
  });

  it("verify-model shows the lineage of a recorded model, and exits 1 when a file is not on-chain", async () => {
    const run = await cli(["verify-model", join(chain.dir, "model2.bin"), "--json"], base);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { modelHash: string; lineage: { kind: string; steps: { round: string; aggregateModelHash: string; participants: string[] }[] } };
    expect(result.modelHash).toBe(chain.hashes[1]);
    expect(result.lineage.kind).toBe("recorded");
    expect(result.lineage.steps.map((s) => [s.round, s.aggregateModelHash, s.participants.length])).toEqual([
      ["2", chain.hashes[1], 1],
      ["1", chain.hashes[0], 2],
    ]);
    const unknown = await cli(["verify-model", join(chain.dir, "unknown.bin")], base);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain("Not recorded on-chain");
    expect(unknown.stderr).toMatch(/^error \[MODEL_NOT_RECORDED\]: /);
  });

  it("fingerprint prints the commitment and dataset size to register, as text and --json", async () => {
    const run = await cli(["fingerprint", "mnist:50"]);
    expect(run.code).toBe(0);
    const commitment = /^Commitment {4}(0x[0-9a-f]{64})$/m.exec(run.stdout)?.[1];
    expect(commitment).toBeDefined();
    expect(run.stdout).toMatch(/^Dataset size {2}50$/m);
    const json = await cli(["fingerprint", "mnist:50", "--json"]);
    expect(json).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(json.stdout)).toMatchObject({ commitment, datasetSize: 50, records: 50 });
  });

  it("reports every expected failure as `error [CODE]: message` without a stack trace", async () => {
    const dir = chain.dir;
    const keystore = join(dir, "key.json");
    await writeFile(keystore, await encryptKeystore(keyForAccount(chain.pb), "right", { scryptN: 1024 }));
    const port = await closedPort();
    const cases: [string[], Record<string, string>, string][] = [
      [["status", "--address", chain.pa.address], { FEDLEDGER_RPC_URL: chain.rpcUrl }, "error [INVALID_CONFIG]: No ledger address: pass --ledger or set FEDLEDGER_LEDGER"],
      [["status", "--address", chain.pa.address, "--ledger", chain.ledger.address], {}, "error [INVALID_CONFIG]: No RPC URL: pass --rpc-url or set FEDLEDGER_RPC_URL"],
      [["status", "--address", "0x1234"], base, "error [INVALID_CONFIG]: --address is not a valid address"],
      [["rewards", "--ledger", "0xnotanaddress"], base, "error [INVALID_CONFIG]: The ledger address is not a valid address"],
      [["claim", "--to", "0x12"], { ...base, FEDLEDGER_PRIVATE_KEY: keyForAccount(chain.pb) }, "error [INVALID_CONFIG]: --to is not a valid address"],
      [["status"], base, "error [INVALID_CONFIG]: No participant address"],
      [["status", "--address", chain.pa.address, "--rpc-url", `http://127.0.0.1:${port}`], base, "error [CHAIN_ERROR]: Cannot read the latest block number: the RPC endpoint cannot be reached"],
      [["claim", "--keystore", keystore], { ...base, FEDLEDGER_KEYSTORE_PASSPHRASE: "wrong" }, "error [KEY_ERROR]: Wrong keystore passphrase"],
      [["claim"], base, "error [KEY_ERROR]: No signing key"],
      [["claim"], { ...base, FEDLEDGER_PRIVATE_KEY: "0xdeadbeef" }, "error [KEY_ERROR]: A private key must be 32 bytes of 0x-prefixed hex"],
      [["fingerprint", "parquet:data.pq"], {}, 'error [INVALID_CONFIG]: Unknown dataset spec "parquet:data.pq"'],
      [["fingerprint", `csv:${join(dir, "none.csv")}`, "--label-column", "y"], {}, "error [INVALID_DATASET]: cannot read data file"],
      [["verify-model", join(dir, "missing.bin")], base, "error [INVALID_CONFIG]: Cannot read the model file"],
      [["join", "--dataset", "mnist:10"], base, "error [INVALID_CONFIG]: required option '--coordinator <url>' not specified"],
      [["join", "--coordinator", "http://127.0.0.1:1", "--dataset", "nope"], base, 'error [INVALID_CONFIG]: Unknown dataset spec "nope"'],
      [["join", "--coordinator", "http://127.0.0.1:1", "--dataset", "mnist:10", "--backend", "webgpu"], base, 'error [INVALID_CONFIG]: Unknown backend "webgpu"'],
      [["frobnicate"], {}, "error [INVALID_CONFIG]: unknown command 'frobnicate'"],
      [["model", "export", "--out", dir], base, "error [INVALID_CONFIG]: Give the model's source"],
      [["model", "export", "--out", dir, "--local", dir, "--spec", "s.json"], base, "error [INVALID_CONFIG]: --spec applies to --store only"],
      [["model", "export", "--out", dir, "--store", dir, "--round", "last"], base, "error [INVALID_CONFIG]: --round must be a whole number"],
      [["model", "export", "--out", dir, "--local", dir], base, "error [INVALID_CONFIG]: Cannot read the local model copy"],
      [["model", "export", "--out", dir, "--bundle", keystore], base, "error [DECODE_ERROR]: Not an audit bundle"],
      [["audit"], base, "error [INVALID_CONFIG]: Give what to audit: --store DIR"],
      [["audit", "--bundle", join(dir, "none.bundle")], base, "error [INVALID_CONFIG]: Cannot read the audit bundle"],
      [["predict", "--model", dir, "--data", "nope"], {}, 'error [INVALID_CONFIG]: Unknown dataset spec "nope"'],
      [["predict", "--model", join(dir, "none"), "--data", "mnist:5"], {}, "error [INVALID_CONFIG]: Cannot read the model file"],
    ];
    const runs = await Promise.all(cases.map(([args, env]) => cli(args, env)));
    runs.forEach((run, i) => {
      const [args, , message] = cases[i]!;
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr.startsWith(message), `${args.join(" ")}: ${run.stderr}`).toBe(true);
      expect(run.stderr, args.join(" ")).not.toMatch(/^\s+at /m);
      expect(run.stdout, args.join(" ")).toBe("");
    });
    // No key material in any error output.
    const all = runs.map((r) => r.stderr).join("\n");
    for (const i of [1, 2]) expect(all).not.toContain(keyOf(i).slice(2));
  }, 180_000);
});

function keyForAccount(account: PrivateKeyAccount): Hex {
  for (const i of [1, 2]) if (privateKeyToAccount(keyOf(i)).address === account.address) return keyOf(i);
  throw new Error("unknown account");
}
