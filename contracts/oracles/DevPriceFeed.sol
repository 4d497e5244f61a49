// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPriceFeed} from "./IPriceFeed.sol";
import {OracleErrors} from "./OracleErrors.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title DevPriceFeed
/// @notice Price source for local and demo chains, pushed by the market simulator (its owner). Applies the same
///         staleness rule as the production adapters so local behaviour matches.
contract DevPriceFeed is IPriceFeed, Ownable {
    uint256 public immutable maxAgeSec;
    /// @dev Price and time in one slot: every trade and NAV valuation reads both (one cold SLOAD instead of two).
    uint192 internal priceWad_;
    uint64 internal updatedAt_;

    /// @notice Emitted on every push.
    /// @param priceWad new price, USD per token, 18 decimals.
    /// @param updatedAt block timestamp of the push.
    event PricePushed(uint256 priceWad, uint256 updatedAt);

    constructor(address owner_, uint256 initialPriceWad, uint256 maxAgeSec_) Ownable(owner_) {
        if (initialPriceWad == 0 || maxAgeSec_ == 0) revert OracleErrors.InvalidOracleConfig();
        maxAgeSec = maxAgeSec_;
        priceWad_ = SafeCast.toUint192(initialPriceWad);
        updatedAt_ = uint64(block.timestamp);
        emit PricePushed(initialPriceWad, block.timestamp);
    }

    /// @notice Pushes a new price stamped with the current block time.
    function setPrice(uint256 newPriceWad) external onlyOwner {
        if (newPriceWad == 0) revert OracleErrors.NonPositivePrice(0);
        priceWad_ = SafeCast.toUint192(newPriceWad);
        updatedAt_ = uint64(block.timestamp);
        emit PricePushed(newPriceWad, block.timestamp);
    }

    /// @inheritdoc IPriceFeed
    function latestPrice() external view returns (uint256 priceWad, uint256 updatedAt) {
        updatedAt = updatedAt_;
        if (block.timestamp - updatedAt > maxAgeSec) {
            revert OracleErrors.StalePrice(updatedAt, block.timestamp, maxAgeSec);
        }
        priceWad = priceWad_;
    }
}
