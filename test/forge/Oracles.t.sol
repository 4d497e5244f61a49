// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ChainlinkPriceFeed} from "../../contracts/oracles/ChainlinkPriceFeed.sol";
import {DevPriceFeed} from "../../contracts/oracles/DevPriceFeed.sol";
import {IAggregatorV3} from "../../contracts/oracles/IAggregatorV3.sol";
import {IHistoricalPriceFeed} from "../../contracts/oracles/IHistoricalPriceFeed.sol";
import {OracleErrors} from "../../contracts/oracles/OracleErrors.sol";
import {PythPriceFeed} from "../../contracts/oracles/PythPriceFeed.sol";
import {MockAggregator} from "./utils/Mocks.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";
import {MockPyth} from "@pythnetwork/pyth-sdk-solidity/MockPyth.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Oracle adapters reject every bad price class with an error carrying the numbers (incident class: Chainlink
///         LUNA min-answer, stale feeds, L2 sequencer outages).
contract OraclesTest is Test {
    MockAggregator internal agg;
    MockAggregator internal sequencer;
    ChainlinkPriceFeed internal feed;

    function setUp() public {
        vm.warp(1_700_000_000);
        agg = new MockAggregator(8);
        sequencer = new MockAggregator(0);
        agg.set(3000e8, block.timestamp);
        sequencer.set(0, block.timestamp - 2 hours); // up for two hours
        feed =
            new ChainlinkPriceFeed(IAggregatorV3(address(agg)), IAggregatorV3(address(sequencer)), 1 hours, 1e18, 1e24);
    }

    function test_chainlink_scalesToWad() public view {
        (uint256 p, uint256 at) = feed.latestPrice();
        assertEq(p, 3000e18);
        assertEq(at, block.timestamp);
    }

    function test_chainlink_rejectsZeroAndNegative() public {
        agg.set(0, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(OracleErrors.NonPositivePrice.selector, int256(0)));
        feed.latestPrice();
        agg.set(-1, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(OracleErrors.NonPositivePrice.selector, int256(-1)));
        feed.latestPrice();
    }

    function test_chainlink_rejectsMinAnswerFloor() public {
        agg.set(1e8, block.timestamp); // pinned at the floor, as LUNA's feed was
        vm.expectRevert(
            abi.encodeWithSelector(OracleErrors.PriceOutOfBounds.selector, int256(1e8), int256(1e8), int256(1e14))
        );
        feed.latestPrice();
    }

    function test_chainlink_rejectsStaleAndFuture() public {
        agg.set(3000e8, block.timestamp - 1 hours - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                OracleErrors.StalePrice.selector, block.timestamp - 1 hours - 1, block.timestamp, 1 hours
            )
        );
        feed.latestPrice();
        agg.set(3000e8, block.timestamp + 5);
        vm.expectRevert(abi.encodeWithSelector(OracleErrors.FuturePrice.selector, block.timestamp + 5, block.timestamp));
        feed.latestPrice();
    }

    /// The adapter refuses every answer while the sequencer is down or its status unknown; the grace period after a
    /// restart is the core's sentinel (SequencerGrace.t.sol), so the adapter serves prices then (closes need them).
    function test_chainlink_sequencerDownRefusedGraceServed() public {
        sequencer.set(1, block.timestamp - 10);
        vm.expectRevert(OracleErrors.SequencerDown.selector);
        feed.latestPrice();
        sequencer.set(0, 0); // "up" in a round that never started (L2 feeds report this before their first round)
        vm.expectRevert(OracleErrors.SequencerStatusUnknown.selector);
        feed.latestPrice();
        sequencer.set(0, block.timestamp - 10 minutes); // back up 10 minutes ago
        (uint256 p,) = feed.latestPrice();
        assertEq(p, 3000e18);
    }

    /// Bounds are given in USD and converted with the decimals read from the aggregator (8, 18 or 6 alike).
    function testFuzz_chainlink_boundsFollowTheFeedDecimals(uint8 dec) public {
        dec = uint8(bound(dec, 0, 18));
        MockAggregator a = new MockAggregator(dec);
        ChainlinkPriceFeed f =
            new ChainlinkPriceFeed(IAggregatorV3(address(a)), IAggregatorV3(address(0)), 1 hours, 1e18, 1e24);
        assertEq(f.minAnswer(), int256(10 ** dec), "1 USD in the feed's units");
        assertEq(f.maxAnswer(), int256(1e6 * 10 ** dec), "1M USD in the feed's units");
        a.set(int256(3000 * 10 ** dec), block.timestamp);
        (uint256 p,) = f.latestPrice();
        assertEq(p, 3000e18, "scaled to WAD");
        a.set(int256(10 ** dec), block.timestamp); // pinned at the 1 USD floor
        vm.expectPartialRevert(OracleErrors.PriceOutOfBounds.selector);
        f.latestPrice();
    }

    function test_chainlink_boundsBelowOneUnitRefused() public {
        MockAggregator a = new MockAggregator(2);
        vm.expectRevert(OracleErrors.InvalidOracleConfig.selector);
        new ChainlinkPriceFeed(IAggregatorV3(address(a)), IAggregatorV3(address(0)), 1 hours, 0.001e18, 1e24);
    }

    /// P-75: a Chainlink settlement round must be the first at or after the expiry within the proxy's current phase.
    ///       While a migration overlaps, the earlier phase's aggregator keeps publishing, and its own first round
    ///       after the expiry would be a second price the settler could choose; it is refused.
    function test_chainlink_settlementRoundOnlyFromTheCurrentPhase() public {
        uint256 expiry = block.timestamp + 100;
        vm.warp(expiry - 20);
        agg.newPhase(3010e8, block.timestamp); // phase 2 starts before the expiry
        uint80 p1Last = uint80(1 << 64 | 1);
        agg.setPastRound(p1Last + 1, 3100e8, expiry + 5); // phase 1 still publishing after the expiry
        vm.warp(expiry + 8);
        agg.set(3020e8, block.timestamp); // phase 2's first round at or after the expiry
        uint256 p2Round = feed.latestRoundId();
        assertEq(p2Round >> 64, 2);

        vm.expectRevert(
            abi.encodeWithSelector(IHistoricalPriceFeed.RoundNotInCurrentPhase.selector, p1Last + 1, p2Round)
        );
        feed.priceAtOrAfter(expiry, p1Last + 1);
        (uint256 price, uint256 at) = feed.priceAtOrAfter(expiry, p2Round);
        assertEq(price, 3020e18);
        assertEq(at, expiry + 8);
    }

    function test_pyth_updatesInTheSameTransactionAndChecksConfidence() public {
        MockPyth pyth = new MockPyth(60, 1);
        bytes32 id = keccak256("ETH/USD");
        PythPriceFeed pf = new PythPriceFeed(IPyth(address(pyth)), id, 60, 3, 50);
        bytes[] memory data = new bytes[](1);
        data[0] = pyth.createPriceFeedUpdateData(id, 3000e8, 1e8, -8, 3000e8, 1e8, uint64(block.timestamp), 0);
        pf.updatePrice{value: 1}(data);
        (uint256 p,) = pf.latestPrice();
        assertEq(p, 3000e18);

        data[0] = pyth.createPriceFeedUpdateData(id, 3000e8, 30e8, -8, 3000e8, 1e8, uint64(block.timestamp + 1), 0);
        skip(1);
        pf.updatePrice{value: 1}(data);
        vm.expectRevert(abi.encodeWithSelector(OracleErrors.ConfidenceTooWide.selector, 100, 50));
        pf.latestPrice();

        skip(61);
        vm.expectRevert(
            abi.encodeWithSelector(OracleErrors.StalePrice.selector, block.timestamp - 61, block.timestamp, 60)
        );
        pf.latestPrice();
    }

    function test_devFeed_onlyOwnerAndStaleness() public {
        DevPriceFeed dev = new DevPriceFeed(address(this), 100e18, 300);
        vm.prank(address(0xBEEF));
        vm.expectRevert();
        dev.setPrice(1e18);
        vm.expectRevert(abi.encodeWithSelector(OracleErrors.NonPositivePrice.selector, int256(0)));
        dev.setPrice(0);
        skip(301);
        vm.expectRevert(
            abi.encodeWithSelector(OracleErrors.StalePrice.selector, block.timestamp - 301, block.timestamp, 300)
        );
        dev.latestPrice();
    }
}
