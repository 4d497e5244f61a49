// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {OptionsLogic} from "../../../contracts/options/OptionsLogic.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-98 for options: an option trade's exposure impact vests like a perpetual fill's impact beyond its fee. A
///         review's lead, measured here: an LP who deposited 800M into a 200M pool in front of a whale's buy of 4,800
///         calls (1,290,100 USD of premium, 219,284 of it impact) and redeemed after the 60 s cooldown took +199,600
///         USD, most of the buy's spread and impact, from the LPs who were there. The impact now vests over
///         GAIN_VEST_SEC (every trade's, however small: a second review split the buy into fills under the 1,000 USD
///         a lock once started from), so a deposit timed to a large option trade takes at most its share of the spread
///         and of what vested: +24,668 here.
contract OptionsTimedDepositTest is BaseTest {
    uint256[] internal ids;

    function setUp() public override {
        super.setUp();
        _deposit(carol, 200_000_000 * USD);
        ids = _listBoards(ETH);
        options.refresh(ETH);
    }

    function test_depositTimedToALargeBuy_takesNoneOfItsImpactAtOnce() public {
        address whale = makeAddr("whale");
        uint256 board = ids[ids.length - 1]; // the monthly
        uint256 deposit = 800_000_000 * USD;
        uint256 navBeforeDeposit = core.poolValueUsd();
        uint256 shares = _deposit(attacker, deposit);

        uint256 navBefore = core.poolValueUsd();
        uint256 impact;
        for (uint256 k = 5; k < 8; ++k) {
            impact += options.quote(board, k, true, true, 1600e18).impactUsd;
            _buyOption(whale, board, k, true, 1600e18);
        }
        uint256 boughtAt = block.timestamp;
        options.refresh(ETH); // the buys left the book for the keeper to refresh (the NAV waits for it)
        uint256 navJump = core.poolValueUsd() - navBefore; // the premium less the liability at the mark
        assertGt(impact, 200_000 * USD);
        uint256 locked = core.poolState().unvestedGainUsd;

        skip(61); // past the deposit cooldown
        vm.roll(block.number + 1);
        _refreshPrices();
        options.refresh(ETH);
        vm.prank(attacker);
        int256 profit = int256(pool.redeem(shares, attacker, attacker)) - int256(deposit);

        // Its share of the jump without the unvested impact: the spread and what vested by the redemption.
        uint256 vested = impact * (block.timestamp - boughtAt) / core.GAIN_VEST_SEC();
        uint256 bound = (navJump - impact + vested) * deposit / (navBeforeDeposit + deposit);
        emit log_named_int("timed depositor's result", profit);
        emit log_named_uint("bound: its share of the spread and of the vested impact", bound);
        assertLe(profit, int256(bound), "was +201,102 USD an hour later");
        assertEq(locked, impact, "the buys' impact started vesting");
    }

    /// A sale's impact is taken from its bid, at most all of it. A second review found a sale whose impact exceeded its
    /// bid (1,600 at-the-money daily puts sold while a 40M perpetual long left the pool short delta: premium 0) locking
    /// the whole quoted impact, 92,739 USD, while the NAV rose 20,283: an LP redeeming right after was paid 28,224
    /// less than just before, though the NAV had risen. The quote now reports the impact taken (the whole bid here),
    /// and what vests is at most the NAV's jump.
    function test_saleWhoseImpactExceedsItsBid_locksAtMostWhatTheNavGained() public {
        _deposit(dave, 100_000_000 * USD);
        skip(120);
        _refreshPrices();
        _open(bob, ETH, true, 10_000_000 * USD, 40_000_000 * USD); // the pool is short its delta
        uint256 board = ids[0];
        _buyOption(attacker, board, 5, false, 1600e18);
        vm.roll(block.number + 1);
        skip(7 hours); // every earlier lock vested
        _refreshPrices();
        options.refresh(ETH);
        assertEq(core.poolState().unvestedGainUsd, 0);

        IOptionsBook.Quote memory q = options.quote(board, 5, false, false, 1600e18);
        assertEq(q.premiumUsd, 0, "the impact takes the whole bid");
        uint256 navBefore = core.poolValueUsd();
        uint256 paidBefore = _redemptionNow(dave);

        vm.prank(attacker);
        options.sell(board, 5, false, 1600e18, 0);
        options.refresh(ETH);
        int256 navJump = int256(core.poolValueUsd()) - int256(navBefore);
        assertLe(int256(core.poolState().unvestedGainUsd), navJump, "locked at most what the NAV gained");
        assertGe(_redemptionNow(dave), paidBefore, "the NAV rose: redeeming after pays no less");
    }

    /// Buys `total` of strike `k` on `board` in fills whose quoted impact stays under `maxImpactUsd`; returns the
    /// impact paid and the number of fills.
    function _buySplit(address who, uint256 board, uint256 k, uint256 total, uint256 maxImpactUsd)
        internal
        returns (uint256 impactUsd, uint256 fills)
    {
        uint256 piece = 200e18;
        while (total > 0) {
            if (piece > total) piece = total;
            IOptionsBook.Quote memory q = options.quote(board, k, true, true, piece);
            while (q.impactUsd >= maxImpactUsd) {
                piece = piece / 2 / 1e9 * 1e9;
                q = options.quote(board, k, true, true, piece);
            }
            _buyOption(who, board, k, true, piece);
            impactUsd += q.impactUsd;
            total -= piece;
            ++fills;
        }
    }

    /// The attacker deposits 800M into the 200M pool, buys the 4,800 calls itself and redeems after the cooldown;
    /// returns its LP account's profit, the impact its buys paid and what the core locked.
    function _depositBuyRedeem(uint256 maxImpactUsd)
        internal
        returns (int256 lpProfitUsd, uint256 impactUsd, uint256 lockedUsd, uint256 fills)
    {
        uint256 board = ids[ids.length - 1];
        uint256 deposit = 800_000_000 * USD;
        uint256 shares = _deposit(attacker, deposit);
        for (uint256 k = 5; k < 8; ++k) {
            (uint256 i, uint256 f) = _buySplit(attacker, board, k, 1600e18, maxImpactUsd);
            impactUsd += i;
            fills += f;
        }
        lockedUsd = core.poolState().unvestedGainUsd;
        skip(61);
        vm.roll(block.number + 1);
        _refreshPrices();
        options.refresh(ETH);
        vm.prank(attacker);
        lpProfitUsd = int256(pool.redeem(shares, attacker, attacker)) - int256(deposit);
    }

    /// A second review split the buy into 317 fills of under 1,000 USD of impact each, the size from which a lock
    /// started: nothing was locked and the attacker's LP account took +199,599 back (its share of its own impact),
    /// against +24,981 with whole fills; the other LP lost 174,618 more. Every gain is locked now: the split locks
    /// what the whole fills lock, and earns its LP account no more.
    function test_splitBuy_locksAsMuchAsTheWholeBuy() public {
        uint256 snap = vm.snapshotState();
        (int256 wholeProfit, uint256 wholeImpact, uint256 wholeLocked,) = _depositBuyRedeem(type(uint256).max);
        vm.revertToState(snap);
        (int256 splitProfit, uint256 splitImpact, uint256 splitLocked, uint256 fills) = _depositBuyRedeem(1000 * USD);
        assertGt(fills, 100, "split under 1,000 USD of impact a fill");
        assertApproxEqRel(splitImpact, wholeImpact, 0.01e18, "the same impact paid either way");
        assertGe(splitLocked + splitLocked / 100, wholeLocked, "locked as much (within the fills' rounding)");
        assertLe(splitProfit, wholeProfit + int256(1000 * USD), "and the split earns the attacker's LP account no more");
    }

    /// A third review kept a large gain locked with the smallest trades: once every gain was locked, a one-lot buy
    /// (2 wei of impact) restarted the clock for everything still unvested, and one every minute left 80,558 of a
    /// 219,284 USD lock unvested at 6 hours (every redemption paid less by its share). A gain under 1,000 USD now moves
    /// the end by the amounts' weights instead: at the whale's 6 hours only what the stream itself added is left.
    function test_streamOfTinyBuys_doesNotHoldALargeGainLocked() public {
        address whale = makeAddr("whale");
        uint256 board = ids[ids.length - 1];
        uint256 impact;
        for (uint256 k = 5; k < 8; ++k) {
            impact += options.quote(board, k, true, true, 1600e18).impactUsd;
            _buyOption(whale, board, k, true, 1600e18);
        }
        uint256 locked = core.poolState().unvestedGainUsd;
        assertGt(locked, 200_000 * USD, "the whale's impact is locked");
        uint256 end = block.timestamp + core.GAIN_VEST_SEC();
        uint256 streamGains;
        while (block.timestamp + 60 < end) {
            skip(60);
            vm.roll(block.number + 1);
            _refreshPrices();
            options.refresh(ETH);
            uint256 before = core.poolState().unvestedGainUsd;
            _buyOption(attacker, board, 7, true, OptionsLogic.OI_LOT_WAD);
            streamGains += core.poolState().unvestedGainUsd + 1 - before; // what the lot's impact added (+ rounding)
        }
        skip(end - block.timestamp);
        assertLe(core.poolState().unvestedGainUsd, streamGains + 10, "the whale's gain vested on time");
        assertLt(streamGains, USD, "the stream added under a dollar");
    }
}

