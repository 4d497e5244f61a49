// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ClearingCore} from "../../contracts/core/ClearingCore.sol";
import {IClearingCore} from "../../contracts/interfaces/IClearingCore.sol";
import {IOptionsBook} from "../../contracts/interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {ChainlinkPriceFeed} from "../../contracts/oracles/ChainlinkPriceFeed.sol";
import {IAggregatorV3} from "../../contracts/oracles/IAggregatorV3.sol";
import {IPriceFeed} from "../../contracts/oracles/IPriceFeed.sol";
import {OracleErrors} from "../../contracts/oracles/OracleErrors.sol";
import {BaseTest} from "./utils/Base.t.sol";
import {MockAggregator} from "./utils/Mocks.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice P-81: the core's sequencer sentinel on an L2. After the sequencer comes back, its grace period refuses new
///         risk (opens, increases, collateral withdrawals), liquidations and LP deposits and withdrawals, while closes
///         and added collateral stay open (Aave's PriceOracleSentinel); while it is down the Chainlink adapter refuses
///         every price, so nothing that needs one runs.
contract SequencerGraceTest is BaseTest {
    MockAggregator internal sequencer;
    uint256 internal constant GRACE = 1 hours;

    function setUp() public override {
        sequencer = new MockAggregator(0);
        super.setUp();
        sequencer.set(0, block.timestamp - 1 days); // up for a day
        _deposit(carol, 1_000_000 * USD);
        _open(alice, ETH, true, 2000 * USD, 10_000 * USD); // healthy
        _open(bob, ETH, true, 300 * USD, 10_000 * USD); // thin: liquidatable after a -2% move
    }

    function _sequencer() internal view override returns (IAggregatorV3) {
        return IAggregatorV3(address(sequencer));
    }

    function _restart() internal returns (uint256 upSince) {
        skip(10);
        sequencer.set(1, block.timestamp); // down
        skip(20 minutes);
        upSince = block.timestamp;
        sequencer.set(0, upSince); // back up now
        _setPrice(ETH, 2930e18); // the first price after the restart: bob is below maintenance
        assertTrue(_status(bob, ETH, true).liquidatable, "setup: bob liquidatable");
    }

    function _graceError(uint256 upSince) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(OracleErrors.SequencerGracePeriod.selector, upSince, GRACE);
    }

    function test_grace_refusesNewRiskLiquidationsAndLpFlows() public {
        uint256 upSince = _restart();
        assertEq(core.sequencerGraceEndsAt(), upSince + GRACE, "grace ends after the period");

        _mint(dave, 1000 * USD);
        vm.prank(dave);
        vm.expectRevert(_graceError(upSince));
        engine.increasePosition(ETH, false, 1000 * USD, 5000 * USD, 0); // a new position

        vm.prank(alice);
        vm.expectRevert(_graceError(upSince));
        engine.increasePosition(ETH, true, 0, 1000 * USD, MAX_PRICE); // more size

        vm.prank(alice);
        vm.expectRevert(_graceError(upSince));
        engine.decreasePosition(ETH, true, 500 * USD, 0, 0); // collateral out of an open position

        vm.prank(keeper);
        vm.expectRevert(_graceError(upSince));
        engine.liquidate(bob, ETH, true);

        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](1);
        refs[0] = IPerpEngine.PositionRef(bob, ETH, true);
        vm.prank(keeper);
        vm.expectRevert(_graceError(upSince));
        engine.liquidateBatch(refs);

        _mint(dave, 1000 * USD);
        vm.prank(dave);
        vm.expectRevert(_graceError(upSince));
        pool.deposit(1000 * USD, dave);

        vm.prank(carol);
        vm.expectRevert(_graceError(upSince));
        pool.withdraw(1000 * USD, carol, carol);

        // ERC-4626: a temporarily disabled deposit or withdrawal reports 0
        assertEq(pool.maxDeposit(dave), 0);
        assertEq(pool.maxMint(dave), 0);
        assertEq(pool.maxWithdraw(carol), 0);
        assertEq(pool.maxRedeem(carol), 0);
        skip(GRACE);
        _refreshPrices();
        assertGt(pool.maxDeposit(dave), 0, "open again after the grace period");
        assertGt(pool.maxRedeem(carol), 0);
    }

    function test_grace_closesAndCollateralTopUpsStayOpen() public {
        _restart();
        // Bob adds collateral and is no longer liquidatable; alice takes part off, then closes.
        _open(bob, ETH, true, 500 * USD, 0);
        assertEq(engine.position(bob, ETH, true).collateralUsd > 700 * USD, true, "top-up credited");
        assertFalse(_status(bob, ETH, true).liquidatable, "the top-up saved the position");
        vm.prank(alice);
        engine.decreasePosition(ETH, true, 0, 4000 * USD, 0);
        assertEq(engine.position(alice, ETH, true).sizeUsd, 6000 * USD, "partial close");
        uint256 before = usdc.balanceOf(alice);
        _close(alice, ETH, true);
        assertEq(engine.position(alice, ETH, true).sizeUsd, 0, "closed in the grace period");
        assertGt(usdc.balanceOf(alice), before, "paid out");
    }

    /// The classification at the edges: a partial close that also takes collateral out adds risk (refused), a full
    /// close with a collateral amount is a close (allowed); an option buy adds risk, selling one back reduces it.
    function test_grace_edgeCases_partialCloseWithdrawalAndOptions() public {
        options.listBoards(ETH);
        uint256 boardId = options.liveBoards(ETH)[3];
        IOptionsBook.Quote memory q = options.quote(boardId, 5, true, true, 1e18);
        _mint(dave, q.premiumUsd);
        vm.prank(dave);
        options.buy(boardId, 5, true, 1e18, q.premiumUsd); // bought before the outage

        uint256 upSince = _restart();
        options.refresh(ETH); // the keeper's, after the restart's price: trades wait for it past the range (P-108)
        vm.prank(alice);
        vm.expectRevert(_graceError(upSince));
        engine.decreasePosition(ETH, true, 100 * USD, 1000 * USD, 0); // part of the size and collateral out

        IOptionsBook.Quote memory q2 = options.quote(boardId, 5, true, true, 1e18);
        _mint(dave, q2.premiumUsd);
        vm.prank(dave);
        vm.expectRevert(_graceError(upSince));
        options.buy(boardId, 5, true, 1e18, q2.premiumUsd);

        uint256 before = usdc.balanceOf(dave);
        vm.prank(dave);
        options.sell(boardId, 5, true, 1e18, 0); // selling back reduces the pool's risk
        assertGt(usdc.balanceOf(dave), before, "sold back in the grace period");

        vm.prank(alice);
        engine.decreasePosition(ETH, true, 100 * USD, 10_000 * USD, 0); // a full close: the amount is moot
        assertEq(engine.position(alice, ETH, true).sizeUsd, 0, "closed");
    }

    function test_grace_endsAndEverythingResumes() public {
        uint256 upSince = _restart(); // now: upSince + 1
        skip(GRACE - 2);
        _refreshPrices();
        vm.prank(keeper);
        vm.expectRevert(_graceError(upSince)); // the last second of the period is still grace
        engine.liquidate(bob, ETH, true);
        skip(1);
        _refreshPrices();
        assertEq(core.sequencerGraceEndsAt(), 0, "no grace now");
        vm.prank(keeper);
        engine.liquidate(bob, ETH, true);
        assertEq(engine.position(bob, ETH, true).sizeUsd, 0, "liquidated after the grace period");
        _open(dave, ETH, false, 1000 * USD, 5000 * USD);
        _deposit(dave, 1000 * USD);
    }

    /// While the sequencer is down the adapter refuses every answer, so even a close waits; the core refuses new risk
    /// with its own check before any price is read. After the restart only rounds published since are served.
    function test_down_chainlinkMarketRefusesEvenCloses() public {
        MockAggregator agg = new MockAggregator(8);
        agg.set(3000e8, block.timestamp);
        ChainlinkPriceFeed feed =
            new ChainlinkPriceFeed(IAggregatorV3(address(agg)), IAggregatorV3(address(sequencer)), 1 hours, 1e18, 1e24);
        // a market on the Chainlink feed (a market's feed is fixed when it is listed: FeedFixed), alice long on it
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.feed = IPriceFeed(address(feed));
        vm.prank(admin);
        uint256 m = engine.addMarket("ETH-USD-CL", cfg);
        _open(alice, m, true, 2000 * USD, 10_000 * USD);
        skip(1); // another transaction: the open's pinned price is not the close's
        agg.set(3000e8, block.timestamp);

        sequencer.set(1, block.timestamp); // down
        vm.prank(alice);
        vm.expectRevert(OracleErrors.SequencerDown.selector);
        engine.decreasePosition(m, true, 0, 10_000 * USD, 0);
        _mint(dave, 1000 * USD);
        vm.prank(dave);
        vm.expectRevert(OracleErrors.SequencerDown.selector);
        engine.increasePosition(m, false, 1000 * USD, 5000 * USD, 0);
        vm.expectRevert(OracleErrors.SequencerDown.selector);
        core.sequencerGraceEndsAt();

        // ETH fell 10% while the sequencer was down. Back up: the last round is from before the outage, and a close at
        // it would take the fall from the pool, so it is refused until the first round after the restart.
        uint256 downAt = block.timestamp;
        skip(20 minutes);
        sequencer.set(0, block.timestamp);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(OracleErrors.PriceBeforeSequencerRestart.selector, downAt, block.timestamp)
        );
        engine.decreasePosition(m, true, 0, 10_000 * USD, 0);
        skip(30);
        agg.set(2700e8, block.timestamp); // the first round after the restart
        uint256 before = usdc.balanceOf(alice);
        _close(alice, m, true); // in the grace period, at the post-restart price
        assertEq(engine.position(alice, m, true).sizeUsd, 0);
        assertLt(usdc.balanceOf(alice) - before, 2000 * USD - 900 * USD, "closed at the fallen price: lost ~1,000");
    }

    /// With a sentinel the grace is 10 minutes to 4 hours: it is immutable, and 0 (no grace) or a mistyped value (held
    /// for as long after every restart) could never be fixed (review AX).
    function test_constructor_graceBounded() public {
        address vaultAddress = makeAddr("vault");
        IClearingCore.PoolConfig memory pc = deployer.poolConfig();
        for (uint256 i; i < 2; ++i) {
            uint256 grace = i == 0 ? 0 : 36_000_000;
            vm.expectRevert(
                abi.encodeWithSelector(
                    IPerpEngine.InvalidParameter.selector, bytes32("sequencerGraceSec"), grace, 10 minutes, 4 hours
                )
            );
            new ClearingCore(IERC20(address(usdc)), admin, pc, vaultAddress, IAggregatorV3(address(sequencer)), grace);
        }
        new ClearingCore(IERC20(address(usdc)), admin, pc, vaultAddress, IAggregatorV3(address(sequencer)), 10 minutes);
        new ClearingCore(IERC20(address(usdc)), admin, pc, vaultAddress, IAggregatorV3(address(0)), 0); // no sentinel
    }

    function test_sentinel_fixedAtDeployment() public view {
        assertEq(core.sequencerUptimeFeed(), address(sequencer));
        assertEq(core.sequencerGraceSec(), GRACE);
        assertEq(core.sequencerGraceEndsAt(), 0, "up for a day: no grace");
    }
}
