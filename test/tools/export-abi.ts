// Writes the ContributionLedger ABI from Hardhat's artifact into the client SDK, which
// must not depend on Hardhat. The file is committed so the SDK package stands alone;
// test/protocol-drift.test.ts fails if it ever differs from the compiled contract.
import { readFileSync, writeFileSync } from "node:fs";

const artifact = JSON.parse(
  readFileSync("artifacts/contracts/ContributionLedger.sol/ContributionLedger.json", "utf8"),
) as { abi: unknown[] };
const out = "client-sdk/src/protocol/ledgerAbi.ts";
const body = `// Generated from the ContributionLedger artifact by test/tools/export-abi.ts. Do not edit.
export const contributionLedgerAbi = ${JSON.stringify(artifact.abi, null, 2)} as const;
`;
let previous = "";
try {
  previous = readFileSync(out, "utf8");
} catch {
  // first run
}
if (previous !== body) {
  writeFileSync(out, body);
  console.log(`export-abi: wrote ${out}`);
}
