// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOrderBook} from "../../../contracts/interfaces/IOrderBook.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {CapGrid} from "../../../contracts/libraries/CapGrid.sol";
import {OrderBook} from "../../../contracts/orders/OrderBook.sol";
import {BaseTest} from "../utils/Base.t.sol";
import {console} from "forge-std/console.sol";

/// @notice The third party's form of FloorReleaseAttacks: an honest trader's stop-loss ("any price", the app's default)
///         filled by the keeper through a gap past the position's floor's grid price. The fill is a full close with
///         bad debt, while the NAV (which valued the position at its floor's grid price and set the keeper's reward
///         aside) rises by reward + T x (F_b - max(P, F*)). Before the fill locked it, an LP who deposited after the gap
///         and before the keeper's fill took +19,962 of that rise 61 s later (a liquidation of the same position locked
///         it, P-96); now the fill locks the NAV's jump and the deposit loses what it would in front of a liquidation.
contract FloorReleaseStopLossTest is BaseTest {
    OrderBook internal book;
    address internal s1 = makeAddr("s1");
    address internal s2 = makeAddr("s2");
    uint256 internal constant SIZE = 10_000_000 * USD;
    uint256 internal constant ATTACK_DEPOSIT = 100_000_000 * USD;

    function setUp() public override {
        super.setUp();
        book = _deployOrderBook();
        IPerpEngine.MarketConfig memory mc = deployer.withOracleLag(reader.marketConfig(ETH), 11); // Pyth ETH
        vm.prank(admin);
        engine.setMarketConfig(ETH, mc);
        _deposit(carol, 25_000_000 * USD);
    }

    function _scene() internal returns (uint256 sl, uint256 gapPrice) {
        uint256 p0 = _price(ETH);
        _open(s1, ETH, false, 1_000_000 * USD, SIZE / 2);
        _open(s2, ETH, false, 1_000_000 * USD, SIZE / 2);
        (, uint256 imr,) = reader.marginRates(ETH, SIZE);
        _open(alice, ETH, true, SIZE * imr / 1e18 + 2 * _openFeeUsd(ETH, SIZE) + 2000 * USD, SIZE);
        _mint(alice, 1e6);
        vm.prank(alice);
        usdc.approve(address(book), type(uint256).max);
        vm.prank(alice);
        sl = book.createOrder(
            ETH, true, IOrderBook.Kind.StopLoss, p0 * 99 / 100, type(uint16).max, SIZE, 0, block.timestamp + 2 days, 1e6
        );
        _setPriceAfter(ETH, p0, 7 hours); // the opens' locks vest
        vm.roll(block.number + 1);
        IPerpEngine.Position memory pos = engine.position(alice, ETH, true);
        gapPrice = CapGrid.priceOf(pos.floorBucket) * 9975 / 10_000; // 0.25% under the floor's grid price
        console.log("floor grid price / gap price (USD)", CapGrid.priceOf(pos.floorBucket) / 1e18, gapPrice / 1e18);
        _setPrice(ETH, gapPrice);
        assertTrue(_status(alice, ETH, true).liquidatable, "past the liquidation price");
    }

    function _run(bool attack, bool fill) internal returns (int256 lp, uint256 carolValue, int256 jump, uint256 lock) {
        (uint256 sl, uint256 gapPrice) = _scene();
        uint256 shares;
        if (attack) {
            _mint(attacker, ATTACK_DEPOSIT);
            vm.prank(attacker);
            shares = pool.deposit(ATTACK_DEPOSIT, attacker);
        }
        uint256 nav0 = core.poolValueUsd();
        uint256 l0 = core.poolState().unvestedGainUsd;
        if (fill) {
            vm.prank(keeper);
            assertTrue(book.executeOrder(sl), "filled");
        } else {
            vm.prank(keeper);
            engine.liquidate(alice, ETH, true);
        }
        jump = int256(core.poolValueUsd()) - int256(nav0);
        lock = core.poolState().unvestedGainUsd - l0;
        _setPriceAfter(ETH, gapPrice, 61);
        if (attack) {
            uint256 b0 = usdc.balanceOf(attacker);
            vm.prank(attacker);
            pool.redeem(shares, attacker, attacker);
            lp = int256(usdc.balanceOf(attacker) - b0) - int256(ATTACK_DEPOSIT);
        }
        _setPriceAfter(ETH, gapPrice, core.GAIN_VEST_SEC());
        carolValue = pool.previewRedeem(pool.balanceOf(carol));
    }

    function _s(int256 x) internal pure returns (string memory) {
        return x >= 0 ? vm.toString(uint256(x) / USD) : string.concat("-", vm.toString(uint256(-x) / USD));
    }

    function test_depositInFrontOfAStopLossFilledPastTheFloor_gainsNothing() public {
        uint256 snap = vm.snapshotState();
        (, uint256 carolFill, int256 jumpFill, uint256 lockFill) = _run(false, true);
        vm.revertToState(snap);
        (, uint256 carolLiq, int256 jumpLiq, uint256 lockLiq) = _run(false, false);
        vm.revertToState(snap);
        (int256 lpAtk, uint256 carolAtk,,) = _run(true, true);
        vm.revertToState(snap);
        (int256 lpAtkLiq,,,) = _run(true, false);
        console.log("stop-loss fill: NAV jump / locked (USD)", _s(jumpFill), lockFill / USD);
        console.log("liquidation instead: NAV jump / locked (USD)", _s(jumpLiq), lockLiq / USD);
        console.log("attacker LP, deposit in front of the fill, redeemed 61 s later (USD)", _s(lpAtk));
        console.log("attacker LP, the same deposit in front of a liquidation (USD)", _s(lpAtkLiq));
        console.log("carol, all vested: fill without / with the attacker (USD)", carolFill / USD, carolAtk / USD);
        console.log("carol's loss to the attacker (USD)", _s(int256(carolFill) - int256(carolAtk)));
        console.log("(carol after a liquidation instead, USD)", carolLiq / USD);
        assertApproxEqAbs(lockFill, uint256(jumpFill), 4, "the fill locks the NAV's jump (to its rounding, P-03)");
        assertApproxEqAbs(lockLiq, uint256(jumpLiq), 4, "as a liquidation does");
        assertLe(lpAtk, 0, "a deposit timed to the fill takes the NAV's unlocked rise");
    }
}
