import { type Address, type Hex, hashTypedData, keccak256, toHex, type TypedDataDomain } from "viem";

/** EIP-712 domain name and version of the ContributionLedger contract. */
export const LEDGER_EIP712_NAME = "FedLedger ContributionLedger";
export const LEDGER_EIP712_VERSION = "1";

/** The EIP-712 types of the message a participant signs for each update. */
export const UPDATE_TYPES = {
  Update: [
    { name: "round", type: "uint256" },
    { name: "baseModelHash", type: "bytes32" },
    { name: "updateHash", type: "bytes32" },
    { name: "numSamples", type: "uint64" },
    { name: "datasetCommitment", type: "bytes32" },
  ],
} as const;

export const UPDATE_PRIMARY_TYPE = "Update";

/** keccak256 of the encoded `Update` type; equals the contract's `UPDATE_TYPEHASH()`. */
export const UPDATE_TYPEHASH: Hex = keccak256(
  toHex(`Update(${UPDATE_TYPES.Update.map((f) => `${f.type} ${f.name}`).join(",")})`),
);

/** The message a participant signs: binds round, base model, update and dataset. */
export type UpdateMessage = {
  round: bigint;
  baseModelHash: Hex;
  updateHash: Hex;
  numSamples: bigint;
  datasetCommitment: Hex;
};

export type LedgerDomainParameters = { chainId: number; ledger: Address };

/** The ledger's EIP-712 domain on one chain: a signature is valid for that ledger only. */
export function ledgerDomain({ chainId, ledger }: LedgerDomainParameters): TypedDataDomain {
  return { name: LEDGER_EIP712_NAME, version: LEDGER_EIP712_VERSION, chainId, verifyingContract: ledger };
}

/** Full typed-data definition for viem's `signTypedData` / `verifyTypedData`. */
export function updateTypedData(domain: LedgerDomainParameters, message: UpdateMessage) {
  return {
    domain: ledgerDomain(domain),
    types: UPDATE_TYPES,
    primaryType: UPDATE_PRIMARY_TYPE,
    message,
  } as const;
}

/** The EIP-712 digest the contract recovers signers from. */
export function updateDigest(domain: LedgerDomainParameters, message: UpdateMessage): Hex {
  return hashTypedData(updateTypedData(domain, message));
}

/**
 * The EIP-712 types of the login a participant signs to open a session, in the same
 * ledger domain as `Update`. Its primary type differs, so a login can never pass for an
 * update (nor the reverse). It binds the coordinator's origin as the participant dialled
 * it, so a relayed challenge fails at one end or the other.
 */
export const LOGIN_TYPES = {
  Login: [
    { name: "participant", type: "address" },
    { name: "coordinator", type: "string" },
    { name: "nonce", type: "bytes32" },
    { name: "expiresAt", type: "uint64" },
    { name: "clientId", type: "bytes32" },
  ],
} as const;

export const LOGIN_PRIMARY_TYPE = "Login";

/** What a participant signs to log in; `expiresAt` is in unix milliseconds. */
export type LoginMessage = {
  participant: Address;
  /** The coordinator's origin (`coordinatorOrigin`), e.g. `https://coordinator.example:8443`. */
  coordinator: string;
  nonce: Hex;
  expiresAt: bigint;
  /** Random per client instance; a reconnect with the same id replaces the old session. */
  clientId: Hex;
};

/** Full typed-data definition of a login for viem's `signTypedData` / `recoverTypedDataAddress`. */
export function loginTypedData(domain: LedgerDomainParameters, message: LoginMessage) {
  return {
    domain: ledgerDomain(domain),
    types: LOGIN_TYPES,
    primaryType: LOGIN_PRIMARY_TYPE,
    message,
  } as const;
}

/**
 * The EIP-712 types of the approval an approver signs for a model release, in the same
 * ledger domain: round `round`'s aggregate model (`modelHash`), released as `tag`, with the
 * SHA-256 of its evaluation report. The ledger releases a model once `releaseThreshold`
 * approvers have signed the same message.
 */
export const RELEASE_APPROVAL_TYPES = {
  ReleaseApproval: [
    { name: "round", type: "uint256" },
    { name: "modelHash", type: "bytes32" },
    { name: "tag", type: "string" },
    { name: "reportDigest", type: "bytes32" },
  ],
} as const;

export const RELEASE_APPROVAL_PRIMARY_TYPE = "ReleaseApproval";

/** keccak256 of the encoded `ReleaseApproval` type; equals the contract's `RELEASE_APPROVAL_TYPEHASH()`. */
export const RELEASE_APPROVAL_TYPEHASH: Hex = keccak256(
  toHex(`ReleaseApproval(${RELEASE_APPROVAL_TYPES.ReleaseApproval.map((f) => `${f.type} ${f.name}`).join(",")})`),
);

/** The longest release tag the ledger takes, in UTF-8 bytes (the contract's `MAX_RELEASE_TAG_LENGTH`). */
export const MAX_RELEASE_TAG_BYTES = 64;

/** What an approver signs to approve a release. */
export type ReleaseApprovalMessage = {
  round: bigint;
  /** The round's recorded aggregate model hash. */
  modelHash: Hex;
  tag: string;
  /** SHA-256 of the evaluation report. */
  reportDigest: Hex;
};

/** Full typed-data definition of a release approval for viem's `signTypedData` / `verifyTypedData`. */
export function releaseApprovalTypedData(domain: LedgerDomainParameters, message: ReleaseApprovalMessage) {
  return {
    domain: ledgerDomain(domain),
    types: RELEASE_APPROVAL_TYPES,
    primaryType: RELEASE_APPROVAL_PRIMARY_TYPE,
    message,
  } as const;
}

/** The EIP-712 digest the ledger checks each approval against. */
export function releaseApprovalDigest(domain: LedgerDomainParameters, message: ReleaseApprovalMessage): Hex {
  return hashTypedData(releaseApprovalTypedData(domain, message));
}
