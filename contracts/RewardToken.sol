// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/**
 * @title RewardToken
 * @notice The ERC-20 in which the ContributionLedger pays contributors. The whole fixed
 * supply is minted once to `holder` (the operator's treasury), which funds the ledger.
 */
contract RewardToken is ERC20, ERC20Permit {
    /**
     * @param name_ Token name.
     * @param symbol_ Token symbol.
     * @param holder Receives the entire supply.
     * @param supply Fixed total supply, in the token's smallest unit.
     */
    constructor(string memory name_, string memory symbol_, address holder, uint256 supply)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        _mint(holder, supply);
    }
}
