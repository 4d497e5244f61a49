// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-101, from the LPs' side: the LP band after a liquidation past a floor. The band prices each market's
///         oracle lag on the traders' net exposure, or on the larger side's whole exposure when the cap and floor books'
///         bounds say a kink lies within the lag of the price. A review gapped a 200,000 long through its floor and
///         liquidated it: the emptied floor bound was parked one bucket under the price (its successor searched only
///         up to the price), so with 5M a side open and a net exposure of 0 the band charged every LP flow the 5M side
///         times the 50 bps lag: a 5M redemption a day later was paid 7,243 USD under the NAV and a 5M deposit lost
///         9,627, with nothing near the price.
contract LagBandBoundAttacksTest is BaseTest {
    function setUp() public override {
        super.setUp();
        _deposit(carol, 20_000_000 * USD);
    }

    /// @dev The NAV and how far below and above it the pool's value bounds (what redemptions and deposits are priced at)
    ///      sit.
    function _band() internal view returns (uint256 down, uint256 up) {
        uint256 nav = core.poolValueUsd();
        (uint256 low, uint256 high) = core.poolValueBoundsUsd();
        down = nav - low;
        up = high - nav;
    }

    /// @dev The band's perpetual term from first principles with no cap or floor within the lag: |long - short| tokens
    ///      x price x lag.
    function _netLagUsd() internal view returns (uint256) {
        IPerpEngine.MarketState memory s = reader.marketState(ETH);
        uint256 net = s.longTokens > s.shortTokens ? s.longTokens - s.shortTokens : s.shortTokens - s.longTokens;
        return net * _price(ETH) / 1e30 * reader.marketConfig(ETH).oracleLagBps / 10_000;
    }

    function test_lpBand_afterALiquidationPastTheFloor_pricesTheNetExposure() public {
        _open(bob, ETH, true, 1_000_000 * USD, 5_000_000 * USD);
        _open(dave, ETH, false, 1_000_000 * USD, 5_000_000 * USD);
        _open(alice, ETH, true, 7000 * USD, 200_000 * USD);
        _setPrice(ETH, 2900e18); // a gap through alice's floor
        vm.prank(keeper);
        engine.liquidate(alice, ETH, true);

        // Every floor and cap left is far from 2,900 (bob's and dave's 5x positions): the band is the net exposure's
        // lag (0 here, one unit of rounding) plus the liquidation's unvested gain (redemptions leave it out, P-96).
        (uint256 down, uint256 up) = _band();
        uint256 unvested = core.poolState().unvestedGainUsd;
        assertLe(down, unvested + _netLagUsd() + 1, "redemptions: the net exposure's lag, nothing more");
        assertLe(up, _netLagUsd() + 1, "deposits too");

        // A day later, after more balanced opens, an LP redeeming 5M is paid the NAV's value and one depositing 5M gets
        // the NAV's shares (within the band's rounding).
        vm.roll(block.number + 7200);
        _setPriceAfter(ETH, 2890e18, 1 days);
        _open(makeAddr("eve"), ETH, true, 100_000 * USD, 1_000_000 * USD);
        _open(makeAddr("frank"), ETH, false, 100_000 * USD, 1_000_000 * USD);
        vm.roll(block.number + 1);
        _setPrice(ETH, 2890e18);
        (down, up) = _band();
        assertLe(down, core.poolState().unvestedGainUsd + _netLagUsd() + 1, "still only the net exposure");
        uint256 shares = pool.convertToShares(5_000_000 * USD);
        uint256 atNav = pool.convertToAssets(shares);
        vm.prank(carol);
        uint256 paid = pool.redeem(shares, carol, carol);
        assertLe(atNav - paid, 10 * USD, "a 5M redemption paid 7,243 USD under the NAV before");
        address lp = makeAddr("lp");
        _mint(lp, 5_000_000 * USD);
        uint256 sharesAtNav = pool.convertToShares(5_000_000 * USD);
        vm.prank(lp);
        uint256 got = pool.deposit(5_000_000 * USD, lp);
        assertLe(pool.convertToAssets(sharesAtNav - got), 10 * USD, "a 5M deposit lost 9,627 USD before");
    }

    /// The band still widens where a floor really is within the lag: after the same liquidation, a long whose equity
    /// falls under 0.4% of its size (so its floor, where its equity is gone, lies within 50 bps under the price).
    function test_lpBand_aFloorWithinTheLag_stillWidensIt() public {
        _open(bob, ETH, true, 1_000_000 * USD, 5_000_000 * USD);
        _open(dave, ETH, false, 1_000_000 * USD, 5_000_000 * USD);
        _open(alice, ETH, true, 7000 * USD, 200_000 * USD);
        _setPrice(ETH, 2900e18);
        vm.prank(keeper);
        engine.liquidate(alice, ETH, true);
        address eve = makeAddr("eve");
        _open(eve, ETH, true, 40_000 * USD, 1_000_000 * USD);
        uint256 p = 2900e18;
        while (_status(eve, ETH, true).equityUsd > int256(4000 * USD)) {
            p = p * 999 / 1000;
            _setPrice(ETH, p);
        }
        assertGt(_status(eve, ETH, true).equityUsd, 0, "not past its floor yet");
        (uint256 down,) = _band();
        IPerpEngine.MarketState memory s = reader.marketState(ETH);
        uint256 larger = s.longTokens > s.shortTokens ? s.longTokens : s.shortTokens;
        uint256 wide = larger * _price(ETH) / 1e30 * reader.marketConfig(ETH).oracleLagBps / 10_000;
        assertGe(down + 1, wide, "a floor within the lag: the larger side's exposure");
    }
}
