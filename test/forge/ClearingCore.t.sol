// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ClearingCore} from "../../contracts/core/ClearingCore.sol";
import {IClearingCore} from "../../contracts/interfaces/IClearingCore.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {IProduct} from "../../contracts/interfaces/IProduct.sol";
import {RiskMath} from "../../contracts/libraries/RiskMath.sol";
import {BaseTest} from "./utils/Base.t.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @notice A second product for the registry tests: it reserves, holds collateral and claims on the pool as told.
contract ScriptedProduct is IProduct {
    ClearingCore internal immutable core;
    int256 public claimUsd;
    uint256 public riskUsd; // the LP band it reports both ways

    constructor(ClearingCore core_) {
        core = core_;
    }

    /// @dev An action that leaves the product with `claimUsd_` on the pool, settled as a product settles: nothing open
    ///      while its claim is zero.
    function setClaim(int256 claimUsd_) external {
        claimUsd = claimUsd_;
        core.enter(IClearingCore.Risk.Reduces);
        IClearingCore.Settlement memory s;
        s.nothingOpen = claimUsd_ == 0;
        core.settle(s);
    }

    /// @dev Changes the claim without an action (what a faulty product would do): the NAV only sees it once valued.
    function setClaimWithoutSettling(int256 claimUsd_) external {
        claimUsd = claimUsd_;
    }

    function poolClaimUsd(uint256) external view returns (int256, uint256, uint256) {
        return (claimUsd, riskUsd, riskUsd);
    }

    function setRisk(uint256 riskUsd_) external {
        riskUsd = riskUsd_;
    }

    function pinValuationPrices() external {}

    /// @dev One action: take `inflow` from `from` as collateral and reserve `reserve`.
    function open(address from, uint256 inflow, uint256 reserve) external {
        core.enter(IClearingCore.Risk.Adds);
        IERC20(core.collateralToken()).transferFrom(from, address(core), inflow);
        core.settle(
            IClearingCore.Settlement({
                inflowUsd: inflow,
                collateralDeltaUsd: int256(inflow),
                reserveDeltaUsd: int256(reserve),
                payee: address(0),
                payoutUsd: 0,
                badDebtUsd: 0,
                checkSolvency: true,
                nothingOpen: false,
                lockedGainUsd: 0
            })
        );
    }

    /// @dev An action that releases `reserve` of what the product reserved (a close: no solvency check).
    function release(uint256 reserve) external {
        core.enter(IClearingCore.Risk.Reduces);
        IClearingCore.Settlement memory s;
        s.reserveDeltaUsd = -int256(reserve);
        core.settle(s);
    }

    /// @dev An action that reports `amountUsd` of income to vest (a fill's impact beyond its fee, P-98).
    function settleLockingGain(uint256 amountUsd) external {
        core.enter(IClearingCore.Risk.Reduces);
        IClearingCore.Settlement memory s;
        s.lockedGainUsd = amountUsd;
        core.settle(s);
    }

    /// @dev An action settled with the default (zero) settlement.
    function settleDefault() external {
        core.enter(IClearingCore.Risk.Reduces);
        IClearingCore.Settlement memory s;
        core.settle(s);
    }

    /// @dev Settles without entering first (must be refused).
    function settleWithoutEnter() external {
        IClearingCore.Settlement memory s;
        core.settle(s);
    }
}

