// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {MockPyth} from "@pythnetwork/pyth-sdk-solidity/MockPyth.sol";
import {PythStructs} from "@pythnetwork/pyth-sdk-solidity/PythStructs.sol";

/// @notice Settable Chainlink-style aggregator (also used as a sequencer-uptime feed: answer 0 = up).
contract MockAggregator {
    uint8 public immutable decimals;
    int256 internal answer;
    uint256 internal updatedAt;
    /// @dev Phase 1 rounds: id = 1 << 64 | n.
    uint80 public latestRound;
    mapping(uint80 roundId => int256) internal answers;
    mapping(uint80 roundId => uint256) internal times;

    constructor(uint8 decimals_) {
        decimals = decimals_;
    }

    function set(int256 answer_, uint256 updatedAt_) external {
        answer = answer_;
        updatedAt = updatedAt_;
        latestRound = latestRound == 0 ? uint80(1 << 64 | 1) : latestRound + 1;
        answers[latestRound] = answer_;
        times[latestRound] = updatedAt_;
    }

    /// @dev A migration: the proxy's next phase starts with round 1 (the earlier phase's rounds stay readable).
    function newPhase(int256 answer_, uint256 updatedAt_) external {
        latestRound = uint80((uint256(latestRound) >> 64) + 1 << 64 | 1);
        answer = answer_;
        updatedAt = updatedAt_;
        answers[latestRound] = answer_;
        times[latestRound] = updatedAt_;
    }

    /// @dev A round published by an earlier phase's aggregator (still running during the overlap): readable, not latest.
    function setPastRound(uint80 roundId, int256 answer_, uint256 updatedAt_) external {
        answers[roundId] = answer_;
        times[roundId] = updatedAt_;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (latestRound, answer, updatedAt, updatedAt, latestRound);
    }

    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        return (roundId, answers[roundId], times[roundId], times[roundId], roundId);
    }
}

/// @notice A 6-decimal token that calls back an arbitrary target during transfers (hostile-callback simulator).
contract HostileToken is ERC20 {
    address public target;
    bytes public payload;
    bool public lastCallSucceeded;
    bytes public lastRevertData;
    bool internal armed;
    uint256 internal transfersToSkip;

    constructor() ERC20("Hostile USD", "hUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The next transfer re-enters `target` with `payload` once.
    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        armed = true;
    }

    /// @notice As `arm`, on the transfer after the next `skip` ones (a payout that follows a core transfer).
    function armAfter(uint256 skip, address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        transfersToSkip = skip;
        armed = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed) {
            if (transfersToSkip > 0) {
                --transfersToSkip;
                return;
            }
            armed = false;
            (lastCallSucceeded, lastRevertData) = target.call(payload);
        }
    }
}

/// @notice FaucetToken's twin with a blocklist (as real USDC has), for the browser test of undeliverable queue
///         payouts: the test swaps it in at the faucet token's address (`anvil_setCode`; same storage layout, the
///         blocklist after ERC20's slots) and swaps the original back.
contract BlocklistFaucetToken is ERC20 {
    mapping(address account => bool) public blocked;

    error Blocked(address account);

    constructor() ERC20("", "") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[to]) revert Blocked(to);
        super._update(from, to, value);
    }
}

/// @dev Pyth's uniqueness rule for `parsePriceFeedUpdatesUnique`, which pyth-sdk-solidity's MockPyth skips (it parses
///      with checkUniqueness = false): the real contract accepts an update only if its previous publish time is before
///      minPublishTime. Forwards everything else to the MockPyth it wraps, so prices posted either way are the same.
contract UniqueMockPyth {
    MockPyth public immutable mock;

    constructor(MockPyth mock_) {
        mock = mock_;
    }

    function getUpdateFee(bytes[] calldata updateData) external view returns (uint256) {
        return mock.getUpdateFee(updateData);
    }

    function updatePriceFeeds(bytes[] calldata updateData) external payable {
        mock.updatePriceFeeds{value: msg.value}(updateData);
    }

    function getPriceUnsafe(bytes32 id) external view returns (PythStructs.Price memory) {
        return mock.getPriceUnsafe(id);
    }

    function parsePriceFeedUpdatesUnique(
        bytes[] calldata updateData,
        bytes32[] calldata priceIds,
        uint64 minPublishTime,
        uint64 maxPublishTime
    ) external payable returns (PythStructs.PriceFeed[] memory feeds) {
        (feeds,) = mock.parsePriceFeedUpdatesWithConfig{value: msg.value}(
            updateData, priceIds, minPublishTime, maxPublishTime, true, true, false
        );
    }
}
