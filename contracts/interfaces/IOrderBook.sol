// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

/// @title IOrderBook
/// @notice Keeper-executed trigger orders on the perpetuals product: limit and stop opens, take-profit and stop-loss.
///         The book is one of the clearing core's trusted forwarders: it acts on the engine for the order's owner.
interface IOrderBook {
    /// @notice What an order does once its trigger is crossed.
    /// @dev LimitOpen: a long opens at or below its trigger, a short at or above. StopOpen: a long opens at or above, a
    ///      short at or below. TakeProfit (reduce-only): a long closes at or above, a short at or below. StopLoss
    ///      (reduce-only): a long closes at or below, a short at or above.
    enum Kind {
        LimitOpen,
        StopOpen,
        TakeProfit,
        StopLoss
    }

    /// @notice One order, packed in two slots.
    struct Order {
        address account; // owner; zero for an order that does not exist
        uint40 executionFeeUsd; // escrowed in the settlement token, credited to the keeper that executes
        uint32 expiresAt; // unix seconds; past it the order can only be cancelled (refunded)
        uint8 marketId;
        bool isLong;
        Kind kind;
        uint96 triggerPriceWad;
        uint16 slippageBps; // the fill's bound around the trigger: buys at most trigger x (1 + s), sells at least
        // trigger x (1 - s); NO_BOUND accepts any price (a stop-loss that must fill through a gap)
        uint64 sizeDeltaUsd; // size to open, or to close (reduce-only orders shrink to what is left)
        uint64 collateralUsd; // collateral an open adds, pulled from the owner's wallet when it fills
        // Keeper batch attempts the engine refused after the order triggered (OrderBook.FAILED_FILL_SHARE_BPS of the
        // fee each); at MAX_FAILED_FILLS the order leaves the book (OrderCancelled reason 4)
        uint8 failedFills;
    }

    /// @notice A new order. Every field as stored.
    /// @param orderId the order's id (sequential, never reused)
    /// @param account its owner
    /// @param marketId the market it trades
    /// @param order every field as stored
    event OrderCreated(uint256 indexed orderId, address indexed account, uint256 indexed marketId, Order order);
    /// @notice The owner edited an order (trigger, slippage, size, collateral, expiry).
    /// @param orderId the order
    /// @param account its owner
    /// @param order every field as now stored
    event OrderUpdated(uint256 indexed orderId, address indexed account, Order order);
    /// @notice An order left the book without filling; its execution fee went back to the owner (less the clearing
    ///         share paid to whoever cleared an expired or orphaned order).
    /// @param reason 0 cancelled by the owner, 1 expired, 2 its position is gone (reduce-only), 3 triggered while its
    ///        owner could not fund it (an open whose collateral the owner's balance or approval of the engine no longer
    ///        covers: it would fail at every attempt, at the keepers' cost), 4 the engine refused its fill
    ///        MAX_FAILED_FILLS times in keepers' batches
    /// @param orderId the order
    /// @param account its owner
    /// @param refundUsd what the owner got back
    event OrderCancelled(uint256 indexed orderId, address indexed account, uint8 reason, uint256 refundUsd);
    /// @notice A keeper's batch tried to fill a triggered order and the engine refused it (the order stays on the book
    ///         unless this was its MAX_FAILED_FILLS-th failure). The keeper is paid `chargedUsd` from the order's
    ///         escrowed fee for the attempt (credited to `owedUsd`).
    /// @param orderId the order
    /// @param account its owner
    /// @param keeper who tried (and is paid)
    /// @param chargedUsd taken from the escrowed fee for this attempt
    /// @param failedFills failed attempts so far, this one included
    event OrderFillFailed(
        uint256 indexed orderId,
        address indexed account,
        address indexed keeper,
        uint256 chargedUsd,
        uint256 failedFills
    );
    /// @notice The token refused to deliver a refund to the owner (a blocklisted address): it waits in the book for
    ///         the owner to claim, so clearing the order never depends on the owner being able to receive.
    /// @param account the order's owner
    /// @param amountUsd the refund kept for them
    event RefundDeferred(address indexed account, uint256 amountUsd);
    /// @notice An account claimed what the book owed it (execution fees earned, refunds the token refused).
    /// @param account the account owed
    /// @param to who received the payment
    /// @param amountUsd the amount paid
    /// @dev Not `Claimed`: the vault has an event of that signature, and one event id for two events let the indexer
    ///      decode the book's claims under the vault's field names (a review).
    event OwedClaimed(address indexed account, address indexed to, uint256 amountUsd);
    /// @notice An order filled.
    /// @param orderId the order
    /// @param account its owner, for whom the engine traded
    /// @param keeper who executed it; the execution fee is added to what the book owes it (`owedUsd`, `claim`)
    /// @param priceWad the oracle price the trigger was checked against (the fill's price before impact)
    /// @param sizeDeltaUsd the size opened or closed (a reduce-only order's size shrunk to the position)
    /// @param executionFeeUsd the fee credited to the keeper
    event OrderExecuted(
        uint256 indexed orderId,
        address indexed account,
        address indexed keeper,
        uint256 priceWad,
        uint256 sizeDeltaUsd,
        uint256 executionFeeUsd
    );

