// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {ConfigValidation} from "./ConfigValidation.sol";

/// @title ConfigStore
/// @notice Keeps the pool's and every market's risk parameters in the code of one data contract (the SSTORE2
///         pattern): they are read on every trade, liquidation and NAV valuation and written only by the admin, and
///         one cold EXTCODECOPY (2,600 gas) is far cheaper than the seven-plus cold SLOADs (2,100 each) they would take
///         in storage. Every write validates, then deploys a fresh data contract; the engine keeps its address.
/// @dev Layout of the data: PoolConfig as 6 ABI words, then MarketConfig i as 24 ABI words at 192 + 768 * i. Both
///      structs are fully static, so a memory struct is exactly its ABI encoding and is copied straight into place.
///      The runtime code starts with a STOP byte so the data contract can never be called into.
///      The write functions are external (delegatecalled) so encoding and validation stay out of the engine's code.
library ConfigStore {
    uint256 internal constant POOL_BYTES = 6 * 32;
    uint256 internal constant MARKET_BYTES = 24 * 32;

    /// @notice The data contract could not be created.
    error ConfigStoreWriteFailed();

    // ------------------------------------------------------------ writes (external, delegatecalled by the engine)

    /// @notice Validates `cfg` and returns a new store holding it as the pool config and the old store's markets.
    function writePool(address store, uint256 marketCount, IPerpEngine.PoolConfig calldata cfg)
        external
        returns (address)
    {
        ConfigValidation.validatePool(cfg);
        bytes memory data = _load(store, marketCount, marketCount);
        IPerpEngine.PoolConfig memory c = cfg;
        _put(data, 0, _ptr(c), POOL_BYTES);
        return _deploy(data);
    }

    /// @notice Validates `cfg` and returns a new store where market `marketId` (< marketCount, or == marketCount to
    ///         append one) holds it.
    function writeMarket(address store, uint256 marketCount, uint256 marketId, IPerpEngine.MarketConfig calldata cfg)
        external
        returns (address)
    {
        ConfigValidation.validateMarket(cfg);
        uint256 newCount = marketId == marketCount ? marketCount + 1 : marketCount;
        bytes memory data = _load(store, marketCount, newCount);
        IPerpEngine.MarketConfig memory c = cfg;
        _put(data, POOL_BYTES + marketId * MARKET_BYTES, _ptr(c), MARKET_BYTES);
        return _deploy(data);
    }

    // ------------------------------------------------------------ reads (internal, inlined in the caller)

    /// @notice The pool config held by `store`.
    function readPool(address store) internal view returns (IPerpEngine.PoolConfig memory c) {
        assembly ("memory-safe") {
            extcodecopy(store, c, 1, 192)
        }
    }

    /// @notice Market `marketId`'s config held by `store` (the caller checks that the market exists).
    function readMarket(address store, uint256 marketId) internal view returns (IPerpEngine.MarketConfig memory c) {
        readMarketInto(store, marketId, c);
    }

    /// @notice Overwrites `c` with market `marketId`'s config (loops reuse one struct instead of allocating each).
    function readMarketInto(address store, uint256 marketId, IPerpEngine.MarketConfig memory c) internal view {
        assembly ("memory-safe") {
            extcodecopy(store, c, add(193, mul(marketId, 768)), 768)
        }
    }

    // ------------------------------------------------------------ internal

    /// @dev The store's data resized for `newCount` markets (new market slots zeroed).
    function _load(address store, uint256 oldCount, uint256 newCount) private view returns (bytes memory data) {
        uint256 oldLen = store == address(0) ? 0 : POOL_BYTES + oldCount * MARKET_BYTES;
        data = new bytes(POOL_BYTES + newCount * MARKET_BYTES);
        assembly ("memory-safe") {
            extcodecopy(store, add(data, 32), 1, oldLen)
        }
    }

    function _put(bytes memory data, uint256 offset, uint256 src, uint256 len) private pure {
        assembly ("memory-safe") {
            mcopy(add(add(data, 32), offset), src, len)
        }
    }

    function _ptr(IPerpEngine.PoolConfig memory c) private pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := c
        }
    }

    function _ptr(IPerpEngine.MarketConfig memory c) private pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := c
        }
    }

    /// @dev Creation code `PUSH2 n DUP1 PUSH1 0x0a RETURNDATASIZE CODECOPY RETURNDATASIZE RETURN` returns the next n
    ///      bytes (a STOP byte, then the data) as the runtime code.
    function _deploy(bytes memory data) private returns (address store) {
        bytes memory code = abi.encodePacked(hex"61", uint16(data.length + 1), hex"80600a3d393df300", data);
        assembly ("memory-safe") {
            store := create(0, add(code, 32), mload(code))
        }
        if (store == address(0)) revert ConfigStoreWriteFailed();
    }
}
