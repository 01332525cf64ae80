import { createRequire } from "node:module";
import hardhatToolboxViemPlugin from "@nomicfoundation/hardhat-toolbox-viem";
import { configVariable, defineConfig } from "hardhat/config";

// Hardhat cannot download solc on air-gapped machines; solc-js ships the compiler in
// the npm package. The path must be absolute (a relative one fails to load).
const solcPath = createRequire(import.meta.url).resolve("solc/soljson.js");

export default defineConfig({
  plugins: [hardhatToolboxViemPlugin],
  solidity: {
    profiles: {
      default: {
        version: "0.8.30",
        path: solcPath,
        settings: { optimizer: { enabled: true, runs: 10_000 }, viaIR: true, evmVersion: "prague" },
      },
    },
  },
  paths: { tests: { solidity: "contracts/test" }, ignition: "contracts/ignition" },
  test: { solidity: { fuzz: { runs: 256 } } },
  networks: {
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
    remote: {
      type: "http",
      chainType: "l1",
      url: configVariable("FEDLEDGER_RPC_URL"),
      accounts: [configVariable("FEDLEDGER_DEPLOYER_KEY")],
    },
  },
});