/// @notice The ledger across products: registry, per-product ledgers and caps, the NAV over every product, trusted
///         forwarders and the shared lock. IDs refer to PROPERTIES.md.
contract ClearingCoreTest is BaseTest {
    ScriptedProduct internal scripted; // stands in for the next product

    function setUp() public override {
        super.setUp();
        scripted = new ScriptedProduct(core);
        vm.prank(admin);
        core.addProduct(address(scripted), 2000); // 20% of pool cash
        _deposit(carol, 1_000_000 * USD);
    }

    /// P-40: only registered products open and settle actions, and a settle needs the product's own `enter`.
    function test_enterSettle_onlyRegisteredProductsInsideAnAction() public {
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IClearingCore.NotProduct.selector, attacker));
        core.enter(IClearingCore.Risk.Reduces);
        IClearingCore.Settlement memory s;
        s.payee = attacker;
        s.payoutUsd = 1000 * USD;
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IClearingCore.NotProduct.selector, attacker));
        core.settle(s);
        vm.expectRevert(IClearingCore.NotLocked.selector);
        scripted.settleWithoutEnter();
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IClearingCore.ProductAlreadyListed.selector, address(scripted)));
        core.addProduct(address(scripted), 1000);
    }

    /// P-41: NAV = cash + the sum of every registered product's claim, whatever their number.
    /// P-98: a settlement's locked gain vests over GAIN_VEST_SEC (a redemption is paid without the unvested part),
    /// however small: a minimum (1,000 USD until a review split a buy under it) is a size to split under.
    function test_settle_locksEveryGain() public {
        scripted.settleLockingGain(1);
        assertEq(core.poolState().unvestedGainUsd, 1, "one unit is locked: no minimum to split under");
        skip(core.GAIN_VEST_SEC());
        scripted.settleLockingGain(50_000 * USD);
        assertEq(core.poolState().unvestedGainUsd, 50_000 * USD, "locked whole at once");
        skip(core.GAIN_VEST_SEC() / 2);
        assertEq(core.poolState().unvestedGainUsd, 25_000 * USD, "half vested after half the period");
        skip(core.GAIN_VEST_SEC() / 2);
        assertEq(core.poolState().unvestedGainUsd, 0);
    }

    /// P-96, P-98 (a review): a gain from 1% of the lock still vesting restarts the clock for both, so it vests no
    ///       faster than GAIN_VEST_SEC (from first principles: at t after it, at least gain x (1 - t / GAIN_VEST_SEC) is
    ///       still locked). Before, a 999 USD gain next to a 1M lock 10 minutes from its end took the lock's near end
    ///       (weighted): all of it vested 22 minutes later, so a deposit timed to it took it at once.
    function test_lockGain_aPercentOfTheLockRestartsTheClock() public {
        uint256 vest = core.GAIN_VEST_SEC();
        scripted.settleLockingGain(1_000_000 * USD);
        skip(vest - 10 minutes);
        uint256 left = core.poolState().unvestedGainUsd;
        uint256 gain = 999 * USD;
        assertGe(gain * 100, left, "at least 1% of the lock");
        scripted.settleLockingGain(gain);
        uint256 lockedAt = block.timestamp;
        uint256[4] memory checks = [uint256(10 minutes), 22 minutes, 3 hours, vest - 1];
        for (uint256 i; i < checks.length; ++i) {
            vm.warp(lockedAt + checks[i]);
            assertGe(
                core.poolState().unvestedGainUsd,
                gain * (vest - checks[i]) / vest,
                "the new gain vests no faster than GAIN_VEST_SEC"
            );
        }
        vm.warp(lockedAt + vest);
        assertEq(core.poolState().unvestedGainUsd, 0, "and all of it by then");
    }

    /// (a review) A pool worth nothing (a product owes more than the cash: the NAV is floored at 0) takes no deposit,
    ///       whatever band its products report: a deposit priced at the band alone only filled the deficit for the
    ///       product's traders, and mint and maxDeposit already refused it.
    function test_deposit_intoAPoolWorthNothing_refused() public {
        scripted.setClaim(-2_000_000 * int256(USD)); // owes more than the 1M of cash
        scripted.setRisk(10_000 * USD);
        assertEq(core.poolValueUsd(), 0, "the NAV is floored at 0");
        assertEq(pool.maxDeposit(bob), 0, "maxDeposit refuses");
        _mint(bob, 1_000_000 * USD);
        vm.startPrank(bob);
        usdc.approve(address(pool), type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxDeposit.selector, bob, 1_000_000 * USD, uint256(0))
        );
        pool.deposit(1_000_000 * USD, bob);
        vm.stopPrank();
        assertEq(usdc.balanceOf(bob), 1_000_000 * USD, "nothing taken");

        scripted.setClaim(-999_000 * int256(USD)); // solvent again: 1,000 USD of value
        vm.prank(bob);
        assertGt(pool.deposit(1000 * USD, bob), 0, "a pool worth something takes deposits");
    }

    function test_poolValue_sumsEveryProductsClaim() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        uint256 navBefore = core.poolValueUsd();
        (int256 perpClaim,,) = engine.poolClaimUsd(core.accrualNow().borrowIndexWad);
        assertEq(int256(navBefore), int256(_poolCash()) + perpClaim, "cash + the perpetuals claim");
        scripted.setClaim(-12_345 * int256(USD)); // the pool owes option holders
        assertEq(core.poolValueUsd(), navBefore - 12_345 * USD, "a second product's claim joins the NAV");
        scripted.setClaim(777 * int256(USD));
        assertEq(core.poolValueUsd(), navBefore + 777 * USD);
        assertEq(core.productCount(), 3); // perpetuals, options, the scripted product
        assertEq(core.productAt(2), address(scripted));
    }

    /// P-41: the NAV calls only the products whose last settle said their claim may be nonzero; a product goes unvalued
    ///       when its last position closes and valued again with its next, so nothing open costs an LP action nothing.
    function test_poolValue_skipsProductsWithNothingOpen() public {
        uint256 cash = _poolCash();
        assertEq(core.poolValueUsd(), cash, "no positions: the NAV is the cash");
        scripted.setClaimWithoutSettling(5000 * int256(USD));
        assertEq(core.poolValueUsd(), cash, "a product listed with nothing open is not called");
        scripted.setClaim(5000 * int256(USD));
        assertEq(core.poolValueUsd(), cash + 5000 * USD, "valued from its next settle");
        scripted.setClaim(0);
        scripted.setClaimWithoutSettling(-1);
        assertEq(core.poolValueUsd(), cash, "skipped again once it settled with nothing open");
        // A settle that does not say (the default) keeps a product valued: a forgotten flag costs a call, never a claim.
        scripted.settleDefault();
        assertEq(core.poolValueUsd(), cash - 1, "a default settle values it");
        scripted.setClaim(0);

        // The perpetuals: valued from the first open, unvalued when the last position closes.
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        _setPriceAfter(ETH, _price(ETH) * 105 / 100, 1 days);
        (int256 perpClaim,,) = engine.poolClaimUsd(core.accrualNow().borrowIndexWad);
        assertTrue(perpClaim != 0, "an open position gives the product a claim");
        assertEq(int256(core.poolValueUsd()), int256(_poolCash()) + perpClaim, "valued while the position is open");
        _close(alice, ETH, true);
        (perpClaim,,) = engine.poolClaimUsd(core.accrualNow().borrowIndexWad);
        assertEq(perpClaim, 0, "nothing open: no claim");
        assertEq(core.poolValueUsd(), _poolCash(), "and not valued");
    }

    /// P-42: each product has its own collateral and reserve ledger; the pool's solvency check covers every product's
    ///       reserve together, and a product's reserve stays within its own cap.
    function test_settle_ledgersPerProductAndCapsBind() public {
        _open(alice, ETH, true, 1000 * USD, 10_000 * USD);
        _mint(bob, 300_000 * USD);
        vm.prank(bob);
        usdc.approve(address(scripted), type(uint256).max);
        scripted.open(bob, 100 * USD, 150_000 * USD);
        IClearingCore.ProductLedger memory o = core.productLedger(address(scripted));
        IClearingCore.ProductLedger memory p = core.productLedger(address(engine));
        assertEq(o.collateralUsd, 100 * USD);
        assertEq(o.reservedUsd, 150_000 * USD);
        assertEq(p.reservedUsd, 10_000 * USD, "the perpetuals reserve: 100% of 10,000");
        IClearingCore.PoolState memory ps = core.poolState();
        assertEq(ps.reservedUsd, uint256(o.reservedUsd) + p.reservedUsd, "pool reserve = sum over products");
        assertEq(ps.totalCollateralUsd, uint256(o.collateralUsd) + p.collateralUsd, "collateral = sum over products");
        assertEq(usdc.balanceOf(address(core)), ps.poolCashUsd + ps.totalCollateralUsd, "custody balances");

        // The scripted product's own cap: 20% of pool cash.
        uint256 cap = _poolCash() * 2000 / 10_000;
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingCore.ProductReserveCapExceeded.selector, address(scripted), 150_000 * USD + cap, cap
            )
        );
        scripted.open(bob, 0, cap);
        // The pool-wide limit (90% of cash) counts both products' reserves: with the cap raised, it binds.
        vm.prank(admin);
        core.setProductReserveCap(address(scripted), 10_000);
        uint256 room = _poolCash() * 9000 / 10_000 - ps.reservedUsd;
        vm.expectPartialRevert(IClearingCore.InsufficientLiquidity.selector);
        scripted.open(bob, 0, room + 1);
        scripted.open(bob, 0, room);
        // A perpetual trade now finds no room either: one solvency check over every product.
        _mint(dave, 1000 * USD);
        vm.prank(dave);
        vm.expectPartialRevert(IClearingCore.InsufficientLiquidity.selector);
        engine.increasePosition(ETH, true, 1000 * USD, 5000 * USD, MAX_PRICE);
    }

    /// P-71 (review AL): a product's own cap is a credit line on the risk it adds; LP exits are held by the pool-wide
    /// limit only. Exits can leave a product above its cap (up to the exit limit of the cash left), it then adds
    /// nothing until back under the cap, and what it releases still goes through.
    function test_productCap_bindsNewRisk_exitsHeldByThePoolLimit() public {
        _mint(bob, 1000 * USD);
        vm.prank(bob);
        usdc.approve(address(scripted), type(uint256).max);
        uint256 cap = _poolCash() * 2000 / 10_000;
        scripted.open(bob, 0, cap);
        skip(pool.cooldownSec());
        uint256 max = pool.maxWithdraw(carol);
        vm.prank(carol);
        pool.withdraw(max, carol, carol);
        IClearingCore.PoolState memory ps = core.poolState();
        uint256 reserved = core.productLedger(address(scripted)).reservedUsd;
        uint256 cash = _poolCash();
        assertGt(reserved * 10_000, cash * 2000, "the exit left the product above its 20% cap");
        IClearingCore.PoolConfig memory pc = core.poolConfig();
        assertLe(
            ps.reservedUsd * 1e18,
            RiskMath.lpExitLimitWad(pc.maxUtilizationBps, pc.kinkWad) * cash,
            "within the pool-wide exit limit"
        );
        assertEq(pool.maxWithdraw(carol), 0, "no LP exit past that limit");
        // no new risk until the product is back under its cap
        uint256 now_ = cash * 2000 / 10_000;
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingCore.ProductReserveCapExceeded.selector, address(scripted), reserved + 1, now_
            )
        );
        scripted.open(bob, 0, 1);
        // what it releases goes through, and once under its cap it adds again
        scripted.release(reserved - now_ + 10 * USD);
        scripted.open(bob, 0, 10 * USD);
        assertEq(core.productLedger(address(scripted)).reservedUsd, now_, "back at its cap");
    }

    /// P-43: forwarders are the core's set: a removed forwarder's appended account is ignored.
    function test_forwarders_setByAdminAndHonouredOnlyWhileTrusted() public {
        assertTrue(core.isTrustedForwarder(address(router)));
        vm.prank(attacker);
        vm.expectRevert(); // role-gated
        core.setForwarder(attacker, true);

        // A forwarder (here: this test contract, trusted by the admin) trades for the account it appends.
        _mint(alice, 1000 * USD);
        vm.prank(admin);
        core.setForwarder(address(this), true);
        bytes memory call = abi.encodePacked(
            abi.encodeCall(IPerpEngine.increasePosition, (ETH, true, 1000 * USD, 5000 * USD, MAX_PRICE)), alice
        );
        (bool ok,) = address(engine).call(call);
        assertTrue(ok);
        assertEq(engine.position(alice, ETH, true).sizeUsd, 5000 * USD, "traded for the appended account");

        // Distrusted: the same call trades for the caller itself (which has no tokens, so it reverts).
        vm.prank(admin);
        core.setForwarder(address(this), false);
        _mint(alice, 1000 * USD);
        (ok,) = address(engine).call(call);
        assertFalse(ok, "no longer acts for alice");
        assertEq(engine.position(alice, ETH, true).sizeUsd, 5000 * USD, "alice's position unchanged");
    }

    /// P-40: only the product that entered may settle (and so release the lock); another listed product cannot.
    function test_settle_onlyTheProductThatEntered() public {
        vm.prank(address(scripted));
        core.enter(IClearingCore.Risk.Reduces);
        IClearingCore.Settlement memory s;
        vm.prank(address(engine));
        vm.expectRevert(IClearingCore.NotLocked.selector);
        core.settle(s);
        vm.prank(address(scripted));
        core.settle(s);
    }

    /// P-43: a trusted forwarder must append exactly one address; a malformed call reverts instead of acting for (or
    ///       paying) the forwarder itself.
    function test_forwarders_malformedAppendReverts() public {
        vm.prank(admin);
        core.setForwarder(address(this), true);
        bytes memory base = abi.encodeCall(IPerpEngine.increasePosition, (ETH, true, 1000 * USD, 5000 * USD, MAX_PRICE));
        bytes memory call = abi.encodePacked(base, bytes19(bytes20(alice)));
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.MalformedForwardedCall.selector, address(this), call.length));
        (bool ok,) = address(engine).call(call);
        ok; // expectRevert checks the revert
    }

    /// P-42: a config change that reserves more (a higher profit cap) passes the same solvency check as new risk.
    function test_setMarketConfig_higherReserveChecksSolvency() public {
        _open(alice, ETH, true, 100_000 * USD, 400_000 * USD); // reserves 400,000 of 1,000,000 cash (limit 900,000)
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.maxProfitBps = 30_000; // would reserve 1,200,000
        vm.prank(admin);
        vm.expectPartialRevert(IClearingCore.InsufficientLiquidity.selector);
        engine.setMarketConfig(ETH, cfg);
        cfg.maxProfitBps = 20_000; // within the pool's limit: reserves 800,000
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        assertEq(core.poolState().reservedUsd, 800_000 * USD);
        // The open position keeps the cap it was opened with, so the reserve may not fall below it while it is open.
        cfg.maxProfitBps = 5000;
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpEngine.ProfitCapLoweredWithOpenInterest.selector, ETH, 400_000 * USD, 20_000, 5000
            )
        );
        engine.setMarketConfig(ETH, cfg);
    }

    /// P-42: a market's price feed is fixed when it is listed (review AX: the risk role swapped it under a healthy 5x
    ///       long, which its own feed then made liquidatable at a price the market never showed).
    function test_setMarketConfig_feedFixed() public {
        _open(alice, ETH, true, 10_000 * USD, 50_000 * USD);
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        address listed = address(cfg.feed);
        cfg.feed = btcFeed; // any other source, with open interest or without
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.FeedFixed.selector, ETH, listed, address(btcFeed)));
        engine.setMarketConfig(ETH, cfg);
        _close(alice, ETH, true);
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.FeedFixed.selector, ETH, listed, address(btcFeed)));
        engine.setMarketConfig(ETH, cfg);
        assertEq(address(reader.marketConfig(ETH).feed), listed);
    }

    /// P-44: a product action holds the lock across the core: while it is held no vault hook, NAV read or other
    ///       product action starts (checked with the product's own hostile callback in IncidentsTest; here directly).
    function test_lock_heldFromEnterToSettle() public {
        vm.startPrank(address(scripted));
        core.enter(IClearingCore.Risk.Reduces);
        vm.expectRevert(IClearingCore.PoolValueUnavailable.selector);
        core.poolValueUsd();
        vm.expectRevert(IClearingCore.PoolValueUnavailable.selector);
        core.pinRedemptionValue();
        vm.expectRevert(IClearingCore.Locked.selector);
        core.enter(IClearingCore.Risk.Reduces);
        vm.stopPrank();
        vm.prank(address(pool));
        vm.expectRevert(IClearingCore.Locked.selector);
        core.depositLiquidity(1);
        vm.expectRevert(IClearingCore.Locked.selector);
        engine.poke(ETH);
        vm.startPrank(address(scripted));
        IClearingCore.Settlement memory s;
        core.settle(s);
        vm.stopPrank();
        assertGt(core.poolValueUsd(), 0, "released by settle");
    }

    /// The one-call read a withdrawal makes is the NAV's low bound, the free liquidity and the NAV less the gains still
    /// vesting, as the views give them; the last is the NAV less exactly the unvested gain.
    function test_pinRedemptionValue_isTheLowBoundFreeLiquidityAndRedeemableNav() public {
        _open(alice, ETH, true, 50_000 * USD, 200_000 * USD);
        vm.roll(block.number + 1);
        _setPriceAfter(ETH, _price(ETH) * 98 / 100, 600);
        _refreshPrices();
        (uint256 low,) = core.poolValueBoundsUsd();
        uint256 free = core.freeLiquidityUsd();
        (uint256 redeemable, uint256 lowTerms,) = core.poolValueTermsUsd();
        (uint256 lowRead, uint256 freeRead, uint256 redeemableRead) = core.pinRedemptionValue();
        assertEq(lowRead, low);
        assertEq(lowTerms, low);
        assertEq(freeRead, free);
        assertEq(redeemableRead, redeemable);
        assertEq(redeemable, core.poolValueUsd() - core.poolState().unvestedGainUsd, "the NAV less the vesting gains");
        assertLt(low, redeemable, "below it: the band is priced");
    }
}
