// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FaucetToken
/// @notice Six-decimal stand-in for USDC on local and demo chains: anyone may mint up to `FAUCET_LIMIT` per call.
contract FaucetToken is ERC20 {
    /// @notice Most one call to `faucet` mints (1,000,000 tokens).
    uint256 public constant FAUCET_LIMIT = 1_000_000e6;

    /// @notice Requested amount is above the per-call limit.
    error FaucetLimitExceeded(uint256 amount, uint256 limit);

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    /// @notice 6, as USDC: every USD amount in the contracts is in this token's units.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` to the caller.
    function faucet(uint256 amount) external {
        if (amount > FAUCET_LIMIT) revert FaucetLimitExceeded(amount, FAUCET_LIMIT);
        _mint(msg.sender, amount);
    }
}
