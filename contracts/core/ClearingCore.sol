// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../interfaces/IClearingCore.sol";
import {IProduct} from "../interfaces/IProduct.sol";
import {ConfigValidation} from "../libraries/ConfigValidation.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {RiskMath} from "../libraries/RiskMath.sol";
import {IAggregatorV3} from "../oracles/IAggregatorV3.sol";
import {OracleErrors} from "../oracles/OracleErrors.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title ClearingCore
/// @notice Counterpool's ledger. Holds every token (LP cash and every product's trader collateral) under internal
///         accounting; products (perpetuals, options) price and record positions and report each action's effect in
///         one `settle`. The LiquidityPool vault mints LP shares on the NAV computed here.
/// @dev Gas layout: the pool in three slots (cash, reserved, borrow index, last accrual: read and written by every
///      action | borrow curve, limits, pause: read only | first product, product count, bad debt) and one slot per
///      product ledger, so a trade reads three core slots and writes two, and a deposit with one product reads three
///      and writes one. 64-bit USD amounts hold 1.8e13 USD; anything larger reverts in SafeCast. The shared lock is a transient flag: `enter` takes it, `settle`
///      releases it, and while it is held no product action, vault hook or NAV read can start.
contract ClearingCore is IClearingCore, AccessControl {
    using SafeERC20 for IERC20;
    using MathLib for uint256;
    using SafeCast for uint256;

    // ------------------------------------------------------------ constants & immutables

    bytes32 public constant RISK_ROLE = keccak256("RISK_ROLE");
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice At most this many products (the NAV loops over them).
    uint256 public constant MAX_PRODUCTS = 8;
    /// @inheritdoc IClearingCore
    /// @dev Redemptions leave out the part not yet vested; a deposit made just before the liquidation earns it at
    ///      this pace, as every LP does.
    uint256 public constant override GAIN_VEST_SEC = 6 hours;
    /// @dev A locked gain from this size on restarts the vesting clock for everything still locked; a smaller one moves
    ///      its end by the amounts' weights (`_lockGain`).
    uint256 internal constant RESTART_GAIN_USD = 1000e6;
    /// @dev A gain from 1/RESTART_SHARE of the gains still vesting restarts the clock too (_lockGain).
    uint256 internal constant RESTART_SHARE = 100;

    IERC20 internal immutable token;
    /// @inheritdoc IClearingCore
    address public immutable vault;
    IAggregatorV3 internal immutable sequencer;
    /// @inheritdoc IClearingCore
    uint256 public immutable sequencerGraceSec;

    // ------------------------------------------------------------ storage

    /// @dev Slot A: what every action reads and writes.
    struct PoolSlots {
        uint64 poolCashUsd;
        uint64 reservedUsd;
        uint96 borrowIndexWad;
        uint32 lastBorrowAt;
    }

    /// @dev Slot B, read only by actions: the pool config (rates bounded to 1000%/year fit 40 bits) and the pause flag.
    struct PoolParams {
        uint40 baseRateWad;
        uint40 slope1Wad;
        uint40 slope2Wad;
        uint64 kinkWad;
        uint16 maxUtilizationBps;
        uint16 keeperShareBps;
        bool paused;
    }

    /// @dev Slot C: the registry's first product sits beside the count and the set of products the NAV values, so the
    ///      NAV with one product reads one slot, and a product with nothing open (no claim) costs it nothing.
    struct Registry {
        address product0;
        uint8 productCount;
        uint8 valuedProducts; // bit id set unless product id is idle (ProductLedger.idle)
        // Gains vesting from `lockedAt` over GAIN_VEST_SEC (a liquidation's, P-96; a fill's impact beyond its fee, P-98),
        // read with the NAV's registry at no cost.
        uint48 lockedGainUsd;
        uint32 lockedAt;
    }

    PoolSlots internal poolSt;
    PoolParams internal params;
    Registry internal registry;
    mapping(uint256 id => address) internal extraProducts; // ids >= 1
    mapping(address product => ProductLedger) internal ledgers;
    mapping(address forwarder => bool) internal forwarders;
    mapping(address account => uint256) internal refunds; // deferred refunds, outside pool cash and the NAV
    uint256 internal refundsOwedUsd;
    uint256 internal badDebtUsd; // cumulative bad debt absorbed (written only when a settlement has some)
    /// @dev Refunds paid during the current action; its settle takes them from pool cash.
    uint256 internal transient refundedUsd;
    /// @dev The shared reentrancy lock and who holds it: the product between its `enter` and `settle`, or VAULT_HOOK
    ///      during a vault hook. Zero when free.
    address internal transient lockHolder;
    address internal constant VAULT_HOOK = address(1);

    // ------------------------------------------------------------ constructor

    /// @param vault_ the LP vault, deployed next (its address is known in advance; the vault checks it is the one).
    /// @param sequencerUptimeFeed_ the L2 sequencer-uptime feed (address(0) on an L1: no sentinel)
    /// @param sequencerGraceSec_ how long after a restart risk-adding actions, liquidations and LP flows wait: with a
    ///        sentinel, 10 minutes to 4 hours (immutable: 0 would give no grace, and a mistyped value would hold
    ///        liquidations and LP flows for as long after every restart, review AX)
    constructor(
        IERC20 token_,
        address admin,
        PoolConfig memory cfg,
        address vault_,
        IAggregatorV3 sequencerUptimeFeed_,
        uint256 sequencerGraceSec_
    ) {
        token = token_;
        vault = vault_;
        if (address(sequencerUptimeFeed_) != address(0)) {
            ConfigValidation.bound("sequencerGraceSec", sequencerGraceSec_, 10 minutes, 4 hours);
        }
        sequencer = sequencerUptimeFeed_;
        sequencerGraceSec = sequencerGraceSec_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        poolSt.borrowIndexWad = uint96(1e18);
        poolSt.lastBorrowAt = uint32(block.timestamp);
        _writePoolConfig(cfg);
    }

    // ------------------------------------------------------------ modifiers

    modifier onlyVault() {
        if (msg.sender != vault) revert NotVault(msg.sender);
        _;
    }

    /// @dev Vault hooks take the same lock a product action holds.
    modifier lock() {
        if (lockHolder != address(0)) revert Locked();
        lockHolder = VAULT_HOOK;
        _;
        lockHolder = address(0);
    }

    // ------------------------------------------------------------ admin

    /// @notice Registers a product with its reserve cap (of pool cash). The product's claim joins the NAV at once.
    function addProduct(address product, uint16 reserveCapBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (ledgers[product].listed) revert ProductAlreadyListed(product);
        ConfigValidation.bound("reserveCapBps", reserveCapBps, 1, 10_000);
        Registry memory r = registry;
        uint256 id = r.productCount;
        if (id >= MAX_PRODUCTS) revert TooManyProducts(MAX_PRODUCTS);
        if (id == 0) registry.product0 = product;
        else extraProducts[id] = product;
        registry.productCount = uint8(id + 1);
        ledgers[product] = ProductLedger({
            reservedUsd: 0, collateralUsd: 0, reserveCapBps: reserveCapBps, id: uint8(id), listed: true, idle: true
        });
        emit ProductAdded(product, id, reserveCapBps);
    }

    /// @notice Sets a product's reserve cap; positions already open stay (the cap gates new risk).
    function setProductReserveCap(address product, uint16 reserveCapBps) external onlyRole(RISK_ROLE) {
        if (!ledgers[product].listed) revert NotProduct(product);
        ConfigValidation.bound("reserveCapBps", reserveCapBps, 1, 10_000);
        ledgers[product].reserveCapBps = reserveCapBps;
        emit ProductReserveCapUpdated(product, reserveCapBps);
    }

    /// @notice Trusts or distrusts a forwarder (the Pyth PriceUpdateRouter, the order book) to name the account it
    ///         acts for: on every product and on the LP vault, for any account and any function (roles included), so
    ///         only a contract that always appends its own caller may be trusted.
    function setForwarder(address forwarder, bool trusted) external onlyRole(DEFAULT_ADMIN_ROLE) {
        forwarders[forwarder] = trusted;
        emit ForwarderUpdated(forwarder, trusted);
    }

    /// @notice Updates the borrow curve, the utilization limit and the keeper share within hard bounds.
    function setPoolConfig(PoolConfig calldata cfg) external onlyRole(RISK_ROLE) lock {
        _accrueBorrow();
        _writePoolConfig(cfg);
    }

    /// @notice Stops new risk in every product. Exits, collateral top-ups, liquidations and LP flows continue.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        params.paused = true;
    }

    /// @notice Lets new risk in again after a pause.
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        params.paused = false;
    }

    // ------------------------------------------------------------ products

    /// @inheritdoc IClearingCore
    function enter(Risk risk) external returns (Accrual memory a) {
        if (!ledgers[msg.sender].listed) revert NotProduct(msg.sender);
        if (lockHolder != address(0)) revert Locked();
        lockHolder = msg.sender;
        PoolParams memory pp = params;
        if (risk != Risk.Reduces) {
            if (risk == Risk.Adds && pp.paused) revert Paused();
            _requireSequencerSettled();
        }
        (a.borrowIndexWad, a.borrowRateWad, a.utilizationWad) = _accrueBorrow();
        a.kinkWad = pp.kinkWad;
        a.keeperShareBps = pp.keeperShareBps;
    }

    /// @inheritdoc IClearingCore
    function settle(Settlement calldata s) external returns (uint256) {
        ProductLedger memory led = ledgers[msg.sender];
        if (!led.listed) revert NotProduct(msg.sender);
        if (lockHolder != msg.sender) revert NotLocked(); // only the product that entered settles and releases

        PoolSlots memory p = poolSt;
        int256 cash = int256(uint256(p.poolCashUsd)) + int256(s.inflowUsd) - s.collateralDeltaUsd - int256(s.payoutUsd)
            - int256(refundedUsd);
        refundedUsd = 0;
        if (cash < 0) revert PoolCashShortfall(uint256(-cash) + p.poolCashUsd, p.poolCashUsd);
        uint256 reserved = uint256(int256(uint256(p.reservedUsd)) + s.reserveDeltaUsd);
        uint256 productReserved = uint256(int256(uint256(led.reservedUsd)) + s.reserveDeltaUsd);
        // One SSTORE per slot: the packed words are rebuilt whole (cash and reserved in bits 0-127 of slot A; the
        // ledger's reserve and collateral in bits 0-127 of its slot), the other fields kept as read.
        _storeLow128(_poolSlot(), uint256(cash).toUint64() | uint256(reserved.toUint64()) << 64);
        _storeLow128(
            _ledgerSlot(msg.sender),
            uint256(productReserved.toUint64())
                | uint256(uint256(int256(uint256(led.collateralUsd)) + s.collateralDeltaUsd).toUint64()) << 64
        );

        if (s.badDebtUsd > 0) {
            uint256 total = badDebtUsd + s.badDebtUsd;
            badDebtUsd = total;
            emit BadDebtAbsorbed(msg.sender, s.badDebtUsd, total);
        }
        if (s.checkSolvency) {
            uint256 maxReservable = uint256(cash).bpsDown(params.maxUtilizationBps);
            if (reserved > maxReservable) revert InsufficientLiquidity(reserved, maxReservable);
            uint256 cap = uint256(cash).bpsDown(led.reserveCapBps);
            if (productReserved > cap) revert ProductReserveCapExceeded(msg.sender, productReserved, cap);
        }
        if (s.nothingOpen != led.idle) {
            // Rare (a product's first position, its last one closing): the ledger's flag and the registry's set.
            ledgers[msg.sender].idle = s.nothingOpen;
            uint256 bit = 1 << led.id;
            uint256 mask = registry.valuedProducts;
            registry.valuedProducts = uint8(s.nothingOpen ? mask & ~bit : mask | bit);
        }
        // Every gain is locked, however small: a review split a large option buy into fills of under the 1,000 USD
        // from which a gain was locked, and its LP account took its share of its own impact back at once (P-98).
        if (s.lockedGainUsd > s.badDebtUsd) _lockGain(s.lockedGainUsd - s.badDebtUsd);
        if (s.payoutUsd > 0) token.safeTransfer(s.payee, s.payoutUsd);
        lockHolder = address(0);
        return RiskMath.utilizationUp(reserved, uint256(cash));
    }

    /// @inheritdoc IClearingCore
    function refund(address account, uint256 amountUsd, uint256 lockedGainUsd) external {
        if (!ledgers[msg.sender].listed) revert NotProduct(msg.sender);
        if (lockHolder != msg.sender) revert NotLocked();
        if (lockedGainUsd > 0) _lockGain(lockedGainUsd);
        if (amountUsd == 0) return;
        refundedUsd += amountUsd;
        // A refused transfer (a blocklisted account) must not block the liquidation paying it: the refund waits.
        (bool ok, bytes memory ret) = address(token).call(abi.encodeCall(IERC20.transfer, (account, amountUsd)));
        bool deferred =
            !ok || (ret.length > 0 && !abi.decode(ret, (bool))) || (ret.length == 0 && address(token).code.length == 0);
        if (deferred) {
            refunds[account] += amountUsd;
            refundsOwedUsd += amountUsd;
        }
        emit Refunded(msg.sender, account, amountUsd, deferred);
    }

    /// @inheritdoc IClearingCore
    function claimRefund(address to) external lock returns (uint256 amountUsd) {
        amountUsd = refunds[msg.sender];
        if (amountUsd == 0) revert NoRefund(msg.sender);
        refunds[msg.sender] = 0;
        refundsOwedUsd -= amountUsd;
        token.safeTransfer(to, amountUsd);
        emit RefundClaimed(msg.sender, to, amountUsd);
    }

    // ------------------------------------------------------------ vault hooks

    /// @inheritdoc IClearingCore
    /// @dev The vault has already moved `amountUsd` tokens here. The NAV is taken after the borrow accrual (which the
    ///      new cash would otherwise reprice) and before the cash is added.
    function depositLiquidity(uint256 amountUsd) external onlyVault lock returns (uint256 navBeforeUsd) {
        _requireSequencerSettled();
        (uint256 borrowIndex,,) = _accrueBorrow();
        _pinValuationPrices();
        (uint256 nav,, uint256 riskUp,) = _poolValue(borrowIndex);
        // A pool worth nothing (its liabilities at or past its assets: the NAV is floored at 0) reports 0, which the
        // vault refuses while shares exist, as maxDeposit does: the band must not price a deposit that would only fill
        // the deficit for the traders it owes (a review: 1M deposited at a 10k band into a pool 1M short).
        navBeforeUsd = nav == 0 ? 0 : nav + riskUp;
        poolSt.poolCashUsd = (poolSt.poolCashUsd + amountUsd).toUint64();
    }

    /// @inheritdoc IClearingCore
    function pinValuationPrices() external {
        if (lockHolder != address(0)) revert PoolValueUnavailable();
        _pinValuationPrices();
    }

    /// @inheritdoc IClearingCore
    function pinRedemptionValue() external returns (uint256 lowUsd, uint256 freeUsd, uint256 redeemableUsd) {
        if (lockHolder != address(0)) revert PoolValueUnavailable();
        _pinValuationPrices();
        (redeemableUsd, lowUsd,) = _valueTerms();
        freeUsd = _freeLiquidity();
    }

    /// @inheritdoc IClearingCore
    function withdrawLiquidity(address to, uint256 amountUsd) external onlyVault lock {
        _requireSequencerSettled();
        _accrueBorrow();
        (uint256 cash, uint256 reserved, uint256 maxUtilizationBps, uint256 kinkWad) = _lpLimits();
        if (!RiskMath.fitsFreeLiquidity(cash, reserved, maxUtilizationBps, kinkWad, amountUsd)) {
            revert WithdrawalExceedsFreeLiquidity(amountUsd, _freeLiquidity());
        }
        poolSt.poolCashUsd = uint64(cash - amountUsd);
        token.safeTransfer(to, amountUsd);
    }

    // ------------------------------------------------------------ internal

    /// @dev The sentinel: reverts while the sequencer is down, its status unknown, or within the grace period after
    ///      it came back; free on an L1 (no feed: one comparison with an immutable).
    function _requireSequencerSettled() internal view {
        uint256 endsAt = _graceEndsAt();
        if (block.timestamp < endsAt) {
            revert OracleErrors.SequencerGracePeriod(endsAt - sequencerGraceSec, sequencerGraceSec);
        }
    }

    /// @dev When the current grace period ends (0 without a sentinel); reverts while the sequencer is down or unknown.
    function _graceEndsAt() internal view returns (uint256) {
        if (address(sequencer) == address(0)) return 0;
        (, int256 status, uint256 startedAt,,) = sequencer.latestRoundData();
        if (status != 0) revert OracleErrors.SequencerDown();
        if (startedAt == 0) revert OracleErrors.SequencerStatusUnknown(); // an uninitialized round: not "up"
        return startedAt + sequencerGraceSec; // refused while now - startedAt < grace
    }

    /// @dev Storage slot of `poolSt` (slot A).
    function _poolSlot() internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            slot := poolSt.slot
        }
    }

    /// @dev Storage slot of `ledgers[product]`.
    function _ledgerSlot(address product) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0, product)
            mstore(32, ledgers.slot)
            slot := keccak256(0, 64)
        }
    }

    /// @dev Replaces the low 128 bits of `slot` with `low` (< 2^128), keeping the high 128 bits.
    function _storeLow128(bytes32 slot, uint256 low) internal {
        assembly ("memory-safe") {
            sstore(slot, or(and(sload(slot), not(0xffffffffffffffffffffffffffffffff)), low))
        }
    }

    function _writePoolConfig(PoolConfig memory cfg) internal {
        ConfigValidation.validatePool(cfg);
        PoolParams storage pp = params;
        pp.baseRateWad = uint40(cfg.baseRateWad);
        pp.slope1Wad = uint40(cfg.slope1Wad);
        pp.slope2Wad = uint40(cfg.slope2Wad);
        pp.kinkWad = cfg.kinkWad;
        pp.maxUtilizationBps = cfg.maxUtilizationBps;
        pp.keeperShareBps = cfg.keeperShareBps;
        emit PoolConfigUpdated(cfg);
    }

    /// @dev Accrues the borrow index to now at the utilization that held since the last accrual.
    function _accrueBorrow() internal returns (uint256 indexWad, uint256 rateWad, uint256 utilizationWad) {
        PoolSlots memory p = poolSt;
        PoolParams memory pp = params;
        utilizationWad = RiskMath.utilizationUp(p.reservedUsd, p.poolCashUsd);
        rateWad = RiskMath.borrowRateUp(utilizationWad, pp.baseRateWad, pp.slope1Wad, pp.slope2Wad, pp.kinkWad);
        indexWad = p.borrowIndexWad;
        uint256 elapsed = block.timestamp - p.lastBorrowAt;
        if (elapsed > 0) {
            indexWad += rateWad * elapsed;
            poolSt.borrowIndexWad = indexWad.toUint96();
            poolSt.lastBorrowAt = uint32(block.timestamp);
        }
    }

    function _borrowIndexNow() internal view returns (uint256) {
        PoolSlots memory p = poolSt;
        PoolParams memory pp = params;
        uint256 rate = RiskMath.borrowRateUp(
            RiskMath.utilizationUp(p.reservedUsd, p.poolCashUsd), pp.baseRateWad, pp.slope1Wad, pp.slope2Wad, pp.kinkWad
        );
        return p.borrowIndexWad + rate * (block.timestamp - p.lastBorrowAt);
    }

    /// @dev Starts `amountUsd` vesting with what had not vested yet. A gain from RESTART_GAIN_USD on, or from
    ///      1/RESTART_SHARE of what is still vesting, restarts the clock for both (later, never sooner: such a gain
    ///      never shares an older one's nearer end, P-96; a review took 999 USD next to a lock 10 minutes from its end
    ///      in 22 minutes). A smaller one moves the
    ///      end to the amounts' weighted end (rounded down to the second, never sooner than it was): a review restarted a 219,284 USD lock with a one-lot option
    ///      buy (2 wei of impact) every minute and kept 80,558 of it locked at 6 hours, underpaying every redemption.
    ///      Within one block the weighted end is now + GAIN_VEST_SEC for every fill, so a trade split into small fills
    ///      locks what it would whole. Kept as the amount at a virtual start (`lockedAt` = end - GAIN_VEST_SEC), held
    ///      at 48 bits (281M USD): past that the excess vests at once, never a revert that would block a liquidation.
    function _lockGain(uint256 amountUsd) internal {
        Registry memory r = registry;
        uint256 left = _unvestedGainUsd(r);
        uint256 unvested = left + amountUsd;
        uint256 end = block.timestamp + GAIN_VEST_SEC;
        if (amountUsd < RESTART_GAIN_USD && amountUsd * RESTART_SHARE < left) {
            // the running end moved toward now + GAIN_VEST_SEC by the new gain's weight, rounded down to the second:
            // never sooner than it was, and a gain too small to move it a second leaves it (rounding up instead let a
            // stream of one-lot trades push it a second each)
            uint256 oldEnd = uint256(r.lockedAt) + GAIN_VEST_SEC;
            end = oldEnd + (end - oldEnd).mulDivDown(amountUsd, unvested);
        }
        // the amount at the virtual start that leaves `unvested` now and vests linearly to 0 at `end`
        uint256 atStart = unvested.mulDivUp(GAIN_VEST_SEC, end - block.timestamp);
        registry.lockedGainUsd = uint48(MathLib.min(atStart, type(uint48).max));
        registry.lockedAt = uint32(end - GAIN_VEST_SEC);
        emit GainLocked(msg.sender, amountUsd, unvested);
    }

    /// @dev The locked gain not yet vested, rounded up (a redemption is paid less).
    function _unvestedGainUsd(Registry memory r) internal view returns (uint256) {
        uint256 end = uint256(r.lockedAt) + GAIN_VEST_SEC;
        if (block.timestamp >= end) return 0;
        return uint256(r.lockedGainUsd).mulDivUp(end - block.timestamp, GAIN_VEST_SEC);
    }

    /// @dev The NAV less the gains still vesting (what a redemption may be paid at most), the low bound (that less the
    ///      products' oracle-lag risk) and the high bound (the NAV plus theirs), from one valuation.
    function _valueTerms() internal view returns (uint256 redeemableUsd, uint256 lowUsd, uint256 highUsd) {
        (uint256 nav, uint256 riskDown, uint256 riskUp, uint256 unvested) = _poolValue(_borrowIndexNow());
        redeemableUsd = nav > unvested ? nav - unvested : 0;
        lowUsd = nav > riskDown ? nav - riskDown : 0;
        highUsd = nav + riskUp;
    }

    /// @dev IProduct.pinValuationPrices on every product the NAV values.
    function _pinValuationPrices() internal {
        Registry memory r = registry;
        uint256 valued = r.valuedProducts;
        for (uint256 id; valued >> id != 0; ++id) {
            if ((valued >> id) & 1 == 1) IProduct(id == 0 ? r.product0 : extraProducts[id]).pinValuationPrices();
        }
    }

    /// @dev The NAV and the risks below (redemptions: the products' and the gains still vesting) and above (deposits)
    ///      it, and the gains still vesting alone.
    function _poolValue(uint256 borrowIndexWad)
        internal
        view
        returns (uint256, uint256 riskDownUsd, uint256 riskUpUsd, uint256 unvestedUsd)
    {
        Registry memory r = registry;
        int256 value = int256(uint256(poolSt.poolCashUsd));
        uint256 valued = r.valuedProducts;
        for (uint256 id; valued >> id != 0; ++id) {
            if ((valued >> id) & 1 == 0) continue; // nothing open: its claim is zero
            address product = id == 0 ? r.product0 : extraProducts[id];
            (int256 claim, uint256 down, uint256 up) = IProduct(product).poolClaimUsd(borrowIndexWad);
            value += claim;
            riskDownUsd += down;
            riskUpUsd += up;
        }
        // A deposit pays for the gains still vesting (they are pool cash); a redemption is paid without them (P-96).
        unvestedUsd = _unvestedGainUsd(r);
        riskDownUsd += unvestedUsd;
        return (value > 0 ? uint256(value) : 0, riskDownUsd, riskUpUsd, unvestedUsd);
    }

    /// @dev What LP flows may take: withdrawals, redemptions and queue fills stop at the kink (P-106).
    function _freeLiquidity() internal view returns (uint256) {
        (uint256 cash, uint256 reserved, uint256 maxUtilizationBps, uint256 kinkWad) = _lpLimits();
        return RiskMath.freeLiquidityDown(cash, reserved, maxUtilizationBps, kinkWad);
    }

    /// @dev Cash, reserved, the solvency limit and the kink in two reads (slot A: cash in bits 0-63, reserved 64-127;
    ///      slot B: kinkWad 120-183, maxUtilizationBps 184-199), for every LP flow's check. `test_withdraw_stopsAtTheKink`
    ///      and the solvency tests hold the offsets to the structs.
    function _lpLimits()
        internal
        view
        returns (uint256 cash, uint256 reserved, uint256 maxUtilizationBps, uint256 kinkWad)
    {
        uint256 a;
        uint256 b;
        assembly ("memory-safe") {
            a := sload(poolSt.slot)
            b := sload(params.slot)
        }
        return (uint64(a), uint64(a >> 64), uint16(b >> 184), uint64(b >> 120));
    }

    // ------------------------------------------------------------ views

    /// @inheritdoc IClearingCore
    function collateralToken() external view returns (address) {
        return address(token);
    }

    /// @inheritdoc IClearingCore
    function isTrustedForwarder(address forwarder) external view returns (bool) {
        return forwarders[forwarder];
    }

    /// @inheritdoc IClearingCore
    function paused() external view returns (bool) {
        return params.paused;
    }

    /// @inheritdoc IClearingCore
    function sequencerUptimeFeed() external view returns (address) {
        return address(sequencer);
    }

    /// @inheritdoc IClearingCore
    function sequencerGraceEndsAt() external view returns (uint256) {
        uint256 endsAt = _graceEndsAt();
        return endsAt > block.timestamp ? endsAt : 0;
    }

    /// @inheritdoc IClearingCore
    function productCount() external view returns (uint256) {
        return registry.productCount;
    }

    /// @inheritdoc IClearingCore
    function productAt(uint256 id) external view returns (address) {
        return id == 0 ? registry.product0 : extraProducts[id];
    }

    /// @inheritdoc IClearingCore
    function productLedger(address product) external view returns (ProductLedger memory) {
        return ledgers[product];
    }

    /// @inheritdoc IClearingCore
    function isProduct(address product) external view returns (bool) {
        return ledgers[product].listed;
    }

    /// @inheritdoc IClearingCore
    function poolConfig() external view returns (PoolConfig memory c) {
        PoolParams memory pp = params;
        c = PoolConfig({
            baseRateWad: pp.baseRateWad,
            slope1Wad: pp.slope1Wad,
            slope2Wad: pp.slope2Wad,
            kinkWad: pp.kinkWad,
            maxUtilizationBps: pp.maxUtilizationBps,
            keeperShareBps: pp.keeperShareBps
        });
    }

    /// @inheritdoc IClearingCore
    function poolState() external view returns (PoolState memory v) {
        Registry memory r = registry;
        v.poolCashUsd = poolSt.poolCashUsd;
        v.reservedUsd = poolSt.reservedUsd;
        uint256 collateral;
        for (uint256 id; id < r.productCount; ++id) {
            collateral += ledgers[id == 0 ? r.product0 : extraProducts[id]].collateralUsd;
        }
        v.totalCollateralUsd = uint128(collateral);
        v.borrowIndexWad = uint128(_borrowIndexNow());
        v.lastBorrowAt = uint64(block.timestamp);
        v.badDebtUsd = badDebtUsd;
        v.refundsOwedUsd = refundsOwedUsd;
        v.unvestedGainUsd = _unvestedGainUsd(r);
    }

    /// @inheritdoc IClearingCore
    function refundOf(address account) external view returns (uint256) {
        return refunds[account];
    }

    /// @inheritdoc IClearingCore
    function accrualNow() external view returns (Accrual memory a) {
        PoolSlots memory p = poolSt;
        PoolParams memory pp = params;
        a.utilizationWad = RiskMath.utilizationUp(p.reservedUsd, p.poolCashUsd);
        a.borrowRateWad =
            RiskMath.borrowRateUp(a.utilizationWad, pp.baseRateWad, pp.slope1Wad, pp.slope2Wad, pp.kinkWad);
        a.borrowIndexWad = p.borrowIndexWad + a.borrowRateWad * (block.timestamp - p.lastBorrowAt);
        a.kinkWad = pp.kinkWad;
        a.keeperShareBps = pp.keeperShareBps;
    }

    /// @inheritdoc IClearingCore
    function utilizationWad() external view returns (uint256) {
        return RiskMath.utilizationUp(poolSt.reservedUsd, poolSt.poolCashUsd);
    }

    /// @inheritdoc IClearingCore
    function poolValueUsd() external view returns (uint256 navUsd) {
        if (lockHolder != address(0)) revert PoolValueUnavailable();
        (navUsd,,,) = _poolValue(_borrowIndexNow());
    }

    /// @inheritdoc IClearingCore
    function poolValueBoundsUsd() external view returns (uint256 lowUsd, uint256 highUsd) {
        (, lowUsd, highUsd) = poolValueTermsUsd();
    }

    /// @inheritdoc IClearingCore
    function poolValueTermsUsd() public view returns (uint256 redeemableUsd, uint256 lowUsd, uint256 highUsd) {
        if (lockHolder != address(0)) revert PoolValueUnavailable();
        return _valueTerms();
    }

    /// @inheritdoc IClearingCore
    function freeLiquidityUsd() external view returns (uint256) {
        return _freeLiquidity();
    }
}
