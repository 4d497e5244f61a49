// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {CapGrid} from "../../../contracts/libraries/CapGrid.sol";
import {BaseTest} from "../utils/Base.t.sol";
import {Payoffs} from "../utils/Payoffs.sol";
import {Vm} from "forge-std/Vm.sol";

/// @notice Per-position profit caps as cap prices (items 1-2 of the value-leaks issue), written from the attacker's
///         side and recomputed per position from prices and the documented rule.
contract ProfitCapAttacksTest is BaseTest {
    function _setCap(uint256 marketId, uint32 bps) internal {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(marketId);
        cfg.maxProfitBps = bps;
        vm.prank(admin);
        engine.setMarketConfig(marketId, cfg);
    }

    /// @dev What closing the position now would pay out of the pool, from first principles: tokens valued at the price
    ///      limited by the cap price, less the entry notional (long value rounded down, short value rounded up).
    function _payout(address trader, uint256 m, bool isLong, uint256 p) internal view returns (int256) {
        IPerpEngine.Position memory pos = engine.position(trader, m, isLong);
        if (pos.sizeUsd == 0) return 0;
        if (pos.capBucket != 0) {
            uint256 k = CapGrid.priceOf(pos.capBucket);
            if (isLong ? p > k : p < k) p = k;
        }
        return isLong
            ? int256(uint256(pos.sizeTokens) * p / 1e30) - int256(uint256(pos.sizeUsd))
            : int256(uint256(pos.sizeUsd)) - int256((uint256(pos.sizeTokens) * p + 1e30 - 1) / 1e30);
    }

    function _terms(uint256 m) internal view returns (Payoffs.Terms memory) {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(m);
        return Payoffs.Terms(cfg.maxProfitBps, cfg.liquidationFeeBps, core.poolConfig().keeperShareBps);
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    function _balance(address who) internal view returns (int256) {
        return int256(usdc.balanceOf(who));
    }

    /// P-19 / item 1: the cap limits what the pool pays however a position is increased. Two identical longs of
    ///       100,000 at 3,000 with a 100% cap; the price triples (uncapped profit 200,000 each). Before the fix, adding
    ///       100,000 of fresh notional to one of them lifted its cap and the close paid 199,732.
    function test_incident_increaseCannotStretchTheCap() public {
        _deposit(carol, 2_000_000 * USD);
        _mint(alice, 20_000 * USD);
        _mint(bob, 120_000 * USD);
        int256 aliceStart = _balance(alice);
        int256 bobStart = _balance(bob);
        vm.prank(alice);
        engine.increasePosition(ETH, true, 20_000 * USD, 100_000 * USD, MAX_PRICE);
        vm.prank(bob);
        engine.increasePosition(ETH, true, 20_000 * USD, 100_000 * USD, MAX_PRICE);
        _walkPrice(ETH, 9000e18);
        _refreshPrices();

        _close(alice, ETH, true);
        vm.prank(bob);
        engine.increasePosition(ETH, true, 100_000 * USD, 100_000 * USD, MAX_PRICE);
        _close(bob, ETH, true);

        int256 aliceProfit = _balance(alice) - aliceStart;
        int256 bobProfit = _balance(bob) - bobStart;
        int256 cap = int256(100_000 * USD);
        // Neither is paid more than the cap (fees, funding and borrow only take from it) ...
        assertLe(aliceProfit, cap, "alice within the cap");
        assertLe(bobProfit, cap, "bob within the cap, increase or not");
        // ... and the cap price costs at most one grid step (1/128 of the cap price 6,000: 1.6% of the notional).
        assertGe(aliceProfit, cap - int256(1600 * USD) - int256(5000 * USD), "alice gets her capped profit less fees");
        // Bob's extra notional earned nothing (opened and closed at one price): he ends no better than alice.
        assertLe(bobProfit, aliceProfit, "fresh notional does not lift the old cap");
    }

    /// P-53 / item 2: opening a fresh position never lowers the NAV, even while another position on its side is past
    ///       its cap, so an LP cannot deposit below value and redeem above it. The attacker opens 1M at the money,
    ///       deposits 9M, closes and redeems after the cooldown (before the fix the open lowered the NAV by 1M and the
    ///       round trip netted +527,271).
    function test_incident_freshPositionCannotDepressTheNav() public {
        _deposit(carol, 10_000_000 * USD);
        _open(alice, ETH, true, 400_000 * USD, 2_000_000 * USD);
        _walkPrice(ETH, 9000e18); // alice: uncapped profit 4M, capped at 2M
        _refreshPrices();

        _mint(attacker, 9_300_000 * USD);
        int256 start = _balance(attacker);
        uint256 navBefore = core.poolValueUsd();
        vm.startPrank(attacker);
        engine.increasePosition(ETH, true, 300_000 * USD, 1_000_000 * USD, MAX_PRICE);
        uint256 navAfterOpen = core.poolValueUsd();
        uint256 shares = pool.deposit(9_000_000 * USD, attacker);
        uint256 size = engine.position(attacker, ETH, true).sizeUsd;
        engine.decreasePosition(ETH, true, 0, size, 0);
        vm.stopPrank();
        assertGe(navAfterOpen, navBefore, "an at-the-money open adds its fee to the NAV, it never lowers it");

        skip(pool.cooldownSec() + 1);
        _refreshPrices();
        vm.prank(attacker);
        pool.redeem(shares, attacker, attacker);
        assertLe(_balance(attacker) - start, 0, "attacker's trader + LP round trip does not profit");
    }

    /// P-19, fuzzed: whatever the sizes, the cap and the move, adding fresh notional to one of two identical positions
    ///       and closing pays no more than closing the other one untouched (the fresh part opens and closes at one
    ///       price, paying fees and impact), and neither is paid more than its stated cap.
    function testFuzz_increaseNeverStretchesTheCap(uint256 sizeSeed, uint256 moveSeed, uint256 addSeed, bool isLong)
        public
    {
        uint256 size = bound(sizeSeed, 10_000, 300_000) * USD;
        uint256 add = bound(addSeed, 1000, 300_000) * USD;
        uint32 cap = uint32(bound(uint256(keccak256(abi.encode(sizeSeed, moveSeed))), 500, 30_000));
        _deposit(carol, 20_000_000 * USD);
        _setCap(ETH, cap);
        _mint(alice, size);
        _mint(bob, size + add + 5 * size);
        int256 aliceStart = _balance(alice);
        int256 bobStart = _balance(bob);
        vm.prank(alice);
        engine.increasePosition(ETH, isLong, size / 2, size, isLong ? MAX_PRICE : 0);
        vm.prank(bob);
        engine.increasePosition(ETH, isLong, size / 2, size, isLong ? MAX_PRICE : 0);
        // A move in the positions' favour of 1% to 4x the cap (so capped and uncapped both occur).
        uint256 favourBps = bound(moveSeed, 100, (isLong ? 4 * uint256(cap) : 9000));
        if (!isLong && favourBps > 9000) favourBps = 9000;
        _walkPrice(ETH, isLong ? 3000e18 * (10_000 + favourBps) / 10_000 : 3000e18 * (10_000 - favourBps) / 10_000);
        _refreshPrices();

        int256 cappedPnl = reader.positionStatus(alice, ETH, isLong).pnlUsd; // bob's is the same
        _close(alice, ETH, isLong);
        vm.recordLogs();
        vm.prank(bob); // collateral enough for the reopened notional (realized profit does not back it)
        try engine.increasePosition(ETH, isLong, add / 2 + 5 * size, add, isLong ? MAX_PRICE : 0) {
            IPerpEngine.TradeResult memory r = _lastTrade();
            assertEq(r.realizedPnlUsd, cappedPnl, "the increase realizes exactly the capped PnL alice was paid");
            assertLe(reader.positionStatus(bob, ETH, isLong).pnlUsd, 1, "nothing carried past the realization");
        } catch (bytes memory err) {
            // past its cap, an add too small to lift the merged cap over the price is refused (P-107)
            assertEq(bytes4(err), IPerpEngine.AtProfitCap.selector, "refused only past the cap");
            assertEq(uint256(cappedPnl), uint256(reader.positionStatus(bob, ETH, isLong).pnlUsd));
        }
        _close(bob, ETH, isLong);
        int256 limit = int256(size * cap / 10_000);
        assertLe(_balance(alice) - aliceStart, limit, "alice within the stated cap");
        assertLe(_balance(bob) - bobStart, limit, "bob within the stated cap, increase or not");
    }

    /// @dev The TradeResult of the last PositionIncreased/Decreased in the recorded logs.
    function _lastTrade() internal returns (IPerpEngine.TradeResult memory r) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; --i) {
            bytes32 sig = logs[i - 1].topics[0];
            if (sig == IPerpEngine.PositionIncreased.selector || sig == IPerpEngine.PositionDecreased.selector) {
                return abi.decode(logs[i - 1].data, (IPerpEngine.TradeResult));
            }
        }
        revert("no trade event");
    }

    /// P-53, fuzzed: an attacker's at-the-money open never lowers the NAV, with or without another position past its
    ///       cap, so depositing right after it and redeeming after the close does not profit across both accounts.
    function testFuzz_freshPositionNeverDepressesTheNav(uint256 sizeSeed, uint256 moveSeed, uint256 depositSeed)
        public
    {
        _deposit(carol, 10_000_000 * USD);
        _open(alice, ETH, true, 400_000 * USD, 2_000_000 * USD);
        _walkPrice(ETH, bound(moveSeed, 2500e18, 9000e18)); // alice below, at or far past her cap price
        _refreshPrices();
        uint256 size = bound(sizeSeed, 10_000, 2_000_000) * USD;
        uint256 deposit = bound(depositSeed, 100_000, 9_000_000) * USD;
        _mint(attacker, size + deposit);
        int256 start = _balance(attacker);
        uint256 navBefore = core.poolValueUsd();
        vm.startPrank(attacker);
        engine.increasePosition(ETH, true, size, size, MAX_PRICE);
        assertGe(core.poolValueUsd() + 1, navBefore, "the open never lowers the NAV");
        uint256 shares = pool.deposit(deposit, attacker);
        engine.decreasePosition(ETH, true, 0, engine.position(attacker, ETH, true).sizeUsd, 0);
        vm.stopPrank();
        skip(pool.cooldownSec() + 1);
        _refreshPrices();
        vm.prank(attacker);
        pool.redeem(shares, attacker, attacker);
        assertLe(_balance(attacker) - start, 0, "trader + LP round trip does not profit");
    }

    /// Review M-1: realizing on an increase moves the position's notional (and the skew) to its value; that move is
    ///       priced as impact with the trade, so a 1-unit increase after a gain cannot inflate the skew for free and
    ///       collect a larger rebate on the close. Two paths from the same state: close at once, or add 1 unit first.
    function testFuzz_realizingIncreaseCannotInflateTheSkewForFree(uint256 moveSeed) public {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.positiveImpactBps = 9000;
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        _deposit(carol, 40_000_000 * USD);
        _open(attacker, ETH, true, 2_000_000 * USD, 10_000_000 * USD);
        _walkPrice(ETH, bound(moveSeed, 3100e18, 6000e18));
        _refreshPrices();
        _mint(attacker, 10_000_000 * USD);
        uint256 snap = vm.snapshotState();
        _close(attacker, ETH, true);
        uint256 direct = usdc.balanceOf(attacker);
        vm.revertToState(snap);
        vm.prank(attacker);
        try engine.increasePosition(ETH, true, 10_000_000 * USD, 1 * USD, MAX_PRICE) {}
        catch (bytes memory err) {
            assertEq(bytes4(err), IPerpEngine.AtProfitCap.selector, "refused only past the cap (P-107)");
        }
        _close(attacker, ETH, true);
        assertLe(usdc.balanceOf(attacker), direct, "adding one unit before the close gains nothing");
    }

    /// P-53 / P-56: the NAV's trader-PnL term is, position by position, what closing would pay now or what the pool
    ///       could collect (first principles, Payoffs: each position valued at the price clamped between its floor and
    ///       cap prices), for longs and shorts, capped, bankrupt or neither, at any price.
    function testFuzz_nav_equalsSumOfWhatClosesPay(uint256 seed) public {
        _deposit(carol, 5_000_000 * USD);
        _setCap(ETH, 1500); // 15% on both sides, so shorts have cap prices too
        address[4] memory traders = [alice, bob, attacker, keeper];
        for (uint256 i; i < 4; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            _walkPrice(ETH, bound(r, 2400e18, 3600e18));
            _open(traders[i], ETH, r % 2 == 0, 50_000 * USD, bound(r >> 8, 20_000 * USD, 200_000 * USD));
        }
        uint256 price = bound(uint256(keccak256(abi.encode(seed, "p"))), 1500e18, 5000e18);
        _walkPrice(ETH, price);
        _refreshPrices();

        (int256 claim,,) = engine.poolClaimUsd(core.accrualNow().borrowIndexWad);
        int256 liability;
        int256 fees;
        for (uint256 i; i < 4; ++i) {
            for (uint256 side; side < 2; ++side) {
                bool isLong = side == 0;
                if (engine.position(traders[i], ETH, isLong).sizeUsd == 0) continue;
                IPerpEngine.Position memory pos = engine.position(traders[i], ETH, isLong);
                liability += Payoffs.owedAt(pos, isLong, price, _terms(ETH));
                IPerpEngine.PositionStatus memory s = reader.positionStatus(traders[i], ETH, isLong);
                fees += int256(s.borrowFeeUsd) + s.fundingFeeUsd;
                assertEq(s.pnlUsd, _payout(traders[i], ETH, isLong, price), "the status PnL is the capped PnL");
            }
        }
        assertApproxEqAbs(claim, fees - liability, 4 * 8 + 4, "claim = fees owed - what each position is owed");
        assertLe(claim, fees - liability, "rounded for the pool");
    }

    /// P-53: splitting a position across accounts changes nothing the pool pays: two 50,000 longs are paid what one
    ///       100,000 long is, at every price, capped or not.
    function testFuzz_capIsLinearAcrossAccounts(uint256 priceSeed) public {
        _deposit(carol, 1_000_000 * USD);
        _setCap(ETH, 2000);
        _open(alice, ETH, true, 20_000 * USD, 100_000 * USD);
        _open(bob, ETH, true, 10_000 * USD, 50_000 * USD);
        _open(dave, ETH, true, 10_000 * USD, 50_000 * USD);
        uint256 price = bound(priceSeed, 1000e18, 9000e18);
        int256 one = _payout(alice, ETH, true, price);
        int256 two = _payout(bob, ETH, true, price) + _payout(dave, ETH, true, price);
        assertApproxEqAbs(one, two, 2, "split = whole");
        assertLe(one, int256(20_000 * USD), "never above the stated 20% cap");
    }
}
