// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../../contracts/interfaces/IClearingCore.sol";
import {IOptionsBook} from "../../contracts/interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {MathLib} from "../../contracts/libraries/MathLib.sol";
import {OptionsLogic} from "../../contracts/options/OptionsLogic.sol";
import {OptionsSchedule} from "../../contracts/options/OptionsSchedule.sol";
import {IHistoricalPriceFeed} from "../../contracts/oracles/IHistoricalPriceFeed.sol";
import {IPriceFeed} from "../../contracts/oracles/IPriceFeed.sol";
import {BaseTest} from "./utils/Base.t.sol";

/// @notice The options product: listing schedule, trading, reserves, settlement, caps (P-70 to P-75, P-77 to P-79).
///         Expected values are recomputed here from the documented rules (payoffs, reserves, schedule), not read back
///         from the contract's own formulas.
contract OptionsTest is BaseTest {
    uint256 internal constant DAY = 1 days;
    uint256 internal constant AMOUNT = 10e18; // 10 ETH of options

    uint256[] internal ids;

    function setUp() public override {
        super.setUp();
        _deposit(carol, 10_000_000 * USD);
        ids = _listBoards(ETH);
    }

    // ------------------------------------------------------------ helpers

    function _buy(address who, uint256 boardId, uint256 k, bool isCall, uint256 amountWad)
        internal
        returns (uint256 premium)
    {
        return _buyOption(who, boardId, k, isCall, amountWad);
    }

    /// @dev ETH options' per-strike and per-board caps raised, for trades larger than the deployed caps allow.
    function _liftOptionCaps(uint256 maxStrikeOiWad, uint256 maxBoardReserveUsd)
        internal
        returns (IOptionsBook.OptionsConfig memory cfg)
    {
        cfg = options.config(ETH);
        cfg.maxStrikeOiWad = uint128(maxStrikeOiWad);
        cfg.maxBoardReserveUsd = uint64(maxBoardReserveUsd);
        vm.prank(admin);
        options.setConfig(ETH, cfg);
    }

    function _strike(uint256 boardId, uint256 k) internal view returns (uint256) {
        IOptionsBook.Board memory b = options.board(boardId);
        return b.firstStrikeWad + k * b.strikeStepWad;
    }

    /// @dev Payoff per token from the documented rule: put max(K - S, 0); call min(max(S - K, 0), K x cap).
    function _payoff(bool isCall, uint256 strike, uint256 price) internal view returns (uint256) {
        if (!isCall) return strike > price ? strike - price : 0;
        if (price <= strike) return 0;
        uint256 cap = strike * options.config(ETH).callCapBps / 10_000;
        return price - strike < cap ? price - strike : cap;
    }

    // ------------------------------------------------------------ listing

    /// P-70: boards follow the schedule (the next daily 08:00 UTC expiries, the next Fridays and the month-end Fridays),
    ///       strikes centre on spot at the configured step; listing is permissionless and idempotent.
    function test_listBoards_followsSchedule() public {
        // 1_700_000_000 is Tue 2023-11-14 22:13:20 UTC: dailies Wed 15 and Thu 16, Fridays 17 and 24, all 08:00 UTC;
        // the month-ends Fri Nov 24 (the same board as the weekly) and Fri Dec 29.
        uint256[5] memory want = [uint256(1_700_035_200), 1_700_121_600, 1_700_208_000, 1_700_812_800, 1_703_836_800];
        assertEq(ids.length, 5);
        for (uint256 i; i < 5; ++i) {
            IOptionsBook.Board memory b = options.board(ids[i]);
            assertEq(b.expiry, want[i]);
            assertEq(b.expiry % DAY, 8 hours, "08:00 UTC");
            assertEq(b.strikeCount, 11);
            assertEq(b.firstStrikeWad, 2500e18, "ATM 3000 - 5 x 100");
            assertEq(b.strikeStepWad, 100e18);
        }
        assertEq((want[2] / DAY + 4) % 7, 5, "a Friday");
        vm.prank(attacker);
        assertEq(options.listBoards(ETH), 0, "nothing new is due");
        // Three days later (Fri 17, 22:13) the dailies Sat 18 and Sun 19 and the Friday Dec 1 are due.
        _setPriceAfter(ETH, 3210e18, 3 * DAY);
        vm.prank(attacker);
        assertEq(options.listBoards(ETH), 3, "two dailies and a Friday join");
        uint256[] memory after_ = options.liveBoards(ETH);
        IOptionsBook.Board memory nb = options.board(after_[after_.length - 1]);
        assertEq(nb.expiry, 1_701_417_600);
        assertEq(nb.firstStrikeWad, 2700e18, "centred on the new spot: 3200 - 500");
    }

    /// The month-end expiry is the month's last Friday at 08:00 UTC: across month and year ends and leap Februaries
    /// (expected values from Python's calendar module).
    function test_lastFridayOfMonth_calendar() public pure {
        uint256[4] memory nov23On = [uint256(1_700_812_800), 1_703_836_800, 1_706_256_000, 1_708_675_200];
        for (uint256 k; k < 4; ++k) {
            assertEq(OptionsSchedule.lastFridayOfMonth(1_700_000_000, k), nov23On[k]); // Nov 2023 .. Feb 2024
        }
        assertEq(OptionsSchedule.lastFridayOfMonth(1_709_164_800, 0), 1_708_675_200); // 2024-02-29: Fri Feb 23
        assertEq(OptionsSchedule.lastFridayOfMonth(951_782_400, 0), 951_465_600); // 2000-02-29 (leap century)
        assertEq(OptionsSchedule.lastFridayOfMonth(1_798_675_200, 0), 1_798_185_600); // 2026-12-31: Fri Dec 25
        assertEq(OptionsSchedule.lastFridayOfMonth(1_798_675_200, 1), 1_801_209_600); // Jan 2027
        assertEq(OptionsSchedule.lastFridayOfMonth(4_102_444_800, 0), 4_104_892_800); // 2100-01-01 (not leap)
    }

    /// Property: the month-end is a Friday at 08:00 UTC, at or after `timestamp`'s month start, and a week later is in
    /// the next month's listing (the next month-end is 4 or 5 weeks on).
    function testFuzz_lastFridayOfMonth_isTheLastFriday(uint256 timestamp, uint8 ahead) public pure {
        timestamp = bound(timestamp, 0, 4_000_000_000);
        uint256 k = bound(ahead, 0, 24);
        uint256 r = OptionsSchedule.lastFridayOfMonth(timestamp, k);
        uint256 next = OptionsSchedule.lastFridayOfMonth(timestamp, k + 1);
        assertEq((r / DAY + 4) % 7, 5, "a Friday");
        assertEq(r % DAY, 8 hours, "08:00 UTC");
        assertTrue(next - r == 28 * DAY || next - r == 35 * DAY, "the next month-end is 4 or 5 weeks on");
        if (k == 0) assertLt(timestamp, r + 31 * DAY, "within the month");
    }

    // ------------------------------------------------------------ trading

    /// P-71: a buy pays the premium into pool cash and reserves the option's maximum payout: a put its strike, a call
    ///       its strike x the cap; a sale releases exactly that reserve.
    function test_buy_reservesMaxPayout() public {
        uint256 cash0 = _poolCash();
        uint256 boardId = ids[2];
        uint256 premium = _buy(alice, boardId, 5, false, AMOUNT);
        uint256 putReserve = AMOUNT * _strike(boardId, 5) / 1e30; // 10 x 3000 = 30,000 USD
        assertEq(_poolCash(), cash0 + premium, "premium to the pool");
        assertEq(core.productLedger(address(options)).reservedUsd, putReserve);
        uint256 premium2 = _buy(bob, boardId, 4, true, AMOUNT);
        uint256 callReserve = AMOUNT * (_strike(boardId, 4) * 10_000 / 10_000) / 1e30; // cap 100% of 2900
        assertEq(core.productLedger(address(options)).reservedUsd, putReserve + callReserve);
        assertEq(core.poolState().reservedUsd, putReserve + callReserve, "one solvency ledger for both products");
        assertEq(options.holding(bob, boardId, 4, true), AMOUNT);
        assertGt(premium2, (3000e18 - 2900e18) * AMOUNT / 1e30, "an in-the-money call costs more than intrinsic");

        vm.prank(bob);
        options.sell(boardId, 4, true, AMOUNT, 0);
        assertEq(core.productLedger(address(options)).reservedUsd, putReserve, "the sale releases its reserve");
        assertEq(options.holding(bob, boardId, 4, true), 0);
    }

    /// P-71: the ask is never below intrinsic value, even where the capped call's Black-Scholes value is.
    function test_buy_premiumAtLeastIntrinsic() public {
        _setPrice(ETH, 6100e18); // far above the 2500 call's cap strike 5000: intrinsic = the cap, 2500
        IOptionsBook.Quote memory q = options.quote(ids[3], 0, true, true, AMOUNT);
        assertGe(q.perTokenWad, 2500e18);
        q = options.quote(ids[3], 10, false, true, AMOUNT); // 3500 put at 6100: worthless
        assertGt(q.premiumUsd, 0, "the ask of a far out-of-the-money option is still positive");
    }

    /// P-72: buying and selling back in the same block never earns anything, whatever the option, amount or board.
    /// A trader's premium bound holds to the unit: one unit tighter than the quote reverts with both numbers and leaves
    /// the open interest, the holding, the reserve and the book as they were; the quote itself fills.
    function test_trade_premiumBounds() public {
        uint256 boardId = ids[ids.length - 1];
        IOptionsBook.Quote memory ask = options.quote(boardId, 5, true, true, 2e18);
        _mint(alice, ask.premiumUsd);
        uint256 reservedBefore = core.productLedger(address(options)).reservedUsd;
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.PremiumAboveMax.selector, ask.premiumUsd, ask.premiumUsd - 1)
        );
        options.buy(boardId, 5, true, 2e18, ask.premiumUsd - 1);
        (uint256 callOi,) = options.strikeOi(boardId, 5);
        assertEq(callOi, 0, "no open interest");
        assertEq(options.holding(alice, boardId, 5, true), 0, "no holding");
        assertEq(core.productLedger(address(options)).reservedUsd, reservedBefore, "no reserve");
        vm.prank(alice);
        assertEq(options.buy(boardId, 5, true, 2e18, ask.premiumUsd), ask.premiumUsd);

        IOptionsBook.Quote memory bid = options.quote(boardId, 5, true, false, 1e18);
        IOptionsBook.BookView memory bookBefore = options.book(ETH);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.PremiumBelowMin.selector, bid.premiumUsd, bid.premiumUsd + 1)
        );
        options.sell(boardId, 5, true, 1e18, bid.premiumUsd + 1);
        assertEq(options.holding(alice, boardId, 5, true), 2e18, "holding kept");
        assertEq(options.book(ETH).valueWad, bookBefore.valueWad, "book unchanged");
        vm.prank(alice);
        assertEq(options.sell(boardId, 5, true, 1e18, bid.premiumUsd), bid.premiumUsd);
    }

    function testFuzz_buyThenSell_neverProfits(uint256 boardSeed, uint256 k, bool isCall, uint256 amountWad) public {
        uint256 boardId = ids[bound(boardSeed, 0, ids.length - 1)];
        k = bound(k, 0, 10);
        amountWad = bound(amountWad, 1e3, 100e9) * 1e9; // whole lots
        uint256 paid = _buy(attacker, boardId, k, isCall, amountWad);
        vm.prank(attacker);
        uint256 got = options.sell(boardId, k, isCall, amountWad, 0);
        assertLe(got, paid, "round trip never profits");
        assertEq(options.holding(attacker, boardId, k, isCall), 0);
        assertEq(core.productLedger(address(options)).reservedUsd, 0, "every reserve released");
    }

    /// P-70: two strikes' calls and puts share a storage slot (64-bit lanes of 1e-9 token lots); each strike's and
    ///       type's open interest is exactly the sum of what was bought less what was sold there, whatever the other
    ///       lanes do (a carry or a borrow across lanes would show in the other strike or type; the strike cap, at most
    ///       1e27 wei, keeps each lane below 2^64 lots), and the mask bit is set exactly while it is above zero.
    function testFuzz_openInterest_pairedStrikesStayApart(uint256 seed) public {
        uint256 boardId = ids[ids.length - 1];
        _liftOptionCaps(1e27, 1e18);
        _deposit(carol, 1_000_000_000 * USD);
        uint256[8] memory want; // strike 4, 5 (one pair) x call, put, held by alice or bob
        for (uint256 step; step < 12; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 slot = r % 8;
            (uint256 k, bool isCall, address who) = (4 + slot % 2, (slot >> 1) % 2 == 0, slot < 4 ? alice : bob);
            uint256 amount = bound(r >> 8, 1, 300e9) * 1e9;
            if ((r >> 200) % 3 == 0 && want[slot] > 0) {
                amount = bound(r >> 8, 1, want[slot] / 1e9) * 1e9;
                vm.prank(who);
                options.sell(boardId, k, isCall, amount, 0);
                want[slot] -= amount;
            } else {
                _buy(who, boardId, k, isCall, amount);
                want[slot] += amount;
            }
            uint256 mask = options.board(boardId).oiMask;
            for (uint256 kk = 4; kk <= 5; ++kk) {
                (uint256 calls, uint256 puts) = options.strikeOi(boardId, kk);
                uint256 wantCalls = want[kk - 4] + want[kk - 4 + 4];
                uint256 wantPuts = want[kk - 4 + 2] + want[kk - 4 + 6];
                assertEq(calls, wantCalls, "calls");
                assertEq(puts, wantPuts, "puts");
                assertEq(mask >> kk & 1, wantCalls + wantPuts > 0 ? 1 : 0, "the strike's bit");
            }
        }
    }

    /// P-70: an option amount is a whole number of lots (1e-9 token), for a quote as for a trade.
    function test_trade_amountNotInLots_refused() public {
        uint256 boardId = ids[1];
        bytes memory err = abi.encodeWithSelector(IOptionsBook.AmountNotInLots.selector, 1e18 + 1, 1e9);
        vm.expectRevert(err);
        options.quote(boardId, 5, true, true, 1e18 + 1);
        vm.expectRevert(err);
        vm.prank(alice);
        options.buy(boardId, 5, true, 1e18 + 1, type(uint256).max);
        _buy(alice, boardId, 5, true, 1e18 + 1e9);
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.AmountNotInLots.selector, 1e9 - 1, 1e9));
        vm.prank(alice);
        options.sell(boardId, 5, true, 1e9 - 1, 0);
        vm.prank(alice);
        options.sell(boardId, 5, true, 1e9, 0);
        (uint256 calls,) = options.strikeOi(boardId, 5);
        assertEq(calls, 1e18);
    }

    /// @dev One of ETH's live boards listed with `capBps` and still open to trade a minute from now, chosen by `seed`
    ///      (bound over them rather than assumed).
    function _openBoardWithCap(uint256 capBps, uint256 cutoffSec, uint256 seed) internal view returns (uint256) {
        uint256[] memory live = options.liveBoards(ETH);
        uint256[] memory eligible = new uint256[](live.length);
        uint256 n;
        for (uint256 i; i < live.length; ++i) {
            IOptionsBook.Board memory c = options.board(live[i]);
            if (c.callCapBps == capBps && c.expiry > block.timestamp + cutoffSec + 60) eligible[n++] = live[i];
        }
        assertGt(n, 0, "boards listed with the cap");
        return eligible[bound(seed, 0, n - 1)];
    }

    /// P-72: a capped call's bid never exceeds its ask, whatever the sign of its vega. A capped call is the call
    ///       spread K / capK, and deep in the money (spot nearer the cap than the strike) the cap leg's vega is the
    ///       larger, so the spread loses value as volatility rises. Priced at one trade volatility (the ask's above
    ///       mid, the bid's below), such a call's bid sat above its mid and its ask below: with a small oracle lag a
    ///       buy and an immediate sale paid (found by a review). Each leg is now priced on its own side of the
    ///       surface. Fuzzed over the cap, the lag, the move since listing (inside the sampling interval, so the next
    ///       sample's surface differs from today's), every strike and board.
    function testFuzz_cappedCall_bidNeverAboveAsk(
        uint256 capSeed,
        uint256 lagSeed,
        uint256 moveSeed,
        uint256 k,
        uint256 boardSeed,
        uint256 amountSeed
    ) public {
        IOptionsBook.OptionsConfig memory cfg = options.config(ETH);
        cfg.callCapBps = uint16(bound(capSeed, 1000, 10_000));
        vm.prank(admin);
        options.setConfig(ETH, cfg);
        IPerpEngine.MarketConfig memory mc = reader.marketConfig(ETH);
        mc.oracleLagBps = uint16(bound(lagSeed, 0, 10));
        vm.prank(admin);
        engine.setMarketConfig(ETH, mc);
        // Three days on, new boards list with the new cap around 3,000.
        _setPriceAfter(ETH, 3000e18, 3 * DAY);
        options.listBoards(ETH);
        uint256 boardId = _openBoardWithCap(cfg.callCapBps, cfg.tradingCutoffSec, boardSeed);
        IOptionsBook.Board memory b = options.board(boardId);
        // Spot moves up 0-40% a few seconds later, inside the sampling interval.
        _setPriceAfter(ETH, 3000e18 * (10_000 + bound(moveSeed, 0, 4000)) / 10_000, 5);
        k = bound(k, 0, b.strikeCount - 1);
        uint256 amount = bound(amountSeed, 1e8, 20e9) * 1e9; // whole lots
        IOptionsBook.Quote memory ask = options.quote(boardId, k, true, true, amount);
        IOptionsBook.Quote memory bid = options.quote(boardId, k, true, false, amount);
        // Up to the legs' fixed-point error (1e-12 relative: deep in the money both legs are flat in volatility and
        // differ by a few thousand wei on a value of hundreds of tokens-worth); the bug put the bid 0.2% above mid.
        assertLe(bid.perTokenWad, ask.perTokenWad + ask.perTokenWad / 1e12, "bid <= ask per token");
        assertLe(ask.greeks.valueWad, ask.perTokenWad + ask.greeks.valueWad / 1e12, "the ask is at or above mid");
        assertLe(bid.perTokenWad, bid.greeks.valueWad + bid.greeks.valueWad / 1e12, "the bid is at or below mid");
        uint256 paid = _buy(attacker, boardId, k, true, amount);
        vm.prank(attacker);
        uint256 got = options.sell(boardId, k, true, amount, 0);
        assertLe(got, paid, "round trip never profits");
    }

    /// P-72: an ask never exceeds what a token can pay. Priced leg by leg, a narrow-capped call's ask (the strike's
    ///       leg at mid + spread, the cap leg at mid - spread) can pass its cap when the spread is wide: at the
    ///       money, a 10% cap and a 0.5 spread price a month's call spread at about 0.15 K against its 0.10 K
    ///       maximum (found by a review). The ask stops at the maximum payout; the bid stays below it.
    function test_buy_askNeverAboveTheMaximumPayout() public {
        IOptionsBook.OptionsConfig memory cfg = options.config(ETH);
        cfg.callCapBps = 1000;
        cfg.spreadVolWad = 0.5e18;
        cfg.monthlyExpiries = 3; // month-ends two and three months out join, with this cap
        vm.prank(admin);
        options.setConfig(ETH, cfg);
        _setPriceAfter(ETH, 3000e18, 3 * DAY);
        options.listBoards(ETH);
        uint256[] memory live = options.liveBoards(ETH);
        uint256 boardId; // the latest expiry, a month or more out (the live list has no set order)
        for (uint256 j; j < live.length; ++j) {
            if (boardId == 0 || options.board(live[j]).expiry > options.board(boardId).expiry) boardId = live[j];
        }
        IOptionsBook.Board memory b = options.board(boardId);
        assertEq(b.callCapBps, 1000);
        assertGt(b.expiry, block.timestamp + 25 * DAY);
        uint256 k = (3000e18 - b.firstStrikeWad) / b.strikeStepWad; // at the money
        uint256 strike = b.firstStrikeWad + k * b.strikeStepWad;
        uint256 most = strike / 10; // the cap: 10% of the strike per token, from the documented rule
        IOptionsBook.Quote memory ask = options.quote(boardId, k, true, true, 1e18);
        IOptionsBook.Quote memory bid = options.quote(boardId, k, true, false, 1e18);
        assertEq(ask.perTokenWad, most, "the ask stops at the maximum payout");
        assertLt(bid.perTokenWad, most, "the bid below it");
        assertLt(ask.greeks.valueWad, most, "mid below it");
        uint256 paid = _buy(alice, boardId, k, true, 1e18);
        assertEq(paid, most / 1e12 + ask.impactUsd, "the premium: the maximum payout plus the impact");
    }

    /// P-72: seeing a push-oracle update coming earns nothing: buying at the old price and selling back after a move
    ///       up to the feed's deviation threshold (ETH: 50 bps) loses, whatever the option and board.
    function testFuzz_frontRunOracleUpdate_neverProfits(
        uint256 boardSeed,
        uint256 k,
        bool isCall,
        uint256 moveBps,
        bool up
    ) public {
        uint256 boardId = ids[bound(boardSeed, 0, ids.length - 1)];
        k = bound(k, 0, 10);
        moveBps = bound(moveBps, 0, 50);
        uint256 paid = _buy(attacker, boardId, k, isCall, 10e18);
        uint256 p0 = _price(ETH);
        _setPrice(ETH, up ? p0 * (10_000 + moveBps) / 10_000 : p0 * (10_000 - moveBps) / 10_000);
        vm.prank(attacker);
        uint256 got = options.sell(boardId, k, isCall, 10e18, 0);
        assertLe(got, paid, "the lag charge and the spread cover a move the oracle could hide");
    }

    /// P-72: an update the oracle has not yet published is worth nothing to a trader who sees it coming, however near
    ///       the expiry: the ask covers the option's own mid value after a move up to the feed's deviation threshold
    ///       (the way the option gains: up for a call, down for a put), and the bid is at most its mid value after the
    ///       move the other way. Recomputed from the pool's own mark after the move (its mid, the NAV's price). A review
    ///       found the lag charged on delta alone: near expiry an option's convexity made a lag-sized move worth more
    ///       than |delta| x S x lag (an at-the-money call an hour before the cutoff, bought before a 50 bps update,
    ///       marked about 2 USD a token above its ask), so a buyer could hold it to settlement at the LPs' cost.
    function testFuzz_lagWithinThreshold_revaluationCovered(uint256 k, bool isCall, uint256 moveBps, uint256 beforeSec)
        public
    {
        uint256 boardId = ids[0];
        for (uint256 j = 1; j < ids.length; ++j) {
            if (options.board(ids[j]).expiry < options.board(boardId).expiry) boardId = ids[j];
        }
        uint256 lagBps = reader.marketConfig(ETH).oracleLagBps;
        assertGt(lagBps, 0, "a push feed's deviation threshold");
        k = bound(k, 3, 7); // the strikes around the money, where the convexity is
        moveBps = bound(moveBps, lagBps / 2, lagBps);
        uint256 cutoffAt = options.board(boardId).expiry - options.config(ETH).tradingCutoffSec;
        assertGt(cutoffAt, block.timestamp + 60, "the nearest board still trades");
        vm.warp(cutoffAt - bound(beforeSec, 60, MathLib.min(12 hours, cutoffAt - block.timestamp))); // time moves on only
        _refreshPrices();
        engine.poke(ETH); // the interval's sample taken (what a due sample adds is P-86's and P-90's)
        uint256 p0 = _price(ETH);
        uint256 ask = options.quote(boardId, k, isCall, true, 1e18).perTokenWad;
        uint256 bid = options.quote(boardId, k, isCall, false, 1e18).perTokenWad;
        // The next second, the update published: up or down by moveBps (the pool's mark there: its mid).
        uint256 snap = vm.snapshotState();
        _setPrice(ETH, p0 * (10_000 + moveBps) / 10_000);
        uint256 midUp = options.quote(boardId, k, isCall, true, 1e18).greeks.valueWad;
        vm.revertToState(snap);
        _setPrice(ETH, p0 * (10_000 - moveBps) / 10_000);
        uint256 midDown = options.quote(boardId, k, isCall, true, 1e18).greeks.valueWad;
        // Within the pricing's stated accuracy (P-95: 1e-6 USD a token for premiums under 1 USD; one second of time
        // passes): what a failure looked like was 7.8e-3 USD on an in-the-money call.
        assertGe(ask + 1e12, isCall ? midUp : midDown, "the ask covers the option's value after the update");
        assertLe(bid, (isCall ? midDown : midUp) + 1e12, "the bid is at most its value after the move the other way");
    }

    /// P-77: trading stops at the cutoff; after it, holders wait for settlement.
    function test_trade_closedAtCutoff() public {
        uint256 boardId = ids[0];
        _buy(alice, boardId, 5, true, AMOUNT);
        IOptionsBook.Board memory b = options.board(boardId);
        uint256 cutoffAt = b.expiry - options.config(ETH).tradingCutoffSec;
        vm.warp(cutoffAt);
        _refreshPrices();
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.TradingClosed.selector, boardId, cutoffAt, cutoffAt));
        vm.prank(alice);
        options.sell(boardId, 5, true, AMOUNT, 0);
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.BoardNotExpired.selector, boardId, b.expiry, cutoffAt));
        options.settleBoard(boardId, 1);
    }

    /// P-78: open interest per strike and type and each board's reserve are capped.
    function test_caps_strikeAndBoard() public {
        IOptionsBook.OptionsConfig memory cfg = options.config(ETH);
        uint256 boardId = ids[1];
        uint256 cap = cfg.maxStrikeOiWad;
        uint256 upToCap = cap / 1e9 * 1e9; // whole lots
        _buy(alice, boardId, 5, true, upToCap);
        IOptionsBook.Quote memory q = options.quote(boardId, 5, true, true, 1e18);
        _mint(alice, q.premiumUsd);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.StrikeOiCapExceeded.selector, boardId, 5, upToCap + 1e18, cap)
        );
        vm.prank(alice);
        options.buy(boardId, 5, true, 1e18, q.premiumUsd);

        cfg.maxBoardReserveUsd = uint64(100_000 * USD);
        vm.prank(admin);
        options.setConfig(ETH, cfg);
        uint256 reserved = options.board(boardId).reservedUsd;
        q = options.quote(boardId, 6, false, true, 1e18);
        _mint(bob, q.premiumUsd);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsBook.BoardReserveCapExceeded.selector, boardId, reserved + q.reserveUsd, 100_000 * USD
            )
        );
        vm.prank(bob);
        options.buy(boardId, 6, false, 1e18, q.premiumUsd);
    }

    /// P-74 (reserves across products): the pool's utilization limit covers perpetual and option reserves together.
    function test_solvency_coversPerpsAndOptions() public {
        // Perpetual longs reserve maxProfitBps (100%) of their size: 8.5M of reserves on 10M of cash (limit 90%).
        for (uint256 i; i < 17; ++i) {
            _open(address(uint160(0x1000 + i)), ETH, true, 100_000 * USD, 500_000 * USD);
        }
        uint256 reserved = core.poolState().reservedUsd;
        uint256 maxReservable = _poolCash() * 9000 / 10_000;
        assertGt(reserved, 8_000_000 * USD);
        IOptionsBook.Quote memory q = options.quote(ids[3], 10, false, true, 300e18); // 300 x 3500 = 1.05M of puts
        _mint(alice, q.premiumUsd);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingCore.InsufficientLiquidity.selector,
                reserved + q.reserveUsd,
                (_poolCash() + q.premiumUsd) * 9000 / 10_000
            )
        );
        vm.prank(alice);
        options.buy(ids[3], 10, false, 300e18, q.premiumUsd);
        assertLe(reserved, maxReservable);
    }

    /// P-79: the impact charges exposure the trade adds to the pool; a trade that offsets the pool's net delta (here
    ///       against the perpetuals' skew) pays less than the same trade on a flat pool.
    function test_impact_offsettingTradesPayLess() public {
        uint256 boardId = ids[3];
        IOptionsBook.Quote memory flat = options.quote(boardId, 5, false, true, 100e18);
        // Perpetual longs leave the pool short 2M USD of ETH; a put buyer hands the pool long delta.
        _open(alice, ETH, true, 400_000 * USD, 2_000_000 * USD);
        IOptionsBook.Quote memory offset = options.quote(boardId, 5, false, true, 100e18);
        assertLt(offset.impactUsd, flat.impactUsd, "a put offsets the pool's short delta");
        IOptionsBook.Quote memory adds = options.quote(boardId, 5, true, true, 100e18);
        assertGt(adds.impactUsd, flat.impactUsd, "a call adds to it");
    }

    /// P-79: a trade that carries the pool's net delta through zero pays for the exposure past zero, as the
    ///       perpetuals' impact does: the same buys in one trade or in two pay the same (review AR: one trade from -S to
    ///       +S paid no delta impact, two halves S^2 / 2K, 7,998 USD on a 4M USD flip).
    function test_impact_crossingZero_samePaidInOneTradeOrTwo() public {
        IOptionsBook.OptionsConfig memory cfg = _liftOptionCaps(1e24, 1e15);
        cfg.vegaScaleUsd = type(uint64).max; // the vega impact out of the way: the delta's alone is measured
        vm.prank(admin);
        options.setConfig(ETH, cfg);
        _deposit(carol, 90_000_000 * USD);
        uint256 boardId = ids[3];
        _open(alice, ETH, true, 1_000_000 * USD, 4_000_000 * USD); // the pool is short about 4M USD of ETH
        IOptionsBook.Quote memory one = options.quote(boardId, 5, false, true, 1e18);
        // puts with about 8M USD of delta: the pool's net delta goes from about -4M to about +4M
        uint256 amount = (8_000_000e36 / (uint256(-one.greeks.deltaWad) * _price(ETH) / 1e18)) / 2e9 * 2e9;
        IOptionsBook.Quote memory whole = options.quote(boardId, 5, false, true, amount);
        uint256 snap = vm.snapshotState();
        uint256 halves = options.quote(boardId, 5, false, true, amount / 2).impactUsd;
        _buy(bob, boardId, 5, false, amount / 2);
        halves += options.quote(boardId, 5, false, true, amount / 2).impactUsd;
        vm.revertToState(snap);
        // the delta part past zero alone is about (4M)^2 / (2 x deltaScaleUsd), 8,000 USD at the deployed 1B
        uint256 pastZeroUsd = uint256(4_000_000) ** 2 * USD / (2 * cfg.deltaScaleUsd);
        assertGt(whole.impactUsd, pastZeroUsd * 9 / 10, "the flip pays for the exposure past zero");
        assertLt(whole.impactUsd, pastZeroUsd * 11 / 10, "and for nothing more");
        assertApproxEqRel(whole.impactUsd, halves, 0.01e18, "one trade or two: the same impact");
    }

    /// P-71: liquidity is never free to lock: the ask is at least minPremiumBps of the maximum payout it reserves, so a
    ///       near-worthless far put an hour before the cutoff still costs 5 bps of its strike (locking a board's
    ///       reserve cap costs 10,000 USD per 20M, not a few dollars).
    function test_buy_minPremiumPricesTheReserve() public {
        uint256 boardId = ids[0];
        IOptionsBook.Board memory b = options.board(boardId);
        vm.warp(b.expiry - options.config(ETH).tradingCutoffSec - 10 minutes);
        _refreshPrices();
        IOptionsBook.Quote memory q = options.quote(boardId, 0, false, true, 100e18); // the 2,500 put at 3,000
        assertLt(q.greeks.valueWad, 1e15, "worth under a tenth of a cent");
        uint256 floor = 100e18 * (2500e18 * 5 / 10_000) / 1e30; // 5 bps of 250,000 reserved: 125 USD
        assertGe(q.premiumUsd, floor);
        assertLt(q.premiumUsd, floor + 2 * USD, "the floor, not more");
    }

    /// P-71: sales release the reserve of the total they remove (differences of rounded-up totals), so selling in 1-wei
    ///       pieces cannot release other holders' reserve.
    function test_sellInPieces_releasesNoMoreThanAtOnce() public {
        uint256 boardId = ids[2];
        _buy(alice, boardId, 6, false, 3e18 + 1e9);
        _buy(bob, boardId, 6, false, 2e18 + 7e9);
        for (uint256 i; i < 5; ++i) {
            vm.prank(alice);
            options.sell(boardId, 6, false, 1e9, 0); // one lot at a time
        }
        vm.prank(alice);
        options.sell(boardId, 6, false, 3e18 - 4e9, 0);
        uint256 strike = _strike(boardId, 6);
        uint256 want = ((2e18 + 7e9) * strike + 1e30 - 1) / 1e30; // ceil(bob's amount x strike)
        assertEq(options.board(boardId).reservedUsd, want, "exactly bob's reserve is left");
        assertEq(core.productLedger(address(options)).reservedUsd, want);
    }

    /// P-70: a board's open-interest mask has bit i exactly while strike i has calls or puts open (a refresh and a
    ///       settlement read only those); ids outside the listed range are unknown boards.
    function test_oiMask_tracksOpenStrikes() public {
        uint256 boardId = ids[1];
        assertEq(options.board(boardId).oiMask, 0, "nothing open");
        uint256 callAmount = 2e18;
        _buy(alice, boardId, 2, true, callAmount);
        _buy(bob, boardId, 6, false, 1e18);
        _buy(bob, boardId, 2, false, 1e18);
        assertEq(options.board(boardId).oiMask, (1 << 2) | (1 << 6));
        vm.prank(alice);
        options.sell(boardId, 2, true, callAmount, 0);
        assertEq(options.board(boardId).oiMask, (1 << 2) | (1 << 6), "strike 2 still has a put open");
        vm.prank(bob);
        options.sell(boardId, 2, false, 1e18, 0);
        assertEq(options.board(boardId).oiMask, 1 << 6, "strike 2 closed");
        assertEq(options.board(ids[0]).oiMask, 0, "other boards untouched");

        uint256 count = options.boardCount();
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.UnknownBoard.selector, 0));
        options.board(0);
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.UnknownBoard.selector, count + 1));
        options.board(count + 1);
        assertGt(options.board(count).expiry, 0, "the last listed board is known");
    }

    /// @dev Alice buys AMOUNT of the first board's 2900 call, which then settles at 3050 (owed: 150 a token).
    function _aliceCallSettledAt3050() internal returns (uint256 boardId) {
        boardId = ids[0];
        _buy(alice, boardId, 4, true, AMOUNT); // 2900 call
        vm.warp(options.board(boardId).expiry);
        _setPrice(ETH, 3050e18);
        options.settleBoard(boardId, IHistoricalPriceFeed(address(ethFeed)).latestRoundId());
    }

    /// P-75: a holder the token refuses (a blocklisted address) is still paid: claimTo sends the payoff elsewhere, so
    ///       the payout never stays reserved for good (a review found claim the only way out, paying the holder
    ///       alone). Exactly the payoff, once; never to address(0) or the core.
    function test_claimTo_paysAHolderTheTokenRefuses() public {
        uint256 boardId = _aliceCallSettledAt3050();
        uint256 owed = AMOUNT * 150e18 / 1e30; // (3050 - 2900) x 10 tokens, from the payoff rule
        vm.mockCallRevert(address(usdc), abi.encodeWithSelector(usdc.transfer.selector, alice), "blocklisted");
        vm.prank(alice);
        vm.expectRevert();
        options.claim(boardId, 4, true);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.InvalidReceiver.selector, address(0)));
        options.claimTo(boardId, 4, true, address(0));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.InvalidReceiver.selector, address(core)));
        options.claimTo(boardId, 4, true, address(core));
        // nor the vault, whose balance is its claimants' deferred payouts (review BD: a payoff sent there was stuck)
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.InvalidReceiver.selector, address(pool)));
        options.claimTo(boardId, 4, true, address(pool));
        uint256 before = usdc.balanceOf(dave);
        vm.prank(alice);
        assertEq(options.claimTo(boardId, 4, true, dave), owed);
        assertEq(usdc.balanceOf(dave) - before, owed, "paid to the address alice named");
        assertEq(options.board(boardId).owedUsd, 0, "nothing left owed");
        vm.prank(alice);
        vm.expectRevert();
        options.claimTo(boardId, 4, true, dave); // claimed once
    }

    /// P-75 (review BF, held): three holders of odd amounts of in-the-money calls and puts on one board each claim
    ///       their payoff from the rule (to 2 micro-USD), a second claim pays nothing, the claims never exceed what
    ///       settlement owed, and what stays reserved after every claim is rounding dust (nothing paid twice or stuck).
    function test_claims_sumToOwed_noneTwice_noneStuck() public {
        uint256 board = ids[0];
        address[3] memory holders = [alice, bob, attacker];
        uint256[3] memory amounts = [uint256(123.456789123e18), uint256(7.000000001e18), uint256(3.141592653e18)];
        for (uint256 i; i < 3; ++i) {
            _buy(holders[i], board, 4, true, amounts[i]); // 2,900 call
            _buy(holders[i], board, 6, false, amounts[i]); // 3,100 put
        }
        vm.warp(options.board(board).expiry);
        _setPrice(ETH, 3013.37e18);
        options.settleBoard(board, IHistoricalPriceFeed(address(ethFeed)).latestRoundId());
        uint256 owed = options.board(board).owedUsd;
        uint256 paid;
        for (uint256 i; i < 3; ++i) {
            uint256 before = usdc.balanceOf(holders[i]);
            vm.startPrank(holders[i]);
            paid += options.claim(board, 4, true);
            paid += options.claim(board, 6, false);
            vm.expectRevert(
                abi.encodeWithSelector(IOptionsBook.NoPayoff.selector, holders[i], options.optionId(board, 4, true))
            );
            options.claim(board, 4, true);
            vm.stopPrank();
            uint256 expected = amounts[i] * (3013.37e18 - 2900e18) / 1e30 + amounts[i] * (3100e18 - 3013.37e18) / 1e30;
            assertApproxEqAbs(usdc.balanceOf(holders[i]) - before, expected, 2, "each holder paid its payoff");
        }
        assertLe(paid, owed, "claims never exceed what settlement owed");
        assertEq(options.board(board).reservedUsd, 0, "a settled board reserves nothing");
        assertEq(core.productLedger(address(options)).reservedUsd, 0, "nor does the options ledger");
        assertEq(core.productLedger(address(options)).collateralUsd, owed - paid, "the holders' money less the claims");
        assertLe(owed - paid, 6, "what stays is rounding dust");
    }

    /// P-76, P-41: once every option of the market has settled, the keeper's refresh leaves no expansion and takes the
    ///       product out of the NAV's set: the payouts still owed left the pool's cash at settlement (the holders'
    ///       money in the product's collateral ledger), so the NAV is the cash less exactly them, unvalued, and a new
    ///       volatility sample does not hold LP flows up; a claim does not move the NAV.
    function test_refresh_nothingOpen_navCountsOwedOnly() public {
        uint256 boardId = ids[0];
        _buy(alice, boardId, 4, true, AMOUNT); // 2900 call
        vm.warp(options.board(boardId).expiry);
        _setPrice(ETH, 3050e18);
        uint256 cash0 = _poolCash();
        options.settleBoard(boardId, IHistoricalPriceFeed(address(ethFeed)).latestRoundId());
        options.refresh(ETH);
        assertEq(options.book(ETH).refAt, 0, "nothing open: no expansion to keep fresh");
        assertTrue(core.productLedger(address(options)).idle, "only payouts owed: the NAV skips the product");
        uint256 owed = AMOUNT * 150e18 / 1e30; // (3050 - 2900) x 10 tokens, from the payoff rule
        assertEq(options.book(ETH).owedUsd, owed);
        assertEq(core.productLedger(address(options)).collateralUsd, owed, "held for the holders");
        assertEq(core.poolValueUsd(), cash0 - owed, "the NAV is the cash less the payouts owed");

        // A later interval's price is a new volatility sample (a trade or a poke takes it): LP flows go on.
        _setPriceAfter(ETH, 3080e18, reader.marketConfig(ETH).sampleIntervalSec);
        engine.poke(ETH);
        assertEq(uint256(options.staleness(ETH)), uint256(IOptionsBook.Staleness.Fresh));
        assertEq(core.poolValueUsd(), cash0 - owed);
        uint256 shares = _deposit(bob, 1000 * USD);
        assertGt(shares, 0);
        uint256 navBefore = core.poolValueUsd();
        vm.prank(alice);
        assertEq(options.claim(boardId, 4, true), owed);
        assertEq(core.poolValueUsd(), navBefore, "a claim pays the holders' money: the NAV does not move");
        assertEq(core.productLedger(address(options)).collateralUsd, 0, "claimed: nothing held");
    }

    /// P-41: a book the keeper's refresh emptied (every option sold back: no expansion, out of the NAV's set) comes back
    ///       with its next buy: the product is valued again at once (the core's idle flag off; the NAV waits for the
    ///       keeper's refresh, then counts the book), and a sale back leaves it valued until the next refresh finds
    ///       nothing open.
    function test_buy_afterBookEmptied_valuedAgain() public {
        uint256 boardId = ids[ids.length - 1];
        _buy(alice, boardId, 5, true, AMOUNT);
        vm.prank(alice);
        options.sell(boardId, 5, true, AMOUNT, 0);
        options.refresh(ETH);
        assertEq(options.book(ETH).refAt, 0, "emptied: no expansion");
        assertTrue(core.productLedger(address(options)).idle, "emptied: out of the NAV");
        assertEq(core.poolValueUsd(), _poolCash(), "nothing open: the NAV is the cash");

        _buy(bob, boardId, 4, false, AMOUNT);
        assertFalse(core.productLedger(address(options)).idle, "bought: valued again");
        vm.expectRevert(); // the book's first option marks it dirty: LP flows wait for the keeper, never skip it
        core.poolValueUsd();
        options.refresh(ETH);
        (int256 claim,,) = options.poolClaimUsd(0);
        assertLt(claim, 0, "the put is a liability of the pool");
        assertEq(int256(core.poolValueUsd()), int256(_poolCash()) + claim, "the NAV counts the book");

        vm.prank(bob);
        options.sell(boardId, 4, false, AMOUNT, 0);
        assertFalse(core.productLedger(address(options)).idle, "sold back: valued until the next refresh");
        options.refresh(ETH);
        assertTrue(core.productLedger(address(options)).idle, "refreshed with nothing open: skipped again");
    }

    /// P-70: listing never stops: a market holds at most 16 unsettled boards, and an expired board still counts until
    ///       it settles; past that a due board waits (the listing lists what fits, never reverts) and a settlement
    ///       makes room for it (a review found the whole listing reverted, so nothing was listed until a settlement).
    function test_listBoards_fullList_listsWhatFitsAndWaits() public {
        IOptionsBook.OptionsConfig memory cfg = options.config(ETH);
        (cfg.dailyExpiries, cfg.weeklyExpiries, cfg.monthlyExpiries) = (7, 8, 3); // 15 distinct expiries ahead
        vm.prank(admin);
        options.setConfig(ETH, cfg);
        options.listBoards(ETH);
        assertEq(options.liveBoards(ETH).length, 15);
        // Two days pass and nobody settles: each day's board expires unsettled (still counted) and a new daily is due.
        uint256 expired1 = _nearestLive();
        _setPriceAfter(ETH, 3000e18, 1 days);
        options.listBoards(ETH);
        assertEq(options.liveBoards(ETH).length, 16, "full");
        uint256 expired2 = _nearestLiveAfter(expired1);
        _setPriceAfter(ETH, 3000e18, 1 days);
        vm.prank(attacker);
        assertEq(options.listBoards(ETH), 0, "full: the due daily waits, and the call does not revert");
        assertEq(options.liveBoards(ETH).length, 16);
        // Settled, the two make room: the listing goes on.
        uint256 round = IHistoricalPriceFeed(address(ethFeed)).latestRoundId();
        for (uint256 r = round; r > 0; --r) {
            if (!options.board(expired1).settled) {
                try options.settleBoard(expired1, r) {} catch {}
            }
            if (!options.board(expired2).settled) {
                try options.settleBoard(expired2, r) {} catch {}
            }
        }
        assertTrue(options.board(expired1).settled && options.board(expired2).settled, "both settled");
        vm.prank(attacker);
        assertGt(options.listBoards(ETH), 0, "room again: the waiting daily is listed");
        assertLe(options.liveBoards(ETH).length, 16);
    }

    function _nearestLive() internal view returns (uint256 id) {
        return _nearestLiveAfter(0);
    }

    /// @dev The unsettled board with the earliest expiry after board `afterId`'s (any, for 0).
    function _nearestLiveAfter(uint256 afterId) internal view returns (uint256 id) {
        uint256 floor = afterId == 0 ? 0 : options.board(afterId).expiry;
        uint256[] memory live = options.liveBoards(ETH);
        for (uint256 j; j < live.length; ++j) {
            uint256 e = options.board(live[j]).expiry;
            if (e > floor && (id == 0 || e < options.board(id).expiry)) id = live[j];
        }
    }

    /// P-75: a board's call cap is fixed at listing: a later config change neither moves its reserve nor its payoff.
    function test_callCap_fixedPerBoardAtListing() public {
        uint256 boardId = ids[0];
        _buy(alice, boardId, 5, true, AMOUNT);
        IOptionsBook.OptionsConfig memory cfg = options.config(ETH);
        cfg.callCapBps = 20_000;
        vm.prank(admin);
        options.setConfig(ETH, cfg);
        assertEq(options.board(boardId).callCapBps, 10_000);
        IOptionsBook.Board memory b = options.board(boardId);
        vm.warp(b.expiry);
        _setPrice(ETH, 9000e18);
        options.settleBoard(boardId, IHistoricalPriceFeed(address(ethFeed)).latestRoundId());
        vm.prank(alice);
        assertEq(options.claim(boardId, 5, true), AMOUNT * 3000e18 / 1e30, "the listing's cap: 3,000 per token");
    }

    /// P-75: a board no verifiable round can settle is settled by the risk admin, and only a day after expiry.
    function test_settleFallback_onlyAfterTheDelay() public {
        uint256 boardId = ids[0];
        _buy(alice, boardId, 4, true, AMOUNT);
        IOptionsBook.Board memory b = options.board(boardId);
        vm.warp(b.expiry + 1 hours);
        uint256 opensAt = b.expiry + options.FALLBACK_SETTLEMENT_DELAY();
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.FallbackNotOpen.selector, boardId, opensAt, block.timestamp)
        );
        vm.prank(admin);
        options.settleBoardFallback(boardId, 3100e18);
        vm.warp(opensAt);
        vm.expectRevert();
        vm.prank(attacker);
        options.settleBoardFallback(boardId, 9000e18);
        vm.prank(admin);
        options.settleBoardFallback(boardId, 3100e18);
        vm.prank(alice);
        assertEq(options.claim(boardId, 4, true), AMOUNT * 200e18 / 1e30);
    }

    /// P-75: the fallback price must be within a factor of 4 of the board's listing price (its grid's middle) or of the
    ///       feed's latest price: a unit slip or a price of 1 (every put paid its strike) is refused; a true price far
    ///       from one reference (the market moved fourfold, the feed is wrong now) still settles.
    function test_settleFallback_refusesAPriceFarFromTheListingAndTheFeed() public {
        uint256 boardId = ids[0];
        _buy(bob, boardId, 6, false, AMOUNT);
        IOptionsBook.Board memory b = options.board(boardId);
        uint256 listing = uint256(b.firstStrikeWad) + uint256(b.strikeStepWad) * (b.strikeCount / 2);
        vm.warp(b.expiry + options.FALLBACK_SETTLEMENT_DELAY());
        _setPrice(ETH, listing);
        uint256[3] memory bad = [listing / 1e12, 1, listing * 4 + 1];
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IOptionsBook.FallbackPriceOutOfRange.selector, boardId, bad[i], listing, listing, 4
                )
            );
            vm.prank(admin);
            options.settleBoardFallback(boardId, bad[i]);
        }
        // at the edge of the range it settles, and the put pays strike - price
        uint256 snap = vm.snapshotState();
        vm.prank(admin);
        options.settleBoardFallback(boardId, listing / 4);
        vm.prank(bob);
        uint256 strike = b.firstStrikeWad + 6 * b.strikeStepWad;
        assertEq(options.claim(boardId, 6, false), AMOUNT * (strike - listing / 4) / 1e30, "a put pays strike - price");
        // far from the listing but near the feed's price (the market moved fourfold): settles
        vm.revertToState(snap);
        _setPrice(ETH, listing * 5);
        vm.prank(admin);
        options.settleBoardFallback(boardId, listing * 4 + 1);
        assertTrue(options.board(boardId).settled);
        // a feed that gives no price leaves the listing's bound
        vm.revertToState(snap);
        vm.mockCallRevert(address(ethFeed), abi.encodeWithSelector(IPriceFeed.latestPrice.selector), "");
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.FallbackPriceOutOfRange.selector, boardId, 1, listing, 0, 4)
        );
        vm.prank(admin);
        options.settleBoardFallback(boardId, 1);
        vm.prank(admin);
        options.settleBoardFallback(boardId, listing * 2);
        assertTrue(options.board(boardId).settled);
    }

    /// P-75: options cannot be enabled on a feed that cannot prove a past round (a pull oracle): its boards could not
    ///       settle.
    function test_setConfig_refusesAFeedThatCannotSettle() public {
        IOptionsBook.OptionsConfig memory cfg = options.config(ETH);
        vm.mockCallRevert(address(ethFeed), abi.encodeWithSelector(IHistoricalPriceFeed.latestRoundId.selector), "");
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.FeedCannotSettle.selector, ETH, address(ethFeed)));
        vm.prank(admin);
        options.setConfig(ETH, cfg);
    }

    // ------------------------------------------------------------ settlement

    /// P-75: a board settles at the oracle's first price at or after expiry and no other; each holder is paid exactly
    ///       amount x payoff (rounded down), the pool keeps the rest of the reserve; calls pay at most their cap.
    function test_settle_firstPriceAfterExpiry_paysExactPayoff() public {
        uint256 boardId = ids[0];
        _buy(alice, boardId, 4, true, AMOUNT); // 2900 call
        _buy(bob, boardId, 6, false, 3e18); // 3100 put
        _buy(dave, boardId, 0, true, 7e18 + 123e9); // 2500 call, odd amount
        IOptionsBook.Board memory b = options.board(boardId);
        IHistoricalPriceFeed feed = IHistoricalPriceFeed(address(ethFeed));

        vm.warp(b.expiry - 30);
        _setPrice(ETH, 3040e18); // before expiry
        uint256 before_ = feed.latestRoundId();
        vm.warp(b.expiry + 12);
        _setPrice(ETH, 3050e18); // first at or after expiry
        uint256 first = feed.latestRoundId();
        _setPrice(ETH, 4000e18); // a later, better price for the call holders
        uint256 later = feed.latestRoundId();

        vm.expectRevert(
            abi.encodeWithSelector(
                IHistoricalPriceFeed.NotFirstRoundAtOrAfter.selector, later, b.expiry + 14, b.expiry + 13, b.expiry
            )
        );
        options.settleBoard(boardId, later);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHistoricalPriceFeed.NotFirstRoundAtOrAfter.selector, before_, b.expiry - 29, 1_700_000_000, b.expiry
            )
        );
        options.settleBoard(boardId, before_);

        uint256 cash0 = _poolCash();
        vm.prank(attacker); // anyone settles
        liveBeforeSettle = options.liveBoards(ETH);
        options.settleBoard(boardId, first);
        assertEq(options.board(boardId).settlementPriceWad, 3050e18);
        // Settlement turns the open interest into the board's debt: the lanes and the mask are cleared (P-70).
        assertEq(options.board(boardId).oiMask, 0, "no strike open after settlement");
        for (uint256 k; k < b.strikeCount; ++k) {
            (uint256 calls, uint256 puts) = options.strikeOi(boardId, k);
            assertEq(calls + puts, 0, "open interest cleared");
        }
        // The board leaves the live list; the others stay.
        _checkSettledBoardLeft(boardId);

        uint256 aliceWant = AMOUNT * _payoff(true, 2900e18, 3050e18) / 1e30; // 1,500
        uint256 bobWant = 3e18 * _payoff(false, 3100e18, 3050e18) / 1e30; // 150
        uint256 daveWant = (7e18 + 123e9) * _payoff(true, 2500e18, 3050e18) / 1e30; // 3,850
        cash0 = _assertPayoutsLeftTheCash(boardId, cash0, aliceWant + bobWant + daveWant);
        vm.prank(alice);
        assertEq(options.claim(boardId, 4, true), aliceWant);
        vm.prank(bob);
        assertEq(options.claim(boardId, 6, false), bobWant);
        vm.prank(dave);
        assertEq(options.claim(boardId, 0, true), daveWant);
        assertEq(usdc.balanceOf(alice), aliceWant);
        assertEq(_poolCash(), cash0, "claims do not touch the pool's cash");
        assertEq(
            core.productLedger(address(options)).collateralUsd,
            options.board(boardId).owedUsd,
            "the claims paid from the holders' collateral"
        );
        assertLe(options.board(boardId).owedUsd, 2, "at most a wei of rounding per strike and type left");
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.NoPayoff.selector, alice, options.optionId(boardId, 4, true))
        );
        vm.prank(alice);
        options.claim(boardId, 4, true);
    }

    /// @dev Settlement moved what the board owes (its holders' payoffs `payoffsUsd`, from the payoff rule, to a wei of
    ///      rounding per strike and type) out of the pool's cash into the product's collateral and released the whole
    ///      reserve; returns the cash after.
    function _assertPayoutsLeftTheCash(uint256 boardId, uint256 cash0, uint256 payoffsUsd)
        internal
        view
        returns (uint256)
    {
        uint256 owed = options.board(boardId).owedUsd;
        assertGe(owed, payoffsUsd, "owed covers every payoff");
        assertLe(owed, payoffsUsd + 3, "to a wei of rounding per strike and type");
        assertEq(options.board(boardId).reservedUsd, 0, "settled: nothing stays reserved");
        assertEq(core.productLedger(address(options)).reservedUsd, 0, "nor in the options ledger");
        assertEq(_poolCash(), cash0 - owed, "the payouts owed left the pool's cash");
        assertEq(core.productLedger(address(options)).collateralUsd, owed, "they are the holders' money now");
        return cash0 - owed;
    }

    /// P-75: a claim names one of the board's strikes. An option's id packs board << 8 | strike << 1 | type, so an
    ///       index past the board's strikes would name another board's option: a review found a holder of one cheap
    ///       far out-of-the-money put on a later board could claim it (strike index 128 x that board's id) as a put
    ///       far up a settled board's grid and take every payout that board still owed. The index is refused; the
    ///       honest holder is paid in full.
    function test_claim_strikeOutsideTheBoard_refused() public {
        uint256 n = ids[0];
        uint256 other = n | 2; // optionId(n, 128 x other + k) == optionId(other, k) when n's bits are other's
        IOptionsBook.Board memory b = options.board(n);
        assertGt(options.board(other).expiry, b.expiry, "the other board still trades after n expires");
        assertEq(options.optionId(n, 128 * other, false), options.optionId(other, 0, false), "the aliasing refused");
        _buy(bob, n, 6, false, 3e18); // an honest put on board n
        _buy(attacker, other, 0, false, 1e18); // a cheap far out-of-the-money put on the other board
        vm.warp(b.expiry + 12);
        _setPrice(ETH, 3050e18);
        options.settleBoard(n, IHistoricalPriceFeed(address(ethFeed)).latestRoundId());
        assertGt(options.board(n).owedUsd, 0);

        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.UnknownStrike.selector, n, 128 * other, b.strikeCount));
        vm.prank(attacker);
        options.claim(n, 128 * other, false);
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.UnknownStrike.selector, n, b.strikeCount, b.strikeCount));
        options.holding(attacker, n, b.strikeCount, false);
        vm.expectRevert(abi.encodeWithSelector(IOptionsBook.UnknownStrike.selector, n, b.strikeCount, b.strikeCount));
        options.strikeOi(n, b.strikeCount);
        assertEq(options.holding(attacker, other, 0, false), 1e18, "the attacker's put stays on its own board");

        uint256 bobWant = 3e18 * _payoff(false, _strike(n, 6), 3050e18) / 1e30;
        vm.prank(bob);
        assertEq(options.claim(n, 6, false), bobWant, "the honest holder is paid in full");
    }

    /// @dev After settling `boardId`: it left the live list and every other board stayed.
    uint256[] internal liveBeforeSettle;

    function _checkSettledBoardLeft(uint256 boardId) internal view {
        uint256[] memory liveBefore = liveBeforeSettle;
        uint256[] memory liveAfter = options.liveBoards(ETH);
        assertEq(liveAfter.length, liveBefore.length - 1);
        for (uint256 i; i < liveBefore.length; ++i) {
            bool found;
            for (uint256 j; j < liveAfter.length; ++j) {
                found = found || liveAfter[j] == liveBefore[i];
            }
            assertEq(found, liveBefore[i] != boardId, "every other board stays live");
        }
    }

    /// P-75: a settled board leaves `liveBoards` and the book's valuation at once; the stored live list keeps it until
    ///       the next listing prunes it (the keeper pays for that, not the settler).
    function test_settle_boardPrunedAtNextListing() public {
        uint256 boardId = ids[0]; // the nearest expiry
        _buy(alice, boardId, 5, true, AMOUNT);
        _buy(bob, ids[4], 5, false, AMOUNT); // a later board stays open
        vm.warp(options.board(boardId).expiry);
        _setPrice(ETH, 3100e18);
        options.settleBoard(boardId, IHistoricalPriceFeed(address(ethFeed)).latestRoundId());

        uint256[] memory live = options.liveBoards(ETH);
        assertEq(live.length, 4, "the settled board is no longer live");
        for (uint256 i; i < live.length; ++i) {
            assertTrue(live[i] != boardId);
        }
        assertEq(options.book(ETH).liveBoards, 5, "still stored until the next listing");
        options.refresh(ETH);
        assertEq(options.book(ETH).nearestExpiry, options.board(ids[4]).expiry, "valued without the settled board");

        _setPriceAfter(ETH, 3100e18, 1 hours);
        options.listBoards(ETH);
        assertEq(options.book(ETH).liveBoards, options.liveBoards(ETH).length, "the listing pruned it");
        vm.prank(alice);
        assertEq(options.claim(boardId, 5, true), AMOUNT * 100e18 / 1e30, "its payoff is still owed and paid");
    }

    /// P-75: a call's payout stops at its disclosed cap (strike x callCapBps).
    function test_settle_callCapped() public {
        uint256 boardId = ids[0];
        _buy(alice, boardId, 5, true, AMOUNT); // 3000 call, cap 3000 per token
        IOptionsBook.Board memory b = options.board(boardId);
        vm.warp(b.expiry);
        _setPrice(ETH, 9000e18);
        options.settleBoard(boardId, IHistoricalPriceFeed(address(ethFeed)).latestRoundId());
        vm.prank(alice);
        assertEq(options.claim(boardId, 5, true), AMOUNT * 3000e18 / 1e30, "capped at the strike: 30,000");
    }
}
