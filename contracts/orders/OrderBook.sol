// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title OrderBook
/// @notice Trigger orders on the perpetuals product, executed by anyone (the keeper) once the oracle price crosses
///         them. The clearing core lists the book as a trusted forwarder, so the engine acts for the order's owner
///         (ERC-2771 style: the owner's address is appended to the forwarded call): an open pulls its collateral from
///         the owner's wallet when it fills (the owner's approval of the engine, as for a market order), a close pays
///         the owner. The book holds only the escrowed execution fees.
/// @dev Orders are two storage slots; ids are sequential. The trigger is checked against `engine.markPrice`, the
///      price the forwarded trade pins in the same transaction, and the fill is bounded around the trigger by the
///      order's slippage, so a keeper can neither fill an untriggered order nor fill one far from where it was set.
contract OrderBook is IOrderBook, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice `slippageBps` value for "any price": the order fills at the oracle price with impact, however far.
    uint16 public constant NO_BOUND = type(uint16).max;

    // ------------------------------------------------------------ immutables

    IPerpEngine public immutable engine;
    IERC20 public immutable token;

    // ------------------------------------------------------------ storage

    uint256 public nextOrderId = 1;
    /// @notice The least execution fee an order escrows (what a keeper needs to be paid to fill it).
    uint256 public minExecutionFeeUsd;
    mapping(uint256 orderId => Order) internal orders;

    // ------------------------------------------------------------ constructor

    constructor(IPerpEngine engine_, IERC20 token_, address admin, uint256 minExecutionFeeUsd_) {
        engine = engine_;
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
        uint256 count = engine.marketCount();
        if (marketId >= count) revert InvalidOrder("marketId", marketId);
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
        orders[orderId] = o;
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
        _setTerms(o, triggerPriceWad, slippageBps, sizeDeltaUsd, collateralUsd, expiresAt);
        orders[orderId] = o;
        emit OrderUpdated(orderId, o.account, o);
    }

    /// @inheritdoc IOrderBook
    function cancelOrder(uint256 orderId) external nonReentrant {
        _remove(orderId, _ownOrder(orderId), 0);
    }

    /// @inheritdoc IOrderBook
    function cancelExpired(uint256 orderId) external nonReentrant {
        Order memory o = _load(orderId);
        if (block.timestamp <= o.expiresAt) revert OrderNotExpired(orderId, o.expiresAt);
        _remove(orderId, o, 1);
    }

    // ------------------------------------------------------------ keepers

    /// @inheritdoc IOrderBook
    function executeOrder(uint256 orderId) external nonReentrant returns (bool filled) {
        Order memory o = _load(orderId);
        if (block.timestamp > o.expiresAt) revert OrderExpired(orderId, o.expiresAt, block.timestamp);
        uint256 priceWad = engine.markPrice(o.marketId);
        if (!_triggered(o, priceWad)) revert TriggerNotReached(orderId, priceWad, o.triggerPriceWad);
        bool opens = o.kind == Kind.LimitOpen || o.kind == Kind.StopOpen;
        uint256 size = o.sizeDeltaUsd;
        if (!opens) {
            // Reduce-only: shrinks to what is left of the position, and leaves the book (refunded) once it is gone.
            uint256 positionSize = engine.position(o.account, o.marketId, o.isLong).sizeUsd;
            if (positionSize == 0) {
                _remove(orderId, o, 2);
                return false;
            }
            if (size > positionSize) size = positionSize;
        }
        delete orders[orderId];
        // A buy (opening a long, closing a short) accepts at most the bound, a sell at least.
        bool buying = opens == o.isLong;
        uint256 bound = _bound(o, buying);
        bytes memory call = opens
            ? abi.encodeCall(IPerpEngine.increasePosition, (o.marketId, o.isLong, o.collateralUsd, size, bound))
            : abi.encodeCall(IPerpEngine.decreasePosition, (o.marketId, o.isLong, 0, size, bound));
        (bool ok, bytes memory ret) = address(engine).call(abi.encodePacked(call, o.account));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        token.safeTransfer(msg.sender, o.executionFeeUsd);
        emit OrderExecuted(orderId, o.account, msg.sender, priceWad, size, o.executionFeeUsd);
        return true;
    }

    // ------------------------------------------------------------ internal

    function _load(uint256 orderId) internal view returns (Order memory o) {
        o = orders[orderId];
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

    /// @dev Deletes an order that did not fill and refunds its execution fee to the owner.
    function _remove(uint256 orderId, Order memory o, uint8 reason) internal {
        delete orders[orderId];
        token.safeTransfer(o.account, o.executionFeeUsd);
        emit OrderCancelled(orderId, o.account, reason, o.executionFeeUsd);
    }

    /// @dev The acceptable price of the fill: the trigger moved by the slippage against the trader's side, or no bound.
    function _bound(Order memory o, bool buying) internal pure returns (uint256) {
        if (o.slippageBps == NO_BOUND) return buying ? type(uint256).max : 0;
        uint256 t = o.triggerPriceWad;
        return buying ? t * (10_000 + o.slippageBps) / 10_000 : t * (10_000 - o.slippageBps) / 10_000;
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
        return orders[orderId];
    }
}
