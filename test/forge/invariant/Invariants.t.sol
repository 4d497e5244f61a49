// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../../../contracts/interfaces/IClearingCore.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {PositionMath} from "../../../contracts/libraries/PositionMath.sol";
import {BaseTest} from "../utils/Base.t.sol";
import {Payoffs} from "../utils/Payoffs.sol";
import {Handler} from "./Handler.sol";

/// @notice Stateful properties of the clearing house. IDs refer to PROPERTIES.md.
contract InvariantsTest is BaseTest {
    Handler internal handler;

    function setUp() public override {
        super.setUp();
        // The last market caps profit at 15% on both sides, so the price mover's ±20% steps carry positions past their
        // cap prices (longs above, shorts below) and the cap book is exercised in every property.
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(feeds.length - 1);
        cfg.maxProfitBps = 1500;
        vm.prank(admin);
        engine.setMarketConfig(feeds.length - 1, cfg);
        handler = new Handler(core, engine, pool, reader, usdc, feeds, admin);
        bytes32 keeperRole = pool.KEEPER_ROLE();
        vm.prank(admin);
        pool.grantRole(keeperRole, address(handler)); // the handler's actors fill the queue as the keeper
        _deposit(carol, 500_000 * USD); // seed liquidity so trading starts at once
        targetContract(address(handler));
        excludeSender(address(pool));
        excludeSender(address(engine));
        excludeSender(address(core));
    }

    /// P-01: the core holds exactly what its books say it owes plus what was donated to it, and the product's
    ///       collateral ledger in the core equals the sum of its positions' collateral and unrealized rebates.
    function invariant_P01_tokenBalanceCoversAccounting() public view {
        IClearingCore.PoolState memory ps = core.poolState();
        assertEq(
            usdc.balanceOf(address(core)),
            uint256(ps.poolCashUsd) + ps.totalCollateralUsd + ps.refundsOwedUsd + handler.ghostDonatedToCore(),
            "balance = cash + collateral + refunds owed + donations"
        );
        assertEq(usdc.balanceOf(address(engine)), 0, "the product holds no tokens");
        uint256 collateral;
        for (uint256 m; m < feeds.length; ++m) {
            for (uint256 i; i < handler.traderCount(); ++i) {
                for (uint256 side; side < 2; ++side) {
                    IPerpEngine.Position memory p = engine.position(handler.traders(i), m, side == 0);
                    collateral += uint256(p.collateralUsd) + p.rebateUsd; // unrealized rebates wait in the ledger
                }
            }
        }
        assertEq(core.productLedger(address(engine)).collateralUsd, collateral, "collateral ledger");
    }

    /// P-02: per-market OI, token and funding-snapshot accumulators equal the sums over open positions.
    function invariant_P02_aggregatesEqualSumsOverPositions() public view {
        uint256 totalSize;
        for (uint256 m; m < feeds.length; ++m) {
            uint256 longOi;
            uint256 shortOi;
            uint256 longTokens;
            uint256 shortTokens;
            int256 netSnap;
            for (uint256 i; i < handler.traderCount(); ++i) {
                IPerpEngine.Position memory l = engine.position(handler.traders(i), m, true);
                IPerpEngine.Position memory s = engine.position(handler.traders(i), m, false);
                longOi += l.sizeUsd;
                shortOi += s.sizeUsd;
                longTokens += l.sizeTokens;
                shortTokens += s.sizeTokens;
                netSnap += int256(uint256(l.sizeUsd)) * l.fundingSnapWad - int256(uint256(s.sizeUsd)) * s.fundingSnapWad;
            }
            IPerpEngine.MarketState memory st = reader.marketState(m);
            assertEq(st.longOiUsd, longOi, "long OI");
            assertEq(st.shortOiUsd, shortOi, "short OI");
            assertEq(st.longTokens, longTokens, "long tokens");
            assertEq(st.shortTokens, shortTokens, "short tokens");
            assertEq(st.netFundingSnapSum, netSnap, "net funding snapshot sum");
            totalSize += longOi + shortOi;
        }
        assertEq(reader.productTotals().totalSizeUsd, totalSize, "borrow base");
    }

    /// P-03: NAV equals a recomputation over all positions (cash + fees owed - capped PnL), within one unit per position
    ///       per rounding site, always on the pool's side of the recomputation.
    function invariant_P03_navEqualsRecomputation() public view {
        (bool ok, int256 recomputed, uint256 n) = _recomputeNav();
        if (!ok) return; // a stale price: the NAV view reverts too
        int256 nav = int256(pool.totalAssets());
        if (recomputed < 0) recomputed = 0;
        assertApproxEqAbs(nav, recomputed, 4 * n + 4, "NAV vs recomputation");
        // The recomputation rounds every term toward a higher NAV (PnL owed down, fees owed up): the NAV never above it.
        assertLe(nav, recomputed, "the NAV rounds toward the pool");
    }

    /// P-41: the core's NAV skips the perpetuals exactly while no market has open interest, and then their claim (and
    ///       its oracle-lag risk) is zero: whatever sequence of trades, liquidations, price moves and time.
    function invariant_P41_idleExactlyWhenNothingOpen() public view {
        uint256 oi;
        for (uint256 m; m < feeds.length; ++m) {
            IPerpEngine.MarketState memory st = reader.marketState(m);
            oi += st.longOiUsd + st.shortOiUsd;
        }
        assertEq(core.productLedger(address(engine)).idle, oi == 0, "idle exactly when nothing is open");
        if (oi == 0) {
            (int256 claim, uint256 riskDown, uint256 riskUp) = engine.poolClaimUsd(core.accrualNow().borrowIndexWad);
            assertEq(claim, 0);
            assertEq(riskDown + riskUp, 0);
        }
    }

    /// P-04: reserved payouts never exceed pool cash; the pool's reserve equals the product's ledger, which equals the
    ///       sum of per-market reserves recomputed from open interest.
    function invariant_P04_reservedBacked() public view {
        IClearingCore.PoolState memory ps = core.poolState();
        assertLe(ps.reservedUsd, ps.poolCashUsd, "reserved <= cash");
        uint256 sum;
        for (uint256 m; m < feeds.length; ++m) {
            IPerpEngine.MarketState memory st = reader.marketState(m);
            uint256 oi = uint256(st.longOiUsd) + st.shortOiUsd;
            sum += (oi * reader.marketConfig(m).maxProfitBps + 9999) / 10_000;
        }
        assertEq(ps.reservedUsd, sum, "pool reserve = sum over markets");
        assertEq(core.productLedger(address(engine)).reservedUsd, sum, "product ledger");
    }

    /// P-05: donations never move the share price.
    function invariant_P05_donationsDoNotMoveSharePrice() public view {
        assertFalse(handler.flagDonationMovedPrice());
    }

    /// P-07: LP deposits and redemptions never lower the share price.
    function invariant_P07_lpActionsDoNotDiluteSharePrice() public view {
        assertFalse(handler.flagLpActionMovedPrice());
    }

    /// P-08: a trader's action never makes another trader's healthy position liquidatable.
    function invariant_P08_onlyPriceOrTimeMakesPositionsLiquidatable() public view {
        assertFalse(handler.flagHealthyMadeLiquidatableByOther());
    }

    /// P-09: an eligible liquidation always succeeds.
    function invariant_P09_eligibleLiquidationAlwaysSucceeds() public view {
        assertFalse(handler.flagEligibleLiquidationFailed());
    }

    /// P-38: locked shares never exceed an LP's balance, and no deposit in someone else's name ever added to a
    ///       running cooldown.
    function invariant_P38_cooldownLocksOnlyOwnNewShares() public view {
        assertFalse(handler.flagCooldownExtendedByOther(), "a gift deposit extended a running cooldown");
        for (uint256 i; i < handler.lpCount(); ++i) {
            address lp = handler.lps(i);
            assertLe(pool.lockedShares(lp), pool.balanceOf(lp), "locked <= balance");
        }
    }

    /// P-18: every liquidation records exactly the bad debt the documented rule gives (the keeper's reward less what
    ///       the position still backs it with, recomputed in the handler from its collateral, rebate and capped PnL at
    ///       the price), and the counter holds at least their sum (closes add theirs) and never decreases.
    function invariant_P18_badDebtRecorded() public view {
        assertEq(handler.badDebtMismatches(), 0, "a liquidation recorded other than the recomputed shortfall");
        assertGe(core.poolState().badDebtUsd, handler.ghostBadDebt());
    }

    /// P-10: with every position closed and the queue cancelled, LPs withdraw everything; dust <= 1 unit per LP.
    function afterInvariant() external {
        // Keep prices fresh, then close (or liquidate) every position.
        uint256[] memory prices = new uint256[](feeds.length);
        for (uint256 m; m < feeds.length; ++m) {
            (prices[m],) = feeds[m].latestPrice();
            vm.prank(admin);
            feeds[m].setPrice(prices[m]);
        }
        for (uint256 i; i < handler.traderCount(); ++i) {
            address t = handler.traders(i);
            for (uint256 k; k < 2 * feeds.length; ++k) {
                uint256 m = k / 2;
                bool isLong = k % 2 == 0;
                uint256 size = engine.position(t, m, isLong).sizeUsd;
                if (size == 0) continue;
                if (reader.positionStatus(t, m, isLong).liquidatable) {
                    engine.liquidate(t, m, isLong);
                } else {
                    vm.prank(t);
                    engine.decreasePosition(m, isLong, 0, size, isLong ? 0 : type(uint256).max);
                }
            }
        }
        assertEq(core.poolState().reservedUsd, 0);
        assertEq(core.poolState().totalCollateralUsd, 0);
        skip(61);
        for (uint256 m; m < feeds.length; ++m) {
            vm.prank(admin);
            feeds[m].setPrice(prices[m]);
        }
        skip(core.GAIN_VEST_SEC()); // liquidation gains still vesting are paid once vested (P-96)
        for (uint256 m; m < feeds.length; ++m) {
            vm.prank(admin);
            feeds[m].setPrice(prices[m]);
        }
        pool.processQueue(type(uint256).max);
        assertEq(pool.queuedShares(), 0, "nothing open: the queue fills whole");
        // the virtual shares' part of the pool (SharesMath.VIRTUAL_SHARES = 1e6 share units), rounded up
        uint256 virtualUsd = pool.convertToAssets(1e6) + 1;
        address[3] memory holders = [carol, handler.lps(0), handler.lps(1)];
        for (uint256 i; i < holders.length; ++i) {
            uint256 shares = pool.balanceOf(holders[i]);
            if (shares == 0) continue;
            vm.prank(holders[i]);
            pool.redeem(shares, holders[i], holders[i]);
        }
        assertEq(pool.totalSupply(), 0, "every share redeemed");
        // What stays is each redemption's rounding (one unit per LP) and the virtual shares' part of the cash.
        assertLe(core.poolState().poolCashUsd, holders.length + virtualUsd, "cash dust only");
    }

    /// The handler's actions are not vacuous: from the seeded pool, each goes through with ordinary inputs (a handler
    /// whose every call reverted, swallowed by its try/catch, would leave every invariant above trivially true).
    function test_handler_everyActionGoesThrough() public {
        handler.deposit(0, 100_000 * USD);
        handler.open(0, 0, true, 1000 * USD, 5);
        handler.open(1, 0, false, 1000 * USD, 5);
        handler.decrease(0, 0, true, 1000 * USD);
        handler.addCollateral(1, 0, false, 100 * USD);
        handler.removeCollateral(1, 0, false, 50 * USD);
        handler.warp(61);
        handler.redeem(0, 1e15);
        handler.requestRedeem(0, 1e15);
        handler.cancelRedeem(0);
        handler.requestRedeem(0, 1e15);
        handler.processQueue(1);
        handler.giftDeposit(0, 1, 1000 * USD);
        handler.movePrice(0, 9000, 60);
        handler.donate(1000 * USD, false);
        bytes32[12] memory actions = [
            bytes32("deposit"),
            "giftDeposit",
            "open",
            "decrease",
            "addCollateral",
            "removeCollateral",
            "redeem",
            "requestRedeem",
            "cancelRedeem",
            "processQueue",
            "movePrice",
            "donate"
        ];
        for (uint256 i; i < actions.length; ++i) {
            assertGt(handler.calls(actions[i]), 0, string(abi.encodePacked(actions[i])));
        }
        assertEq(handler.calls("open"), 2, "both opens");
        // a long at 5x after a -10% move has lost half its collateral: liquidatable only past its maintenance, so
        // push the price until it is and check the liquidation recorded the recomputed bad debt (none here)
        for (uint256 k; k < 6 && !reader.positionStatus(handler.traders(0), 0, true).liquidatable; ++k) {
            handler.movePrice(0, 9500, 60);
        }
        handler.liquidate(0, 0, true);
        assertEq(handler.calls("liquidate"), 1, "the liquidation went through");
        assertEq(handler.badDebtMismatches(), 0);
    }

    // ------------------------------------------------------------ helpers

    function _recomputeNav() internal view returns (bool ok, int256 nav, uint256 n) {
        IClearingCore.PoolState memory ps = core.poolState();
        nav = int256(uint256(ps.poolCashUsd));
        for (uint256 m; m < feeds.length; ++m) {
            uint256 p;
            try feeds[m].latestPrice() returns (uint256 price, uint256 at) {
                if (block.timestamp - at > reader.marketConfig(m).maxPriceAgeSec) return (false, 0, 0);
                p = price;
            } catch {
                return (false, 0, 0);
            }
            (int256 fees, int256 pnl, uint256 count) = _marketSums(m, p, ps.borrowIndexWad);
            n += count;
            nav += fees - pnl;
        }
        ok = true;
    }

    /// @dev Fees owed and what every position would be paid (or could be made to pay) if it closed now, summed
    ///      position by position from the documented rule (Payoffs: the price clamped between the position's floor and
    ///      cap prices, each checked against its stated value).
    function _marketSums(uint256 m, uint256 p, uint256 borrowIndex)
        internal
        view
        returns (int256 fees, int256 pnl, uint256 n)
    {
        IPerpEngine.MarketState memory ms = reader.marketState(m);
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(m);
        Payoffs.Terms memory terms =
            Payoffs.Terms(cfg.maxProfitBps, cfg.liquidationFeeBps, core.poolConfig().keeperShareBps);
        for (uint256 i; i < handler.traderCount() * 2; ++i) {
            bool isLong = i % 2 == 0;
            IPerpEngine.Position memory pos = engine.position(handler.traders(i / 2), m, isLong);
            if (pos.sizeUsd == 0) continue;
            ++n;
            pnl += Payoffs.owedAt(pos, isLong, p, terms);
            fees += int256(PositionMath.borrowFeeUp(pos.sizeUsd, borrowIndex, pos.borrowSnapWad));
            fees += PositionMath.fundingFeeUp(
                isLong, pos.sizeUsd, isLong ? ms.fundingIndexWad : ms.shortFundingIndexWad, pos.fundingSnapWad
            );
        }
    }
}
