// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

/// @title ILiquidityPool
/// @notice ERC-4626 LP shares over Counterpool's pool. totalAssets is the clearing core's live net asset value (cash + fees
///         owed to the pool - traders' capped PnL), never a token balance, so donations do not move the share price.
///         Withdrawals are limited to free liquidity (cash not backing open positions) and to shares past their
///         deposit cooldown (newly minted shares are locked for `cooldownSec`; older ones stay free); the rest waits
///         in a FIFO queue filled at the NAV of the fill.
interface ILiquidityPool is IERC4626 {
    /// @notice A queued redemption.
    struct WithdrawalRequest {
        address owner; // who queued the shares (and may cancel)
        uint64 requestedAt;
        // The NAV's low band when the request was made, in bps of the NAV less the gains still vesting (rounded up;
        // 10,000 when it could not be valued): a fill pays at the low bound, but at no wider a band than this (trades
        // after the request that widen it, e.g. cheap puts bought before the keeper's fill, cannot lower its fill).
        uint16 bandBps;
        address receiver; // who receives the assets
        uint96 minAssets; // the least the whole request accepts: a fill pays at least its share of it, else it is refused
        uint128 shares; // shares still waiting (escrowed in the pool)
        uint128 sharesRequested; // shares queued at the request (minAssets is for these)
    }

    /// @notice `shares` exceed the `unlockedShares` `owner` may move; the rest unlock at `availableAt`.
    error SharesLocked(address owner, uint256 shares, uint256 unlockedShares, uint256 availableAt);
    /// @notice Only `receiver` itself, or a depositor it approved (setDepositor), may deposit while its deposit
    ///         cooldown runs (until `availableAt`).
    error ReceiverInCooldown(address receiver, uint256 availableAt);
    error DepositTooSmall(uint256 assets, uint256 minAssets);
    error ZeroShares();
    /// @notice A queued request must be worth at least `minValueUsd` (the vault's minimum deposit) at the NAV's low
    ///         bound now; `valueUsd` is what `shares` are worth (P-103: dust requests filled for nothing padded the
    ///         queue).
    error RequestTooSmall(uint256 valueUsd, uint256 minValueUsd);
    /// @notice A queued request's minimum must leave QUEUE_MIN_ROOM_BPS of room under its value now: `minAssets` asked,
    ///         `maxMinAssets` the most it may be (P-23: a minimum no fill meets held liquidity back from instant exits).
    error RequestMinimumTooHigh(uint256 minAssets, uint256 maxMinAssets);
    error NotRequestOwner(uint256 requestId, address caller, address owner);
    error RequestNotPending(uint256 requestId);
    error CooldownTooLong(uint256 cooldownSec, uint256 maxSec);
    /// @notice `owner` has no deferred queue payout to claim.
    error NothingToClaim(address owner);
    /// @notice Only a keeper fills the queue until its head request has waited `keeperlessAt`.
    error QueueKeeperOnly(address caller, uint256 keeperlessAt);
    /// @notice A slippage-checked entry point (EIP-5143) would have given `amount` against the caller's `limit`
    ///         (fewer shares or assets out than the minimum, or more in than the maximum).
    error VaultSlippageExceeded(uint256 amount, uint256 limit);
    /// @notice The core was deployed for another vault address (it fixes its vault at deployment).
    error VaultMismatch(address coreVault, address vault);

    /// @notice Shares were put in the withdrawal queue.
    /// @param requestId position in the queue
    /// @param owner share owner
    /// @param receiver receiver of the assets
    /// @param shares shares escrowed
    event WithdrawalRequested(uint256 indexed requestId, address indexed owner, address receiver, uint256 shares);

    /// @notice A queued request was cancelled (by its owner, or by a fill below its minimum) and its remaining shares
    ///         returned.
    /// @param requestId the request
    /// @param owner its owner, who got the shares back
    /// @param shares the shares returned
    event WithdrawalCancelled(uint256 indexed requestId, address indexed owner, uint256 shares);

    /// @notice A fill would have paid a queued request less than its minimum: the request was cancelled instead.
    /// @param requestId the request
    /// @param owner its owner
    /// @param shares the request's remaining shares, returned to the owner
    /// @param assets what the fill would have paid for them
    /// @param minAssets the least the request accepted for them
    event WithdrawalRefused(
        uint256 indexed requestId, address indexed owner, uint256 shares, uint256 assets, uint256 minAssets
    );

    /// @notice (Part of) a queued request was paid.
    /// @param requestId the request
    /// @param owner its owner
    /// @param receiver who was paid
    /// @param shares shares burned in this fill
    /// @param assets assets paid (NAV at the fill)
    /// @param remainingShares shares still queued
    event WithdrawalFilled(
        uint256 indexed requestId,
        address indexed owner,
        address receiver,
        uint256 shares,
        uint256 assets,
        uint256 remainingShares
    );

    /// @notice A queue fill's payout was refused by the token (a blocked receiver); the assets wait for the owner's
    ///         `claim` and the queue moved on.
    /// @param requestId the request filled
    /// @param owner who may claim the assets
    /// @param receiver the receiver the token refused
    /// @param assets assets held for the owner
    event PayoutDeferred(uint256 indexed requestId, address indexed owner, address receiver, uint256 assets);

    /// @notice An owner claimed deferred queue payouts.
    /// @param owner the request owner
    /// @param to where the assets went
    /// @param assets assets paid
    event Claimed(address indexed owner, address indexed to, uint256 assets);

    /// @notice The deposit cooldown changed.
    /// @param cooldownSec seconds a deposit's shares stay locked from now on
    event CooldownUpdated(uint256 cooldownSec);

