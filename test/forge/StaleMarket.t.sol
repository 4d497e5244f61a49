// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {Reader} from "../../contracts/periphery/Reader.sol";
import {BaseTest} from "./utils/Base.t.sol";

/// @notice One stale market stalls only what needs its price (P-65): with BTC's feed past its max age, ETH trades,
///         closes and liquidations go on, and the Reader's pool view reports the stale market instead of reverting;
///         LP actions, which need every market with open interest priced, revert PriceTooOld naming BTC.
contract StaleMarketTest is BaseTest {
    function setUp() public override {
        super.setUp();
        _deposit(carol, 1_000_000 * USD);
        _open(alice, ETH, true, 1000 * USD, 20_000 * USD);
        _open(bob, BTC, false, 1000 * USD, 20_000 * USD);
        // BTC goes quiet: only ETH's feed updates from here on
        uint256 maxAge = reader.marketConfig(BTC).maxPriceAgeSec;
        _setPriceAfter(ETH, 3000e18, maxAge + 1);
    }

    function test_staleMarket_readerPoolViewReportsItInsteadOfReverting() public view {
        Reader.PoolView memory v = reader.poolView();
        assertFalse(v.navValid, "NAV undefined while BTC is stale");
        assertEq(v.staleMarkets, 1 << BTC, "BTC named as the stale market");
        assertEq(v.poolCashUsd, core.poolState().poolCashUsd, "the rest of the view is there");
        Reader.MarketView memory eth = reader.market(ETH);
        assertTrue(eth.priceValid, "ETH is fresh");
        assertFalse(reader.market(BTC).priceValid, "BTC is stale");
    }

    function test_staleMarket_lpActionsWaitNamingIt() public {
        _mint(dave, 1000 * USD);
        uint256 maxAge = reader.marketConfig(BTC).maxPriceAgeSec;
        uint256 updatedAt = block.timestamp - maxAge - 1;
        bytes memory err =
            abi.encodeWithSelector(IPerpEngine.PriceTooOld.selector, BTC, updatedAt, block.timestamp, maxAge);
        vm.expectRevert(err);
        vm.prank(dave);
        pool.deposit(1000 * USD, dave);
    }

    function test_staleMarket_freshMarketTradesClosesAndLiquidates() public {
        _open(dave, ETH, false, 1000 * USD, 10_000 * USD);
        _close(dave, ETH, false);
        // ETH falls: alice's 20x long is liquidatable, and the keeper's per-market batch liquidates it
        _setPrice(ETH, 2850e18);
        assertTrue(_status(alice, ETH, true).liquidatable);
        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](1);
        refs[0] = IPerpEngine.PositionRef({account: alice, marketId: ETH, isLong: true});
        vm.prank(keeper);
        (uint256 liquidated,) = engine.liquidateBatch(refs);
        assertEq(liquidated, 1, "liquidated on the fresh market");
        // the stale market's positions wait for its price
        vm.expectRevert();
        reader.positionStatus(bob, BTC, false);
    }
}
