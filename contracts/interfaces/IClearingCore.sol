// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

/// @title IClearingCore
/// @notice Counterpool's ledger: custody of the settlement stablecoin, the pool's cash, each product's collateral and
///         reserve, the pool-wide borrow index, bad debt, the LP vault's hooks, the solvency check over every product
///         and the NAV (cash + each registered product's O(1) claim on the pool). Products (perpetuals today, options
///         next) hold their own positions and pricing; every state-changing product action opens with `enter` and ends
///         with `settle`, between which one reentrancy lock covers the core and every product.
/// @dev Units: `...Usd` settlement-token units (6 decimals); `...Wad` 18 decimals; `...RateWad` per second; `...Bps` of
///      10_000. Utilization = reserved / pool cash (IPoolMath.utilizationUp).
interface IClearingCore {
    // ---------------------------------------------------------------- types

    /// @notice What an action does to the pool's risk, which decides what may stop it. The guardian's pause refuses
    ///         `Adds`. After an L2 sequencer restart, its grace period refuses `Adds` and `Liquidates` (and LP deposits
    ///         and withdrawals, which price the NAV), so traders can react before anyone is liquidated on prices they
    ///         could not answer (Aave's PriceOracleSentinel); `Reduces` (closing, adding collateral, selling an option
    ///         back, keeper upkeep) stays open.
    enum Risk {
        Reduces,
        Adds,
        Liquidates
    }

    /// @notice Pool-wide parameters: borrow curve, solvency limit, keeper share.
    struct PoolConfig {
        uint64 baseRateWad; // borrow rate per second at 0% utilization
        uint64 slope1Wad; // added up to the kink
        uint64 slope2Wad; // added from the kink to 100%
        uint64 kinkWad; // utilization of the kink
        uint16 maxUtilizationBps; // sum of reserves <= pool cash * this
        uint16 keeperShareBps; // keeper's share of a liquidation fee
    }

    /// @notice Pool-wide accounting (a view; stored packed).
    struct PoolState {
        uint128 poolCashUsd; // tokens owned by LPs (excludes trader collateral)
        uint128 totalCollateralUsd; // tokens owned by traders, summed over products (settled option payouts included)
        uint128 reservedUsd; // sum of the products' reserved maximum payouts
        uint128 borrowIndexWad; // cumulative borrow fee per USD of borrowed size, accrued to now
        uint64 lastBorrowAt;
        uint256 badDebtUsd; // cumulative bad debt absorbed
        uint256 refundsOwedUsd; // traders' refunds the token refused to deliver, waiting to be claimed
        uint256 unvestedGainUsd; // gains not yet vested (P-96, P-98): left out of what a redemption is paid
    }

    /// @notice One product's ledger in the core.
    struct ProductLedger {
        uint64 reservedUsd; // maximum payout the product's open positions may claim from the pool
        uint64 collateralUsd; // traders' money the product holds here (collateral; an options book's settled payouts owed)
        uint16 reserveCapBps; // reservedUsd <= pool cash * this (the product's own credit line)
        uint8 id; // index in the registry
        bool listed;
        bool idle; // the product's last settle said nothing open (Settlement.nothingOpen); true when listed
    }

    /// @notice The borrow accrual a product action starts from, with the pool parameters products price with.
    struct Accrual {
        uint256 borrowIndexWad; // borrow index accrued to now
        uint256 borrowRateWad; // rate that applied to the accrual, per second
        uint256 utilizationWad; // utilization at the accrual
        uint256 kinkWad; // utilization of the borrow curve's kink (the initial margin's utilization term starts there)
        uint256 keeperShareBps; // keeper's share of a liquidation fee
    }

