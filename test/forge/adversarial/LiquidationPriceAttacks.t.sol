// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {Reader} from "../../../contracts/periphery/Reader.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice Review AO: the liquidation price the Reader shows (positions table, its warning under 5%, /analytics' top
///         positions by risk) is never on the safe side of where the engine liquidates. Before: it solved on uncapped
///         PnL, so a position past its cap price whose fees owed outgrew collateral plus the capped profit less
///         maintenance was shown 14.25% from a liquidation the engine made at once (a 25x long past a 3% cap, day 17:
///         fees 47,498, capped profit 26,868, equity 13,870 against maintenance 15,936); and a short in loss, valued
///         on its tokens (P-109), was liquidatable one wei below the shown price (by 1 micro-USD of rounding).
contract LiquidationPriceAttacksTest is BaseTest {
    function setUp() public override {
        super.setUp();
        _deposit(carol, 50_000_000 * USD);
    }

    function _setCap(uint256 m, uint16 bps) internal {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(m);
        cfg.maxProfitBps = bps;
        vm.prank(admin);
        engine.setMarketConfig(m, cfg);
    }

    /// A position past its cap price held while funding and borrow accrue: the day the engine's rule turns, the Reader
    /// says "at any price" (a long's maxUint256, a short's 0) and a distance of -100%; every day before it, a price on
    /// the far side of the market.
    function _heldPastTheCap(address who, bool isLong) internal {
        _setCap(ETH, 300); // 3%: ConfigValidation allows 1%
        _open(who, ETH, isLong, 40_000 * USD, 1_000_000 * USD); // 25x
        _walkPrice(ETH, isLong ? _price(ETH) * 12 / 10 : _price(ETH) * 8 / 10);
        for (uint256 day; day < 60; ++day) {
            Reader.PositionView memory v = reader.positionView(who, ETH, isLong);
            if (v.status.liquidatable) {
                assertGt(v.status.pnlUsd, 0, "in profit: its fees put it there");
                assertEq(v.liquidationPriceWad, isLong ? type(uint256).max : 0, "at any price");
                assertEq(v.distanceToLiquidationWad, -1e18, "-100%");
                // and so it is: 10% further its way changes nothing
                _setPrice(ETH, isLong ? _price(ETH) * 11 / 10 : _price(ETH) * 9 / 10);
                assertTrue(_status(who, ETH, isLong).liquidatable, "liquidatable further its way");
                return;
            }
            assertGt(v.distanceToLiquidationWad, 0, "safe while the engine says so");
            assertTrue(
                isLong ? v.liquidationPriceWad < _price(ETH) : v.liquidationPriceWad > _price(ETH), "beyond the market"
            );
            _setPriceAfter(ETH, _price(ETH), 1 days);
        }
        revert("fees never turned it");
    }

    function test_longPastItsCap_liquidatableAtAnyPrice_shownSo() public {
        _heldPastTheCap(alice, true);
    }

    function test_shortPastItsCap_liquidatableAtAnyPrice_shownSo() public {
        _heldPastTheCap(bob, false);
    }

    /// One wei on the safe side of the Reader's price the engine does not liquidate: longs, and shorts in loss (their
    /// margin on their tokens' value), over leverage and size.
    function testFuzz_liquidationPrice_oneWeiSafeStands(uint256 levX10, uint256 sizeK, bool isLong, uint256 upBps)
        public
    {
        levX10 = bound(levX10, 10, 300);
        sizeK = bound(sizeK, 1, 5000);
        upBps = bound(upBps, 0, 300);
        uint256 size = sizeK * 1000 * USD;
        (,, uint256 maxLevWad) = reader.marginRates(ETH, size);
        uint256 lev = levX10 * 1e17 < maxLevWad / 2 ? levX10 * 1e17 : maxLevWad / 2;
        _open(alice, ETH, isLong, size * 1e18 / lev, size);
        if (!isLong) _walkPrice(ETH, _price(ETH) * (10_000 + upBps) / 10_000);
        _refreshPrices();
        // the price is "at the current sigma": with a sample due, the next one at another price moves the rate, so the
        // interval's sample is taken first (as any trade or the keeper's poke takes it)
        engine.poke(ETH);
        uint256 liq = reader.positionLiquidationPrice(alice, ETH, isLong);
        if (liq == 0 || liq == type(uint256).max) return; // never, or at any price (the cap tests)
        if (isLong ? liq >= _price(ETH) : liq <= _price(ETH)) {
            assertTrue(_status(alice, ETH, isLong).liquidatable, "already past its price: liquidatable");
            return;
        }
        vm.prank(admin);
        _feed(ETH).setPrice(isLong ? liq + 1 : liq - 1); // same block: no second of fees
        assertFalse(_status(alice, ETH, isLong).liquidatable, "one wei on the safe side stands");
        vm.prank(admin);
        _feed(ETH).setPrice(isLong ? liq - liq / 10_000 : liq + liq / 10_000);
        assertTrue(_status(alice, ETH, isLong).liquidatable, "one basis point past it falls");
    }

    /// The case the review found: a 15.5x short of 4.999M after +1.53%, one wei below the shown price.
    function test_shortInLoss_oneWeiBelowTheShownPriceStands() public {
        uint256 size = 4_999_000 * USD;
        _open(alice, ETH, false, size * 10 / 155, size);
        _walkPrice(ETH, _price(ETH) * 10_153 / 10_000);
        _refreshPrices();
        engine.poke(ETH);
        uint256 liq = reader.positionLiquidationPrice(alice, ETH, false);
        assertGt(liq, _price(ETH));
        vm.prank(admin);
        _feed(ETH).setPrice(liq - 1);
        assertFalse(_status(alice, ETH, false).liquidatable, "stands");
        vm.prank(admin);
        _feed(ETH).setPrice(liq + liq / 10_000);
        assertTrue(_status(alice, ETH, false).liquidatable, "a basis point above: liquidatable");
    }
}
