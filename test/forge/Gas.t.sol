// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {BaseTest} from "./utils/Base.t.sol";
import {console2} from "forge-std/console2.sol";

/// @notice Gas of each user-facing action, measured around the external call as a transaction would execute it:
///         every storage slot and every other contract cold, the called contract itself warm (EIP-2929 pre-warms a
///         transaction's `to`), no 21k base, no calldata, no refund. bench/gas-tx.bench.ts measures whole transactions. `forge snapshot --check` keeps .gas-snapshot honest in CI; `npm run bench` reads the
///         `gas:` lines and also runs the population variants below (10 and 10,000 open positions).
abstract contract GasBase is BaseTest {
    function _population() internal pure virtual returns (uint256);

    function setUp() public virtual override {
        super.setUp();
        _deposit(carol, 400_000_000 * USD);
        _deposit(dave, 1000 * USD);
        uint256 n = _population();
        for (uint256 i; i < n; ++i) {
            _open(address(uint160(0x100000 + i)), i % 2, i % 3 == 0, 1000 * USD, 5000 * USD);
        }
        // Open interest on both markets in every variant: the NAV a deposit or withdrawal reads values each market
        // with open interest (its oracle and accumulators), so this is the deployed setup's worst case.
        _open(address(0xB7C), BTC, false, 1000 * USD, 5000 * USD);
        _open(bob, ETH, true, 1000 * USD, 10_000 * USD); // to increase and close
        _open(keeper, ETH, true, 300 * USD, 10_000 * USD); // to liquidate
        for (uint256 i; i < 10; ++i) {
            _open(address(uint160(0x900000 + i)), ETH, true, 300 * USD, 10_000 * USD); // batch
        }
        _mint(alice, 10_000 * USD);
        _mint(carol, 10_000 * USD);
        skip(61);
        _refreshPrices();
    }

    /// @dev EXTCODESIZE warms the account without touching its storage, as being a transaction's `to` would.
    function _asTxTarget(address target) internal view {
        require(target.code.length > 0, "no code");
    }

    function _log(string memory what, uint256 gasUsed) internal pure {
        console2.log(string.concat("gas:", what), gasUsed);
    }

    function test_gas_open() public {
        _asTxTarget(address(engine));
        vm.prank(alice);
        uint256 g = gasleft();
        engine.increasePosition(ETH, true, 1000 * USD, 10_000 * USD, MAX_PRICE);
        _log("open", g - gasleft());
    }

    function test_gas_increase() public {
        _asTxTarget(address(engine));
        vm.prank(bob);
        uint256 g = gasleft();
        engine.increasePosition(ETH, true, 0, 1000 * USD, MAX_PRICE);
        _log("increase", g - gasleft());
    }

    function test_gas_close() public {
        _asTxTarget(address(engine));
        vm.prank(bob);
        uint256 g = gasleft();
        engine.decreasePosition(ETH, true, 0, 10_000 * USD, 0);
        _log("close", g - gasleft());
    }

    function test_gas_deposit() public {
        _asTxTarget(address(pool));
        vm.prank(alice);
        uint256 g = gasleft();
        pool.deposit(1000 * USD, alice);
        _log("deposit", g - gasleft());
    }

    function test_gas_withdraw() public {
        _asTxTarget(address(pool));
        vm.prank(dave);
        uint256 g = gasleft();
        pool.withdraw(500 * USD, dave, dave);
        _log("withdraw", g - gasleft());
    }

    /// @dev The usual case: equity just below maintenance, positive, with some left for the trader beyond the charge
    ///      and the close impact (a refund) in every column (no bad debt).
    function test_gas_liquidate() public {
        _setPrice(ETH, reader.positionLiquidationPrice(keeper, ETH, true) - 1e18);
        _asTxTarget(address(engine));
        vm.prank(carol);
        uint256 g = gasleft();
        engine.liquidate(keeper, ETH, true);
        _log("liquidate", g - gasleft());
        assertEq(core.poolState().badDebtUsd, 0, "no bad debt");
        assertGt(usdc.balanceOf(keeper), 0, "a refund was paid");
    }

    /// @dev A gap through the collateral: the loss beyond it is recorded as bad debt (the first one writes a new slot).
    function test_gas_liquidateWithBadDebt() public {
        _setPrice(ETH, 2850e18); // -5%: a 10x position loses 500 on 300 of collateral, whatever its impact rebate
        _asTxTarget(address(engine));
        vm.prank(carol);
        uint256 g = gasleft();
        engine.liquidate(keeper, ETH, true);
        _log("liquidateWithBadDebt", g - gasleft());
        assertGt(core.poolState().badDebtUsd, 0, "bad debt recorded");
    }

    function test_gas_liquidateBatch10() public {
        _setPrice(ETH, 2900e18);
        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](10);
        for (uint256 i; i < 10; ++i) {
            refs[i] = IPerpEngine.PositionRef(address(uint160(0x900000 + i)), ETH, true);
        }
        _asTxTarget(address(engine));
        vm.prank(carol);
        uint256 g = gasleft();
        (uint256 n,) = engine.liquidateBatch(refs);
        uint256 used = g - gasleft();
        assertEq(n, 10);
        _log("liquidateBatchPerPosition", used / 10);
    }
}

contract GasTest is GasBase {
    function _population() internal pure override returns (uint256) {
        return 0;
    }
}

/// @dev Bench only (`npm run bench`): the same actions with 10 and 10,000 other positions open.
contract GasScaling10Test is GasBase {
    function _population() internal pure override returns (uint256) {
        return 10;
    }
}

contract GasScaling10kTest is GasBase {
    function _population() internal pure override returns (uint256) {
        return 10_000;
    }
}
