import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The reward token, its whole supply minted to `treasury` (the deployer by default). */
export const RewardTokenModule = buildModule("FedLedgerToken", (m) => {
  const token = m.contract("RewardToken", [
    m.getParameter("tokenName", "FedLedger Reward"),
    m.getParameter("tokenSymbol", "FLR"),
    m.getParameter("treasury", m.getAccount(0)),
    m.getParameter("tokenSupply", 1_000_000_000n * 10n ** 18n),
  ]);
  return { token };
});

/**
 * Deploys the reward token and the ContributionLedger, and hands the registrar,
 * coordinator and release approver roles to the configured accounts (the deployer by
 * default; a release then needs one approval, the ledger's default threshold). The same
 * module serves tests, `hardhat node`, the demo, and any network in hardhat.config.ts:
 *
 *   npx hardhat ignition deploy contracts/ignition/modules/FedLedger.ts \
 *     --network remote --parameters params.json
 *
 * `genesisModelHash` (the SHA-256 of the initial model's canonical encoding) is required.
 * The deployer keeps the admin role; operatorDeploymentModule can pass it to another account.
 */
const FedLedgerModule = buildModule("FedLedger", (m) => {
  const deployer = m.getAccount(0);
  const { token } = m.useModule(RewardTokenModule);
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
  const approverRole = m.staticCall(ledger, "APPROVER_ROLE", [], 0, { id: "approverRole" });
  m.call(ledger, "grantRole", [approverRole, m.getParameter("approver", deployer)], { id: "grantApprover" });
  return { token, ledger };
});
export default FedLedgerModule;

/**
 * FedLedgerModule as an operator configures it, after every role grant of FedLedgerModule:
 * `moreApprovers` also get the approver role (FedLedgerModule's `approver` is the first),
 * `releaseThreshold` (parameter, default 1) approvals are required per release, and with
 * `handoff` the admin role then moves from the deployer to `admin` (parameter, required):
 * the deployer grants it and renounces its own, last.
 */
export function operatorDeploymentModule(options: { moreApprovers: readonly string[]; handoff: boolean }) {
  return buildModule("FedLedgerOperator", (m) => {
    const { token, ledger } = m.useModule(FedLedgerModule);
    const approverRole = m.staticCall(ledger, "APPROVER_ROLE", [], 0, { id: "approverRole" });
    const grants = options.moreApprovers.map((approver, i) => m.call(ledger, "grantRole", [approverRole, approver], { id: `grantApprover${i + 2}` }));
    const threshold = m.call(ledger, "setReleaseThreshold", [m.getParameter("releaseThreshold", 1)], { id: "setReleaseThreshold", after: grants });
    if (options.handoff) {
      const adminRole = m.staticCall(ledger, "DEFAULT_ADMIN_ROLE", [], 0, { id: "adminRole" });
      const grant = m.call(ledger, "grantRole", [adminRole, m.getParameter<string>("admin")], { id: "grantAdmin", after: [threshold] });
      m.call(ledger, "renounceRole", [adminRole, m.getAccount(0)], { id: "renounceDeployerAdmin", after: [grant] });
    }
    return { token, ledger };
  });
}
