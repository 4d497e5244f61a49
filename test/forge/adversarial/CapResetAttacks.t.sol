// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {CapGrid} from "../../../contracts/libraries/CapGrid.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-107, from the attacker's side (reviews Q and R). Adding size realizes a position's capped PnL and reopens
///         its tokens at the price (P-20). The reopened tokens used to take a fresh cap from the new entry, so a dust
///         increase gave a position at or next to its cap price all its exposure beyond it back: before a push feed's
///         known update it took +7,673 USD on a 1M long that had doubled (100% cap) and +45,153 on a 10M long at a 15%
///         cap (review Q). A fee on the reopened notional within the lag of the cap (the first fix) fell short: under
///         P-97's model of a published move of up to twice the lag it still took +44,866, just outside the window
///         +56,400 for no fee, and ahead of a +3% trend the reset was a free call worth +255,006 (review R). Now the
///         reopened tokens keep only what they could still earn before their cap price (CapGrid.headroomDown) and the
///         added size brings its own cap (CapGrid.bucketForProfit): adding never resets a cap, so no path pays more.
contract CapResetAttacksTest is BaseTest {
    function setUp() public override {
        super.setUp();
        _deposit(carol, 50_000_000 * USD);
        vm.roll(block.number + 1);
        skip(1);
        _refreshPrices();
    }

    function _setMaxProfit(uint256 maxProfitBps) internal {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.maxProfitBps = uint16(maxProfitBps);
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
    }

    function _capPrice(address who, bool isLong) internal view returns (uint256) {
        return CapGrid.priceOf(engine.position(who, ETH, isLong).capBucket);
    }

    /// @dev Walks the price to `target` in steps of at most 3%, one sampling interval apart (a trend, not a gap).
    function _walkTo(uint256 target) internal {
        uint256 p = _price(ETH);
        while (p != target) {
            uint256 next = target > p ? p * 103 / 100 : p * 97 / 100;
            if ((target > p && next > target) || (target < p && next < target)) next = target;
            p = next;
            _setPriceAfter(ETH, p, 10 minutes);
        }
    }

    /// @dev The attacker's result (USD paid to it less paid by it) if it holds through the update to `p1` and closes
    ///      (`reset` false), or first adds `dustUsd` of size (the reset) and then does the same.
    function _run(bool isLong, uint256 p1, bool reset, uint256 dustUsd) internal returns (int256 resultUsd) {
        uint256 before = usdc.balanceOf(attacker);
        if (reset) {
            // At (or within a grid step of) its cap price the increase is refused (review S): the attacker holds.
            vm.prank(attacker);
            try engine.increasePosition(ETH, isLong, 0, dustUsd, isLong ? MAX_PRICE : 0) {}
            catch (bytes memory err) {
                assertEq(bytes4(err), IPerpEngine.AtProfitCap.selector, "refused only at the cap");
            }
        }
        _setPrice(ETH, p1);
        _close(attacker, ETH, isLong);
        resultUsd = int256(usdc.balanceOf(attacker)) - int256(before);
    }

    /// @dev Holding against resetting before the update, from the same state: what the reset adds.
    function _resetGain(bool isLong, uint256 p1, uint256 dustUsd) internal returns (int256) {
        uint256 snap = vm.snapshotState();
        int256 hold = _run(isLong, p1, false, 0);
        vm.revertToState(snap);
        int256 reset = _run(isLong, p1, true, dustUsd);
        vm.revertToState(snap);
        return reset - hold;
    }

    /// The review's cases on the deployment's fees (50 bps a side, lag 50 bps): both made money before the fix.
    function test_capReset_reviewCases_loseNow() public {
        // a 1M long from 3,000 walked to 0.1% under its 100% cap, a 100 USD increase before a +0.5% update: +7,673 before
        _open(dave, ETH, false, 600_000 * USD, 1_000_000 * USD);
        _open(attacker, ETH, true, 200_000 * USD + _openFeeUsd(ETH, 1_000_000 * USD), 1_000_000 * USD);
        _mint(dave, 1_000_000 * USD);
        vm.prank(dave);
        engine.increasePosition(ETH, false, 1_000_000 * USD, 0, 0);
        _walkTo(_capPrice(attacker, true) * 9990 / 10_000);
        uint256 lag = reader.marketConfig(ETH).oracleLagBps;
        assertLe(_resetGain(true, _price(ETH) * (10_000 + lag) / 10_000, 100 * USD), 0, "100% cap: was +7,673 USD");
    }

    function test_capReset_fifteenPercentCap_loseNow() public {
        // a 10M long at a 15% cap, 0.1% under it, a 1 USD increase before a +0.5% update: +45,153 before
        _setMaxProfit(1500);
        _open(dave, ETH, false, 5_000_000 * USD, 10_000_000 * USD);
        _open(attacker, ETH, true, 2_000_000 * USD + _openFeeUsd(ETH, 10_000_000 * USD), 10_000_000 * USD);
        _walkTo(_capPrice(attacker, true) * 9990 / 10_000);
        uint256 lag = reader.marketConfig(ETH).oracleLagBps;
        assertLe(_resetGain(true, _price(ETH) * (10_000 + lag) / 10_000, 1 * USD), 0, "15% cap: was +45,153 USD");
    }

    /// Any side, cap, size and distance to the cap (two lags short of it to one lag past it), any move in the position's
    /// favour up to twice the lag (P-97's published move) and then anything up to a 5% trend: a dust increase before it
    /// never beats holding by more than the stated close-fee rebase and the dust's own cap.
    function testFuzz_capReset_beforeAKnownMove_neverProfits(
        uint256 capSeed,
        uint256 sizeSeed,
        uint256 distSeed,
        uint256 moveSeed,
        bool isLong
    ) public {
        _setMaxProfit(bound(capSeed, 300, 1500));
        uint256 size = bound(sizeSeed, 100_000, 10_000_000) * USD;
        uint256 lag = reader.marketConfig(ETH).oracleLagBps;
        _open(dave, ETH, !isLong, size / 2, size); // the other side, so the skew stays near zero
        _open(attacker, ETH, isLong, size / 4 + _openFeeUsd(ETH, size), size);
        uint256 capP = _capPrice(attacker, isLong);
        // distance from the cap in the position's favour, bps: 2 lags short of it .. 1 lag past it
        uint256 d = bound(distSeed, 0, 3 * lag);
        _walkTo(isLong ? capP * (10_000 + lag - d) / 10_000 : capP * (10_000 - lag + d) / 10_000);
        uint256 p0 = _price(ETH);
        uint256 m = bound(moveSeed, 1, 500);
        uint256 p1 = isLong ? p0 * (10_000 + m) / 10_000 : p0 * (10_000 - m) / 10_000;
        int256 allowance =
            int256(_rebasedCloseFeeUsd(isLong, p0) + USD * reader.marketConfig(ETH).maxProfitBps / 10_000);
        assertLe(_resetGain(isLong, p1, 1 * USD), allowance, "beats holding");
    }

    /// Review R's cases: a 10M long at a 15% cap, reset with 1 USD before a move of twice the lag (P-97's model), inside
    /// the first fix's window (0.1% under the cap: was +44,866) and just outside it (1.5 lags away, no fee: was
    /// +27,890); and the free call: 1.5 lags from the cap before a +3% trend (was +255,006).
    function test_capReset_reviewR_cases_loseNow() public {
        _setMaxProfit(1500);
        _open(dave, ETH, false, 5_000_000 * USD, 10_000_000 * USD);
        _open(attacker, ETH, true, 2_000_000 * USD + _openFeeUsd(ETH, 10_000_000 * USD), 10_000_000 * USD);
        uint256 capP = _capPrice(attacker, true);
        uint256 lag = reader.marketConfig(ETH).oracleLagBps;
        uint256 snap = vm.snapshotState();
        _walkTo(capP * 9990 / 10_000);
        assertLe(_resetGain(true, _price(ETH) * (10_000 + 2 * lag) / 10_000, 1 * USD), 0, "inside: was +44,866");
        vm.revertToState(snap);
        _walkTo(capP * (20_000 - 3 * lag) / 20_000);
        assertLe(_resetGain(true, _price(ETH) * (10_000 + 2 * lag) / 10_000, 1 * USD), 0, "outside: was +27,890");
        assertLe(_resetGain(true, _price(ETH) * 103 / 100, 1 * USD), 0, "ahead of a trend: was +255,006");
    }

    /// @dev The close fee an increase moves off the position's basis (P-107's stated limit, from the documented rule):
    ///      a close is charged on max(entry size, the tokens' value) (P-97); an increase reopens at the value, so a
    ///      position whose entry exceeds its value (a long at a loss, a short in profit) later pays the close fee on
    ///      up to `closeFeeBps` x (entry - value) less. Holding and resetting differ by that much without any update.
    function _rebasedCloseFeeUsd(bool isLong, uint256 priceWad) internal view returns (uint256) {
        IPerpEngine.Position memory pos = engine.position(attacker, ETH, isLong);
        uint256 valueUsd = uint256(pos.sizeTokens) * priceWad / 1e30;
        if (valueUsd >= pos.sizeUsd) return 0;
        return ((pos.sizeUsd - valueUsd) * reader.marketConfig(ETH).closeFeeBps + 9999) / 10_000;
    }
}
