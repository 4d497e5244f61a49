// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IAggregatorV3} from "./IAggregatorV3.sol";
import {IHistoricalPriceFeed} from "./IHistoricalPriceFeed.sol";
import {IPriceFeed} from "./IPriceFeed.sol";
import {OracleErrors} from "./OracleErrors.sol";

/// @title ChainlinkPriceFeed
/// @notice Chainlink AggregatorV3 adapter: rejects non-positive, out-of-bounds, stale and future answers, and, on L2s,
///         any answer while the sequencer is down and any answer published before its last restart. The grace period
///         after a restart is the ClearingCore's sentinel: it refuses new risk, liquidations and LP flows then, while
///         closes and added collateral go on at prices published after the restart.
contract ChainlinkPriceFeed is IPriceFeed, IHistoricalPriceFeed {
    IAggregatorV3 public immutable aggregator;
    /// @notice Sequencer-uptime feed (answer 0 = up); address(0) on L1.
    IAggregatorV3 public immutable sequencerUptimeFeed;
    uint256 public immutable maxAgeSec;
    /// @notice Answers at or beyond these bounds are refused (a feed pinned at its floor, as LUNA's was, is not a price).
    ///         In the aggregator's own decimals, converted from the USD bounds given at deployment.
    int256 public immutable minAnswer;
    int256 public immutable maxAnswer;
    uint256 internal immutable scale;

    /// @param maxAgeSec_ the oldest answer accepted: the feed's heartbeat plus inclusion slack (Deploy.priceAgeSec)
    /// @param minPriceWad refuse answers at or below this USD price (18 decimals); the feed's decimals are read here
    /// @param maxPriceWad refuse answers at or above this USD price (18 decimals)
    constructor(
        IAggregatorV3 aggregator_,
        IAggregatorV3 sequencerUptimeFeed_,
        uint256 maxAgeSec_,
        uint256 minPriceWad,
        uint256 maxPriceWad
    ) {
        uint8 dec = aggregator_.decimals();
        if (dec > 18 || maxAgeSec_ == 0) revert OracleErrors.InvalidOracleConfig();
        uint256 scale_ = 10 ** (18 - dec);
        int256 minAnswer_ = int256(minPriceWad / scale_);
        int256 maxAnswer_ = int256(maxPriceWad / scale_);
        if (minAnswer_ <= 0 || maxAnswer_ <= minAnswer_ || maxPriceWad > uint256(type(int256).max)) {
            revert OracleErrors.InvalidOracleConfig();
        }
        aggregator = aggregator_;
        sequencerUptimeFeed = sequencerUptimeFeed_;
        maxAgeSec = maxAgeSec_;
        minAnswer = minAnswer_;
        maxAnswer = maxAnswer_;
        scale = scale_;
    }

    /// @inheritdoc IPriceFeed
    function latestPrice() external view returns (uint256 priceWad, uint256 updatedAt) {
        uint256 upSince;
        if (address(sequencerUptimeFeed) != address(0)) {
            int256 status;
            (, status, upSince,,) = sequencerUptimeFeed.latestRoundData();
            if (status != 0) revert OracleErrors.SequencerDown();
            if (upSince == 0) revert OracleErrors.SequencerStatusUnknown(); // an uninitialized round: not "up"
        }
        int256 answer;
        (, answer,, updatedAt,) = aggregator.latestRoundData();
        // A price from before the restart missed whatever happened while the sequencer was down (a close at it could
        // take that move from the pool): only a round published after the restart is served.
        if (updatedAt < upSince) revert OracleErrors.PriceBeforeSequencerRestart(updatedAt, upSince);
        if (answer <= 0) revert OracleErrors.NonPositivePrice(answer);
        if (answer <= minAnswer || answer >= maxAnswer) {
            revert OracleErrors.PriceOutOfBounds(answer, minAnswer, maxAnswer);
        }
        if (updatedAt > block.timestamp) revert OracleErrors.FuturePrice(updatedAt, block.timestamp);
        if (block.timestamp - updatedAt > maxAgeSec) {
            revert OracleErrors.StalePrice(updatedAt, block.timestamp, maxAgeSec);
        }
        priceWad = uint256(answer) * scale;
    }

    /// @inheritdoc IHistoricalPriceFeed
    /// @dev The round and the one before it must be in the same phase (the aggregator's phase id is the round id's top
    ///      16 bits), so "the round before" is exactly roundId - 1, and that phase must be the proxy's current one: an
    ///      earlier phase's aggregator can keep publishing while a migration overlaps, and its own "first round at or
    ///      after" would give the settler a second price to choose from. The answer passes the live prices' bounds.
    function priceAtOrAfter(uint256 timestamp, uint256 roundId)
        external
        view
        returns (uint256 priceWad, uint256 publishedAt)
    {
        if (roundId > type(uint80).max || uint64(roundId) <= 1) revert RoundUnavailable(roundId);
        (uint80 latest,,,,) = aggregator.latestRoundData();
        if (roundId >> 64 != uint256(latest) >> 64) revert RoundNotInCurrentPhase(roundId, latest);
        int256 answer;
        (, answer,, publishedAt,) = aggregator.getRoundData(uint80(roundId));
        (,,, uint256 previousAt,) = aggregator.getRoundData(uint80(roundId - 1));
        if (publishedAt == 0 || previousAt == 0) revert RoundUnavailable(roundId);
        if (publishedAt < timestamp || previousAt >= timestamp) {
            revert NotFirstRoundAtOrAfter(roundId, publishedAt, previousAt, timestamp);
        }
        if (answer <= minAnswer || answer >= maxAnswer) {
            revert OracleErrors.PriceOutOfBounds(answer, minAnswer, maxAnswer);
        }
        priceWad = uint256(answer) * scale;
    }

    /// @inheritdoc IHistoricalPriceFeed
    function latestRoundId() external view returns (uint256 roundId) {
        (roundId,,,,) = aggregator.latestRoundData();
    }

    /// @inheritdoc IHistoricalPriceFeed
    function roundAt(uint256 roundId) external view returns (uint256 priceWad, uint256 publishedAt) {
        if (roundId > type(uint80).max) return (0, 0);
        try aggregator.getRoundData(uint80(roundId)) returns (uint80, int256 answer, uint256, uint256 at, uint80) {
            if (answer > 0) return (uint256(answer) * scale, at);
        } catch {}
        return (0, 0);
    }
}
