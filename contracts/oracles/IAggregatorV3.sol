// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

/// @notice The subset of Chainlink's AggregatorV3 interface the adapter reads (also used for sequencer-uptime feeds).
interface IAggregatorV3 {
    function decimals() external view returns (uint8);

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice A past round (round ids carry the phase in their top 16 bits; within a phase they count up by one).
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
