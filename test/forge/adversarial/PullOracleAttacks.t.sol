// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ILiquidityPool} from "../../../contracts/interfaces/ILiquidityPool.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {IPriceFeed} from "../../../contracts/oracles/IPriceFeed.sol";
import {PriceUpdateRouter} from "../../../contracts/periphery/PriceUpdateRouter.sol";
import {PythBaseTest} from "../utils/PythBase.t.sol";

/// @notice Item 5 of the value-leaks issue, from the attacker's side: stale-price arbitrage on a pull oracle. The
///         attacker holds signed prices the chain has not seen and picks whichever pays.
contract PullOracleAttacksTest is PythBaseTest {
    /// P-14 on a pull market (item 5): within one transaction an attacker who holds two signed prices cannot open at
    ///       the older and close at the newer. Fuzzed over the older price's lag (1 s to the market's max age), the move between them
    ///       (up to +-30%) and the side; both routes: open at the stored price then post the newer one to close, and
    ///       post one price to open and a newer one to close. The market keeps the first price the transaction read.
    function testFuzz_pull_openUpdateCloseInOneTransactionNeverProfits(
        uint256 lag,
        int256 moveBps,
        bool isLong,
        bool storedFirst
    ) public {
        lag = bound(lag, 1, deployer.PULL_MAX_PRICE_AGE_SEC());
        moveBps = bound(moveBps, -3000, 3000);
        int64 older = 150e8;
        int64 newer = int64(int256(older) * (10_000 + moveBps) / 10_000);
        _mint(attacker, 10_000 * USD);
        vm.deal(attacker, 1 ether);
        uint256 start = usdc.balanceOf(attacker);
        vm.startPrank(attacker);
        if (storedFirst) {
            _post(older, block.timestamp - lag); // someone posted it earlier; the attacker trades on it directly
            engine.increasePosition(sol, isLong, 10_000 * USD, 50_000 * USD, isLong ? MAX_PRICE : 0);
        } else {
            router.increasePosition{value: FEE_WEI}(
                _updatesAt(older, block.timestamp - lag),
                sol,
                isLong,
                10_000 * USD,
                50_000 * USD,
                isLong ? MAX_PRICE : 0
            );
        }
        uint256 size = engine.position(attacker, sol, isLong).sizeUsd;
        router.decreasePosition{value: FEE_WEI}(
            _updatesAt(newer, block.timestamp), sol, isLong, 0, size, isLong ? 0 : MAX_PRICE
        );
        vm.stopPrank();
        (uint256 oraclePrice,) = solFeed.latestPrice();
        assertEq(oraclePrice, uint256(uint64(newer)) * 1e10, "the newer price did reach the oracle");
        assertLe(usdc.balanceOf(attacker), start, "open then close in one transaction never profits");
    }

    /// P-87 (item 4 on a pull market): an LP cannot redeem at one signed price and deposit back at a newer one in the
    ///       same transaction: the first LP flow pins every price the NAV reads (IClearingCore.pinValuationPrices).
    ///       Fuzzed over the newer price's move (up to +-10%) with a 1M long open on the market.
    function testFuzz_pull_lpRedeemUpdateDepositInOneTransactionNeverProfits(int256 moveBps) public {
        moveBps = bound(moveBps, -1000, 1000);
        _deposit(carol, 4_000_000 * USD);
        _deposit(attacker, 4_000_000 * USD);
        vm.deal(alice, 1 ether);
        _mint(alice, 200_000 * USD);
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(150e8);
        vm.prank(alice);
        router.increasePosition{value: FEE_WEI}(u, sol, true, 200_000 * USD, 1_000_000 * USD, MAX_PRICE);
        skip(pool.cooldownSec() + 1);
        _post(150e8, block.timestamp - 5); // the stored price, 5 s old
        uint256 sharesBefore = pool.balanceOf(attacker);
        vm.deal(attacker, 1 ether);
        // ---- one transaction
        vm.startPrank(attacker);
        uint256 assets = pool.redeem(sharesBefore, attacker, attacker);
        bytes[] memory newer = _data(int64(int256(150e8) * (10_000 + moveBps) / 10_000), block.timestamp);
        solFeed.updatePrice{value: FEE_WEI}(newer);
        pool.deposit(assets, attacker);
        vm.stopPrank();
        assertLe(pool.balanceOf(attacker), sharesBefore, "no more shares than before");
    }

    /// Item 5: timestamps are monotone per market: once a market has used a price, an answer older than it is refused
    ///       with both times (here a feed that went back in time, e.g. after a feed swap).
    function test_pull_olderThanLastUsedPriceIsRefused() public {
        _mint(alice, 2000 * USD);
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(150e8);
        vm.prank(alice);
        router.increasePosition{value: FEE_WEI}(u, sol, true, 1000 * USD, 5000 * USD, MAX_PRICE);
        uint256 usedAt = block.timestamp;
        skip(3); // the mocked price (3 s before the used one) stays within the max age
        vm.mockCall(
            address(solFeed),
            abi.encodeWithSelector(IPriceFeed.latestPrice.selector),
            abi.encode(uint256(140e18), usedAt - 3)
        );
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.PriceOlderThanLastUsed.selector, sol, usedAt - 3, usedAt));
        engine.increasePosition(sol, true, 1000 * USD, 0, MAX_PRICE);
        // Nor through a valuation's pin first in the transaction (which checks no last time): the trade still refuses it.
        engine.pinPrices(1 << sol);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.PriceOlderThanLastUsed.selector, sol, usedAt - 3, usedAt));
        engine.increasePosition(sol, true, 1000 * USD, 0, MAX_PRICE);
    }

    /// A valuation pin names only listed markets: a bit past the last is refused with the market count.
    function test_pinPrices_unknownMarketRefused() public {
        uint256 count = reader.marketCount();
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.UnknownMarket.selector, count, count));
        engine.pinPrices(1 << count | 1);
    }

    /// Item 5: a pull market accepts only a price of seconds (here 7 s): a stored price older than that is refused,
    ///       so the option of trading on an old price while a newer one is known is bounded by seconds of movement.
    function test_pull_storedPriceOlderThanSecondsIsRefused() public {
        uint256 maxAge = deployer.PULL_MAX_PRICE_AGE_SEC();
        _post(150e8, block.timestamp - maxAge - 1);
        _mint(alice, 1000 * USD);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpEngine.PriceTooOld.selector, sol, block.timestamp - maxAge - 1, block.timestamp, maxAge
            )
        );
        engine.increasePosition(sol, true, 1000 * USD, 5000 * USD, MAX_PRICE);
    }
}

