import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys the reward token and the ContributionLedger, and hands the registrar and
 * coordinator roles to the configured accounts (the deployer by default). The same
 * module serves tests, `hardhat node`, the demo, and any network in hardhat.config.ts:
 *
 *   npx hardhat ignition deploy contracts/ignition/modules/FedLedger.ts \
 *     --network remote --parameters params.json
 *
 * `genesisModelHash` (the SHA-256 of the initial model's canonical encoding) is required.
 */
export default buildModule("FedLedger", (m) => {
  const deployer = m.getAccount(0);
  const token = m.contract("RewardToken", [
    m.getParameter("tokenName", "FedLedger Reward"),
    m.getParameter("tokenSymbol", "FLR"),
    m.getParameter("treasury", deployer),
    m.getParameter("tokenSupply", 1_000_000_000n * 10n ** 18n),
  ]);
  const ledger = m.contract("ContributionLedger", [
    token,
    m.getParameter<string>("genesisModelHash"),
    m.getParameter("roundBudget", 1_000n * 10n ** 18n),
    deployer,
  ]);
  const registrarRole = m.staticCall(ledger, "REGISTRAR_ROLE", [], 0, { id: "registrarRole" });
  const coordinatorRole = m.staticCall(ledger, "COORDINATOR_ROLE", [], 0, { id: "coordinatorRole" });
  m.call(ledger, "grantRole", [registrarRole, m.getParameter("registrar", deployer)], { id: "grantRegistrar" });
  m.call(ledger, "grantRole", [coordinatorRole, m.getParameter("coordinator", deployer)], { id: "grantCoordinator" });
  return { token, ledger };
});
