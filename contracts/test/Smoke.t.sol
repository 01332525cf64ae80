// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;
import {Vm, VM_ADDRESS} from "./Vm.sol";

contract Emitter { event E(uint256 indexed a, uint256 b); error Bad(uint256 x); 
  function emitIt(uint256 a, uint256 b) external { emit E(a,b); }
  function fail(uint256 x) external pure { revert Bad(x); }
  function who() external view returns (address) { return msg.sender; }
  function ts() external view returns (uint256, uint256, uint256) { return (block.timestamp, block.number, block.chainid); }
}

contract SmokeTest {
  error AddrIs(address a);
  Vm constant vm = Vm(VM_ADDRESS);
  event E(uint256 indexed a, uint256 b);
  Emitter e;
  function setUp() public { e = new Emitter(); }
  function test_addrSign() public view {
    address a = vm.addr(1);
    if (a != 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf) revert AddrIs(a);
    bytes32 d = keccak256("x");
    (uint8 v, bytes32 r, bytes32 s) = vm.sign(1, d);
    require(ecrecover(d, v, r, s) == a, "sign");
    (bytes32 r2, bytes32 vs) = vm.signCompact(1, d);
    require(r2 == r && vs == bytes32(uint256(v - 27) << 255 | uint256(s)), "compact");
  }
  function test_prank() public {
    vm.prank(address(0xBEEF));
    require(e.who() == address(0xBEEF), "prank");
    require(e.who() == address(this), "prank once");
    vm.startPrank(address(0xCAFE));
    require(e.who() == address(0xCAFE), "sp1");
    require(e.who() == address(0xCAFE), "sp2");
    vm.stopPrank();
    require(e.who() == address(this), "stop");
  }
  function test_expectRevert() public {
    vm.expectRevert(abi.encodeWithSelector(Emitter.Bad.selector, 5));
    e.fail(5);
  }
  function test_expectRevertWrongArgShouldFail() public {
    vm.expectRevert(abi.encodeWithSelector(Emitter.Bad.selector, 6));
    e.fail(5);
  }
  function test_expectEmit() public {
    vm.expectEmit(address(e));
    emit E(1, 2);
    e.emitIt(1, 2);
  }
  function test_expectEmitWrongShouldFail() public {
    vm.expectEmit(address(e));
    emit E(1, 3);
    e.emitIt(1, 2);
  }
  function test_env() public {
    vm.warp(12345); vm.roll(77); vm.chainId(999);
    (uint256 t, uint256 n, uint256 c) = e.ts();
    require(t == 12345 && n == 77 && c == 999 && block.chainid == 999, "env");
    vm.deal(address(0xD), 5 ether);
    require(address(0xD).balance == 5 ether, "deal");
    vm.store(address(e), bytes32(uint256(3)), bytes32(uint256(42)));
    require(vm.load(address(e), bytes32(uint256(3))) == bytes32(uint256(42)), "store");
    vm.recordLogs();
    e.emitIt(9, 8);
    Vm.Log[] memory logs = vm.getRecordedLogs();
    require(logs.length == 1 && logs[0].emitter == address(e) && uint256(logs[0].topics[1]) == 9, "logs");
  }
  function test_fuzzAssume(uint256 x) public pure {
    vm.assume(x % 2 == 0);
    require(x % 2 == 0, "assume");
  }
  function test_chainInfo() public view { require(block.chainid == 31337, "chain default"); }
}
