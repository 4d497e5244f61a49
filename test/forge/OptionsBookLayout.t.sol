// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {OptionsLogic} from "../../contracts/options/OptionsLogic.sol";
import {Test} from "forge-std/Test.sol";

/// @dev Two books in storage: one written by OptionsLogic.storeBook, one by the compiler's struct copy.
contract BookStore {
    OptionsLogic.Book internal packed;
    OptionsLogic.Book internal copied;

    function store(OptionsLogic.Book memory nb) external {
        OptionsLogic.storeBook(packed, nb);
        copied = nb;
    }

    function readPacked() external view returns (OptionsLogic.Book memory) {
        return packed;
    }

    function slots() external pure returns (uint256 p, uint256 c) {
        assembly {
            p := packed.slot
            c := copied.slot
        }
    }
}

/// @notice The refresh writes its Book slot by slot (OptionsLogic.storeBook, one SSTORE per slot); the layout it packs
///         by hand must be the compiler's own, for any values, or every reader of the book would decode other numbers.
contract OptionsBookLayoutTest is Test {
    BookStore internal store;

    function setUp() public {
        store = new BookStore();
    }

    function testFuzz_storeBook_equalsTheCompilersLayout(uint256[7] memory w, bool dirty, bool holdsSettled) public {
        OptionsLogic.Book memory nb;
        nb.valueWad = int128(int256(w[0]));
        nb.deltaWad = int128(int256(w[0] >> 128));
        nb.gammaWad = int128(int256(w[1]));
        nb.thetaWad = int128(int256(w[1] >> 128));
        nb.errConstWad = int128(int256(w[2]));
        nb.errSlopeWad = int128(int256(w[2] >> 128));
        nb.errCurveWad = uint128(w[3]);
        nb.errTimeWad = uint128(w[3] >> 128);
        nb.refPriceWad = uint96(w[4]);
        nb.maxMoveWad = uint96(w[4] >> 96);
        nb.refAt = uint32(w[4] >> 192);
        nb.validUntil = uint32(w[4] >> 224);
        nb.vegaWad = int128(int256(w[5]));
        nb.owedUsd = uint64(w[5] >> 128);
        nb.nearestExpiry = uint32(w[5] >> 192);
        nb.lagBps = uint16(w[5] >> 224);
        nb.dirty = dirty;
        nb.holdsSettled = holdsSettled;
        nb.refSampleAt = uint32(w[6]);
        nb.tokensE9 = uint72(w[6] >> 32);
        nb.rootTauE9 = uint72(w[6] >> 104);
        nb.rootTauShortE9 = uint72(w[6] >> 176);
        nb.errCapLog2 = uint8(w[6] >> 248);
        store.store(nb);
        // Every slot the same as the compiler's copy (negative fields included: their upper bits stay clear) ...
        (uint256 p, uint256 c) = store.slots();
        for (uint256 i; i < 7; ++i) {
            assertEq(vm.load(address(store), bytes32(p + i)), vm.load(address(store), bytes32(c + i)), "slot");
        }
        // ... and read back as the same book.
        assertEq(keccak256(abi.encode(store.readPacked())), keccak256(abi.encode(nb)), "book");
    }
}
