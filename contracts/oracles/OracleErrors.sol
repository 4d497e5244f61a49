// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

/// @notice Errors shared by every price adapter; each carries the numbers that failed.
library OracleErrors {
    /// @notice The source answered zero or a negative number.
    error NonPositivePrice(int256 answer);
    /// @notice The answer sits on or outside the feed's [min, max] answer bounds (a circuit-breaker floor or cap).
    error PriceOutOfBounds(int256 answer, int256 minAnswer, int256 maxAnswer);
    /// @notice The answer is older than allowed.
    error StalePrice(uint256 updatedAt, uint256 nowTs, uint256 maxAgeSec);
    /// @notice The answer claims a timestamp in the future.
    error FuturePrice(uint256 updatedAt, uint256 nowTs);
    /// @notice The L2 sequencer is down.
    error SequencerDown();
    /// @notice The L2 sequencer came back less than the grace period ago.
    error SequencerGracePeriod(uint256 upSince, uint256 graceSec);
    /// @notice The answer was published before the L2 sequencer's last restart: it may not reflect what the price did
    ///         while the sequencer was down, so nothing trades on it (not even a close) until a round after the restart.
    error PriceBeforeSequencerRestart(uint256 updatedAt, uint256 restartedAt);
    /// @notice The sequencer uptime feed has no valid round yet (startedAt == 0): its status is unknown.
    error SequencerStatusUnknown();
    /// @notice Pyth's confidence interval is too wide relative to the price.
    error ConfidenceTooWide(uint256 confBps, uint256 maxConfBps);
    /// @notice A configuration value is out of range.
    error InvalidOracleConfig();
}