    /// @notice What a product's action did to the ledger, applied at once by `settle`.
    struct Settlement {
        uint256 inflowUsd; // tokens the product moved into the core during this action (trader deposits)
        int256 collateralDeltaUsd; // change of the product's trader collateral
        int256 reserveDeltaUsd; // change of the product's reserve
        address payee; // receives `payoutUsd` (trader or keeper); unused when payoutUsd is 0
        uint256 payoutUsd; // tokens paid out of the core
        uint256 badDebtUsd; // losses beyond collateral absorbed by the pool in this action
        bool checkSolvency; // true when the action added risk (reserves and utilization limit are checked)
        // True when the product has nothing open after this action (no positions, no options): its claim on the
        // pool is zero and the NAV skips it until a settle says otherwise. The default, false, keeps it valued, so a
        // settle that does not know costs the NAV a call, never a claim.
        bool nothingOpen;
        // Income this action realized that a deposit timed to it must not take at once (a perpetual fill's impact
        // beyond its fee, an option trade's exposure impact: P-98): vested over GAIN_VEST_SEC as a liquidation's gain is
        // (P-96), less `badDebtUsd` (a bankrupt close's impact never reached the pool: locking it would underpay LPs
        // who redeem while it vests), however small (a minimum was split under).
        uint256 lockedGainUsd;
    }

    // ---------------------------------------------------------------- errors

    error NotVault(address caller);
    error NotProduct(address caller);
    error ProductAlreadyListed(address product);
    error TooManyProducts(uint256 max);
    error Paused();
    error Locked();
    error NotLocked();
    error PoolCashShortfall(uint256 neededUsd, uint256 availableUsd);
    error InsufficientLiquidity(uint256 reservedUsd, uint256 maxReservableUsd);
    error ProductReserveCapExceeded(address product, uint256 reservedUsd, uint256 capUsd);
    error WithdrawalExceedsFreeLiquidity(uint256 amountUsd, uint256 freeUsd);
    error PoolValueUnavailable();
    error InvalidParameter(bytes32 name, uint256 value, uint256 min, uint256 max);
    error NoRefund(address account);

    // ---------------------------------------------------------------- events

    /// @notice A product was registered.
    /// @param product the product contract
    /// @param id its index in the registry
    /// @param reserveCapBps its reserve cap, of pool cash
    event ProductAdded(address indexed product, uint256 indexed id, uint256 reserveCapBps);

    /// @notice A product's reserve cap changed.
    /// @param product the product contract
    /// @param reserveCapBps its new reserve cap, of pool cash
    event ProductReserveCapUpdated(address indexed product, uint256 reserveCapBps);

    /// @notice A trusted forwarder (a periphery contract that acts for its caller) was added or removed.
    /// @param forwarder the forwarder contract
    /// @param trusted whether products now accept the account it appends
    event ForwarderUpdated(address indexed forwarder, bool trusted);

    /// @notice The pool's borrow curve, utilization limit or keeper share were set.
    /// @param config every pool parameter as now stored
    event PoolConfigUpdated(PoolConfig config);

    /// @notice Bad debt was absorbed by the pool.
    /// @param product the product whose position left it
    /// @param amountUsd this settlement's bad debt
    /// @param totalBadDebtUsd cumulative bad debt, every product
    event BadDebtAbsorbed(address indexed product, uint256 amountUsd, uint256 totalBadDebtUsd);

    /// @notice A liquidation's gain began to vest (P-96).
    /// @param product the product whose settlement realized it
    /// @param amountUsd this settlement's gain
    /// @param unvestedUsd what redemptions now leave out: this gain plus what had not vested, vesting from now
    event GainLocked(address indexed product, uint256 amountUsd, uint256 unvestedUsd);

    /// @notice A product returned equity to a trader (a liquidation's equity beyond its fee).
    /// @param product the product returning it
    /// @param account the trader
    /// @param amountUsd the amount
    /// @param deferred true when the token refused the transfer: the amount waits for `claimRefund`
    event Refunded(address indexed product, address indexed account, uint256 amountUsd, bool deferred);

    /// @notice A trader claimed a deferred refund.
    /// @param account the trader the refund was kept for
    /// @param to who received it
    /// @param amountUsd the amount paid
    event RefundClaimed(address indexed account, address indexed to, uint256 amountUsd);

