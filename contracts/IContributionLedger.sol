// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IContributionLedger
 * @notice Public accounting for federated-learning rounds: who contributed which signed
 * update to which model version, and the token reward each contribution earned.
 */
interface IContributionLedger {
    /// @notice Registry status of a participant.
    enum ParticipantStatus {
        None,
        Active,
        Inactive
    }

    /**
     * @notice One accepted update in a round, as submitted by the coordinator.
     * @dev A static struct, so an array of them is ABI-encoded inline (no offsets).
     * `datasetCommitment` is the commitment the participant signed; it must be the one
     * registered for it. The signature is EIP-2098 compact (`r`, `vs`).
     */
    struct SignedUpdate {
        address participant;
        bytes32 updateHash;
        uint64 numSamples;
        uint64 score;
        bytes32 datasetCommitment;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice What the ledger keeps about a recorded round. `statementDigest` is the SHA-256
    /// of the round's in-toto statement (configuration, updates, refusals, validation,
    /// event-log head), kept off-chain by the coordinator.
    struct RoundRecord {
        bytes32 baseModelHash;
        bytes32 aggregateModelHash;
        bytes32 updatesDigest;
        bytes32 statementDigest;
        uint128 budget;
        uint32 participantCount;
        uint64 recordedAt;
        uint256 totalScore;
    }

    /// @notice A participant's registry entry and reward account. `attestationDigest` is the
    /// SHA-256 of the consent or licence document its dataset is contributed under (the
    /// document stays with the institution); zero when none was declared.
    struct ParticipantInfo {
        ParticipantStatus status;
        uint256 credited;
        uint256 claimed;
        bytes32 datasetCommitment;
        uint64 registeredAt;
        uint48 datasetSize;
        bytes32 attestationDigest;
    }

    /// @notice One approver's EIP-712 `ReleaseApproval` signature: a 65-byte ECDSA signature
    /// for an account, or an ERC-1271 signature for a contract (a multisig).
    struct ReleaseApproval {
        address approver;
        bytes signature;
    }

    /**
     * @notice A model release: round `round`'s aggregate model (`modelHash`), named `tag`,
     * with the digest of its evaluation report, approved by `approvers` (ascending).
     * `deprecated` is set by {deprecateRelease}; it never clears.
     */
    struct ReleaseRecord {
        uint256 round;
        bytes32 modelHash;
        bytes32 reportDigest;
        uint64 recordedAt;
        bool deprecated;
        string tag;
        address[] approvers;
    }

    /// @notice `participant` is already registered.
    error LedgerParticipantAlreadyRegistered(address participant);
    /// @notice `participant` has never been registered.
    error LedgerParticipantNotRegistered(address participant);
    /// @notice `participant` is registered but its status is not the one the call needs.
    error LedgerParticipantWrongStatus(address participant, ParticipantStatus status);
    /// @notice The address given is the zero address.
    error LedgerZeroAddress();
    /// @notice The signature of update `index` does not recover to its declared `participant`.
    error LedgerInvalidSignature(uint256 index, address participant);
    /// @notice Update `index` names `signer`, which is not an active participant.
    error LedgerSignerNotActive(uint256 index, address signer);
    /// @notice `participant` signs more than one update in the round (at `index`).
    error LedgerDuplicateParticipant(uint256 index, address participant);
    /// @notice Updates must be in strictly ascending participant order; `index` breaks it.
    error LedgerUpdatesNotSorted(uint256 index);
    /// @notice Update `index` carries a dataset commitment that is not `participant`'s registered one.
    error LedgerCommitmentMismatch(uint256 index, address participant);
    /// @notice `round` was already recorded.
    error LedgerRoundAlreadyRecorded(uint256 round);
    /// @notice Rounds are strictly sequential: `expected` is the only round that can be recorded.
    error LedgerRoundOutOfOrder(uint256 expected, uint256 provided);
    /// @notice The round's base model hash does not continue the lineage.
    error LedgerBaseHashMismatch(bytes32 expected, bytes32 provided);
    /// @notice A model hash must not be zero.
    error LedgerZeroModelHash();
    /// @notice A round must contain at least one update.
    error LedgerEmptyRound();
    /// @notice The scores of a round sum to zero, so no split is defined.
    error LedgerZeroTotalScore();
    /// @notice The round budget is not covered by funded, uncredited tokens.
    error LedgerBudgetNotFunded(uint256 budget, uint256 available);
    /// @notice `participant` has nothing to claim.
    error LedgerNothingToClaim(address participant);
    /// @notice A funding amount must be positive.
    error LedgerZeroAmount();
    /// @notice A registered dataset must hold at least one record.
    error LedgerZeroDatasetSize();
    /// @notice A participant may not raise its own registered dataset size (`registered`) to `requested`.
    error LedgerDatasetSizeIncrease(uint256 registered, uint256 requested);
    /// @notice Update `index` declares more samples than `participant`'s registered dataset holds.
    error LedgerSampleCountExceedsDataset(uint256 index, address participant, uint256 numSamples, uint256 datasetSize);
    /// @notice A round's statement digest must not be zero.
    error LedgerZeroStatementDigest();
    /// @notice `round` has not been recorded (round 0, the genesis model, is never released).
    error LedgerRoundNotRecorded(uint256 round);
    /// @notice The release threshold must be at least one approval.
    error LedgerZeroReleaseThreshold();
    /// @notice A release tag is 1 to `maxLength` bytes; this one is `length`.
    error LedgerInvalidReleaseTag(uint256 length, uint256 maxLength);
    /// @notice A release needs `threshold` approvals; `approvals` were given.
    error LedgerReleaseBelowThreshold(uint256 approvals, uint256 threshold);
    /// @notice Approvals must be in strictly ascending approver order; `index` breaks it.
    error LedgerApprovalsNotSorted(uint256 index);
    /// @notice `approver` approves more than once (at `index`).
    error LedgerDuplicateApprover(uint256 index, address approver);
    /// @notice Approval `index` is by `account`, which does not hold APPROVER_ROLE.
    error LedgerNotApprover(uint256 index, address account);
    /// @notice Approval `index` is not `approver`'s signature over the release.
    error LedgerInvalidApproval(uint256 index, address approver);
    /// @notice No release has id `releaseId`.
    error LedgerUnknownRelease(uint256 releaseId);
    /// @notice Release `releaseId` is deprecated.
    error LedgerReleaseIsDeprecated(uint256 releaseId);
    /// @notice A rollback goes to a release before the current one (`current`), not to `releaseId`.
    error LedgerReleaseNotEarlier(uint256 releaseId, uint256 current);

