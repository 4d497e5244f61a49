// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

/// @title IHistoricalPriceFeed
/// @notice A feed that can prove which of its prices was the first published at or after a given time: options settle
///         at expiry on that price, named by the settler and verified here, so no later price can be chosen.
interface IHistoricalPriceFeed {
    /// @notice `roundId` is not the first round published at or after `timestamp`: its own time is earlier, or the
    ///         round before it was already at or after `timestamp`.
    error NotFirstRoundAtOrAfter(uint256 roundId, uint256 publishedAt, uint256 previousPublishedAt, uint256 timestamp);

    /// @notice The feed cannot prove the round before `roundId` (first round of a phase, or unknown round).
    error RoundUnavailable(uint256 roundId);

    /// @notice `roundId` is from an earlier phase than the feed's latest round (`latestRoundId`): while an aggregator
    ///         migration overlaps, each phase has its own first round at or after a time, so only the current one
    ///         settles (a board whose expiry only an earlier phase covers waits for the fallback settlement).
    error RoundNotInCurrentPhase(uint256 roundId, uint256 latestRoundId);

    /// @notice The price of `roundId`, verified to be the first the feed published at or after `timestamp`.
    /// @return priceWad USD per token, 18 decimals (within the feed's bounds)
    /// @return publishedAt the round's timestamp (>= `timestamp`)
    function priceAtOrAfter(uint256 timestamp, uint256 roundId)
        external
        view
        returns (uint256 priceWad, uint256 publishedAt);

    /// @notice The latest round's id (settlers search back from it).
    function latestRoundId() external view returns (uint256);

    /// @notice A round's price and time (0, 0 if unknown).
    function roundAt(uint256 roundId) external view returns (uint256 priceWad, uint256 publishedAt);
}
