// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IContributionLedger} from "./IContributionLedger.sol";

/**
 * @title ContributionLedger
 * @notice Records federated-learning rounds and pays each contributor in proportion to
 * its validated contribution.
 *
 * Every accepted update carries its participant's EIP-712 signature over
 * `Update(round, baseModelHash, updateHash, numSamples, datasetCommitment)` under this
 * contract's domain (name, version, chain id, address). The contract recovers every
 * signer itself, so the coordinator cannot credit anyone who did not sign, and a
 * signature is valid for exactly one round of one ledger on one chain.
 *
 * Lineage: round `r`'s base model hash must equal round `r-1`'s aggregate model hash
 * (the genesis hash for round 1), so model versions form a hash chain.
 *
 * Rewards: round `r` credits exactly its budget `B`. Update `i` with score `s_i` gets
 * `floor(B * s_i / S)` where `S = sum(s_j)`. The rounding remainder
 * `B - sum(floor(B * s_i / S))` (less than the number of updates, in the token's
 * smallest unit) goes to the participant of the update with the highest score, the
 * earliest one in submission order on ties; {RoundRecorded} reports it. Rewards are
 * pulled with {claim}. A round is refused unless funded, uncredited tokens cover its
 * budget, so credited never exceeds funded.
 *
 * Provenance: each round carries the SHA-256 of its signed round statement, and each
 * participant the SHA-256 of the consent or licence attestation its dataset is
 * contributed under. Model releases ({recordRelease}) need EIP-712 `ReleaseApproval`
 * signatures from at least `releaseThreshold` distinct holders of APPROVER_ROLE;
 * deprecations and rollbacks are recorded as events.
 */