    // ---------------------------------------------------------------- products

    /// @notice Opens a product action: takes the shared reentrancy lock, accrues the borrow index.
    /// @param risk what the action does to the pool's risk: `Adds` is refused while paused, `Adds` and `Liquidates`
    ///        while the sequencer is down or within its grace period (OracleErrors.SequencerDown / SequencerGracePeriod)
    function enter(Risk risk) external returns (Accrual memory);

    /// @notice A liquidation's settlement with its trader (only the product holding the lock; its settle then takes
    ///         the refund from cash). Pays `amountUsd` of pool cash to `account` (none if 0): a transfer the token
    ///         refuses never fails the action, the amount waits as the account's refund, outside the NAV, for
    ///         `claimRefund`. Starts `lockedGainUsd` vesting: income the liquidation realized that the NAV did not show
    ///         before it (the fee share, the close impact it charged, the rebates it forfeited, and the loss beyond the
    ///         position's floor grid price that the NAV had counted back), left out of what
    ///         redemptions are paid until it vests over GAIN_VEST_SEC, so a deposit made just before a liquidation
    ///         anyone can trigger takes none of it at once (P-96).
    function refund(address account, uint256 amountUsd, uint256 lockedGainUsd) external;

    /// @notice How long a liquidation's gain takes to vest, linearly (P-96).
    function GAIN_VEST_SEC() external view returns (uint256);

    /// @notice Sends the caller's deferred refunds to `to`.
    function claimRefund(address to) external returns (uint256 amountUsd);

    /// @notice Deferred refunds waiting for `account`.
    function refundOf(address account) external view returns (uint256);

    /// @notice Applies a product action's ledger changes, pays out, checks solvency and releases the lock.
    /// @return utilizationWad utilization after the action (for the product's initial-margin check)
    function settle(Settlement calldata s) external returns (uint256 utilizationWad);

    // ---------------------------------------------------------------- vault

    /// @notice Adds `amountUsd` the vault has just moved here to the pool's cash (only the vault).
    /// @return navBeforeUsd the NAV's upper bound before the deposit (borrow accrued; poolValueBoundsUsd), at which the
    ///         vault prices the shares; 0 when the NAV itself is 0 (a pool worth nothing takes no deposit)
    function depositLiquidity(uint256 amountUsd) external returns (uint256 navBeforeUsd);

    /// @notice Pins every oracle price the NAV reads for the rest of the transaction (IProduct.pinValuationPrices on
    ///         each valued product). The vault calls it before it
    ///         values the pool for a withdrawal, redemption, mint or queue fill (`depositLiquidity` does it itself), so
    ///         one transaction's LP flows are all valued at the same prices. Permissionless; refused mid-action
    ///         (PoolValueUnavailable).
    function pinValuationPrices() external;

    /// @notice `pinValuationPrices`, then the NAV's low bound and the free liquidity at those prices, in one call: what
    ///         a withdrawal or redemption reads (the vault would otherwise make three calls). Permissionless; refused
    ///         mid-action (PoolValueUnavailable).
    /// @return lowUsd the NAV's low bound (poolValueBoundsUsd), at which LPs redeem
    /// @return freeUsd the free liquidity (freeLiquidityUsd)
    /// @return redeemableUsd the NAV less the gains still vesting (poolValueTermsUsd): the most any redemption or queue
    ///         fill is paid at, so what the queue holds back is valued at it
    function pinRedemptionValue() external returns (uint256 lowUsd, uint256 freeUsd, uint256 redeemableUsd);

    /// @notice Pays `amountUsd` of free liquidity to `to` (only the vault). Reverts WithdrawalExceedsFreeLiquidity
    ///         beyond the solvency limit.
    function withdrawLiquidity(address to, uint256 amountUsd) external;

    // ---------------------------------------------------------------- views

