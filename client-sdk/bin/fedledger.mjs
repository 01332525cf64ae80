#!/usr/bin/env node
// `fedledger`: in a checkout it runs the TypeScript sources (launch.mjs); an installed
// package ships only the build, and runs that.
import { existsSync } from "node:fs";
import { URL } from "node:url";
import { launch } from "./launch.mjs";

const source = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(source)) await launch(source);
else await import("../dist/cli/main.js");
