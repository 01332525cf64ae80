import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "@fedledger/client-sdk";

// An institution installs the SDK alone: the packed tarball must install from the
// registry, load, run its CLI, and pull in neither Hardhat nor coordinator code.
describe("the packed client SDK", () => {
  it("installs on its own, loads, and its production tree has no Hardhat or coordinator", () => {
    const work = mkdtempSync(join(tmpdir(), "fedledger-sdk-pack-"));
    execFileSync("npm", ["pack", "-w", "@fedledger/client-sdk", "--pack-destination", work, "--silent"], { stdio: "pipe" });
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    expect(tarball).toBeDefined();
    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "institution-app", private: true, type: "module" }));
    // --omit=optional: tfjs-node's install script downloads libtensorflow, which is
    // unreachable here; the SDK falls back to the wasm backend without it.
    execFileSync("npm", ["install", "--omit=optional", "--no-audit", "--no-fund", join(work, tarball!)], { cwd: app, stdio: "pipe" });
    const tree = execFileSync("npm", ["ls", "--all", "--omit=dev", "--parseable"], { cwd: app, encoding: "utf8" });
    expect(tree).toContain("@fedledger/client-sdk");
    expect(tree).not.toMatch(/node_modules\/hardhat\b/);
    expect(tree).not.toMatch(/@nomicfoundation/);
    expect(tree).not.toContain("@fedledger/coordinator");
    const loaded = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", "const m = await import('@fedledger/client-sdk'); console.log(typeof m.encodeWeights, typeof m.signUpdate, typeof m.createParticipant, m.PROTOCOL_VERSION)"],
      { cwd: app, encoding: "utf8" },
    );
    expect(loaded.trim()).toBe(`function function function ${PROTOCOL_VERSION}`);
    const version = execFileSync(process.execPath, [join(app, "node_modules", "@fedledger", "client-sdk", "dist", "cli", "main.js"), "--version"], { cwd: app, encoding: "utf8" });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // The dashboard's page ships in the package and finds uPlot in the installed tree.
    const assets = join(app, "node_modules", "@fedledger", "client-sdk", "dist", "dashboard", "dashboardAssets.js");
    const served = execFileSync(process.execPath, ["--input-type=module", "-e", "const m = await import(process.argv[1]); console.log([...(await m.loadDashboardAssets()).keys()].join())", assets], { cwd: app, encoding: "utf8" });
    expect(served.trim()).toBe(",dashboard.js,dashboard.css,uplot.js,uplot.css");
  }, 240_000);
});
