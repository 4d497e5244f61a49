// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {BaseTest} from "./Base.t.sol";

/// @notice The book and the attacker's round trip the P-94 attacks share: carol (20M) is the only LP, alice holds an
///         honest 5M long and bob the 5M short that balances it; the attacker's LP account deposits `depositUsd`
///         in some block, the next update moves the price, alice closes, the locked gains vest and it redeems.
abstract contract BlockBandBase is BaseTest {
    uint256 internal constant P0 = 3000e18;
    uint256 internal depositUsd = 180_000_000 * USD;

    /// @dev Bob's collateral on his 5M short (the leverage the attack needs of him).
    function _bobCollateralUsd() internal pure virtual returns (uint256);

    function setUp() public virtual override {
        super.setUp();
        _deposit(carol, 20_000_000 * USD);
        _open(alice, ETH, true, 1_000_000 * USD, 5_000_000 * USD); // honest long, 5x
        _open(bob, ETH, false, _bobCollateralUsd(), 5_000_000 * USD); // honest short: net exposure ~0
        vm.roll(block.number + 1);
        skip(1);
        _refreshPrices();
    }

    /// @dev The attacker deposits (its band: what the deposit lost at once), the next update moves the price
    ///      `nextMoveBps` from `p1`, alice closes, the gains vest and the attacker redeems. Its result from `start`.
    function _depositThenRedeem(uint256 start, uint256 p1, int256 nextMoveBps)
        internal
        returns (int256 profit, uint256 bandPaidUsd)
    {
        uint256 navUsd = core.poolValueUsd();
        uint256 supply = pool.totalSupply();
        vm.prank(attacker);
        uint256 shares = pool.deposit(depositUsd, attacker);
        bandPaidUsd = depositUsd - shares * (navUsd + depositUsd) / (supply + shares);
        vm.roll(block.number + 1);
        skip(1);
        _setPrice(ETH, uint256(int256(p1) * (10_000 + nextMoveBps) / 10_000));
        vm.roll(block.number + 1);
        skip(60);
        _refreshPrices();
        _close(alice, ETH, true);
        skip(6 hours + 1); // the liquidation's and the close's locked gains vest (P-96)
        vm.roll(block.number + 1);
        _refreshPrices();
        vm.prank(attacker);
        pool.redeem(shares, attacker, attacker);
        profit = int256(usdc.balanceOf(attacker)) - int256(start);
    }
}
