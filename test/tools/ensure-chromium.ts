// Makes sure Debian's chromium is at /usr/bin/chromium before the test suites run: the
// dashboard's browser test drives it with playwright-core. A fresh CI machine lacks it; as
// root with apt-get it is installed here (apt-get update first when the package lists do not
// have it). Otherwise this says why, and the browser test fails with the same message.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const CHROMIUM_MISSING = `Chromium is not installed at ${CHROMIUM_PATH}: the dashboard's browser test needs it. As root, \`npm test\` installs it (test/tools/ensure-chromium.ts); else run \`sudo apt-get install -y --no-install-recommends chromium\`.`;

function log(line: string): void {
  console.log(`ensure-chromium: ${line}`);
}

function apt(args: readonly string[]): boolean {
  log(`apt-get ${args.join(" ")}`);
  const result = spawnSync("apt-get", args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
}

/** True when chromium is (now) at CHROMIUM_PATH. Never throws. */
export function ensureChromium(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const root = process.getuid?.() === 0;
  const hasApt = existsSync("/usr/bin/apt-get");
  if (!root || !hasApt) {
    log(`${CHROMIUM_PATH} is missing and cannot be installed here (${!root ? "not root" : "no apt-get"}).`);
    log(CHROMIUM_MISSING);
    return false;
  }
  log(`${CHROMIUM_PATH} is missing: installing Debian's chromium (a few minutes on a fresh machine).`);
  // fonts-liberation is only recommended by chromium; without a font the page renders no glyphs.
  const install = ["install", "-y", "--no-install-recommends", "chromium", "fonts-liberation"];
  const started = Date.now();
  if (!apt(install)) {
    // A fresh machine may have no package lists yet.
    if (!apt(["update"]) || !apt(install)) log("apt-get failed.");
  }
  const installed = existsSync(CHROMIUM_PATH);
  log(installed ? `installed in ${((Date.now() - started) / 1000).toFixed(0)} s.` : CHROMIUM_MISSING);
  return installed;
}
