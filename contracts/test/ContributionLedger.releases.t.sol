// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// solhint-disable function-max-lines, one-contract-per-file

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ContributionLedger} from "../ContributionLedger.sol";
import {IContributionLedger} from "../IContributionLedger.sol";
import {LedgerTestBase} from "./LedgerTestBase.sol";

/// @dev A contract approver (a multisig stand-in): ERC-1271-valid when its owner signed the digest.
contract ApproverWallet is IERC1271 {
    address private immutable _owner;

    constructor(address owner_) {
        _owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, signature);
        return error == ECDSA.RecoverError.NoError && signer == _owner ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}

/// @dev Model releases: k-of-n EIP-712 approvals, the threshold, deprecation and rollback.
contract ContributionLedgerReleasesTest is LedgerTestBase {
    uint256 internal constant APPROVER_A_PK = 0xA991;
    uint256 internal constant APPROVER_B_PK = 0xB992;
    uint256 internal constant APPROVER_C_PK = 0xC993;
    bytes32 internal constant REPORT = keccak256("evaluation report v1");

    bytes32 internal approverRole;
    /// @dev The three approvers' keys, in ascending address order.
    uint256[3] internal approverKeys;

    function setUp() public override {
        super.setUp();
        approverRole = ledger.APPROVER_ROLE();
        uint256[3] memory keys = [APPROVER_A_PK, APPROVER_B_PK, APPROVER_C_PK];
        _sortKeys(keys);
        approverKeys = keys;
        vm.startPrank(admin);
        for (uint256 i; i < 3; ++i) {
            ledger.grantRole(approverRole, vm.addr(keys[i]));
        }
        ledger.setReleaseThreshold(2);
        vm.stopPrank();
        _fund(10 * uint256(BUDGET));
        _recordNext(1, 2, 3);
        _recordNext(3, 2, 1);
    }

    // ------------------------------------------------------------ helpers

    function _sortKeys(uint256[3] memory keys) private pure {
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(keys[j - 1]) > vm.addr(keys[j]); --j) {
                (keys[j - 1], keys[j]) = (keys[j], keys[j - 1]);
            }
        }
    }

    function _approver(uint256 i) internal view returns (address) {
        return vm.addr(approverKeys[i]);
    }

    /// @dev The approval digest, from the contract's view AND recomputed from first principles.
    function _digest(uint256 round, string memory tag, bytes32 report) internal view returns (bytes32 digest) {
        bytes32 modelHash = ledger.roundRecord(round).aggregateModelHash;
        digest = ledger.releaseApprovalDigest(round, modelHash, tag, report);
        assertEq(
            digest,
            _releaseDigest(block.chainid, address(ledger), round, modelHash, tag, report),
            "releaseApprovalDigest != recomputed"
        );
    }

    function _approval(uint256 pk, uint256 round, string memory tag, bytes32 report)
        internal
        view
        returns (IContributionLedger.ReleaseApproval memory)
    {
        return IContributionLedger.ReleaseApproval({
            approver: vm.addr(pk), signature: _signFull(pk, _digest(round, tag, report))
        });
    }

    /// @dev Approvals by the approvers at `indexes` (in the order given).
    function _approvals(uint256 round, string memory tag, bytes32 report, uint256[] memory indexes)
        internal
        view
        returns (IContributionLedger.ReleaseApproval[] memory list)
    {
        list = new IContributionLedger.ReleaseApproval[](indexes.length);
        for (uint256 i; i < indexes.length; ++i) {
            list[i] = _approval(approverKeys[indexes[i]], round, tag, report);
        }
    }

    function _pair(uint256 a, uint256 b) internal pure returns (uint256[] memory list) {
        list = new uint256[](2);
        list[0] = a;
        list[1] = b;
    }

    function _release(uint256 round, string memory tag) internal returns (uint256) {
        return ledger.recordRelease(round, tag, REPORT, _approvals(round, tag, REPORT, _pair(0, 2)));
    }

    function _refused(bytes4 selector, uint256 index, address account) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, index, account);
    }

    // ------------------------------------------------------------ threshold

    function test_threshold_defaultsToOne() public {
        vm.expectEmit();
        emit IContributionLedger.ReleaseThresholdUpdated(0, 1);
        ContributionLedger fresh = new ContributionLedger(IERC20(address(token)), GENESIS, BUDGET, admin);
        assertEq(fresh.releaseThreshold(), 1, "k = 1");
        assertEq(fresh.releaseCount(), 0, "no releases");
        assertEq(fresh.currentReleaseId(), 0, "no current release");
    }

    function test_setReleaseThreshold() public {
        vm.expectEmit(address(ledger));
        emit IContributionLedger.ReleaseThresholdUpdated(2, 3);
        vm.prank(admin);
        ledger.setReleaseThreshold(3);
        assertEq(ledger.releaseThreshold(), 3, "k = 3");
    }

    function test_setReleaseThreshold_refusals() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroReleaseThreshold.selector));
        ledger.setReleaseThreshold(0);

        address approver = _approver(0);
        vm.prank(approver);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, approver, bytes32(0))
        );
        ledger.setReleaseThreshold(1);

        vm.prank(admin);
        ledger.pause();
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        ledger.setReleaseThreshold(1);
        assertEq(ledger.releaseThreshold(), 2, "unchanged");
    }

    // ------------------------------------------------------------ recordRelease

    function test_recordRelease_twoOfThree() public {
        vm.warp(1_800_000_000);
        bytes32 modelHash = ledger.roundRecord(2).aggregateModelHash;
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(2, "v1.0", REPORT, _pair(0, 2));
        address[] memory approvers = new address[](2);
        approvers[0] = _approver(0);
        approvers[1] = _approver(2);

        vm.expectEmit(address(ledger));
        emit IContributionLedger.ReleaseRecorded(1, 2, modelHash, "v1.0", REPORT, approvers);
        vm.prank(stranger); // anyone may submit: the approvals are the authority
        uint256 id = ledger.recordRelease(2, "v1.0", REPORT, approvals);

        assertEq(id, 1, "first release id");
        assertEq(ledger.releaseCount(), 1, "count");
        assertEq(ledger.currentReleaseId(), 1, "current");
        IContributionLedger.ReleaseRecord memory rec = ledger.releaseRecord(1);
        assertEq(rec.round, 2, "round");
        assertEq(rec.modelHash, modelHash, "modelHash");
        assertEq(rec.reportDigest, REPORT, "reportDigest");
        assertEq(rec.recordedAt, 1_800_000_000, "recordedAt");
        assertFalse(rec.deprecated, "not deprecated");
        assertEq(rec.tag, "v1.0", "tag");
        assertEq(rec.approvers.length, 2, "approvers");
        assertEq(rec.approvers[0], approvers[0], "approver 0");
        assertEq(rec.approvers[1], approvers[1], "approver 1");
    }

    function test_recordRelease_allThreeAndSequentialIds() public {
        uint256[] memory all = new uint256[](3);
        (all[0], all[1], all[2]) = (0, 1, 2);
        assertEq(_release(1, "v0.1"), 1, "id 1");
        assertEq(ledger.recordRelease(2, "v0.2", REPORT, _approvals(2, "v0.2", REPORT, all)), 2, "id 2");
        assertEq(ledger.releaseRecord(2).approvers.length, 3, "three approvers");
        assertEq(ledger.currentReleaseId(), 2, "the newest is current");
        assertEq(ledger.releaseRecord(1).modelHash, ledger.roundRecord(1).aggregateModelHash, "release 1 model");
        assertEq(ledger.releaseRecord(3).round, 0, "no release 3");
    }

    function test_recordRelease_maxTagLength() public {
        string memory tag = "0123456789012345678901234567890123456789012345678901234567890123";
        assertEq(bytes(tag).length, ledger.MAX_RELEASE_TAG_LENGTH(), "64 bytes");
        _release(1, tag);
        assertEq(ledger.releaseRecord(1).tag, tag, "tag kept");

        string memory tooLong = string.concat(tag, "4");
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, tooLong, REPORT, _pair(0, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerInvalidReleaseTag.selector, 65, 64));
        ledger.recordRelease(1, tooLong, REPORT, approvals);
    }

    function test_recordRelease_revertsEmptyTag() public {
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, "", REPORT, _pair(0, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerInvalidReleaseTag.selector, 0, 64));
        ledger.recordRelease(1, "", REPORT, approvals);
    }

    function test_recordRelease_revertsUnrecordedRound() public {
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(2, "v1", REPORT, _pair(0, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerRoundNotRecorded.selector, 3));
        ledger.recordRelease(3, "v1", REPORT, approvals);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerRoundNotRecorded.selector, 0));
        ledger.recordRelease(0, "v1", REPORT, approvals);
    }

    function test_recordRelease_revertsBelowThreshold() public {
        uint256[] memory one = new uint256[](1);
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, "v1", REPORT, one);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerReleaseBelowThreshold.selector, 1, 2));
        ledger.recordRelease(1, "v1", REPORT, approvals);

        IContributionLedger.ReleaseApproval[] memory none;
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerReleaseBelowThreshold.selector, 0, 2));
        ledger.recordRelease(1, "v1", REPORT, none);
    }

    function test_recordRelease_revertsUnsortedApprovers() public {
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, "v1", REPORT, _pair(2, 0));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerApprovalsNotSorted.selector, 1));
        ledger.recordRelease(1, "v1", REPORT, approvals);
    }

    function test_recordRelease_revertsDuplicateApprover() public {
        // one approval counted twice cannot reach k = 2
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, "v1", REPORT, _pair(1, 1));
        vm.expectRevert(_refused(IContributionLedger.LedgerDuplicateApprover.selector, 1, _approver(1)));
        ledger.recordRelease(1, "v1", REPORT, approvals);
    }

    function test_recordRelease_revertsZeroAddressApprover() public {
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, "v1", REPORT, _pair(0, 1));
        approvals[0].approver = address(0);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerApprovalsNotSorted.selector, 0));
        ledger.recordRelease(1, "v1", REPORT, approvals);
    }

    function test_recordRelease_revertsNotApprover() public {
        // a correct signature by a key that does not hold APPROVER_ROLE
        IContributionLedger.ReleaseApproval memory own = _approval(approverKeys[0], 1, "v1", REPORT);
        IContributionLedger.ReleaseApproval memory outsider = _approval(MALLORY_PK, 1, "v1", REPORT);
        IContributionLedger.ReleaseApproval[] memory approvals = new IContributionLedger.ReleaseApproval[](2);
        bool ownFirst = own.approver < mallory;
        (approvals[0], approvals[1]) = ownFirst ? (own, outsider) : (outsider, own);
        vm.expectRevert(_refused(IContributionLedger.LedgerNotApprover.selector, ownFirst ? 1 : 0, mallory));
        ledger.recordRelease(1, "v1", REPORT, approvals);
    }

    function test_recordRelease_revertsRevokedApprover() public {
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, "v1", REPORT, _pair(0, 1));
        address revoked = _approver(1);
        vm.prank(admin);
        ledger.revokeRole(approverRole, revoked);
        vm.expectRevert(_refused(IContributionLedger.LedgerNotApprover.selector, 1, revoked));
        ledger.recordRelease(1, "v1", REPORT, approvals);
    }

    function test_recordRelease_revertsForgedSignature() public {
        // approver 1's slot, signed by approver 2's key
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, "v1", REPORT, _pair(0, 2));
        approvals[1].approver = _approver(1);
        vm.expectRevert(_refused(IContributionLedger.LedgerInvalidApproval.selector, 1, _approver(1)));
        ledger.recordRelease(1, "v1", REPORT, approvals);
    }

    function test_recordRelease_signatureBindsEveryField() public {
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, "v1", REPORT, _pair(0, 1));
        bytes memory invalid0 = _refused(IContributionLedger.LedgerInvalidApproval.selector, 0, _approver(0));
        vm.expectRevert(invalid0);
        ledger.recordRelease(1, "v2", REPORT, approvals); // another tag
        vm.expectRevert(invalid0);
        ledger.recordRelease(1, "v1", keccak256("another report"), approvals); // another report
        vm.expectRevert(invalid0);
        ledger.recordRelease(2, "v1", REPORT, approvals); // another round (and model)

        // signed for another ledger, and for another chain
        bytes32 model = ledger.roundRecord(1).aggregateModelHash;
        approvals[0].signature =
            _signFull(approverKeys[0], _releaseDigest(block.chainid, address(token), 1, model, "v1", REPORT));
        vm.expectRevert(invalid0);
        ledger.recordRelease(1, "v1", REPORT, approvals);
        approvals[0].signature =
            _signFull(approverKeys[0], _releaseDigest(block.chainid + 1, address(ledger), 1, model, "v1", REPORT));
        vm.expectRevert(invalid0);
        ledger.recordRelease(1, "v1", REPORT, approvals);
        assertEq(ledger.releaseCount(), 0, "nothing recorded");
    }

    function test_recordRelease_revertsMalformedAndHighSSignatures() public {
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, "v1", REPORT, _pair(0, 1));
        bytes memory original = approvals[0].signature;
        (bytes32 r, bytes32 s) = abi.decode(original, (bytes32, bytes32));
        uint8 v = uint8(original[64]);
        bytes memory invalid0 = _refused(IContributionLedger.LedgerInvalidApproval.selector, 0, _approver(0));

        // the malleable twin (n - s, flipped v) recovers the same signer; EIP-2 refuses it
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        approvals[0].signature = abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(invalid0);
        ledger.recordRelease(1, "v1", REPORT, approvals);

        approvals[0].signature = abi.encodePacked(r, s); // 64 bytes
        vm.expectRevert(invalid0);
        ledger.recordRelease(1, "v1", REPORT, approvals);

        approvals[0].signature = "";
        vm.expectRevert(invalid0);
        ledger.recordRelease(1, "v1", REPORT, approvals);
    }

    function test_recordRelease_contractApprover() public {
        ApproverWallet wallet = new ApproverWallet(mallory);
        vm.prank(admin);
        ledger.grantRole(approverRole, address(wallet));
        IContributionLedger.ReleaseApproval[] memory approvals = new IContributionLedger.ReleaseApproval[](2);
        IContributionLedger.ReleaseApproval memory own = _approval(approverKeys[0], 1, "v1", REPORT);
        IContributionLedger.ReleaseApproval memory viaWallet = IContributionLedger.ReleaseApproval({
            approver: address(wallet), signature: _signFull(MALLORY_PK, _digest(1, "v1", REPORT))
        });
        (approvals[0], approvals[1]) = own.approver < address(wallet) ? (own, viaWallet) : (viaWallet, own);
        ledger.recordRelease(1, "v1", REPORT, approvals);
        assertEq(ledger.releaseCount(), 1, "an ERC-1271 approval counts");

        // the wallet refuses a signature its owner did not make
        uint256 w = approvals[0].approver == address(wallet) ? 0 : 1;
        approvals[w].signature = _signFull(BOB_PK, _digest(1, "v1", REPORT));
        vm.expectRevert(_refused(IContributionLedger.LedgerInvalidApproval.selector, w, address(wallet)));
        ledger.recordRelease(1, "v1", REPORT, approvals);
    }

    function test_recordRelease_revertsWhenPaused() public {
        IContributionLedger.ReleaseApproval[] memory approvals = _approvals(1, "v1", REPORT, _pair(0, 1));
        vm.prank(admin);
        ledger.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        ledger.recordRelease(1, "v1", REPORT, approvals);
    }

    function test_recordRelease_keepsItsModelAfterLaterRounds() public {
        _release(2, "v1");
        bytes32 released = ledger.roundRecord(2).aggregateModelHash;
        _recordNext(1, 1, 1);
        assertEq(ledger.releaseRecord(1).modelHash, released, "release names round 2's model");
        assertNotEq(ledger.headModelHash(), released, "the head moved on");
    }

    // ------------------------------------------------------------ deprecate

    function test_deprecateRelease() public {
        _release(1, "v1");
        address approver = _approver(1);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.ReleaseDeprecated(1, approver, "bias found in eval");
        vm.prank(approver);
        ledger.deprecateRelease(1, "bias found in eval");
        assertTrue(ledger.releaseRecord(1).deprecated, "deprecated");
        assertEq(ledger.currentReleaseId(), 1, "stays current until rolled back");
    }

    function test_deprecateRelease_refusals() public {
        _release(1, "v1");
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, approverRole)
        );
        ledger.deprecateRelease(1, "no");

        address approver = _approver(0);
        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerUnknownRelease.selector, 0));
        ledger.deprecateRelease(0, "none");
        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerUnknownRelease.selector, 2));
        ledger.deprecateRelease(2, "not yet");

        vm.prank(approver);
        ledger.deprecateRelease(1, "once");
        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerReleaseIsDeprecated.selector, 1));
        ledger.deprecateRelease(1, "twice");

        vm.prank(admin);
        ledger.pause();
        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        ledger.deprecateRelease(1, "paused");
    }

    // ------------------------------------------------------------ rollback

    function test_rollbackRelease() public {
        _release(1, "v1");
        _release(2, "v2");
        address approver = _approver(2);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.ReleaseRolledBack(2, 1, approver, "regression in v2");
        vm.prank(approver);
        ledger.rollbackRelease(1, "regression in v2");
        assertEq(ledger.currentReleaseId(), 1, "back to release 1");
        assertEq(ledger.releaseCount(), 2, "release 2 stays on record");

        // a new release after the rollback takes the next id and becomes current
        assertEq(_release(2, "v2.1"), 3, "id 3");
        assertEq(ledger.currentReleaseId(), 3, "current");
    }

    function test_rollbackRelease_refusals() public {
        _release(1, "v1");
        _release(2, "v2");
        _release(2, "v3");
        address approver = _approver(0);

        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, approverRole)
        );
        ledger.rollbackRelease(1, "no");

        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerUnknownRelease.selector, 4));
        ledger.rollbackRelease(4, "unknown");
        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerUnknownRelease.selector, 0));
        ledger.rollbackRelease(0, "unknown");
        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerReleaseNotEarlier.selector, 3, 3));
        ledger.rollbackRelease(3, "to itself");

        vm.prank(approver);
        ledger.deprecateRelease(2, "bad");
        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerReleaseIsDeprecated.selector, 2));
        ledger.rollbackRelease(2, "to a deprecated release");

        vm.prank(approver);
        ledger.rollbackRelease(1, "to v1");
        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerReleaseNotEarlier.selector, 3, 1));
        ledger.rollbackRelease(3, "forward is not a rollback");

        vm.prank(admin);
        ledger.pause();
        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        ledger.rollbackRelease(1, "paused");
        assertEq(ledger.currentReleaseId(), 1, "current");
    }

    function test_rollbackRelease_revertsWithoutReleases() public {
        address approver = _approver(0);
        vm.prank(approver);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerUnknownRelease.selector, 1));
        ledger.rollbackRelease(1, "nothing released");
    }
}
