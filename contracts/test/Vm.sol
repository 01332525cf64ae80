// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @dev The subset of the Foundry cheatcodes (served by EDR in Hardhat 3 Solidity tests) that
/// the ledger tests use; each one is exercised, and a wrong expectation is known to fail the test.
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    // ---- keys and signatures
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function signCompact(uint256 privateKey, bytes32 digest) external pure returns (bytes32 r, bytes32 vs);

    // ---- caller
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;

    // ---- expectations
    function expectRevert() external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function expectEmit(address emitter) external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);

    // ---- fuzzing
    function assume(bool condition) external pure;

    // ---- environment
    function warp(uint256 newTimestamp) external;
    function chainId(uint256 newChainId) external;
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function store(address target, bytes32 slot, bytes32 value) external;
}

/// @dev The cheatcode address: address(uint160(uint256(keccak256("hevm cheat code")))).
address constant VM_ADDRESS = address(uint160(uint256(keccak256("hevm cheat code"))));