    /// @notice Emitted when `participant` joins the registry with `datasetCommitment`
    /// over `datasetSize` records, contributed under the attestation `attestationDigest`
    /// (zero: none declared).
    event ParticipantRegistered(
        address indexed participant, bytes32 datasetCommitment, uint256 datasetSize, bytes32 attestationDigest
    );
    /// @notice Emitted when `participant` is deactivated; it can no longer be credited.
    event ParticipantDeactivated(address indexed participant);
    /// @notice Emitted when `participant` is reactivated.
    event ParticipantReactivated(address indexed participant);
    /// @notice Emitted when `participant` replaces its dataset commitment (now over `datasetSize`
    /// records, under the attestation `attestationDigest`; zero: none declared).
    event DatasetCommitmentUpdated(
        address indexed participant, bytes32 previous, bytes32 current, uint256 datasetSize, bytes32 attestationDigest
    );
    /// @notice Emitted when the admin changes the per-round reward budget.
    event RoundBudgetUpdated(uint256 previous, uint256 current);
    /// @notice Emitted when `funder` deposits `amount` reward tokens.
    event RewardsFunded(address indexed funder, uint256 amount);
    /// @notice Emitted once per accepted update of a recorded round.
    /// Its reward is `floor(budget * score / totalScore)` from {RoundRecorded}, plus the
    /// round's remainder if `participant` is that event's `remainderRecipient`.
    event UpdateRecorded(
        uint256 indexed round, address indexed participant, bytes32 updateHash, uint256 numSamples, uint256 score
    );
    /// @notice Emitted once per recorded round, after its updates.
    event RoundRecorded(
        uint256 indexed round,
        bytes32 baseModelHash,
        bytes32 aggregateModelHash,
        bytes32 updatesDigest,
        bytes32 statementDigest,
        uint256 budget,
        uint256 participantCount,
        uint256 totalScore,
        address remainderRecipient,
        uint256 remainder
    );
    /// @notice Emitted when `participant` claims `amount` to `recipient`.
    event RewardClaimed(address indexed participant, address indexed recipient, uint256 amount);
    /// @notice Emitted when the admin changes the number of approvals a release needs.
    event ReleaseThresholdUpdated(uint256 previous, uint256 current);
    /// @notice Emitted when round `round`'s model (`modelHash`) is released as `tag`, approved by
    /// `approvers`; it becomes the current release.
    event ReleaseRecorded(
        uint256 indexed releaseId,
        uint256 indexed round,
        bytes32 modelHash,
        string tag,
        bytes32 reportDigest,
        address[] approvers
    );
    /// @notice Emitted when `approver` deprecates release `releaseId`, for `reason`.
    event ReleaseDeprecated(uint256 indexed releaseId, address indexed approver, string reason);
    /// @notice Emitted when `approver` rolls the current release back from `fromReleaseId` to
    /// the earlier `toReleaseId`, for `reason`.
    event ReleaseRolledBack(
        uint256 indexed fromReleaseId, uint256 indexed toReleaseId, address indexed approver, string reason
    );
}
