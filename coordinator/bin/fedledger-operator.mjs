#!/usr/bin/env node
// `fedledger-operator`: the coordinator runs from its TypeScript sources (it has no build),
// started by the SDK's launcher; both live in this repository.
import { URL } from "node:url";
import { launch } from "../../client-sdk/bin/launch.mjs";

await launch(new URL("../src/cli/main.ts", import.meta.url));
