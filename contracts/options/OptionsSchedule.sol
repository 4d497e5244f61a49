// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IOptionsBook} from "../interfaces/IOptionsBook.sol";
import {OptionsLogic} from "./OptionsLogic.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title OptionsSchedule
/// @notice The listing rule: which boards a market has (dailies, Fridays and month-ends at 08:00 UTC, a strike grid
///         around spot), applied by the permissionless IOptionsBook.listBoards. Runs by DELEGATECALL on the
///         OptionsBook's storage (OptionsLogic.State), like OptionsLogic and OptionsNav.
library OptionsSchedule {
    using SafeCast for uint256;

    uint256 internal constant DAY = 1 days;
    /// @notice Expiries fall at this time of day (UTC).
    uint256 internal constant EXPIRY_TIME_OF_DAY = 8 hours;
    uint256 internal constant FRIDAY = 5; // weekday index, 0 = Sunday (1970-01-01 was a Thursday: 4)
    /// @notice Unsettled boards per market (refresh loops over them).
    uint256 internal constant MAX_LIVE_BOARDS = 16;

    /// @notice Lists the market's due boards (IOptionsBook.listBoards).
    function listDue(
        OptionsLogic.State storage s,
        uint256 marketId,
        uint256 spot,
        IOptionsBook.OptionsConfig memory cfg
    ) external returns (uint256 listed) {
        _pruneSettled(s, marketId);
        uint256 firstDaily = ((block.timestamp - EXPIRY_TIME_OF_DAY) / DAY + 1) * DAY + EXPIRY_TIME_OF_DAY;
        for (uint256 i; i < cfg.dailyExpiries; ++i) {
            listed += _listIfDue(s, marketId, firstDaily + i * DAY, spot, cfg);
        }
        uint256 weekday = (firstDaily / DAY + 4) % 7;
        uint256 firstFriday = firstDaily + ((FRIDAY + 7 - weekday) % 7) * DAY;
        for (uint256 i; i < cfg.weeklyExpiries; ++i) {
            listed += _listIfDue(s, marketId, firstFriday + i * 7 * DAY, spot, cfg);
        }
        // Monthlies: the last Friday of this month (if still ahead) and of the following ones; one that is also a
        // listed weekly is the same board.
        uint256 monthlies;
        for (uint256 k; monthlies < cfg.monthlyExpiries; ++k) {
            uint256 expiry = lastFridayOfMonth(firstDaily, k);
            if (expiry < firstDaily) continue;
            listed += _listIfDue(s, marketId, expiry, spot, cfg);
            ++monthlies;
        }
    }

    /// @notice The last Friday, 08:00 UTC, of the month `monthsAhead` months after the month of `timestamp` (UTC).
    /// @dev Civil-calendar arithmetic after Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
    function lastFridayOfMonth(uint256 timestamp, uint256 monthsAhead) internal pure returns (uint256) {
        // civil_from_days: the year and month (March-based internally) of the day
        uint256 z = timestamp / DAY + 719_468;
        uint256 doe = z % 146_097;
        uint256 yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        uint256 mp = (5 * (doe - (365 * yoe + yoe / 4 - yoe / 100)) + 2) / 153;
        uint256 month = (mp < 10 ? mp + 3 : mp - 9) + monthsAhead; // 1-based, may run past 12
        uint256 year = yoe + (z / 146_097) * 400 + (mp >= 10 ? 1 : 0) + (month - 1) / 12;
        month = (month - 1) % 12 + 1;
        // days_from_civil of the first day of the month after, less one: the month's last day
        (uint256 y, uint256 m) = month == 12 ? (year + 1, 1) : (year, month + 1);
        if (m <= 2) y -= 1;
        uint256 yoe2 = y % 400;
        uint256 last = (y / 400) * 146_097 + yoe2 * 365 + yoe2 / 4 - yoe2 / 100 + (153 * (m > 2 ? m - 3 : m + 9) + 2)
            / 5 - 719_468 - 1;
        uint256 weekday = (last + 4) % 7; // 1970-01-01 was a Thursday
        return (last - (weekday + 7 - FRIDAY) % 7) * DAY + EXPIRY_TIME_OF_DAY;
    }

    function _listIfDue(
        OptionsLogic.State storage s,
        uint256 marketId,
        uint256 expiry,
        uint256 spot,
        IOptionsBook.OptionsConfig memory cfg
    ) internal returns (uint256) {
        if (expiry <= block.timestamp + cfg.tradingCutoffSec || s.boardAt[marketId][expiry] != 0) {
            return 0;
        }
        uint32[] storage ids = s.live[marketId];
        // Full (a schedule may call for more expiries than fit, and an expired board that cannot settle yet still
        // counts): this board waits for a settlement to make room, and the listing goes on (a revert would list none).
        if (ids.length >= MAX_LIVE_BOARDS) return 0;
        uint256 step = cfg.strikeStepWad;
        uint256 n = cfg.strikesPerSide;
        uint256 atm = (spot + step / 2) / step * step;
        if (atm == 0) atm = step;
        uint256 first = atm > n * step ? atm - n * step : step;
        uint256 boardId = ++s.boardCount;
        s.boards[boardId] = IOptionsBook.Board({
            marketId: uint8(marketId),
            expiry: uint32(expiry),
            strikeCount: uint8(2 * n + 1),
            firstStrikeWad: first.toUint96(),
            strikeStepWad: uint96(step),
            settled: false,
            settlementPriceWad: 0,
            reservedUsd: 0,
            owedUsd: 0,
            callCapBps: cfg.callCapBps,
            oiMask: 0
        });
        s.boardAt[marketId][expiry] = boardId;
        ids.push(boardId.toUint32());
        emit IOptionsBook.BoardListed(boardId, marketId, expiry, first, step, 2 * n + 1);
        return 1;
    }

    /// @dev Drops settled boards from the market's live list (swap and pop, from the end).
    function _pruneSettled(OptionsLogic.State storage s, uint256 marketId) internal {
        uint32[] storage ids = s.live[marketId];
        for (uint256 j = ids.length; j > 0; --j) {
            if (s.boards[ids[j - 1]].settled) {
                ids[j - 1] = ids[ids.length - 1];
                ids.pop();
            }
        }
    }
}