    /// @notice `receiver` approved or revoked `depositor` to deposit in its name while its cooldown runs.
    /// @param receiver the LP whose cooldown the depositor may restart
    /// @param depositor the account (a zap, a payroll or treasury contract) depositing for it
    /// @param approved whether it may
    event DepositorSet(address indexed receiver, address indexed depositor, bool approved);

    /// @notice Seconds newly minted shares stay locked (no transfer, redeem or queue). A deposit made while the
    ///         receiver's earlier one is still locked joins it and restarts the cooldown for both. A change of this
    ///         parameter applies to later deposits only.
    function cooldownSec() external view returns (uint256);

    /// @notice Smallest deposit, in assets.
    function minDepositAssets() external view returns (uint256);

    /// @notice Lets `depositor` deposit in the caller's name while the caller's cooldown runs (each of its deposits
    ///         restarts that cooldown, as the caller's own do). Anyone may deposit for an LP whose shares are all
    ///         unlocked, which starts a cooldown; without approvals a dust deposit timed to each cooldown's end would
    ///         shut every third-party deposit out (review AY). The caller's own deposits need no approval. Approve only
    ///         a depositor that deposits for you alone: through a public router that deposits for whoever names you,
    ///         anyone could restart your cooldown at each end and keep your recent shares locked until you revoke it.
    function setDepositor(address depositor, bool approved) external;

    /// @notice Whether `depositor` may deposit for `receiver` while `receiver`'s cooldown runs.
    function isDepositor(address receiver, address depositor) external view returns (bool);

    /// @notice When `owner`'s locked shares unlock (0 when none are locked).
    function withdrawableAt(address owner) external view returns (uint256);

    /// @notice Shares of `owner` still in their deposit cooldown.
    function lockedShares(address owner) external view returns (uint256);

    /// @notice `deposit`, reverting VaultSlippageExceeded when it mints fewer than `minShares` (EIP-5143). The LP band can
    ///         be widened by trades sent just before a deposit (and the NAV moves with prices): the plain ERC-4626
    ///         entry points take whatever the pool's value is at inclusion, these take only what the caller accepted.
    function deposit(uint256 assets, address receiver, uint256 minShares) external returns (uint256 shares);

    /// @notice `mint`, reverting VaultSlippageExceeded when it takes more than `maxAssets` (EIP-5143).
    function mint(uint256 shares, address receiver, uint256 maxAssets) external returns (uint256 assets);

    /// @notice `withdraw`, reverting VaultSlippageExceeded when it burns more than `maxShares` (EIP-5143).
    function withdraw(uint256 assets, address receiver, address owner, uint256 maxShares)
        external
        returns (uint256 shares);

    /// @notice `redeem`, reverting VaultSlippageExceeded when it pays less than `minAssets` (EIP-5143).
    function redeem(uint256 shares, address receiver, address owner, uint256 minAssets)
        external
        returns (uint256 assets);

    /// @notice Queues `shares` for redemption to `receiver`, escrowing them in the pool. A fill pays at least
    ///         `minAssets` pro rata (per share), or cancels the request and returns its shares: the fill is
    ///         permissionless, so whoever sends it cannot choose a moment when the NAV's LP band is wide (a sandwich of
    ///         option trades widens it) to pay the request less than its owner accepted. The shares must be worth at
    ///         least the vault's minimum deposit now (RequestTooSmall), and `minAssets` at most their value now less
    ///         QUEUE_MIN_ROOM_BPS (RequestMinimumTooHigh): a request no fill could pay would hold liquidity back from
    ///         instant exits without ever taking it (P-23). The request keeps the NAV's low band it sees (bandBps): a
    ///         fill pays at the low bound then, but at no wider a band than that, so whoever frees liquidity and widens
    ///         the band before the keeper's fill cannot pay the request less (P-89).
    function requestRedeem(uint256 shares, address receiver, uint256 minAssets) external returns (uint256 requestId);

    /// @notice Cancels what is left of a queued request and returns its shares to the owner; if the last fill left it
    ///         waiting, its shares stop holding liquidity back from instant exits (P-23).
    function cancelRedeem(uint256 requestId) external;

    /// @notice Pays `to` the queue payouts the token refused to deliver to the caller's receivers.
    function claim(address to) external returns (uint256 assets);

    /// @notice Queue payouts owed to `owner` after the token refused its receiver.
    function claimable(address owner) external view returns (uint256);

    /// @notice Fills queued requests in order while free liquidity lasts. A payout the token refuses becomes the
    ///         owner's claimable balance, and a fill below a request's minimum cancels it; neither blocks the requests
    ///         behind it. Keepers (KEEPER_ROLE) fill the queue, as GMX v2's keepers execute deposits and withdrawals:
    ///         whoever chose the moment of a fill could first widen the NAV's LP band with trades it reverses right
    ///         after (a sandwich), and queued LPs would pay that band. Anyone may fill once both the head request and
    ///         the keepers' last call of this function are KEEPERLESS_QUEUE_SEC old (the keeper is down: liveness over
    ///         that risk); a keeper's call records itself even when nothing fills (the keeper calls it while a request
    ///         waits for liquidity), so a request that waits on free liquidity does not open the queue to anyone.
    /// @return filled number of requests completely filled
    function processQueue(uint256 maxRequests) external returns (uint256 filled);

    function withdrawalRequest(uint256 requestId) external view returns (WithdrawalRequest memory);

    /// @notice Index of the first unfilled request and one past the last.
    function queueBounds() external view returns (uint256 head, uint256 tail);

    /// @notice Shares waiting in the queue.
    function queuedShares() external view returns (uint256);
}
