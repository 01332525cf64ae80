// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// solhint-disable one-contract-per-file

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ContributionLedger} from "../ContributionLedger.sol";
import {IContributionLedger} from "../IContributionLedger.sol";
import {RewardToken} from "../RewardToken.sol";
import {Vm, VM_ADDRESS} from "./Vm.sol";
import {Test} from "./Test.sol";

/**
 * @dev EIP-712 / EIP-2098 helpers shared by the tests and the invariant handler. The digest
 * is recomputed here from first principles (type hash, domain fields), never taken on trust
 * from the ledger.
 */
abstract contract LedgerSigning {
    Vm private constant _VM = Vm(VM_ADDRESS);

    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant EXPECTED_UPDATE_TYPEHASH = keccak256(
        "Update(uint256 round,bytes32 baseModelHash,bytes32 updateHash,uint64 numSamples,bytes32 datasetCommitment)"
    );
    bytes32 internal constant EXPECTED_RELEASE_APPROVAL_TYPEHASH =
        keccak256("ReleaseApproval(uint256 round,bytes32 modelHash,string tag,bytes32 reportDigest)");
    string internal constant DOMAIN_NAME = "FedLedger ContributionLedger";
    string internal constant DOMAIN_VERSION = "1";

    /// @dev Everything a participant signs, plus the domain it signs under.
    struct Message {
        uint256 chainId;
        address verifyingContract;
        uint256 round;
        bytes32 baseModelHash;
        bytes32 updateHash;
        uint64 numSamples;
        bytes32 datasetCommitment;
    }

    /// @dev Domain separator rebuilt from the fields `ledger.eip712Domain()` reports.
    function _reportedDomainSeparator(ContributionLedger ledger) internal view returns (bytes32) {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract,,) =
            ledger.eip712Domain();
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifyingContract)
        );
    }

    /// @dev Domain separator for an arbitrary chain id and contract (for cross-domain signatures).
    function _domainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256(bytes(DOMAIN_NAME)),
                keccak256(bytes(DOMAIN_VERSION)),
                chainId,
                verifyingContract
            )
        );
    }

    function _structHash(Message memory m) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                EXPECTED_UPDATE_TYPEHASH, m.round, m.baseModelHash, m.updateHash, m.numSamples, m.datasetCommitment
            )
        );
    }

    /// @dev keccak256("\x19\x01" || domainSeparator || structHash).
    function _typedDigest(bytes32 domainSeparator, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", domainSeparator, structHash));
    }

    function _messageDigest(Message memory m) internal pure returns (bytes32) {
        return _typedDigest(_domainSeparator(m.chainId, m.verifyingContract), _structHash(m));
    }

    /// @dev The digest an approver signs for a release on `verifyingContract` at `chainId`.
    function _releaseDigest(
        uint256 chainId,
        address verifyingContract,
        uint256 round,
        bytes32 modelHash,
        string memory tag,
        bytes32 reportDigest
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(EXPECTED_RELEASE_APPROVAL_TYPEHASH, round, modelHash, keccak256(bytes(tag)), reportDigest)
        );
        return _typedDigest(_domainSeparator(chainId, verifyingContract), structHash);
    }

    /// @dev `vm.sign` as a 65-byte signature: r || s || v.
    function _signFull(uint256 privateKey, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = _VM.sign(privateKey, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev `vm.sign` then the EIP-2098 compact form: vs = (v - 27) << 255 | s.
    function _signCompact(uint256 privateKey, bytes32 digest) internal pure returns (bytes32 r, bytes32 vs) {
        (uint8 v, bytes32 r_, bytes32 s) = _VM.sign(privateKey, digest);
        r = r_;
        vs = bytes32((uint256(v - 27) << 255) | uint256(s));
    }

    function _update(address participant, Message memory m, uint64 score, uint256 privateKey)
        internal
        pure
        returns (IContributionLedger.SignedUpdate memory u)
    {
        (bytes32 r, bytes32 vs) = _signCompact(privateKey, _messageDigest(m));
        u = IContributionLedger.SignedUpdate({
            participant: participant,
            updateHash: m.updateHash,
            numSamples: m.numSamples,
            score: score,
            datasetCommitment: m.datasetCommitment,
            r: r,
            vs: vs
        });
    }

    /// @dev Insertion sort by participant address (the ledger requires strictly ascending order).
    function _sortByParticipant(IContributionLedger.SignedUpdate[] memory ups) internal pure {
        for (uint256 i = 1; i < ups.length; ++i) {
            IContributionLedger.SignedUpdate memory key = ups[i];
            uint256 j = i;
            while (j > 0 && ups[j - 1].participant > key.participant) {
                ups[j] = ups[j - 1];
                --j;
            }
            ups[j] = key;
        }
    }

    /// @dev The digest `_updatesDigest` must produce: the concatenated static tuples, no offset/length.
    function _expectedUpdatesDigest(IContributionLedger.SignedUpdate[] memory updates)
        internal
        pure
        returns (bytes32)
    {
        bytes memory packed;
        for (uint256 i; i < updates.length; ++i) {
            packed = bytes.concat(packed, abi.encode(updates[i]));
        }
        return keccak256(packed);
    }
}

/**
 * @dev Reference implementation of the reward split, written independently of the ledger:
 * the remainder recipient is found as "the first index whose score equals the maximum".
 */
library ReferenceSplit {
    function split(uint256 budget, uint64[] memory scores)
        internal
        pure
        returns (uint256[] memory shares, uint256 top, uint256 remainder, uint256 total)
    {
        uint256 maxScore;
        for (uint256 i; i < scores.length; ++i) {
            total += scores[i];
            if (scores[i] > maxScore) maxScore = scores[i];
        }
        shares = new uint256[](scores.length);
        if (total == 0) return (shares, 0, 0, 0);
        while (scores[top] != maxScore) ++top;
        uint256 distributed;
        for (uint256 i; i < scores.length; ++i) {
            shares[i] = (budget * scores[i]) / total;
            distributed += shares[i];
        }
        remainder = budget - distributed;
    }
}

/**
 * @dev The shared fixture: a reward token, a ledger with separate admin / registrar /
 * coordinator accounts, a funded treasury and three registered participants.
 */
abstract contract LedgerTestBase is Test, LedgerSigning {
    bytes32 internal constant GENESIS = keccak256("fedledger.genesis-model");
    uint128 internal constant BUDGET = 1_000e18;
    uint256 internal constant MAX_FUNDABLE = (uint256(1) << 104) - 1;
    /// @dev The registered dataset size unless a test says otherwise: the largest, so that
    /// only the tests of the bound meet it.
    uint48 internal constant DATASET_SIZE = type(uint48).max;

    // Keys picked so that alice < bob < carol < dave < mallory as addresses: recordRound
    // takes updates in strictly ascending participant order. setUp asserts the order.
    uint256 internal constant ALICE_PK = 0xA11CEA;
    uint256 internal constant BOB_PK = 0xB0C6;
    uint256 internal constant CAROL_PK = 0xCA203E;
    uint256 internal constant DAVE_PK = 0xDA7E4;
    uint256 internal constant MALLORY_PK = 0xBAF1;

    bytes32 internal constant ALICE_DATA = keccak256("alice.dataset.v1");
    bytes32 internal constant BOB_DATA = keccak256("bob.dataset.v1");
    bytes32 internal constant CAROL_DATA = keccak256("carol.dataset.v1");
    bytes32 internal constant DAVE_DATA = keccak256("dave.dataset.v1");

    RewardToken internal token;
    ContributionLedger internal ledger;

    address internal admin = makeAddr("admin");
    address internal registrar = makeAddr("registrar");
    address internal coordinator = makeAddr("coordinator");
    address internal treasury = makeAddr("treasury");
    address internal stranger = makeAddr("stranger");

    address internal alice;
    address internal bob;
    address internal carol;
    address internal dave;
    address internal mallory;

    function setUp() public virtual {
        alice = vm.addr(ALICE_PK);
        bob = vm.addr(BOB_PK);
        carol = vm.addr(CAROL_PK);
        dave = vm.addr(DAVE_PK);
        mallory = vm.addr(MALLORY_PK);
        assertTrue(alice < bob && bob < carol && carol < dave && dave < mallory, "fixture keys out of order");

        token = new RewardToken("FedLedger Reward", "FLR", treasury, type(uint128).max);
        ledger = _deployLedger();

        _register(alice, ALICE_DATA);
        _register(bob, BOB_DATA);
        _register(carol, CAROL_DATA);
    }

    function _deployLedger() internal returns (ContributionLedger deployed) {
        deployed = new ContributionLedger(IERC20(address(token)), GENESIS, BUDGET, admin);
        vm.startPrank(admin);
        deployed.grantRole(deployed.REGISTRAR_ROLE(), registrar);
        deployed.grantRole(deployed.COORDINATOR_ROLE(), coordinator);
        vm.stopPrank();
        vm.prank(treasury);
        token.approve(address(deployed), type(uint256).max);
    }

    // ------------------------------------------------------------ actions

    function _register(address participant, bytes32 commitment) internal {
        _register(participant, commitment, DATASET_SIZE);
    }

    function _register(address participant, bytes32 commitment, uint48 datasetSize) internal {
        vm.prank(registrar);
        ledger.registerParticipant(participant, commitment, datasetSize, bytes32(0));
    }

    function _fund(uint256 amount) internal {
        vm.prank(treasury);
        ledger.fund(amount);
    }

    function _setBudget(uint128 budget) internal {
        vm.prank(admin);
        ledger.setRoundBudget(budget);
    }

    /// @dev The updates in ascending participant order (what the coordinator must submit).
    function _sorted(IContributionLedger.SignedUpdate[] memory ups)
        internal
        pure
        returns (IContributionLedger.SignedUpdate[] memory)
    {
        _sortByParticipant(ups);
        return ups;
    }

    /// @dev Only cheatcodes before the call, so an armed expectRevert/expectEmit sees recordRound.
    function _record(uint256 round, bytes32 base, bytes32 aggregate, IContributionLedger.SignedUpdate[] memory updates)
        internal
    {
        bytes32 statement = _statement(round);
        vm.prank(coordinator);
        ledger.recordRound(round, base, aggregate, statement, updates);
    }

    /// @dev The statement digest the tests record with round `round`.
    function _statement(uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("statement", round));
    }

    // ------------------------------------------------------------ signing

    /// @dev The message `participant` signs for `ledger` on the current chain.
    function _message(uint256 round, bytes32 base, bytes32 updateHash, uint64 numSamples, bytes32 commitment)
        internal
        view
        returns (Message memory)
    {
        return Message({
            chainId: block.chainid,
            verifyingContract: address(ledger),
            round: round,
            baseModelHash: base,
            updateHash: updateHash,
            numSamples: numSamples,
            datasetCommitment: commitment
        });
    }

    /**
     * @dev The digest to sign, taken from the ledger's own `updateDigest` view AND recomputed
     * independently from `UPDATE_TYPEHASH` and the fields `eip712Domain()` reports; both must agree.
     */
    function _digest(uint256 round, bytes32 base, bytes32 updateHash, uint64 numSamples, bytes32 commitment)
        internal
        view
        returns (bytes32 digest)
    {
        digest = ledger.updateDigest(round, base, updateHash, numSamples, commitment);
        bytes32 structHash =
            keccak256(abi.encode(ledger.UPDATE_TYPEHASH(), round, base, updateHash, numSamples, commitment));
        assertEq(digest, _typedDigest(_reportedDomainSeparator(ledger), structHash), "updateDigest != recomputed");
        assertEq(
            digest,
            _messageDigest(_message(round, base, updateHash, numSamples, commitment)),
            "updateDigest != hardcoded-domain digest"
        );
    }

    function _commitment(address participant) internal view returns (bytes32) {
        return ledger.participantInfo(participant).datasetCommitment;
    }

    /// @dev A correctly signed update for the participant's current dataset commitment.
    function _signed(uint256 pk, uint256 round, bytes32 base, bytes32 updateHash, uint64 numSamples, uint64 score)
        internal
        view
        returns (IContributionLedger.SignedUpdate memory u)
    {
        address participant = vm.addr(pk);
        bytes32 commitment = _commitment(participant);
        bytes32 digest = _digest(round, base, updateHash, numSamples, commitment);
        (bytes32 r, bytes32 vs) = _signCompact(pk, digest);
        u = IContributionLedger.SignedUpdate({
            participant: participant,
            updateHash: updateHash,
            numSamples: numSamples,
            score: score,
            datasetCommitment: commitment,
            r: r,
            vs: vs
        });
    }

    /// @dev Shorthand: a signed update for the next round on top of the current head.
    function _next(uint256 pk, uint64 score) internal view returns (IContributionLedger.SignedUpdate memory) {
        uint256 round = ledger.latestRound() + 1;
        return _signed(pk, round, ledger.headModelHash(), _updateHash(pk, round), 1_000, score);
    }

    function _updateHash(uint256 pk, uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("update", pk, round));
    }

    function _aggregate(uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("aggregate", round));
    }

    function _one(IContributionLedger.SignedUpdate memory a)
        internal
        pure
        returns (IContributionLedger.SignedUpdate[] memory ups)
    {
        ups = new IContributionLedger.SignedUpdate[](1);
        ups[0] = a;
    }

    function _two(IContributionLedger.SignedUpdate memory a, IContributionLedger.SignedUpdate memory b)
        internal
        pure
        returns (IContributionLedger.SignedUpdate[] memory ups)
    {
        ups = new IContributionLedger.SignedUpdate[](2);
        ups[0] = a;
        ups[1] = b;
    }

    function _three(
        IContributionLedger.SignedUpdate memory a,
        IContributionLedger.SignedUpdate memory b,
        IContributionLedger.SignedUpdate memory c
    ) internal pure returns (IContributionLedger.SignedUpdate[] memory ups) {
        ups = new IContributionLedger.SignedUpdate[](3);
        ups[0] = a;
        ups[1] = b;
        ups[2] = c;
    }

    /// @dev Records the next round with alice, bob, carol (in that, ascending, order) at the given scores.
    function _recordNext(uint64 a, uint64 b, uint64 c) internal returns (uint256 round) {
        round = ledger.latestRound() + 1;
        bytes32 base = ledger.headModelHash();
        IContributionLedger.SignedUpdate[] memory ups =
            _three(_next(ALICE_PK, a), _next(BOB_PK, b), _next(CAROL_PK, c));
        _record(round, base, _aggregate(round), ups);
    }
}
