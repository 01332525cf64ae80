// Regenerates the golden vectors after a deliberate protocol change:
//   node --conditions=source test/tools/make-vectors.ts
// Writes client-sdk/src/protocol/vectors/golden.json and the Solidity copy the
// contract tests replay (contracts/test/GoldenVectors.sol).
import { writeFileSync } from "node:fs";
import { computeGolden } from "../../client-sdk/src/protocol/vectors/computeGolden.ts";
import { GOLDEN_DOMAIN, GOLDEN_MESSAGE_FIELDS } from "../../client-sdk/src/protocol/vectors/goldenInputs.ts";
import { solidityVectors } from "./solidityVectors.ts";

const vectors = await computeGolden();
writeFileSync("client-sdk/src/protocol/vectors/golden.json", `${JSON.stringify(vectors, null, 2)}\n`);
writeFileSync("contracts/test/GoldenVectors.sol", solidityVectors(vectors, GOLDEN_DOMAIN, GOLDEN_MESSAGE_FIELDS));
console.log("wrote golden.json and GoldenVectors.sol");
