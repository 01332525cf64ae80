// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// solhint-disable const-name-snakecase

import {Vm, VM_ADDRESS} from "./Vm.sol";

/**
 * @dev Minimal test base (forge-std is not available offline): the cheatcode handle,
 * assertions that revert with a descriptive custom error, and forge-std's `bound`.
 */
abstract contract Test {
    Vm internal constant vm = Vm(VM_ADDRESS);

    /// @dev secp256k1 group order: valid private keys are 1 .. SECP256K1_N - 1.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    error AssertionFailed(string message);
    error AssertEqUintFailed(string message, uint256 left, uint256 right);
    error AssertEqBytes32Failed(string message, bytes32 left, bytes32 right);
    error AssertEqAddressFailed(string message, address left, address right);
    error AssertEqBytesFailed(string message, bytes left, bytes right);
    error AssertEqStringFailed(string message, string left, string right);
    error AssertComparisonFailed(string message, string op, uint256 left, uint256 right);
    error BoundInvalidRange(uint256 min, uint256 max);

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert AssertionFailed(message);
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert AssertionFailed(message);
    }

    function assertEq(uint256 left, uint256 right, string memory message) internal pure {
        if (left != right) revert AssertEqUintFailed(message, left, right);
    }

    function assertEq(bytes32 left, bytes32 right, string memory message) internal pure {
        if (left != right) revert AssertEqBytes32Failed(message, left, right);
    }

    function assertEq(address left, address right, string memory message) internal pure {
        if (left != right) revert AssertEqAddressFailed(message, left, right);
    }

    function assertEq(bool left, bool right, string memory message) internal pure {
        if (left != right) revert AssertionFailed(message);
    }

    function assertEq(bytes memory left, bytes memory right, string memory message) internal pure {
        if (keccak256(left) != keccak256(right)) revert AssertEqBytesFailed(message, left, right);
    }

    function assertEq(string memory left, string memory right, string memory message) internal pure {
        if (keccak256(bytes(left)) != keccak256(bytes(right))) revert AssertEqStringFailed(message, left, right);
    }

    function assertNotEq(bytes32 left, bytes32 right, string memory message) internal pure {
        if (left == right) revert AssertEqBytes32Failed(message, left, right);
    }

    function assertNotEq(address left, address right, string memory message) internal pure {
        if (left == right) revert AssertEqAddressFailed(message, left, right);
    }

    function assertLe(uint256 left, uint256 right, string memory message) internal pure {
        if (left > right) revert AssertComparisonFailed(message, "<=", left, right);
    }

    function assertLt(uint256 left, uint256 right, string memory message) internal pure {
        if (left >= right) revert AssertComparisonFailed(message, "<", left, right);
    }

    function assertGe(uint256 left, uint256 right, string memory message) internal pure {
        if (left < right) revert AssertComparisonFailed(message, ">=", left, right);
    }

    function assertGt(uint256 left, uint256 right, string memory message) internal pure {
        if (left <= right) revert AssertComparisonFailed(message, ">", left, right);
    }

    /**
     * @dev Maps `x` into [min, max] (same contract as forge-std's `bound`): values already
     * in range are kept, so the fuzzer's edge values (0, 1, max) stay edge values.
     */
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (min > max) revert BoundInvalidRange(min, max);
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1; // cannot overflow: [min, max] is not the full range here
        if (x <= 3 && size > x) return min + x;
        if (x >= type(uint256).max - 3 && size > type(uint256).max - x) return max - (type(uint256).max - x);
        if (x > max) {
            uint256 rem = (x - max) % size;
            return rem == 0 ? max : min + rem - 1;
        }
        uint256 remBelow = (min - x) % size;
        return remBelow == 0 ? min : max - remBelow + 1;
    }

    /// @dev A deterministic address for a label (forge-std's makeAddr without the label cheatcode).
    function makeAddr(string memory name) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked("fedledger.test.", name)))));
    }
}

/**
 * @dev The target-selection hooks EDR's invariant runner queries on the test contract
 * (the same ABI as forge-std's StdInvariant): `targetContracts()`, `targetSelectors()`,
 * `excludeSenders()`.
 */
abstract contract InvariantTest {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetedContracts;
    FuzzSelector[] private _targetedSelectors;
    address[] private _excludedSenders;

    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetedSelectors.push(selector);
    }

    function excludeSender(address sender) internal {
        _excludedSenders.push(sender);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludedSenders;
    }
}
