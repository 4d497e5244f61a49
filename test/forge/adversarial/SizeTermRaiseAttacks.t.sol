// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice A stricter size term enters open positions by lowering the margin schedule's base by the raise at the larger
///         side's open interest (P-60). A review front-ran the admin's raise with a 12.8M long (closed right after):
///         the base fell to the floor (1.49% -> 0.50%, against 1.14% for the honest change) and stayed low for hours,
///         so a 29x long that the honest change would have let be liquidated after a -1.7% move was not. One change now
///         takes at most an hour of the ramp: inflated open interest can cut the others' maintenance by at most that,
///         or make the admin's change revert (a delay, stated in P-60). The same review found an unchanged size term
///         counted as a 2-wei raise (its two roundings), which at the floor refused every config change.
contract SizeTermRaiseAttacksTest is BaseTest {
    address internal eve = makeAddr("eve");

    function setUp() public override {
        super.setUp();
        _deposit(carol, 60_000_000 * USD);
        _open(alice, ETH, true, 500_000 * USD, 5_000_000 * USD); // the honest whale
        // a leveraged mid-size long (~29x after the open fee)
        _open(eve, ETH, true, 70_000 * USD + _openFeeUsd(ETH, 2_000_000 * USD), 2_000_000 * USD);
        _setPriceAfter(ETH, 3000e18, 10 minutes);
        engine.poke(ETH);
    }

    function _base() internal view returns (uint256 b) {
        (b,,) = reader.marginRates(ETH, 0);
    }

    /// The attacker opens any size on either side in front of the admin's raise (1% -> 1.5% per 10M) and closes it
    /// right after: either the change is refused, or the base (what every smaller position is held to) drops by at most
    /// an hour of the ramp, and the honest positions' maintenance does not rise at the change.
    function testFuzz_frontRun_inflatedOpenInterest_cutsAtMostAnHourOfRamp(uint256 sizeSeed, bool isLong) public {
        IPerpEngine.MarketConfig memory s = reader.marketConfig(ETH);
        s.sizeTermWad = s.sizeTermWad * 3 / 2;
        uint256 ramp = s.maintenanceRampWadPerHour;
        uint256 base0 = _base();
        uint256 eve0 = _status(eve, ETH, true).maintenanceMarginWad;
        uint256 size = bound(sizeSeed, 100_000, 30_000_000) * USD;
        _mint(attacker, size / 4);
        vm.prank(attacker);
        engine.increasePosition(ETH, isLong, size / 4, size, isLong ? MAX_PRICE : 0);
        vm.prank(admin);
        try engine.setMarketConfig(ETH, s) {}
        catch (bytes memory err) {
            assertEq(bytes4(err), IPerpEngine.SizeTermRaiseTooLarge.selector, "refused only as too large");
            return;
        }
        _close(attacker, ETH, isLong);
        assertGe(_base() + ramp + 1, base0, "the base drops by at most an hour of the ramp");
        assertLe(_status(eve, ETH, true).maintenanceMarginWad, eve0, "no honest position's rate rises at the change");
        // An hour on, the base is back where it was (the target did not move: the price is unchanged).
        _setPriceAfter(ETH, 3000e18, 1 hours);
        engine.poke(ETH);
        assertGe(_base() + 1, base0 > _target() ? _target() : base0, "back within the hour");
    }

    function _target() internal view returns (uint256) {
        return reader.marketState(ETH).marginTargetWad;
    }

    /// An unchanged size term is no raise, whatever its rounding: at the floor, an unrelated change still goes through.
    function test_unchangedSizeTerm_atTheFloor_doesNotBlockAConfigChange() public {
        _close(alice, ETH, true);
        _close(eve, ETH, true);
        IPerpEngine.MarketConfig memory c = reader.marketConfig(ETH);
        c.mmrFloorWad = 0.02e18; // a calm market: the target is the floor
        c.sizeScaleUsd = uint128(15_000_000 * USD); // 1e16 x oi / 1.5e13 is not a whole number
        vm.prank(admin);
        engine.setMarketConfig(ETH, c);
        _setPriceAfter(ETH, 3000e18, 3 hours);
        engine.poke(ETH); // the base ramps up to the floor
        _open(alice, ETH, true, 500_000 * USD, 5_000_000 * USD);
        assertEq(_base(), c.mmrFloorWad, "base at the floor");
        c.closeFeeBps += 1; // any unrelated change, the size term untouched
        vm.prank(admin);
        engine.setMarketConfig(ETH, c);
        assertEq(reader.marketConfig(ETH).closeFeeBps, c.closeFeeBps);
        assertEq(_base(), c.mmrFloorWad, "the base did not move");
    }

    /// Raises sent back to back (each within an hour of the ramp on its own), with open interest inflated in front of
    /// each, take at most an hour of the ramp together: a review found each step's room was measured from the base the
    /// step before had already lowered, so two steps in one block cut two hours. The room is an hour less how far the
    /// base already trails its target; an hour later the base has climbed back and the next step fits.
    function test_raisesBackToBack_takeAtMostAnHourTogether() public {
        IPerpEngine.MarketConfig memory s = reader.marketConfig(ETH);
        uint256 ramp = s.maintenanceRampWadPerHour;
        uint256 base0 = _base();
        assertEq(base0, _target(), "a calm market: the base at its target");
        _mint(attacker, 3_000_000 * USD);
        vm.prank(attacker);
        engine.increasePosition(ETH, true, 3_000_000 * USD, 12_000_000 * USD, MAX_PRICE); // the side: 19M
        uint256 step = s.sizeTermWad / 5; // + 0.2% per 10M: 0.38 points at 19M, within an hour (0.5) alone
        s.sizeTermWad += uint64(step);
        vm.prank(admin);
        engine.setMarketConfig(ETH, s);
        uint256 first = base0 - _base();
        assertGt(first, 0, "the first step lowered the base");
        assertLe(first, ramp, "by at most an hour");
        s.sizeTermWad += uint64(step);
        uint256 second = step * 19_000_000 * USD / s.sizeScaleUsd + 1;
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpEngine.SizeTermRaiseTooLarge.selector, ETH, 19_000_000 * USD, second, ramp - first
            )
        );
        engine.setMarketConfig(ETH, s);
        // an hour on the base is back at its target, and the second step fits
        _setPriceAfter(ETH, 3000e18, 1 hours);
        engine.poke(ETH);
        assertEq(_base(), _target(), "climbed back within the hour");
        uint256 base1 = _base();
        vm.prank(admin);
        engine.setMarketConfig(ETH, s);
        assertLe(base1 - _base(), ramp, "the second step, an hour later, within an hour again");
    }
}
