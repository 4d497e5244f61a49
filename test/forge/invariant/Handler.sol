// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ClearingCore} from "../../../contracts/core/ClearingCore.sol";
import {LiquidityPool} from "../../../contracts/core/LiquidityPool.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {DevPriceFeed} from "../../../contracts/oracles/DevPriceFeed.sol";
import {FaucetToken} from "../../../contracts/periphery/FaucetToken.sol";
import {Reader} from "../../../contracts/periphery/Reader.sol";
import {PerpEngine} from "../../../contracts/perps/PerpEngine.sol";
import {Payoffs} from "../utils/Payoffs.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Drives the system through every external entry point with named actors (traders, LPs, a liquidator)
///         and simulators (price mover, time warp, donor). Keeps ghost state and raises flags for properties that
///         must hold *at the moment of a call* (the invariant functions check the flags).
contract Handler is Test {
    uint256 internal constant USD = 1e6;

    ClearingCore public core;
    PerpEngine public engine;
    LiquidityPool public pool;
    Reader public reader;
    FaucetToken public usdc;
    DevPriceFeed[] public feeds; // one per market, every market the deployment lists
    address public admin;

    address[] public traders;
    address[] public lps;
    address public liquidator = address(0x11D);

    // ghost state
    uint256 public ghostDonated;
    uint256 public ghostDonatedToCore; // P-01: what donations added to the core's balance (outside every ledger)
    uint256 public badDebtMismatches; // P-18: liquidations whose recorded bad debt differs from the recomputed one
    uint256 public ghostLiquidations;
    uint256 public ghostBadDebt;
    bool public flagEligibleLiquidationFailed; // P-09
    bool public flagHealthyMadeLiquidatableByOther; // P-08
    bool public flagDonationMovedPrice; // P-05
    bool public flagLpActionMovedPrice; // P-07
    bool public flagCooldownExtendedByOther; // P-38
    mapping(bytes32 => uint256) public calls; // actions that went through

    constructor(
        ClearingCore core_,
        PerpEngine engine_,
        LiquidityPool pool_,
        Reader reader_,
        FaucetToken usdc_,
        DevPriceFeed[] memory feeds_,
        address admin_
    ) {
        core = core_;
        engine = engine_;
        pool = pool_;
        reader = reader_;
        usdc = usdc_;
        feeds = feeds_;
        admin = admin_;
        for (uint256 i; i < 3; ++i) {
            traders.push(address(uint160(0xA11CE + i)));
        }
        for (uint256 i; i < 2; ++i) {
            lps.push(address(uint160(0x1B0B + i)));
        }
        address[] memory all = new address[](6);
        for (uint256 i; i < 3; ++i) {
            all[i] = traders[i];
        }
        all[3] = lps[0];
        all[4] = lps[1];
        all[5] = liquidator;
        for (uint256 i; i < all.length; ++i) {
            vm.startPrank(all[i]);
            usdc.approve(address(engine), type(uint256).max);
            usdc.approve(address(pool), type(uint256).max);
            vm.stopPrank();
        }
    }

    // ------------------------------------------------------------ views for the invariants

    function traderCount() external view returns (uint256) {
        return traders.length;
    }

    function marketCount() external view returns (uint256) {
        return feeds.length;
    }

    function lpCount() external view returns (uint256) {
        return lps.length;
    }

    function sharePrice() public view returns (uint256) {
        return pool.convertToAssets(1e18);
    }

    // ------------------------------------------------------------ LP actions

    function deposit(uint256 lpSeed, uint256 amount) external {
        address lp = lps[lpSeed % lps.length];
        amount = bound(amount, 1 * USD, 2_000_000 * USD);
        deal(address(usdc), lp, usdc.balanceOf(lp) + amount);
        uint256 before = sharePrice();
        vm.prank(lp);
        try pool.deposit(amount, lp) {
            calls["deposit"]++;
            if (sharePrice() + 1 < before) flagLpActionMovedPrice = true;
        } catch {}
    }

    /// @dev A deposit in another LP's name: refused while that LP's own cooldown runs, and otherwise locking only
    ///      the gift (P-38).
    function giftDeposit(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = lps[fromSeed % lps.length];
        address to = lps[toSeed % lps.length];
        if (from == to) return;
        amount = bound(amount, 1 * USD, 100_000 * USD);
        deal(address(usdc), from, usdc.balanceOf(from) + amount);
        uint256 lockedBefore = pool.lockedShares(to);
        vm.prank(from);
        try pool.deposit(amount, to) returns (uint256 shares) {
            calls["giftDeposit"]++;
            if (lockedBefore > 0 || pool.lockedShares(to) != shares) flagCooldownExtendedByOther = true;
        } catch {}
    }

    function redeem(uint256 lpSeed, uint256 fraction) external {
        address lp = lps[lpSeed % lps.length];
        uint256 max = pool.maxRedeem(lp);
        if (max == 0) return;
        uint256 shares = bound(fraction, 1, max);
        uint256 before = sharePrice();
        vm.prank(lp);
        try pool.redeem(shares, lp, lp) {
            calls["redeem"]++;
            if (sharePrice() + 1 < before) flagLpActionMovedPrice = true;
        } catch {}
    }

    function requestRedeem(uint256 lpSeed, uint256 fraction) external {
        address lp = lps[lpSeed % lps.length];
        uint256 bal = pool.balanceOf(lp);
        if (bal == 0) return;
        vm.prank(lp);
        try pool.requestRedeem(bound(fraction, 1, bal), lp, 0) {
            calls["requestRedeem"]++;
        } catch {}
    }

    function cancelRedeem(uint256 idSeed) external {
        (uint256 head, uint256 tail) = pool.queueBounds();
        if (tail == head) return;
        uint256 id = head + idSeed % (tail - head);
        address owner = pool.withdrawalRequest(id).owner;
        vm.prank(owner);
        try pool.cancelRedeem(id) {
            calls["cancelRedeem"]++;
        } catch {}
    }

    function processQueue(uint256 n) external {
        try pool.processQueue(bound(n, 1, 5)) {
            calls["processQueue"]++;
        } catch {}
    }

    // ------------------------------------------------------------ trader actions

    function open(uint256 traderSeed, uint256 marketSeed, bool isLong, uint256 collateral, uint256 leverage) external {
        address t = traders[traderSeed % traders.length];
        uint256 m = marketSeed % feeds.length;
        collateral = bound(collateral, 10 * USD, 50_000 * USD);
        leverage = bound(leverage, 1, 40);
        deal(address(usdc), t, usdc.balanceOf(t) + collateral);
        bool[] memory healthy = _healthSnapshot();
        vm.prank(t);
        try engine.increasePosition(m, isLong, collateral, collateral * leverage, isLong ? type(uint256).max : 0) {
            calls["open"]++;
            _checkOthersStillHealthy(healthy, t);
        } catch {}
    }

    function decrease(uint256 traderSeed, uint256 marketSeed, bool isLong, uint256 fraction) external {
        address t = traders[traderSeed % traders.length];
        uint256 m = marketSeed % feeds.length;
        uint256 size = engine.position(t, m, isLong).sizeUsd;
        if (size == 0) return;
        uint256 delta = bound(fraction, 1, size);
        bool[] memory healthy = _healthSnapshot();
        vm.prank(t);
        try engine.decreasePosition(m, isLong, 0, delta, isLong ? 0 : type(uint256).max) {
            calls["decrease"]++;
            _checkOthersStillHealthy(healthy, t);
        } catch {}
    }

    function addCollateral(uint256 traderSeed, uint256 marketSeed, bool isLong, uint256 amount) external {
        address t = traders[traderSeed % traders.length];
        uint256 m = marketSeed % feeds.length;
        if (engine.position(t, m, isLong).sizeUsd == 0) return;
        amount = bound(amount, 1, 10_000 * USD);
        deal(address(usdc), t, usdc.balanceOf(t) + amount);
        vm.prank(t);
        try engine.increasePosition(m, isLong, amount, 0, 0) {
            calls["addCollateral"]++;
        } catch {}
    }

    function removeCollateral(uint256 traderSeed, uint256 marketSeed, bool isLong, uint256 amount) external {
        address t = traders[traderSeed % traders.length];
        uint256 m = marketSeed % feeds.length;
        uint256 c = engine.position(t, m, isLong).collateralUsd;
        if (c == 0) return;
        bool[] memory healthy = _healthSnapshot();
        vm.prank(t);
        try engine.decreasePosition(m, isLong, bound(amount, 1, c), 0, 0) {
            calls["removeCollateral"]++;
            _checkOthersStillHealthy(healthy, t);
        } catch {}
    }

    // ------------------------------------------------------------ keeper

    function liquidate(uint256 traderSeed, uint256 marketSeed, bool isLong) external {
        address t = traders[traderSeed % traders.length];
        uint256 m = marketSeed % feeds.length;
        if (engine.position(t, m, isLong).sizeUsd == 0) return;
        IPerpEngine.PositionStatus memory s;
        try reader.positionStatus(t, m, isLong) returns (IPerpEngine.PositionStatus memory st) {
            s = st;
        } catch {
            return; // no valid price: nobody can act
        }
        if (!s.liquidatable) return;
        uint256 expectedBadDebt = _liquidationShortfall(engine.position(t, m, isLong), isLong, m, s);
        uint256 badBefore = core.poolState().badDebtUsd;
        vm.prank(liquidator);
        try engine.liquidate(t, m, isLong) {
            calls["liquidate"]++;
            ghostLiquidations++;
            if (core.poolState().badDebtUsd - badBefore != expectedBadDebt) ++badDebtMismatches;
            ghostBadDebt += expectedBadDebt;
        } catch {
            flagEligibleLiquidationFailed = true;
        }
    }

    // ------------------------------------------------------------ simulators

    function movePrice(uint256 marketSeed, uint256 bps, uint256 dt) external {
        uint256 m = marketSeed % feeds.length;
        (uint256 p,) = feeds[m].latestPrice();
        bps = bound(bps, 8000, 12_000); // -20% .. +20%
        skip(bound(dt, 1, 120));
        for (uint256 k; k < feeds.length; ++k) {
            uint256 next = k == m ? p * bps / 10_000 : _price(k); // read before the prank: a call would consume it
            vm.prank(admin);
            feeds[k].setPrice(next);
        }
        calls["movePrice"]++;
    }

    function warp(uint256 dt) external {
        skip(bound(dt, 1, 250));
        for (uint256 k; k < feeds.length; ++k) {
            uint256 p = _price(k);
            vm.prank(admin);
            feeds[k].setPrice(p);
        }
        calls["warp"]++;
    }

    function donate(uint256 amount, bool toVault) external {
        amount = bound(amount, 1, 1_000_000 * USD);
        uint256 before = sharePrice();
        deal(address(usdc), address(this), amount);
        usdc.transfer(toVault ? address(pool) : address(core), amount);
        ghostDonated += amount;
        if (!toVault) ghostDonatedToCore += amount;
        if (sharePrice() != before) flagDonationMovedPrice = true;
        calls["donate"]++;
    }

    // ------------------------------------------------------------ internal

    /// @dev The bad debt a liquidation leaves, from the documented rule: the keeper's reward (the liquidation fee's
    ///      keeper share of the size, at most the collateral and rebate seized) less what the position still backs it
    ///      with (collateral + rebate + its PnL at the oracle price with only its cap applied, less the fees it owes),
    ///      if positive. Only the fees owed come from the engine (its accrued indices).
    function _liquidationShortfall(
        IPerpEngine.Position memory pos,
        bool isLong,
        uint256 m,
        IPerpEngine.PositionStatus memory s
    ) internal view returns (uint256) {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(m);
        uint256 seized = uint256(pos.collateralUsd) + pos.rebateUsd;
        uint256 feeUsd = (uint256(pos.sizeUsd) * cfg.liquidationFeeBps + 9999) / 10_000;
        uint256 reward = feeUsd * core.poolConfig().keeperShareBps / 10_000;
        if (reward > seized) reward = seized;
        int256 backing = int256(seized) + Payoffs.cappedPnlAt(pos, isLong, _price(m), cfg.maxProfitBps)
            - int256(s.borrowFeeUsd) - s.fundingFeeUsd;
        return int256(reward) > backing ? uint256(int256(reward) - backing) : 0;
    }

    function _price(uint256 m) internal view returns (uint256 p) {
        (p,) = feeds[m].latestPrice();
    }

    function _healthSnapshot() internal view returns (bool[] memory healthy) {
        healthy = new bool[](traders.length * 2 * feeds.length);
        for (uint256 i; i < traders.length; ++i) {
            for (uint256 k; k < 2 * feeds.length; ++k) {
                uint256 m = k / 2;
                bool isLong = k % 2 == 0;
                if (engine.position(traders[i], m, isLong).sizeUsd == 0) continue;
                try reader.positionStatus(traders[i], m, isLong) returns (IPerpEngine.PositionStatus memory s) {
                    healthy[i * 2 * feeds.length + k] = !s.liquidatable;
                } catch {}
            }
        }
    }

    function _checkOthersStillHealthy(bool[] memory healthy, address actor) internal {
        for (uint256 i; i < traders.length; ++i) {
            if (traders[i] == actor) continue;
            for (uint256 k; k < 2 * feeds.length; ++k) {
                if (!healthy[i * 2 * feeds.length + k]) continue;
                IPerpEngine.PositionStatus memory s = reader.positionStatus(traders[i], k / 2, k % 2 == 0);
                if (s.liquidatable) flagHealthyMadeLiquidatableByOther = true;
            }
        }
    }
}