    error OrderNotFound(uint256 orderId);
    error NotOrderOwner(uint256 orderId, address caller, address owner);
    error ExecutionFeeTooLow(uint256 feeUsd, uint256 minFeeUsd);
    error TriggerNotReached(uint256 orderId, uint256 priceWad, uint256 triggerPriceWad);
    error OrderExpired(uint256 orderId, uint256 expiresAt, uint256 nowSec);
    error OrderNotExpired(uint256 orderId, uint256 expiresAt);
    error InvalidOrder(bytes32 field, uint256 value);
    /// @notice `account` has no deferred refund to claim.
    error NothingToClaim(address account);
    error ClaimExceedsOwed(address account, uint256 amountUsd, uint256 owedUsd);
    /// @notice Only an account with KEEPER_ROLE, or the order's owner, may fill an order (a fill's price depends on the
    ///         skew, so an executor who could trade around it in the same transaction could sandwich it).
    error NotKeeper(address caller, uint256 orderId);
    /// @notice The engine call of an order's fill ran out of the gas the caller gave it (`gasBefore` was left before
    ///         it): the batch reverts instead of counting a refusal the caller chose.
    error FillOutOfGas(uint256 orderId, uint256 gasBefore);

    /// @notice Places an order and escrows its execution fee (at least `minExecutionFeeUsd`) from the caller. Opens
    ///         need `collateralUsd` > 0 and the engine's approval when they fill; reduce-only orders need none.
    function createOrder(
        uint256 marketId,
        bool isLong,
        Kind kind,
        uint256 triggerPriceWad,
        uint256 slippageBps,
        uint256 sizeDeltaUsd,
        uint256 collateralUsd,
        uint256 expiresAt,
        uint256 executionFeeUsd
    ) external returns (uint256 orderId);

    /// @notice The owner changes an order's trigger, slippage, size, collateral and expiry (kind, side and market stay).
    ///         An expired order cannot be changed (OrderExpired): it can only leave the book. Reviving one let its owner
    ///         turn an order a keeper's batch had priced as a cheap clearing into a fill in front of the batch, whose gas
    ///         then ran out with other traders' stop-losses in it (review BQ).
    function updateOrder(
        uint256 orderId,
        uint256 triggerPriceWad,
        uint256 slippageBps,
        uint256 sizeDeltaUsd,
        uint256 collateralUsd,
        uint256 expiresAt
    ) external;

    /// @notice The owner cancels an order; the execution fee is refunded.
    function cancelOrder(uint256 orderId) external;

    /// @notice Anyone removes an expired order; the caller is paid the clearing share of its fee, the owner the rest.
    function cancelExpired(uint256 orderId) external;

    /// @notice A keeper (KEEPER_ROLE) or the order's owner fills an order whose trigger the oracle price has crossed,
    ///         at the oracle price with the usual impact, bounded around the trigger by the order's slippage and around
    ///         the mark price by at most MAX_FILL_SLIPPAGE_BPS; the execution fee is credited to the caller (`owedUsd`,
    ///         `claim`). A reduce-only order whose position is gone is removed instead by anyone, whatever the price,
    ///         and a triggered open whose fill fails because its owner no longer funds it by the keeper that tried:
    ///         the caller gets the clearing share, and it returns false. Any other refused fill reverts with the
    ///         engine's reason and charges nothing (a keeper's batch, `executeOrders`, is what pays for refusals).
    function executeOrder(uint256 orderId) external returns (bool filled);

    /// @notice Fills every order of `orderIds` that can fill now (one keeper transaction for many orders after a price
    ///         move; orders the caller may not fill, see executeOrder, are skipped); the others are skipped untouched,
    ///         except expired orders, reduce-only orders whose position is gone and triggered opens their owner cannot
    ///         fund, which are removed (the caller gets the clearing share, the owner the rest of the fee). The fees
    ///         of the filled orders are credited to the caller in one write (`owedUsd`, `claim`). A triggered order
    ///         whose fill the engine refuses pays a keeper FAILED_FILL_SHARE_BPS of its escrowed fee for the attempt
    ///         and counts it (`failedFills`), once per block however many batches or keepers name it; the
    ///         MAX_FAILED_FILLS-th refusal removes it (reason 4). A refusal for the core refusing every new risk (paused,
    ///         the L2 sequencer down or in its grace period) is neither charged nor counted, and an owner filling their
    ///         own order pays nothing for a refusal.
    function executeOrders(uint256[] calldata orderIds) external returns (uint256 filled, uint256 feesUsd);

    /// @notice Whether `order`'s trigger is crossed at `priceWad` (the rule executeOrder applies).
    function triggered(Order calldata order, uint256 priceWad) external pure returns (bool);

    /// @notice An order by id (account zero when it does not exist).
    function order(uint256 orderId) external view returns (Order memory);

    /// @notice Pays `amountUsd` of what the book owes `msg.sender` (the execution fees of the orders it executed, and
    ///         refunds the token refused to deliver to it) to `to`. A keeper leaves a unit behind so that its next
    ///         fill's credit writes a non-empty slot (2,900 gas, not 20,000).
    function claim(address to, uint256 amountUsd) external;

    /// @notice What the book owes `account`: execution fees earned (a fill credits its keeper here instead of sending
    ///         the token, one storage write instead of a transfer's two balances and its event) and refunds the token
    ///         refused to deliver.
    function owedUsd(address account) external view returns (uint256);
}
