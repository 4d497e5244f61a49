// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "../utils/Base.t.sol";

/// @notice Item 6 of the value-leaks issue, from the attacker's side: a skew-reducing trade earns an impact rebate;
///         if the rebate counted as margin, a trader hedged elsewhere could post little collateral, let the position be
///         liquidated (no closing impact, the pool absorbs the rest) and keep the hedge's gain. Rebates are owed, not
///         margin: they wait in the position, are paid as it closes and go back to the pool on liquidation.
contract RebateAttacksTest is BaseTest {
    function setUp() public override {
        super.setUp();
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.impactScaleUsd = uint128(100_000_000 * USD); // impact that matters at these sizes
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        _deposit(carol, 60_000_000 * USD);
    }

    /// The attacker's short reduces a whale's skew (rebate), posts the least collateral the engine accepts, and is
    /// hedged off-venue (a long of the same size, its PnL added here). Whatever the price does, the attacker either
    /// gets liquidated (their own keeper account collects the reward) or closes; the combined result is never a profit.
    function testFuzz_rebateNeverFinancesAnExit(uint256 whaleSeed, uint256 sizeSeed, uint256 moveSeed) public {
        uint256 whale = bound(whaleSeed, 5_000_000, 20_000_000) * USD;
        uint256 size = bound(sizeSeed, 500_000, whale / USD) * USD;
        uint256 moveBps = bound(moveSeed, 20, 2000);
        _open(dave, ETH, true, whale / 5, whale); // the skew the attacker leans against

        (, uint256 imr,) = reader.marginRates(ETH, size);
        uint256 collateral = size * imr / 1e18 * 101 / 100 + _openFeeUsd(ETH, size) + 10 * USD;
        _mint(attacker, collateral);
        uint256 start = usdc.balanceOf(attacker) + usdc.balanceOf(keeper);
        vm.prank(attacker);
        engine.increasePosition(ETH, false, collateral, size, 0);
        IPerpEngine.Position memory p = engine.position(attacker, ETH, false);
        assertGt(p.rebateUsd, 0, "the short earned a rebate");
        assertLe(p.collateralUsd, collateral, "the rebate is not margin");

        // The price walks against the short in small steps (a keeper watches every one), up to the fuzzed move; gaps
        // beyond the bankruptcy price are the bad-debt class, tested on their own.
        uint256 step = bound(uint256(keccak256(abi.encode(moveSeed))), 5, 40);
        uint256 moved;
        bool liquidated;
        while (moved < moveBps && !liquidated) {
            moved = moved + step > moveBps ? moveBps : moved + step;
            _setPriceAfter(ETH, 3000e18 * (10_000 + moved) / 10_000, 10 minutes);
            if (reader.positionStatus(attacker, ETH, false).liquidatable) {
                vm.prank(keeper); // the attacker's own keeper account
                engine.liquidate(attacker, ETH, false);
                liquidated = true;
            }
        }
        if (!liquidated) _close(attacker, ETH, false);
        moveBps = moved;
        // The off-venue hedge: a long of the same size from 3,000 gains size x move.
        int256 hedge = int256(size * moveBps / 10_000);
        int256 combined = int256(usdc.balanceOf(attacker) + usdc.balanceOf(keeper)) - int256(start) + hedge;
        assertLe(combined, 0, "short + keeper + hedge: no profit");
    }

    /// A rebate is paid when the position closes: a partial close realizes its share, the full close the rest.
    function test_rebate_paidAsThePositionCloses() public {
        _open(dave, ETH, true, 2_000_000 * USD, 10_000_000 * USD);
        _open(alice, ETH, false, 500_000 * USD, 4_000_000 * USD);
        IPerpEngine.Position memory p = engine.position(alice, ETH, false);
        uint256 rebate = p.rebateUsd;
        assertGt(rebate, 0);
        uint256 ledger = core.productLedger(address(engine)).collateralUsd;
        vm.prank(alice);
        engine.decreasePosition(ETH, false, 0, 1_000_000 * USD, MAX_PRICE);
        assertEq(engine.position(alice, ETH, false).rebateUsd, rebate - rebate / 4, "a quarter closed, a quarter paid");
        assertLt(core.productLedger(address(engine)).collateralUsd, ledger);
        _close(alice, ETH, false);
        assertEq(engine.position(alice, ETH, false).rebateUsd, 0);
    }
}
