// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ILiquidityPool} from "../../../contracts/interfaces/ILiquidityPool.sol";
import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {MathLib} from "../../../contracts/libraries/MathLib.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice Options priced on a volatility sample that is due but not yet taken. The estimator's next sample is the
///         first price of a new interval, so once the oracle has published one, everyone knows what the sample will
///         be and can choose who takes it and when. An attacker who bought at the old implied volatilities, took the
///         sample (a permissionless poke) and sold back in one transaction earned +11,475 USD after a quiet 3 hours
///         and a 4% move; an LP who redeemed before the poke and deposited after took +5,040 USD from the other LP.
///         Quotes, fills and the NAV's cache check now see a due sample (IPerpEngine.volatilityNow), and every
///         options trade and refresh takes it first (IPerpEngine.pinMarket).
contract OptionsSampleAttacksTest is BaseTest {
    uint256[] internal ids;
    uint256 internal interval;

    function setUp() public override {
        super.setUp();
        interval = reader.marketConfig(ETH).sampleIntervalSec;
        _deposit(carol, 10_000_000 * USD);
        _deposit(attacker, 10_000_000 * USD);
        _setPriceAtBoundary(ETH, 3000e18, 1);
        engine.poke(ETH); // the series' first price
        ids = _listBoards(ETH);
        // Traders hold vega: near-the-money straddles on the later boards.
        for (uint256 j = 2; j < ids.length; ++j) {
            for (uint256 k = 4; k <= 6; ++k) {
                _buyOption(alice, ids[j], k, true, 90e18);
                _buyOption(alice, ids[j], k, false, 90e18);
            }
        }
        _setPriceAtBoundary(ETH, 3000e18, 1);
        engine.poke(ETH); // a quiet sample
        options.refresh(ETH);
    }

    /// P-86: `pinMarket` takes the due sample and returns, from the same call, what the views read after it: the pinned
    ///       price, the estimator `volatilityNow` applied in memory before it, the perpetual traders' tokens (each position's, summed
    ///       here) and the config's oracle lag and estimator; a newer price posted later in the transaction moves none.
    function test_pinMarket_takesTheSampleAndReturnsTheInputs() public {
        _open(bob, ETH, true, 50_000 * USD, 400_000 * USD);
        _open(dave, ETH, false, 40_000 * USD, 150_000 * USD);
        uint256 lastSample = reader.marketState(ETH).lastSampleAt;
        _setPriceAtBoundary(ETH, 3090e18, 1); // a sample is due
        assertLt(lastSample, block.timestamp);

        IPerpEngine.PricingInputs memory due = engine.volatilityNow(ETH); // the sample applied in memory
        IPerpEngine.PricingInputs memory p = engine.pinMarket(ETH);
        assertEq(p.priceWad, 3090e18);
        assertEq(reader.marketState(ETH).lastSampleAt, block.timestamp, "the due sample is taken and stored");
        assertGt(p.varianceWad, 0);
        assertEq(p.priceWad, due.priceWad);
        assertEq(p.varianceWad, due.varianceWad, "the stored sample is the one the view applied");
        assertEq(p.longVarianceWad, due.longVarianceWad);
        assertEq(p.samplePriceWad, due.samplePriceWad);
        assertEq(p.samplePriceWad, 3090e18);
        assertEq(p.sampleAt, due.sampleAt);
        assertEq(p.sampleAt, block.timestamp);
        assertEq(reader.marketState(ETH).varianceWad, p.varianceWad);
        assertEq(p.longTokens, engine.position(bob, ETH, true).sizeTokens);
        assertEq(p.shortTokens, engine.position(dave, ETH, false).sizeTokens);
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        assertEq(p.oracleLagBps, cfg.oracleLagBps);
        assertEq(p.est.intervalSec, cfg.sampleIntervalSec);
        assertEq(p.est.clipSigmas, cfg.clipSigmas);
        assertEq(p.est.tauSec, cfg.volTauSec);
        assertEq(p.est.longTauSec, cfg.longVolTauSec);
        assertEq(p.est.maxAgeSec, cfg.maxPriceAgeSec);

        vm.prank(admin);
        ethFeed.setPrice(3200e18); // later in the same transaction
        assertEq(engine.pinMarket(ETH).priceWad, 3090e18, "one price per transaction");
        assertEq(engine.volatilityNow(ETH).priceWad, 3090e18);
    }

    /// P-86: buying, taking the due sample and selling back in one transaction never profits, whatever the quiet spell
    ///       before it and the move it ended with (the sample's return), on puts and calls of two boards.
    function testFuzz_buyTakeSampleSell_neverProfits(uint256 quietSeed, uint256 moveSeed, uint256 amountSeed) public {
        uint256 quiet = bound(quietSeed, interval, 6 hours);
        int256 moveBps = int256(bound(moveSeed, 0, 1200)) - 600; // -6% .. +6%
        if (quietSeed % 2 == 0) {
            // half the runs within the book's range, where trades go on (P-108): the quiet spell within its time,
            // the move within its price distance
            IOptionsBook.BookView memory bv = options.book(ETH);
            quiet = bound(quietSeed, interval, MathLib.max(bv.validUntil - block.timestamp, interval));
            uint256 maxBps = bv.maxMoveWad * 10_000 / 3000e18;
            moveBps = int256(bound(moveSeed, 0, 2 * maxBps)) - int256(maxBps);
        }
        uint256 amount = bound(amountSeed, 5e9, 80e9) * 1e9;
        _setPriceAfter(ETH, uint256(int256(3000e18) * (10_000 + moveBps) / 10_000), quiet);
        // Past the book's range (its price move or its time) trades wait for the keeper's refresh, which takes the
        // sample first (P-108): the attack cannot start.
        try options.quote(ids[2], 2, true, true, amount) {}
        catch (bytes memory reason) {
            assertEq(bytes4(reason), IOptionsBook.OptionsBookStale.selector, "refused only as stale");
            return;
        }
        // ---- one transaction
        uint256 paid;
        for (uint256 j = 2; j <= 3; ++j) {
            for (uint256 k = 2; k <= 8; k += 3) {
                paid += _buyOption(bob, ids[j], k, k < 5, amount);
            }
        }
        engine.poke(ETH); // takes the sample (already taken by the first buy: nothing moves)
        uint256 got;
        for (uint256 j = 2; j <= 3; ++j) {
            for (uint256 k = 2; k <= 8; k += 3) {
                vm.prank(bob);
                got += options.sell(ids[j], k, k < 5, amount, 0);
            }
        }
        assertLe(got, paid, "no profit across a due sample");
    }

    /// P-86: once a sample is due, the NAV's options term is stale (the cached greeks were taken at the old implied
    ///       volatilities): LP flows wait for the refresh, which takes the sample, so no LP can redeem at the old
    ///       volatilities and deposit back at the new ones in one transaction.
    function test_lpFlows_waitWhileASampleIsDue() public {
        _setPriceAfter(ETH, 3045e18, 120);
        options.refresh(ETH); // fresh inside the interval
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.Fresh));
        uint256 shares = pool.maxRedeem(attacker);
        vm.warp((block.timestamp / interval + 1) * interval + 1);
        vm.prank(admin);
        ethFeed.setPrice(3045e18); // the boundary has passed: this price is the next sample
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.VolatilityResampled), "due: stale");
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptionsBook.OptionsBookStale.selector, ETH, IOptionsBook.Staleness.VolatilityResampled
            )
        );
        vm.prank(attacker);
        pool.redeem(shares, attacker, attacker);
        options.refresh(ETH); // the keeper: takes the sample and reprices the book
        assertEq(uint8(options.staleness(ETH)), uint8(IOptionsBook.Staleness.Fresh));
        vm.prank(attacker);
        pool.redeem(shares, attacker, attacker);
    }

    /// P-86: the issue's LP round trip (refresh, redeem, take the sample, refresh, deposit back, one transaction) after a
    ///       quiet hour and a 3% move gains the LP nothing against doing nothing, and costs the other LP nothing.
    function test_lpRoundTripAcrossASample_gainsNothing() public {
        _setPriceAfter(ETH, 3090e18, 1 hours);
        options.refresh(ETH);
        uint256 snap = vm.snapshotState();
        vm.startPrank(attacker);
        options.refresh(ETH);
        uint256 assets = pool.redeem(pool.maxRedeem(attacker), attacker, attacker);
        engine.poke(ETH);
        options.refresh(ETH);
        pool.deposit(assets, attacker);
        vm.stopPrank();
        uint256 carolAttacked = pool.convertToAssets(pool.balanceOf(carol));
        uint256 attackerAttacked = pool.convertToAssets(pool.balanceOf(attacker)) + usdc.balanceOf(attacker);
        vm.revertToState(snap);
        engine.poke(ETH);
        options.refresh(ETH);
        uint256 carolControl = pool.convertToAssets(pool.balanceOf(carol));
        uint256 attackerControl = pool.convertToAssets(pool.balanceOf(attacker)) + usdc.balanceOf(attacker);
        assertLe(attackerAttacked, attackerControl, "the round trip gains nothing");
        assertGe(carolAttacked, carolControl, "the other LP loses nothing");
    }

    /// @dev The attacker's and the other LP's value (pool shares at the NAV's mid plus cash) at the end of a branch.
    function _values() internal view returns (uint256 attackerUsd, uint256 carolUsd) {
        attackerUsd = pool.convertToAssets(pool.balanceOf(attacker)) + usdc.balanceOf(attacker);
        carolUsd = pool.convertToAssets(pool.balanceOf(carol));
    }

    /// @dev Moves the price to `priceWad` `beforeBoundary` seconds before the next sampling boundary, and has the
    ///      keeper refresh the book there (the NAV is fresh at the move).
    function _moveBeforeBoundary(uint256 priceWad, uint256 beforeBoundary) internal {
        uint256 boundary = (block.timestamp / interval + 1) * interval;
        vm.warp(boundary - beforeBoundary);
        vm.prank(admin);
        ethFeed.setPrice(priceWad);
        options.refresh(ETH);
    }

    /// @dev A fuzzed scenario: the price after a move of -1.9% .. +1.9% (inside the cache's range), posted
    ///      `beforeBoundary` seconds before the next sampling boundary, and the sample `delay` seconds after the
    ///      boundary, before the posted price expires (a feed's heartbeat is within the max price age), less `spare`.
    function _scenario(uint256 moveSeed, uint256 whenSeed, uint256 delaySeed, uint256 spare)
        internal
        view
        returns (uint256 priceWad, uint256 beforeBoundary, uint256 delay)
    {
        int256 moveBps = int256(bound(moveSeed, 0, 380)) - 190;
        priceWad = uint256(int256(3000e18) * (10_000 + moveBps) / 10_000);
        uint256 maxAge = reader.marketConfig(ETH).maxPriceAgeSec;
        beforeBoundary = bound(whenSeed, 1, (interval / 2 < maxAge ? interval / 2 : maxAge - 1) - spare);
        delay = bound(delaySeed, 1, maxAge - beforeBoundary - spare);
    }

    /// @dev The next interval's first price (the sample) at `priceWad`, `delay` seconds after the boundary (a quiet
    ///       feed publishes late: the later, the more the variance decays), taken and refreshed by the keeper.
    function _sampleAtNextBoundary(uint256 priceWad, uint256 delay) internal {
        vm.warp((block.timestamp / interval + 1) * interval + delay);
        vm.prank(admin);
        ethFeed.setPrice(priceWad);
        engine.poke(ETH);
        options.refresh(ETH);
    }

    /// P-88: the next sample is predictable from the price already published in its interval: a move raises the
    ///       variance and re-centres the skew at the sample, which reprices every option the pool wrote. A cooled-down
    ///       LP who redeems just before the boundary and deposits back after the keeper's refresh (two transactions,
    ///       across blocks) gains nothing against staying in, and the other LP loses nothing, whatever the move and
    ///       however close to the boundary and however late the feed publishes the sample.
    function testFuzz_lpRedeemBeforeSampleDepositAfter_neverProfits(
        uint256 moveSeed,
        uint256 whenSeed,
        uint256 delaySeed
    ) public {
        (uint256 priceWad, uint256 beforeBoundary, uint256 delay) = _scenario(moveSeed, whenSeed, delaySeed, 0);
        _moveBeforeBoundary(priceWad, beforeBoundary);
        uint256 snap = vm.snapshotState();
        vm.startPrank(attacker);
        uint256 assets = pool.redeem(pool.maxRedeem(attacker), attacker, attacker);
        vm.stopPrank();
        _sampleAtNextBoundary(priceWad, delay);
        vm.prank(attacker);
        pool.deposit(assets, attacker);
        (uint256 attackerAttacked, uint256 carolAttacked) = _values();
        vm.revertToState(snap);
        _sampleAtNextBoundary(priceWad, delay);
        (uint256 attackerControl, uint256 carolControl) = _values();
        assertLe(attackerAttacked, attackerControl, "redeeming before the sample gains nothing");
        assertGe(carolAttacked, carolControl, "the other LP loses nothing");
    }

    /// P-88: the other direction: a deposit just before a sample that will lower the options' value (a quiet interval
    ///       decays the variance; a move re-centres the skew), redeemed after the keeper's refresh (and the deposit
    ///       cooldown), returns no more than it put in, however late the sample comes.
    function testFuzz_lpDepositBeforeSampleRedeemAfter_neverProfits(
        uint256 moveSeed,
        uint256 whenSeed,
        uint256 delaySeed
    ) public {
        (uint256 priceWad, uint256 beforeBoundary, uint256 delay) = _scenario(moveSeed, whenSeed, delaySeed, 0);
        _moveBeforeBoundary(priceWad, beforeBoundary);
        uint256 depositedAt = block.timestamp;
        uint256 shares = _deposit(bob, 20_000_000 * USD);
        _sampleAtNextBoundary(priceWad, delay);
        uint256 unlockAt = depositedAt + pool.cooldownSec();
        if (block.timestamp < unlockAt) vm.warp(unlockAt);
        vm.prank(bob);
        uint256 assets = pool.redeem(shares, bob, bob);
        assertLe(assets, 20_000_000 * USD, "a deposit across the sample returns no more than it put in");
    }

    /// P-88: the LP band covers the next sample's repricing of the book, recomputed from first principles: the exact
    ///       Black-Scholes value of every open option on the old surface, against the exact value on the surface the
    ///       sample makes (its price anywhere within the oracle's lag of the current one, published up to the max
    ///       price age later), both at the same spot.
    function testFuzz_lpBand_coversTheNextSampleRepricing(
        uint256 moveSeed,
        uint256 whenSeed,
        uint256 delaySeed,
        uint256 lagSeed
    ) public {
        (uint256 priceWad, uint256 beforeBoundary, uint256 delay) = _scenario(moveSeed, whenSeed, delaySeed, 1);
        uint256 lagBps = reader.marketConfig(ETH).oracleLagBps;
        int256 sampleOffBps = int256(bound(lagSeed, 0, 2 * lagBps)) - int256(lagBps);
        _moveBeforeBoundary(priceWad, beforeBoundary);
        vm.warp((block.timestamp / interval + 1) * interval + delay);
        // Still the old interval's price: the old surface, now.
        (uint256 lowUsd, uint256 highUsd) = core.poolValueBoundsUsd();
        uint256 exactOld = options.exactLiabilityWad(ETH);
        vm.prank(admin);
        ethFeed.setPrice(uint256(int256(priceWad) * (10_000 + sampleOffBps) / 10_000));
        engine.poke(ETH); // the sample
        skip(1);
        vm.prank(admin);
        ethFeed.setPrice(priceWad); // back to the same spot, inside the new interval (not a sample)
        uint256 exactNew = options.exactLiabilityWad(ETH);
        uint256 repricingUsd = (exactNew > exactOld ? exactNew - exactOld : exactOld - exactNew) / 1e12;
        assertLe(repricingUsd, (highUsd - lowUsd) / 2, "the band covers the sample's repricing");
    }

    /// @dev Half the LP band now (USD).
    /// P-90: the trader's side of a predictable sample. A move inside an interval tells everyone how the next sample
    ///       will reprice the book (the variance rises and the skew re-centres); a trader who buys vega at the old
    ///       implied volatilities just before the boundary and sells it back after the keeper's refresh pays the
    ///       spread and the impact both ways, whatever the move, the option, the size and how close to the boundary:
    ///       a trade is priced on whichever of the current surface and the next sample's favours the pool. Before,
    ///       out-of-the-money puts on one weekly board gained +16 USD on 25 tokens after a +5% move, +106 after +15%,
    ///       +189 on 40 tokens after +24% (the sample raised their implied volatility from 56% to 70%). And a sample
    ///       that comes late (an hourly feed's heartbeat, or whoever posts first on a quiet pull market) sets a larger
    ///       variance than a prompt one while the outlier cap binds, so the delay is fuzzed up to four times an hour's
    ///       max age (a sample counts for at most its window, P-92).
    /// forge-config: default.fuzz.runs = 128
    function testFuzz_traderBuyBeforeSampleSellAfter_neverProfits(
        uint256 moveSeed,
        uint256 whenSeed,
        uint256 amountSeed,
        uint256 strikeSeed,
        uint256 delaySeed
    ) public {
        uint256 delay = bound(delaySeed, 1, 4 * _hourlyFeed()); // past the max age too (P-92)
        int256 moveBps = int256(bound(moveSeed, 0, 5000)) - 2500; // -25% .. +25%
        uint256 priceWad = uint256(int256(3000e18) * (10_000 + moveBps) / 10_000);
        _moveBeforeBoundary(priceWad, bound(whenSeed, 1, interval / 2));
        uint256 amount = bound(amountSeed, 1e8, 40e9) * 1e9;
        uint256 k = bound(strikeSeed, 0, 21);
        bool isCall = k > 10;
        k %= 11;
        uint256 paid;
        for (uint256 j = 1; j < ids.length; ++j) {
            paid += _buyOption(bob, ids[j], k, isCall, amount);
        }
        _sampleAtNextBoundary(priceWad, delay);
        uint256 got;
        vm.startPrank(bob);
        for (uint256 j = 1; j < ids.length; ++j) {
            got += options.sell(ids[j], k, isCall, amount, 0);
        }
        vm.stopPrank();
        assertLe(got, paid, "buying before a predictable sample and selling after never profits");
    }

    /// P-90: the other side: a holder who sells just before a predictable sample and buys the same back after it
    ///       (ending where it started) never gains, whatever the move, the option and however late the sample comes
    ///       (P-92: a review found a sale's lower bound failed for a sample later than the max price age, whose
    ///       longer span decayed the variance further).
    /// forge-config: default.fuzz.runs = 128
    function testFuzz_traderSellBeforeSampleBuyBackAfter_neverProfits(
        uint256 moveSeed,
        uint256 whenSeed,
        uint256 amountSeed,
        uint256 strikeSeed,
        uint256 delaySeed
    ) public {
        uint256 delay = bound(delaySeed, 1, 4 * _hourlyFeed()); // past the max age too (P-92)
        uint256 amount = bound(amountSeed, 1e8, 40e9) * 1e9;
        uint256 k = bound(strikeSeed, 0, 21);
        bool isCall = k > 10;
        k %= 11;
        for (uint256 j = 1; j < ids.length; ++j) {
            _buyOption(bob, ids[j], k, isCall, amount); // held from the quiet start
        }
        int256 moveBps = int256(bound(moveSeed, 0, 5000)) - 2500; // -25% .. +25%
        uint256 priceWad = uint256(int256(3000e18) * (10_000 + moveBps) / 10_000);
        _moveBeforeBoundary(priceWad, bound(whenSeed, 1, interval / 2));
        uint256 got;
        vm.startPrank(bob);
        for (uint256 j = 1; j < ids.length; ++j) {
            got += options.sell(ids[j], k, isCall, amount, 0);
        }
        vm.stopPrank();
        _sampleAtNextBoundary(priceWad, delay);
        uint256 paid;
        for (uint256 j = 1; j < ids.length; ++j) {
            paid += _buyOption(bob, ids[j], k, isCall, amount);
        }
        assertLe(got, paid, "selling before a predictable sample and buying back after never profits");
    }

    /// P-89: a raised oracle lag (a feed with a wider deviation threshold) widens the options' part of the LP band at
    ///       once, not at the keeper's next refresh (a review found the book's copy of the lag read until then).
    function test_lagRaise_widensTheBandBeforeTheRefresh() public {
        _moveBeforeBoundary(3030e18, 300);
        uint256 before = _halfBand();
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.oracleLagBps *= 2;
        (cfg.openFeeBps, cfg.closeFeeBps) = (cfg.oracleLagBps, cfg.oracleLagBps); // every fill pays the lag (P-97)
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        uint256 raised = _halfBand();
        assertGt(raised, before, "the band widens with the lag");
        options.refresh(ETH);
        assertApproxEqRel(_halfBand(), raised, 0.01e18, "the refresh confirms it");
    }

    /// P-93: options bought in front of a deposit in its own block do not raise its price: the deposit's band leaves
    ///       out what the block's buys added (net of its sales). A review found an LP holding half the pool who bought
    ///       1,600 weekly puts in front of a 5M deposit (the band's per-token vega bound is several times the real
    ///       repricing of a far out-of-the-money put, while the round trip costs only the spread) took 7,021 USD from
    ///       it and netted +1,604. Now, against the same deposit without the attack: the attacker ends with no more
    ///       (its round trip is a loss) and the depositor with no less (it shares that loss's gain to the pool).
    function test_depositSandwich_sameBlock_attackerGainsNothing() public {
        _sameBlockSandwich(false);
    }

    /// P-93: a review found that a refresh (permissionless) between the buys and the deposit cleared the block's record
    ///       and brought the sandwich back in full (the depositor lost 5,068 USD again); the refresh keeps it.
    function test_depositSandwich_sameBlockWithARefresh_attackerGainsNothing() public {
        _sameBlockSandwich(true);
    }

    function _sameBlockSandwich(bool refreshBetween) internal {
        (address dave, uint256 amount) = _depositorAfterAMove();
        uint256 snap = vm.snapshotState();
        vm.prank(dave);
        uint256 control = pool.deposit(amount, dave);
        (uint256 attackerControl,) = _values();
        uint256 daveControl = pool.convertToAssets(control);
        vm.revertToState(snap);
        uint256 paid = _buyPutsInFront();
        if (refreshBetween) options.refresh(ETH);
        vm.prank(dave);
        uint256 shares = pool.deposit(amount, dave);
        vm.startPrank(attacker);
        for (uint256 j = 2; j < ids.length; ++j) {
            options.sell(ids[j], 0, false, 400e18, 0);
        }
        vm.stopPrank();
        (uint256 attackerAttacked,) = _values();
        assertLe(attackerAttacked - paid, attackerControl, "the sandwich gains the attacker nothing");
        assertGe(pool.convertToAssets(shares), daveControl, "and takes nothing from the depositor");
    }

    /// @dev After +1.9% two minutes before a sampling boundary (the keeper refreshed there): a depositor with 5M
    ///      USD, approved.
    function _depositorAfterAMove() internal returns (address dave, uint256 amount) {
        dave = makeAddr("dave");
        _moveBeforeBoundary(3057e18, 120);
        amount = 5_000_000 * USD;
        _mint(dave, amount);
        vm.prank(dave);
        usdc.approve(address(pool), type(uint256).max);
    }

    /// @dev The attacker's far out-of-the-money weekly puts (400 tokens a board), bought in this block: they widen the
    ///      redemption side of the band, not the deposit side. Returns the premium paid (minted to the attacker).
    function _buyPutsInFront() internal returns (uint256 paid) {
        (uint256 lowBefore, uint256 highBefore) = core.poolValueBoundsUsd();
        uint256 navBefore = core.poolValueUsd();
        for (uint256 j = 2; j < ids.length; ++j) {
            paid += _buyOption(attacker, ids[j], 0, false, 400e18);
        }
        (uint256 low, uint256 high) = core.poolValueBoundsUsd();
        uint256 nav = core.poolValueUsd();
        assertGt(nav - low, navBefore - lowBefore + 20_000 * USD, "the buys widen the redemption side of the band");
        assertLe(high - nav, highBefore - navBefore, "but not the deposit side");
    }

    /// P-91: across blocks (buys in one, the deposit in the next: not atomic, the attacker holds the options in
    ///       between) the band does count the buys, and the depositor's minimum (the pool page's default tolerance,
    ///       0.05%) refuses the deposit instead (a 5M deposit would get 0.21% fewer shares).
    function test_depositSandwich_acrossBlocks_refusedByTheMinimum() public {
        (address dave, uint256 amount) = _depositorAfterAMove();
        uint256 minShares = pool.previewDeposit(amount) * 9995 / 10_000; // the pool page's default, 0.05%
        for (uint256 j = 2; j < ids.length; ++j) {
            _buyOption(attacker, ids[j], 0, false, 400e18);
        }
        vm.roll(block.number + 1);
        uint256 sandwiched = pool.previewDeposit(amount);
        assertLt(sandwiched, minShares, "the widened band prices the deposit below the minimum");
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.VaultSlippageExceeded.selector, sandwiched, minShares));
        vm.prank(dave);
        pool.deposit(amount, dave, minShares);
        assertEq(usdc.balanceOf(dave), amount, "nothing taken");
    }

    /// @dev An hourly push feed's limits on ETH (Chainlink-like: the max price age a heartbeat and a margin); returns it.
    function _hourlyFeed() internal returns (uint256 maxAge) {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.maxPriceAgeSec = 4020;
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        return cfg.maxPriceAgeSec;
    }

    /// P-90: a review's case: after +8% inside an interval an hourly feed publishes the sample at its heartbeat, an
    ///       hour after the move. Puts bought before the boundary and sold after that sample made +4,976 USD on 16,089
    ///       (the variance went 60% -> 109% volatility, past what a prompt sample sets); priced at the highest variance
    ///       any sample time gives, the round trip loses.
    function test_lateSampleAfterAMove_buyerGainsNothing() public {
        _hourlyFeed();
        uint256 boundary = (block.timestamp / interval + 1) * interval;
        vm.warp(boundary - 300);
        vm.prank(admin);
        ethFeed.setPrice(3240e18);
        options.refresh(ETH);
        uint256 paid;
        for (uint256 j; j < ids.length; ++j) {
            paid += _buyOption(bob, ids[j], 6, false, 40e18);
        }
        vm.warp(boundary + 3300);
        vm.prank(admin);
        ethFeed.setPrice(3240e18);
        engine.poke(ETH);
        options.refresh(ETH);
        uint256 got;
        vm.startPrank(bob);
        for (uint256 j; j < ids.length; ++j) {
            got += options.sell(ids[j], 6, false, 40e18, 0);
        }
        vm.stopPrank();
        assertLt(got, paid, "the late sample's repricing was in the buyer's price");
    }

    /// P-92: a sample counts for at most the rest of its interval plus the max price age (RiskMath.sampleSpanSec), so
    ///       the next sample's surface is bounded over that window and a buy after a move inside an interval is
    ///       priced near what a sample can really set: a review found +8% took a weekly put's ask to 118% volatility
    ///       while a prompt sample sets 69.5% (the bound ran over every later publish time). The ask before the
    ///       boundary is at least the bid after any sample (no round trip gains) and its volatility within 2% of the
    ///       highest ask volatility a sample in the window sets.
    function test_moveInsideAnInterval_askNearTheHighestSample() public {
        uint256 maxAge = reader.marketConfig(ETH).maxPriceAgeSec;
        uint256 boundary = (block.timestamp / interval + 1) * interval;
        vm.warp(boundary - 300);
        vm.prank(admin);
        ethFeed.setPrice(3240e18);
        options.refresh(ETH);
        IOptionsBook.Quote memory ask = options.quote(ids[2], 3, false, true, 1e18);
        uint256 highest;
        for (uint256 d = 1; d <= 4 * maxAge; d += maxAge / 8 + 1) {
            uint256 snap = vm.snapshotState();
            vm.warp(boundary + d);
            vm.prank(admin);
            ethFeed.setPrice(3240e18);
            engine.poke(ETH);
            options.refresh(ETH);
            IOptionsBook.Quote memory later = options.quote(ids[2], 3, false, true, 1e18);
            uint256 bidUsd = options.quote(ids[2], 3, false, false, 1e18).premiumUsd;
            vm.revertToState(snap);
            assertLe(bidUsd, ask.premiumUsd, "the ask before covers the sample");
            if (later.ivWad > highest) highest = later.ivWad;
        }
        emit log_named_uint("ask volatility before the boundary", ask.ivWad);
        emit log_named_uint("highest ask volatility after a sample", highest);
        assertLe(ask.ivWad, highest * 102 / 100, "and is near the highest a sample sets");
    }

    function _halfBand() internal view returns (uint256) {
        (uint256 lowUsd, uint256 highUsd) = core.poolValueBoundsUsd();
        return (highUsd - lowUsd) / 2;
    }

    /// P-88: the resampling bound's sums are upper bounds kept exact across a round trip: a buy and its sale back
    ///       leave the LP band where it was (a review found 10 round trips of weekly puts lifting it 3,244 -> 25,772
    ///       USD until the next refresh).
    function test_buyAndSellBack_leaveTheBandWhereItWas() public {
        _moveBeforeBoundary(3057e18, 120); // a 1.9% move: the band is at its widest
        uint256 before = _halfBand();
        uint256 lockedBefore = core.poolState().unvestedGainUsd;
        for (uint256 n; n < 10; ++n) {
            _buyOption(bob, ids[2], 0, false, 1600e18);
            vm.prank(bob);
            options.sell(ids[2], 0, false, 1600e18, 0);
        }
        // The trades' impact is income the pool locks (P-98: redemptions leave it out while it vests), so the band's
        // low side moves down by it. Each trade adds its rounding allowance (1e-9 USD) to the error bound and the
        // band's two bounds round up to the micro-USD; nothing else may grow.
        uint256 locked = core.poolState().unvestedGainUsd - lockedBefore;
        assertGt(locked, 0, "the round trips' impact is locked");
        assertApproxEqAbs(_halfBand(), before + locked / 2, 3, "the band is back where it was, but for the lock");
    }

    /// P-89: nobody but a keeper chooses the moment of a queue fill, and a band widened after a request does not
    ///       lower its fill. An LP (half the pool) buys out-of-the-money puts (the bound charges every token its largest
    ///       vega) to widen the band: filling the other LP's queued request itself in the same transaction is refused
    ///       (a review measured +247k for 38.6k of premium with a permissionless fill), and the keeper's fill, which
    ///       the attacker can time by freeing liquidity just before it (review BS), pays the request at the band it
    ///       saw: before, that fill fell below the request's minimum, so the request was cancelled, or with a looser
    ///       minimum paid the widened band.
    function test_queueFillSandwich_bandWidenedAfterTheRequest_paysTheRequestsBand() public {
        _moveBeforeBoundary(3057e18, 120);
        uint256 shares = pool.balanceOf(carol);
        uint256 valueAtRequest = pool.previewRedeem(shares);
        uint256 minAssets = _maxQueueMinimum(valueAtRequest); // 1 bp under its value now: the most allowed
        vm.prank(carol);
        uint256 id = pool.requestRedeem(shares, carol, minAssets);
        (uint256 navAtRequest, uint256 lowAtRequest,) = core.poolValueTermsUsd();
        assertEq(
            pool.withdrawalRequest(id).bandBps,
            ((navAtRequest - lowAtRequest) * 10_000 + navAtRequest - 1) / navAtRequest,
            "the request keeps the band it saw, rounded up"
        );
        for (uint256 j = 2; j < ids.length; ++j) {
            _buyOption(attacker, ids[j], 0, false, 400e18);
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                ILiquidityPool.QueueKeeperOnly.selector, attacker, block.timestamp + pool.KEEPERLESS_QUEUE_SEC()
            )
        );
        vm.prank(attacker);
        pool.processQueue(10);
        // The widened band: an instant redemption now would be paid below the request's minimum.
        assertLt(pool.previewRedeem(shares), minAssets, "the widened band would pay less than the minimum");
        pool.processQueue(10); // the keeper's fill
        uint256 paid = usdc.balanceOf(carol);
        assertEq(pool.withdrawalRequest(id).shares, 0, "filled in full");
        assertGe(paid, minAssets, "at least the minimum");
        // At the request's band on the NAV now: the puts' premium above their mid raised the NAV, so at least the
        // value at the request, never the widened band's; and never above the shares' part of the NAV itself.
        assertGe(paid, valueAtRequest, "paid at the band the request saw");
        (uint256 navNow,,) = core.poolValueTermsUsd();
        assertLe(paid, shares * (navNow + paid) / (pool.totalSupply() + shares), "at most its part of the NAV");
    }
}
