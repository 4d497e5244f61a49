// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IHistoricalPriceFeed} from "./IHistoricalPriceFeed.sol";
import {IPriceFeed} from "./IPriceFeed.sol";
import {OracleErrors} from "./OracleErrors.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title DevPriceFeed
/// @notice Price source for local and demo chains, pushed by the market simulator (its owner). Applies the same
///         staleness rule as the production adapters so local behaviour matches. Keeps every push as a numbered round
///         (like a Chainlink aggregator) so options settle on the first price at or after their expiry.
contract DevPriceFeed is IPriceFeed, IHistoricalPriceFeed, Ownable {
    uint256 public immutable maxAgeSec;
    /// @dev Price and time in one slot: every trade and NAV valuation reads both (one cold SLOAD instead of two).
    uint192 internal priceWad_;
    uint64 internal updatedAt_;
    /// @dev Round ids count from 1; each round is price << 64 | time.
    uint256 public latestRoundId;
    mapping(uint256 roundId => uint256) internal rounds;

    /// @notice Emitted on every push.
    /// @param priceWad new price, USD per token, 18 decimals.
    /// @param updatedAt block timestamp of the push.
    event PricePushed(uint256 priceWad, uint256 updatedAt);

    constructor(address owner_, uint256 initialPriceWad, uint256 maxAgeSec_) Ownable(owner_) {
        if (initialPriceWad == 0 || maxAgeSec_ == 0) revert OracleErrors.InvalidOracleConfig();
        maxAgeSec = maxAgeSec_;
        priceWad_ = SafeCast.toUint192(initialPriceWad);
        updatedAt_ = uint64(block.timestamp);
        _record(initialPriceWad);
        emit PricePushed(initialPriceWad, block.timestamp);
    }

    /// @notice Pushes a new price stamped with the current block time.
    function setPrice(uint256 newPriceWad) external onlyOwner {
        if (newPriceWad == 0) revert OracleErrors.NonPositivePrice(0);
        priceWad_ = SafeCast.toUint192(newPriceWad);
        updatedAt_ = uint64(block.timestamp);
        _record(newPriceWad);
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

    /// @inheritdoc IHistoricalPriceFeed
    function priceAtOrAfter(uint256 timestamp, uint256 roundId)
        external
        view
        returns (uint256 priceWad, uint256 publishedAt)
    {
        if (roundId == 0 || roundId > latestRoundId) revert RoundUnavailable(roundId);
        (priceWad, publishedAt) = _round(roundId);
        uint256 previousAt;
        if (roundId > 1) (, previousAt) = _round(roundId - 1);
        if (publishedAt < timestamp || (roundId > 1 && previousAt >= timestamp)) {
            revert NotFirstRoundAtOrAfter(roundId, publishedAt, previousAt, timestamp);
        }
    }

    /// @inheritdoc IHistoricalPriceFeed
    function roundAt(uint256 roundId) external view returns (uint256 priceWad, uint256 publishedAt) {
        return _round(roundId);
    }

    function _record(uint256 priceWad) internal {
        uint256 id = latestRoundId + 1;
        latestRoundId = id;
        rounds[id] = priceWad << 64 | block.timestamp;
    }

    function _round(uint256 roundId) internal view returns (uint256 priceWad, uint256 publishedAt) {
        uint256 r = rounds[roundId];
        return (r >> 64, uint64(r));
    }
}
