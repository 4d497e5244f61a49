// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPriceFeed} from "./IPriceFeed.sol";

/// @title IUpdatablePriceFeed
/// @notice A pull-oracle feed (Pyth): anyone posts signed update data, paying the oracle's fee in native currency.
interface IUpdatablePriceFeed is IPriceFeed {
    /// @notice Posts `updateData`; any native currency beyond the oracle's fee is sent back to the caller.
    function updatePrice(bytes[] calldata updateData) external payable;
}
