// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOrderBook} from "../../../contracts/interfaces/IOrderBook.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {OrderBook} from "../../../contracts/orders/OrderBook.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-98, from the attacker's side. A trigger order's terms are public and a keeper fills it once the oracle
///         price crosses, so its fill is a known trade: keeper-only fills (P-68) stop a trade around it in the same
///         transaction, not one in the blocks before and after. The attacker opens against the skew in front of the
///         fill (a skew-reducing open earns a rebate), the keeper fills the stop-loss (which now moves the skew the
///         other way), and the attacker closes behind it (reducing the skew again: a second rebate). A review took
///         +155,999 USD on a 20M ETH stop-loss with 11 bps fees (a Pyth market's) and cost its owner 300,000. A
///         rebate is now at most the fee of the trade that earns it, so neither leg pays the attacker net of its fee.
contract OrderSandwichAttacksTest is BaseTest {
    uint256 internal constant EXECUTION_FEE = 1e6;
    OrderBook internal book;

    function setUp() public override {
        super.setUp();
        book = _deployOrderBook();
        _deposit(carol, 200_000_000 * USD);
    }

    /// @dev The market's fees at an oracle lag of `lagBps` (each side the larger of 6 bps and the lag, P-97).
    function _setLag(uint256 lagBps) internal {
        IPerpEngine.MarketConfig memory cfg = deployer.withOracleLag(reader.marketConfig(ETH), lagBps);
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
    }

    /// @dev The victim (alice) holds `victimSize` on `victimLong` at 8x with a whole-position stop-loss 0.5% away
    ///      (any price, as a stop that must fill through a gap); the price moves 1% against it. Tx 1: the attacker
    ///      opens `attackSize` on `attackLong`; tx 2 (next block): the keeper fills the stop-loss; tx 3 (next block):
    ///      the attacker closes. Returns the attacker's result in USD less the funding the attacker's position was owed
    ///      over its seconds open (the rate's own income, not the sandwich's), and whether the stop-loss filled.
    function _sandwich(uint256 victimSize, bool victimLong, uint256 attackSize, bool attackLong)
        internal
        returns (int256 profitUsd, bool filled)
    {
        _open(alice, ETH, victimLong, victimSize / 8, victimSize);
        _mint(alice, EXECUTION_FEE);
        vm.startPrank(alice);
        usdc.approve(address(book), type(uint256).max);
        uint256 p0 = _price(ETH);
        uint256 sl = book.createOrder(
            ETH,
            victimLong,
            IOrderBook.Kind.StopLoss,
            victimLong ? p0 * 9950 / 10_000 : p0 * 10_050 / 10_000,
            type(uint16).max,
            victimSize,
            0,
            block.timestamp + 1 days,
            EXECUTION_FEE
        );
        vm.stopPrank();
        vm.roll(block.number + 1);
        _setPrice(ETH, victimLong ? p0 * 99 / 100 : p0 * 101 / 100);

        uint256 collateral = attackSize / 8;
        _mint(attacker, collateral);
        uint256 start = usdc.balanceOf(attacker);
        vm.prank(attacker);
        engine.increasePosition(ETH, attackLong, collateral, attackSize, attackLong ? MAX_PRICE : 0);
        filled = _keeperFillsNextBlock(sl);
        vm.roll(block.number + 1);
        skip(2);
        int256 fundingOwedToAttacker = -reader.positionStatus(attacker, ETH, attackLong).fundingFeeUsd;
        _close(attacker, ETH, attackLong);
        profitUsd = int256(usdc.balanceOf(attacker)) - int256(start)
            - (fundingOwedToAttacker > 0 ? fundingOwedToAttacker : int256(0));
    }

    /// The review's case: a 20M long's stop-loss on 11 bps fees (a Pyth ETH market's lag), the attacker shorting 20M
    /// in front. It took +155,999 USD; now the rebates are at most the fees and the sandwich loses.
    function test_stopLossSandwich_reviewCase_losesNow() public {
        _setLag(deployer.pullLagBps(60));
        (int256 profit, bool filled) = _sandwich(20_000_000 * USD, true, 20_000_000 * USD, false);
        assertTrue(filled, "the stop-loss filled within its bound");
        assertLe(profit, 0, "was +155,999 USD");
    }

    /// Whatever the order's size and side, the attacker's size and side and the market's fees: sandwiching a
    /// keeper's trigger-order fill never pays (the attacker holds for seconds at an unchanged price, so all it can
    /// gain is rebates, and each is at most its own leg's fee).
    function testFuzz_orderSandwich_neverPays(
        uint256 victimSeed,
        uint256 attackSeed,
        uint256 lagSeed,
        bool victimLong,
        bool attackLong
    ) public {
        _setLag(bound(lagSeed, 0, 50));
        uint256 victimSize = bound(victimSeed, 1_000_000, 25_000_000) * USD;
        uint256 attackSize = bound(attackSeed, 1_000_000, 24_000_000) * USD;
        (int256 profit,) = _sandwich(victimSize, victimLong, attackSize, attackLong);
        assertLe(profit, 0, "a sandwich around a trigger order's fill paid the attacker");
    }

    /// The cap itself, recomputed from the documented impact rule: a skew-reducing open earns
    /// positiveImpactBps x (s0^2 - s1^2) / 2K, at most its own open fee. A 20M short against a 20M long skew would earn
    /// 100,000 USD uncapped; it earns its 22,000 fee.
    function test_rebate_atMostTheTradesFee() public {
        _setLag(deployer.pullLagBps(60));
        _open(alice, ETH, true, 2_500_000 * USD, 20_000_000 * USD);
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        uint256 size = 20_000_000 * USD;
        uint256 s0 = 20_000_000 * USD;
        uint256 uncapped = (s0 * s0) * cfg.positiveImpactBps / (2 * cfg.impactScaleUsd * 10_000);
        uint256 fee = _openFeeUsd(ETH, size);
        assertGt(uncapped, 4 * fee, "the uncapped rebate is several fees");
        _open(attacker, ETH, false, 2_500_000 * USD, size);
        assertEq(engine.position(attacker, ETH, false).rebateUsd, fee, "rebate = the open fee");
        // the close behind a flipped skew earns at most the close fee too: alice leaves, the attacker's short is the
        // whole skew and closing it reduces it
        _close(alice, ETH, true);
        uint256 before = usdc.balanceOf(attacker);
        uint256 collateral = engine.position(attacker, ETH, false).collateralUsd;
        _close(attacker, ETH, false);
        // paid: collateral + the held rebate + the close's rebate - the close fee (at most zero net) - borrow owed
        assertLe(usdc.balanceOf(attacker) - before, collateral + fee, "the close's rebate is at most its fee");
    }

    /// The sandwich with a deposit timed to it (a review's second finding): the legs cost the attacker about nothing,
    /// the stop-loss pays crossing impact to the pool, and a deposit made after the front leg (the traders' net
    /// exposure, which prices its band, then near zero) redeemed after the cooldown took its share: +177,349 USD with
    /// 800M into the 200M pool. A fill's impact beyond its fee now vests over GAIN_VEST_SEC like a liquidation's gain
    /// (P-96), so the deposit takes at most its share of the fill's fee and of impact up to the fee (what a deposit
    /// timed to any large fill takes), recomputed here from the close fee's rule.
    function test_sandwichWithATimedDeposit_takesAtMostItsShareOfTheFees() public {
        _setLag(deployer.pullLagBps(60));
        uint256 victimSize = 20_000_000 * USD;
        uint256 deposit = 800_000_000 * USD;
        (int256 profit, uint256 navBefore, uint256 filledAt) = _timedDepositSandwich(victimSize, deposit);
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        // the victim's close fee on its value closed (the long closes at a loss: its size), rounded up
        uint256 victimFee = (victimSize * cfg.closeFeeBps + 9999) / 10_000;
        // the fill's impact from the documented rule: the skew (0 after the front leg) to -20M, (s1^2 - s0^2) / 2K up
        uint256 impact = (victimSize * victimSize + 2 * cfg.impactScaleUsd - 1) / (2 * cfg.impactScaleUsd);
        // what has vested of the impact beyond the fee by the redemption (linear over GAIN_VEST_SEC)
        uint256 vested = (impact - victimFee) * (block.timestamp - filledAt) / core.GAIN_VEST_SEC();
        uint256 bound = (2 * victimFee + vested) * deposit / (navBefore + deposit);
        emit log_named_int("attacker result", profit);
        emit log_named_uint("bound: its share of the fee, impact up to the fee and what vested", bound);
        assertLe(profit, int256(bound), "was +177,349 USD");
    }

    /// @dev The victim's 20M long (its open's impact vested), a whole-position stop-loss; the attacker shorts
    ///      `victimSize` in front of the keeper's fill and deposits `deposit` in the same block, closes behind the fill
    ///      and redeems after the cooldown. Returns the attacker's result, the NAV before its deposit and the fill's
    ///      time.
    function _timedDepositSandwich(uint256 victimSize, uint256 deposit)
        internal
        returns (int256 profit, uint256 navBefore, uint256 filledAt)
    {
        _open(alice, ETH, true, victimSize / 8, victimSize);
        // the impact the victim's open paid has vested: the attack meets no earlier lock
        skip(core.GAIN_VEST_SEC());
        vm.roll(block.number + 1);
        _refreshPrices();
        assertEq(core.poolState().unvestedGainUsd, 0);
        uint256 sl = _stopLoss(victimSize);
        uint256 collateral = victimSize / 8;
        _mint(attacker, collateral + deposit);
        uint256 start = usdc.balanceOf(attacker);
        vm.startPrank(attacker);
        engine.increasePosition(ETH, false, collateral, victimSize, 0);
        navBefore = pool.totalAssets();
        uint256 shares = pool.deposit(deposit, attacker);
        vm.stopPrank();
        assertTrue(_keeperFillsNextBlock(sl), "the stop-loss filled");
        filledAt = block.timestamp;
        vm.roll(block.number + 1);
        skip(2);
        _close(attacker, ETH, false);
        skip(61);
        vm.roll(block.number + 1);
        _refreshPrices();
        vm.prank(attacker);
        pool.redeem(shares, attacker, attacker);
        profit = int256(usdc.balanceOf(attacker)) - int256(start);
    }

    /// @dev The keeper's batch fill of order `id` in the next block (2 s later); whether it filled.
    function _keeperFillsNextBlock(uint256 id) internal returns (bool) {
        vm.roll(block.number + 1);
        skip(2);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        vm.prank(keeper);
        (uint256 n,) = book.executeOrders(ids);
        return n == 1;
    }

    /// @dev alice's whole-position stop-loss 0.5% below the price (any price), then the price falls 1%.
    function _stopLoss(uint256 size) internal returns (uint256 sl) {
        _mint(alice, EXECUTION_FEE);
        vm.startPrank(alice);
        usdc.approve(address(book), type(uint256).max);
        uint256 p0 = _price(ETH);
        sl = book.createOrder(
            ETH,
            true,
            IOrderBook.Kind.StopLoss,
            p0 * 9950 / 10_000,
            type(uint16).max,
            size,
            0,
            block.timestamp + 1 days,
            EXECUTION_FEE
        );
        vm.stopPrank();
        vm.roll(block.number + 1);
        _setPrice(ETH, p0 * 99 / 100);
    }
}