contract ContributionLedger is IContributionLedger, AccessControl, Pausable, EIP712 {
    using SafeERC20 for IERC20;

    /// @notice Role that registers, deactivates and reactivates participants.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice Role that records rounds.
    bytes32 public constant COORDINATOR_ROLE = keccak256("COORDINATOR_ROLE");
    /// @notice EIP-712 type hash of the message each participant signs for its update.
    bytes32 public constant UPDATE_TYPEHASH = keccak256(
        "Update(uint256 round,bytes32 baseModelHash,bytes32 updateHash,uint64 numSamples,bytes32 datasetCommitment)"
    );
    /// @notice Role whose holders approve, deprecate and roll back model releases.
    bytes32 public constant APPROVER_ROLE = keccak256("APPROVER_ROLE");
    /// @notice EIP-712 type hash of the message each approver signs for a release.
    bytes32 public constant RELEASE_APPROVAL_TYPEHASH =
        keccak256("ReleaseApproval(uint256 round,bytes32 modelHash,string tag,bytes32 reportDigest)");
    /// @notice The longest release tag, in bytes.
    uint256 public constant MAX_RELEASE_TAG_LENGTH = 64;

    /// @dev The one slot {recordRound} reads and writes per update. `commitmentTag` is
    /// the first 12 bytes of keccak256(datasetCommitment): recordRound checks the signed
    /// commitment against it (a second preimage costs 2^96 work) instead of loading the
    /// full commitment from a second, cold slot. `datasetSize` is the registered record
    /// count that bounds every update's declared sample count.
    struct Account {
        ParticipantStatus status;
        uint104 credited;
        uint48 datasetSize;
        bytes12 commitmentTag;
    }

    /// @dev What only {claim} touches. `registeredAt` is set at registration, so the
    /// slot is never zero and a first claim pays no zero-to-non-zero store.
    struct Payout {
        uint104 claimed;
        uint64 registeredAt;
    }

    IERC20 private immutable _rewardToken;
    bytes32 private immutable _genesisModelHash;

    mapping(address participant => Account) private _accounts;
    mapping(address participant => Payout) private _payouts;
    mapping(address participant => bytes32) private _datasetCommitments;
    mapping(address participant => bytes32) private _attestationDigests;
    mapping(uint256 round => RoundRecord) private _rounds;
    mapping(uint256 releaseId => ReleaseRecord) private _releases;

    bytes32 private _headModelHash;
    uint40 private _latestRound;
    uint128 private _roundBudget;
    uint128 private _totalFunded;
    uint128 private _totalCredited;
    uint64 private _releaseCount;
    uint64 private _currentReleaseId;
    uint8 private _releaseThreshold;

    /**
     * @param rewardToken_ The ERC-20 paid to contributors.
     * @param genesisModelHash_ Hash of the initial model, the start of the lineage.
     * @param roundBudget_ Tokens credited per recorded round.
     * @param admin Receives the admin role (pause, budget, role management).
     */
    constructor(IERC20 rewardToken_, bytes32 genesisModelHash_, uint128 roundBudget_, address admin)
        EIP712("FedLedger ContributionLedger", "1")
    {
        if (address(rewardToken_) == address(0) || admin == address(0)) revert LedgerZeroAddress();
        if (genesisModelHash_ == bytes32(0)) revert LedgerZeroModelHash();
        _rewardToken = rewardToken_;
        _genesisModelHash = genesisModelHash_;
        _headModelHash = genesisModelHash_;
        _roundBudget = roundBudget_;
        _releaseThreshold = 1;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit RoundBudgetUpdated(0, roundBudget_);
        emit ReleaseThresholdUpdated(0, 1);
    }

    // ---------------------------------------------------------------- registry

    /**
     * @notice Registers `participant` as active with `datasetCommitment`, the fingerprint of
     * a dataset of `datasetSize` records. No update of the participant may declare more
     * samples than `datasetSize`. `attestationDigest` is the SHA-256 of the consent or
     * licence document the dataset is contributed under (zero: none declared).
     * Requirements: caller has REGISTRAR_ROLE; not paused; `participant` is new and non-zero;
     * `datasetSize` is positive.
     * May emit {ParticipantRegistered}.
     */
    function registerParticipant(
        address account,
        bytes32 datasetCommitment,
        uint48 datasetSize,
        bytes32 attestationDigest
    ) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        if (account == address(0)) revert LedgerZeroAddress();
        if (datasetSize == 0) revert LedgerZeroDatasetSize();
        Account storage entry = _accounts[account];
        if (entry.status != ParticipantStatus.None) revert LedgerParticipantAlreadyRegistered(account);
        entry.status = ParticipantStatus.Active;
        entry.datasetSize = datasetSize;
        entry.commitmentTag = _commitmentTag(datasetCommitment);
        _payouts[account].registeredAt = uint64(block.timestamp);
        _datasetCommitments[account] = datasetCommitment;
        // A new account's slot is zero (accounts are never removed): no attestation, no write.
        if (attestationDigest != bytes32(0)) _attestationDigests[account] = attestationDigest;
        emit ParticipantRegistered(account, datasetCommitment, datasetSize, attestationDigest);
    }

    /**
     * @notice Deactivates `participant`: its signatures are refused until reactivated.
     * Accrued rewards stay claimable.
     * Requirements: caller has REGISTRAR_ROLE; not paused; `participant` is active.
     * May emit {ParticipantDeactivated}.
     */
    function deactivateParticipant(address account) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        _setStatus(account, ParticipantStatus.Active, ParticipantStatus.Inactive);
        emit ParticipantDeactivated(account);
    }

    /**
     * @notice Reactivates a deactivated `participant`.
     * Requirements: caller has REGISTRAR_ROLE; not paused; `participant` is inactive.
     * May emit {ParticipantReactivated}.
     */
    function reactivateParticipant(address account) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        _setStatus(account, ParticipantStatus.Inactive, ParticipantStatus.Active);
        emit ParticipantReactivated(account);
    }

    /**
     * @notice Replaces the caller's dataset commitment, size and attestation digest (zero:
     * none declared). Signatures over the old commitment stop verifying. A participant can
     * keep or lower its registered size but never raise it: the size bounds every sample
     * count it declares, so raising it is the registrar's decision ({setParticipantDataset}).
     * Requirements: not paused; caller is registered; `datasetSize` is positive and at
     * most the registered size.
     * May emit {DatasetCommitmentUpdated}.
     */
    function updateDatasetCommitment(bytes32 datasetCommitment, uint48 datasetSize, bytes32 attestationDigest)
        external
        whenNotPaused
    {
        Account storage entry = _accounts[msg.sender];
        if (entry.status == ParticipantStatus.None) revert LedgerParticipantNotRegistered(msg.sender);
        if (datasetSize > entry.datasetSize) revert LedgerDatasetSizeIncrease(entry.datasetSize, datasetSize);
        _setDataset(msg.sender, entry, datasetCommitment, datasetSize, attestationDigest);
    }

    /**
     * @notice Sets `account`'s dataset commitment, size and attestation digest (zero: none
     * declared), for example after its dataset grew. Signatures over the old commitment
     * stop verifying.
     * Requirements: caller has REGISTRAR_ROLE; not paused; `account` is registered;
     * `datasetSize` is positive.
     * May emit {DatasetCommitmentUpdated}.
     */
    function setParticipantDataset(
        address account,
        bytes32 datasetCommitment,
        uint48 datasetSize,
        bytes32 attestationDigest
    ) external onlyRole(REGISTRAR_ROLE) whenNotPaused {
        Account storage entry = _accounts[account];
        if (entry.status == ParticipantStatus.None) revert LedgerParticipantNotRegistered(account);
        _setDataset(account, entry, datasetCommitment, datasetSize, attestationDigest);
    }

    // ---------------------------------------------------------------- funding

    /**
     * @notice Sets the tokens credited per recorded round.
     * Requirements: caller has DEFAULT_ADMIN_ROLE; not paused.
     * May emit {RoundBudgetUpdated}.
     */
    function setRoundBudget(uint128 budget) external onlyRole(DEFAULT_ADMIN_ROLE) whenNotPaused {
        uint256 previous = _roundBudget;
        _roundBudget = budget;
        emit RoundBudgetUpdated(previous, budget);
    }

    /**
     * @notice Pulls `amount` reward tokens from the caller into the ledger's funded pool.
     * Requirements: not paused; `amount` > 0; the caller approved the ledger; the funded
     * total stays below 2^104 (so every per-participant amount fits its storage).
     * May emit {RewardsFunded}.
     */
    function fund(uint256 amount) external whenNotPaused {
        if (amount == 0) revert LedgerZeroAmount();
        _totalFunded = SafeCast.toUint128(SafeCast.toUint104(_totalFunded + amount));
        _rewardToken.safeTransferFrom(msg.sender, address(this), amount);
        emit RewardsFunded(msg.sender, amount);
    }

    // ---------------------------------------------------------------- rounds

    /**
     * @notice Records round `round` and credits its budget to the signers of `updates`.
     * @param round Must be the latest recorded round plus one.
     * @param baseModelHash Must equal the previous round's aggregate hash (genesis for round 1).
     * @param aggregateModelHash Hash of the aggregated model this round produced.
     * @param statementDigest SHA-256 of the round's signed in-toto statement (non-zero).
     * @param updates The accepted updates with their participants' compact signatures.
     *
     * Requirements:
     * - caller has COORDINATOR_ROLE; not paused; `statementDigest` is non-zero;
     * - `updates` is non-empty, in strictly ascending participant order (so no participant
     *   appears twice), and its scores sum to more than zero;
     * - every update carries its participant's registered dataset commitment, and its
     *   signature recovers to its declared participant, which is active;
     * - no update declares more samples than its participant's registered dataset size;
     * - funded, uncredited tokens cover the round budget.
     *
     * May emit {UpdateRecorded} per update, then {RoundRecorded}.
     */
    function recordRound(
        uint256 round,
        bytes32 baseModelHash,
        bytes32 aggregateModelHash,
        bytes32 statementDigest,
        SignedUpdate[] calldata updates
    ) external onlyRole(COORDINATOR_ROLE) whenNotPaused {
        if (statementDigest == bytes32(0)) revert LedgerZeroStatementDigest();
        (uint256 budget, uint256 credited) = _checkRound(round, baseModelHash, aggregateModelHash, updates.length);
        (uint256 totalScore, uint256 top) = _scoreTotals(updates);
        uint256 remainder = budget - _creditUpdates(round, baseModelHash, budget, totalScore, updates);
        address remainderRecipient = updates[top].participant;
        // Cannot overflow: an account's credit is at most `_totalFunded` < 2^104.
        _accounts[remainderRecipient].credited += uint104(remainder);
        _totalCredited = uint128(credited + budget);
        _latestRound = uint40(round);
        _headModelHash = aggregateModelHash;

        RoundRecord storage record = _rounds[round];
        record.baseModelHash = baseModelHash;
        record.aggregateModelHash = aggregateModelHash;
        record.updatesDigest = _updatesDigest(updates);
        record.statementDigest = statementDigest;
        record.budget = uint128(budget);
        record.participantCount = uint32(updates.length);
        record.recordedAt = uint64(block.timestamp);
        record.totalScore = totalScore;
        emit RoundRecorded(
            round,
            baseModelHash,
            aggregateModelHash,
            record.updatesDigest,
            statementDigest,
            budget,
            updates.length,
            totalScore,
            remainderRecipient,
            remainder
        );
    }

    // ---------------------------------------------------------------- releases

    /**
     * @notice Sets how many approvals a release needs.
     * Requirements: caller has DEFAULT_ADMIN_ROLE; not paused; `threshold` is at least 1.
     * May emit {ReleaseThresholdUpdated}.
     */
    function setReleaseThreshold(uint8 threshold) external onlyRole(DEFAULT_ADMIN_ROLE) whenNotPaused {
        if (threshold == 0) revert LedgerZeroReleaseThreshold();
        uint256 previous = _releaseThreshold;
        _releaseThreshold = threshold;
        emit ReleaseThresholdUpdated(previous, threshold);
    }

    /**
     * @notice Releases round `round`'s aggregate model as `tag`, with the digest of its
     * evaluation report; it becomes the current release. Anyone may submit it: the
     * approvals are the authority. Each is an approver's EIP-712 signature over
     * `ReleaseApproval(round, modelHash, tag, reportDigest)` in this ledger's domain, where
     * `modelHash` is the round's recorded aggregate model hash.
     *
     * Requirements:
     * - not paused; `round` is recorded; `tag` is 1 to MAX_RELEASE_TAG_LENGTH bytes;
     * - `approvals` are in strictly ascending approver order (so no approver counts twice),
     *   at least `releaseThreshold` of them, each by a holder of APPROVER_ROLE and valid
     *   (ECDSA for an account, ERC-1271 for a contract).
     *
     * May emit {ReleaseRecorded}.
     */
    function recordRelease(
        uint256 round,
        string calldata tag,
        bytes32 reportDigest,
        ReleaseApproval[] calldata approvals
    ) external whenNotPaused returns (uint256 releaseId) {
        if (round == 0 || round > _latestRound) revert LedgerRoundNotRecorded(round);
        uint256 tagLength = bytes(tag).length;
        if (tagLength == 0 || tagLength > MAX_RELEASE_TAG_LENGTH) {
            revert LedgerInvalidReleaseTag(tagLength, MAX_RELEASE_TAG_LENGTH);
        }
        uint256 threshold = _releaseThreshold;
        if (approvals.length < threshold) revert LedgerReleaseBelowThreshold(approvals.length, threshold);
        bytes32 modelHash = _rounds[round].aggregateModelHash;
        address[] memory approvers =
            _checkApprovals(_releaseApprovalDigest(round, modelHash, tag, reportDigest), approvals);

        // A checked increment: uint64 release ids outlast any chain.
        releaseId = ++_releaseCount;
        _currentReleaseId = uint64(releaseId);
        ReleaseRecord storage release = _releases[releaseId];
        release.round = round;
        release.modelHash = modelHash;
        release.reportDigest = reportDigest;
        release.recordedAt = uint64(block.timestamp);
        release.tag = tag;
        release.approvers = approvers;
        emit ReleaseRecorded(releaseId, round, modelHash, tag, reportDigest, approvers);
    }

    /**
     * @notice Marks release `releaseId` deprecated, for `reason`. It stays on record (and
     * current, if it is: {rollbackRelease} moves the current release).
     * Requirements: caller has APPROVER_ROLE; not paused; the release exists and is not
     * deprecated.
     * May emit {ReleaseDeprecated}.
     */
    function deprecateRelease(uint256 releaseId, string calldata reason)
        external
        onlyRole(APPROVER_ROLE)
        whenNotPaused
    {
        ReleaseRecord storage release = _existingRelease(releaseId);
        if (release.deprecated) revert LedgerReleaseIsDeprecated(releaseId);
        release.deprecated = true;
        emit ReleaseDeprecated(releaseId, msg.sender, reason);
    }

    /**
     * @notice Makes the earlier release `toReleaseId` current again, for `reason`.
     * Requirements: caller has APPROVER_ROLE; not paused; `toReleaseId` exists, precedes the
     * current release and is not deprecated.
     * May emit {ReleaseRolledBack}.
     */
    function rollbackRelease(uint256 toReleaseId, string calldata reason)
        external
        onlyRole(APPROVER_ROLE)
        whenNotPaused
    {
        ReleaseRecord storage release = _existingRelease(toReleaseId);
        uint256 current = _currentReleaseId;
        if (toReleaseId >= current) revert LedgerReleaseNotEarlier(toReleaseId, current);
        if (release.deprecated) revert LedgerReleaseIsDeprecated(toReleaseId);
        _currentReleaseId = uint64(toReleaseId);
        emit ReleaseRolledBack(current, toReleaseId, msg.sender, reason);
    }

    // ---------------------------------------------------------------- claims

    /**
     * @notice Sends all of the caller's unclaimed rewards to `recipient`.
     * Requirements: not paused; `recipient` is non-zero; the caller has something to claim.
     * May emit {RewardClaimed}.
     */
    function claim(address recipient) external whenNotPaused returns (uint256 amount) {
        if (recipient == address(0)) revert LedgerZeroAddress();
        uint104 credited = _accounts[msg.sender].credited;
        Payout storage payout = _payouts[msg.sender];
        amount = credited - payout.claimed;
        if (amount == 0) revert LedgerNothingToClaim(msg.sender);
        payout.claimed = credited;
        _rewardToken.safeTransfer(recipient, amount);
        emit RewardClaimed(msg.sender, recipient, amount);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Stops every state-changing call but pause management. Requirements: admin.
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @notice Lifts {pause}. Requirements: admin.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @notice The reward token.
    function rewardToken() external view returns (IERC20) {
        return _rewardToken;
    }

    /// @notice The initial model hash, start of the lineage.
    function genesisModelHash() external view returns (bytes32) {
        return _genesisModelHash;
    }

    /// @notice The aggregate hash of the latest recorded round (genesis before round 1).
    function headModelHash() external view returns (bytes32) {
        return _headModelHash;
    }

    /// @notice The latest recorded round (0 before any).
    function latestRound() external view returns (uint256) {
        return _latestRound;
    }

    /// @notice Tokens credited per recorded round.
    function roundBudget() external view returns (uint256) {
        return _roundBudget;
    }

    /// @notice Tokens deposited through {fund}.
    function totalFunded() external view returns (uint256) {
        return _totalFunded;
    }

    /// @notice Tokens credited to participants over all rounds.
    function totalCredited() external view returns (uint256) {
        return _totalCredited;
    }

    /// @notice The record of `round` (all zero if not recorded).
    function roundRecord(uint256 round) external view returns (RoundRecord memory) {
        return _rounds[round];
    }

    /// @notice Approvals a release needs.
    function releaseThreshold() external view returns (uint256) {
        return _releaseThreshold;
    }

    /// @notice Releases recorded so far; release ids run from 1 to this.
    function releaseCount() external view returns (uint256) {
        return _releaseCount;
    }

    /// @notice The current release's id (0 before any release).
    function currentReleaseId() external view returns (uint256) {
        return _currentReleaseId;
    }

    /// @notice Release `releaseId` (all zero and empty if there is none).
    function releaseRecord(uint256 releaseId) external view returns (ReleaseRecord memory) {
        return _releases[releaseId];
    }

    /// @notice EIP-712 digest an approver signs for a release (for off-chain checks).
    function releaseApprovalDigest(uint256 round, bytes32 modelHash, string calldata tag, bytes32 reportDigest)
        external
        view
        returns (bytes32)
    {
        return _releaseApprovalDigest(round, modelHash, tag, reportDigest);
    }

    /// @notice Registry entry and reward account of `participant`.
    function participantInfo(address account) external view returns (ParticipantInfo memory) {
        Account memory a = _accounts[account];
        Payout memory p = _payouts[account];
        return ParticipantInfo({
            status: a.status,
            credited: a.credited,
            claimed: p.claimed,
            datasetCommitment: _datasetCommitments[account],
            registeredAt: p.registeredAt,
            datasetSize: a.datasetSize,
            attestationDigest: _attestationDigests[account]
        });
    }

    /// @notice Tokens `account` can claim now.
    function claimable(address account) external view returns (uint256) {
        return _accounts[account].credited - _payouts[account].claimed;
    }

    /// @notice EIP-712 digest a participant signs for an update (for off-chain checks).
    function updateDigest(
        uint256 round,
        bytes32 baseModelHash,
        bytes32 updateHash,
        uint64 numSamples,
        bytes32 datasetCommitment
    ) external view returns (bytes32) {
        return _updateDigest(_domainSeparatorV4(), round, baseModelHash, updateHash, numSamples, datasetCommitment);
    }

    // ---------------------------------------------------------------- internals

    function _setDataset(
        address account,
        Account storage entry,
        bytes32 datasetCommitment,
        uint48 datasetSize,
        bytes32 attestationDigest
    ) private {
        if (datasetSize == 0) revert LedgerZeroDatasetSize();
        bytes32 previous = _datasetCommitments[account];
        entry.datasetSize = datasetSize;
        entry.commitmentTag = _commitmentTag(datasetCommitment);
        _datasetCommitments[account] = datasetCommitment;
        _attestationDigests[account] = attestationDigest;
        emit DatasetCommitmentUpdated(account, previous, datasetCommitment, datasetSize, attestationDigest);
    }

    /// @dev The approvers of `approvals`, each checked: ascending, holding APPROVER_ROLE, signed `digest`.
    function _checkApprovals(bytes32 digest, ReleaseApproval[] calldata approvals)
        private
        view
        returns (address[] memory approvers)
    {
        approvers = new address[](approvals.length);
        address previous;
        for (uint256 i; i < approvals.length; ++i) {
            address approver = approvals[i].approver;
            if (approver <= previous) {
                if (approver == previous && i > 0) revert LedgerDuplicateApprover(i, approver);
                revert LedgerApprovalsNotSorted(i);
            }
            if (!hasRole(APPROVER_ROLE, approver)) revert LedgerNotApprover(i, approver);
            // ERC-1271 approvers are queried with staticcall: no reentrancy.
            if (!SignatureChecker.isValidSignatureNow(approver, digest, approvals[i].signature)) {
                revert LedgerInvalidApproval(i, approver);
            }
            approvers[i] = approver;
            previous = approver;
        }
    }

    function _existingRelease(uint256 releaseId) private view returns (ReleaseRecord storage release) {
        if (releaseId == 0 || releaseId > _releaseCount) revert LedgerUnknownRelease(releaseId);
        release = _releases[releaseId];
    }

    /// @dev The EIP-712 digest of a `ReleaseApproval`; a string member is hashed (EIP-712 encodeData).
    function _releaseApprovalDigest(uint256 round, bytes32 modelHash, string calldata tag, bytes32 reportDigest)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(abi.encode(RELEASE_APPROVAL_TYPEHASH, round, modelHash, keccak256(bytes(tag)), reportDigest))
        );
    }

    function _setStatus(address account, ParticipantStatus from, ParticipantStatus to) private {
        Account storage entry = _accounts[account];
        ParticipantStatus status = entry.status;
        if (status == ParticipantStatus.None) revert LedgerParticipantNotRegistered(account);
        if (status != from) revert LedgerParticipantWrongStatus(account, status);
        entry.status = to;
    }

    /// @dev Checks sequence, lineage and funding. Returns the budget and the credited total.
    function _checkRound(uint256 round, bytes32 baseModelHash, bytes32 aggregateModelHash, uint256 count)
        private
        view
        returns (uint256 budget, uint256 credited)
    {
        if (count == 0) revert LedgerEmptyRound();
        if (aggregateModelHash == bytes32(0)) revert LedgerZeroModelHash();
        uint256 latest = _latestRound;
        if (round <= latest) revert LedgerRoundAlreadyRecorded(round);
        if (round != latest + 1) revert LedgerRoundOutOfOrder(latest + 1, round);
        // Rounds are numbered from 1; uint40 holds more rounds than any chain will see.
        if (round > type(uint40).max) revert LedgerRoundOutOfOrder(latest + 1, round);
        bytes32 head = _headModelHash;
        if (baseModelHash != head) revert LedgerBaseHashMismatch(head, baseModelHash);
        budget = _roundBudget;
        credited = _totalCredited;
        uint256 available = _totalFunded - credited;
        if (budget > available) revert LedgerBudgetNotFunded(budget, available);
    }

    /// @dev Sum of scores, and the index of the first highest score (the remainder recipient).
    function _scoreTotals(SignedUpdate[] calldata updates) private pure returns (uint256 total, uint256 top) {
        uint256 topScore;
        for (uint256 i; i < updates.length; ++i) {
            uint256 score = updates[i].score;
            total += score;
            if (score > topScore) {
                topScore = score;
                top = i;
            }
        }
        if (total == 0) revert LedgerZeroTotalScore();
    }

    /// @dev Verifies each update's signer and credits its floor share. Returns the sum credited.
    function _creditUpdates(
        uint256 round,
        bytes32 baseModelHash,
        uint256 budget,
        uint256 totalScore,
        SignedUpdate[] calldata updates
    ) private returns (uint256 distributed) {
        bytes32 domainSeparator = _domainSeparatorV4();
        address previous; // address(0) can never be registered, so any first participant is above it
        for (uint256 i; i < updates.length; ++i) {
            (address signer, address recovered, bytes12 tag, uint256 score, uint256 numSamples) =
                _verifyUpdate(updates, i, domainSeparator, round, baseModelHash);
            if (signer <= previous) {
                // Only reached on failure, so the zero-address check costs nothing per update.
                if (signer == address(0)) revert LedgerSignerNotActive(i, signer);
                if (signer == previous) revert LedgerDuplicateParticipant(i, signer);
                revert LedgerUpdatesNotSorted(i);
            }
            previous = signer;
            Account storage account = _accounts[signer];
            (ParticipantStatus status, uint104 credited, uint48 datasetSize, bytes12 registeredTag) =
                (account.status, account.credited, account.datasetSize, account.commitmentTag);
            if (status != ParticipantStatus.Active) revert LedgerSignerNotActive(i, signer);
            if (registeredTag != tag) revert LedgerCommitmentMismatch(i, signer);
            if (recovered != signer) revert LedgerInvalidSignature(i, signer);
            if (numSamples > datasetSize) revert LedgerSampleCountExceedsDataset(i, signer, numSamples, datasetSize);

            // budget < 2^128 and score < 2^64: the product cannot overflow.
            uint256 reward = budget * score / totalScore;
            distributed += reward;
            // Cannot overflow: an account's credit is at most `_totalFunded` < 2^104.
            account.credited = credited + uint104(reward);
        }
    }

    /**
     * @dev Reads update `i` from calldata, computes its commitment tag and EIP-712 digest,
     * recovers the signer and emits {UpdateRecorded}.
     *
     * Written in assembly because it runs once per update and the target is ~15k gas per
     * update all in: Solidity's calldata struct access, `abi.encode` (a fresh allocation
     * per update) and ECDSA's tuple returns cost ~2k gas more here. It performs the same
     * checks the ABI decoder and OpenZeppelin's ECDSA would: participant fits 160 bits,
     * numSamples and score fit 64 bits (else it reverts empty, as the decoder does), and
     * `s` is in the lower half order (EIP-2; a malleable or malformed signature recovers
     * to address(0), which never matches a registered participant).
     */
    function _verifyUpdate(
        SignedUpdate[] calldata updates,
        uint256 i,
        bytes32 domainSeparator,
        uint256 round,
        bytes32 baseModelHash
    ) private returns (address signer, address recovered, bytes12 tag, uint256 score, uint256 numSamples) {
        bytes32 typehash = UPDATE_TYPEHASH;
        bytes32 eventSig = UpdateRecorded.selector;
        assembly ("memory-safe") {
            // SignedUpdate layout: participant, updateHash, numSamples, score,
            // datasetCommitment, r, vs (7 words, static, inline in the array).
            let u := add(updates.offset, mul(i, 0xe0))
            signer := calldataload(u)
            let updateHash := calldataload(add(u, 0x20))
            numSamples := calldataload(add(u, 0x40))
            score := calldataload(add(u, 0x60))
            let commitment := calldataload(add(u, 0x80))
            if or(shr(160, signer), or(shr(64, numSamples), shr(64, score))) { revert(0, 0) }

            // tag = first 12 bytes of keccak256(datasetCommitment)
            mstore(0x00, commitment)
            tag := and(keccak256(0x00, 0x20), not(sub(shl(160, 1), 1)))

            // structHash = keccak256(abi.encode(UPDATE_TYPEHASH, round, base, updateHash, numSamples, commitment))
            let ptr := mload(0x40)
            mstore(ptr, typehash)
            mstore(add(ptr, 0x20), round)
            mstore(add(ptr, 0x40), baseModelHash)
            mstore(add(ptr, 0x60), updateHash)
            mstore(add(ptr, 0x80), numSamples)
            mstore(add(ptr, 0xa0), commitment)
            let structHash := keccak256(ptr, 0xc0)
            // digest = keccak256("\x19\x01" || domainSeparator || structHash)
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), domainSeparator)
            mstore(add(ptr, 0x22), structHash)
            let digest := keccak256(ptr, 0x42)

            // ecrecover(digest, v, r, s) from the EIP-2098 compact form (r, vs).
            let vs := calldataload(add(u, 0xc0))
            let s := and(vs, sub(shl(255, 1), 1))
            if gt(s, 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0) { s := 0 }
            mstore(ptr, digest)
            mstore(add(ptr, 0x20), add(shr(255, vs), 27))
            mstore(add(ptr, 0x40), calldataload(add(u, 0xa0)))
            mstore(add(ptr, 0x60), s)
            mstore(0x00, 0) // the precompile writes nothing on failure
            pop(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20))
            recovered := mload(0x00)

            // emit UpdateRecorded(round, participant, updateHash, numSamples, score)
            mstore(ptr, updateHash)
            mstore(add(ptr, 0x20), numSamples)
            mstore(add(ptr, 0x40), score)
            log3(ptr, 0x60, eventSig, round, signer)
        }
    }

    /// @dev The EIP-712 digest of an `Update`, for the {updateDigest} view.
    function _updateDigest(
        bytes32 domainSeparator,
        uint256 round,
        bytes32 baseModelHash,
        bytes32 updateHash,
        uint64 numSamples,
        bytes32 datasetCommitment
    ) private pure returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(
            domainSeparator,
            keccak256(abi.encode(UPDATE_TYPEHASH, round, baseModelHash, updateHash, numSamples, datasetCommitment))
        );
    }

    function _commitmentTag(bytes32 datasetCommitment) private pure returns (bytes12 tag) {
        assembly ("memory-safe") {
            mstore(0x00, datasetCommitment)
            tag := and(keccak256(0x00, 0x20), not(sub(shl(160, 1), 1)))
        }
    }

    /// @dev keccak256 over the ABI encoding of the updates, without the array's offset and
    /// length words: the concatenation of the static `SignedUpdate` tuples as sent.
    function _updatesDigest(SignedUpdate[] calldata updates) private pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            let size := mul(updates.length, 0xe0)
            let ptr := mload(0x40)
            calldatacopy(ptr, updates.offset, size)
            digest := keccak256(ptr, size)
        }
    }
}
