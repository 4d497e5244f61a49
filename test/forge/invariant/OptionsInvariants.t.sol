// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../../../contracts/interfaces/IClearingCore.sol";
import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {BaseTest} from "../utils/Base.t.sol";
import {OptionsHandler} from "./OptionsHandler.sol";

/// @notice Stateful properties of the options book written by the pool (review BO: the perpetuals' invariant suite never
///         traded options). Holders buy, sell back and claim; anyone lists, refreshes and settles; prices move and
///         boards expire. Each property is recomputed from open interest, holdings and the documented payoffs, not
///         read back from the book's own sums. IDs refer to PROPERTIES.md.
/// forge-config: default.invariant.runs = 16
/// forge-config: default.invariant.depth = 80
/// forge-config: deep.invariant.runs = 200
/// forge-config: deep.invariant.depth = 100
contract OptionsInvariantsTest is BaseTest {
    OptionsHandler internal handler;

    function setUp() public override {
        super.setUp();
        _deposit(carol, 10_000_000 * USD);
        _dailySamplesNarrowCaps(); // the NAV prices through its expansion over whole ranges, capped calls near the money
        handler = new OptionsHandler(options, usdc, ethFeed, admin, _price(ETH));
        options.listBoards(ETH);
        targetContract(address(handler));
        excludeSender(address(pool));
        excludeSender(address(engine));
        excludeSender(address(core));
        excludeSender(address(options));
    }

    /// P-71: the options product's reserve in the core is, board by board, each unsettled strike's open interest
    ///       times its most a token can pay (a put its strike, a call its strike x the board's cap), rounded up per
    ///       strike and type; a settled board reserves nothing, its payouts still owed being the holders' money in the
    ///       product's collateral ledger; and the open interest is what the holders hold.
    function invariant_P71_reserveIsEveryBoardsMaxPayout() public view {
        uint256 reserved;
        uint256 owed;
        uint256 n = options.boardCount();
        for (uint256 id = 1; id <= n; ++id) {
            IOptionsBook.Board memory b = options.board(id);
            if (b.marketId != ETH) continue;
            if (b.settled) {
                assertEq(b.reservedUsd, 0, "a settled board reserves nothing");
                owed += b.owedUsd;
                continue;
            }
            uint256 boardReserve;
            for (uint256 k; k < b.strikeCount; ++k) {
                (uint256 callOi, uint256 putOi) = options.strikeOi(id, k);
                uint256 strike = uint256(b.firstStrikeWad) + k * uint256(b.strikeStepWad);
                boardReserve += _divUp(callOi * (strike * b.callCapBps / 10_000), 1e30);
                boardReserve += _divUp(putOi * strike, 1e30);
                (uint256 heldCalls, uint256 heldPuts) = _held(id, k);
                assertEq(callOi, heldCalls, "call open interest = what holders hold");
                assertEq(putOi, heldPuts, "put open interest = what holders hold");
            }
            assertEq(b.reservedUsd, boardReserve, "board reserve = its strikes' max payouts");
            reserved += boardReserve;
        }
        assertEq(core.productLedger(address(options)).reservedUsd, reserved, "core ledger = the boards' reserves");
        assertEq(core.productLedger(address(options)).collateralUsd, owed, "its collateral = what settled boards owe");
        IClearingCore.PoolState memory ps = core.poolState();
        assertLe(ps.reservedUsd, ps.poolCashUsd, "reserves within pool cash");
        assertEq(
            usdc.balanceOf(address(core)),
            ps.poolCashUsd + ps.totalCollateralUsd + ps.refundsOwedUsd,
            "custody: the core holds the pool's cash and the traders' money, the payouts owed included"
        );
        assertEq(usdc.balanceOf(address(options)), 0, "the product holds no tokens");
    }

    /// P-75: every claim paid holding x the documented payoff at the settlement price, rounded down; what a settled
    ///       board still owes covers every unclaimed holding's payoff; the book's owed is the boards'; settlement took the
    ///       first round at or after the expiry.
    function invariant_P75_settlementPaysTheDocumentedPayoff() public view {
        assertFalse(handler.flagClaimPaidOtherThanPayoff(), "a claim paid other than holding x payoff");
        assertFalse(handler.flagSettledOffTheFirstRound(), "a board settled off the first round after expiry");
        uint256 owed;
        for (uint256 i; i < handler.boardCount(); ++i) {
            uint256 id = handler.boards(i);
            IOptionsBook.Board memory b = options.board(id);
            if (!b.settled) continue;
            // what each holder still holds is what was open at settlement less what it claimed (a claim clears it)
            uint256 atSettlementOwed;
            for (uint256 s; s < handler.strikeCount(); ++s) {
                uint256 k = handler.strikeAt(s);
                (uint256 heldCalls, uint256 heldPuts) = _held(id, k);
                uint256 callPay = handler.payoffWad(b, k, true);
                uint256 putPay = handler.payoffWad(b, k, false);
                // unclaimed holdings are owed at least their own rounded-down payout
                atSettlementOwed += heldCalls * callPay / 1e30 + heldPuts * putPay / 1e30;
            }
            assertGe(b.owedUsd, atSettlementOwed, "owed covers every unclaimed holding");
            owed += b.owedUsd;
        }
        assertEq(options.book(ETH).owedUsd, owed, "the book's owed = the settled boards' owed");
    }

    /// P-76: whenever the book can value itself (Fresh), the NAV's options term is within its stated bound of the exact
    ///       mark (every open option at Black-Scholes, the live price and time).
    function invariant_P76_navTermWithinBoundOfTheExactMark() public view {
        if (options.staleness(ETH) != IOptionsBook.Staleness.Fresh) return;
        (uint256 liability, uint256 bound) = options.navTerms(ETH);
        uint256 exact = options.exactLiabilityWad(ETH);
        uint256 diff = liability > exact ? liability - exact : exact - liability;
        assertLe(diff, bound, "options term within its bound");
    }

    function _held(uint256 boardId, uint256 k) internal view returns (uint256 calls_, uint256 puts_) {
        for (uint256 h; h < handler.holderCount(); ++h) {
            calls_ += options.holding(handler.holders(h), boardId, k, true);
            puts_ += options.holding(handler.holders(h), boardId, k, false);
        }
    }

    function _divUp(uint256 a, uint256 b) internal pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
