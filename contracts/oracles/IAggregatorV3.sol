// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

/// @notice The subset of Chainlink's AggregatorV3 interface the adapter reads (also used for sequencer-uptime feeds).
interface IAggregatorV3 {
    function decimals() external view returns (uint8);

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
