// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ContributionLedger} from "../ContributionLedger.sol";
import {IContributionLedger} from "../IContributionLedger.sol";
import {RewardToken} from "../RewardToken.sol";
import {Test, InvariantTest} from "./Test.sol";
import {LedgerHandler} from "./LedgerHandler.sol";

/**
 * @dev The handler as deployed. Declared in this file because Hardhat writes artifacts only
 * for the contracts of the files it was asked to compile, and the invariant runner identifies
 * target contracts by their artifact: `hardhat test solidity <this file>` alone would otherwise
 * fail with "address does not have an associated contract".
 */
contract InvariantLedgerHandler is LedgerHandler {
    constructor(
        ContributionLedger ledger_,
        RewardToken token_,
        address admin_,
        address registrar_,
        address coordinator_,
        address treasury_
    ) LedgerHandler(ledger_, token_, admin_, registrar_, coordinator_, treasury_) {}
}

/**
 * @dev Invariant tests: LedgerHandler drives random registrations, status changes, funding,
 * budget changes, valid and invalid rounds (signed with vm.sign), rounds submitted by
 * strangers, pauses and claims; these properties must hold after every call.
 */
contract ContributionLedgerInvariantTest is Test, InvariantTest {
    bytes32 internal constant GENESIS = keccak256("fedledger.invariant.genesis");

    RewardToken internal token;
    ContributionLedger internal ledger;
    LedgerHandler internal handler;

    function setUp() public {
        address admin = makeAddr("inv.admin");
        address registrar = makeAddr("inv.registrar");
        address coordinator = makeAddr("inv.coordinator");
        address treasury = makeAddr("inv.treasury");

        token = new RewardToken("FedLedger Reward", "FLR", treasury, type(uint128).max);
        ledger = new ContributionLedger(IERC20(address(token)), GENESIS, 1_000e18, admin);
        vm.startPrank(admin);
        ledger.grantRole(ledger.REGISTRAR_ROLE(), registrar);
        ledger.grantRole(ledger.COORDINATOR_ROLE(), coordinator);
        vm.stopPrank();
        vm.prank(treasury);
        token.approve(address(ledger), type(uint256).max);

        handler = new InvariantLedgerHandler(ledger, token, admin, registrar, coordinator, treasury);
        // start with half of the pool registered (through the handler, so its model follows)
        for (uint256 i; i < handler.POOL() / 2; ++i) {
            // sizes of 1..1000 records (LedgerHandler.datasetSizeFor, kind 3)
            handler.registerParticipant(
                i,
                keccak256(abi.encode("inv.dataset", i)),
                (uint256(keccak256(abi.encode("inv.size", i))) << 3) | 3,
                i == 0 ? bytes32(0) : keccak256(abi.encode("inv.attestation", i))
            );
        }

        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = LedgerHandler.registerParticipant.selector;
        selectors[1] = LedgerHandler.deactivateParticipant.selector;
        selectors[2] = LedgerHandler.reactivateParticipant.selector;
        selectors[3] = LedgerHandler.updateDatasetCommitment.selector;
        selectors[4] = LedgerHandler.setRoundBudget.selector;
        selectors[5] = LedgerHandler.fund.selector;
        selectors[6] = LedgerHandler.recordRound.selector;
        selectors[7] = LedgerHandler.recordRoundAsStranger.selector;
        selectors[8] = LedgerHandler.claim.selector;
        selectors[9] = LedgerHandler.pausedCalls.selector;
        selectors[10] = LedgerHandler.warp.selector;
        selectors[11] = LedgerHandler.recordValidRound.selector;
        selectors[12] = LedgerHandler.setParticipantDataset.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /**
     * Tokens are conserved: per participant credited == claimed + claimable (and matches the
     * handler's model); sum of credits == totalCredited <= totalFunded; the ledger holds
     * exactly totalFunded - claimed.
     *
     * hardhat-config: invariant.runs = 32
     * hardhat-config: invariant.depth = 80
     */
    function invariant_tokensConserved() public view {
        uint256 sumCredited;
        uint256 sumClaimed;
        uint256 n = handler.actorCount();
        for (uint256 i; i < n; ++i) {
            address p = handler.actor(i);
            IContributionLedger.ParticipantInfo memory info = ledger.participantInfo(p);
            assertEq(info.credited, info.claimed + ledger.claimable(p), "credited == claimed + claimable");
            assertEq(info.credited, handler.ghostCredited(p), "credited == model");
            assertEq(info.claimed, handler.ghostClaimedOf(p), "claimed == model");
            assertEq(uint256(info.status), uint256(handler.ghostStatus(p)), "status == model");
            if (info.status != IContributionLedger.ParticipantStatus.None) {
                assertEq(info.datasetCommitment, handler.ghostCommitment(p), "commitment == model");
                assertEq(info.datasetSize, handler.ghostDatasetSize(p), "dataset size == model");
                assertEq(info.attestationDigest, handler.ghostAttestation(p), "attestation == model");
                assertGt(info.datasetSize, 0, "a registered dataset is never empty");
            }
            sumCredited += info.credited;
            sumClaimed += info.claimed;
        }
        assertEq(sumCredited, ledger.totalCredited(), "sum of credits == totalCredited");
        assertEq(ledger.totalCredited(), handler.ghostTotalCredited(), "totalCredited == model");
        assertLe(ledger.totalCredited(), ledger.totalFunded(), "credited <= funded");
        assertEq(ledger.totalFunded(), handler.ghostFunded(), "totalFunded == model");
        assertLe(ledger.totalFunded(), (uint256(1) << 104) - 1, "funded < 2^104");
        assertEq(sumClaimed, handler.ghostTotalClaimed(), "sum of claims == model");
        assertEq(
            token.balanceOf(address(ledger)),
            ledger.totalFunded() - handler.ghostTotalClaimed(),
            "ledger balance == funded - claimed"
        );
        assertEq(ledger.roundBudget(), handler.ghostBudget(), "budget == model");
    }

    /**
     * Rounds are strictly sequential and form a hash chain from the genesis; each
     * (round, participant) pair is credited at most once; records match what was submitted.
     *
     * hardhat-config: invariant.runs = 32
     * hardhat-config: invariant.depth = 80
     */
    function invariant_roundsSequentialWithLineage() public view {
        uint256 latest = ledger.latestRound();
        assertEq(latest, handler.ghostLatestRound(), "latestRound == model");
        assertEq(latest, handler.roundsRecorded(), "one round per successful record");
        bytes32 previousAggregate = GENESIS;
        uint256 previousTime;
        uint256 budgets;
        for (uint256 r = 1; r <= latest; ++r) {
            IContributionLedger.RoundRecord memory rec = ledger.roundRecord(r);
            assertEq(rec.baseModelHash, previousAggregate, "lineage: base(r) == aggregate(r-1), genesis for r = 1");
            assertNotEq(rec.aggregateModelHash, bytes32(0), "aggregate != 0");
            assertEq(rec.aggregateModelHash, handler.ghostAggregate(r), "aggregate == submitted");
            assertEq(rec.statementDigest, handler.ghostStatement(r), "statement digest == submitted");
            assertNotEq(rec.statementDigest, bytes32(0), "statement digest != 0");
            assertEq(rec.participantCount, handler.ghostParticipants(r), "participantCount == submitted");
            assertGt(rec.participantCount, 0, "non-empty round");
            assertGt(rec.totalScore, 0, "positive total score");
            assertGe(rec.recordedAt, previousTime, "recordedAt non-decreasing");
            previousAggregate = rec.aggregateModelHash;
            previousTime = rec.recordedAt;
            budgets += rec.budget;
        }
        assertEq(ledger.headModelHash(), previousAggregate, "head == latest aggregate (genesis before round 1)");
        assertEq(ledger.roundRecord(latest + 1).aggregateModelHash, bytes32(0), "nothing beyond latest");
        assertEq(budgets, ledger.totalCredited(), "sum of round budgets == totalCredited");
        assertLe(handler.maxCreditEventsPerPair(), 1, "each (round, participant) credited at most once");
    }

    /**
     * Only the coordinator records rounds, and every call's outcome (success, or the exact
     * custom error) is the one the handler's model predicted.
     *
     * hardhat-config: invariant.runs = 32
     * hardhat-config: invariant.depth = 80
     */
    function invariant_onlyExpectedOutcomes() public view {
        assertEq(handler.unauthorizedRecordSuccesses(), 0, "a non-coordinator recorded a round");
        assertEq(handler.unexpectedSuccesses(), 0, "a call the model refuses succeeded");
        assertEq(handler.unexpectedErrors(), 0, "a call failed differently from the model");
        assertFalse(ledger.paused(), "left paused");
    }
}
