// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../interfaces/IClearingCore.sol";
import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {IUpdatablePriceFeed} from "../oracles/IUpdatablePriceFeed.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title PriceUpdateRouter
/// @notice Posts pull-oracle (Pyth) price updates and acts on the engine in the same transaction, so a trade or a
///         liquidation never has to rely on a price someone else pushed. The clearing core lists it as a trusted
///         forwarder, so the perpetuals product accepts the trader or keeper it names: every forwarded call carries
///         `msg.sender` appended to the calldata (ERC-2771 style), and the product acts for that account. The trader
///         approves the product, not this router; collateral and keeper rewards move between the core and the caller
///         directly.
/// @dev Holds nothing between calls: native currency left after the oracle fees goes back to the caller.
contract PriceUpdateRouter is ReentrancyGuardTransient {
    /// @notice One feed's update: the signed data and the native fee to forward with it (excess is refunded).
    struct PriceUpdate {
        IUpdatablePriceFeed feed;
        bytes[] data;
        uint256 fee;
    }

    IPerpEngine public immutable engine;
    /// @notice The clearing core: `executeOrders` calls only an order book among its trusted forwarders.
    IClearingCore public immutable core;
    /// @notice The core's LP vault (LiquidityPool), which `callPool` forwards to.
    address public immutable pool;
    /// @dev The router's balance when the current call began (transient: only meaningful inside a call).
    uint256 private transient _balanceBefore;

    /// @notice Returning unspent native currency to the caller failed.
    error RefundFailed(address to, uint256 amount);
    /// @notice The fees named in the updates add up to more than the value sent.
    error FeesExceedValue(uint256 feesWei, uint256 valueWei);
    /// @notice Native currency arrived outside a call (only the feeds' fee refunds are accepted, during a call).
    error UnexpectedEther(address from, uint256 amountWei);

    /// @notice `book` is not one of the core's trusted forwarders (an order book the core accepts).
    error UnknownOrderBook(address book);
    /// @notice `product` is not a product the clearing core lists.
    error UnknownProduct(address product);
    /// @notice `data` is not a selector followed by whole 32-byte words.
    error MalformedCall(uint256 length);

    constructor(IPerpEngine engine_, IClearingCore core_) {
        engine = engine_;
        core = core_;
        pool = core_.vault();
    }

    /// @notice Posts `updates`, then opens or increases the caller's position (see IPerpEngine.increasePosition).
    function increasePosition(
        PriceUpdate[] calldata updates,
        uint256 marketId,
        bool isLong,
        uint256 collateralDeltaUsd,
        uint256 sizeDeltaUsd,
        uint256 acceptablePriceWad
    ) external payable nonReentrant {
        _update(updates);
        _forward(
            abi.encodeCall(
                IPerpEngine.increasePosition, (marketId, isLong, collateralDeltaUsd, sizeDeltaUsd, acceptablePriceWad)
            )
        );
        _refund();
    }

    /// @notice Posts `updates`, then decreases or closes the caller's position (see IPerpEngine.decreasePosition).
    function decreasePosition(
        PriceUpdate[] calldata updates,
        uint256 marketId,
        bool isLong,
        uint256 collateralOutUsd,
        uint256 sizeDeltaUsd,
        uint256 acceptablePriceWad
    ) external payable nonReentrant {
        _update(updates);
        _forward(
            abi.encodeCall(
                IPerpEngine.decreasePosition, (marketId, isLong, collateralOutUsd, sizeDeltaUsd, acceptablePriceWad)
            )
        );
        _refund();
    }

    /// @notice Posts `updates`, then liquidates every eligible position in `refs`; the engine names the caller as the
    ///         keeper and pays it the reward.
    function liquidateBatch(PriceUpdate[] calldata updates, IPerpEngine.PositionRef[] calldata refs)
        external
        payable
        nonReentrant
        returns (uint256 liquidated, uint256 keeperRewardUsd)
    {
        _update(updates);
        (liquidated, keeperRewardUsd) =
            abi.decode(_forward(abi.encodeCall(IPerpEngine.liquidateBatch, (refs))), (uint256, uint256));
        _refund();
    }

    /// @notice Posts `updates`, then executes trigger orders on `book` (IOrderBook.executeOrders): a pull-oracle
    ///         market's orders fill on the update posted in the same call. The book, which lists this router among the
    ///         core's trusted forwarders, pays the execution fees to the caller. `book` must itself be a trusted
    ///         forwarder of the core (the order book), so the router reaches nothing else this way.
    function executeOrders(PriceUpdate[] calldata updates, IOrderBook book, uint256[] calldata orderIds)
        external
        payable
        nonReentrant
        returns (uint256 filled, uint256 feesUsd)
    {
        if (!core.isTrustedForwarder(address(book))) revert UnknownOrderBook(address(book));
        _update(updates);
        (filled, feesUsd) =
            abi.decode(_call(address(book), abi.encodeCall(IOrderBook.executeOrders, (orderIds))), (uint256, uint256));
        _refund();
    }

    /// @notice Posts `updates`, then calls `product`, a product the clearing core lists (the options book), with `data`
    ///         and the caller appended: an option bought, sold back, listed, refreshed or settled on a pull-oracle
    ///         market uses the price posted in the same call, for the caller. Returns the product's answer.
    function callProduct(PriceUpdate[] calldata updates, address product, bytes calldata data)
        external
        payable
        nonReentrant
        returns (bytes memory ret)
    {
        if (!core.isProduct(product)) revert UnknownProduct(product);
        // ABI-encoded calls are a selector and 32-byte words: padding would make the appended caller unreadable and
        // the product act for this router instead.
        if (data.length < 4 || (data.length - 4) % 32 != 0) revert MalformedCall(data.length);
        _update(updates);
        ret = _call(product, data);
        _refund();
    }

    /// @notice Posts `updates`, then calls the LP vault with `data` and the caller appended: a deposit, mint, withdrawal,
    ///         redemption or queue fill on a deployment with pull-oracle markets values the pool at the prices posted in
    ///         the same call (the NAV needs every market with open interest priced, P-65), for the caller: the caller
    ///         approves the vault, and shares and assets move between the vault and the caller. Returns its answer.
    function callPool(PriceUpdate[] calldata updates, bytes calldata data)
        external
        payable
        nonReentrant
        returns (bytes memory ret)
    {
        if (data.length < 4 || (data.length - 4) % 32 != 0) revert MalformedCall(data.length);
        _update(updates);
        ret = _call(pool, data);
        _refund();
    }

    /// @notice Posts `updates`, then answers what view `data` of `target` returns at the prices they carry: how a
    ///         keeper or the app reads positions, markets and the pool of a pull-oracle market, whose stored price is
    ///         seconds old at most (call it with eth_call: only the updates are written, the target is static-called).
    function readAfterUpdate(PriceUpdate[] calldata updates, address target, bytes calldata data)
        external
        payable
        nonReentrant
        returns (bytes memory ret)
    {
        _update(updates);
        bool ok;
        (ok, ret) = target.staticcall(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        _refund();
    }

    /// @notice Receives the feeds' refunds of excess oracle fees (passed on to the caller in the same call); refuses
    ///      anything sent outside a call, so no balance can build up for a later caller to be refunded.
    receive() external payable {
        if (!_reentrancyGuardEntered()) revert UnexpectedEther(msg.sender, msg.value);
    }

    function _update(PriceUpdate[] calldata updates) internal {
        _balanceBefore = address(this).balance - msg.value;
        uint256 fees;
        for (uint256 i; i < updates.length; ++i) {
            fees += updates[i].fee;
            if (fees > msg.value) revert FeesExceedValue(fees, msg.value);
            updates[i].feed.updatePrice{value: updates[i].fee}(updates[i].data);
        }
    }

    /// @dev Calls the engine with the caller appended; bubbles the engine's revert data unchanged.
    function _forward(bytes memory call) internal returns (bytes memory ret) {
        return _call(address(engine), call);
    }

    /// @dev Calls `target` with the caller appended; bubbles its revert data unchanged.
    function _call(address target, bytes memory call) internal returns (bytes memory ret) {
        bool ok;
        (ok, ret) = target.call(abi.encodePacked(call, msg.sender));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    /// @dev Returns this call's unspent value. Native currency forced in without a call (selfdestruct) is not the
    ///      caller's and stays.
    function _refund() internal {
        uint256 left = address(this).balance - _balanceBefore;
        if (left == 0) return;
        (bool ok,) = msg.sender.call{value: left}("");
        if (!ok) revert RefundFailed(msg.sender, left);
    }
}
