// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {OptionsBook} from "../../../contracts/options/OptionsBook.sol";
import {DevPriceFeed} from "../../../contracts/oracles/DevPriceFeed.sol";
import {FaucetToken} from "../../../contracts/periphery/FaucetToken.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Drives the options book of one market with named holders (buy, sell back, claim), the keeper's calls
///         (list, refresh, settle: anyone may make them) and the price and time simulators. Keeps what each holder was
///         paid and every price round it pushed (a board settles at the first round at or after its expiry), and
///         raises a flag for what must hold at the moment of a call.
contract OptionsHandler is Test {
    uint256 internal constant MARKET = 0;
    /// strikes the holders trade: below, at and above the listing price (keeps the exact mark cheap to recompute)
    uint256[3] internal STRIKES = [uint256(3), 5, 7];

    OptionsBook public options;
    FaucetToken public usdc;
    DevPriceFeed public feed;
    address public admin;

    address[] public holders;
    /// every board a holder ever traded (the invariants walk them)
    uint256[] public boards;
    mapping(uint256 => bool) internal known;
    /// pushed rounds, oldest first: (timestamp, round id)
    uint256[] internal roundTimes;
    uint256[] internal roundIds;
    uint256 public price;

    // flags for what must hold at the moment of a call, and calls made per action
    bool public flagClaimPaidOtherThanPayoff; // a claim paid other than holding x payoff, rounded down
    bool public flagSettledOffTheFirstRound; // a board settled at a price other than the first round at or after expiry
    mapping(bytes32 => uint256) public calls;

    constructor(OptionsBook options_, FaucetToken usdc_, DevPriceFeed feed_, address admin_, uint256 price_) {
        options = options_;
        usdc = usdc_;
        feed = feed_;
        admin = admin_;
        price = price_;
        for (uint256 i; i < 3; ++i) {
            address h = address(uint160(0x0971 + i));
            holders.push(h);
            vm.prank(h);
            usdc.approve(address(options_), type(uint256).max);
        }
        _push(price_, 0);
    }

    // ------------------------------------------------------------ views for the invariants

    function holderCount() external view returns (uint256) {
        return holders.length;
    }

    function boardCount() external view returns (uint256) {
        return boards.length;
    }

    function strikeCount() external pure returns (uint256) {
        return 3;
    }

    function strikeAt(uint256 i) external view returns (uint256) {
        return STRIKES[i];
    }

    // ------------------------------------------------------------ holders

    function buy(uint256 holderSeed, uint256 boardSeed, uint256 strikeSeed, bool isCall, uint256 amountSeed) external {
        uint256[] memory live = options.liveBoards(MARKET);
        if (live.length == 0) return;
        uint256 boardId = live[boardSeed % live.length];
        uint256 k = STRIKES[strikeSeed % 3];
        uint256 amount = bound(amountSeed, 1e15, 40e18) / 1e9 * 1e9; // whole lots
        address h = holders[holderSeed % holders.length];
        // a stale book refuses trades until a refresh: the holder sends the keeper's refresh first, as the app waits for
        if (options.staleness(MARKET) != IOptionsBook.Staleness.Fresh) try options.refresh(MARKET) {} catch {}
        try options.quote(boardId, k, isCall, true, amount) returns (IOptionsBook.Quote memory q) {
            deal(address(usdc), h, usdc.balanceOf(h) + q.premiumUsd);
            vm.prank(h);
            try options.buy(boardId, k, isCall, amount, q.premiumUsd) {
                if (!known[boardId]) {
                    known[boardId] = true;
                    boards.push(boardId);
                }
                calls["buy"]++;
            } catch {
                calls["buyRefused"]++;
            }
        } catch {
            calls["buyUnquoted"]++; // stale book, past the cutoff, a cap: the keeper's refresh or another board
        }
    }

    /// A holder sells back part of one of its holdings (the first held one from the seed on).
    function sell(uint256 seed, uint256 fraction) external {
        (bool found, address h, uint256 boardId, uint256 k, bool isCall, uint256 held) = _findHolding(seed, false);
        if (!found) return;
        uint256 amount = held * bound(fraction, 1, 100) / 100 / 1e9 * 1e9;
        if (amount == 0) return;
        if (options.staleness(MARKET) != IOptionsBook.Staleness.Fresh) try options.refresh(MARKET) {} catch {}
        vm.prank(h);
        try options.sell(boardId, k, isCall, amount, 0) {
            calls["sell"]++;
        } catch {
            calls["sellRefused"]++;
        }
    }

    /// A holder of a settled board claims (the first such holding from the seed on); the payout must be its holding x
    /// the payoff at the board's settlement price, rounded down.
    function claim(uint256 seed) external {
        (bool found, address h, uint256 boardId, uint256 k, bool isCall, uint256 held) = _findHolding(seed, true);
        if (!found) return;
        IOptionsBook.Board memory b = options.board(boardId);
        uint256 before = usdc.balanceOf(h);
        vm.prank(h);
        try options.claim(boardId, k, isCall) returns (uint256 paid) {
            uint256 expected = held * payoffWad(b, k, isCall) / 1e30;
            if (paid != expected || usdc.balanceOf(h) - before != paid) flagClaimPaidOtherThanPayoff = true;
            calls["claim"]++;
        } catch {
            calls["claimRefused"]++;
        }
    }

    // ------------------------------------------------------------ keeper calls (permissionless)

    function list() external {
        try options.listBoards(MARKET) {
            calls["list"]++;
        } catch {}
    }

    function refresh() external {
        try options.refresh(MARKET) {
            calls["refresh"]++;
        } catch {}
    }

    /// Settles the first expired unsettled board from the seed on, at the first round at or after its expiry.
    function settle(uint256 seed) external {
        for (uint256 j; j < boards.length; ++j) {
            uint256 boardId = boards[(seed % boards.length + j) % boards.length];
            IOptionsBook.Board memory b = options.board(boardId);
            if (b.settled || block.timestamp < b.expiry) continue;
            (bool found, uint256 roundId, uint256 at) = _firstRoundAtOrAfter(b.expiry);
            if (!found) return;
            // a settler naming a later round (a price of its choosing) is refused
            if (roundId < feed.latestRoundId()) {
                try options.settleBoard(boardId, roundId + 1) {
                    flagSettledOffTheFirstRound = true;
                } catch {}
            }
            try options.settleBoard(boardId, roundId) {
                (uint256 p,) = feed.roundAt(roundId);
                if (options.board(boardId).settlementPriceWad != p || at < b.expiry) {
                    flagSettledOffTheFirstRound = true;
                }
                calls["settle"]++;
            } catch {
                calls["settleRefused"]++;
            }
            return;
        }
    }

    // ------------------------------------------------------------ simulators

    /// The price moves at most 3% a step, a second to ten minutes later.
    function movePrice(uint256 bps, uint256 dt) external {
        uint256 next = price * bound(bps, 9700, 10_300) / 10_000;
        _push(next, bound(dt, 1, 600));
        calls["movePrice"]++;
    }

    /// Time passes inside the greek cache's range and the price moves within its price range: where the NAV prices
    /// through the cached expansion (P-76), so the invariant compares it with the exact mark away from the refresh.
    function drift(uint256 dtSeed, int256 moveSeed) external {
        IOptionsBook.BookView memory v = options.book(MARKET);
        if (v.refAt == 0 || block.timestamp >= v.validUntil) return;
        int256 maxMove = int256(v.maxMoveWad);
        int256 target = int256(v.refPriceWad) + bound(moveSeed, -maxMove, maxMove);
        _push(uint256(target), bound(dtSeed, 1, v.validUntil - block.timestamp));
        calls["drift"]++;
    }

    /// Time passes (up to eight hours: boards expire), the price stays.
    function warp(uint256 dt) external {
        _push(price, bound(dt, 60, 8 hours));
        calls["warp"]++;
    }

    // ------------------------------------------------------------ the documented payoff

    /// @notice Per token, USD WAD: a call pays max(S - K, 0) up to K x cap; a put max(K - S, 0).
    function payoffWad(IOptionsBook.Board memory b, uint256 k, bool isCall) public pure returns (uint256) {
        uint256 strike = uint256(b.firstStrikeWad) + k * uint256(b.strikeStepWad);
        uint256 s = b.settlementPriceWad;
        if (isCall) {
            uint256 intrinsic = s > strike ? s - strike : 0;
            uint256 cap = strike * b.callCapBps / 10_000;
            return intrinsic < cap ? intrinsic : cap;
        }
        return strike > s ? strike - s : 0;
    }

    // ------------------------------------------------------------ internal

    function _push(uint256 p, uint256 dt) internal {
        skip(dt);
        vm.prank(admin);
        feed.setPrice(p);
        price = p;
        roundTimes.push(block.timestamp);
        roundIds.push(feed.latestRoundId());
    }

    /// @dev The first non-zero holding from `seed` on, over holders x traded boards x strikes x types; on a settled
    ///      board only when `settled`, on an unsettled one only when not.
    function _findHolding(uint256 seed, bool settled)
        internal
        view
        returns (bool found, address h, uint256 boardId, uint256 k, bool isCall, uint256 held)
    {
        uint256 n = holders.length * boards.length * 6;
        if (n == 0) return (false, address(0), 0, 0, false, 0);
        for (uint256 j; j < n; ++j) {
            uint256 x = (seed % n + j) % n;
            h = holders[x % holders.length];
            boardId = boards[x / holders.length % boards.length];
            k = STRIKES[x / holders.length / boards.length % 3];
            isCall = x / holders.length / boards.length / 3 == 0;
            if (options.board(boardId).settled != settled) continue;
            held = options.holding(h, boardId, k, isCall);
            if (held > 0) return (true, h, boardId, k, isCall, held);
        }
    }

    function _firstRoundAtOrAfter(uint256 t) internal view returns (bool found, uint256 roundId, uint256 at) {
        for (uint256 i; i < roundTimes.length; ++i) {
            if (roundTimes[i] >= t) return (true, roundIds[i], roundTimes[i]);
        }
    }
}
