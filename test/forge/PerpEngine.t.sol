// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {LiquidityPool} from "../../contracts/core/LiquidityPool.sol";
import {IClearingCore} from "../../contracts/interfaces/IClearingCore.sol";
import {ILiquidityPool} from "../../contracts/interfaces/ILiquidityPool.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {CapGrid} from "../../contracts/libraries/CapGrid.sol";
import {PositionMath} from "../../contracts/libraries/PositionMath.sol";
import {RiskMath} from "../../contracts/libraries/RiskMath.sol";
import {ChainlinkPriceFeed} from "../../contracts/oracles/ChainlinkPriceFeed.sol";
import {IAggregatorV3} from "../../contracts/oracles/IAggregatorV3.sol";
import {IPriceFeed} from "../../contracts/oracles/IPriceFeed.sol";
import {OracleErrors} from "../../contracts/oracles/OracleErrors.sol";
import {Deploy} from "../../script/Deploy.s.sol";
import {BaseTest} from "./utils/Base.t.sol";
import {MockAggregator} from "./utils/Mocks.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

contract PerpEngineTest is BaseTest {
    function setUp() public override {
        super.setUp();
        _deposit(carol, 1_000_000 * USD);
    }

    // ------------------------------------------------------------ increase

    function test_increasePosition_opensLongAtOraclePlusImpact() public {
        uint256 cashBefore = _poolCash();
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);

        IPerpEngine.Position memory p = engine.position(alice, ETH, true);
        uint256 fee = 10_000 * USD * reader.marketConfig(ETH).openFeeBps / 10_000; // exact at 10,000
        uint256 impact = uint256((10_000 * USD) ** 2) / (2 * 1_000_000_000 * USD) + 0; // exact division here
        assertEq(p.sizeUsd, 10_000 * USD, "size");
        assertEq(p.collateralUsd, 1000 * USD - fee - impact, "collateral net of fee and impact");
        assertEq(p.sizeTokens, PositionMath.sizeTokensFor(true, 10_000 * USD, 3000e18), "tokens at oracle price");
        assertEq(_poolCash() - cashBefore, fee + impact, "fee and impact to the pool");

        IPerpEngine.MarketState memory st = reader.marketState(ETH);
        assertEq(st.longOiUsd, 10_000 * USD);
        assertEq(st.reservedUsd, 10_000 * USD, "max payout reserved (100% of notional)");
        assertEq(core.poolState().reservedUsd, 10_000 * USD);
        assertEq(usdc.balanceOf(address(core)), _poolCash() + core.poolState().totalCollateralUsd);
    }

    function test_increasePosition_emitsTradeWithExecutionPrice() public {
        _mint(alice, 1000 * USD);
        uint256 impact = 50_000; // (1e10)^2 / 2e15
        uint256 fee = 10_000 * USD * reader.marketConfig(ETH).openFeeBps / 10_000;
        IPerpEngine.TradeResult memory r = IPerpEngine.TradeResult({
            sizeDeltaUsd: 10_000 * USD,
            collateralDeltaUsd: 1000 * USD,
            priceWad: 3000e18,
            executionPriceWad: uint256(3000e18) * (10_000 * USD + impact) / (10_000 * USD),
            impactUsd: int256(impact),
            feeUsd: fee,
            borrowFeeUsd: 0,
            fundingFeeUsd: 0,
            realizedPnlUsd: 0,
            sizeUsd: 10_000 * USD,
            collateralUsd: 1000 * USD - fee - impact
        });
        vm.expectEmit(true, true, true, true, address(engine));
        emit IPerpEngine.PositionIncreased(alice, ETH, true, r);
        vm.prank(alice);
        engine.increasePosition(ETH, true, 1000 * USD, 10_000 * USD, MAX_PRICE);
    }

    function test_increasePosition_opensShort() public {
        _open(bob, BTC, false, 2000 * USD, 20_000 * USD);
        IPerpEngine.Position memory p = engine.position(bob, BTC, false);
        assertEq(p.sizeUsd, 20_000 * USD);
        assertEq(p.sizeTokens, PositionMath.sizeTokensFor(false, 20_000 * USD, 60_000e18));
        assertEq(reader.marketState(BTC).shortOiUsd, 20_000 * USD);
    }

    function test_increasePosition_increasesExisting() public {
        _open(alice, ETH, true, 1000 * USD, 5000 * USD);
        _setPriceAfter(ETH, 3300e18, 1 days);
        uint256 tokensBefore = engine.position(alice, ETH, true).sizeTokens;
        uint256 capBefore = engine.position(alice, ETH, true).capBucket;
        _open(alice, ETH, true, 500 * USD, 5000 * USD);
        IPerpEngine.Position memory p = engine.position(alice, ETH, true);
        uint256 expectedTokens = tokensBefore + PositionMath.sizeTokensFor(true, 5000 * USD, 3300e18);
        assertEq(p.sizeTokens, expectedTokens, "tokens at each fill price");
        // The increase realized the first part at 3,300 (+10%): it is reopened at its value there, rounded up.
        uint256 reopenedUsd = (tokensBefore * 3300e18 + 1e30 - 1) / 1e30;
        assertEq(p.sizeUsd, reopenedUsd + 5000 * USD, "entry notional: the old tokens' value at the price + the delta");
        assertApproxEqAbs(reopenedUsd, 5500 * USD, 1, "5,000 of ETH bought at 3,000 is worth 5,500 at 3,300");
        // The cap (P-107): the old tokens keep what they could still earn up to their cap price, the added size brings
        // maxProfitBps of itself, and the whole may earn at most maxProfitBps of the new entry notional (what the pool
        // reserves); the cap price is where the merged position earns that, rounded down onto the grid.
        uint256 m = reader.marketConfig(ETH).maxProfitBps;
        uint256 leftUsd = tokensBefore * (CapGrid.priceOf(capBefore) - 3300e18) / 1e30;
        uint256 maxProfitUsd = leftUsd + 5000 * USD * m / 10_000;
        if (maxProfitUsd > p.sizeUsd * m / 10_000) maxProfitUsd = p.sizeUsd * m / 10_000;
        assertEq(p.capBucket, CapGrid.bucketDown((p.sizeUsd + maxProfitUsd) * 1e30 / p.sizeTokens), "merged cap");
    }

    /// P-107: an increase at a loss cannot leave the position a cap beyond what the pool reserves for it (maxProfitBps
    ///        of its entry notional): its headroom to the old cap price is more than that, so the new notional's cap
    ///        binds, as for a new position.
    function test_increasePosition_atALoss_capWithinTheReserve() public {
        _open(alice, ETH, true, 2000 * USD, 5000 * USD);
        _setPriceAfter(ETH, 2400e18, 1 hours);
        _open(alice, ETH, true, 0, 100 * USD);
        IPerpEngine.Position memory p = engine.position(alice, ETH, true);
        uint256 maxProfitUsd = p.sizeUsd * reader.marketConfig(ETH).maxProfitBps / 10_000;
        uint256 profitAtCapUsd = p.sizeTokens * CapGrid.priceOf(p.capBucket) / 1e30 - p.sizeUsd;
        assertLe(profitAtCapUsd, maxProfitUsd, "never more than the reserve");
        assertGe(profitAtCapUsd * 129 / 128 + 1, maxProfitUsd, "within a grid step of it");
    }

    /// P-107 (review S): adding to a long past its cap price realized the capped profit, reopened the tokens at the
    ///        price with nothing left to earn, and the grid rounded the merged cap back under the price: the position
    ///        lost the distance at once (-5,848 USD on a 1M long at a 10% cap, -57,678 on a 10M short). Now refused.
    function test_increasePosition_pastTheCap_refused() public {
        _deposit(carol, 20_000_000 * USD);
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.maxProfitBps = 1000;
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        _open(alice, ETH, true, 200_000 * USD, 1_000_000 * USD);
        uint256 cap = CapGrid.priceOf(engine.position(alice, ETH, true).capBucket);
        _setPriceAfter(ETH, cap * 10_050 / 10_000, 10 minutes); // half a percent past it
        _setPriceAfter(ETH, cap * 10_053 / 10_000, 10 minutes);
        IPerpEngine.Position memory before = engine.position(alice, ETH, true);
        uint256 snap = vm.snapshotState();
        _close(alice, ETH, true);
        uint256 closedAtOnce = usdc.balanceOf(alice);
        vm.revertToState(snap);
        vm.prank(alice);
        vm.expectPartialRevert(IPerpEngine.AtProfitCap.selector);
        engine.increasePosition(ETH, true, 0, 100 * USD, MAX_PRICE);
        assertEq(abi.encode(engine.position(alice, ETH, true)), abi.encode(before), "nothing changed");
        _close(alice, ETH, true);
        assertEq(usdc.balanceOf(alice), closedAtOnce, "the capped profit is all still there");
        assertGt(closedAtOnce, 280_000 * USD, "collateral and the 10% cap, less fees");
    }

    function test_increasePosition_addCollateralOnly() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        uint256 before = engine.position(alice, ETH, true).collateralUsd;
        _open(alice, ETH, true, 250 * USD, 0);
        assertEq(engine.position(alice, ETH, true).collateralUsd, before + 250 * USD);
    }

    function test_increasePosition_revertsWhenLeverageTooHigh() public {
        _mint(alice, 100 * USD);
        (,, uint256 maxLev) = reader.marginRates(ETH, 10_000 * USD);
        vm.prank(alice);
        vm.expectPartialRevert(IPerpEngine.LeverageTooHigh.selector);
        engine.increasePosition(ETH, true, 100 * USD, 10_000 * USD, MAX_PRICE);
        assertLt(maxLev, 100e18, "max leverage is below 100x");
    }

    function test_increasePosition_revertsOnSlippage() public {
        _mint(alice, 1000 * USD);
        vm.prank(alice);
        vm.expectPartialRevert(IPerpEngine.SlippageExceeded.selector);
        engine.increasePosition(ETH, true, 1000 * USD, 10_000 * USD, 3000e18); // impact pushes execution above 3000
        vm.prank(alice);
        vm.expectPartialRevert(IPerpEngine.SlippageExceeded.selector);
        engine.increasePosition(ETH, false, 1000 * USD, 10_000 * USD, 3000e18); // short fills below 3000
    }

    function test_increasePosition_revertsOnStalePrice() public {
        skip(301);
        _mint(alice, 1000 * USD);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpEngine.PriceTooOld.selector, ETH, block.timestamp - 301, block.timestamp, uint256(300)
            )
        );
        engine.increasePosition(ETH, true, 1000 * USD, 10_000 * USD, MAX_PRICE);
    }

    function test_increasePosition_revertsWhenPausedButCollateralTopUpWorks() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        vm.prank(admin);
        core.pause();
        _mint(bob, 1000 * USD);
        vm.prank(bob);
        vm.expectRevert(IClearingCore.Paused.selector);
        engine.increasePosition(ETH, true, 1000 * USD, 10_000 * USD, MAX_PRICE);
        _open(alice, ETH, true, 100 * USD, 0); // top-up allowed
        _close(alice, ETH, true); // exit allowed
        assertEq(engine.position(alice, ETH, true).sizeUsd, 0);
    }

    function test_increasePosition_revertsAboveOpenInterestCap() public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.maxLongOiUsd = uint128(15_000 * USD);
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        _mint(bob, 1000 * USD);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpEngine.OpenInterestCapExceeded.selector, ETH, true, 20_000 * USD, 15_000 * USD)
        );
        engine.increasePosition(ETH, true, 1000 * USD, 10_000 * USD, MAX_PRICE);
    }

    function test_increasePosition_revertsWhenPoolCannotReserve() public {
        // 1,000,000 cash * 90% = 900,000 reservable; 50 positions of 20,000 = 1,000,000 > limit.
        for (uint256 i; i < 45; ++i) {
            _open(address(uint160(0x1000 + i)), i % 2 == 0 ? ETH : BTC, i % 4 < 2, 2000 * USD, 20_000 * USD);
        }
        _mint(alice, 2000 * USD);
        vm.prank(alice);
        vm.expectPartialRevert(IClearingCore.InsufficientLiquidity.selector);
        engine.increasePosition(ETH, true, 2000 * USD, 20_000 * USD, MAX_PRICE);
    }

    function test_increasePosition_revertsBelowMinimumCollateral() public {
        _mint(alice, 20 * USD);
        vm.prank(alice);
        vm.expectPartialRevert(IPerpEngine.CollateralBelowMinimum.selector);
        engine.increasePosition(ETH, true, 9 * USD, 100 * USD, MAX_PRICE);
    }

    function test_increasePosition_revertsOnZeroAndUnknownMarket() public {
        vm.prank(alice);
        vm.expectRevert(IPerpEngine.ZeroAmount.selector);
        engine.increasePosition(ETH, true, 0, 0, MAX_PRICE);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.UnknownMarket.selector, 7, reader.marketCount()));
        engine.increasePosition(7, true, 1, 1, MAX_PRICE);
    }

    function test_increasePosition_unrealizedProfitDoesNotBackNewRisk() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        _setPrice(ETH, 4500e18); // +50%: ~5,000 USD unrealized profit
        _mint(alice, 1);
        vm.prank(alice);
        vm.expectPartialRevert(IPerpEngine.LeverageTooHigh.selector);
        engine.increasePosition(ETH, true, 0, 40_000 * USD, MAX_PRICE);
    }

    // ------------------------------------------------------------ decrease

    function test_decreasePosition_closesWithProfit() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        uint256 collateral = engine.position(alice, ETH, true).collateralUsd;
        uint256 tokens = engine.position(alice, ETH, true).sizeTokens;
        _setPrice(ETH, 3300e18);
        uint256 balBefore = usdc.balanceOf(alice);
        IPerpEngine.PositionStatus memory s = _status(alice, ETH, true);
        _close(alice, ETH, true);
        int256 pnl = PositionMath.pnlUsd(true, 10_000 * USD, tokens, 3300e18);
        assertGt(pnl, 0);
        uint256 received = usdc.balanceOf(alice) - balBefore;
        // closing a long at skew 10,000 -> 0 earns a rebate of half the impact formula
        int256 rebate = (int256((10_000 * USD) ** 2) * 5000 / 10_000) / int256(2 * 1_000_000_000 * USD);
        // the close fee on the value closed: the size plus the long's profit (P-97), rounded up
        int256 closeFee = (int256(10_000 * USD) + pnl) * int256(uint256(reader.marketConfig(ETH).closeFeeBps)) + 9999;
        closeFee /= 10_000;
        int256 expected = int256(collateral) + pnl - closeFee + rebate - int256(s.borrowFeeUsd) - s.fundingFeeUsd;
        assertEq(int256(received), expected);
        assertEq(core.poolState().totalCollateralUsd, 0);
        assertEq(core.poolState().reservedUsd, 0);
        assertEq(usdc.balanceOf(address(core)), _poolCash());
    }

    function test_decreasePosition_closesWithLossToPool() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        uint256 cash = _poolCash();
        _setPrice(ETH, 2850e18); // -5%: about -500
        _close(alice, ETH, true);
        assertGt(_poolCash(), cash + 490 * USD, "trader loss goes to the pool");
    }

    function test_decreasePosition_partialKeepsProportionalTokens() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        uint256 tokens = engine.position(alice, ETH, true).sizeTokens;
        vm.prank(alice);
        engine.decreasePosition(ETH, true, 0, 4000 * USD, 0);
        IPerpEngine.Position memory p = engine.position(alice, ETH, true);
        assertEq(p.sizeUsd, 6000 * USD);
        assertEq(p.sizeTokens, tokens - tokens * 4000 / 10_000);
        assertEq(reader.marketState(ETH).longOiUsd, 6000 * USD);
    }

    function test_decreasePosition_removesCollateralWithinInitialMargin() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        uint256 bal = usdc.balanceOf(alice);
        vm.prank(alice);
        engine.decreasePosition(ETH, true, 500 * USD, 0, 0);
        assertEq(usdc.balanceOf(alice) - bal, 500 * USD);
        vm.prank(alice);
        vm.expectPartialRevert(IPerpEngine.LeverageTooHigh.selector);
        engine.decreasePosition(ETH, true, 400 * USD, 0, 0);
    }

    function test_decreasePosition_revertPaths() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.NoPosition.selector, alice, ETH, true));
        engine.decreasePosition(ETH, true, 0, 1, 0);
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.SizeDeltaTooLarge.selector, 10_001 * USD, 10_000 * USD));
        engine.decreasePosition(ETH, true, 0, 10_001 * USD, 0);
        vm.prank(alice);
        vm.expectPartialRevert(IPerpEngine.CollateralDeltaTooLarge.selector);
        engine.decreasePosition(ETH, true, 5000 * USD, 0, 0);
        vm.prank(alice);
        vm.expectPartialRevert(IPerpEngine.SlippageExceeded.selector);
        engine.decreasePosition(ETH, true, 0, 10_000 * USD, 3100e18); // long close must sell at >= 3100
        vm.prank(alice);
        vm.expectRevert(IPerpEngine.ZeroAmount.selector);
        engine.decreasePosition(ETH, true, 0, 0, 0);
    }

    function test_decreasePosition_profitIsCapped() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        _setPrice(ETH, 9000e18); // +200%, cap is 100% of notional
        uint256 bal = usdc.balanceOf(alice);
        uint256 collateral = engine.position(alice, ETH, true).collateralUsd;
        _close(alice, ETH, true);
        uint256 received = usdc.balanceOf(alice) - bal;
        assertLe(received, collateral + 10_000 * USD, "payout <= collateral + cap");
        // less the close fee and the cap price's grid step toward the pool (at most 1/128 of the notional)
        uint256 closeFee = 20_000 * USD * reader.marketConfig(ETH).closeFeeBps / 10_000; // on the value: up to twice
        assertGt(received, collateral + 10_000 * USD - closeFee - 10_000 * USD / 128);
    }

    function test_decreasePosition_openThenCloseNeverProfits() public {
        _mint(alice, 1000 * USD);
        uint256 bal = usdc.balanceOf(alice);
        vm.prank(alice);
        engine.increasePosition(ETH, true, 1000 * USD, 30_000 * USD, MAX_PRICE);
        _close(alice, ETH, true);
        assertLt(usdc.balanceOf(alice), bal);
    }

    // ------------------------------------------------------------ fees

    function test_borrowFee_accruesWithTimeAndUtilization() public {
        _open(alice, ETH, true, 10_000 * USD, 100_000 * USD);
        skip(30 days);
        _refreshPrices();
        IPerpEngine.PositionStatus memory s = _status(alice, ETH, true);
        // U = 100k / ~1M = 10%: rate = 10% * 10%/80% = 1.25% a year -> ~0.1% a month of 100k
        assertApproxEqRel(s.borrowFeeUsd, 100_000 * USD * 125 / 10_000 * 30 / 365, 0.02e18);
    }

    function test_funding_driftsTowardTheCrowdedSideAndPaysThePool() public {
        _open(alice, ETH, true, 20_000 * USD, 200_000 * USD);
        _open(bob, ETH, false, 5000 * USD, 50_000 * USD);
        skip(1 days);
        _refreshPrices();
        IPerpEngine.MarketState memory st = reader.marketState(ETH);
        assertGt(st.fundingRateWad, 0, "longs pay while the skew is long");
        IPerpEngine.PositionStatus memory longS = _status(alice, ETH, true);
        IPerpEngine.PositionStatus memory shortS = _status(bob, ETH, false);
        assertGt(longS.fundingFeeUsd, 0);
        assertLt(shortS.fundingFeeUsd, 0, "shorts receive");
        // P-28, from the documented rule: the rate ramps from 0 at skew / skewScale x maxVelocity a second (capped), so
        // a side pays its size x the rate's integral and the pool keeps exactly the imbalance's share of it.
        uint256 integralWad = _rampIntegralWad(150_000 * USD, 1 days, reader.marketConfig(ETH));
        assertApproxEqRel(
            longS.fundingFeeUsd, int256(200_000 * USD * integralWad / 1e18), 1e15, "longs pay the integral"
        );
        assertApproxEqRel(-shortS.fundingFeeUsd, int256(50_000 * USD * integralWad / 1e18), 1e15, "shorts are paid it");
        assertApproxEqRel(
            longS.fundingFeeUsd + shortS.fundingFeeUsd,
            int256(150_000 * USD * integralWad / 1e18),
            1e15,
            "the pool keeps exactly the imbalance"
        );
    }

    /// @dev The funding rate's integral over `gap` seconds from a zero rate under a constant skew: a ramp at
    ///      skew / skewScale x maxVelocity a second up to the rate cap, then the cap.
    function _rampIntegralWad(uint256 skewUsd, uint256 gap, IPerpEngine.MarketConfig memory c)
        internal
        pure
        returns (uint256)
    {
        uint256 velocity = skewUsd * 1e18 / c.skewScaleUsd * c.maxFundingVelocityWad / 1e18;
        uint256 cap = c.maxFundingRateWad;
        if (velocity * gap <= cap) return velocity * gap * gap / 2;
        uint256 toCap = cap / velocity;
        return cap * toCap / 2 + cap * (gap - toCap);
    }

    /// The rate ramps at skew / skewScale x maxVelocity per second and stays at the cap once there; a gap in which it
    /// reaches the cap accrues the integral of that path (recomputed here from the documented rule), not the average of
    /// the two end rates (which undercounted this month by 30%: the ramp's 17 days and then 13 at the cap).
    function test_funding_gapThatReachesTheCap_accruesTheExactIntegral() public {
        uint256 sizeUsd = 200_000 * USD;
        _open(alice, ETH, true, 20_000 * USD, sizeUsd);
        IPerpEngine.MarketConfig memory c = reader.marketConfig(ETH);
        uint256 gap = 30 days;
        skip(gap);
        _refreshPrices();
        uint256 cap = c.maxFundingRateWad;
        uint256 velocity = sizeUsd * 1e18 / c.skewScaleUsd * c.maxFundingVelocityWad / 1e18;
        uint256 toCap = cap / velocity; // seconds the ramp takes from 0
        assertLt(toCap, gap, "the rate reaches the cap inside the gap");
        uint256 integralWad = cap * toCap / 2 + cap * (gap - toCap);
        uint256 expectedUsd = sizeUsd * integralWad / 1e18;
        assertEq(reader.marketState(ETH).fundingRateWad, int256(cap), "at the cap");
        assertApproxEqRel(_status(alice, ETH, true).fundingFeeUsd, int256(expectedUsd), 1e15, "the exact integral");
    }

    // ------------------------------------------------------------ risk engine

    function test_volatility_risesWithLargeReturnsAndCutsMaxLeverage() public {
        (,, uint256 levBefore) = reader.marginRates(ETH, 10_000 * USD);
        uint256 varBefore = reader.marketState(ETH).varianceWad;
        uint256 p = 3000e18;
        uint256 interval = reader.marketConfig(ETH).sampleIntervalSec;
        for (uint256 i; i < 10; ++i) {
            p = i % 2 == 0 ? p * 106 / 100 : p * 94 / 100;
            _setPriceAfter(ETH, p, interval); // one sample per interval: +-6% every 10 minutes is a real regime
            engine.poke(ETH);
        }
        assertGt(reader.marketState(ETH).varianceWad, varBefore * 10, "EWMA variance up");
        (,, uint256 levAfter) = reader.marginRates(ETH, 10_000 * USD);
        assertLt(levAfter, levBefore / 2, "max leverage falls");
    }

    function test_utilization_raisesInitialMarginAboveTheKink() public {
        (, uint256 imrLow,) = reader.marginRates(BTC, 10_000 * USD);
        for (uint256 i; i < 42; ++i) {
            _open(address(uint160(0x2000 + i)), ETH, i % 2 == 0, 2000 * USD, 20_000 * USD);
        }
        assertGt(reader.utilization(), 0.8e18);
        (, uint256 imrHigh,) = reader.marginRates(BTC, 10_000 * USD);
        assertGt(imrHigh, imrLow, "initial margin rises with utilization");
    }

    function test_maintenanceMargin_ignoresUtilization() public {
        _open(alice, BTC, true, 1000 * USD, 10_000 * USD);
        IPerpEngine.PositionStatus memory before = _status(alice, BTC, true);
        for (uint256 i; i < 42; ++i) {
            _open(address(uint160(0x3000 + i)), ETH, i % 2 == 0, 2000 * USD, 20_000 * USD);
        }
        assertEq(_status(alice, BTC, true).maintenanceMarginWad, before.maintenanceMarginWad);
    }

    // ------------------------------------------------------------ liquidation

    function test_liquidate_paysKeeperAndPool() public {
        _open(alice, ETH, true, 500 * USD, 10_000 * USD);
        _setPrice(ETH, reader.positionLiquidationPrice(alice, ETH, true) - 1e18);
        assertTrue(_status(alice, ETH, true).liquidatable);
        uint256 cash = _poolCash();
        uint256 collateral = engine.position(alice, ETH, true).collateralUsd;
        int256 equity = _status(alice, ETH, true).equityUsd;
        uint256 aliceBefore = usdc.balanceOf(alice);
        vm.prank(keeper);
        uint256 reward = engine.liquidate(alice, ETH, true);
        assertEq(reward, 10 * USD, "20 bps of 10,000, half to the keeper");
        assertEq(usdc.balanceOf(keeper), reward);
        // P-59: the trader gets back the equity beyond the liquidation's charge: here (a long in loss, on its size) the
        // close fee plus the keeper's reward, above the 20 bps liquidation fee (P-97)
        uint256 charge = _liquidationChargeUsd(ETH, true, 10_000 * USD, _status(alice, ETH, true).pnlUsd, reward);
        assertEq(
            charge, 10_000 * USD * reader.marketConfig(ETH).closeFeeBps / 10_000 + reward, "the close fee + reward"
        );
        uint256 refund = uint256(equity) - charge;
        assertGt(refund, 0, "liquidated just below maintenance: equity is left");
        assertEq(usdc.balanceOf(alice) - aliceBefore, refund, "equity beyond the fee goes back to the trader");
        assertEq(_poolCash(), cash + collateral - reward - refund, "the pool keeps its fee share and the loss");
        assertEq(engine.position(alice, ETH, true).sizeUsd, 0);
        assertEq(reader.marketState(ETH).longOiUsd, 0);
    }

    /// P-59 with P-09: a refund the token refuses (a blocklisted trader) never blocks the liquidation; it waits as the
    ///       trader's claim, outside the NAV, and is claimed to another address.
    function test_liquidate_refundRefusedByTheTokenWaitsAsAClaim() public {
        _open(alice, ETH, true, 500 * USD, 10_000 * USD);
        _setPrice(ETH, reader.positionLiquidationPrice(alice, ETH, true) - 1e18);
        IPerpEngine.PositionStatus memory st = _status(alice, ETH, true);
        uint256 refund = uint256(st.equityUsd) - _liquidationChargeUsd(ETH, true, 10_000 * USD, st.pnlUsd, 10 * USD);
        vm.mockCallRevert(address(usdc), abi.encodeWithSelector(IERC20.transfer.selector, alice), "blocked");
        vm.prank(keeper);
        engine.liquidate(alice, ETH, true);
        vm.clearMockedCalls();
        assertEq(core.refundOf(alice), refund, "the refund waits");
        assertEq(core.poolState().refundsOwedUsd, refund);
        address elsewhere = makeAddr("alice-2");
        vm.prank(alice);
        core.claimRefund(elsewhere);
        assertEq(usdc.balanceOf(elsewhere), refund);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IClearingCore.NoRefund.selector, alice));
        core.claimRefund(elsewhere);
    }

    /// P-59: a liquidation charges the impact a close would pay, so liquidating oneself is never a cheaper exit than
    ///       closing: a short against a 5M long skew returns its equity less the fee and that impact.
    function test_liquidate_refundPaysTheCloseImpact() public {
        _deposit(carol, 10_000_000 * USD);
        _open(bob, ETH, true, 1_000_000 * USD, 5_000_000 * USD);
        _open(alice, ETH, false, 500 * USD, 10_000 * USD);
        _setPrice(ETH, reader.positionLiquidationPrice(alice, ETH, false) + 1e18);
        IPerpEngine.PositionStatus memory st = _status(alice, ETH, false);
        assertTrue(st.liquidatable);
        // Closing the short moves the skew from s to s + 10,000: impact (s'^2 - s^2) / 2K, rounded up (K = 1e9 USD).
        uint256 s0 = reader.marketState(ETH).longOiUsd - reader.marketState(ETH).shortOiUsd;
        uint256 s1 = s0 + 10_000 * USD;
        uint256 impact = (s1 * s1 - s0 * s0 + 2 * 1_000_000_000 * USD - 1) / (2 * 1_000_000_000 * USD);
        uint256 before = usdc.balanceOf(alice);
        vm.prank(keeper);
        engine.liquidate(alice, ETH, false);
        uint256 charge = _liquidationChargeUsd(ETH, false, 10_000 * USD, st.pnlUsd, 10 * USD); // a short in loss
        int256 expected = st.equityUsd - int256(charge) - int256(impact);
        assertGt(impact, 0);
        assertEq(int256(usdc.balanceOf(alice) - before), expected > 0 ? expected : int256(0), "equity - fee - impact");
    }

    function test_liquidate_revertsWhenHealthy() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        vm.prank(keeper);
        vm.expectPartialRevert(IPerpEngine.NotLiquidatable.selector);
        engine.liquidate(alice, ETH, true);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.NoPosition.selector, bob, ETH, true));
        engine.liquidate(bob, ETH, true);
    }

    function test_liquidate_recordsBadDebt() public {
        _open(alice, ETH, true, 500 * USD, 10_000 * USD);
        _setPrice(ETH, 2400e18); // -20% on 20x: equity ~ -1,500
        IPerpEngine.PositionStatus memory s = _status(alice, ETH, true);
        // The equity from first principles: collateral + the tokens' value at the price (rounded down: the pool's
        // side) - the entry notional - the fees owed (a unit at most: the price was set a moment after the open).
        IPerpEngine.Position memory pos = engine.position(alice, ETH, true);
        assertLe(s.borrowFeeUsd + uint256(s.fundingFeeUsd > 0 ? s.fundingFeeUsd : -s.fundingFeeUsd), 2);
        int256 equity = int256(uint256(pos.collateralUsd)) + int256(uint256(pos.sizeTokens) * 2400e18 / 1e30)
            - int256(uint256(pos.sizeUsd)) - int256(s.borrowFeeUsd) - s.fundingFeeUsd;
        assertEq(s.equityUsd, equity, "equity = collateral + value at the price - entry notional");
        assertLt(s.equityUsd, 0);
        uint256 cashBefore = _poolCash();
        uint256 collateral = engine.position(alice, ETH, true).collateralUsd;
        vm.prank(keeper);
        uint256 reward = engine.liquidate(alice, ETH, true);
        // First principles: the pool was owed collateral - equity (losses and fees) and received collateral - reward.
        uint256 owed = uint256(int256(collateral) - s.equityUsd);
        uint256 received = _poolCash() - cashBefore;
        assertEq(received, collateral - reward, "cash gained");
        assertEq(core.poolState().badDebtUsd, owed - received, "bad debt = deficit + the keeper reward it paid");
        assertEq(core.poolState().badDebtUsd, uint256(-s.equityUsd) + reward);
    }

    function test_liquidate_worksWhilePausedAndAboveCaps() public {
        _open(alice, ETH, true, 500 * USD, 10_000 * USD);
        vm.startPrank(admin);
        core.pause();
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.maxLongOiUsd = 1;
        engine.setMarketConfig(ETH, cfg);
        vm.stopPrank();
        _setPrice(ETH, 2700e18);
        vm.prank(keeper);
        engine.liquidate(alice, ETH, true);
        assertEq(engine.position(alice, ETH, true).sizeUsd, 0);
    }

    function test_liquidateBatch_skipsHealthyPositions() public {
        _open(alice, ETH, true, 500 * USD, 10_000 * USD);
        _open(bob, ETH, true, 5000 * USD, 10_000 * USD);
        _open(dave, ETH, false, 2000 * USD, 10_000 * USD);
        _setPrice(ETH, 2820e18);
        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](3);
        refs[0] = IPerpEngine.PositionRef(alice, ETH, true);
        refs[1] = IPerpEngine.PositionRef(bob, ETH, true);
        refs[2] = IPerpEngine.PositionRef(dave, ETH, false);
        vm.prank(keeper);
        (uint256 n,) = engine.liquidateBatch(refs);
        assertEq(n, 1);
        assertEq(engine.position(alice, ETH, true).sizeUsd, 0);
        assertGt(engine.position(bob, ETH, true).sizeUsd, 0);
    }

    /// @dev The maintenance rate follows sigma, and a move updates sigma: the flip happens at the liquidation price
    ///      computed with the sigma that includes the move, which is what the Reader reports.
    function test_liquidationPrice_matchesStatusFlip() public {
        _open(alice, BTC, false, 1000 * USD, 20_000 * USD);
        for (uint256 bps = 10_000; bps <= 10_600; bps += 20) {
            _setPriceAfter(BTC, 60_000e18 * bps / 10_000, 60);
            uint256 p = _price(BTC);
            uint256 liq = reader.positionLiquidationPrice(alice, BTC, false);
            if (p > liq ? p - liq < p / 1e6 : liq - p < p / 1e6) continue; // on the boundary's rounding
            assertEq(_status(alice, BTC, false).liquidatable, p > liq, "short is liquidatable exactly above it");
        }
    }

    // ------------------------------------------------------------ admin & views

    function test_admin_rolesAndBounds() public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        vm.prank(alice);
        vm.expectPartialRevert(IAccessControl.AccessControlUnauthorizedAccount.selector);
        engine.setMarketConfig(ETH, cfg);
        cfg.maxLeverage = 500;
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpEngine.InvalidParameter.selector, bytes32("maxLeverage"), 500, 1, 200)
        );
        engine.setMarketConfig(ETH, cfg);
        vm.prank(alice);
        vm.expectPartialRevert(IAccessControl.AccessControlUnauthorizedAccount.selector);
        core.pause();
        // The vault is fixed at deployment, and a vault refuses a core built for another address.
        assertEq(core.vault(), address(pool));
        address next = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.VaultMismatch.selector, address(pool), next));
        new LiquidityPool(core, admin, 60, 1e6);
        vm.expectRevert(abi.encodeWithSelector(IClearingCore.NotVault.selector, alice));
        vm.prank(alice);
        core.withdrawLiquidity(alice, 1);
    }

    /// @dev The ConfigStore data contract returns exactly what was validated and stored, for the edited market only,
    ///      and the pool reserve follows a new profit cap at once.
    function testFuzz_configStore_roundTripsEveryField(uint256 seed) public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        uint256 capBefore = cfg.maxProfitBps;
        IPerpEngine.MarketConfig memory btcBefore = reader.marketConfig(BTC);
        IClearingCore.PoolConfig memory poolBefore = core.poolConfig();
        cfg.maxPriceAgeSec = uint32(bound(uint256(keccak256(abi.encode(seed, 0))), 1, 1 days));
        cfg.oracleLagBps = uint16(bound(uint256(keccak256(abi.encode(seed, 12))), 0, 100));
        // every fill pays at least the oracle lag (P-97)
        cfg.openFeeBps = uint16(bound(uint256(keccak256(abi.encode(seed, 1))), cfg.oracleLagBps, 100));
        cfg.closeFeeBps = uint16(bound(uint256(keccak256(abi.encode(seed, 2))), cfg.oracleLagBps, 100));
        cfg.liquidationFeeBps = uint16(bound(uint256(keccak256(abi.encode(seed, 3))), 0, 500));
        cfg.positiveImpactBps = uint16(bound(uint256(keccak256(abi.encode(seed, 4))), 0, 9999));
        // Open positions keep their cap: with open interest the cap may only rise (P-52).
        cfg.maxProfitBps = uint32(bound(uint256(keccak256(abi.encode(seed, 5))), capBefore, 100_000));
        cfg.maxLeverage = uint32(bound(uint256(keccak256(abi.encode(seed, 6))), 1, 200));
        cfg.zWad = uint64(bound(uint256(keccak256(abi.encode(seed, 7))), 1e18, 5e18));
        cfg.maxLongOiUsd = uint128(bound(uint256(keccak256(abi.encode(seed, 8))), 20_000 * USD, 1e18));
        cfg.impactScaleUsd = uint128(bound(uint256(keccak256(abi.encode(seed, 9))), 1e6, type(uint128).max));
        cfg.maxFundingRateWad = uint64(bound(uint256(keccak256(abi.encode(seed, 10))), 0, uint256(0.01e18) / 3600));
        cfg.maxFundingVelocityWad = uint64(bound(uint256(keccak256(abi.encode(seed, 11))), 0, cfg.maxFundingRateWad));
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);

        assertEq(keccak256(abi.encode(reader.marketConfig(ETH))), keccak256(abi.encode(cfg)), "edited market");
        assertEq(keccak256(abi.encode(reader.marketConfig(BTC))), keccak256(abi.encode(btcBefore)), "other market");
        assertEq(keccak256(abi.encode(core.poolConfig())), keccak256(abi.encode(poolBefore)), "pool config");
        uint256 reserve = uint256(10_000 * USD) * cfg.maxProfitBps / 10_000;
        assertEq(reader.marketState(ETH).reservedUsd, reserve, "market reserve at the new cap");
        assertEq(core.poolState().reservedUsd, reserve, "pool reserve follows");
    }

    /// @dev Collateral alone cannot create a position: it would be counted but belong to no position.
    function test_increasePosition_collateralWithoutPositionReverts() public {
        _mint(alice, 1000 * USD);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.NoPosition.selector, alice, ETH, true));
        engine.increasePosition(ETH, true, 1000 * USD, 0, MAX_PRICE);
        assertEq(core.poolState().totalCollateralUsd, 0);
    }

    function test_reader_reportsMarketAndAccount() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        _open(alice, BTC, false, 1000 * USD, 5000 * USD);
        assertEq(reader.accountPositions(alice).length, 2);
        assertEq(reader.market(ETH).name, bytes32("ETH-USD"));
        assertEq(reader.market(ETH).priceWad, 3000e18);
        assertGt(reader.market(ETH).maxLeverageWad, 1e18);
        assertEq(reader.poolView().reservedUsd, 15_000 * USD);
    }

    // ------------------------------------------------------------ fuzz

    function testFuzz_increasePosition_accountingHolds(uint256 collateral, uint256 leverage, bool isLong, uint256 move)
        public
    {
        collateral = bound(collateral, 20 * USD, 10_000 * USD);
        leverage = bound(leverage, 1, 30);
        move = bound(move, 80, 120);
        _open(alice, ETH, isLong, collateral, collateral * leverage);
        _setPrice(ETH, 3000e18 * move / 100);
        IPerpEngine.PositionStatus memory s = _status(alice, ETH, isLong);
        if (s.liquidatable) {
            vm.prank(keeper);
            engine.liquidate(alice, ETH, isLong);
        } else {
            _close(alice, ETH, isLong);
        }
        assertEq(usdc.balanceOf(address(core)), _poolCash() + core.poolState().totalCollateralUsd);
        assertEq(core.poolState().reservedUsd, 0);
        assertEq(reader.productTotals().totalSizeUsd, 0);
    }

    function testFuzz_roundTrip_neverProfits(uint256 size, uint256 preSkew, bool isLong) public {
        size = bound(size, 100 * USD, 200_000 * USD);
        preSkew = bound(preSkew, 0, 300_000 * USD);
        if (preSkew >= 100 * USD) _open(bob, ETH, !isLong, preSkew / 5, preSkew);
        _mint(alice, size);
        uint256 bal = usdc.balanceOf(alice);
        vm.prank(alice);
        engine.increasePosition(ETH, isLong, size / 5, size, isLong ? MAX_PRICE : 0);
        _close(alice, ETH, isLong);
        assertLt(usdc.balanceOf(alice), bal, "open-then-close loses");
    }

    /// markets.json gives price bounds as decimal USD strings; the deploy reads them exactly and refuses anything else.
    function test_deploy_parsesDecimalUsdBounds() public {
        assertEq(deployer.parseUsdWad("150"), 150e18);
        assertEq(deployer.parseUsdWad("0.01"), 0.01e18);
        assertEq(deployer.parseUsdWad("1000000.5"), 1_000_000.5e18);
        vm.expectRevert(bytes("parseUsdWad: two points"));
        deployer.parseUsdWad("1.2.3");
        vm.expectRevert(bytes("parseUsdWad: not a decimal"));
        deployer.parseUsdWad("1e8");
        Deploy.MarketSpec[] memory specs = deployer.marketSpecs();
        for (uint256 i; i < specs.length; ++i) {
            assertGt(specs[i].maxPriceWad, specs[i].devPriceUsd * 1e18, "max above the dev price");
            assertLt(specs[i].minPriceWad, specs[i].devPriceUsd * 1e18, "min below the dev price");
            assertGt(specs[i].minPriceWad, 0, "a floor");
        }
    }

    /// P-51: on a Chainlink feed the market's max price age and the adapter's staleness are one value derived from
    ///       the feed's heartbeat (script/markets.json): a healthy feed one heartbeat quiet still trades, a feed past it
    ///       is refused by both with their numbers.
    function test_deploy_chainlinkStalenessFollowsTheHeartbeat() public {
        Deploy.MarketSpec[] memory specs = deployer.marketSpecs();
        _deposit(carol, 1_000_000 * USD);
        for (uint256 i; i < specs.length; ++i) {
            uint256 heartbeat = specs[i].heartbeatSec;
            uint32 age = deployer.priceAgeSec(heartbeat);
            assertGe(age, heartbeat, "never stricter than the heartbeat");
            assertLe(age, 1 days, "within the config bound");
            MockAggregator agg = new MockAggregator(8);
            agg.set(int256(specs[i].devPriceUsd * 1e8), block.timestamp);
            ChainlinkPriceFeed feed = new ChainlinkPriceFeed(
                IAggregatorV3(address(agg)), IAggregatorV3(address(0)), age, specs[i].minPriceWad, specs[i].maxPriceWad
            );
            IPerpEngine.MarketConfig memory cfg = deployer.marketConfig(IPriceFeed(address(feed)), 0.6e18, age);
            vm.prank(admin); // after the config call: a prank is consumed by the next external call
            uint256 m = engine.addMarket(bytes32(bytes(specs[i].name)), cfg);
            skip(heartbeat); // the quietest a healthy feed gets: trading still works
            _open(alice, m, true, 1000 * USD, 2000 * USD);
            skip(age - heartbeat + 1); // past the limit: refused with the numbers
            _mint(alice, 1000 * USD);
            vm.prank(alice);
            vm.expectPartialRevert(OracleErrors.StalePrice.selector);
            engine.increasePosition(m, true, 1000 * USD, 2000 * USD, MAX_PRICE);
            _refreshPrices();
        }
    }
}
