// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-99 on the engine (review AB): when funding accrues changes nothing, also across the rate's zero
///         crossing. A 10M long held the rate at its cap; an 11M short then turned the perpetual skew short, so the
///         rate ramps down through zero after 80 h. Zeroing a whole accrual by its net sign made one poke at the
///         crossing pay the long 45,662 USD more over 200 quiet hours (the short 50,228 more); the split now holds per
///         instant (RiskMath.nextFundingSplit).
contract FundingSplitAttacksTest is BaseTest {
    function _setUpCrossing() internal {
        _deposit(carol, 50_000_000 * USD);
        _open(alice, ETH, true, 1_000_000 * USD, 10_000_000 * USD);
        skip(10 hours);
        _refreshPrices();
        engine.poke(ETH);
        assertEq(reader.marketState(ETH).fundingRateWad, int256(uint256(reader.marketConfig(ETH).maxFundingRateWad)));
        _open(bob, ETH, false, 1_100_000 * USD, 11_000_000 * USD);
    }

    /// What each side owes after 200 h, with `pokes` pokes (by anyone) spread over the gap, the first at `firstPokeSec`.
    function _fundingAfter(uint256 pokes, uint256 firstPokeSec) internal returns (int256 longOwes, int256 shortOwes) {
        uint256 end = block.timestamp + 200 hours;
        if (pokes > 0) {
            uint256 step = (end - block.timestamp - firstPokeSec) / pokes;
            skip(firstPokeSec);
            for (uint256 i; i < pokes; ++i) {
                _refreshPrices();
                vm.prank(attacker);
                engine.poke(ETH);
                skip(step);
            }
        }
        vm.warp(end);
        _refreshPrices();
        longOwes = _status(alice, ETH, true).fundingFeeUsd;
        shortOwes = _status(bob, ETH, false).fundingFeeUsd;
    }

    /// The review's case: one poke at the crossing (80 h) against the market left untouched, each side's funding
    /// recomputed from the rate's path. The rate falls from the cap at v per second: positive for t1 = cap / v (the
    /// long pays its triangle, cap t1 / 2, which the 11M of shorts share: the net skew is short, so the pool's share on
    /// the long side is 0), then negative (the shorts pay: a triangle to -cap over t1, then the cap; the pool keeps
    /// its share on the net skew, 1M of the 11M, and the long is paid the whole rate).
    function test_pokeAtTheZeroCrossing_changesNoOnesFunding() public {
        _setUpCrossing();
        int256 longBefore = _status(alice, ETH, true).fundingFeeUsd; // the 10 h the long held the market alone
        uint256 snap = vm.snapshotState();
        (int256 longUntouched, int256 shortUntouched) = _fundingAfter(0, 0);
        vm.revertToState(snap);
        (int256 longPoked, int256 shortPoked) = _fundingAfter(1, 80 hours);
        longUntouched -= longBefore;
        longPoked -= longBefore;
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        int256 cap = int256(uint256(cfg.maxFundingRateWad));
        int256 v = int256(1_000_000 * USD) * 1e18 / int256(uint256(cfg.skewScaleUsd))
            * int256(uint256(cfg.maxFundingVelocityWad)) / 1e18;
        int256 t1 = cap / v;
        assertApproxEqAbs(t1, 80 hours, 60, "the rate crosses zero after 80 h");
        int256 positive = cap * t1 / 2; // per USD of size, WAD
        int256 negative = cap * t1 / 2 + cap * (200 hours - 2 * t1);
        int256 longWant = int256(10_000_000 * USD) * (positive - negative) / 1e18;
        int256 shortWant = (int256(11_000_000 * USD) * negative - int256(10_000_000 * USD) * positive) / 1e18;
        assertApproxEqRel(longUntouched, longWant, 1e15, "the long pays its part and is paid the rest");
        assertApproxEqRel(shortUntouched, shortWant, 1e15, "the shorts pay theirs and share the long's");
        assertApproxEqRel(
            shortUntouched + longUntouched, int256(1_000_000 * USD) * negative / 1e18, 1e15, "the pool's share"
        );
        // within a few USD of the poked path (each accrual truncates under a wei of index per USD of size)
        assertApproxEqAbs(longUntouched, longPoked, 5 * USD, "a poke at the crossing pays the long nothing more");
        assertApproxEqAbs(shortUntouched, shortPoked, 5 * USD, "nor costs the short");
    }

    /// Any number of pokes at any times: the funding each side owes is the same as with none.
    function testFuzz_pokesAnywhere_changeNoOnesFunding(uint256 pokesSeed, uint256 firstSeed) public {
        _setUpCrossing();
        uint256 pokes = bound(pokesSeed, 1, 6);
        uint256 first = bound(firstSeed, 1, 150 hours);
        uint256 snap = vm.snapshotState();
        (int256 longUntouched, int256 shortUntouched) = _fundingAfter(0, 0);
        vm.revertToState(snap);
        (int256 longPoked, int256 shortPoked) = _fundingAfter(pokes, first);
        assertApproxEqAbs(longUntouched, longPoked, 5 * USD * pokes, "pokes pay the long nothing");
        assertApproxEqAbs(shortUntouched, shortPoked, 5 * USD * pokes, "pokes cost the short nothing");
    }
}
