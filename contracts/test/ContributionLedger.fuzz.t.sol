// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// solhint-disable function-max-lines

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IContributionLedger} from "../IContributionLedger.sol";
import {Vm} from "./Vm.sol";
import {LedgerTestBase, ReferenceSplit} from "./LedgerTestBase.sol";

/// @dev Fuzz tests: the reward split against a reference implementation, funding bounds,
/// arbitrary signer keys, and signatures over any differing field.
contract ContributionLedgerFuzzTest is LedgerTestBase {
    uint256 internal constant MAX_PARTICIPANTS = 20;

    bytes32 internal constant UPDATE_RECORDED_SIG =
        keccak256("UpdateRecorded(uint256,address,bytes32,uint256,uint256)");
    bytes32 internal constant ROUND_RECORDED_SIG =
        keccak256("RoundRecorded(uint256,bytes32,bytes32,bytes32,bytes32,uint256,uint256,uint256,address,uint256)");

    /// @dev 20 registered participants with keys spread over the whole secp256k1 range.
    uint256[] internal pks;

    /// @dev What a recorded round reported.
    struct Reported {
        uint256 updateEvents;
        address remainderRecipient;
        uint256 remainder;
        uint256 totalScore;
    }

    function setUp() public override {
        super.setUp();
        for (uint256 i; i < MAX_PARTICIPANTS; ++i) {
            uint256 pk = bound(uint256(keccak256(abi.encode("fuzz.participant", i))), 1, SECP256K1_N - 1);
            pks.push(pk);
            _register(vm.addr(pk), keccak256(abi.encode("fuzz.dataset", i)));
        }
    }

    // ------------------------------------------------------------ helpers

    /// @dev Scores mixing the edge cases: 0, 1, type(uint64).max (and max - 1), small and full-range values.
    function _scoreFor(uint256 seed, uint256 i) internal pure returns (uint64) {
        uint256 r = uint256(keccak256(abi.encode(seed, i, "score")));
        uint256 kind = r % 8;
        if (kind == 0) return 0;
        if (kind == 1) return type(uint64).max;
        if (kind == 2) return type(uint64).max - 1;
        if (kind == 3) return 1;
        if (kind < 6) return uint64((r >> 8) % 100);
        return uint64(r >> 64);
    }

    /// @dev Sets the budget, funding it exactly when it is fundable (returns false when it is not).
    function _fundBudget(uint128 budget) internal returns (bool fundable) {
        fundable = budget <= MAX_FUNDABLE;
        if (!fundable) _fund(MAX_FUNDABLE);
        else if (budget > 0) _fund(budget);
        _setBudget(budget);
    }

    /// @dev Signed round-1 updates for `n` of the given keys, sorted by participant.
    function _updatesFor(uint256[] memory keys, uint64[] memory scores, uint256 n)
        internal
        view
        returns (IContributionLedger.SignedUpdate[] memory ups)
    {
        ups = new IContributionLedger.SignedUpdate[](n);
        for (uint256 i; i < n; ++i) {
            ups[i] = _signed(keys[i], 1, GENESIS, keccak256(abi.encode("upd", keys[i])), uint64(1_000 + i), scores[i]);
        }
        _sortByParticipant(ups);
    }

    function _scoresOf(IContributionLedger.SignedUpdate[] memory ups) internal pure returns (uint64[] memory s) {
        s = new uint64[](ups.length);
        for (uint256 i; i < ups.length; ++i) {
            s[i] = ups[i].score;
        }
    }

    /// @dev Records round 1 (or checks the expected refusal) and verifies the split exactly.
    function _recordAndCheckSplit(IContributionLedger.SignedUpdate[] memory ups, uint128 budget, bool fundable)
        internal
    {
        (uint256[] memory shares, uint256 top, uint256 remainder, uint256 total) =
            ReferenceSplit.split(budget, _scoresOf(ups));

        if (total == 0) {
            vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroTotalScore.selector));
            _record(1, GENESIS, _aggregate(1), ups);
            return;
        }
        if (!fundable) {
            vm.expectRevert(
                abi.encodeWithSelector(IContributionLedger.LedgerBudgetNotFunded.selector, budget, MAX_FUNDABLE)
            );
            _record(1, GENESIS, _aggregate(1), ups);
            return;
        }

        vm.recordLogs();
        _record(1, GENESIS, _aggregate(1), ups);
        Reported memory rep = _reported(vm.getRecordedLogs());

        assertEq(rep.updateEvents, ups.length, "one UpdateRecorded per update");
        assertEq(rep.remainderRecipient, ups[top].participant, "remainder recipient = first highest score");
        assertEq(rep.remainder, remainder, "remainder");
        assertEq(rep.totalScore, total, "totalScore");
        assertLt(remainder, ups.length, "remainder < number of updates");

        uint256 sum;
        for (uint256 i; i < ups.length; ++i) {
            uint256 credited = ledger.participantInfo(ups[i].participant).credited;
            uint256 expected = uint256(budget) * ups[i].score / total; // floor(B * s_i / S)
            assertEq(shares[i], expected, "reference share");
            if (i == top) expected += remainder;
            assertEq(credited, expected, "credit");
            sum += credited;
        }
        assertEq(sum, budget, "sum of credits == budget");
        assertEq(ledger.totalCredited(), budget, "totalCredited == budget");
        assertEq(ledger.roundRecord(1).totalScore, total, "record.totalScore");
        assertEq(ledger.roundRecord(1).updatesDigest, _expectedUpdatesDigest(ups), "record.updatesDigest");
    }

    function _reported(Vm.Log[] memory logs) internal view returns (Reported memory rep) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(ledger)) continue;
            if (logs[i].topics[0] == UPDATE_RECORDED_SIG) {
                assertEq(uint256(logs[i].topics[1]), 1, "UpdateRecorded.round");
                ++rep.updateEvents;
            } else if (logs[i].topics[0] == ROUND_RECORDED_SIG) {
                (,,, bytes32 statement,,, uint256 totalScore, address recipient, uint256 remainder) = abi.decode(
                    logs[i].data, (bytes32, bytes32, bytes32, bytes32, uint256, uint256, uint256, address, uint256)
                );
                assertEq(statement, _statement(1), "RoundRecorded.statementDigest");
                rep.remainderRecipient = recipient;
                rep.remainder = remainder;
                rep.totalScore = totalScore;
            }
        }
    }

    // ------------------------------------------------------------ split

    /// @dev Fuzzed scores (the fuzzer's dictionary supplies 0 and type(uint64).max), count and budget.
    function testFuzz_split_fuzzedScores(uint64[20] memory scores, uint256 nRaw, uint128 budget) public {
        uint256 n = bound(nRaw, 1, MAX_PARTICIPANTS);
        bool fundable = _fundBudget(budget);
        uint64[] memory s = new uint64[](n);
        for (uint256 i; i < n; ++i) {
            s[i] = scores[i];
        }
        _recordAndCheckSplit(_updatesFor(pks, s, n), budget, fundable);
    }

    /// @dev Seeded scores biased towards the edge cases, with fresh signer keys from the whole key range.
    function testFuzz_split_seededScoresFreshKeys(uint256 seed, uint256 nRaw, uint128 budget) public {
        uint256 n = bound(nRaw, 1, MAX_PARTICIPANTS);
        bool fundable = _fundBudget(budget);
        uint256[] memory keys = new uint256[](n);
        uint64[] memory s = new uint64[](n);
        for (uint256 i; i < n; ++i) {
            keys[i] = bound(uint256(keccak256(abi.encode(seed, i, "key"))), 1, SECP256K1_N - 1);
            address p = vm.addr(keys[i]);
            vm.assume(ledger.participantInfo(p).status == IContributionLedger.ParticipantStatus.None);
            _register(p, keccak256(abi.encode(seed, i, "data")));
            s[i] = _scoreFor(seed, i);
        }
        _recordAndCheckSplit(_updatesFor(keys, s, n), budget, fundable);
    }

    /// @dev All scores equal: everyone gets floor(B / n), the first participant the remainder.
    function testFuzz_split_equalScores(uint64 score, uint256 nRaw, uint128 budgetRaw) public {
        vm.assume(score > 0);
        uint256 n = bound(nRaw, 1, MAX_PARTICIPANTS);
        uint128 budget = uint128(bound(budgetRaw, 0, MAX_FUNDABLE));
        _fundBudget(budget);
        uint64[] memory s = new uint64[](n);
        for (uint256 i; i < n; ++i) {
            s[i] = score;
        }
        IContributionLedger.SignedUpdate[] memory ups = _updatesFor(pks, s, n);
        _record(1, GENESIS, _aggregate(1), ups);
        uint256 share = uint256(budget) / n;
        assertEq(ledger.participantInfo(ups[0].participant).credited, share + (budget - share * n), "first");
        for (uint256 i = 1; i < n; ++i) {
            assertEq(ledger.participantInfo(ups[i].participant).credited, share, "equal share");
        }
    }

    // ------------------------------------------------------------ funding

    function testFuzz_fund_boundAt2pow104(uint256 first, uint256 second) public {
        first = bound(first, 1, type(uint128).max);
        second = bound(second, 1, type(uint128).max);
        if (first > MAX_FUNDABLE) {
            vm.prank(treasury);
            vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 104, first));
            ledger.fund(first);
            first = MAX_FUNDABLE - (first % MAX_FUNDABLE); // keep going with a fundable amount
        }
        _fund(first);
        assertEq(ledger.totalFunded(), first, "first deposit");
        if (first + second > MAX_FUNDABLE) {
            vm.prank(treasury);
            vm.expectRevert(
                abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 104, first + second)
            );
            ledger.fund(second);
            assertEq(ledger.totalFunded(), first, "unchanged");
        } else {
            _fund(second);
            assertEq(ledger.totalFunded(), first + second, "both deposits");
        }
        assertEq(token.balanceOf(address(ledger)), ledger.totalFunded(), "balance == funded");
    }

    function testFuzz_budgetMustBeFunded(uint128 budget, uint256 fundedRaw) public {
        uint256 funded = bound(fundedRaw, 1, MAX_FUNDABLE);
        _fund(funded);
        _setBudget(budget);
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        if (budget > funded) {
            vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerBudgetNotFunded.selector, budget, funded));
            _record(1, GENESIS, _aggregate(1), ups);
        } else {
            _record(1, GENESIS, _aggregate(1), ups);
            assertEq(ledger.participantInfo(alice).credited, budget, "whole budget to the only participant");
            assertEq(ledger.totalCredited(), budget, "totalCredited");
            assertLe(ledger.totalCredited(), ledger.totalFunded(), "credited <= funded");
        }
    }

    // ------------------------------------------------------------ signatures

    /// @dev `numSamples` is a uint48: at most the registered DATASET_SIZE.
    function testFuzz_anySignerKey(uint256 pkRaw, bytes32 updateHash, uint48 numSamples, bytes32 commitment) public {
        uint256 pk = bound(pkRaw, 1, SECP256K1_N - 1);
        address p = vm.addr(pk);
        vm.assume(ledger.participantInfo(p).status == IContributionLedger.ParticipantStatus.None);
        _register(p, commitment);
        _fund(BUDGET);
        IContributionLedger.SignedUpdate[] memory ups = _one(_signed(pk, 1, GENESIS, updateHash, numSamples, 7));
        assertEq(ups[0].datasetCommitment, commitment, "signed commitment");
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(p).credited, BUDGET, "credited");
    }

    /// @dev A signature over a message differing from the submitted update in any one field
    /// (round, base hash, update hash, sample count, dataset commitment, chain id, verifying
    /// contract) is refused with LedgerInvalidSignature; the genuine one is then accepted.
    function testFuzz_signatureOverDifferingFieldRejected(
        uint256 pkRaw,
        uint8 field,
        uint256 alt,
        bytes32 updateHash,
        uint48 numSamples, // at most the registered DATASET_SIZE
        bytes32 commitment
    ) public {
        uint256 pk = bound(pkRaw, 1, SECP256K1_N - 1);
        address p = vm.addr(pk);
        vm.assume(ledger.participantInfo(p).status == IContributionLedger.ParticipantStatus.None);
        _register(p, commitment);
        _fund(BUDGET);

        Message memory real = _message(1, GENESIS, updateHash, numSamples, commitment);
        assertEq(_messageDigest(real), ledger.updateDigest(1, GENESIS, updateHash, numSamples, commitment), "digest");
        Message memory signedMsg = _message(1, GENESIS, updateHash, numSamples, commitment);
        uint256 which = field % 7;
        if (which == 0) {
            vm.assume(alt != real.round);
            signedMsg.round = alt;
        } else if (which == 1) {
            vm.assume(bytes32(alt) != real.baseModelHash);
            signedMsg.baseModelHash = bytes32(alt);
        } else if (which == 2) {
            vm.assume(bytes32(alt) != real.updateHash);
            signedMsg.updateHash = bytes32(alt);
        } else if (which == 3) {
            vm.assume(uint64(alt) != real.numSamples);
            signedMsg.numSamples = uint64(alt);
        } else if (which == 4) {
            vm.assume(bytes32(alt) != real.datasetCommitment);
            signedMsg.datasetCommitment = bytes32(alt);
        } else if (which == 5) {
            vm.assume(alt != real.chainId);
            signedMsg.chainId = alt;
        } else {
            vm.assume(address(uint160(alt)) != real.verifyingContract);
            signedMsg.verifyingContract = address(uint160(alt));
        }

        IContributionLedger.SignedUpdate memory bad = _update(p, signedMsg, 1, pk);
        // submitted with the real fields
        bad.updateHash = updateHash;
        bad.numSamples = numSamples;
        bad.datasetCommitment = commitment;
        IContributionLedger.SignedUpdate[] memory ups = _one(bad);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerInvalidSignature.selector, 0, p));
        _record(1, GENESIS, _aggregate(1), ups);

        ups[0] = _update(p, real, 1, pk);
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(p).credited, BUDGET, "genuine signature accepted");
    }

    /// @dev A correctly signed update is recorded exactly when its sample count is at most the
    /// dataset size registered for its participant; above it, the round reverts with the
    /// update's index, participant, count and the registered size.
    function testFuzz_sampleCountBoundedByDatasetSize(uint256 who, uint48 sizeRaw, uint64 numSamples, bool within)
        public
    {
        uint48 size = sizeRaw == 0 ? 1 : sizeRaw;
        // half the runs on each side of the bound (bound() favours its edges: size and size + 1)
        numSamples = uint64(within ? bound(numSamples, 0, size) : bound(numSamples, uint256(size) + 1, type(uint64).max));
        _recordWithSize(pks[who % MAX_PARTICIPANTS], size, numSamples);
    }

    /// @dev Registers `size` for the key's participant, then records one update of `numSamples`.
    function _recordWithSize(uint256 pk, uint48 size, uint64 numSamples) internal {
        address p = vm.addr(pk);
        vm.prank(p);
        ledger.updateDatasetCommitment(keccak256(abi.encode("fuzz.resized", p)), size, bytes32(0));
        assertEq(ledger.participantInfo(p).datasetSize, size, "registered size");
        _fund(BUDGET);
        IContributionLedger.SignedUpdate[] memory ups = _one(_signed(pk, 1, GENESIS, _updateHash(pk, 1), numSamples, 1));
        if (numSamples > size) {
            vm.expectRevert(
                abi.encodeWithSelector(IContributionLedger.LedgerSampleCountExceedsDataset.selector, 0, p, numSamples, size)
            );
            _record(1, GENESIS, _aggregate(1), ups);
            assertEq(ledger.latestRound(), 0, "not recorded");
        } else {
            _record(1, GENESIS, _aggregate(1), ups);
            assertEq(ledger.participantInfo(p).credited, BUDGET, "recorded and credited");
        }
    }

    /// @dev The coordinator altering a signed field of the submitted update is caught.
    function testFuzz_tamperedSubmissionRejected(uint256 who, uint8 field, bytes32 alt, uint64 altSamples) public {
        uint256 idx = bound(who, 0, MAX_PARTICIPANTS - 1);
        uint64[] memory s = new uint64[](MAX_PARTICIPANTS);
        for (uint256 i; i < MAX_PARTICIPANTS; ++i) {
            s[i] = uint64(i + 1);
        }
        _fund(BUDGET);
        IContributionLedger.SignedUpdate[] memory ups = _updatesFor(pks, s, MAX_PARTICIPANTS);
        IContributionLedger.SignedUpdate memory u = ups[idx];
        uint256 which = field % 3;
        if (which == 0) {
            vm.assume(alt != u.updateHash);
            u.updateHash = alt;
            vm.expectRevert(
                abi.encodeWithSelector(IContributionLedger.LedgerInvalidSignature.selector, idx, u.participant)
            );
        } else if (which == 1) {
            vm.assume(altSamples != u.numSamples);
            u.numSamples = altSamples;
            vm.expectRevert(
                abi.encodeWithSelector(IContributionLedger.LedgerInvalidSignature.selector, idx, u.participant)
            );
        } else {
            vm.assume(alt != u.datasetCommitment);
            u.datasetCommitment = alt;
            vm.expectRevert(
                abi.encodeWithSelector(IContributionLedger.LedgerCommitmentMismatch.selector, idx, u.participant)
            );
        }
        _record(1, GENESIS, _aggregate(1), ups);
    }

    /// @dev Updates in any order other than strictly ascending participant order are refused.
    function testFuzz_unsortedRejected(uint256 nRaw, uint256 i, uint256 j) public {
        uint256 n = bound(nRaw, 2, MAX_PARTICIPANTS);
        i = bound(i, 0, n - 1);
        j = bound(j, 0, n - 1);
        vm.assume(i != j);
        if (i > j) (i, j) = (j, i);
        _fund(BUDGET);
        uint64[] memory s = new uint64[](n);
        for (uint256 k; k < n; ++k) {
            s[k] = 1;
        }
        IContributionLedger.SignedUpdate[] memory ups = _updatesFor(pks, s, n);
        (ups[i], ups[j]) = (ups[j], ups[i]); // first out-of-order position is i + 1
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerUpdatesNotSorted.selector, i + 1));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    // ------------------------------------------------------------ multi-round accounting

    function testFuzz_multiRoundConservation(uint256 seed) public {
        _fund(MAX_FUNDABLE);
        uint256 rounds = 2 + seed % 4;
        uint256 budgets;
        uint256 claimedTotal;
        for (uint256 r = 1; r <= rounds; ++r) {
            uint256 rs = uint256(keccak256(abi.encode(seed, r)));
            uint128 budget = uint128(rs % (uint256(1) << (rs >> 250 < 32 ? 40 : 96)));
            _setBudget(budget);
            // a random non-empty subset of the 20 participants with at least one non-zero score
            uint256 n = 1 + (rs >> 8) % MAX_PARTICIPANTS;
            uint64[] memory s = new uint64[](n);
            uint256[] memory keys = new uint256[](n);
            uint256 offset = (rs >> 16) % MAX_PARTICIPANTS;
            for (uint256 k; k < n; ++k) {
                keys[k] = pks[(offset + k) % MAX_PARTICIPANTS];
                s[k] = _scoreFor(rs, k);
            }
            s[0] = s[0] == 0 ? 1 : s[0];
            bytes32 base = ledger.headModelHash();
            IContributionLedger.SignedUpdate[] memory ups = new IContributionLedger.SignedUpdate[](n);
            for (uint256 k; k < n; ++k) {
                ups[k] = _signed(keys[k], r, base, keccak256(abi.encode(rs, k)), uint64(k), s[k]);
            }
            _sortByParticipant(ups);
            _record(r, base, _aggregate(r), ups);
            budgets += budget;

            // someone claims
            address claimer = vm.addr(pks[(rs >> 24) % MAX_PARTICIPANTS]);
            uint256 claimable = ledger.claimable(claimer);
            if (claimable > 0) {
                vm.prank(claimer);
                claimedTotal += ledger.claim(claimer);
            }
        }
        uint256 sumCredited;
        uint256 sumClaimed;
        for (uint256 k; k < MAX_PARTICIPANTS; ++k) {
            IContributionLedger.ParticipantInfo memory info = ledger.participantInfo(vm.addr(pks[k]));
            assertEq(
                info.credited, info.claimed + ledger.claimable(vm.addr(pks[k])), "credited == claimed + claimable"
            );
            sumCredited += info.credited;
            sumClaimed += info.claimed;
        }
        assertEq(sumCredited, budgets, "sum credited == sum of budgets");
        assertEq(ledger.totalCredited(), budgets, "totalCredited");
        assertEq(sumClaimed, claimedTotal, "claimed");
        assertEq(token.balanceOf(address(ledger)), MAX_FUNDABLE - claimedTotal, "ledger balance");
        assertEq(ledger.latestRound(), rounds, "latestRound");
    }
}
