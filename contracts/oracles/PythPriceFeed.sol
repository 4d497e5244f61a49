// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IHistoricalPriceFeed} from "./IHistoricalPriceFeed.sol";
import {IPriceFeed} from "./IPriceFeed.sol";
import {IUpdatablePriceFeed} from "./IUpdatablePriceFeed.sol";
import {OracleErrors} from "./OracleErrors.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";
import {PythStructs} from "@pythnetwork/pyth-sdk-solidity/PythStructs.sol";

/// @title PythPriceFeed
/// @notice Pyth pull-oracle adapter. A trader (or keeper) posts signed update data with `updatePrice` in the same
///         transaction as the trade, through the engine's PriceUpdateRouter; reads reject stale, non-positive
///         and low-confidence prices.
///         Options settle on it too (IHistoricalPriceFeed): anyone records, once per settlement time, the first Pyth
///         price published at or after that time and within SETTLEMENT_WINDOW_SEC of it, proven by Pyth's uniqueness
///         check (the update's previous publish time is before the settlement time, so no later update qualifies);
///         `priceAtOrAfter` then serves that one price. No later price can be chosen.
contract PythPriceFeed is IUpdatablePriceFeed, IHistoricalPriceFeed {
    /// @notice How long after a settlement time its price may be published (Pyth publishes several times a second;
    ///         a minute without any update leaves the board to the options book's fallback settlement).
    uint256 public constant SETTLEMENT_WINDOW_SEC = 60;
    IPyth public immutable pyth;
    bytes32 public immutable priceId;
    uint256 public immutable maxAgeSec;
    /// @notice How far ahead of the chain's clock a publish time may be, per chain: as far as its block timestamps
    ///         trail wall time (an L1 block is stamped at its slot's start; an L2 sequencer's clock trails by little).
    ///         Such a price is served as published now. Pyth keeps only its newest update, so refusing one froze the
    ///         market (no liquidation, close or order fill) until the clock caught up while anyone re-posted newer
    ///         ones (review AG), and a lead shorter than the chain's trail brings that back (review AJ). A round trip
    ///         can see this lead on top of the market's max price age, so its oracle lag is sized on their sum
    ///         (Deploy.pullLagBps, review AI).
    uint256 public immutable maxLeadSec;
    /// @notice Largest accepted confidence interval, in bps of the price.
    uint256 public immutable maxConfBps;

    struct Settlement {
        uint128 priceWad;
        uint64 publishedAt;
    }

    /// @dev The verified first price at or after each settlement time (zero until recorded).
    mapping(uint256 timestamp => Settlement) internal settlements;

    /// @notice The first price at or after `timestamp` was recorded.
    /// @param timestamp the settlement time (an options expiry)
    /// @param priceWad USD per token, 18 decimals
    /// @param publishedAt the update's Pyth publish time (>= timestamp, within SETTLEMENT_WINDOW_SEC)
    event SettlementPriceRecorded(uint256 indexed timestamp, uint256 priceWad, uint256 publishedAt);

    /// @notice No price has been recorded for `timestamp` yet (call `recordSettlementPrice` first).
    error SettlementPriceNotRecorded(uint256 timestamp);
    /// @notice `timestamp` is still in the future: nothing can be published at or after it yet.
    error SettlementTimeNotReached(uint256 timestamp, uint256 nowTs);
    /// @notice The caller refused the update fee's change (`amount` wei of native currency sent back to `to`).
    error RefundFailed(address to, uint256 amount);

    constructor(IPyth pyth_, bytes32 priceId_, uint256 maxAgeSec_, uint256 maxLeadSec_, uint256 maxConfBps_) {
        if (
            address(pyth_) == address(0) || maxAgeSec_ == 0 || maxLeadSec_ > SETTLEMENT_WINDOW_SEC || maxConfBps_ == 0
                || maxConfBps_ > 10_000
        ) {
            revert OracleErrors.InvalidOracleConfig();
        }
        pyth = pyth_;
        priceId = priceId_;
        maxAgeSec = maxAgeSec_;
        maxLeadSec = maxLeadSec_;
        maxConfBps = maxConfBps_;
    }

    /// @inheritdoc IUpdatablePriceFeed
    function updatePrice(bytes[] calldata updateData) external payable {
        uint256 fee = pyth.getUpdateFee(updateData);
        pyth.updatePriceFeeds{value: fee}(updateData);
        _refund(msg.value - fee);
    }

    /// @inheritdoc IPriceFeed
    function latestPrice() external view returns (uint256 priceWad, uint256 updatedAt) {
        PythStructs.Price memory p = pyth.getPriceUnsafe(priceId);
        updatedAt = p.publishTime;
        if (updatedAt > block.timestamp) {
            if (updatedAt > block.timestamp + maxLeadSec) {
                revert OracleErrors.FuturePrice(updatedAt, block.timestamp);
            }
            // ages, the per-market order of prices and volatility samples stay on the chain's clock
            updatedAt = block.timestamp;
        }
        if (block.timestamp - updatedAt > maxAgeSec) {
            revert OracleErrors.StalePrice(updatedAt, block.timestamp, maxAgeSec);
        }
        priceWad = _toWad(p, true);
    }

    /// @notice Records the first Pyth price published at or after `timestamp` (and at most SETTLEMENT_WINDOW_SEC
    ///         after it), proven by `updateData` through Pyth's `parsePriceFeedUpdatesUnique`. Anyone may call; Pyth's
    ///         fee comes from msg.value and the rest is sent back. A recorded price never changes: later calls return
    ///         it without parsing. Reverts (Pyth's PriceFeedNotFoundWithinRange) on an update that is not the first.
    function recordSettlementPrice(bytes[] calldata updateData, uint256 timestamp)
        external
        payable
        returns (uint256 priceWad, uint256 publishedAt)
    {
        Settlement memory r = settlements[timestamp];
        if (r.publishedAt != 0) {
            _refund(msg.value); // another settler was first: nothing to pay
            return (r.priceWad, r.publishedAt);
        }
        if (timestamp > block.timestamp) revert SettlementTimeNotReached(timestamp, block.timestamp);
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = priceId;
        uint256 fee = pyth.getUpdateFee(updateData);
        PythStructs.PriceFeed[] memory feeds = pyth.parsePriceFeedUpdatesUnique{value: fee}(
            updateData, ids, uint64(timestamp), uint64(timestamp + SETTLEMENT_WINDOW_SEC)
        );
        // The one qualifying update settles whatever its confidence interval (there is no other to choose); only a
        // non-positive price or an unusable exponent is refused (then the options book's fallback settlement).
        priceWad = _toWad(feeds[0].price, false);
        publishedAt = feeds[0].price.publishTime;
        settlements[timestamp] = Settlement(SafeCast.toUint128(priceWad), uint64(publishedAt));
        emit SettlementPriceRecorded(timestamp, priceWad, publishedAt);
        _refund(msg.value - fee);
    }

    /// @inheritdoc IHistoricalPriceFeed
    /// @dev `roundId` is ignored: the recorded price is the only one at `timestamp`.
    function priceAtOrAfter(uint256 timestamp, uint256) external view returns (uint256 priceWad, uint256 publishedAt) {
        Settlement memory r = settlements[timestamp];
        if (r.publishedAt == 0) revert SettlementPriceNotRecorded(timestamp);
        return (r.priceWad, r.publishedAt);
    }

    /// @inheritdoc IHistoricalPriceFeed
    /// @dev A pull feed has no rounds: 0 (settlers record a price instead, `recordSettlementPrice`).
    function latestRoundId() external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc IHistoricalPriceFeed
    /// @dev A pull feed has no rounds: (0, 0).
    function roundAt(uint256) external pure returns (uint256, uint256) {
        return (0, 0);
    }

    /// @dev Sends `amount` of native currency back to the caller.
    function _refund(uint256 amount) internal {
        if (amount == 0) return;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert RefundFailed(msg.sender, amount);
    }

    /// @dev A Pyth price in WAD: positive, exponent at most 18 decimals, and (when `checkConf`) confidence within
    ///      maxConfBps.
    function _toWad(PythStructs.Price memory p, bool checkConf) internal view returns (uint256) {
        if (p.price <= 0) revert OracleErrors.NonPositivePrice(p.price);
        uint256 raw = uint256(uint64(p.price));
        uint256 confBps = uint256(p.conf) * 10_000 / raw;
        if (checkConf && confBps > maxConfBps) revert OracleErrors.ConfidenceTooWide(confBps, maxConfBps);
        int256 shift = 18 + int256(p.expo);
        if (shift < 0) revert OracleErrors.InvalidOracleConfig();
        return raw * 10 ** uint256(shift);
    }
}
