// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// solhint-disable function-max-lines, max-states-count, avoid-low-level-calls

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ContributionLedger} from "../ContributionLedger.sol";
import {IContributionLedger} from "../IContributionLedger.sol";
import {RewardToken} from "../RewardToken.sol";
import {Vm, VM_ADDRESS} from "./Vm.sol";
import {LedgerSigning, ReferenceSplit} from "./LedgerTestBase.sol";

/**
 * @dev Invariant-test handler. Drives the ledger through its roles (registrar, admin,
 * coordinator, participants, a funder) with random but well-formed calls, valid and invalid.
 *
 * It keeps an independent model of the ledger (statuses, commitments, dataset sizes, budget, funding,
 * credits, lineage) and, before every call, predicts the outcome from that model: either
 * success or the exact revert data. A call whose outcome differs from the prediction is
 * counted in `unexpectedSuccesses` / `unexpectedErrors` (the invariants require both to stay
 * 0). Every call is a low-level call, so the handler itself never reverts.
 */
contract LedgerHandler is LedgerSigning {
    Vm private constant VM = Vm(VM_ADDRESS);

    uint256 private constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 private constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    uint256 private constant MAX_FUNDABLE = (uint256(1) << 104) - 1;
    bytes32 private constant UPDATE_RECORDED_SIG =
        keccak256("UpdateRecorded(uint256,address,bytes32,uint256,uint256)");

    /// @dev Participants the registrar may register, plus OUTSIDERS keys that are never registered.
    uint256 public constant POOL = 6;
    uint256 public constant OUTSIDERS = 2;

    // Plain storage, not immutables: the invariant runner identifies the handler by matching its
    // runtime code against the artifacts, and immutables patched into the code defeat the match.
    ContributionLedger public ledger;
    RewardToken public token;
    address public admin;
    address public registrar;
    address public coordinator;
    address public treasury;
    bytes32 public genesis;

    uint256[] private _keys; // POOL + OUTSIDERS private keys
    address[] private _recipients;

    // ---------------------------------------------------------------- model (ghost state)
    mapping(address => IContributionLedger.ParticipantStatus) public ghostStatus;
    mapping(address => bytes32) public ghostCommitment;
    mapping(address => bytes32) public ghostAttestation;
    mapping(address => uint48) public ghostDatasetSize;
    mapping(address => uint256) public ghostCredited;
    mapping(address => uint256) public ghostClaimedOf;
    uint256 public ghostBudget;
    uint256 public ghostFunded;
    uint256 public ghostTotalCredited;
    uint256 public ghostTotalClaimed;
    uint256 public ghostLatestRound;
    bytes32 public ghostHead;
    mapping(uint256 round => bytes32) public ghostAggregate;
    mapping(uint256 round => bytes32) public ghostStatement;
    mapping(uint256 round => uint256) public ghostParticipants;
    /// @dev UpdateRecorded events seen per (round, participant), and the maximum over all pairs.
    mapping(uint256 round => mapping(address => uint256)) public creditEvents;
    uint256 public maxCreditEventsPerPair;

    // ---------------------------------------------------------------- outcome counters
    uint256 public unexpectedSuccesses;
    uint256 public unexpectedErrors;
    uint256 public unauthorizedRecordSuccesses;
    bytes public lastUnexpected; // for debugging a failing run

    uint256 public roundsRecorded;
    uint256 public roundsRejected;
    uint256 public unauthorizedRecordAttempts;
    uint256 public claims;

    constructor(
        ContributionLedger ledger_,
        RewardToken token_,
        address admin_,
        address registrar_,
        address coordinator_,
        address treasury_
    ) {
        ledger = ledger_;
        token = token_;
        admin = admin_;
        registrar = registrar_;
        coordinator = coordinator_;
        treasury = treasury_;
        genesis = ledger_.genesisModelHash();
        ghostHead = genesis;
        ghostBudget = ledger_.roundBudget();
        ghostFunded = ledger_.totalFunded();
        for (uint256 i; i < POOL + OUTSIDERS; ++i) {
            uint256 raw = uint256(keccak256(abi.encode("handler.key", i)));
            _keys.push(1 + (raw % (SECP256K1_N - 1)));
        }
        _recipients.push(address(uint160(uint256(keccak256("handler.recipient.0")))));
        _recipients.push(address(uint160(uint256(keccak256("handler.recipient.1")))));
    }

    // ---------------------------------------------------------------- views for the invariants

    function actorCount() external pure returns (uint256) {
        return POOL + OUTSIDERS;
    }

    function actor(uint256 i) public view returns (address) {
        return VM.addr(_keys[i]);
    }

    // ---------------------------------------------------------------- actions: registry

    function registerParticipant(uint256 who, bytes32 commitment, uint256 sizeSeed, bytes32 attestation) external {
        address p = actor(who % POOL);
        uint48 size = datasetSizeFor(sizeSeed);
        bytes memory expected;
        if (size == 0) {
            expected = abi.encodeWithSelector(IContributionLedger.LedgerZeroDatasetSize.selector);
        } else if (ghostStatus[p] != IContributionLedger.ParticipantStatus.None) {
            expected = abi.encodeWithSelector(IContributionLedger.LedgerParticipantAlreadyRegistered.selector, p);
        }
        bytes memory data = abi.encodeCall(ledger.registerParticipant, (p, commitment, size, attestation));
        if (_expect(registrar, data, expected)) {
            ghostStatus[p] = IContributionLedger.ParticipantStatus.Active;
            ghostCommitment[p] = commitment;
            ghostDatasetSize[p] = size;
            ghostAttestation[p] = attestation;
        }
    }

    function deactivateParticipant(uint256 who) external {
        address p = actor(who % (POOL + OUTSIDERS));
        bytes memory expected = _statusError(p, IContributionLedger.ParticipantStatus.Active);
        if (_expect(registrar, abi.encodeCall(ledger.deactivateParticipant, (p)), expected)) {
            ghostStatus[p] = IContributionLedger.ParticipantStatus.Inactive;
        }
    }

    function reactivateParticipant(uint256 who) external {
        address p = actor(who % (POOL + OUTSIDERS));
        bytes memory expected = _statusError(p, IContributionLedger.ParticipantStatus.Inactive);
        if (_expect(registrar, abi.encodeCall(ledger.reactivateParticipant, (p)), expected)) {
            ghostStatus[p] = IContributionLedger.ParticipantStatus.Active;
        }
    }

    function updateDatasetCommitment(uint256 who, bytes32 commitment, uint256 sizeSeed, bytes32 attestation) external {
        address p = actor(who % (POOL + OUTSIDERS));
        uint48 size = datasetSizeFor(sizeSeed);
        bytes memory expected;
        if (ghostStatus[p] == IContributionLedger.ParticipantStatus.None) {
            expected = abi.encodeWithSelector(IContributionLedger.LedgerParticipantNotRegistered.selector, p);
        } else if (size > ghostDatasetSize[p]) {
            expected = abi.encodeWithSelector(
                IContributionLedger.LedgerDatasetSizeIncrease.selector, uint256(ghostDatasetSize[p]), uint256(size)
            );
        } else if (size == 0) {
            expected = abi.encodeWithSelector(IContributionLedger.LedgerZeroDatasetSize.selector);
        }
        if (_expect(p, abi.encodeCall(ledger.updateDatasetCommitment, (commitment, size, attestation)), expected)) {
            ghostCommitment[p] = commitment;
            ghostDatasetSize[p] = size;
            ghostAttestation[p] = attestation;
        }
    }

    /// @dev The registrar may set any positive size, raising it included.
    function setParticipantDataset(uint256 who, bytes32 commitment, uint256 sizeSeed, bytes32 attestation) external {
        address p = actor(who % (POOL + OUTSIDERS));
        uint48 size = datasetSizeFor(sizeSeed);
        bytes memory expected;
        if (ghostStatus[p] == IContributionLedger.ParticipantStatus.None) {
            expected = abi.encodeWithSelector(IContributionLedger.LedgerParticipantNotRegistered.selector, p);
        } else if (size == 0) {
            expected = abi.encodeWithSelector(IContributionLedger.LedgerZeroDatasetSize.selector);
        }
        bytes memory data = abi.encodeCall(ledger.setParticipantDataset, (p, commitment, size, attestation));
        if (_expect(registrar, data, expected)) {
            ghostCommitment[p] = commitment;
            ghostDatasetSize[p] = size;
            ghostAttestation[p] = attestation;
        }
    }

    /// @dev A dataset size from a seed, mixing the edge cases: 0 (refused), 1, small sizes that
    /// sampled counts often exceed, the largest uint48, and the full range.
    function datasetSizeFor(uint256 seed) public pure returns (uint48) {
        uint256 kind = seed % 8;
        if (kind == 0) return 0;
        if (kind == 1) return 1;
        if (kind == 2) return type(uint48).max;
        if (kind < 5) return uint48(1 + (seed >> 8) % 1_000);
        return uint48(1 + (seed >> 8) % type(uint48).max);
    }

    // ---------------------------------------------------------------- actions: funding

    function setRoundBudget(uint256 budget) external {
        // mostly budgets that funding can keep up with; sometimes unfundable ones
        budget = budget % 8 == 0 ? budget % (uint256(type(uint128).max) + 1) : budget % 1e24;
        if (_expect(admin, abi.encodeCall(ledger.setRoundBudget, (uint128(budget))), "")) {
            ghostBudget = budget;
        }
    }

    function fund(uint256 amount) external {
        amount = amount % 8 == 0 ? 1 + amount % (uint256(1) << 110) : 1 + amount % 1e24;
        _fund(amount);
    }

    // ---------------------------------------------------------------- actions: rounds

    /**
     * @dev Builds a correctly signed round from `seed`, optionally breaks it (`mutation` % 54 < 18
     * selects one way), usually tops up funding first, and submits it as the coordinator.
     */
    function recordRound(uint256 seed, uint256 mutation) public {
        uint256 round = ghostLatestRound + 1;
        bytes32 base = ghostHead;
        bytes32 aggregate = keccak256(abi.encode("aggregate", seed, round));
        bytes32 statement = keccak256(abi.encode("statement", seed, round));
        IContributionLedger.SignedUpdate[] memory ups = _buildUpdates(seed, round, base);

        if ((seed >> 200) % 4 != 0 && ghostBudget > ghostFunded - ghostTotalCredited) {
            uint256 shortfall = ghostBudget - (ghostFunded - ghostTotalCredited);
            if (ghostFunded + shortfall <= MAX_FUNDABLE) _fund(shortfall);
        }

        uint256 kind = mutation % 54; // one in three attempts is broken on purpose
        bool pauseFirst = kind == 16;
        if (kind == 17) statement = bytes32(0);
        if (kind < 16) (round, base, aggregate, ups) = _mutate(kind, seed, round, base, aggregate, ups);

        if (pauseFirst) _expect(admin, abi.encodeCall(ledger.pause, ()), "");
        _attemptRecord(coordinator, round, base, aggregate, statement, ups);
        if (pauseFirst) _expect(admin, abi.encodeCall(ledger.unpause, ()), "");
    }

    /// @dev The same without a deliberate defect (it still fails when the model says so, e.g.
    /// no active participant or an unfunded budget).
    function recordValidRound(uint256 seed) external {
        recordRound(seed, 47);
    }

    /// @dev A well-formed round submitted by anyone but the coordinator must be refused.
    function recordRoundAsStranger(uint256 seed, address caller) external {
        if (caller == VM_ADDRESS || ledger.hasRole(ledger.COORDINATOR_ROLE(), caller)) return;
        uint256 round = ghostLatestRound + 1;
        IContributionLedger.SignedUpdate[] memory ups = _buildUpdates(seed, round, ghostHead);
        ++unauthorizedRecordAttempts;
        bytes memory data = abi.encodeCall(
            ledger.recordRound,
            (
                round,
                ghostHead,
                keccak256(abi.encode("aggregate", seed, round)),
                keccak256(abi.encode("statement", seed, round)),
                ups
            )
        );
        bytes memory expected = abi.encodeWithSelector(
            IAccessControl.AccessControlUnauthorizedAccount.selector, caller, ledger.COORDINATOR_ROLE()
        );
        VM.prank(caller);
        (bool ok, bytes memory ret) = address(ledger).call(data);
        if (ok) {
            ++unauthorizedRecordSuccesses;
            lastUnexpected = data;
        } else if (keccak256(ret) != keccak256(expected)) {
            ++unexpectedErrors;
            lastUnexpected = ret;
        }
    }

    // ---------------------------------------------------------------- actions: claims & misc

    function claim(uint256 who, uint256 to) external {
        address p = actor(who % (POOL + OUTSIDERS));
        address recipient = to % 8 == 0 ? address(0) : (to % 3 == 0 ? p : _recipients[to % 2]);
        uint256 owed = ghostCredited[p] - ghostClaimedOf[p];
        bytes memory expected;
        if (recipient == address(0)) {
            expected = abi.encodeWithSelector(IContributionLedger.LedgerZeroAddress.selector);
        } else if (owed == 0) {
            expected = abi.encodeWithSelector(IContributionLedger.LedgerNothingToClaim.selector, p);
        }
        uint256 before = recipient == address(0) ? 0 : token.balanceOf(recipient);
        VM.prank(p);
        (bool ok, bytes memory ret) = address(ledger).call(abi.encodeCall(ledger.claim, (recipient)));
        if (!_check(ok, ret, expected)) return;
        if (ok) {
            ++claims;
            if (abi.decode(ret, (uint256)) != owed || token.balanceOf(recipient) != before + owed) {
                ++unexpectedErrors;
                lastUnexpected = ret;
            }
            ghostClaimedOf[p] += owed;
            ghostTotalClaimed += owed;
        }
    }

    /// @dev While paused, every guarded entry point refuses with EnforcedPause.
    function pausedCalls(uint256 who, bytes32 value) external {
        _expect(admin, abi.encodeCall(ledger.pause, ()), "");
        bytes memory paused = abi.encodeWithSelector(Pausable.EnforcedPause.selector);
        address p = actor(who % POOL);
        _expect(registrar, abi.encodeCall(ledger.registerParticipant, (p, value, 1, value)), paused);
        _expect(registrar, abi.encodeCall(ledger.deactivateParticipant, (p)), paused);
        _expect(registrar, abi.encodeCall(ledger.reactivateParticipant, (p)), paused);
        _expect(p, abi.encodeCall(ledger.updateDatasetCommitment, (value, 1, value)), paused);
        _expect(registrar, abi.encodeCall(ledger.setParticipantDataset, (p, value, 1, value)), paused);
        _expect(admin, abi.encodeCall(ledger.setReleaseThreshold, (1)), paused);
        IContributionLedger.ReleaseApproval[] memory none;
        _expect(p, abi.encodeCall(ledger.recordRelease, (1, "v1", value, none)), paused);
        _expect(admin, abi.encodeCall(ledger.setRoundBudget, (1)), paused);
        _expect(treasury, abi.encodeCall(ledger.fund, (1)), paused);
        _expect(p, abi.encodeCall(ledger.claim, (p)), paused);
        _expect(admin, abi.encodeCall(ledger.unpause, ()), "");
    }

    function warp(uint256 seconds_) external {
        VM.warp(block.timestamp + seconds_ % 7 days);
    }

    // ---------------------------------------------------------------- internals: calls

    function _fund(uint256 amount) private {
        bytes memory expected;
        if (ghostFunded + amount > MAX_FUNDABLE) {
            expected =
                abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 104, ghostFunded + amount);
        }
        if (_expect(treasury, abi.encodeCall(ledger.fund, (amount)), expected)) ghostFunded += amount;
    }

    /// @dev Calls the ledger as `from`; returns whether it succeeded, counting outcomes that
    /// differ from `expected` (empty: success expected).
    function _expect(address from, bytes memory data, bytes memory expected) private returns (bool ok) {
        VM.prank(from);
        bytes memory ret;
        (ok, ret) = address(ledger).call(data);
        _check(ok, ret, expected);
    }

    function _check(bool ok, bytes memory ret, bytes memory expected) private returns (bool asExpected) {
        if (ok && expected.length != 0) {
            ++unexpectedSuccesses;
            lastUnexpected = expected;
            return false;
        }
        if (!ok && keccak256(ret) != keccak256(expected)) {
            ++unexpectedErrors;
            lastUnexpected = ret;
            return false;
        }
        return true;
    }

    function _statusError(address p, IContributionLedger.ParticipantStatus needed)
        private
        view
        returns (bytes memory)
    {
        IContributionLedger.ParticipantStatus status = ghostStatus[p];
        if (status == IContributionLedger.ParticipantStatus.None) {
            return abi.encodeWithSelector(IContributionLedger.LedgerParticipantNotRegistered.selector, p);
        }
        if (status != needed) {
            return abi.encodeWithSelector(IContributionLedger.LedgerParticipantWrongStatus.selector, p, status);
        }
        return "";
    }

    // ---------------------------------------------------------------- internals: rounds

    function _attemptRecord(
        address from,
        uint256 round,
        bytes32 base,
        bytes32 aggregate,
        bytes32 statement,
        IContributionLedger.SignedUpdate[] memory ups
    ) private {
        bytes memory expected = _predict(round, base, aggregate, statement, ups);
        VM.recordLogs();
        bool ok =
            _expect(from, abi.encodeCall(ledger.recordRound, (round, base, aggregate, statement, ups)), expected);
        Vm.Log[] memory logs = VM.getRecordedLogs();
        if (!ok) {
            ++roundsRejected;
            return;
        }
        if (expected.length != 0) return; // counted as unexpected success; model left as is
        ++roundsRecorded;
        ghostStatement[round] = statement;
        _applyRound(round, aggregate, ups);
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(ledger) && logs[i].topics[0] == UPDATE_RECORDED_SIG) {
                uint256 r = uint256(logs[i].topics[1]);
                address p = address(uint160(uint256(logs[i].topics[2])));
                uint256 n = ++creditEvents[r][p];
                if (n > maxCreditEventsPerPair) maxCreditEventsPerPair = n;
            }
        }
    }

    function _applyRound(uint256 round, bytes32 aggregate, IContributionLedger.SignedUpdate[] memory ups) private {
        uint64[] memory scores = new uint64[](ups.length);
        for (uint256 i; i < ups.length; ++i) {
            scores[i] = ups[i].score;
        }
        (uint256[] memory shares, uint256 top, uint256 remainder,) = ReferenceSplit.split(ghostBudget, scores);
        for (uint256 i; i < ups.length; ++i) {
            ghostCredited[ups[i].participant] += shares[i];
        }
        ghostCredited[ups[top].participant] += remainder;
        ghostTotalCredited += ghostBudget;
        ghostLatestRound = round;
        ghostHead = aggregate;
        ghostAggregate[round] = aggregate;
        ghostParticipants[round] = ups.length;
    }

    /// @dev The model's verdict on a recordRound call by the coordinator: "" or the revert data.
    function _predict(
        uint256 round,
        bytes32 base,
        bytes32 aggregate,
        bytes32 statement,
        IContributionLedger.SignedUpdate[] memory ups
    ) private view returns (bytes memory) {
        if (ledger.paused()) return abi.encodeWithSelector(Pausable.EnforcedPause.selector);
        if (statement == bytes32(0)) {
            return abi.encodeWithSelector(IContributionLedger.LedgerZeroStatementDigest.selector);
        }
        if (ups.length == 0) return abi.encodeWithSelector(IContributionLedger.LedgerEmptyRound.selector);
        if (aggregate == bytes32(0)) return abi.encodeWithSelector(IContributionLedger.LedgerZeroModelHash.selector);
        if (round <= ghostLatestRound) {
            return abi.encodeWithSelector(IContributionLedger.LedgerRoundAlreadyRecorded.selector, round);
        }
        if (round != ghostLatestRound + 1) {
            return abi.encodeWithSelector(
                IContributionLedger.LedgerRoundOutOfOrder.selector, ghostLatestRound + 1, round
            );
        }
        if (base != ghostHead) {
            return abi.encodeWithSelector(IContributionLedger.LedgerBaseHashMismatch.selector, ghostHead, base);
        }
        uint256 available = ghostFunded - ghostTotalCredited;
        if (ghostBudget > available) {
            return abi.encodeWithSelector(IContributionLedger.LedgerBudgetNotFunded.selector, ghostBudget, available);
        }
        uint256 total;
        for (uint256 i; i < ups.length; ++i) {
            total += ups[i].score;
        }
        if (total == 0) return abi.encodeWithSelector(IContributionLedger.LedgerZeroTotalScore.selector);
        address previous;
        for (uint256 i; i < ups.length; ++i) {
            address p = ups[i].participant;
            if (p == previous) {
                return abi.encodeWithSelector(IContributionLedger.LedgerDuplicateParticipant.selector, i, p);
            }
            if (p < previous) return abi.encodeWithSelector(IContributionLedger.LedgerUpdatesNotSorted.selector, i);
            previous = p;
            if (ghostStatus[p] != IContributionLedger.ParticipantStatus.Active) {
                return abi.encodeWithSelector(IContributionLedger.LedgerSignerNotActive.selector, i, p);
            }
            if (ups[i].datasetCommitment != ghostCommitment[p]) {
                return abi.encodeWithSelector(IContributionLedger.LedgerCommitmentMismatch.selector, i, p);
            }
            if (_recover(round, base, ups[i]) != p) {
                return abi.encodeWithSelector(IContributionLedger.LedgerInvalidSignature.selector, i, p);
            }
            if (ups[i].numSamples > ghostDatasetSize[p]) {
                return abi.encodeWithSelector(
                    IContributionLedger.LedgerSampleCountExceedsDataset.selector,
                    i,
                    p,
                    ups[i].numSamples,
                    ghostDatasetSize[p]
                );
            }
        }
        return "";
    }

    /// @dev Independent signer recovery: EIP-712 digest, EIP-2098 split, EIP-2 low-s rule.
    function _recover(uint256 round, bytes32 base, IContributionLedger.SignedUpdate memory u)
        private
        view
        returns (address)
    {
        bytes32 digest = _messageDigest(
            Message({
                chainId: block.chainid,
                verifyingContract: address(ledger),
                round: round,
                baseModelHash: base,
                updateHash: u.updateHash,
                numSamples: u.numSamples,
                datasetCommitment: u.datasetCommitment
            })
        );
        uint256 s = uint256(u.vs) & ((uint256(1) << 255) - 1);
        if (s > HALF_N) return address(0);
        uint8 v = uint8(uint256(u.vs) >> 255) + 27;
        return ecrecover(digest, v, u.r, bytes32(s));
    }

    function _sign(uint256 key, uint256 round, bytes32 base, uint256 salt, uint64 score, uint256 chainId)
        private
        view
        returns (IContributionLedger.SignedUpdate memory)
    {
        return _signCount(key, round, base, salt, score, chainId, _honestCount(VM.addr(key), salt));
    }

    /// @dev At most the registered dataset size (below 100,000 for an unregistered key).
    function _honestCount(address p, uint256 salt) private view returns (uint64) {
        uint256 size = ghostStatus[p] == IContributionLedger.ParticipantStatus.None ? 99_999 : ghostDatasetSize[p];
        return uint64(salt % (size + 1));
    }

    function _signCount(
        uint256 key,
        uint256 round,
        bytes32 base,
        uint256 salt,
        uint64 score,
        uint256 chainId,
        uint64 numSamples
    ) private view returns (IContributionLedger.SignedUpdate memory) {
        address p = VM.addr(key);
        bytes32 commitment = ghostStatus[p] == IContributionLedger.ParticipantStatus.None
            ? keccak256(abi.encode("unregistered", p))
            : ghostCommitment[p];
        Message memory m = Message({
            chainId: chainId,
            verifyingContract: address(ledger),
            round: round,
            baseModelHash: base,
            updateHash: keccak256(abi.encode("update", salt, p)),
            numSamples: numSamples,
            datasetCommitment: commitment
        });
        return _update(p, m, score, key);
    }

    function _scoreFor(uint256 seed, uint256 i) private pure returns (uint64) {
        uint256 r = uint256(keccak256(abi.encode(seed, i, "score")));
        if (r % 8 == 0) return 0;
        if (r % 16 == 1) return type(uint64).max;
        return uint64((r >> 8) % 1_000);
    }

    /// @dev Signed updates of the active pool members picked by `seed` (at least one when any is active).
    function _buildUpdates(uint256 seed, uint256 round, bytes32 base)
        private
        view
        returns (IContributionLedger.SignedUpdate[] memory ups)
    {
        uint256[] memory picked = new uint256[](POOL);
        uint256 n;
        uint256 firstActive = type(uint256).max;
        for (uint256 i; i < POOL; ++i) {
            if (ghostStatus[actor(i)] != IContributionLedger.ParticipantStatus.Active) continue;
            if (firstActive == type(uint256).max) firstActive = i;
            if ((seed >> i) & 1 == 1) picked[n++] = i;
        }
        if (n == 0 && firstActive != type(uint256).max) picked[n++] = firstActive;
        ups = new IContributionLedger.SignedUpdate[](n);
        for (uint256 k; k < n; ++k) {
            ups[k] = _sign(_keys[picked[k]], round, base, _salt(seed, k), _scoreFor(seed, k), block.chainid);
        }
        _sortByParticipant(ups);
    }

    function _mutate(
        uint256 kind,
        uint256 seed,
        uint256 round,
        bytes32 base,
        bytes32 aggregate,
        IContributionLedger.SignedUpdate[] memory ups
    ) private view returns (uint256, bytes32, bytes32, IContributionLedger.SignedUpdate[] memory) {
        uint256 n = ups.length;
        uint256 j = n == 0 ? 0 : (seed >> 128) % n;
        if (kind == 0) {
            ups = new IContributionLedger.SignedUpdate[](0);
        } else if (kind == 1) {
            aggregate = bytes32(0);
        } else if (kind == 2) {
            round = ghostLatestRound; // replay the recorded round number (0 before any round)
        } else if (kind == 3) {
            round = ghostLatestRound + 2 + (seed % 3);
        } else if (kind == 4) {
            base = keccak256(abi.encode("wrong base", seed));
        } else if (kind == 5) {
            for (uint256 i; i < n; ++i) {
                ups[i].score = 0;
            }
        } else if (kind == 6 && n > 0) {
            ups[j].updateHash = keccak256(abi.encode(ups[j].updateHash));
        } else if (kind == 7 && n > 0) {
            ups[j].numSamples = ups[j].numSamples + 1;
        } else if (kind == 8 && n > 0) {
            // a signature made for the previous round (replay)
            ups[j] = _sign(_keyOf(ups[j].participant), round - 1, base, _salt(seed, j), ups[j].score, block.chainid);
        } else if (kind == 9 && n > 0) {
            // a signature made for another chain
            ups[j] = _sign(_keyOf(ups[j].participant), round, base, _salt(seed, j), ups[j].score, block.chainid + 1);
        } else if (kind == 10) {
            // a correctly signed update of someone never registered (or inactive)
            ups = _append(ups, _sign(_keys[POOL + seed % OUTSIDERS], round, base, seed, 5, block.chainid));
            _sortByParticipant(ups);
        } else if (kind == 11 && n > 0) {
            ups = _append(ups, ups[j]); // duplicate
            _sortByParticipant(ups);
        } else if (kind == 12 && n > 1) {
            (ups[0], ups[n - 1]) = (ups[n - 1], ups[0]);
        } else if (kind == 13 && n > 0) {
            ups[j].datasetCommitment = keccak256(abi.encode("other dataset", seed));
        } else if (kind == 14 && n > 0) {
            IContributionLedger.SignedUpdate memory forged =
                _sign(_keys[POOL], round, base, _salt(seed, j), ups[j].score, block.chainid);
            (ups[j].r, ups[j].vs) = (forged.r, forged.vs); // signed by an outsider's key
        } else if (kind == 15 && n > 0) {
            ups[j] = _signInflated(ups[j], round, base, seed, j);
        }
        return (round, base, aggregate, ups);
    }

    /// @dev `u` re-signed, correctly, with a count above its participant's registered dataset size.
    function _signInflated(IContributionLedger.SignedUpdate memory u, uint256 round, bytes32 base, uint256 seed, uint256 j)
        private
        view
        returns (IContributionLedger.SignedUpdate memory)
    {
        uint64 inflated = uint64(ghostDatasetSize[u.participant] + 1 + (seed >> 64) % 1_000);
        return _signCount(_keyOf(u.participant), round, base, _salt(seed, j), u.score, block.chainid, inflated);
    }

    function _salt(uint256 seed, uint256 k) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, k)));
    }

    function _keyOf(address p) private view returns (uint256) {
        for (uint256 i; i < _keys.length; ++i) {
            if (VM.addr(_keys[i]) == p) return _keys[i];
        }
        return _keys[0];
    }

    function _append(IContributionLedger.SignedUpdate[] memory ups, IContributionLedger.SignedUpdate memory u)
        private
        pure
        returns (IContributionLedger.SignedUpdate[] memory out)
    {
        out = new IContributionLedger.SignedUpdate[](ups.length + 1);
        for (uint256 i; i < ups.length; ++i) {
            out[i] = ups[i];
        }
        out[ups.length] = u;
    }
}
