// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {ConfigValidation} from "./ConfigValidation.sol";

/// @title ConfigStore
/// @notice Keeps every perpetual market's risk parameters in the code of one data contract (the SSTORE2
///         pattern): they are read on every trade, liquidation and NAV valuation and written only by the admin, and
///         one cold EXTCODECOPY (2,600 gas) is far cheaper than the seven-plus cold SLOADs (2,100 each) they would take
///         in storage. Every write validates, then deploys a fresh data contract; the engine keeps its address.
/// @dev Layout of the data: MarketConfig i as 29 ABI words at 928 * i. The struct is fully static, so a memory struct is exactly its ABI encoding and is copied straight into place.
///      The runtime code starts with a STOP byte so the data contract can never be called into.
///      The write functions are external (delegatecalled) so encoding and validation stay out of the engine's code.
library ConfigStore {
    uint256 internal constant MARKET_BYTES = 29 * 32;

    /// @notice The data contract could not be created.
    error ConfigStoreWriteFailed();

    // ------------------------------------------------------------ writes (external, delegatecalled by the engine)

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
        _put(data, marketId * MARKET_BYTES, _ptr(c), MARKET_BYTES);
        return _deploy(data);
    }

    // ------------------------------------------------------------ reads (internal, inlined in the caller)

    /// @notice Market `marketId`'s config held by `store` (the caller checks that the market exists).
    function readMarket(address store, uint256 marketId) internal view returns (IPerpEngine.MarketConfig memory c) {
        readMarketInto(store, marketId, c);
    }

    /// @notice Overwrites `c` with market `marketId`'s config (loops reuse one struct instead of allocating each).
    function readMarketInto(address store, uint256 marketId, IPerpEngine.MarketConfig memory c) internal view {
        assembly ("memory-safe") {
            extcodecopy(store, c, add(1, mul(marketId, 928)), 928)
        }
    }

    /// @notice Market `marketId`'s price feed held by `store` (its config's first word), without copying the rest.
    function readFeed(address store, uint256 marketId) internal view returns (address feed) {
        assembly ("memory-safe") {
            extcodecopy(store, 0, add(1, mul(marketId, 928)), 32)
            feed := and(mload(0), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    /// @notice The address a CREATE by `deployer` at `nonce` (1 to 2^32 - 1) makes: keccak256(rlp([deployer, nonce])).
    ///         The engine stores the nonce of its store instead of its address.
    /// @dev Read on every trade and valuation, so the RLP is laid out in scratch space (bytes 0-54, below the free
    ///      memory pointer) instead of a packed-encoding allocation: a nonce below 0x80 is its own byte
    ///      (0xd6 0x94 deployer nonce, 23 bytes); above, n = 1 to 4 big-endian bytes behind 0x80 + n, the list header
    ///      0xd6 + n. Checked against vm.computeCreateAddress (ConfigStoreTest) and, at every write, against the address
    ///      the CREATE returned.
    function createdAt(address deployer, uint256 nonce) internal pure returns (address store) {
        if (nonce == 0) return address(0); // no store yet (RLP would encode nonce 0 as 0x80)
        assembly ("memory-safe") {
            deployer := and(deployer, 0xffffffffffffffffffffffffffffffffffffffff)
            let len := 23
            switch lt(nonce, 0x80)
            case 1 {
                mstore(0x00, or(shl(240, 0xd694), shl(80, deployer)))
                mstore8(22, nonce)
            }
            default {
                nonce := and(nonce, 0xffffffff)
                let n := add(add(1, gt(nonce, 0xff)), add(gt(nonce, 0xffff), gt(nonce, 0xffffff)))
                mstore(0x00, or(shl(240, or(shl(8, add(0xd6, n)), 0x94)), shl(80, deployer)))
                mstore(23, shl(mul(8, sub(32, n)), nonce)) // bytes 23 .. 54: the nonce's n bytes, then zeros
                mstore8(22, add(0x80, n))
                len := add(23, n)
            }
            store := and(keccak256(0x00, len), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    // ------------------------------------------------------------ internal

    /// @dev The store's data resized for `newCount` markets (new market slots zeroed).
    function _load(address store, uint256 oldCount, uint256 newCount) private view returns (bytes memory data) {
        uint256 oldLen = store == address(0) ? 0 : oldCount * MARKET_BYTES;
        data = new bytes(newCount * MARKET_BYTES);
        assembly ("memory-safe") {
            extcodecopy(store, add(data, 32), 1, oldLen)
        }
    }

    function _put(bytes memory data, uint256 offset, uint256 src, uint256 len) private pure {
        assembly ("memory-safe") {
            mcopy(add(add(data, 32), offset), src, len)
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
