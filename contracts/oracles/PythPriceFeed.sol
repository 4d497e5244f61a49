// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPriceFeed} from "./IPriceFeed.sol";
import {IUpdatablePriceFeed} from "./IUpdatablePriceFeed.sol";
import {OracleErrors} from "./OracleErrors.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";
import {PythStructs} from "@pythnetwork/pyth-sdk-solidity/PythStructs.sol";

/// @title PythPriceFeed
/// @notice Pyth pull-oracle adapter. A trader (or keeper) posts signed update data with `updatePrice` in the same
///         transaction as the trade, through the engine's PriceUpdateRouter; reads reject stale, future, non-positive
///         and low-confidence prices.
contract PythPriceFeed is IUpdatablePriceFeed {
    IPyth public immutable pyth;
    bytes32 public immutable priceId;
    uint256 public immutable maxAgeSec;
    /// @notice Largest accepted confidence interval, in bps of the price.
    uint256 public immutable maxConfBps;

    constructor(IPyth pyth_, bytes32 priceId_, uint256 maxAgeSec_, uint256 maxConfBps_) {
        if (address(pyth_) == address(0) || maxAgeSec_ == 0 || maxConfBps_ == 0 || maxConfBps_ > 10_000) {
            revert OracleErrors.InvalidOracleConfig();
        }
        pyth = pyth_;
        priceId = priceId_;
        maxAgeSec = maxAgeSec_;
        maxConfBps = maxConfBps_;
    }

    /// @inheritdoc IUpdatablePriceFeed
    function updatePrice(bytes[] calldata updateData) external payable {
        uint256 fee = pyth.getUpdateFee(updateData);
        pyth.updatePriceFeeds{value: fee}(updateData);
        if (msg.value > fee) {
            (bool ok,) = msg.sender.call{value: msg.value - fee}("");
            require(ok);
        }
    }

    /// @inheritdoc IPriceFeed
    function latestPrice() external view returns (uint256 priceWad, uint256 updatedAt) {
        PythStructs.Price memory p = pyth.getPriceUnsafe(priceId);
        updatedAt = p.publishTime;
        if (p.price <= 0) revert OracleErrors.NonPositivePrice(p.price);
        if (updatedAt > block.timestamp) revert OracleErrors.FuturePrice(updatedAt, block.timestamp);
        if (block.timestamp - updatedAt > maxAgeSec) {
            revert OracleErrors.StalePrice(updatedAt, block.timestamp, maxAgeSec);
        }
        uint256 raw = uint256(uint64(p.price));
        uint256 confBps = uint256(p.conf) * 10_000 / raw;
        if (confBps > maxConfBps) revert OracleErrors.ConfidenceTooWide(confBps, maxConfBps);
        int256 shift = 18 + int256(p.expo);
        if (shift < 0) revert OracleErrors.InvalidOracleConfig();
        priceWad = raw * 10 ** uint256(shift);
    }
}