    /// @notice The settlement stablecoin.
    function collateralToken() external view returns (address);

    /// @notice The LP vault, fixed at deployment.
    function vault() external view returns (address);

    /// @notice Whether `forwarder` may act for the account it appends to its calls (ERC-2771 style).
    function isTrustedForwarder(address forwarder) external view returns (bool);

    /// @notice Whether the guardian paused new risk (opens, increases and option buys are refused; exits, top-ups,
    ///         liquidations and LP flows go on).
    function paused() external view returns (bool);

    /// @notice The L2 sequencer-uptime feed the core's sentinel reads (answer 0 = up); address(0) on an L1.
    function sequencerUptimeFeed() external view returns (address);

    /// @notice How long after the sequencer comes back `Adds`, `Liquidates` and LP flows stay refused.
    function sequencerGraceSec() external view returns (uint256);

    /// @notice When the sequencer's current grace period ends (0 when there is no sentinel or no restart is in grace);
    ///         reverts SequencerDown / SequencerStatusUnknown as `enter` would.
    function sequencerGraceEndsAt() external view returns (uint256);

    /// @notice How many products were ever registered (ids 0 to count - 1).
    function productCount() external view returns (uint256);

    /// @notice The product registered as `id`.
    function productAt(uint256 id) external view returns (address);

    /// @notice A product's ledger in the core: its reserve, collateral, reserve cap, id and whether it is listed and idle.
    function productLedger(address product) external view returns (ProductLedger memory);

    /// @notice Whether `product` is a listed product (a cheap check for products and periphery).
    function isProduct(address product) external view returns (bool);

    function poolConfig() external view returns (PoolConfig memory);

    /// @notice Pool accounting with the borrow index accrued to now.
    function poolState() external view returns (PoolState memory);

    /// @notice What `enter` would return now, without writing (for products' views).
    function accrualNow() external view returns (Accrual memory);

    /// @notice reserved / pool cash now (PoolMath.utilizationUp).
    function utilizationWad() external view returns (uint256);

    /// @notice Net asset value owed to LPs: cash + the sum of every product's claim on the pool.
    /// @dev Reverts while an action holds the lock (read-only reentrancy guard).
    function poolValueUsd() external view returns (uint256);

    /// @notice The NAV less and plus the products' oracle-lag risk (IProduct.poolClaimUsd): what the pool could be worth
    ///         if every oracle were as far behind the market as it can be unseen, either way (and the options' next
    ///         volatility sample). LPs redeem at the low bound and deposit at the high one, so a price update they see
    ///         coming is no edge against the other LPs. The high bound leaves out what option buys in the current
    ///         block added (P-93).
    /// @dev Reverts while an action holds the lock (read-only reentrancy guard).
    function poolValueBoundsUsd() external view returns (uint256 lowUsd, uint256 highUsd);

    /// @notice The NAV's two bounds (poolValueBoundsUsd) and, from the same valuation, the NAV less the liquidation and
    ///         impact gains still vesting (P-96, P-98): the most a redemption or a queue fill is paid at. A queue fill
    ///         pays at the low bound, but at no wider a band below this than the request saw
    ///         (ILiquidityPool.requestRedeem), so a gain that vests after the request is still left out of its fill.
    /// @dev Reverts while an action holds the lock (read-only reentrancy guard).
    /// @return redeemableUsd the NAV less the gains still vesting
    /// @return lowUsd that less the products' oracle-lag risk (the low bound)
    /// @return highUsd the NAV plus the products' oracle-lag risk (the high bound)
    function poolValueTermsUsd() external view returns (uint256 redeemableUsd, uint256 lowUsd, uint256 highUsd);

    /// @notice Pool cash LPs may take out now: what keeps utilization within the solvency limit and at or below the
    ///         borrow curve's kink (RiskMath.freeLiquidityDown; LP flows never take the pool past the kink, P-106).
    function freeLiquidityUsd() external view returns (uint256);
}
