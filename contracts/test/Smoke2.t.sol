// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;
import {Vm, VM_ADDRESS} from "./Vm.sol";

contract Target { uint256 public n; function bump() external { n++; } }
contract H {
  Vm constant vm = Vm(VM_ADDRESS);
  Target public t; uint256 public calls; uint256 public pranked;
  constructor(Target t_) { t = t_; }
  function act(uint256 x) external { calls++; vm.prank(address(uint160(x % 1000 + 1))); try this.who() returns (address w) { if (w == address(uint160(x % 1000 + 1))) pranked++; } catch {} }
  function who() external view returns (address) { return msg.sender; }
}
contract InvSmokeTest {
  H h; Target t;
  address[] private _targets;
  function setUp() public { t = new Target(); h = new H(t); _targets.push(address(h)); }
  function targetContracts() public view returns (address[] memory) { return _targets; }
  /// hardhat-config: invariant.runs = 5
  /// hardhat-config: invariant.depth = 10
  function invariant_onlyHandler() public view { require(t.n() == 0, "target called"); require(h.pranked() == h.calls(), "prank in handler"); }
  function afterInvariant() public view { require(h.calls() > 0, "no calls"); }
}
