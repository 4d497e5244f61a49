// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice Item 3 of the value-leaks issue, from the attacker's side: after a gap past traders' bankruptcy prices and
///         before the keeper liquidates, the NAV must not count losses the pool cannot collect, or an LP who redeems in
///         between is paid part of a loss the pool never gets (and a depositor is charged for it).
contract UncollectibleLossAttacksTest is BaseTest {
    /// An LP who redeems between a gap and the liquidation gets no more than one who redeems after it, fuzzed over the
    /// gap, the leverage and the side. The stated bound: fees accrued since the bankrupt positions' last update
    /// (here none: the gap comes right after the open), plus rounding.
    function testFuzz_redeemBeforeLiquidationIsNotOverpaid(uint256 gapSeed, uint256 levSeed, bool isLong) public {
        _deposit(carol, 2_000_000 * USD); // so dave's whole redemption stays within the kink (P-106)
        _deposit(dave, 1_000_000 * USD);
        skip(pool.cooldownSec() + 1);
        _refreshPrices();
        uint256 leverage = bound(levSeed, 5, 25);
        uint256 size = 400_000 * USD;
        _open(alice, ETH, isLong, size / leverage, size);
        _open(bob, ETH, isLong, size / leverage, size);

        uint256 gapBps = bound(gapSeed, 100, 3000);
        uint256 price = isLong ? 3000e18 * (10_000 - gapBps) / 10_000 : 3000e18 * (10_000 + gapBps) / 10_000;
        _setPrice(ETH, price); // a gap: no trade sees the prices in between
        uint256 shares = pool.balanceOf(dave);

        uint256 snap = vm.snapshotState();
        vm.prank(dave);
        uint256 redeemedFirst = pool.redeem(shares, dave, dave);
        vm.revertToState(snap);

        for (uint256 i; i < 2; ++i) {
            address trader = i == 0 ? alice : bob;
            if (reader.positionStatus(trader, ETH, isLong).liquidatable) {
                vm.prank(keeper);
                engine.liquidate(trader, ETH, isLong);
            }
        }
        vm.prank(dave);
        uint256 redeemedAfter = pool.redeem(shares, dave, dave);
        assertLe(redeemedFirst, redeemedAfter + 4, "redeeming before the liquidation is not overpaid");
    }

    /// Direct check of the floor: right after a gap past a long's bankruptcy price, the NAV counts only what its
    /// collateral can pay (less the keeper's reward), so the liquidation leaves the share price where it was.
    function test_gapPastBankruptcy_navAlreadyExcludesTheShortfall() public {
        _deposit(carol, 2_000_000 * USD);
        _open(alice, ETH, true, 20_000 * USD, 400_000 * USD); // 20x: bankrupt 5% below entry
        _setPrice(ETH, 2700e18); // -10%: a loss of 40,000 on 20,000 of collateral
        uint256 navBefore = core.poolValueUsd();
        IPerpEngine.Position memory p = engine.position(alice, ETH, true);
        assertGt(p.floorBucket, 0, "a leveraged long has a floor price");
        vm.prank(keeper);
        engine.liquidate(alice, ETH, true);
        uint256 navAfter = core.poolValueUsd();
        assertLe(navBefore, navAfter + 2, "the liquidation does not lower the NAV: the shortfall was never counted");
        assertGt(core.poolState().badDebtUsd, 0, "the shortfall is recorded as bad debt");
    }
}
