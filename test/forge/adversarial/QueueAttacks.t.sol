// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {BaseTest} from "../utils/Base.t.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice Items 7 and 8 of the value-leaks issue, from the attacker's side: requests whose receivers the token
///         refuses are spread through the withdrawal queue to block it, and a cooldown change is used to trap LPs.
contract QueueAttacksTest is BaseTest {
    /// However many unpayable requests an attacker interleaves with honest ones, one processQueue pass pays every
    /// honest LP exactly its request's value; the attacker's payouts wait as claimable balances (outside the NAV),
    /// worth no more than their shares were.
    function testFuzz_unpayableRequestsNeverBlockTheQueue(uint256 layoutSeed, uint256 countSeed) public {
        uint256 n = bound(countSeed, 2, 12);
        address blocked = makeAddr("blocked");
        vm.mockCallRevert(address(usdc), abi.encodeWithSelector(IERC20.transfer.selector, blocked), "blocked");
        address[] memory owners = new address[](n);
        uint256[] memory shares = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            owners[i] = makeAddr(string.concat("lp", vm.toString(i)));
            shares[i] = _deposit(owners[i], (1000 + 250 * i) * USD);
        }
        skip(pool.cooldownSec() + 1);
        _refreshPrices();
        bool[] memory attack = new bool[](n);
        for (uint256 i; i < n; ++i) {
            attack[i] = uint256(keccak256(abi.encode(layoutSeed, i))) % 3 == 0;
            vm.prank(owners[i]);
            pool.requestRedeem(shares[i], attack[i] ? blocked : owners[i], 0);
        }
        uint256[] memory fair = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            fair[i] = pool.convertToAssets(shares[i]);
        }
        assertEq(pool.processQueue(n), n, "every request filled in one pass");
        for (uint256 i; i < n; ++i) {
            uint256 paid = usdc.balanceOf(owners[i]) + pool.claimable(owners[i]);
            assertLe(paid, fair[i] + 1, "no request is worth more than its shares");
            assertGe(paid + 2, fair[i], "and every one gets its value, paid or claimable");
            if (attack[i]) assertEq(usdc.balanceOf(owners[i]), 0, "an unpayable request waits as a claim");
            else assertEq(pool.claimable(owners[i]), 0, "an honest request is paid in the pass");
        }
        assertEq(pool.totalAssets(), _poolCash(), "claimable payouts are outside the NAV");
    }

    /// Raising the cooldown to its maximum never relocks shares whose cooldown had ended, whoever holds them.
    function testFuzz_cooldownChangeNeverTrapsUnlockedShares(uint256 waitSeed, uint256 cooldownSeed) public {
        uint256 shares = _deposit(carol, 10_000 * USD);
        skip(bound(waitSeed, pool.cooldownSec() + 1, 30 days));
        _refreshPrices();
        vm.prank(admin);
        pool.setCooldown(bound(cooldownSeed, 0, 7 days));
        assertEq(pool.lockedShares(carol), 0, "ended cooldowns stay ended");
        assertEq(pool.maxRedeem(carol), shares, "all of it redeemable");
    }
}
