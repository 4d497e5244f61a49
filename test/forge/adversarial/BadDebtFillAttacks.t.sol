// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOrderBook} from "../../../contracts/interfaces/IOrderBook.sol";
import {OrderBook} from "../../../contracts/orders/OrderBook.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-98: what a fill locks is income the pool received. A review found the lock (impact beyond the fee) blind
///         to the fill's bad debt: a stop-loss filled through its owner's bankruptcy locked 162,500 USD of impact
///         the pool never received while the NAV rose 33,155, and an honest LP redeeming right after the fill was
///         paid 64,672 less than just before it, though the NAV had risen. The core now vests impact - fee - bad debt.
contract BadDebtFillAttacksTest is BaseTest {
    OrderBook internal book;

    function setUp() public override {
        super.setUp();
        book = _deployOrderBook();
        _deposit(carol, 100_000_000 * USD); // stays
        _deposit(dave, 100_000_000 * USD); // redeems after the fill
        skip(120); // past the deposit cooldown
        _refreshPrices();
    }

    /// The market leans short (bob: 40M). Alice holds a 5M long at max leverage with an "any price" stop-loss (the
    /// app's default); a -4% gap takes her past bankruptcy and the keeper's fill closes her into the short skew. The
    /// gain that starts vesting is at most what the NAV gained (recomputed from the pool's value before and after), and
    /// dave's redemption after the fill pays at least what it paid before it.
    function test_stopLossFilledThroughBankruptcy_locksNoGainThePoolDidNotReceive() public {
        uint256 p0 = _price(ETH);
        _open(bob, ETH, false, 8_000_000 * USD, 40_000_000 * USD);
        skip(7 hours); // bob's own open's lock vests first
        _refreshPrices();
        uint256 size = 5_000_000 * USD;
        (, uint256 imr,) = reader.marginRates(ETH, size);
        _open(alice, ETH, true, size * imr / 1e18 + _openFeeUsd(ETH, size) + 1000 * USD, size);
        _mint(alice, 1e6);
        vm.prank(alice);
        usdc.approve(address(book), type(uint256).max);
        vm.prank(alice);
        uint256 sl = book.createOrder(
            ETH, true, IOrderBook.Kind.StopLoss, p0 * 99 / 100, type(uint16).max, size, 0, block.timestamp + 1 days, 1e6
        );
        vm.roll(block.number + 1);
        _setPrice(ETH, p0 * 96 / 100); // a gap through the stop and through alice's bankruptcy
        assertLt(_status(alice, ETH, true).equityUsd, 0, "alice is bankrupt");

        uint256 navBefore = core.poolValueUsd();
        uint256 badDebtBefore = core.poolState().badDebtUsd;
        assertEq(core.poolState().unvestedGainUsd, 0, "nothing vesting before the fill");
        uint256 paidBefore = _redemptionNow(dave);

        vm.prank(keeper);
        assertTrue(book.executeOrder(sl), "the stop-loss filled");
        assertGt(core.poolState().badDebtUsd, badDebtBefore, "the fill left bad debt");
        int256 navJump = int256(core.poolValueUsd()) - int256(navBefore);
        uint256 locked = core.poolState().unvestedGainUsd;
        assertLe(int256(locked), navJump > 0 ? navJump : int256(0), "locked at most what the NAV gained");

        assertGe(_redemptionNow(dave), paidBefore, "the NAV rose: redeeming after the fill pays no less");
    }
}
