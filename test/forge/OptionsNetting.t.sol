// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../../contracts/interfaces/IClearingCore.sol";
import {IOptionsBook} from "../../contracts/interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "./utils/Base.t.sol";

/// @notice Netting across products (issue 13 item 5, P-83): the options traders' net delta is netted into the skew that
///         prices perpetual impact and drives funding, so perpetual traders who offset the pool's options exposure
///         earn the rebate and the funding. Expected values come from the documented rules (the quadratic impact of
///         RiskMath.impactCostUsd's NatSpec, the funding velocity of IPerpEngine's config), recomputed here.
contract OptionsNettingTest is BaseTest {
    uint256 internal constant CALLS = 200e18; // 200 ETH of calls

    uint256 internal boardId;

    function setUp() public override {
        super.setUp();
        _deposit(carol, 20_000_000 * USD);
        options.listBoards(ETH);
        boardId = options.liveBoards(ETH)[3];
    }

    function _buy(address who, uint256 k, bool isCall, uint256 amountWad) internal returns (uint256 premium) {
        IOptionsBook.Quote memory q = options.quote(boardId, k, isCall, true, amountWad);
        _mint(who, q.premiumUsd);
        vm.prank(who);
        premium = options.buy(boardId, k, isCall, amountWad, q.premiumUsd);
    }

    function _sell(address who, uint256 k, bool isCall, uint256 amountWad) internal returns (uint256) {
        vm.prank(who);
        return options.sell(boardId, k, isCall, amountWad, 0);
    }

    function _optionsSkew() internal view returns (int256) {
        return reader.marketState(ETH).optionsSkewUsd;
    }

    /// Only a product listed in the core may set a market's options skew.
    function test_setOptionsSkew_onlyListedProducts() public {
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IClearingCore.NotProduct.selector, attacker));
        engine.setOptionsSkew(ETH, 1_000_000 * int256(USD));
    }

    /// P-83: every option trade pushes the traders' net delta x price to the engine: calls bought count as long
    ///       exposure (between 0 and 1 token of delta each), puts as short; selling everything back returns it to
    ///       about zero.
    function test_trades_pushTheOptionsDelta() public {
        assertEq(_optionsSkew(), 0);
        _buy(alice, 5, true, CALLS);
        int256 skew = _optionsSkew();
        IOptionsBook.BookView memory v = options.book(ETH);
        // delta x price in USD, whole dollars (the engine's unit), truncated toward zero
        int256 expected = v.deltaWad * int256(_price(ETH)) / 1e30 / 1e6 * 1e6;
        assertEq(skew, expected, "the book's delta x price");
        uint256 notional = CALLS * _price(ETH) / 1e30;
        assertGt(skew, int256(notional) / 5, "an at-the-money call carries a large delta");
        assertLt(skew, int256(notional), "and less than one token each");
        _buy(bob, 5, false, CALLS); // the same strike's puts: short delta
        assertLt(_optionsSkew(), skew / 4, "puts offset the calls' delta");
        _sell(bob, 5, false, CALLS);
        _sell(alice, 5, true, CALLS);
        assertLe(_abs(_optionsSkew()), int256(10 * USD), "all sold back: no delta left");
    }

    /// P-83: impact is the larger of the impact on the net skew (perpetual + options) and on the perpetual skew alone:
    ///       with calls open a long pays (s1^2 - s0^2) / 2K on top of the options' delta, while a short that hedges
    ///       them pays exactly what it would without options (never an unfunded rebate).
    function test_perpImpact_netsTheOptionsDelta() public {
        _buy(alice, 5, true, CALLS);
        int256 s0 = _optionsSkew();
        assertGt(s0, 0);
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        uint256 size = uint256(s0) / 2;
        uint256 fee = _divUp(size * cfg.openFeeBps, 10_000);
        uint256 perpOnly = _divUp(size * size, 2 * cfg.impactScaleUsd); // 0 -> +-size on the perpetual skew
        uint256 snap = vm.snapshotState();

        _open(bob, ETH, false, size / 5, size);
        assertEq(engine.position(bob, ETH, false).rebateUsd, 0, "no rebate from the options' delta");
        assertEq(engine.position(bob, ETH, false).collateralUsd, size / 5 - fee - perpOnly, "the perpetual-only impact");

        vm.revertToState(snap);
        _open(bob, ETH, true, size / 5, size);
        int256 s2 = s0 + int256(size);
        uint256 cost = _divUp(uint256(s2 * s2 - s0 * s0), 2 * cfg.impactScaleUsd);
        assertGt(cost, perpOnly);
        assertEq(engine.position(bob, ETH, true).collateralUsd, size / 5 - fee - cost, "a long pays the netted impact");
    }

    /// P-83: the options' delta drives the funding rate: with calls open and the perpetuals balanced, the rate rises
    ///       at (skew / skewScale) x maxFundingVelocity; the long pays it and the short is paid what the long funds
    ///       beyond the options' delta (the pool's share on the net skew): (100k - delta) / 100k of it.
    function test_funding_drivenByTheOptionsDelta() public {
        _open(dave, ETH, true, 20_000 * USD, 100_000 * USD);
        _open(makeAddr("erin"), ETH, false, 20_000 * USD, 100_000 * USD);
        _buy(alice, 5, true, CALLS / 20); // a delta below the perpetuals' interest
        int256 s0 = _optionsSkew();
        assertLt(s0, 100_000 * int256(USD));
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        int256 rate0 = reader.marketState(ETH).fundingRateWad;
        uint256 dt = 1 hours;
        _setPriceAfter(ETH, _price(ETH), dt);
        _refreshPrices();
        engine.poke(ETH);
        int256 velocity =
            s0 * 1e18 / int256(uint256(cfg.skewScaleUsd)) * int256(uint256(cfg.maxFundingVelocityWad)) / 1e18;
        int256 want = rate0 + velocity * int256(dt);
        if (want > int256(uint256(cfg.maxFundingRateWad))) want = int256(uint256(cfg.maxFundingRateWad));
        assertGt(want, rate0);
        assertEq(reader.marketState(ETH).fundingRateWad, want, "the rate moved with the options' skew");
        skip(1 hours);
        _refreshPrices();
        int256 longPays = _status(dave, ETH, true).fundingFeeUsd;
        int256 shortGets = -_status(makeAddr("erin"), ETH, false).fundingFeeUsd;
        assertGt(longPays, 0, "the long pays funding");
        assertGt(shortGets, 0, "the short is paid");
        // the same size on both sides: the short gets the long's payment less the options delta's share of it
        int256 net = _optionsSkew();
        assertApproxEqAbs(shortGets, longPays * (100_000 * int256(USD) - net) / (100_000 * int256(USD)), 10);
    }

    /// P-83 (a review's diversion): a crowded long side matched by the attacker's short (perpetual skew 0) while the
    ///       attacker's calls keep the net skew, and so the rate, up. The long pays the rate; the pool, the net skew's
    ///       counterparty, keeps its share first, here all of it (the calls' delta covers the long's whole interest),
    ///       so the matching short is paid nothing. Before, it was paid the whole rate (the review: +15,856 USD over
    ///       30 days against a 4.32M short at the rate cap, net of the options' spread and decay).
    function test_funding_optionsDeltaCannotDivertThePoolsFunding() public {
        _open(dave, ETH, true, 20_000 * USD, 100_000 * USD);
        _buy(attacker, 5, true, CALLS);
        _open(attacker, ETH, false, 20_000 * USD, 100_000 * USD);
        assertGe(_optionsSkew(), 100_000 * int256(USD), "the calls' delta covers the longs");
        _pokeHourly(24);
        assertGt(reader.marketState(ETH).fundingRateWad, 0, "the calls hold the rate up");
        assertGt(_status(dave, ETH, true).fundingFeeUsd, 0, "the long pays");
        assertEq(_status(attacker, ETH, false).fundingFeeUsd, 0, "the matching short is paid nothing");
    }

    /// P-83: the pool is never the net payer of funding: calls drive the rate up while the perpetuals are net short
    ///       (hedging them), and no funding flows, so an options holder cannot have the pool pay the hedge.
    function test_funding_poolNeverPaysTheHedge() public {
        _buy(alice, 5, true, CALLS);
        int256 s0 = _optionsSkew();
        _pokeHourly(6);
        assertGt(reader.marketState(ETH).fundingRateWad, 0, "the calls drove the rate up");
        _open(bob, ETH, false, uint256(s0) / 5, uint256(s0)); // hedges the calls: the perpetuals are net short
        uint256 cash0 = _poolCash();
        _pokeHourly(6);
        assertGt(reader.marketState(ETH).fundingRateWad, 0, "the rate stays up (the net skew is flat)");
        assertEq(_status(bob, ETH, false).fundingFeeUsd, 0, "the hedging short is not paid by the pool");
        _close(bob, ETH, false);
        assertGe(_poolCash(), cash0, "the pool paid no funding");
    }

    /// P-83 (attacker): honest traders hold calls on the nearest board; the attacker shorts against their delta, lets
    ///       the board expire, settles it and refreshes the book (the delta vanishes without anyone paying impact),
    ///       then closes: the perpetual impact never pays a rebate the perpetual skew alone would not, so the short's
    ///       round trip returns no more than its collateral.
    function testFuzz_optionsDeltaExpiry_neverFundsARebate(uint256 callsSeed, uint256 sizeSeed) public {
        uint256 amount = bound(callsSeed, 10e9, 1000e9) * 1e9;
        address perpAcct = makeAddr("attacker2");
        boardId = options.liveBoards(ETH)[0]; // the nearest expiry
        _deposit(dave, 200_000_000 * USD); // room under the options' reserve cap
        for (uint256 k; k < 5; ++k) {
            _buy(alice, k, true, amount); // in-the-money calls: delta near one token each
        }
        int256 s0 = _optionsSkew();
        uint256 size = bound(sizeSeed, 1000 * USD, uint256(s0) * 2);
        uint256 collateral = size / 5;
        _open(perpAcct, ETH, false, collateral, size);
        uint256 balBefore = usdc.balanceOf(perpAcct);
        IOptionsBook.Board memory b = options.board(boardId);
        vm.warp(b.expiry);
        _setPrice(ETH, _price(ETH)); // the first round at or after expiry, at the same price
        uint256 round = ethFeed.latestRoundId();
        _refreshPrices();
        options.settleBoard(boardId, round);
        options.refresh(ETH);
        assertEq(_optionsSkew(), 0, "the expired calls' delta is gone");
        _close(perpAcct, ETH, false);
        assertLe(usdc.balanceOf(perpAcct) - balBefore, collateral, "no rebate funded by the vanished delta");
    }

    /// P-83 (attacker): creating options delta to farm the perpetual rebate never pays, however the legs are ordered:
    ///       buy calls, open a short perpetual against them (rebate), sell the calls back, close the short (the skew
    ///       returns to zero: a second rebate). The attacker's combined result over both accounts is <= 0.
    function testFuzz_optionsDeltaRebateFarming_neverProfits(uint256 callsSeed, uint256 sizeSeed, bool closeFirst)
        public
    {
        uint256 amount = bound(callsSeed, 10e9, 1500e9) * 1e9;
        address optionsAcct = attacker;
        address perpAcct = makeAddr("attacker2");
        uint256 premium = _buy(optionsAcct, 5, true, amount);
        int256 s0 = _optionsSkew();
        uint256 size = bound(sizeSeed, 1000 * USD, uint256(s0) * 2);
        uint256 collateral = size / 5;
        _open(perpAcct, ETH, false, collateral, size);
        uint256 received;
        uint256 balBefore = usdc.balanceOf(perpAcct);
        if (closeFirst) {
            _close(perpAcct, ETH, false);
            received += _sell(optionsAcct, 5, true, amount);
        } else {
            received += _sell(optionsAcct, 5, true, amount);
            _close(perpAcct, ETH, false);
        }
        received += usdc.balanceOf(perpAcct) - balBefore;
        assertLe(received, premium + collateral, "no profit from netted rebates");
    }

    /// @dev `hours_` hours at an unchanged price, the market poked (funding accrued) each hour.
    function _pokeHourly(uint256 hours_) internal {
        for (uint256 i; i < hours_; ++i) {
            _setPriceAfter(ETH, _price(ETH), 1 hours);
            _refreshPrices();
            engine.poke(ETH);
        }
    }

    function _abs(int256 x) internal pure returns (int256) {
        return x < 0 ? -x : x;
    }

    function _divUp(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a + b - 1) / b;
    }

    /// P-83: the delta pushed between refreshes moves along the cached gamma only inside the expansion's range: past
    ///       it (a stale cache), a dust trade cannot push more than the calls' whole notional. Before: 1,000 at-the-money
    ///       calls two hours before expiry and +5% pushed 8.51M USD of skew for 3.15M of calls.
    function test_pushedDelta_clampedToTheExpansionRange() public {
        uint256[] memory ids = options.liveBoards(ETH);
        vm.warp(options.board(ids[0]).expiry - 2 hours);
        _refreshPrices();
        options.refresh(ETH); // the keeper's: the setup's book is past its time here
        _buyOption(alice, ids[0], 5, true, 1000e18); // 1,000 at-the-money calls
        options.refresh(ETH);
        _setPrice(ETH, 3150e18); // +5%: past the cache's range, no refresh yet
        _mint(bob, 1000 * USD);
        vm.startPrank(bob);
        usdc.approve(address(options), type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.PriceMoved)
        );
        options.buy(ids[2], 5, false, 1e12, type(uint256).max); // no trade on the stale delta (P-108)
        vm.stopPrank();
        options.refresh(ETH);
        _buyOption(bob, ids[2], 5, false, 1e12); // any trade pushes the book's delta
        int256 pushed = _optionsSkew();
        assertLe(pushed, int256(1000 * 3150 * USD), "at most every call at delta 1");
        assertGe(pushed, 0);
    }
}
