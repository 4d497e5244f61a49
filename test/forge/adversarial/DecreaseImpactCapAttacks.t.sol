// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice P-98's note, from the attacker's side: impact is path-independent, so a skew costs what opening it costs
///         however it is built. A cap on a decrease's impact (tried to close P-98's stated limit, then reverted) broke
///         that: two accounts opened balanced long/short pairs (the skew near 0, little impact) and closed the long leg
///         in one decrease whose impact the cap held at its fee, leaving the same short as a direct open for a cost
///         linear in its size (a review: 53,000 USD against 212,000 for a 20M short on 6 bps fees), and calls bought
///         against that skew paid no delta impact before the capped close unwound it (the LPs lost 25,136 USD on 6,400
///         calls). Both paths must cost at least the direct trade.
contract DecreaseImpactCapAttacksTest is BaseTest {
    address internal longLeg = makeAddr("longLeg");
    address internal shortLeg = makeAddr("shortLeg");
    uint256 internal constant PAIRS = 20;

    function setUp() public override {
        super.setUp();
        _deposit(carol, 200_000_000 * USD);
        // 6 bps a side: the lowest fee a market may have (P-97), where the cap mattered most
        IPerpEngine.MarketConfig memory cfg = deployer.withOracleLag(reader.marketConfig(ETH), 6);
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
    }

    /// @dev Both legs' combined token spend since `start`.
    function _spent(uint256 start) internal view returns (uint256) {
        return start - (usdc.balanceOf(longLeg) + usdc.balanceOf(shortLeg));
    }

    /// @dev `PAIRS` pairs of a long and a short of `sizeUsd / PAIRS` each keep the skew near 0; then the long leg closes
    ///      in one decrease, which leaves the short leg's `sizeUsd` as the market's skew.
    function _buildShortSkewThroughPairs(uint256 sizeUsd) internal {
        uint256 d = sizeUsd / PAIRS;
        for (uint256 i; i < PAIRS; ++i) {
            vm.prank(longLeg);
            engine.increasePosition(ETH, true, d / 8, d, MAX_PRICE);
            vm.prank(shortLeg);
            engine.increasePosition(ETH, false, d / 8, d, 0);
        }
        _close(longLeg, ETH, true);
    }

    function testFuzz_skewBuiltThroughPairs_costsAtLeastOpeningIt(uint256 sizeSeed) public {
        uint256 size = bound(sizeSeed, 1_000_000, 20_000_000) * USD;
        _mint(longLeg, size / 8);
        _mint(shortLeg, size / 8);
        uint256 start = usdc.balanceOf(longLeg) + usdc.balanceOf(shortLeg);

        uint256 snap = vm.snapshotState();
        vm.prank(shortLeg);
        engine.increasePosition(ETH, false, size / 8, size, 0);
        _close(shortLeg, ETH, false);
        uint256 direct = _spent(start);
        vm.revertToState(snap);

        _buildShortSkewThroughPairs(size);
        _close(shortLeg, ETH, false);
        uint256 viaPairs = _spent(start);
        assertGe(viaPairs, direct, "a skew built through pairs cost less than opening it");
    }

    /// @dev Buys 1,600 calls at four strikes (2,800 to 3,100) of the next `boards` boards; the premium paid.
    function _buyCalls(address who, uint256[] memory ids, uint256 boards) internal returns (uint256 premium) {
        for (uint256 j = 1; j <= boards; ++j) {
            for (uint256 k = 3; k < 7; ++k) {
                premium += _buyOption(who, ids[j], k, true, 1600e18);
            }
        }
    }

    /// @dev The calls' delta in USD at the quote (6 decimals).
    function _callsDeltaUsd(uint256[] memory ids, uint256 boards) internal view returns (uint256 x) {
        for (uint256 j = 1; j <= boards; ++j) {
            for (uint256 k = 3; k < 7; ++k) {
                IOptionsBook.Quote memory q = options.quote(ids[j], k, true, true, 1600e18);
                x += uint256(q.greeks.deltaWad) * 1600 * q.spotWad / 1e18 / 1e12;
            }
        }
    }

    function test_callsBoughtAgainstABuiltSkew_costAtLeastBuyingThemDirectly() public {
        _callsBoughtAgainstABuiltSkew(1);
    }

    function test_callsBoughtAgainstABuiltSkew_threeBoards() public {
        _callsBoughtAgainstABuiltSkew(3);
    }

    /// @dev The direct purchase against the attack: build a short skew the size of the calls' delta through pairs,
    ///      buy the calls against it (which then reduce the pool's net delta: no delta impact), close the short.
    function _callsBoughtAgainstABuiltSkew(uint256 boards) internal {
        uint256[] memory ids = _listBoards(ETH);
        options.refresh(ETH);
        uint256 x = _callsDeltaUsd(ids, boards);
        _mint(longLeg, x / 4);
        _mint(shortLeg, x / 4);
        uint256 start = usdc.balanceOf(longLeg) + usdc.balanceOf(shortLeg);

        uint256 snap = vm.snapshotState();
        uint256 direct = _buyCalls(bob, ids, boards);
        vm.revertToState(snap);

        _buildShortSkewThroughPairs(x);
        uint256 premium = _buyCalls(shortLeg, ids, boards);
        _close(shortLeg, ETH, false);
        // _buyOption mints each premium before the buy: what the wallets spent is the perpetual legs' cost
        uint256 perpLegs = _spent(start);
        emit log_named_uint("direct premium", direct);
        emit log_named_uint("attack: premium + perpetual legs", premium + perpLegs);
        assertGe(premium + perpLegs, direct, "calls bought against a built skew cost less than buying them");
    }
}
