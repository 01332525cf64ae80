// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// solhint-disable function-max-lines

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ContributionLedger} from "../ContributionLedger.sol";
import {IContributionLedger} from "../IContributionLedger.sol";
import {LedgerTestBase} from "./LedgerTestBase.sol";

/// @dev Unit tests: every function, every custom error (with its arguments), every event.
contract ContributionLedgerTest is LedgerTestBase {
    bytes32 internal constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 internal registrarRole;
    bytes32 internal coordinatorRole;

    uint256 internal constant INITIAL_FUNDING = 3 * uint256(BUDGET);

    function setUp() public override {
        super.setUp();
        registrarRole = ledger.REGISTRAR_ROLE();
        coordinatorRole = ledger.COORDINATOR_ROLE();
        _fund(INITIAL_FUNDING);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    function _enforcedPause() internal pure returns (bytes memory) {
        return abi.encodeWithSelector(Pausable.EnforcedPause.selector);
    }

    function _pause() internal {
        vm.prank(admin);
        ledger.pause();
    }

    function _invalidSignature(uint256 index, address participant) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IContributionLedger.LedgerInvalidSignature.selector, index, participant);
    }

    // =================================================================== constructor

    function test_constructor_initialState() public view {
        assertEq(address(ledger.rewardToken()), address(token), "rewardToken");
        assertEq(ledger.genesisModelHash(), GENESIS, "genesisModelHash");
        assertEq(ledger.headModelHash(), GENESIS, "head starts at genesis");
        assertEq(ledger.latestRound(), 0, "latestRound");
        assertEq(ledger.roundBudget(), BUDGET, "roundBudget");
        assertEq(ledger.totalFunded(), INITIAL_FUNDING, "totalFunded");
        assertEq(ledger.totalCredited(), 0, "totalCredited");
        assertFalse(ledger.paused(), "not paused");
        assertTrue(ledger.hasRole(DEFAULT_ADMIN_ROLE, admin), "admin role");
        assertFalse(ledger.hasRole(DEFAULT_ADMIN_ROLE, address(this)), "deployer is not admin");
        assertTrue(ledger.hasRole(registrarRole, registrar), "registrar role");
        assertTrue(ledger.hasRole(coordinatorRole, coordinator), "coordinator role");
        assertEq(ledger.getRoleAdmin(registrarRole), DEFAULT_ADMIN_ROLE, "registrar admin");
        assertEq(ledger.getRoleAdmin(coordinatorRole), DEFAULT_ADMIN_ROLE, "coordinator admin");
    }

    function test_constants() public view {
        assertEq(ledger.REGISTRAR_ROLE(), keccak256("REGISTRAR_ROLE"), "REGISTRAR_ROLE");
        assertEq(ledger.COORDINATOR_ROLE(), keccak256("COORDINATOR_ROLE"), "COORDINATOR_ROLE");
        assertEq(ledger.UPDATE_TYPEHASH(), EXPECTED_UPDATE_TYPEHASH, "UPDATE_TYPEHASH");
        assertEq(ledger.APPROVER_ROLE(), keccak256("APPROVER_ROLE"), "APPROVER_ROLE");
        assertEq(ledger.RELEASE_APPROVAL_TYPEHASH(), EXPECTED_RELEASE_APPROVAL_TYPEHASH, "RELEASE_APPROVAL_TYPEHASH");
    }

    function test_constructor_emitsRoundBudgetUpdated() public {
        vm.expectEmit();
        emit IContributionLedger.RoundBudgetUpdated(0, 777);
        new ContributionLedger(IERC20(address(token)), GENESIS, 777, admin);
    }

    function test_constructor_revertsOnZeroToken() public {
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroAddress.selector));
        new ContributionLedger(IERC20(address(0)), GENESIS, BUDGET, admin);
    }

    function test_constructor_revertsOnZeroAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroAddress.selector));
        new ContributionLedger(IERC20(address(token)), GENESIS, BUDGET, address(0));
    }

    function test_constructor_revertsOnZeroGenesis() public {
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroModelHash.selector));
        new ContributionLedger(IERC20(address(token)), bytes32(0), BUDGET, admin);
    }

    function test_supportsInterface() public view {
        assertTrue(ledger.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        assertTrue(ledger.supportsInterface(type(IERC165).interfaceId), "IERC165");
        assertFalse(ledger.supportsInterface(0xffffffff), "0xffffffff");
    }

    // =================================================================== EIP-712

    function test_eip712Domain() public view {
        (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        ) = ledger.eip712Domain();
        assertEq(uint256(uint8(fields)), 0x0f, "fields");
        assertEq(name, DOMAIN_NAME, "name");
        assertEq(version, DOMAIN_VERSION, "version");
        assertEq(chainId, block.chainid, "chainId");
        assertEq(verifyingContract, address(ledger), "verifyingContract");
        assertEq(salt, bytes32(0), "salt");
        assertEq(extensions.length, 0, "extensions");
    }

    function test_updateDigest_matchesIndependentComputation() public view {
        bytes32 digest = _digest(7, keccak256("base"), keccak256("upd"), 12_345, ALICE_DATA);
        // fully by hand, no helper
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("FedLedger ContributionLedger"),
                keccak256("1"),
                block.chainid,
                address(ledger)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Update(uint256 round,bytes32 baseModelHash,bytes32 updateHash,uint64 numSamples,bytes32 datasetCommitment)"
                ),
                uint256(7),
                keccak256("base"),
                keccak256("upd"),
                uint256(12_345),
                ALICE_DATA
            )
        );
        assertEq(digest, keccak256(abi.encodePacked("\x19\x01", domain, structHash)), "digest");
    }

    function test_updateDigest_followsChainId() public {
        bytes32 before = _digest(1, GENESIS, keccak256("u"), 1, ALICE_DATA);
        vm.chainId(5);
        assertEq(block.chainid, 5, "chainId cheatcode");
        bytes32 afterSwitch = _digest(1, GENESIS, keccak256("u"), 1, ALICE_DATA); // asserts recomputation too
        assertNotEq(before, afterSwitch, "domain must change with the chain id");
    }

    // =================================================================== registry

    function test_registerParticipant() public {
        vm.warp(1_234_567);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.ParticipantRegistered(dave, DAVE_DATA, 300, bytes32(0));
        _register(dave, DAVE_DATA, 300);

        IContributionLedger.ParticipantInfo memory info = ledger.participantInfo(dave);
        assertEq(uint256(info.status), uint256(IContributionLedger.ParticipantStatus.Active), "status");
        assertEq(info.registeredAt, 1_234_567, "registeredAt");
        assertEq(info.credited, 0, "credited");
        assertEq(info.claimed, 0, "claimed");
        assertEq(info.datasetCommitment, DAVE_DATA, "commitment");
        assertEq(info.datasetSize, 300, "datasetSize");
    }

    function test_registerParticipant_withAttestation() public {
        bytes32 attestation = sha256("dave's consent form");
        vm.expectEmit(address(ledger));
        emit IContributionLedger.ParticipantRegistered(dave, DAVE_DATA, 300, attestation);
        vm.prank(registrar);
        ledger.registerParticipant(dave, DAVE_DATA, 300, attestation);
        IContributionLedger.ParticipantInfo memory info = ledger.participantInfo(dave);
        assertEq(info.attestationDigest, attestation, "attestation");
        assertEq(info.datasetCommitment, DAVE_DATA, "commitment");
        assertEq(info.datasetSize, 300, "datasetSize");
        assertEq(ledger.participantInfo(alice).attestationDigest, bytes32(0), "none declared for alice");
    }

    function test_registerParticipant_maxDatasetSize() public {
        vm.expectEmit(address(ledger));
        emit IContributionLedger.ParticipantRegistered(dave, DAVE_DATA, type(uint48).max, bytes32(0));
        _register(dave, DAVE_DATA, type(uint48).max);
        assertEq(ledger.participantInfo(dave).datasetSize, type(uint48).max, "datasetSize");
        assertEq(_commitment(dave), DAVE_DATA, "the packed size leaves the commitment intact");
    }

    function test_registerParticipant_revertsZeroDatasetSize() public {
        vm.prank(registrar);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroDatasetSize.selector));
        ledger.registerParticipant(dave, DAVE_DATA, 0, bytes32(0));
        assertEq(
            uint256(ledger.participantInfo(dave).status), uint256(IContributionLedger.ParticipantStatus.None), "status"
        );
    }

    function test_registerParticipant_zeroCommitmentAllowed() public {
        _register(dave, bytes32(0));
        assertEq(_commitment(dave), bytes32(0), "commitment");
        assertEq(
            uint256(ledger.participantInfo(dave).status),
            uint256(IContributionLedger.ParticipantStatus.Active),
            "status"
        );
    }

    function test_registerParticipant_revertsAlreadyRegisteredActive() public {
        vm.prank(registrar);
        vm.expectRevert(
            abi.encodeWithSelector(IContributionLedger.LedgerParticipantAlreadyRegistered.selector, alice)
        );
        ledger.registerParticipant(alice, keccak256("other"), DATASET_SIZE, bytes32(0));
        assertEq(_commitment(alice), ALICE_DATA, "commitment unchanged");
    }

    function test_registerParticipant_revertsAlreadyRegisteredInactive() public {
        vm.prank(registrar);
        ledger.deactivateParticipant(alice);
        vm.prank(registrar);
        vm.expectRevert(
            abi.encodeWithSelector(IContributionLedger.LedgerParticipantAlreadyRegistered.selector, alice)
        );
        ledger.registerParticipant(alice, ALICE_DATA, DATASET_SIZE, bytes32(0));
    }

    function test_registerParticipant_revertsZeroAddress() public {
        vm.prank(registrar);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroAddress.selector));
        ledger.registerParticipant(address(0), DAVE_DATA, DATASET_SIZE, bytes32(0));
    }

    function test_registerParticipant_revertsUnauthorized() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, registrarRole));
        ledger.registerParticipant(dave, DAVE_DATA, DATASET_SIZE, bytes32(0));

        // neither the admin nor the coordinator hold the registrar role implicitly
        vm.prank(admin);
        vm.expectRevert(_unauthorized(admin, registrarRole));
        ledger.registerParticipant(dave, DAVE_DATA, DATASET_SIZE, bytes32(0));

        vm.prank(coordinator);
        vm.expectRevert(_unauthorized(coordinator, registrarRole));
        ledger.registerParticipant(dave, DAVE_DATA, DATASET_SIZE, bytes32(0));
    }

    function test_registerParticipant_revertsWhenPaused() public {
        _pause();
        vm.prank(registrar);
        vm.expectRevert(_enforcedPause());
        ledger.registerParticipant(dave, DAVE_DATA, DATASET_SIZE, bytes32(0));
    }

    function test_deactivateParticipant() public {
        _recordNext(1, 1, 1);
        uint256 creditedBefore = ledger.participantInfo(alice).credited;

        vm.expectEmit(address(ledger));
        emit IContributionLedger.ParticipantDeactivated(alice);
        vm.prank(registrar);
        ledger.deactivateParticipant(alice);

        IContributionLedger.ParticipantInfo memory info = ledger.participantInfo(alice);
        assertEq(uint256(info.status), uint256(IContributionLedger.ParticipantStatus.Inactive), "status");
        assertEq(info.credited, creditedBefore, "credit kept");
        assertEq(ledger.claimable(alice), creditedBefore, "still claimable");
        assertEq(info.datasetCommitment, ALICE_DATA, "commitment kept");
    }

    function test_deactivateParticipant_revertsNotRegistered() public {
        vm.prank(registrar);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerParticipantNotRegistered.selector, dave));
        ledger.deactivateParticipant(dave);
    }

    function test_deactivateParticipant_revertsWrongStatus() public {
        vm.prank(registrar);
        ledger.deactivateParticipant(alice);
        vm.prank(registrar);
        vm.expectRevert(
            abi.encodeWithSelector(
                IContributionLedger.LedgerParticipantWrongStatus.selector,
                alice,
                IContributionLedger.ParticipantStatus.Inactive
            )
        );
        ledger.deactivateParticipant(alice);
    }

    function test_deactivateParticipant_revertsUnauthorized() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, registrarRole));
        ledger.deactivateParticipant(alice);
        vm.prank(alice);
        vm.expectRevert(_unauthorized(alice, registrarRole));
        ledger.deactivateParticipant(alice);
    }

    function test_deactivateParticipant_revertsWhenPaused() public {
        _pause();
        vm.prank(registrar);
        vm.expectRevert(_enforcedPause());
        ledger.deactivateParticipant(alice);
    }

    function test_reactivateParticipant() public {
        vm.prank(registrar);
        ledger.deactivateParticipant(alice);

        vm.expectEmit(address(ledger));
        emit IContributionLedger.ParticipantReactivated(alice);
        vm.prank(registrar);
        ledger.reactivateParticipant(alice);
        assertEq(
            uint256(ledger.participantInfo(alice).status),
            uint256(IContributionLedger.ParticipantStatus.Active),
            "status"
        );
    }

    function test_reactivateParticipant_revertsNotRegistered() public {
        vm.prank(registrar);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerParticipantNotRegistered.selector, dave));
        ledger.reactivateParticipant(dave);
    }

    function test_reactivateParticipant_revertsWrongStatus() public {
        vm.prank(registrar);
        vm.expectRevert(
            abi.encodeWithSelector(
                IContributionLedger.LedgerParticipantWrongStatus.selector,
                alice,
                IContributionLedger.ParticipantStatus.Active
            )
        );
        ledger.reactivateParticipant(alice);
    }

    function test_reactivateParticipant_revertsUnauthorized() public {
        vm.prank(registrar);
        ledger.deactivateParticipant(alice);
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, registrarRole));
        ledger.reactivateParticipant(alice);
        vm.prank(alice);
        vm.expectRevert(_unauthorized(alice, registrarRole));
        ledger.reactivateParticipant(alice);
    }

    function test_reactivateParticipant_revertsWhenPaused() public {
        vm.prank(registrar);
        ledger.deactivateParticipant(alice);
        _pause();
        vm.prank(registrar);
        vm.expectRevert(_enforcedPause());
        ledger.reactivateParticipant(alice);
    }

    function test_updateDatasetCommitment() public {
        bytes32 v2 = keccak256("alice.dataset.v2");
        vm.expectEmit(address(ledger));
        emit IContributionLedger.DatasetCommitmentUpdated(alice, ALICE_DATA, v2, 42, bytes32(0));
        vm.prank(alice);
        ledger.updateDatasetCommitment(v2, 42, bytes32(0));
        assertEq(_commitment(alice), v2, "commitment");
        assertEq(ledger.participantInfo(alice).datasetSize, 42, "datasetSize");
        assertEq(_commitment(bob), BOB_DATA, "others untouched");
        assertEq(ledger.participantInfo(bob).datasetSize, DATASET_SIZE, "others' size untouched");
    }

    function test_updateDatasetCommitment_setsAndClearsAttestation() public {
        bytes32 v2 = keccak256("alice.dataset.v2");
        bytes32 attestation = sha256("alice's licence");
        vm.expectEmit(address(ledger));
        emit IContributionLedger.DatasetCommitmentUpdated(alice, ALICE_DATA, v2, 42, attestation);
        vm.prank(alice);
        ledger.updateDatasetCommitment(v2, 42, attestation);
        assertEq(ledger.participantInfo(alice).attestationDigest, attestation, "attestation set");

        vm.expectEmit(address(ledger));
        emit IContributionLedger.DatasetCommitmentUpdated(alice, v2, v2, 42, bytes32(0));
        vm.prank(alice);
        ledger.updateDatasetCommitment(v2, 42, bytes32(0));
        assertEq(ledger.participantInfo(alice).attestationDigest, bytes32(0), "attestation cleared");
    }

    function test_setParticipantDataset_setsAttestation() public {
        bytes32 attestation = sha256("bob's consent, v2");
        vm.expectEmit(address(ledger));
        emit IContributionLedger.DatasetCommitmentUpdated(bob, BOB_DATA, BOB_DATA, 7, attestation);
        vm.prank(registrar);
        ledger.setParticipantDataset(bob, BOB_DATA, 7, attestation);
        assertEq(ledger.participantInfo(bob).attestationDigest, attestation, "attestation");
        assertEq(ledger.participantInfo(alice).attestationDigest, bytes32(0), "others untouched");
    }

    function test_updateDatasetCommitment_revertsZeroDatasetSize() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroDatasetSize.selector));
        ledger.updateDatasetCommitment(keccak256("alice.dataset.v2"), 0, bytes32(0));
        assertEq(_commitment(alice), ALICE_DATA, "commitment unchanged");
        assertEq(ledger.participantInfo(alice).datasetSize, DATASET_SIZE, "size unchanged");
    }

    function test_updateDatasetCommitment_notRegisteredBeforeZeroSize() public {
        vm.prank(dave);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerParticipantNotRegistered.selector, dave));
        ledger.updateDatasetCommitment(DAVE_DATA, 0, bytes32(0));
    }

    function test_updateDatasetCommitment_allowedWhileInactive() public {
        vm.prank(registrar);
        ledger.deactivateParticipant(alice);
        bytes32 v2 = keccak256("alice.dataset.v2");
        vm.expectEmit(address(ledger));
        emit IContributionLedger.DatasetCommitmentUpdated(alice, ALICE_DATA, v2, DATASET_SIZE, bytes32(0));
        vm.prank(alice);
        ledger.updateDatasetCommitment(v2, DATASET_SIZE, bytes32(0));
        assertEq(_commitment(alice), v2, "commitment");
    }

    function test_updateDatasetCommitment_revertsNotRegistered() public {
        vm.prank(dave);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerParticipantNotRegistered.selector, dave));
        ledger.updateDatasetCommitment(DAVE_DATA, DATASET_SIZE, bytes32(0));
    }

    function test_updateDatasetCommitment_revertsWhenPaused() public {
        _pause();
        vm.prank(alice);
        vm.expectRevert(_enforcedPause());
        ledger.updateDatasetCommitment(keccak256("v2"), DATASET_SIZE, bytes32(0));
    }

    function test_updateDatasetCommitment_revertsSizeIncrease() public {
        vm.prank(alice);
        ledger.updateDatasetCommitment(ALICE_DATA, 42, bytes32(0));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerDatasetSizeIncrease.selector, 42, 43));
        ledger.updateDatasetCommitment(ALICE_DATA, 43, bytes32(0));
        assertEq(ledger.participantInfo(alice).datasetSize, 42, "size unchanged");
    }

    function test_setParticipantDataset_raisesSize() public {
        vm.prank(alice);
        ledger.updateDatasetCommitment(ALICE_DATA, 42, bytes32(0));
        bytes32 v2 = keccak256("alice.dataset.v2");
        vm.expectEmit(address(ledger));
        emit IContributionLedger.DatasetCommitmentUpdated(alice, ALICE_DATA, v2, 1_000, bytes32(0));
        vm.prank(registrar);
        ledger.setParticipantDataset(alice, v2, 1_000, bytes32(0));
        assertEq(_commitment(alice), v2, "commitment");
        assertEq(ledger.participantInfo(alice).datasetSize, 1_000, "datasetSize");
    }

    function test_setParticipantDataset_reverts() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, registrarRole));
        ledger.setParticipantDataset(alice, ALICE_DATA, 1, bytes32(0));
        vm.prank(registrar);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerParticipantNotRegistered.selector, dave));
        ledger.setParticipantDataset(dave, DAVE_DATA, 1, bytes32(0));
        vm.prank(registrar);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroDatasetSize.selector));
        ledger.setParticipantDataset(alice, ALICE_DATA, 0, bytes32(0));
        _pause();
        vm.prank(registrar);
        vm.expectRevert(_enforcedPause());
        ledger.setParticipantDataset(alice, ALICE_DATA, 1, bytes32(0));
    }

    // =================================================================== roles

    function test_roles_grantRevokeRenounce() public {
        vm.expectEmit(address(ledger));
        emit IAccessControl.RoleGranted(registrarRole, stranger, admin);
        vm.prank(admin);
        ledger.grantRole(registrarRole, stranger);
        _registerAs(stranger, dave);

        vm.expectEmit(address(ledger));
        emit IAccessControl.RoleRevoked(registrarRole, stranger, admin);
        vm.prank(admin);
        ledger.revokeRole(registrarRole, stranger);
        assertFalse(ledger.hasRole(registrarRole, stranger), "revoked");
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, registrarRole));
        ledger.deactivateParticipant(dave);

        vm.prank(registrar);
        ledger.renounceRole(registrarRole, registrar);
        vm.prank(registrar);
        vm.expectRevert(_unauthorized(registrar, registrarRole));
        ledger.deactivateParticipant(dave);
    }

    function _registerAs(address caller, address participant) internal {
        vm.prank(caller);
        ledger.registerParticipant(participant, keccak256(abi.encode(participant)), DATASET_SIZE, bytes32(0));
    }

    function test_roles_onlyAdminGrants() public {
        vm.prank(coordinator);
        vm.expectRevert(_unauthorized(coordinator, DEFAULT_ADMIN_ROLE));
        ledger.grantRole(coordinatorRole, stranger);
        vm.prank(registrar);
        vm.expectRevert(_unauthorized(registrar, DEFAULT_ADMIN_ROLE));
        ledger.revokeRole(coordinatorRole, coordinator);
    }

    // =================================================================== budget & funding

    function test_setRoundBudget() public {
        vm.expectEmit(address(ledger));
        emit IContributionLedger.RoundBudgetUpdated(BUDGET, 42);
        _setBudget(42);
        assertEq(ledger.roundBudget(), 42, "budget");

        vm.expectEmit(address(ledger));
        emit IContributionLedger.RoundBudgetUpdated(42, type(uint128).max);
        _setBudget(type(uint128).max);
        assertEq(ledger.roundBudget(), type(uint128).max, "max budget accepted");

        _setBudget(0);
        assertEq(ledger.roundBudget(), 0, "zero budget");
    }

    function test_setRoundBudget_revertsUnauthorized() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, DEFAULT_ADMIN_ROLE));
        ledger.setRoundBudget(1);
        vm.prank(coordinator);
        vm.expectRevert(_unauthorized(coordinator, DEFAULT_ADMIN_ROLE));
        ledger.setRoundBudget(1);
        vm.prank(registrar);
        vm.expectRevert(_unauthorized(registrar, DEFAULT_ADMIN_ROLE));
        ledger.setRoundBudget(1);
    }

    function test_setRoundBudget_revertsWhenPaused() public {
        _pause();
        vm.prank(admin);
        vm.expectRevert(_enforcedPause());
        ledger.setRoundBudget(1);
    }

    function test_fund() public {
        uint256 treasuryBefore = token.balanceOf(treasury);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(treasury, address(ledger), 5e18);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.RewardsFunded(treasury, 5e18);
        _fund(5e18);
        assertEq(ledger.totalFunded(), INITIAL_FUNDING + 5e18, "totalFunded");
        assertEq(token.balanceOf(address(ledger)), INITIAL_FUNDING + 5e18, "ledger balance");
        assertEq(token.balanceOf(treasury), treasuryBefore - 5e18, "treasury balance");
    }

    function test_fund_anyoneCanFund() public {
        vm.prank(treasury);
        assertTrue(token.transfer(stranger, 10), "transfer");
        vm.startPrank(stranger);
        token.approve(address(ledger), 10);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.RewardsFunded(stranger, 10);
        ledger.fund(10);
        vm.stopPrank();
        assertEq(ledger.totalFunded(), INITIAL_FUNDING + 10, "totalFunded");
    }

    function test_fund_revertsZeroAmount() public {
        vm.prank(treasury);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroAmount.selector));
        ledger.fund(0);
    }

    function test_fund_revertsWithoutAllowance() public {
        vm.prank(treasury);
        assertTrue(token.transfer(stranger, 10), "transfer");
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(ledger), 0, 10)
        );
        ledger.fund(10);
    }

    function test_fund_revertsWhenPaused() public {
        _pause();
        vm.prank(treasury);
        vm.expectRevert(_enforcedPause());
        ledger.fund(1);
    }

    function test_fund_upTo2pow104MinusOne_thenOverflow() public {
        uint256 headroom = MAX_FUNDABLE - INITIAL_FUNDING;
        _fund(headroom);
        assertEq(ledger.totalFunded(), MAX_FUNDABLE, "funded up to 2^104 - 1");

        vm.prank(treasury);
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, uint8(104), uint256(1) << 104)
        );
        ledger.fund(1);
    }

    function test_fund_revertsSingleDepositBeyond2pow104() public {
        uint256 amount = uint256(1) << 104;
        vm.prank(treasury);
        vm.expectRevert(
            abi.encodeWithSelector(
                SafeCast.SafeCastOverflowedUintDowncast.selector, uint8(104), INITIAL_FUNDING + amount
            )
        );
        ledger.fund(amount);

        // beyond uint128 too: still the 104-bit cast that fails first
        uint256 huge = uint256(type(uint128).max) + 1;
        vm.prank(treasury);
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, uint8(104), INITIAL_FUNDING + huge)
        );
        ledger.fund(huge);
        assertEq(ledger.totalFunded(), INITIAL_FUNDING, "unchanged");
    }

    function test_fund_revertsOnUint256Max() public {
        // `_totalFunded + amount` overflows uint256 before SafeCast runs (a checked-arithmetic
        // panic, not SafeCastOverflowedUintDowncast); either way the deposit is refused.
        vm.prank(treasury);
        vm.expectRevert();
        ledger.fund(type(uint256).max);
        assertEq(ledger.totalFunded(), INITIAL_FUNDING, "unchanged");
    }

    // =================================================================== recordRound: happy paths

    function test_recordRound_splitsBudgetAndEmits() public {
        _setBudget(100);
        vm.warp(1_700_000_000);
        bytes32 agg = _aggregate(1);
        IContributionLedger.SignedUpdate[] memory ups = _three(
            _signed(ALICE_PK, 1, GENESIS, keccak256("a1"), 100, 1),
            _signed(BOB_PK, 1, GENESIS, keccak256("b1"), 200, 3),
            _signed(CAROL_PK, 1, GENESIS, keccak256("c1"), 300, 3)
        );
        bytes32 updatesDigest = _expectedUpdatesDigest(ups);

        // S = 7: floor(100*1/7) = 14, floor(100*3/7) = 42, 42; remainder 2 to bob (first of the tied top scores)
        vm.expectEmit(address(ledger));
        emit IContributionLedger.UpdateRecorded(1, alice, keccak256("a1"), 100, 1);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.UpdateRecorded(1, bob, keccak256("b1"), 200, 3);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.UpdateRecorded(1, carol, keccak256("c1"), 300, 3);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.RoundRecorded(1, GENESIS, agg, updatesDigest, _statement(1), 100, 3, 7, bob, 2);
        _record(1, GENESIS, agg, ups);

        assertEq(ledger.participantInfo(alice).credited, 14, "alice");
        assertEq(ledger.participantInfo(bob).credited, 44, "bob gets the remainder");
        assertEq(ledger.participantInfo(carol).credited, 42, "carol");
        assertEq(ledger.claimable(bob), 44, "claimable");
        assertEq(ledger.totalCredited(), 100, "exactly the budget");
        assertEq(ledger.latestRound(), 1, "latestRound");
        assertEq(ledger.headModelHash(), agg, "head");

        IContributionLedger.RoundRecord memory rec = ledger.roundRecord(1);
        assertEq(rec.baseModelHash, GENESIS, "rec.base");
        assertEq(rec.aggregateModelHash, agg, "rec.agg");
        assertEq(rec.updatesDigest, updatesDigest, "rec.updatesDigest");
        assertEq(rec.statementDigest, _statement(1), "rec.statementDigest");
        assertEq(rec.budget, 100, "rec.budget");
        assertEq(rec.participantCount, 3, "rec.participantCount");
        assertEq(rec.recordedAt, 1_700_000_000, "rec.recordedAt");
        assertEq(rec.totalScore, 7, "rec.totalScore");
    }

    function test_recordRound_equalScoresRemainderToFirst() public {
        _setBudget(100);
        IContributionLedger.SignedUpdate[] memory ups =
            _three(_next(ALICE_PK, 5), _next(BOB_PK, 5), _next(CAROL_PK, 5));
        vm.expectEmit(address(ledger));
        emit IContributionLedger.RoundRecorded(1, GENESIS, _aggregate(1), _expectedUpdatesDigest(ups), _statement(1), 100, 3, 15, alice, 1);
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(alice).credited, 34, "alice 33 + 1");
        assertEq(ledger.participantInfo(bob).credited, 33, "bob");
        assertEq(ledger.participantInfo(carol).credited, 33, "carol");
    }

    function test_recordRound_remainderToHighestScoreNotFirstIndex() public {
        _setBudget(10);
        // S = 9: floor(10*2/9)=2, floor(10*4/9)=4, floor(10*3/9)=3 -> remainder 1 to bob (index 1)
        IContributionLedger.SignedUpdate[] memory ups =
            _three(_next(ALICE_PK, 2), _next(BOB_PK, 4), _next(CAROL_PK, 3));
        vm.expectEmit(address(ledger));
        emit IContributionLedger.RoundRecorded(1, GENESIS, _aggregate(1), _expectedUpdatesDigest(ups), _statement(1), 10, 3, 9, bob, 1);
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(alice).credited, 2, "alice");
        assertEq(ledger.participantInfo(bob).credited, 5, "bob");
        assertEq(ledger.participantInfo(carol).credited, 3, "carol");
    }

    function test_recordRound_zeroScoreParticipantCreditedNothing() public {
        _setBudget(100);
        IContributionLedger.SignedUpdate[] memory ups = _two(_next(ALICE_PK, 0), _next(BOB_PK, 9));
        vm.expectEmit(address(ledger));
        emit IContributionLedger.UpdateRecorded(1, alice, ups[0].updateHash, ups[0].numSamples, 0);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.RoundRecorded(1, GENESIS, _aggregate(1), _expectedUpdatesDigest(ups), _statement(1), 100, 2, 9, bob, 0);
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(alice).credited, 0, "alice");
        assertEq(ledger.participantInfo(bob).credited, 100, "bob");
    }

    function test_recordRound_singleParticipantGetsWholeBudget() public {
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(CAROL_PK, type(uint64).max));
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(carol).credited, BUDGET, "carol");
        assertEq(ledger.totalCredited(), BUDGET, "total");
    }

    function test_recordRound_maxScoresMaxFundableBudget() public {
        _fund(MAX_FUNDABLE - INITIAL_FUNDING);
        _setBudget(uint128(MAX_FUNDABLE));
        IContributionLedger.SignedUpdate[] memory ups = _three(
            _next(ALICE_PK, type(uint64).max), _next(BOB_PK, type(uint64).max - 1), _next(CAROL_PK, 1)
        );
        _record(1, GENESIS, _aggregate(1), ups);
        uint256 total = 2 * uint256(type(uint64).max);
        uint256 a = MAX_FUNDABLE * type(uint64).max / total;
        uint256 b = MAX_FUNDABLE * (type(uint64).max - 1) / total;
        uint256 c = MAX_FUNDABLE / total;
        assertEq(ledger.participantInfo(alice).credited, a + (MAX_FUNDABLE - a - b - c), "alice + remainder");
        assertEq(ledger.participantInfo(bob).credited, b, "bob");
        assertEq(ledger.participantInfo(carol).credited, c, "carol");
        assertEq(ledger.totalCredited(), MAX_FUNDABLE, "everything credited");
        assertEq(ledger.totalCredited(), ledger.totalFunded(), "credited == funded");
    }

    function test_recordRound_zeroBudgetNeedsNoFunding() public {
        ContributionLedger unfunded = new ContributionLedger(IERC20(address(token)), GENESIS, 0, admin);
        ledger = unfunded;
        vm.startPrank(admin);
        ledger.grantRole(coordinatorRole, coordinator);
        ledger.grantRole(registrarRole, registrar);
        vm.stopPrank();
        _register(alice, ALICE_DATA);
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.latestRound(), 1, "recorded");
        assertEq(ledger.participantInfo(alice).credited, 0, "nothing credited");
        assertEq(ledger.roundRecord(1).budget, 0, "budget 0");
    }

    function test_recordRound_exactlyFundedThenNotFunded() public {
        _setBudget(uint128(INITIAL_FUNDING));
        _recordNext(1, 2, 3);
        assertEq(ledger.totalCredited(), ledger.totalFunded(), "all funds credited");

        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        bytes32 head = ledger.headModelHash();
        vm.expectRevert(
            abi.encodeWithSelector(IContributionLedger.LedgerBudgetNotFunded.selector, INITIAL_FUNDING, 0)
        );
        _record(2, head, _aggregate(2), ups);

        _fund(INITIAL_FUNDING);
        _record(2, head, _aggregate(2), ups);
        assertEq(ledger.totalCredited(), 2 * INITIAL_FUNDING, "second round credited");
    }

    function test_recordRound_reactivatedSignerAccepted() public {
        vm.startPrank(registrar);
        ledger.deactivateParticipant(alice);
        ledger.reactivateParticipant(alice);
        vm.stopPrank();
        _recordNext(1, 1, 1);
        assertGt(ledger.participantInfo(alice).credited, 0, "alice credited");
    }

    function test_recordRound_aggregateMayEqualBase() public {
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        _record(1, GENESIS, GENESIS, ups);
        assertEq(ledger.headModelHash(), GENESIS, "head");
    }

    function test_recordRound_uint40RoundBound() public {
        // The ledger keeps the latest round in a uint40: put it at the top of that range with
        // vm.store and check the next round is refused rather than wrapping to 0.
        // Locate `_headModelHash` (the only slot holding the genesis hash); `_latestRound` and
        // `_roundBudget` share the next slot: latestRound | roundBudget << 40.
        uint256 headSlot = type(uint256).max;
        for (uint256 slot; slot < 32; ++slot) {
            if (vm.load(address(ledger), bytes32(slot)) == GENESIS) {
                headSlot = slot;
                break;
            }
        }
        assertLt(headSlot, 32, "storage layout: _headModelHash not found");
        bytes32 packedSlot = bytes32(headSlot + 1);
        assertEq(
            vm.load(address(ledger), packedSlot),
            bytes32(uint256(BUDGET) << 40),
            "storage layout: _latestRound | _roundBudget << 40 after _headModelHash"
        );
        uint256 top = type(uint40).max;
        vm.store(address(ledger), packedSlot, bytes32((uint256(BUDGET) << 40) | top));
        assertEq(ledger.latestRound(), top, "latestRound forced");

        uint256 round = top + 1;
        IContributionLedger.SignedUpdate[] memory ups =
            _one(_signed(ALICE_PK, round, GENESIS, keccak256("u"), 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerRoundOutOfOrder.selector, round, round));
        _record(round, GENESIS, _aggregate(round), ups);
    }

    // =================================================================== recordRound: reverts

    function test_recordRound_revertsEmptyRound() public {
        IContributionLedger.SignedUpdate[] memory ups = new IContributionLedger.SignedUpdate[](0);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerEmptyRound.selector));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsZeroAggregateHash() public {
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroModelHash.selector));
        _record(1, GENESIS, bytes32(0), ups);
    }

    function test_recordRound_revertsRoundZero() public {
        // Rounds start at 1; round 0 is reported as "already recorded" (round <= latest).
        IContributionLedger.SignedUpdate[] memory ups = _one(_signed(ALICE_PK, 0, GENESIS, keccak256("u"), 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerRoundAlreadyRecorded.selector, 0));
        _record(0, GENESIS, _aggregate(0), ups);
    }

    function test_recordRound_revertsAlreadyRecorded() public {
        _recordNext(1, 1, 1);
        IContributionLedger.SignedUpdate[] memory ups = _one(_signed(ALICE_PK, 1, GENESIS, keccak256("again"), 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerRoundAlreadyRecorded.selector, 1));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsOutOfOrder() public {
        IContributionLedger.SignedUpdate[] memory ups = _one(_signed(ALICE_PK, 2, GENESIS, keccak256("u"), 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerRoundOutOfOrder.selector, 1, 2));
        _record(2, GENESIS, _aggregate(2), ups);

        _recordNext(1, 1, 1);
        bytes32 head = ledger.headModelHash();
        ups = _one(_signed(ALICE_PK, 3, head, keccak256("u"), 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerRoundOutOfOrder.selector, 2, 3));
        _record(3, head, _aggregate(3), ups);
    }

    function test_recordRound_revertsBaseHashMismatch() public {
        bytes32 wrongBase = keccak256("not the genesis");
        IContributionLedger.SignedUpdate[] memory ups = _one(_signed(ALICE_PK, 1, wrongBase, keccak256("u"), 1, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IContributionLedger.LedgerBaseHashMismatch.selector, GENESIS, wrongBase)
        );
        _record(1, wrongBase, _aggregate(1), ups);

        _recordNext(1, 1, 1);
        // round 2 must build on round 1's aggregate, not on the genesis
        ups = _one(_signed(ALICE_PK, 2, GENESIS, keccak256("u"), 1, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IContributionLedger.LedgerBaseHashMismatch.selector, _aggregate(1), GENESIS)
        );
        _record(2, GENESIS, _aggregate(2), ups);
    }

    function test_recordRound_revertsBudgetNotFunded() public {
        _setBudget(uint128(INITIAL_FUNDING + 1));
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IContributionLedger.LedgerBudgetNotFunded.selector, INITIAL_FUNDING + 1, INITIAL_FUNDING
            )
        );
        _record(1, GENESIS, _aggregate(1), ups);

        // after a credited round, only the uncredited part counts as available
        _setBudget(BUDGET);
        _recordNext(1, 1, 1);
        uint256 available = INITIAL_FUNDING - BUDGET;
        _setBudget(uint128(available + 1));
        ups = _one(_next(ALICE_PK, 1));
        bytes32 head = ledger.headModelHash();
        vm.expectRevert(
            abi.encodeWithSelector(IContributionLedger.LedgerBudgetNotFunded.selector, available + 1, available)
        );
        _record(2, head, _aggregate(2), ups);
    }

    function test_recordRound_revertsBudgetNotFundedOnFreshLedger() public {
        ledger = _deployLedger(); // nothing funded
        _register(alice, ALICE_DATA);
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerBudgetNotFunded.selector, BUDGET, 0));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsBudgetBeyondFundableMaximum() public {
        _fund(MAX_FUNDABLE - INITIAL_FUNDING);
        _setBudget(type(uint128).max);
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IContributionLedger.LedgerBudgetNotFunded.selector, type(uint128).max, MAX_FUNDABLE
            )
        );
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsZeroTotalScore() public {
        IContributionLedger.SignedUpdate[] memory ups =
            _three(_next(ALICE_PK, 0), _next(BOB_PK, 0), _next(CAROL_PK, 0));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroTotalScore.selector));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsDeactivatedSigner() public {
        IContributionLedger.SignedUpdate[] memory ups =
            _three(_next(ALICE_PK, 1), _next(BOB_PK, 1), _next(CAROL_PK, 1));
        vm.prank(registrar);
        ledger.deactivateParticipant(bob);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerSignerNotActive.selector, 1, bob));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsNonRegisteredSigner() public {
        // mallory's signature is perfectly valid, but she was never registered
        IContributionLedger.SignedUpdate[] memory ups = _two(
            _next(ALICE_PK, 1), _signed(MALLORY_PK, 1, GENESIS, keccak256("m"), 1, 1)
        );
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerSignerNotActive.selector, 1, mallory));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsZeroAddressSigner() public {
        // address(0) can never be registered: wherever it stands, it is an inactive signer.
        IContributionLedger.SignedUpdate memory zero = _next(ALICE_PK, 1);
        zero.participant = address(0);
        zero.r = bytes32(0);
        zero.vs = bytes32(0);
        IContributionLedger.SignedUpdate[] memory ups = _two(zero, _next(BOB_PK, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerSignerNotActive.selector, 0, address(0)));
        _record(1, GENESIS, _aggregate(1), ups);

        ups = _two(_next(BOB_PK, 1), zero);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerSignerNotActive.selector, 1, address(0)));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsDuplicateParticipant() public {
        IContributionLedger.SignedUpdate memory a = _next(ALICE_PK, 1);
        IContributionLedger.SignedUpdate memory a2 = _signed(ALICE_PK, 1, GENESIS, keccak256("second"), 5, 1);
        // two different, validly signed updates of alice
        IContributionLedger.SignedUpdate[] memory ups = _three(a, a2, _next(BOB_PK, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerDuplicateParticipant.selector, 1, alice));
        _record(1, GENESIS, _aggregate(1), ups);

        // the exact same update twice, after another participant
        ups = _three(_next(BOB_PK, 1), _next(CAROL_PK, 1), _next(CAROL_PK, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerDuplicateParticipant.selector, 2, carol));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsUpdatesNotSorted() public {
        IContributionLedger.SignedUpdate[] memory ups = _two(_next(BOB_PK, 1), _next(ALICE_PK, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerUpdatesNotSorted.selector, 1));
        _record(1, GENESIS, _aggregate(1), ups);

        ups = _three(_next(ALICE_PK, 1), _next(CAROL_PK, 1), _next(BOB_PK, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerUpdatesNotSorted.selector, 2));
        _record(1, GENESIS, _aggregate(1), ups);

        // a non-adjacent duplicate is out of order too, so it cannot slip through
        ups = _three(_next(ALICE_PK, 1), _next(BOB_PK, 1), _next(ALICE_PK, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerUpdatesNotSorted.selector, 2));
        _record(1, GENESIS, _aggregate(1), ups);

        // sorted, the same updates are accepted
        _record(1, GENESIS, _aggregate(1), _sorted(_three(_next(CAROL_PK, 1), _next(ALICE_PK, 1), _next(BOB_PK, 1))));
        assertEq(ledger.latestRound(), 1, "sorted round recorded");
    }

    function test_recordRound_orderIsCheckedBeforeStatus() public {
        vm.prank(registrar);
        ledger.deactivateParticipant(alice);
        IContributionLedger.SignedUpdate[] memory ups = _two(_next(BOB_PK, 1), _next(ALICE_PK, 1));
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerUpdatesNotSorted.selector, 1));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsCommitmentMismatch() public {
        bytes32 other = keccak256("some other dataset");
        // signed over the other commitment and submitted with it: the registered one differs
        IContributionLedger.SignedUpdate memory b = _next(BOB_PK, 1);
        (b.r, b.vs) = _signCompact(BOB_PK, _digest(1, GENESIS, b.updateHash, b.numSamples, other));
        b.datasetCommitment = other;
        IContributionLedger.SignedUpdate[] memory ups = _two(_next(ALICE_PK, 1), b);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerCommitmentMismatch.selector, 1, bob));
        _record(1, GENESIS, _aggregate(1), ups);

        // another participant's commitment
        ups = _two(_next(ALICE_PK, 1), _next(BOB_PK, 1));
        ups[0].datasetCommitment = BOB_DATA;
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerCommitmentMismatch.selector, 0, alice));
        _record(1, GENESIS, _aggregate(1), ups);

        // a zero commitment
        ups = _two(_next(ALICE_PK, 1), _next(BOB_PK, 1));
        ups[1].datasetCommitment = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerCommitmentMismatch.selector, 1, bob));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_commitmentIsCheckedBeforeSignature() public {
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        ups[0].datasetCommitment = keccak256("x");
        ups[0].r = bytes32(0); // and the signature is garbage too
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerCommitmentMismatch.selector, 0, alice));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsUnauthorized() public {
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        address[4] memory callers = [stranger, admin, registrar, alice];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(_unauthorized(callers[i], coordinatorRole));
            ledger.recordRound(1, GENESIS, _aggregate(1), _statement(1), ups);
        }
        assertEq(ledger.latestRound(), 0, "nothing recorded");
    }

    function test_recordRound_revertsWhenPaused() public {
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        _pause();
        vm.expectRevert(_enforcedPause());
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_recordRound_revertsZeroStatementDigest() public {
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1));
        vm.prank(coordinator);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroStatementDigest.selector));
        ledger.recordRound(1, GENESIS, _aggregate(1), bytes32(0), ups);
        assertEq(ledger.latestRound(), 0, "not recorded");
        assertEq(ledger.participantInfo(alice).credited, 0, "nothing credited");
    }

    function test_recordRound_statementDigestPerRound() public {
        _recordNext(1, 1, 1);
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(BOB_PK, 1));
        bytes32 statement = sha256("round 2 statement");
        vm.prank(coordinator);
        ledger.recordRound(2, _aggregate(1), _aggregate(2), statement, ups);
        assertEq(ledger.roundRecord(1).statementDigest, _statement(1), "round 1");
        assertEq(ledger.roundRecord(2).statementDigest, sha256("round 2 statement"), "round 2");
        assertEq(ledger.roundRecord(3).statementDigest, bytes32(0), "round 3 not recorded");
    }

    function test_recordRound_failedRoundLeavesNoTrace() public {
        IContributionLedger.SignedUpdate[] memory ups =
            _three(_next(ALICE_PK, 1), _next(BOB_PK, 1), _next(CAROL_PK, 1));
        ups[2].numSamples += 1; // last update's signature no longer matches
        vm.expectRevert(_invalidSignature(2, carol));
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(alice).credited, 0, "alice not credited");
        assertEq(ledger.totalCredited(), 0, "totalCredited");
        assertEq(ledger.latestRound(), 0, "latestRound");
        assertEq(ledger.roundRecord(1).aggregateModelHash, bytes32(0), "no record");
    }

    // =================================================================== recordRound: sample-count bound

    function _exceeds(uint256 index, address participant, uint256 numSamples, uint256 size)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(
            IContributionLedger.LedgerSampleCountExceedsDataset.selector, index, participant, numSamples, size
        );
    }

    function test_sampleCount_aboveDatasetSizeReverts() public {
        _register(dave, DAVE_DATA, 500);
        IContributionLedger.SignedUpdate[] memory ups = _two(
            _next(ALICE_PK, 1),
            _signed(DAVE_PK, 1, GENESIS, _updateHash(DAVE_PK, 1), 501, 1) // correctly signed, one too many
        );
        vm.expectRevert(_exceeds(1, dave, 501, 500));
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.latestRound(), 0, "nothing recorded");
    }

    function test_sampleCount_equalToDatasetSizeAccepted() public {
        _register(dave, DAVE_DATA, 500);
        IContributionLedger.SignedUpdate[] memory ups =
            _two(_next(ALICE_PK, 1), _signed(DAVE_PK, 1, GENESIS, _updateHash(DAVE_PK, 1), 500, 1));
        vm.expectEmit(address(ledger));
        emit IContributionLedger.UpdateRecorded(1, alice, ups[0].updateHash, 1_000, 1);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.UpdateRecorded(1, dave, ups[1].updateHash, 500, 1);
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(dave).credited, BUDGET / 2, "dave credited");
    }

    function test_sampleCount_inflatedCountOfSmallDatasetReverts() public {
        // the measured attack: 300 records, 10^12 samples declared
        _register(dave, DAVE_DATA, 300);
        IContributionLedger.SignedUpdate[] memory ups =
            _one(_signed(DAVE_PK, 1, GENESIS, _updateHash(DAVE_PK, 1), 1e12, 1));
        vm.expectRevert(_exceeds(0, dave, 1e12, 300));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_sampleCount_checkedAfterSignature() public {
        // an unsigned inflation is an invalid signature, not a bound violation
        _register(dave, DAVE_DATA, 500);
        IContributionLedger.SignedUpdate[] memory ups =
            _one(_signed(DAVE_PK, 1, GENESIS, _updateHash(DAVE_PK, 1), 500, 1));
        ups[0].numSamples = 501;
        vm.expectRevert(_invalidSignature(0, dave));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_sampleCount_boundFollowsDatasetUpdate() public {
        bytes32 v2 = keccak256("bob.dataset.v2");
        vm.prank(bob);
        ledger.updateDatasetCommitment(v2, 999, bytes32(0));
        // _next signs 1,000 samples over the new commitment: above the new size
        IContributionLedger.SignedUpdate[] memory ups = _two(_next(ALICE_PK, 1), _next(BOB_PK, 1));
        vm.expectRevert(_exceeds(1, bob, 1_000, 999));
        _record(1, GENESIS, _aggregate(1), ups);

        ups[1] = _signed(BOB_PK, 1, GENESIS, _updateHash(BOB_PK, 1), 999, 1);
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(bob).credited, BUDGET / 2, "bob credited");
    }

    // =================================================================== recordRound: signatures

    function test_signature_alteredUpdateHash() public {
        IContributionLedger.SignedUpdate[] memory ups = _two(_next(ALICE_PK, 1), _next(BOB_PK, 1));
        ups[1].updateHash = keccak256("swapped model update");
        vm.expectRevert(_invalidSignature(1, bob));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_signature_alteredNumSamples() public {
        IContributionLedger.SignedUpdate[] memory ups = _two(_next(ALICE_PK, 1), _next(BOB_PK, 1));
        ups[0].numSamples = 999_999; // inflated sample count
        vm.expectRevert(_invalidSignature(0, alice));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_signature_scoreIsNotSigned() public {
        // the coordinator assigns scores: changing one keeps the signature valid
        IContributionLedger.SignedUpdate[] memory ups = _two(_next(ALICE_PK, 1), _next(BOB_PK, 1));
        ups[0].score = 3;
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(alice).credited, BUDGET * 3 / 4, "alice");
    }

    function test_signature_overDifferentBaseHash() public {
        IContributionLedger.SignedUpdate[] memory ups =
            _two(_next(ALICE_PK, 1), _signed(BOB_PK, 1, keccak256("stale base"), _updateHash(BOB_PK, 1), 1_000, 1));
        vm.expectRevert(_invalidSignature(1, bob));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_signature_staleDatasetCommitment() public {
        bytes32 v2 = keccak256("bob.dataset.v2");
        IContributionLedger.SignedUpdate[] memory ups = _two(_next(ALICE_PK, 1), _next(BOB_PK, 1)); // over v1
        vm.prank(bob);
        ledger.updateDatasetCommitment(v2, DATASET_SIZE, bytes32(0));

        // submitted as signed (old commitment): no longer the registered one
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerCommitmentMismatch.selector, 1, bob));
        _record(1, GENESIS, _aggregate(1), ups);

        // the coordinator swaps in the new commitment: the signature (over v1) no longer verifies
        ups[1].datasetCommitment = v2;
        vm.expectRevert(_invalidSignature(1, bob));
        _record(1, GENESIS, _aggregate(1), ups);

        // re-signed over the new commitment it is accepted
        ups[1] = _next(BOB_PK, 1);
        assertEq(ups[1].datasetCommitment, v2, "helper signs the registered commitment");
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(bob).credited, BUDGET / 2, "bob credited");
    }

    function test_signature_overDifferentCommitmentThanSubmitted() public {
        // signed over another commitment, submitted with the registered one
        IContributionLedger.SignedUpdate memory b = _next(BOB_PK, 1);
        (b.r, b.vs) = _signCompact(BOB_PK, _digest(1, GENESIS, b.updateHash, b.numSamples, keccak256("other")));
        IContributionLedger.SignedUpdate[] memory ups = _two(_next(ALICE_PK, 1), b);
        vm.expectRevert(_invalidSignature(1, bob));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_signature_replayFromEarlierRound() public {
        // round 1 keeps the model (aggregate == base), so round 2 has the same base hash and
        // the round number is the only field that differs
        IContributionLedger.SignedUpdate memory aliceRound1 = _signed(ALICE_PK, 1, GENESIS, keccak256("u"), 10, 1);
        _record(1, GENESIS, GENESIS, _two(aliceRound1, _next(BOB_PK, 1)));

        IContributionLedger.SignedUpdate[] memory ups = _two(aliceRound1, _next(BOB_PK, 1));
        vm.expectRevert(_invalidSignature(0, alice));
        _record(2, GENESIS, _aggregate(2), ups);

        ups[0] = _signed(ALICE_PK, 2, GENESIS, keccak256("u"), 10, 1);
        _record(2, GENESIS, _aggregate(2), ups);
        assertEq(ledger.latestRound(), 2, "fresh signature accepted");
    }

    function test_signature_fromAnotherLedgerDeployment() public {
        ContributionLedger original = ledger;
        ContributionLedger other = _deployLedger();
        ledger = other;
        _register(alice, ALICE_DATA);
        IContributionLedger.SignedUpdate memory forOther = _next(ALICE_PK, 1); // digest checked against `other`
        ledger = original;
        assertNotEq(
            other.updateDigest(1, GENESIS, forOther.updateHash, forOther.numSamples, ALICE_DATA),
            original.updateDigest(1, GENESIS, forOther.updateHash, forOther.numSamples, ALICE_DATA),
            "domains differ"
        );

        IContributionLedger.SignedUpdate[] memory ups = _one(forOther);
        vm.expectRevert(_invalidSignature(0, alice));
        _record(1, GENESIS, _aggregate(1), ups);

        // ...while it is valid on the ledger it was made for
        ledger = other;
        _fund(BUDGET);
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(other.participantInfo(alice).credited, BUDGET, "credited on the other ledger");
    }

    function test_signature_fromAnotherChainId() public {
        IContributionLedger.SignedUpdate[] memory ups = _one(_next(ALICE_PK, 1)); // signed for chain 31337
        vm.chainId(10);
        vm.expectRevert(_invalidSignature(0, alice));
        _record(1, GENESIS, _aggregate(1), ups);

        // signed for chain 10 it is accepted on chain 10
        ups[0] = _next(ALICE_PK, 1);
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.latestRound(), 1, "recorded on chain 10");
    }

    function test_signature_wrongKey() public {
        IContributionLedger.SignedUpdate memory u = _next(ALICE_PK, 1);
        (u.r, u.vs) = _signCompact(MALLORY_PK, _digest(1, GENESIS, u.updateHash, u.numSamples, ALICE_DATA));
        IContributionLedger.SignedUpdate[] memory ups = _two(u, _next(BOB_PK, 1));
        vm.expectRevert(_invalidSignature(0, alice));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_signature_otherParticipantsSignature() public {
        IContributionLedger.SignedUpdate memory a = _next(ALICE_PK, 1);
        IContributionLedger.SignedUpdate memory b = _next(BOB_PK, 1);
        (a.r, a.vs) = (b.r, b.vs);
        IContributionLedger.SignedUpdate[] memory ups = _two(a, b);
        vm.expectRevert(_invalidSignature(0, alice));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_signature_flippedParityBit() public {
        IContributionLedger.SignedUpdate memory a = _next(ALICE_PK, 1);
        a.vs = bytes32(uint256(a.vs) ^ (uint256(1) << 255));
        IContributionLedger.SignedUpdate[] memory ups = _one(a);
        vm.expectRevert(_invalidSignature(0, alice));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_signature_garbage() public {
        IContributionLedger.SignedUpdate memory a = _next(ALICE_PK, 1);
        a.r = bytes32(0);
        a.vs = bytes32(0);
        IContributionLedger.SignedUpdate[] memory ups = _one(a);
        vm.expectRevert(_invalidSignature(0, alice));
        _record(1, GENESIS, _aggregate(1), ups);

        a = _next(ALICE_PK, 1);
        a.r = keccak256("random r");
        ups = _one(a);
        vm.expectRevert(_invalidSignature(0, alice));
        _record(1, GENESIS, _aggregate(1), ups);
    }

    function test_signature_highSRejected() public {
        // ecrecover accepts any s, so pick a high s (in (n/2, 2^255), expressible in the compact
        // form) and register whatever address that signature recovers to: only the ledger's
        // EIP-2 low-s check stands between it and acceptance.
        uint256 halfN = SECP256K1_N / 2;
        bytes32 commitment = keccak256("q.dataset");
        bytes32 digest = _digest(1, GENESIS, keccak256("u"), 1, commitment);
        (, bytes32 r,) = vm.sign(ALICE_PK, digest); // any valid x coordinate
        uint256 sHigh = halfN + 12_345;
        address q = ecrecover(digest, 27, r, bytes32(sHigh));
        assertNotEq(q, address(0), "high-s signature recovers");
        uint256 sLow = SECP256K1_N - sHigh;
        assertEq(ecrecover(digest, 28, r, bytes32(sLow)), q, "its low-s twin recovers to the same address");
        _register(q, commitment);

        IContributionLedger.SignedUpdate memory u = IContributionLedger.SignedUpdate({
            participant: q,
            updateHash: keccak256("u"),
            numSamples: 1,
            score: 1,
            datasetCommitment: commitment,
            r: r,
            vs: bytes32(sHigh) // v = 27: top bit clear
        });
        IContributionLedger.SignedUpdate[] memory ups = _one(u);
        vm.expectRevert(_invalidSignature(0, q));
        _record(1, GENESIS, _aggregate(1), ups);

        ups[0].vs = bytes32((uint256(1) << 255) | sLow); // v = 28, low s
        _record(1, GENESIS, _aggregate(1), ups);
        assertEq(ledger.participantInfo(q).credited, BUDGET, "low-s form accepted");
    }

    function test_signature_compactMatchesSignCompactCheatcode() public view {
        bytes32 digest = _digest(1, GENESIS, keccak256("u"), 1, ALICE_DATA);
        (bytes32 r, bytes32 vs) = _signCompact(ALICE_PK, digest);
        (bytes32 r2, bytes32 vs2) = vm.signCompact(ALICE_PK, digest);
        assertEq(r, r2, "r");
        assertEq(vs, vs2, "vs");
        (uint8 v, bytes32 r3, bytes32 s) = vm.sign(ALICE_PK, digest);
        assertEq(ecrecover(digest, v, r3, s), alice, "ecrecover");
    }

    // =================================================================== claim

    function test_claim_toSelf() public {
        _recordNext(1, 1, 2); // alice 250e18
        uint256 amount = BUDGET / 4;
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(ledger), alice, amount);
        vm.expectEmit(address(ledger));
        emit IContributionLedger.RewardClaimed(alice, alice, amount);
        vm.prank(alice);
        uint256 claimed = ledger.claim(alice);

        assertEq(claimed, amount, "returned amount");
        assertEq(token.balanceOf(alice), amount, "alice balance");
        assertEq(token.balanceOf(address(ledger)), INITIAL_FUNDING - amount, "ledger balance");
        assertEq(ledger.claimable(alice), 0, "claimable");
        IContributionLedger.ParticipantInfo memory info = ledger.participantInfo(alice);
        assertEq(info.claimed, amount, "claimed");
        assertEq(info.credited, amount, "credited");
    }

    function test_claim_toOtherRecipient() public {
        _recordNext(1, 1, 2);
        uint256 amount = BUDGET / 2;
        vm.expectEmit(address(ledger));
        emit IContributionLedger.RewardClaimed(carol, stranger, amount);
        vm.prank(carol);
        ledger.claim(stranger);
        assertEq(token.balanceOf(stranger), amount, "recipient balance");
        assertEq(token.balanceOf(carol), 0, "carol balance");
        assertEq(ledger.participantInfo(carol).claimed, amount, "claimed recorded on carol");
    }

    function test_claim_revertsZeroRecipient() public {
        _recordNext(1, 1, 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerZeroAddress.selector));
        ledger.claim(address(0));
    }

    function test_claim_revertsNothingToClaim() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerNothingToClaim.selector, stranger));
        ledger.claim(stranger);

        vm.prank(alice); // registered but not yet credited
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerNothingToClaim.selector, alice));
        ledger.claim(alice);

        _recordNext(1, 1, 1);
        vm.prank(alice);
        ledger.claim(alice);
        vm.prank(alice); // already claimed everything
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerNothingToClaim.selector, alice));
        ledger.claim(alice);
    }

    function test_claim_zeroScoreParticipantHasNothing() public {
        _recordNext(0, 1, 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IContributionLedger.LedgerNothingToClaim.selector, alice));
        ledger.claim(alice);
    }

    function test_claim_secondClaimAfterMoreRounds() public {
        _setBudget(300);
        _recordNext(1, 1, 1); // 100 each
        vm.prank(bob);
        assertEq(ledger.claim(bob), 100, "first claim");

        _recordNext(1, 2, 3); // 50 / 100 / 150
        _recordNext(1, 1, 1); // 100 each
        assertEq(ledger.claimable(bob), 200, "claimable");
        vm.expectEmit(address(ledger));
        emit IContributionLedger.RewardClaimed(bob, bob, 200);
        vm.prank(bob);
        assertEq(ledger.claim(bob), 200, "second claim");
        IContributionLedger.ParticipantInfo memory info = ledger.participantInfo(bob);
        assertEq(info.credited, 300, "credited");
        assertEq(info.claimed, 300, "claimed");
        assertEq(token.balanceOf(bob), 300, "balance");
    }

    function test_claim_deactivatedParticipantCanClaim() public {
        _recordNext(1, 1, 2);
        vm.prank(registrar);
        ledger.deactivateParticipant(carol);
        vm.prank(carol);
        assertEq(ledger.claim(carol), BUDGET / 2, "claimed while inactive");
    }

    function test_claim_revertsWhenPaused() public {
        _recordNext(1, 1, 1);
        _pause();
        vm.prank(alice);
        vm.expectRevert(_enforcedPause());
        ledger.claim(alice);
    }

    // =================================================================== pause

    function test_pauseUnpause_byAdmin() public {
        vm.expectEmit(address(ledger));
        emit Pausable.Paused(admin);
        _pause();
        assertTrue(ledger.paused(), "paused");

        // views keep working while paused
        assertEq(ledger.latestRound(), 0, "view while paused");
        assertEq(ledger.headModelHash(), GENESIS, "view while paused");
        _digest(1, GENESIS, keccak256("u"), 1, ALICE_DATA);

        vm.expectEmit(address(ledger));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        ledger.unpause();
        assertFalse(ledger.paused(), "unpaused");

        _recordNext(1, 1, 1); // operations resume
        assertEq(ledger.latestRound(), 1, "recorded after unpause");
    }

    function test_pause_revertsUnauthorized() public {
        address[4] memory callers = [stranger, registrar, coordinator, alice];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(_unauthorized(callers[i], DEFAULT_ADMIN_ROLE));
            ledger.pause();
        }
    }

    function test_unpause_revertsUnauthorized() public {
        _pause();
        address[4] memory callers = [stranger, registrar, coordinator, alice];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(_unauthorized(callers[i], DEFAULT_ADMIN_ROLE));
            ledger.unpause();
        }
        assertTrue(ledger.paused(), "still paused");
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        _pause();
        vm.prank(admin);
        vm.expectRevert(_enforcedPause());
        ledger.pause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        ledger.unpause();
    }

    // =================================================================== views & lineage

    function test_views_beforeAnyRound() public view {
        IContributionLedger.RoundRecord memory rec = ledger.roundRecord(1);
        assertEq(rec.baseModelHash, bytes32(0), "empty record");
        assertEq(rec.aggregateModelHash, bytes32(0), "empty record");
        assertEq(rec.updatesDigest, bytes32(0), "empty record");
        assertEq(rec.budget + rec.participantCount + rec.recordedAt + rec.totalScore, 0, "empty record");
        IContributionLedger.ParticipantInfo memory none = ledger.participantInfo(stranger);
        assertEq(uint256(none.status), uint256(IContributionLedger.ParticipantStatus.None), "None");
        assertEq(none.datasetCommitment, bytes32(0), "no commitment");
        assertEq(ledger.claimable(stranger), 0, "claimable");
    }

    function test_lineage_threeRounds() public {
        // round 1: alice, bob; budget 1000e18; at t1
        vm.warp(1_000);
        IContributionLedger.SignedUpdate[] memory r1 = _two(_next(ALICE_PK, 1), _next(BOB_PK, 3));
        _record(1, GENESIS, _aggregate(1), r1);

        // round 2: bob, carol, dave (newly registered); budget 600
        _register(dave, DAVE_DATA);
        _setBudget(600);
        vm.warp(2_000);
        IContributionLedger.SignedUpdate[] memory r2 =
            _three(_next(BOB_PK, 1), _next(CAROL_PK, 1), _next(DAVE_PK, 1));
        _record(2, _aggregate(1), _aggregate(2), r2);

        // round 3: alice only, after bob was deactivated; budget 7
        vm.prank(registrar);
        ledger.deactivateParticipant(bob);
        _setBudget(7);
        vm.warp(3_000);
        IContributionLedger.SignedUpdate[] memory r3 = _one(_next(ALICE_PK, 5));
        _record(3, _aggregate(2), _aggregate(3), r3);

        assertEq(ledger.latestRound(), 3, "latestRound");
        assertEq(ledger.headModelHash(), _aggregate(3), "head");
        _checkRecord(1, GENESIS, r1, BUDGET, 4, 1_000);
        _checkRecord(2, _aggregate(1), r2, 600, 3, 2_000);
        _checkRecord(3, _aggregate(2), r3, 7, 5, 3_000);
        assertEq(ledger.roundRecord(4).aggregateModelHash, bytes32(0), "no round 4");

        assertEq(ledger.participantInfo(alice).credited, BUDGET / 4 + 7, "alice");
        assertEq(ledger.participantInfo(bob).credited, BUDGET * 3 / 4 + 200, "bob");
        assertEq(ledger.participantInfo(carol).credited, 200, "carol");
        assertEq(ledger.participantInfo(dave).credited, 200, "dave");
        assertEq(ledger.totalCredited(), uint256(BUDGET) + 600 + 7, "totalCredited");
        assertEq(ledger.totalFunded(), INITIAL_FUNDING, "totalFunded");
        assertEq(token.balanceOf(address(ledger)), INITIAL_FUNDING, "nothing claimed yet");
    }

    function _checkRecord(
        uint256 round,
        bytes32 base,
        IContributionLedger.SignedUpdate[] memory ups,
        uint256 budget,
        uint256 totalScore,
        uint256 timestamp
    ) internal view {
        IContributionLedger.RoundRecord memory rec = ledger.roundRecord(round);
        assertEq(rec.baseModelHash, base, "base");
        assertEq(rec.aggregateModelHash, _aggregate(round), "aggregate");
        assertEq(rec.updatesDigest, _expectedUpdatesDigest(ups), "updatesDigest");
        assertEq(rec.budget, budget, "budget");
        assertEq(rec.participantCount, ups.length, "participantCount");
        assertEq(rec.totalScore, totalScore, "totalScore");
        assertEq(rec.recordedAt, timestamp, "recordedAt");
        if (round > 1) {
            assertEq(rec.baseModelHash, ledger.roundRecord(round - 1).aggregateModelHash, "lineage");
        }
    }
}
