// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "./utils/Base.t.sol";

/// The Reader's batch status read, the keeper's one view of every watched position (P-114).
contract ReaderTest is BaseTest {
    IPerpEngine.PositionRef[] internal refs;

    function setUp() public override {
        super.setUp();
        _deposit(carol, 50_000_000 * USD);
        _open(alice, ETH, true, 10_000 * USD, 200_000 * USD); // 20x: liquidatable after the drop below
        _open(bob, ETH, false, 50_000 * USD, 100_000 * USD); // in profit after it
        _open(alice, BTC, false, 30_000 * USD, 300_000 * USD);
        _setPrice(ETH, _price(ETH) * 95 / 100);
        _setPrice(BTC, _price(BTC));
        refs.push(IPerpEngine.PositionRef(alice, ETH, true));
        refs.push(IPerpEngine.PositionRef(bob, ETH, false));
        refs.push(IPerpEngine.PositionRef(dave, ETH, true)); // none: a zero status
        refs.push(IPerpEngine.PositionRef(alice, BTC, false));
    }

    /// Each element of a batch read is exactly the position's own status, whatever precedes it in the batch (the read
    /// hands back each status's scratch memory: a later position must not overwrite an earlier answer).
    function test_statuses_equalEachPositionStatus() public view {
        IPerpEngine.PositionStatus[] memory all = reader.statuses(refs);
        assertEq(all.length, refs.length, "one status per ref");
        for (uint256 i; i < refs.length; ++i) {
            IPerpEngine.PositionStatus memory one =
                reader.positionStatus(refs[i].account, refs[i].marketId, refs[i].isLong);
            assertEq(abi.encode(all[i]), abi.encode(one), "batch element = the position's own status");
        }
        assertTrue(all[0].liquidatable, "the 20x long is liquidatable after -5%");
        assertFalse(all[1].liquidatable, "the short in profit is not");
        assertGt(all[1].pnlUsd, 0, "the short is in profit");
        assertEq(all[2].maintenanceUsd, 0, "no position: zero status");
        assertGt(all[3].maintenanceUsd, 0, "the BTC short has a requirement");
    }

    /// A read of 400 positions costs per position what a read of 8 does (within 2%): before, every status's decoded
    /// market stayed in memory and memory's quadratic price made 250 positions cost 71k each against 46k at 100, so a
    /// 500-position read ran past a node's 30M call cap and the keeper skipped that market.
    function test_statuses_gasPerPositionFlat() public view {
        uint256 small = _gasPerPosition(8);
        uint256 large = _gasPerPosition(400);
        assertLe(large * 100, small * 102, "per-position gas at 400 within 2% of 8");
    }

    function _gasPerPosition(uint256 n) internal view returns (uint256) {
        IPerpEngine.PositionRef[] memory batch = new IPerpEngine.PositionRef[](n);
        for (uint256 i; i < n; ++i) {
            batch[i] = refs[i % refs.length];
        }
        uint256 before = gasleft();
        reader.statuses(batch);
        return (before - gasleft()) / n;
    }
}
