// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ContributionLedger} from "../ContributionLedger.sol";
import {RewardToken} from "../RewardToken.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {GoldenVectors} from "./GoldenVectors.sol";
import {Test} from "./Test.sol";

/**
 * @dev Replays the protocol's golden vectors (client-sdk/src/protocol/vectors/golden.json,
 * exported to GoldenVectors.sol by test/tools/make-vectors.ts) against the contract: the
 * typed-data hash the TypeScript SDK computes is the one the ledger verifies.
 */
contract ProtocolVectorsTest is Test {
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    ContributionLedger private ledger;

    function setUp() public {
        RewardToken token = new RewardToken("Reward", "RWD", address(this), 1e24);
        ledger = new ContributionLedger(IERC20(address(token)), keccak256("genesis"), 1e18, address(this));
    }

    function _digest(uint256 chainId, address verifyingContract) private view returns (bytes32) {
        (, string memory name, string memory version,,,,) = ledger.eip712Domain();
        bytes32 domainSeparator = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifyingContract)
        );
        bytes32 structHash = keccak256(
            abi.encode(
                ledger.UPDATE_TYPEHASH(),
                GoldenVectors.ROUND,
                GoldenVectors.BASE_MODEL_HASH,
                GoldenVectors.UPDATE_HASH,
                GoldenVectors.NUM_SAMPLES,
                GoldenVectors.DATASET_COMMITMENT
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domainSeparator, structHash));
    }

    function _releaseDigest(uint256 chainId, address verifyingContract) private view returns (bytes32) {
        (, string memory name, string memory version,,,,) = ledger.eip712Domain();
        bytes32 domainSeparator = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifyingContract)
        );
        bytes32 structHash = keccak256(
            abi.encode(
                ledger.RELEASE_APPROVAL_TYPEHASH(),
                GoldenVectors.RELEASE_ROUND,
                GoldenVectors.BASE_MODEL_HASH, // the released model: the f32 encoding's hash
                keccak256(bytes(GoldenVectors.RELEASE_TAG)),
                GoldenVectors.RELEASE_REPORT_DIGEST
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domainSeparator, structHash));
    }

    function test_releaseApprovalTypehashMatchesTheVectors() public view {
        assertEq(
            ledger.RELEASE_APPROVAL_TYPEHASH(), GoldenVectors.RELEASE_APPROVAL_TYPEHASH, "RELEASE_APPROVAL_TYPEHASH"
        );
    }

    function test_releaseApprovalDigestMatchesTheVectors() public view {
        assertEq(
            _releaseDigest(GoldenVectors.CHAIN_ID, GoldenVectors.LEDGER),
            GoldenVectors.RELEASE_APPROVAL_DIGEST,
            "golden release approval digest"
        );
    }

    function test_contractReleaseApprovalDigestMatchesTheFormula() public view {
        bytes32 onChain = ledger.releaseApprovalDigest(
            GoldenVectors.RELEASE_ROUND,
            GoldenVectors.BASE_MODEL_HASH,
            GoldenVectors.RELEASE_TAG,
            GoldenVectors.RELEASE_REPORT_DIGEST
        );
        assertEq(onChain, _releaseDigest(block.chainid, address(ledger)), "contract release approval digest");
    }

    function test_typehashMatchesTheVectors() public view {
        assertEq(ledger.UPDATE_TYPEHASH(), GoldenVectors.UPDATE_TYPEHASH, "UPDATE_TYPEHASH");
    }

    function test_digestMatchesTheVectors() public view {
        assertEq(_digest(GoldenVectors.CHAIN_ID, GoldenVectors.LEDGER), GoldenVectors.DIGEST, "golden digest");
    }

    function test_contractDigestMatchesTheFormula() public view {
        bytes32 onChain = ledger.updateDigest(
            GoldenVectors.ROUND,
            GoldenVectors.BASE_MODEL_HASH,
            GoldenVectors.UPDATE_HASH,
            GoldenVectors.NUM_SAMPLES,
            GoldenVectors.DATASET_COMMITMENT
        );
        assertEq(onChain, _digest(block.chainid, address(ledger)), "contract digest");
    }
}
