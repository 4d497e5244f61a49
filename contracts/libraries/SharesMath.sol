// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {MathLib} from "./MathLib.sol";

/// @title SharesMath
/// @notice The one conversion between LP shares and pool assets (USD), with the virtual shares and asset that defeat
///         first-depositor inflation: shares = assets x (supply + 1e6) / (NAV + 1). Every caller names its rounding;
///         the pool's side of every conversion is the one that rounds in its favour (fewer shares out for a deposit,
///         fewer assets out for a redemption, more shares burned for a withdrawal). Mirrored in lib/math/shares.ts.
library SharesMath {
    using MathLib for uint256;

    /// @notice Virtual shares: 10 ** the vault's 6-decimal offset.
    uint256 internal constant VIRTUAL_SHARES = 1e6;
    /// @notice Virtual asset (one USD unit).
    uint256 internal constant VIRTUAL_ASSETS = 1;

    function toSharesDown(uint256 assets, uint256 totalShares, uint256 totalAssets) internal pure returns (uint256) {
        return assets.mulDivDown(totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
    }

    function toSharesUp(uint256 assets, uint256 totalShares, uint256 totalAssets) internal pure returns (uint256) {
        return assets.mulDivUp(totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
    }

    function toAssetsDown(uint256 shares, uint256 totalShares, uint256 totalAssets) internal pure returns (uint256) {
        return shares.mulDivDown(totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
    }

    function toAssetsUp(uint256 shares, uint256 totalShares, uint256 totalAssets) internal pure returns (uint256) {
        return shares.mulDivUp(totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
    }
}