/// @notice The same attack on options: buy at the stored price, post a newer signed price, sell back in one transaction.
///         Options trades pin the market's price as perpetual trades do (IPerpEngine.pinMarket), so the sale uses the
///         buy's price. Before, a sale after a 2% move inside the 10 s max age paid +435 USD on 1,000 calls.
contract PullOracleOptionsAttacksTest is PythBaseTest {
    /// P-14 and P-86 for options on a pull market: fuzzed over the newer price's move (up to +-5%) and the option type.
    function testFuzz_pull_optionBuyUpdateSellInOneTransactionNeverProfits(int256 moveBps, bool isCall) public {
        moveBps = bound(moveBps, -500, 500);
        vm.startPrank(admin);
        options.setConfig(sol, deployer.optionsConfig(deployer.marketSpecs()[2]));
        vm.stopPrank();
        _deposit(carol, 5_000_000 * USD);
        _post(150e8, block.timestamp);
        options.listBoards(sol);
        uint256 boardId = options.liveBoards(sol)[3];
        skip(deployer.PULL_MAX_PRICE_AGE_SEC() - 1); // the stored price is as old as the market accepts
        uint256 amount = 1000e18;
        uint256 premium = options.quote(boardId, 5, isCall, true, amount).premiumUsd;
        _mint(bob, premium);
        vm.deal(bob, 1 ether);
        vm.startPrank(bob);
        uint256 paid = options.buy(boardId, 5, isCall, amount, premium);
        _post(int64(int256(150e8) * (10_000 + moveBps) / 10_000), block.timestamp); // a newer signed price
        uint256 got = options.sell(boardId, 5, isCall, amount, 0);
        vm.stopPrank();
        assertLe(got, paid, "the sale used the buy's price");
    }

    /// P-23 (review Y): a queued withdrawal is valued when made (its floor and its minimum's room), so on a pull-oracle
    /// market the app posts the latest update with it, through the router, as it does for instant exits. Without it,
    /// past the market's max price age between trades, the NAV cannot be valued and only a request with no minimum is
    /// taken: the app's request (a minimum 2% under its value) reverted.
    function test_queuedWithdrawal_postsThePriceItIsValuedAt() public {
        _deposit(carol, 4_000_000 * USD);
        uint256 shares = _deposit(attacker, 1_000_000 * USD);
        vm.deal(alice, 1 ether);
        _mint(alice, 200_000 * USD);
        vm.startPrank(alice);
        usdc.approve(address(router), type(uint256).max);
        router.increasePosition{value: FEE_WEI}(_updates(150e8), sol, true, 200_000 * USD, 1_000_000 * USD, MAX_PRICE);
        vm.stopPrank();
        skip(pool.cooldownSec() + 1);
        uint256 snap = vm.snapshotState();
        _post(150e8, block.timestamp);
        uint256 value = pool.previewRedeem(shares);
        vm.revertToState(snap);
        uint256 appMin = value - value * 200 / 10_000; // components/pool/WithdrawForm.tsx QUEUE_TOLERANCE_BPS
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.RequestMinimumTooHigh.selector, appMin, 0));
        pool.requestRedeem(shares, attacker, appMin);
        vm.deal(attacker, 1 ether);
        PriceUpdateRouter.PriceUpdate[] memory u = _updates(150e8);
        vm.prank(attacker);
        router.callPool{value: FEE_WEI}(u, abi.encodeCall(ILiquidityPool.requestRedeem, (shares, attacker, appMin)));
        assertEq(pool.balanceOf(attacker), 0, "queued, valued at the posted price");
        assertEq(pool.queuedShares(), shares);
    }
}
