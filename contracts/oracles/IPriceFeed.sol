// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

/// @title IPriceFeed
/// @notice One market's price source. Implementations revert on any price they cannot vouch for; they never return a
///         stale, zero, out-of-bounds or low-confidence value.
interface IPriceFeed {
    /// @notice The latest accepted price.
    /// @return priceWad USD per whole index token, 18 decimals.
    /// @return updatedAt timestamp at which the source published it (never in the future).
    function latestPrice() external view returns (uint256 priceWad, uint256 updatedAt);
}
