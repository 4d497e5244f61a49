// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../interfaces/IClearingCore.sol";
import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {OracleErrors} from "../oracles/OracleErrors.sol";
import {PerpState} from "../perps/PerpState.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title OrderBook
/// @notice Trigger orders on the perpetuals product, executed by the keepers (KEEPER_ROLE) or the order's owner once
///         the oracle price crosses them. Executors are permissioned as GMX v2's order keepers are: a fill's price
///         depends on the skew, and a review found an executor free to trade around the fill in the same transaction
///         (short before a whole-position stop-loss, execute it, close) took 176k from a 20M stop-loss within its 5%
///         bound. Clearing an order that can no longer fill stays open to anyone. The clearing core lists the book as a trusted forwarder, so the engine acts for the order's owner
///         (ERC-2771 style: the owner's address is appended to the forwarded call): an open pulls its collateral from
///         the owner's wallet when it fills (the owner's approval of the engine, as for a market order), a close pays
///         the owner. The book holds only the escrowed execution fees.
/// @dev Orders are two storage slots; ids are sequential. The trigger is checked against the engine's price now
///      (`volatilityNow(..).priceWad`), the price the forwarded trade pins in the same transaction, and the fill is
///      bounded around the trigger by the order's slippage, so a keeper can neither fill an untriggered order nor fill
///      one far from where it was set.
contract OrderBook is IOrderBook, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice `slippageBps` value for "any price": the order fills at the oracle price with impact, however far.
    uint16 public constant NO_BOUND = type(uint16).max;
    /// @notice The widest a fill may stray from the mark price (bps), for every order including NO_BOUND ones: a fill
    ///         is bounded by its trigger and by the mark price, so no one can force a large impact on it in the same
    ///         transaction (push the skew, execute, unwind).
    uint256 public constant MAX_FILL_SLIPPAGE_BPS = 500;
    /// @notice Share of an order's execution fee (bps) paid to whoever clears it when it leaves the book unfilled
    ///         (expired, or reduce-only with its position gone): their gas; the owner gets the rest back. An owner
    ///         cancelling their own order gets all of it back.
    uint256 public constant CLEARING_SHARE_BPS = 2000;
    /// @notice Share of an order's escrowed fee (bps) paid to the keeper for each attempt in a batch that the engine
    ///         refuses after the order triggered (`OrderFillFailed`). A review filled the keepers' batches with
    ///         stop-losses that could never fill (slippage 0, past their trigger): they cost the keepers a failed call
    ///         each (96k gas) and crowded honest stop-losses out of the block, at no cost to their owner, who got the
    ///         whole fee back on cancel. Now each refusal is paid for, and an order refused MAX_FAILED_FILLS times leaves
    ///         the book. The keeper service spaces its attempts (2, 4, ... up to 256 blocks apart) and tries orders that
    ///         have not failed first, so a transient refusal costs an honest order little.
    uint256 public constant FAILED_FILL_SHARE_BPS = 500;
    /// @notice Refused fills after which a triggered order leaves the book (OrderCancelled reason 4; the keeper gets the
    ///         clearing share of what is left of the fee, the owner the rest).
    uint8 public constant MAX_FAILED_FILLS = 16;
    /// @notice Who may fill any order (the keeper services); an owner may always fill their own.
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");

    // ------------------------------------------------------------ immutables

    IPerpEngine public immutable engine;
    IERC20 public immutable token;
    /// @notice The clearing core, whose trusted forwarders (the PriceUpdateRouter) may execute orders for the keeper
    ///         they append to the call: a pull-oracle market's orders fill with the price update in the same call.
    IClearingCore public immutable core;

    // ------------------------------------------------------------ storage

    uint256 public nextOrderId = 1;
    /// @notice The least execution fee an order escrows (what a keeper needs to be paid to fill it).
    uint256 public minExecutionFeeUsd;
    mapping(uint256 orderId => Order) internal orders_;
    /// @inheritdoc IOrderBook
    mapping(address account => uint256) public owedUsd;
    /// @dev The block of each order's last counted refusal: one per block, however many transactions or keepers try it
    ///      (review AG: a transient mark lasted one transaction, so sixteen transactions removed an order in one block).
    mapping(uint256 orderId => uint256) internal refusedAtBlock;

    // ------------------------------------------------------------ constructor

    constructor(IPerpEngine engine_, IClearingCore core_, IERC20 token_, address admin, uint256 minExecutionFeeUsd_) {
        engine = engine_;
        core = core_;
        token = token_;
        minExecutionFeeUsd = minExecutionFeeUsd_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------ admin

    /// @notice Sets the least execution fee new orders escrow (existing orders keep theirs).
    function setMinExecutionFee(uint256 feeUsd) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (feeUsd > type(uint40).max) revert InvalidOrder("minExecutionFeeUsd", feeUsd);
        minExecutionFeeUsd = feeUsd;
    }

    // ------------------------------------------------------------ traders

    /// @inheritdoc IOrderBook
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
    ) external nonReentrant returns (uint256 orderId) {
        // Only a listed market (its count from the engine's storage): an order on any other id could never fill or
        // be refused (its execution fails before either), yet a keeper would send it at every pass as an orphan, and
        // a review's five such orders on five unlisted markets took every batch of the keeper's passes.
        if (marketId >= PerpState.marketCountOf(PerpState.totalsWord(engine))) {
            revert InvalidOrder("marketId", marketId);
        }
        uint256 minFee = minExecutionFeeUsd;
        if (executionFeeUsd < minFee) revert ExecutionFeeTooLow(executionFeeUsd, minFee);
        if (executionFeeUsd > type(uint40).max) revert InvalidOrder("executionFeeUsd", executionFeeUsd);
        Order memory o;
        o.account = msg.sender;
        o.executionFeeUsd = uint40(executionFeeUsd);
        o.marketId = uint8(marketId);
        o.isLong = isLong;
        o.kind = kind;
        _setTerms(o, triggerPriceWad, slippageBps, sizeDeltaUsd, collateralUsd, expiresAt);
        orderId = nextOrderId++;
        orders_[orderId] = o;
        token.safeTransferFrom(msg.sender, address(this), executionFeeUsd);
        emit OrderCreated(orderId, msg.sender, marketId, o);
    }

    /// @inheritdoc IOrderBook
    function updateOrder(
        uint256 orderId,
        uint256 triggerPriceWad,
        uint256 slippageBps,
        uint256 sizeDeltaUsd,
        uint256 collateralUsd,
        uint256 expiresAt
    ) external nonReentrant {
        Order memory o = _ownOrder(orderId);
        if (block.timestamp > o.expiresAt) revert OrderExpired(orderId, o.expiresAt, block.timestamp);
        _setTerms(o, triggerPriceWad, slippageBps, sizeDeltaUsd, collateralUsd, expiresAt);
        orders_[orderId] = o;
        emit OrderUpdated(orderId, o.account, o);
    }

    /// @inheritdoc IOrderBook
    function cancelOrder(uint256 orderId) external nonReentrant {
        _remove(orderId, _ownOrder(orderId), 0, msg.sender);
    }

    /// @inheritdoc IOrderBook
    function cancelExpired(uint256 orderId) external nonReentrant {
        Order memory o = _load(orderId);
        if (block.timestamp <= o.expiresAt) revert OrderNotExpired(orderId, o.expiresAt);
        _remove(orderId, o, 1, msg.sender);
    }

    /// @inheritdoc IOrderBook
    function claim(address to, uint256 amountUsd) external nonReentrant {
        uint256 owed = owedUsd[msg.sender];
        if (owed == 0) revert NothingToClaim(msg.sender);
        if (amountUsd == 0 || amountUsd > owed) revert ClaimExceedsOwed(msg.sender, amountUsd, owed);
        owedUsd[msg.sender] = owed - amountUsd;
        token.safeTransfer(to, amountUsd);
        emit OwedClaimed(msg.sender, to, amountUsd);
    }

    // ------------------------------------------------------------ keepers

    /// @inheritdoc IOrderBook
    function executeOrder(uint256 orderId) external nonReentrant returns (bool filled) {
        Order memory o = orders_[orderId];
        address keeper = _keeper();
        (Outcome outcome, uint256 priceWad, bytes memory err) = _execute(orderId, o, keeper, false);
        if (outcome == Outcome.Filled) {
            owedUsd[keeper] += o.executionFeeUsd;
            return true;
        }
        if (outcome == Outcome.Orphaned) return false;
        if (outcome == Outcome.NotFound) revert OrderNotFound(orderId);
        if (outcome == Outcome.Expired) revert OrderExpired(orderId, o.expiresAt, block.timestamp);
        if (outcome == Outcome.NotTriggered) revert TriggerNotReached(orderId, priceWad, o.triggerPriceWad);
        if (outcome == Outcome.NotKeeper) revert NotKeeper(keeper, orderId);
        assembly ("memory-safe") {
            revert(add(err, 32), mload(err))
        }
    }

    /// @inheritdoc IOrderBook
    function executeOrders(uint256[] calldata orderIds)
        external
        nonReentrant
        returns (uint256 filled, uint256 feesUsd)
    {
        address keeper = _keeper();
        for (uint256 i; i < orderIds.length; ++i) {
            Order memory o = orders_[orderIds[i]];
            if (o.account != address(0) && block.timestamp > o.expiresAt) {
                _remove(orderIds[i], o, 1, keeper); // expired: cleared in the same batch (the caller's clearing share)
                continue;
            }
            (Outcome outcome,,) = _execute(orderIds[i], o, keeper, true);
            if (outcome != Outcome.Filled) continue;
            ++filled;
            feesUsd += o.executionFeeUsd;
        }
        if (feesUsd > 0) owedUsd[keeper] += feesUsd;
    }

    // ------------------------------------------------------------ internal

    /// @dev What an execution attempt did. Filled: traded and removed (the caller credits the keeper); Orphaned: a
    ///      reduce-only order whose position is gone, or a triggered open its owner cannot fund, removed and refunded;
    ///      the others changed nothing (Failed carries the engine's revert data).
    enum Outcome {
        Filled,
        Orphaned,
        NotFound,
        Expired,
        NotTriggered,
        NotKeeper,
        Failed
    }

    /// @dev One execution attempt that never reverts on the order's account: the trigger is checked against the
    ///      engine's mark price (a market without a valid price fails), a reduce-only order shrinks to the position or
    ///      leaves the book, and the trade is forwarded for the owner. `counts`: a refusal is charged and counted (a
    ///      keeper's batch); a single `executeOrder` reverts with the engine's reason instead, so it never does.
    function _execute(uint256 orderId, Order memory o, address keeper, bool counts)
        internal
        returns (Outcome, uint256 priceWad, bytes memory err)
    {
        if (o.account == address(0)) return (Outcome.NotFound, 0, err);
        if (block.timestamp > o.expiresAt) return (Outcome.Expired, 0, err);
        try engine.volatilityNow(o.marketId) returns (IPerpEngine.PricingInputs memory p) {
            priceWad = p.priceWad;
        } catch (bytes memory reason) {
            return (Outcome.Failed, 0, reason);
        }
        bool opens = o.kind == Kind.LimitOpen || o.kind == Kind.StopOpen;
        uint256 size = o.sizeDeltaUsd;
        if (!opens) {
            // Reduce-only: leaves the book (refunded) as soon as its position is gone, whatever the price, so an old
            // take-profit or stop-loss is cleared before a new position can inherit it; otherwise it shrinks to what
            // is left of the position.
            uint256 positionSize = engine.position(o.account, o.marketId, o.isLong).sizeUsd;
            if (positionSize == 0) {
                _remove(orderId, o, 2, keeper);
                return (Outcome.Orphaned, priceWad, err);
            }
            if (size > positionSize) size = positionSize;
        }
        if (!_triggered(o, priceWad)) return (Outcome.NotTriggered, priceWad, err);
        if (keeper != o.account && !hasRole(KEEPER_ROLE, keeper)) return (Outcome.NotKeeper, priceWad, err);
        delete orders_[orderId]; // before the call: nothing can fill it twice
        (bool ok, bytes memory ret) = _callEngine(orderId, _fillCall(o, opens, size, priceWad));
        if (!ok) return (_refused(orderId, o, keeper, opens, counts, ret), priceWad, ret);
        emit OrderExecuted(orderId, o.account, keeper, priceWad, size, o.executionFeeUsd);
        return (Outcome.Filled, priceWad, err);
    }

    /// @dev A fill the engine refused (`ret`): an open its owner can no longer fund leaves the book (triggered but
    ///      unfundable, it would fail at every attempt at the keepers' cost: a review burned 15M gas a batch on 50 such
    ///      orders, refundable in full by cancelling; checked only once the fill failed, so a fill costs nothing more);
    ///      a keeper's counted attempt is charged (`_chargeRefusal`), and the order goes back on the book unless that
    ///      was its last.
    function _refused(uint256 orderId, Order memory o, address keeper, bool opens, bool counts, bytes memory ret)
        internal
        returns (Outcome)
    {
        if (opens && _unfundable(o)) {
            _remove(orderId, o, 3, keeper);
            return Outcome.Orphaned;
        }
        if (counts && keeper != o.account && _chargeRefusal(orderId, o, keeper, ret)) return Outcome.Orphaned;
        orders_[orderId] = o; // unfilled: back on the book
        return Outcome.Failed;
    }

    /// @dev The fill's engine call. One starved of gas is the caller's doing, not the order's: the whole batch reverts
    ///      rather than charge and count a refusal the caller chose (the call gets 63/64 of what is left, so one that
    ///      spent all of it leaves about 1/64).
    function _callEngine(uint256 orderId, bytes memory call) internal returns (bool ok, bytes memory ret) {
        uint256 gasBefore = gasleft();
        (ok, ret) = address(engine).call(call);
        if (!ok && gasleft() <= gasBefore / 63) revert FillOutOfGas(orderId, gasBefore);
    }

    /// @dev A keeper's refused attempt in a batch, paid from the order's fee and counted in `o`; the
    ///      MAX_FAILED_FILLS-th removes the order, and this returns true. Two refusals are never the order's doing and
    ///      cost it nothing: the protocol refusing every new risk (a guardian pause, the sequencer down or in its grace
    ///      period: `_haltedRefusal`), where the same order fills once it ends (a review's honest limit order was charged
    ///      16 times and removed inside a one-hour grace period on 0.25 s blocks); and a second attempt at the same
    ///      order in one block, in one batch or several transactions (a review's batch named one order 16 times and
    ///      removed it on a one-block gap; a later one sent 16 one-order batches in one block).
    function _chargeRefusal(uint256 orderId, Order memory o, address keeper, bytes memory ret)
        internal
        returns (bool removed)
    {
        if (_haltedRefusal(ret)) return false;
        if (refusedAtBlock[orderId] == block.number) return false;
        refusedAtBlock[orderId] = block.number;
        uint256 chargeUsd = uint256(o.executionFeeUsd) * FAILED_FILL_SHARE_BPS / 10_000;
        o.executionFeeUsd -= uint40(chargeUsd);
        owedUsd[keeper] += chargeUsd;
        emit OrderFillFailed(orderId, o.account, keeper, chargeUsd, ++o.failedFills);
        if (o.failedFills < MAX_FAILED_FILLS) return false;
        _remove(orderId, o, 4, keeper);
        return true;
    }

    /// @dev Whether the engine's revert data is the core refusing all new risk: paused, or the L2 sequencer down or in
    ///      its grace period (ClearingCore.enter), whatever the order's terms.
    function _haltedRefusal(bytes memory ret) internal pure returns (bool) {
        if (ret.length < 4) return false;
        bytes4 selector = bytes4(ret);
        return selector == IClearingCore.Paused.selector || selector == OracleErrors.SequencerDown.selector
            || selector == OracleErrors.SequencerGracePeriod.selector
            || selector == OracleErrors.SequencerStatusUnknown.selector;
    }

    /// @dev Whether the owner's balance or approval of the engine no longer covers an open's collateral.
    function _unfundable(Order memory o) internal view returns (bool) {
        return
            token.balanceOf(o.account) < o.collateralUsd
                || token.allowance(o.account, address(engine)) < o.collateralUsd;
    }

    /// @dev The engine call that fills `o` for its owner (appended, as a trusted forwarder does): an open adds the
    ///      order's collateral, a reduce-only order closes `size`. A buy (opening a long, closing a short) accepts at
    ///      most the bound, a sell at least.
    function _fillCall(Order memory o, bool opens, uint256 size, uint256 priceWad)
        internal
        pure
        returns (bytes memory)
    {
        uint256 bound = _bound(o, opens == o.isLong, priceWad);
        bytes memory call = opens
            ? abi.encodeCall(IPerpEngine.increasePosition, (o.marketId, o.isLong, o.collateralUsd, size, bound))
            : abi.encodeCall(IPerpEngine.decreasePosition, (o.marketId, o.isLong, 0, size, bound));
        return abi.encodePacked(call, o.account);
    }

    /// @dev The keeper: the caller, or the account a trusted forwarder of the core (the PriceUpdateRouter) appends to its
    ///      call, which is paid the execution fees. Only calldata of an ABI encoding plus 20 bytes can carry one.
    function _keeper() internal view returns (address keeper) {
        if ((msg.data.length - 4) % 32 != 20 || !core.isTrustedForwarder(msg.sender)) return msg.sender;
        assembly ("memory-safe") {
            keeper := shr(96, calldataload(sub(calldatasize(), 20)))
        }
    }

    function _load(uint256 orderId) internal view returns (Order memory o) {
        o = orders_[orderId];
        if (o.account == address(0)) revert OrderNotFound(orderId);
    }

    function _ownOrder(uint256 orderId) internal view returns (Order memory o) {
        o = _load(orderId);
        if (o.account != msg.sender) revert NotOrderOwner(orderId, msg.sender, o.account);
    }

    /// @dev Validates and writes the editable terms into `o`.
    function _setTerms(
        Order memory o,
        uint256 triggerPriceWad,
        uint256 slippageBps,
        uint256 sizeDeltaUsd,
        uint256 collateralUsd,
        uint256 expiresAt
    ) internal view {
        bool opens = o.kind == Kind.LimitOpen || o.kind == Kind.StopOpen;
        if (triggerPriceWad == 0 || triggerPriceWad > type(uint96).max) {
            revert InvalidOrder("triggerPriceWad", triggerPriceWad);
        }
        if (slippageBps >= 10_000 && slippageBps != NO_BOUND) revert InvalidOrder("slippageBps", slippageBps);
        if (sizeDeltaUsd == 0 || sizeDeltaUsd > type(uint64).max) revert InvalidOrder("sizeDeltaUsd", sizeDeltaUsd);
        // Opens bring collateral (pulled when they fill); reduce-only orders bring none.
        if (opens ? collateralUsd == 0 || collateralUsd > type(uint64).max : collateralUsd != 0) {
            revert InvalidOrder("collateralUsd", collateralUsd);
        }
        if (expiresAt <= block.timestamp || expiresAt > type(uint32).max) revert InvalidOrder("expiresAt", expiresAt);
        o.triggerPriceWad = uint96(triggerPriceWad);
        o.slippageBps = uint16(slippageBps);
        o.sizeDeltaUsd = uint64(sizeDeltaUsd);
        o.collateralUsd = uint64(collateralUsd);
        o.expiresAt = uint32(expiresAt);
    }

    /// @dev Deletes an order that did not fill and refunds its execution fee to the owner (less the clearing share paid
    ///      to the caller when someone else clears an expired or orphaned order).
    function _remove(uint256 orderId, Order memory o, uint8 reason, address caller) internal {
        delete orders_[orderId];
        uint256 clearing = reason == 0 ? 0 : uint256(o.executionFeeUsd) * CLEARING_SHARE_BPS / 10_000;
        uint256 refund = o.executionFeeUsd - clearing;
        if (clearing > 0) token.safeTransfer(caller, clearing);
        _refund(o.account, refund);
        emit OrderCancelled(orderId, o.account, reason, refund);
    }

    /// @dev Pays a refund to the owner; if the token refuses (a blocklisted owner), keeps it as the owner's claimable
    ///      balance instead of reverting, so expired and orphaned orders can always be cleared.
    function _refund(address account, uint256 amountUsd) internal {
        if (amountUsd == 0) return;
        (bool ok, bytes memory ret) = address(token).call(abi.encodeCall(IERC20.transfer, (account, amountUsd)));
        if (ok && (ret.length == 0 ? address(token).code.length > 0 : ret.length == 32 && abi.decode(ret, (bool)))) {
            return;
        }
        owedUsd[account] += amountUsd;
        emit RefundDeferred(account, amountUsd);
    }

    /// @dev The acceptable price of the fill: the tighter of the trigger moved by the order's slippage (none for
    ///      NO_BOUND) and the mark price moved by at most MAX_FILL_SLIPPAGE_BPS (or the order's slippage, if smaller),
    ///      against the trader's side.
    function _bound(Order memory o, bool buying, uint256 markWad) internal pure returns (uint256) {
        uint256 s =
            o.slippageBps == NO_BOUND || o.slippageBps > MAX_FILL_SLIPPAGE_BPS ? MAX_FILL_SLIPPAGE_BPS : o.slippageBps;
        uint256 byMark = buying ? markWad * (10_000 + s) / 10_000 : markWad * (10_000 - s) / 10_000;
        if (o.slippageBps == NO_BOUND) return byMark;
        uint256 t = o.triggerPriceWad;
        uint256 byTrigger = buying ? t * (10_000 + o.slippageBps) / 10_000 : t * (10_000 - o.slippageBps) / 10_000;
        return buying ? (byTrigger < byMark ? byTrigger : byMark) : (byTrigger > byMark ? byTrigger : byMark);
    }

    /// @dev The trigger rule (IOrderBook.Kind): limits and take-profits want a better price than the trigger for their
    ///      side, stops and stop-losses a worse one.
    function _triggered(Order memory o, uint256 priceWad) internal pure returns (bool) {
        uint256 t = o.triggerPriceWad;
        // "at or below the trigger" for: a long's limit open and stop-loss, a short's stop open and take-profit
        bool atOrBelow = (o.kind == Kind.LimitOpen || o.kind == Kind.StopLoss) == o.isLong;
        return atOrBelow ? priceWad <= t : priceWad >= t;
    }

    // ------------------------------------------------------------ views

    /// @inheritdoc IOrderBook
    function triggered(Order calldata o, uint256 priceWad) external pure returns (bool) {
        return _triggered(o, priceWad);
    }

    /// @inheritdoc IOrderBook
    function order(uint256 orderId) external view returns (Order memory) {
        return orders_[orderId];
    }
}
