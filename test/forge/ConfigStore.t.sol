// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ConfigStore} from "../../contracts/libraries/ConfigStore.sol";
import {Test} from "forge-std/Test.sol";

/// @notice ConfigStore.createdAt, the engine's way to find its config store from the CREATE nonce it keeps, against
///         forge's own CREATE address at every RLP length of the nonce and fuzzed over deployers and nonces.
contract ConfigStoreTest is Test {
    function testFuzz_createdAt_isTheCreateAddress(address deployer, uint256 nonce) public pure {
        nonce = bound(nonce, 1, type(uint32).max);
        assertEq(ConfigStore.createdAt(deployer, nonce), vm.computeCreateAddress(deployer, nonce));
    }

    function test_createdAt_atEachNonceLengthBoundary() public {
        uint32[12] memory nonces =
            [uint32(1), 0x7f, 0x80, 0xff, 0x100, 0x101, 0xffff, 0x10000, 0xffffff, 0x1000000, 0x7fffffff, 0xffffffff];
        address deployer = makeAddr("engine");
        for (uint256 i; i < nonces.length; ++i) {
            assertEq(ConfigStore.createdAt(deployer, nonces[i]), vm.computeCreateAddress(deployer, nonces[i]));
        }
    }

    function test_createdAt_zeroNonce_isNoStore() public pure {
        assertEq(ConfigStore.createdAt(address(0xbeef), 0), address(0));
    }
}
