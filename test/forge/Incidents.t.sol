// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ClearingCore} from "../../contracts/core/ClearingCore.sol";
import {LiquidityPool} from "../../contracts/core/LiquidityPool.sol";
import {IClearingCore} from "../../contracts/interfaces/IClearingCore.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {DevPriceFeed} from "../../contracts/oracles/DevPriceFeed.sol";
import {IAggregatorV3} from "../../contracts/oracles/IAggregatorV3.sol";
import {IPriceFeed} from "../../contracts/oracles/IPriceFeed.sol";
import {Reader} from "../../contracts/periphery/Reader.sol";
import {PerpEngine} from "../../contracts/perps/PerpEngine.sol";
import {Deploy} from "../../script/Deploy.s.sol";
import {BaseTest} from "./utils/Base.t.sol";
import {HostileToken} from "./utils/Mocks.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @notice One test per known incident class of peer-to-pool venues (see PROPERTIES.md for the IDs).
contract IncidentsTest is BaseTest {
    /// GMX v1 (Jul 2025): a callback re-entered the core mid-trade. Every entry point of the product, the core's
    /// product and vault hooks and the NAV view refuse: one lock spans the core and its products. P-21, P-22.
    function test_incident_crossContractReentrancyIsRefused() public {
        (HostileToken token, DevPriceFeed feed, ClearingCore hub, LiquidityPool lp, PerpEngine eng) = _hostileStack();
        token.mint(address(this), 2_000_000e6);
        token.approve(address(lp), type(uint256).max);
        token.approve(address(eng), type(uint256).max);
        lp.deposit(1_000_000e6, address(this));

        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](1);
        refs[0] = IPerpEngine.PositionRef(address(this), 0, true);
        bytes[] memory reentries = new bytes[](8);
        address[] memory targets = new address[](8);
        reentries[0] = abi.encodeCall(PerpEngine.increasePosition, (0, false, 100e6, 1000e6, 0));
        reentries[1] = abi.encodeCall(PerpEngine.decreasePosition, (0, true, 0, 1000e6, 0));
        reentries[2] = abi.encodeCall(PerpEngine.liquidate, (address(this), 0, true));
        reentries[3] = abi.encodeCall(PerpEngine.poke, (0));
        reentries[4] = abi.encodeCall(ClearingCore.poolValueUsd, ());
        reentries[5] = abi.encodeCall(PerpEngine.liquidateBatch, (refs));
        reentries[6] = abi.encodeCall(PerpEngine.poolClaimUsd, (1e18)); // reads mid-trade aggregates: callers see it
        reentries[7] = abi.encodeCall(IERC4626.redeem, (1, address(this), address(this)));
        for (uint256 i; i < 8; ++i) {
            targets[i] = i == 4 ? address(hub) : i == 7 ? address(lp) : address(eng);
        }
        for (uint256 i; i < reentries.length; ++i) {
            if (i == 6) continue; // a pure product view: only the core's NAV (which calls it) must refuse
            token.arm(targets[i], reentries[i]);
            eng.increasePosition(0, true, 100e6, 1000e6, type(uint256).max);
            assertFalse(token.lastCallSucceeded(), "re-entry must fail");
            bytes4 sel = bytes4(token.lastRevertData());
            assertTrue(
                sel == IClearingCore.Locked.selector || sel == IClearingCore.PoolValueUnavailable.selector,
                "reverted by the guard"
            );
        }
        // The vault's share price cannot be read mid-trade either (read-only reentrancy).
        token.arm(address(lp), abi.encodeWithSignature("totalAssets()"));
        eng.increasePosition(0, true, 100e6, 1000e6, type(uint256).max);
        assertEq(bytes4(token.lastRevertData()), IClearingCore.PoolValueUnavailable.selector);
        // Aggregates still equal the one position.
        assertEq(new Reader(hub, eng, lp).marketState(0).longOiUsd, eng.position(address(this), 0, true).sizeUsd);

        // A deposit's token transfer cannot re-enter the vault. It may reach the product (the core is not mid-call
        // then: the vault prices the deposit in the core call that follows); a poke there realizes accruals the NAV
        // view already counts, so the deposit still gets exactly the preview. (The position is from an earlier block:
        // the deposit side of the band leaves out exposure opened in the deposit's own block, P-94.)
        vm.roll(block.number + 1);
        skip(30);
        feed.setPrice(3000e18);
        token.arm(address(lp), abi.encodeCall(IERC4626.deposit, (10e6, address(this))));
        lp.deposit(100e6, address(this));
        assertEq(bytes4(token.lastRevertData()), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        skip(30);
        feed.setPrice(3000e18);
        token.arm(address(eng), abi.encodeCall(PerpEngine.poke, (0)));
        (, uint256 navHighBefore) = hub.poolValueBoundsUsd();
        uint256 supplyBefore = lp.totalSupply();
        uint256 shares = lp.deposit(100e6, address(this));
        assertTrue(token.lastCallSucceeded(), "the core is not mid-call during the vault's transfer");
        assertEq(shares, 100e6 * (supplyBefore + 1e6) / (navHighBefore + 1), "priced at the live NAV's upper bound");
    }

    /// A token that calls back on transfer (ERC-777 style) cannot stick the withdrawal queue: the head request's payout
    /// hook opens a position that reserves liquidity between two fills; the fill reads free liquidity for each request
    /// (it used one figure for the whole call, so the next payout asked the core for more than was free and the
    /// keeper's every call reverted), so the next request is paid what is free and the rest waits. P-89.
    function test_incident_queuePayoutHookCannotStickTheQueue() public {
        (HostileToken token,, ClearingCore hub, LiquidityPool lp, PerpEngine eng) = _hostileStack();
        lp.grantRole(lp.KEEPER_ROLE(), address(this));
        address other = address(0xB0B);
        token.mint(address(this), 1_000_000e6);
        token.mint(other, 1_000_000e6);
        token.approve(address(lp), type(uint256).max);
        vm.prank(other);
        token.approve(address(lp), type(uint256).max);
        lp.deposit(1_000_000e6, address(this));
        vm.prank(other);
        lp.deposit(1_000_000e6, other);
        // The hook's trader is the token contract itself: it approves the engine (a hook on a transfer) and is funded.
        token.mint(address(token), 100_000e6);
        token.arm(address(token), abi.encodeCall(IERC20.approve, (address(eng), type(uint256).max)));
        token.transfer(address(this), 0);
        assertTrue(token.lastCallSucceeded(), "the hook's trader approved the engine");

        // Half the free liquidity first, then all of the other LP's shares (more than the rest is free).
        uint256 free = hub.freeLiquidityUsd();
        uint256 first = lp.convertToShares(free / 2);
        lp.requestRedeem(first, address(this), 0);
        uint256 second = lp.balanceOf(other);
        vm.prank(other);
        lp.requestRedeem(second, other, 0);
        // The head's payout (the vault's transfer to its receiver, after the core's to the vault) opens a long whose
        // reserve takes more of the free liquidity than the head's payout left.
        token.armAfter(
            1,
            address(eng),
            abi.encodeCall(PerpEngine.increasePosition, (0, true, 80_000e6, 400_000e6, type(uint256).max))
        );
        lp.processQueue(10);
        assertTrue(token.lastCallSucceeded(), "the hook opened its position between the fills");
        assertGt(eng.position(address(token), 0, true).sizeUsd, 0);
        assertEq(lp.withdrawalRequest(0).shares, 0, "the head filled");
        uint256 left = lp.withdrawalRequest(1).shares;
        assertGt(left, 0, "the next request paid what was free, the rest waits");
        assertLt(left, second, "and was paid part");
        assertEq(hub.freeLiquidityUsd(), 0, "every free unit went to the queue");
    }

    /// ERC-4626 inflation (Hundred Finance 2023): first deposit + donation cannot steal a later deposit. P-5, P-6.
    function test_incident_firstDepositorDonationInflation() public {
        _deposit(attacker, 1 * USD);
        _mint(attacker, 2_000_000 * USD);
        vm.prank(attacker);
        usdc.transfer(address(core), 1_000_000 * USD); // donation to the custody contract
        vm.prank(attacker);
        usdc.transfer(address(pool), 1_000_000 * USD - 1); // and to the vault
        assertEq(pool.totalAssets(), 1 * USD, "donations do not move NAV");

        uint256 victimShares = _deposit(carol, 10_000 * USD);
        assertEq(victimShares, 10_000 * USD * 1e6, "victim gets the fair 1:1 shares");
        skip(60);
        uint256 attackerShares = pool.balanceOf(attacker);
        vm.prank(attacker);
        uint256 out = pool.redeem(attackerShares, attacker, attacker);
        assertLe(out, 1 * USD, "attacker gets back at most the deposit");
    }

    /// Stale, zero and floor-pinned oracle answers never reach a trade. P-24.
    function test_incident_staleOracleBlocksTradingNotSafety() public {
        _deposit(carol, 1_000_000 * USD);
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        skip(301); // older than maxPriceAgeSec
        _mint(bob, 1000 * USD);
        vm.prank(bob);
        vm.expectPartialRevert(IPerpEngine.PriceTooOld.selector);
        engine.increasePosition(ETH, true, 1000 * USD, 10_000 * USD, MAX_PRICE);
        vm.expectPartialRevert(IPerpEngine.PriceTooOld.selector);
        pool.totalAssets(); // the pool is not valued at a stale price
    }

    /// A -40% jump in one update: every eligible position is liquidated, bad debt is recorded and bounded, the pool
    /// stays solvent and its accounting exact. P-15, P-16, P-17.
    function test_incident_fortyPercentJumpLeavesPoolSolvent() public {
        _deposit(carol, 2_000_000 * USD);
        address[] memory traders = new address[](40);
        for (uint256 i; i < traders.length; ++i) {
            traders[i] = address(uint160(0x5000 + i));
            uint256 lev = 2 + (i % 30); // 2x .. 31x
            _open(traders[i], ETH, true, 2000 * USD, 2000 * USD * lev);
        }
        uint256 collateralBefore = core.poolState().totalCollateralUsd;
        _setPriceAfter(ETH, 1800e18, 60);

        uint256 worstCaseBadDebt;
        IPerpEngine.PositionRef[] memory refs = new IPerpEngine.PositionRef[](traders.length);
        for (uint256 i; i < traders.length; ++i) {
            refs[i] = IPerpEngine.PositionRef(traders[i], ETH, true);
            int256 eq = _status(traders[i], ETH, true).equityUsd;
            // The pool's shortfall on a liquidation: the keeper reward (its share of the fee, at most the collateral)
            // less the equity left; positions that stay open have equity above maintenance, hence above the reward.
            IPerpEngine.Position memory p = engine.position(traders[i], ETH, true);
            uint256 reward = (uint256(p.sizeUsd) * 20 + 9999) / 10_000 * 5000 / 10_000;
            if (reward > p.collateralUsd) reward = p.collateralUsd;
            if (int256(reward) > eq) worstCaseBadDebt += uint256(int256(reward) - eq);
        }
        vm.prank(keeper);
        (uint256 n,) = engine.liquidateBatch(refs);
        assertGt(n, 30, "high-leverage positions all liquidated");
        for (uint256 i; i < traders.length; ++i) {
            if (engine.position(traders[i], ETH, true).sizeUsd > 0) {
                assertFalse(_status(traders[i], ETH, true).liquidatable, "nothing eligible is left");
            }
        }
        IClearingCore.PoolState memory ps = core.poolState();
        assertEq(ps.badDebtUsd, worstCaseBadDebt, "bad debt recorded exactly");
        assertLe(ps.badDebtUsd, 40 * 2000 * USD * 31 * 40 / 100, "bounded by the notional move");
        assertEq(usdc.balanceOf(address(core)), ps.poolCashUsd + ps.totalCollateralUsd, "books balance");
        assertGt(pool.totalAssets(), 2_000_000 * USD, "LPs absorbed bad debt and still gained the seized collateral");
        assertLt(ps.totalCollateralUsd, collateralBefore);
    }

    /// Gains forks 2024: a limit on the wrong side of the price must not fill. Acceptable prices are directional. P-13.
    function test_incident_acceptablePriceOnTheWrongSide() public {
        _deposit(carol, 1_000_000 * USD);
        _mint(alice, 2000 * USD);
        vm.startPrank(alice);
        vm.expectPartialRevert(IPerpEngine.SlippageExceeded.selector);
        engine.increasePosition(ETH, true, 1000 * USD, 10_000 * USD, 2900e18); // long "at most 2900" while at 3000
        vm.expectPartialRevert(IPerpEngine.SlippageExceeded.selector);
        engine.increasePosition(ETH, false, 1000 * USD, 10_000 * USD, 3100e18); // short "at least 3100"
        vm.stopPrank();
    }

    /// gTrade 2021: a size cap bypassed with many accounts. Caps bind per market and side, not per trade. P-12.
    function test_incident_openInterestCapAcrossManyAccounts() public {
        _deposit(carol, 10_000_000 * USD);
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(BTC);
        cfg.maxShortOiUsd = uint128(100_000 * USD);
        vm.prank(admin);
        engine.setMarketConfig(BTC, cfg);
        for (uint256 i; i < 10; ++i) {
            _open(address(uint160(0x6000 + i)), BTC, false, 1000 * USD, 10_000 * USD);
        }
        _mint(attacker, 1000 * USD);
        vm.prank(attacker);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpEngine.OpenInterestCapExceeded.selector, BTC, false, 100_001 * USD, 100_000 * USD
            )
        );
        engine.increasePosition(BTC, false, 1000 * USD, 1 * USD, 0);
    }

    /// GMX v1 AVAX (2022): with convex impact, pushing the price reference by a large trade and unwinding it loses. P-14.
    function test_incident_largeTradeRoundTripLosesToImpact() public {
        _deposit(carol, 10_000_000 * USD);
        _mint(attacker, 500_000 * USD);
        uint256 bal = usdc.balanceOf(attacker);
        vm.startPrank(attacker);
        engine.increasePosition(ETH, true, 200_000 * USD, 2_000_000 * USD, MAX_PRICE);
        engine.decreasePosition(ETH, true, 0, 2_000_000 * USD, 0);
        vm.stopPrank();
        assertLt(usdc.balanceOf(attacker) + 1000 * USD, bal, "loses fees and impact");
    }

    /// @dev A core, vault and perpetual engine (one ETH market) over a token that calls back on transfer.
    function _hostileStack()
        internal
        returns (HostileToken token, DevPriceFeed feed, ClearingCore hub, LiquidityPool lp, PerpEngine eng)
    {
        token = new HostileToken();
        Deploy d = new Deploy();
        feed = new DevPriceFeed(address(this), 3000e18, 1 days);
        address vaultAddress = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        hub = new ClearingCore(
            IERC20(address(token)), address(this), d.poolConfig(), vaultAddress, IAggregatorV3(address(0)), 0
        );
        lp = new LiquidityPool(hub, address(this), 0, 1e6);
        eng = new PerpEngine(hub, address(this));
        hub.addProduct(address(eng), 10_000);
        eng.addMarket("ETH-USD", d.marketConfig(IPriceFeed(address(feed)), 0.6e18));
    }
}
