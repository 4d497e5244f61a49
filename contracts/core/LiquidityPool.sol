// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IClearingCore} from "../interfaces/IClearingCore.sol";
import {ILiquidityPool} from "../interfaces/ILiquidityPool.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {SharesMath} from "../libraries/SharesMath.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title LiquidityPool
/// @notice Counterpool LP shares (cpUSD). Assets sit in the ClearingCore; this contract mints and burns shares against
///         the core's NAV, enforces the deposit cooldown and runs the withdrawal queue.
/// @dev A 6-decimal virtual-share offset and NAV-based totalAssets defeat first-depositor inflation and donations.
///      Every share/asset conversion goes through SharesMath (its rounding named at each call).
contract LiquidityPool is ILiquidityPool, ERC4626, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------ constants & immutables

    bytes32 public constant RISK_ROLE = keccak256("RISK_ROLE");
    /// @notice Fills the withdrawal queue (processQueue).
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    /// @notice How long the queue's head request waits before anyone may fill the queue.
    uint256 public constant KEEPERLESS_QUEUE_SEC = 1 days;
    /// @notice Cancelled or refused queue entries one processQueue call steps over besides the `maxRequests` it fills
    ///         (a cold read each, about 2.2M gas at most): an entry costs its maker a request and a cancel (about 120k
    ///         gas) and the keeper a thousandth of a call.
    uint256 public constant MAX_SKIPPED_PER_CALL = 1000;
    /// @notice Requests refused for their minimum that count as one of a processQueue call's `maxRequests`.
    uint256 public constant REFUSED_PER_REQUEST = 8;
    /// @notice The least room a queued request's minimum leaves under its value at the request (basis points): a
    ///         review queued a request no fill could pay behind 20 dust requests (the keeper's processQueue(20) never
    ///         reached it) and shut every instant exit block after block (P-23). Now the NAV's low bound must fall by
    ///         this much before the keeper's fill to refuse a request, and a request the fill does not refuse takes
    ///         the liquidity it held back. Kept small: a wider room is what a band widened around the keeper's fill
    ///         may take from a request (P-88).
    uint256 public constant QUEUE_MIN_ROOM_BPS = 1;
    uint256 public constant MAX_COOLDOWN_SEC = 7 days;

    IClearingCore public immutable core;
    /// @inheritdoc ILiquidityPool
    uint256 public immutable minDepositAssets;

    // ------------------------------------------------------------ storage

    /// @dev An LP's shares, the part of them still in its deposit cooldown and when that cooldown ends share one slot,
    ///      so a deposit writes one slot. The end is fixed when the shares are minted: a later change of the cooldown
    ///      parameter never relocks shares whose cooldown has ended. `lockedShares` counts only while `unlockAt` is
    ///      ahead (a stale value after that means nothing). This contract keeps the share ledger itself (balanceOf,
    ///      totalSupply and _update are overridden); OZ's ERC20 still handles allowances, metadata and the entry points.
    ///      112 bits hold 5.2e33 shares (5.2e21 USD at the 1e12 shares per USD the 6-decimal offset gives).
    struct Account {
        uint112 shares;
        uint112 lockedShares;
        uint32 unlockAt;
    }

    mapping(address owner => Account) internal accounts;
    /// @dev Share supply, the queued shares the last fill left (waiting) and the cooldown share a slot:
    ///      every mint and burn needs the first and last, and every instant exit reads the second to leave their value
    ///      to the queue. 112 bits hold 5.2e33 shares, as an Account's.
    uint112 internal supply;
    uint112 internal waiting;
    uint32 internal cooldown;
    mapping(uint256 requestId => WithdrawalRequest) internal requests;
    /// @dev Queue payouts the token refused to deliver, owed to the request's owner (see `claim`).
    mapping(address owner => uint256) internal claimableAssets;
    /// @dev The sum of `claimableAssets`: tokens this vault holds for owners (never part of the NAV).
    uint256 internal totalClaimable;
    uint256 internal head;
    uint256 internal tail;
    /// @inheritdoc ILiquidityPool
    uint256 public queuedShares;
    /// @dev When a keeper last called processQueue: the queue is keeper-only until this and the head request have both
    ///      waited KEEPERLESS_QUEUE_SEC.
    uint256 internal keeperQueueCallAt;
    /// @dev The queue's tail at the last fill: the requests below it are those the fill left queued, whose shares
    ///      `waiting` counts (a cancel of one of them takes its shares off; a later request's cancel changes nothing).
    uint256 internal waitingEnd;
    /// @dev Depositors each LP lets deposit in its name while its cooldown runs (setDepositor).
    mapping(address receiver => mapping(address depositor => bool)) public isDepositor;

    // ------------------------------------------------------------ constructor

    constructor(IClearingCore core_, address admin, uint256 cooldownSec_, uint256 minDepositAssets_)
        ERC20("Counterpool LP", "cpUSD")
        ERC4626(IERC20(core_.collateralToken()))
    {
        if (cooldownSec_ > MAX_COOLDOWN_SEC) revert CooldownTooLong(cooldownSec_, MAX_COOLDOWN_SEC);
        if (core_.vault() != address(this)) revert VaultMismatch(core_.vault(), address(this));
        core = core_;
        minDepositAssets = minDepositAssets_;
        cooldown = uint32(cooldownSec_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit CooldownUpdated(cooldownSec_);
    }

    // ------------------------------------------------------------ admin

    /// @notice Sets the deposit cooldown: how long freshly minted shares stay locked (RISK_ROLE; bounded).
    function setCooldown(uint256 cooldownSec_) external onlyRole(RISK_ROLE) {
        if (cooldownSec_ > MAX_COOLDOWN_SEC) revert CooldownTooLong(cooldownSec_, MAX_COOLDOWN_SEC);
        cooldown = uint32(cooldownSec_);
        emit CooldownUpdated(cooldownSec_);
    }

    // ------------------------------------------------------------ LPs

    /// @inheritdoc ILiquidityPool
    function setDepositor(address depositor, bool approved) external {
        address receiver = _msgSender();
        isDepositor[receiver][depositor] = approved;
        emit DepositorSet(receiver, depositor, approved);
    }

    // ------------------------------------------------------------ ERC-4626 entry points

    /// @inheritdoc IERC4626
    function deposit(uint256 assets, address receiver)
        public
        override(ERC4626, IERC4626)
        nonReentrant
        returns (uint256)
    {
        if (assets < minDepositAssets) revert DepositTooSmall(assets, minDepositAssets);
        // The tokens go to the core first; the core then accrues, values the pool once (the NAV OZ would read
        // twice, in maxDeposit and previewDeposit) and adds the cash, all in one call.
        address caller = _msgSender();
        uint256 nav = _takeLiquidity(caller, assets);
        uint256 totalShares = supply;
        if (totalShares > 0 && nav == 0) revert ERC4626ExceededMaxDeposit(receiver, assets, 0);
        uint256 shares = SharesMath.toSharesDown(assets, totalShares, nav);
        if (shares == 0) revert ZeroShares();
        _mintWithCooldown(caller, receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
        return shares;
    }

    /// @inheritdoc IERC4626
    function mint(uint256 shares, address receiver) public override(ERC4626, IERC4626) nonReentrant returns (uint256) {
        if (shares == 0) revert ZeroShares();
        _checkReceiver(_msgSender(), receiver); // the reason, before OZ's maxMint check says only 0
        core.pinValuationPrices();
        uint256 assets = super.mint(shares, receiver);
        if (assets < minDepositAssets) revert DepositTooSmall(assets, minDepositAssets);
        return assets;
    }

    /// @inheritdoc IERC4626
    function withdraw(uint256 assets, address receiver, address owner)
        public
        override(ERC4626, IERC4626)
        nonReentrant
        returns (uint256)
    {
        // OZ's steps (maxWithdraw, then previewWithdraw) on one valuation of the pool: the NAV's low bound, at prices
        // pinned for the transaction.
        (uint256 low, uint256 free, uint256 redeemable) = core.pinRedemptionValue();
        uint256 totalShares = totalSupply();
        free = _freeAfterQueue(free, totalShares, redeemable);
        uint256 maxAssets = Math.min(SharesMath.toAssetsDown(_unlocked(owner), totalShares, low), free);
        if (assets > maxAssets) revert ERC4626ExceededMaxWithdraw(owner, assets, maxAssets); // cooldown excluded
        uint256 shares = SharesMath.toSharesUp(assets, totalShares, low);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
        return shares;
    }

    /// @inheritdoc IERC4626
    function redeem(uint256 shares, address receiver, address owner)
        public
        override(ERC4626, IERC4626)
        nonReentrant
        returns (uint256)
    {
        if (shares == 0) revert ZeroShares();
        _requireUnlocked(owner, shares);
        // OZ's steps (maxRedeem, then previewRedeem) on one valuation of the pool: the NAV's low bound, at prices
        // pinned for the transaction.
        (uint256 low, uint256 free, uint256 redeemable) = core.pinRedemptionValue();
        uint256 totalShares = totalSupply();
        uint256 assets = SharesMath.toAssetsDown(shares, totalShares, low);
        if (assets > _freeAfterQueue(free, totalShares, redeemable)) {
            revert ERC4626ExceededMaxRedeem(owner, shares, maxRedeem(owner));
        }
        _withdraw(_msgSender(), receiver, owner, assets, shares);
        return assets;
    }

    // ------------------------------------------------------------ slippage-checked entry points (EIP-5143)

    /// @inheritdoc ILiquidityPool
    function deposit(uint256 assets, address receiver, uint256 minShares) external returns (uint256 shares) {
        shares = deposit(assets, receiver);
        if (shares < minShares) revert VaultSlippageExceeded(shares, minShares);
    }

    /// @inheritdoc ILiquidityPool
    function mint(uint256 shares, address receiver, uint256 maxAssets) external returns (uint256 assets) {
        assets = mint(shares, receiver);
        if (assets > maxAssets) revert VaultSlippageExceeded(assets, maxAssets);
    }

    /// @inheritdoc ILiquidityPool
    function withdraw(uint256 assets, address receiver, address owner, uint256 maxShares)
        external
        returns (uint256 shares)
    {
        shares = withdraw(assets, receiver, owner);
        if (shares > maxShares) revert VaultSlippageExceeded(shares, maxShares);
    }

    /// @inheritdoc ILiquidityPool
    function redeem(uint256 shares, address receiver, address owner, uint256 minAssets)
        external
        returns (uint256 assets)
    {
        assets = redeem(shares, receiver, owner);
        if (assets < minAssets) revert VaultSlippageExceeded(assets, minAssets);
    }

    // ------------------------------------------------------------ share transfers

    /// @inheritdoc IERC20
    /// @dev Shares sent to the vault's own address would be stuck (only the queue escrows there): refused.
    function transfer(address to, uint256 value) public override(ERC20, IERC20) returns (bool) {
        if (to == address(this)) revert ERC20InvalidReceiver(to);
        return super.transfer(to, value);
    }

    /// @inheritdoc IERC20
    function transferFrom(address from, address to, uint256 value) public override(ERC20, IERC20) returns (bool) {
        if (to == address(this)) revert ERC20InvalidReceiver(to);
        return super.transferFrom(from, to, value);
    }

    // ------------------------------------------------------------ withdrawal queue

    /// @inheritdoc ILiquidityPool
    function requestRedeem(uint256 shares, address receiver, uint256 minAssets)
        external
        nonReentrant
        returns (uint256 requestId)
    {
        if (shares == 0) revert ZeroShares();
        _checkPayee(receiver);
        uint256 bandBps = _checkRequest(shares, minAssets);
        address owner = _msgSender();
        _transfer(owner, address(this), shares); // only shares past their cooldown can move (_update)
        requestId = tail++;
        requests[requestId] = WithdrawalRequest({
            owner: owner,
            requestedAt: uint64(block.timestamp),
            bandBps: uint16(bandBps),
            receiver: receiver,
            minAssets: SafeCast.toUint96(minAssets),
            shares: uint128(shares),
            sharesRequested: uint128(shares)
        });
        queuedShares += shares;
        // Nothing free: a fill now would pay no one and leave every request waiting (processQueue keeps them all,
        // whatever their minimums), so the request does what that fill would: the hold counts every pending request,
        // this one included. The keeper fills at once while liquidity is free, but with none free it calls only every
        // heartbeat, and a request made in between held nothing: liquidity a trader freed then went to the trader's
        // own instant exit in the same transaction, ahead of it (review AE: 100,382 USD ahead of an honest 300,096
        // request; review AF: counting only this request, when every earlier one was counted, let one minimum-size
        // request made while liquidity was free switch that off). A cancel releases exactly its shares (P-23).
        if (core.freeLiquidityUsd() == 0) {
            waiting = uint112(queuedShares); // within the supply's 112 bits (queued shares are part of it)
            waitingEnd = requestId + 1;
        }
        emit WithdrawalRequested(requestId, owner, receiver, shares);
    }

    /// @inheritdoc ILiquidityPool
    function cancelRedeem(uint256 requestId) external nonReentrant {
        WithdrawalRequest storage r = requests[requestId];
        address owner = _msgSender();
        if (r.owner != owner) revert NotRequestOwner(requestId, owner, r.owner);
        uint256 shares = r.shares;
        if (shares == 0) revert RequestNotPending(requestId);
        r.shares = 0;
        queuedShares -= shares;
        if (requestId < waitingEnd) {
            // Only a request the last fill left waiting holds liquidity back, and its cancel releases exactly its own
            // shares: review Y queued a second request, then cancelled the waiting one, and the hold (capped at what
            // was left queued) passed to the new one, which no fill had passed (P-23).
            uint256 w = waiting;
            waiting = uint112(w > shares ? w - shares : 0);
        }
        _transfer(address(this), owner, shares);
        emit WithdrawalCancelled(requestId, owner, shares);
    }

    /// @inheritdoc ILiquidityPool
    function processQueue(uint256 maxRequests) external nonReentrant returns (uint256 filled) {
        uint256 i = head;
        uint256 end = tail;
        address caller = _msgSender();
        if (!hasRole(KEEPER_ROLE, caller)) {
            uint256 scanEnd = Math.min(end, i + MAX_SKIPPED_PER_CALL);
            while (i < scanEnd && requests[i].shares == 0) ++i;
            // A head that waited a day on free liquidity while the keeper ran is no sign the keeper is down: a review
            // freed the liquidity itself and filled the queue in one transaction at a band it widened (P-89).
            // (past MAX_SKIPPED_PER_CALL empty entries the head is unknown: the keepers' last call alone decides)
            uint256 keeperlessAt = i < scanEnd
                ? Math.max(requests[i].requestedAt, keeperQueueCallAt) + KEEPERLESS_QUEUE_SEC
                : i < end ? keeperQueueCallAt + KEEPERLESS_QUEUE_SEC : 0;
            if (block.timestamp < keeperlessAt) revert QueueKeeperOnly(caller, keeperlessAt);
        } else {
            keeperQueueCallAt = block.timestamp;
        }
        core.pinValuationPrices();
        uint256 skipped;
        uint256 refused;
        for (uint256 n; i < end && n < maxRequests;) {
            WithdrawalRequest storage r = requests[i];
            uint256 shares = r.shares;
            if (shares == 0) {
                // A cancelled or refused entry is stepped over without counting against maxRequests, up to
                // MAX_SKIPPED_PER_CALL a call: a review padded the queue with 1-share requests it cancelled at once,
                // and each 20 of them cost the keeper a call of processQueue(20) before a real request behind them.
                ++i;
                if (++skipped > MAX_SKIPPED_PER_CALL) ++n;
                continue;
            }
            // Read for each request: a receiver's token hook between two fills may have reserved liquidity (a stale
            // figure reverted the whole call at the next payout, every time: a stuck queue).
            uint256 free = core.freeLiquidityUsd();
            // Nothing free: no fill can pay anyone, so the request keeps its place, whatever its minimum (review AE: a
            // heartbeat with nothing free refused an honest request at the head on a NAV dip it was never paid at).
            if (free == 0) break;
            uint256 fillUsd = _fillValueUsd(r.bandBps);
            uint256 assets = SharesMath.toAssetsDown(shares, totalSupply(), fillUsd);
            // Pro rata and exact (cross-multiplied, no rounding): a fill paying exactly the request's minimum fills
            // (a review's request for exactly its previewRedeem was refused when the minimum was kept per share,
            // rounded up twice).
            if (assets * r.sharesRequested < uint256(r.minAssets) * shares) {
                uint256 minAssets = Math.mulDiv(r.minAssets, shares, r.sharesRequested, Math.Rounding.Ceil);
                // Below the owner's minimum: refused, the shares go back, the queue moves on. Counted as an eighth of
                // a request (a refusal costs about 30k gas): a review padded the queue with 1-share requests whose
                // minimum no share is worth, refused when reached, as it had with cancelled ones.
                if (++refused % REFUSED_PER_REQUEST == 0) ++n;
                r.shares = 0;
                queuedShares -= shares;
                _transfer(address(this), r.owner, shares);
                emit WithdrawalRefused(i, r.owner, shares, assets, minAssets);
                emit WithdrawalCancelled(i, r.owner, shares);
                ++i;
                continue;
            }
            ++n;
            uint256 burnShares = shares;
            if (assets > free) {
                assets = free;
                burnShares = Math.min(SharesMath.toSharesUp(assets, totalSupply(), fillUsd), shares);
            }
            uint256 remaining = shares - burnShares;
            r.shares = uint128(remaining);
            queuedShares -= burnShares;
            _burn(address(this), burnShares);
            if (assets > 0) _payQueued(i, r.owner, r.receiver, assets);
            emit WithdrawalFilled(i, r.owner, r.receiver, burnShares, assets, remaining);
            if (remaining > 0) break;
            ++filled;
            ++i;
        }
        head = i;
        // What a fill leaves queued, for want of liquidity or of maxRequests, was asked for before any later LP's
        // instant exit: those leave its value to the queue (P-23). A request made since holds nothing back until a
        // fill has run (unless made while nothing was free: requestRedeem then counts them all, as this fill would), and one whose minimum no fill meets is refused when a fill reaches it (review S); a fill that
        // stops early never clears what is left (review T: processQueue(20) behind 20 dust requests did).
        waiting = uint112(queuedShares); // within the supply's 112 bits (queued shares are part of it)
        waitingEnd = end;
    }

    /// @inheritdoc ILiquidityPool
    function claim(address to) external nonReentrant returns (uint256 assets) {
        _checkPayee(to);
        address owner = _msgSender();
        assets = claimableAssets[owner];
        if (assets == 0) revert NothingToClaim(owner);
        claimableAssets[owner] = 0;
        totalClaimable -= assets;
        IERC20(asset()).safeTransfer(to, assets);
        emit Claimed(owner, to, assets);
    }

    // ------------------------------------------------------------ internals

    /// @dev The account a trusted forwarder of the core (the Pyth PriceUpdateRouter) names by appending it to an
    ///      ABI-encoded call, so an LP on a pull-oracle deployment deposits or redeems with the price update posted in
    ///      the same transaction, as themselves; any other caller is itself, whatever it appends (the products' rule,
    ///      P-34). OpenZeppelin's ERC-20, ERC-4626 and AccessControl all ask this function, so allowances, share
    ///      locks and roles follow the named account. A plain call (whole 32-byte words) costs no external read; the
    ///      constructor (empty calldata) is itself; a trusted forwarder appending anything but one address reverts.
    function _msgSender() internal view override returns (address account) {
        uint256 n = msg.data.length;
        if (n < 4 || (n - 4) % 32 == 0 || !core.isTrustedForwarder(msg.sender)) return msg.sender;
        if ((n - 4) % 32 != 20) revert IPerpEngine.MalformedForwardedCall(msg.sender, n);
        assembly ("memory-safe") {
            account := shr(96, calldataload(sub(calldatasize(), 20)))
        }
    }

    /// @dev A request is worth at least the vault's minimum deposit and leaves QUEUE_MIN_ROOM_BPS under its value for
    ///      its minimum, valued as a fill values it (the NAV's low bound, rounded down) at this transaction's prices.
    ///      While the NAV cannot be valued (a stale price or a greek cache waiting for its refresh: nothing can fill the
    ///      queue either) a request is still taken, with no minimum: it can always be paid, so it holds back only what
    ///      it will take (P-23); its floor is then counted at the first deposit's share price.
    ///      Returns the NAV's low band now in bps of the NAV less the gains still vesting, rounded up (the request's
    ///      `bandBps`; 10,000 unvalued).
    function _checkRequest(uint256 shares, uint256 minAssets) internal returns (uint256 bandBps) {
        uint256 lowUsd;
        bool valued;
        try core.pinValuationPrices() {
            try core.poolValueTermsUsd() returns (uint256 redeemable, uint256 low, uint256) {
                (lowUsd, valued) = (low, true);
                // the products' band below the NAV net of vesting gains (low <= redeemable: the band includes them)
                bandBps =
                    redeemable == 0 ? 10_000 : Math.mulDiv(redeemable - low, 10_000, redeemable, Math.Rounding.Ceil);
            } catch {}
        } catch {}
        if (!valued) {
            // No NAV: the floor at the first deposit's share price (VIRTUAL_SHARES per unit), and no minimum.
            uint256 atFirstPriceUsd = shares / SharesMath.VIRTUAL_SHARES;
            if (atFirstPriceUsd < minDepositAssets) revert RequestTooSmall(atFirstPriceUsd, minDepositAssets);
            if (minAssets != 0) revert RequestMinimumTooHigh(minAssets, 0);
            return 10_000;
        }
        uint256 valueUsd = SharesMath.toAssetsDown(shares, totalSupply(), lowUsd);
        if (valueUsd < minDepositAssets) revert RequestTooSmall(valueUsd, minDepositAssets);
        uint256 maxMinAssets = valueUsd - Math.mulDiv(valueUsd, QUEUE_MIN_ROOM_BPS, 10_000, Math.Rounding.Ceil);
        if (minAssets > maxMinAssets) revert RequestMinimumTooHigh(minAssets, maxMinAssets);
    }

    /// @dev The NAV a queue fill pays at: the low bound, but at no wider a band below the NAV net of vesting gains than
    ///      the request's `bandBps` (the band it saw, rounded up), so a band widened after the request cannot lower its
    ///      fill (P-89) and a gain vesting since is still left out (P-96). At most the NAV net of vesting gains.
    function _fillValueUsd(uint256 bandBps) internal view returns (uint256) {
        (uint256 redeemableUsd, uint256 lowUsd,) = core.poolValueTermsUsd();
        return Math.max(lowUsd, redeemableUsd - Math.mulDiv(redeemableUsd, bandBps, 10_000, Math.Rounding.Ceil));
    }

    /// @dev Pays a queued fill: the core pays this vault, which forwards to the receiver; if the token refuses (a
    ///      blocked receiver), the assets stay here as the owner's claimable balance and the queue moves on.
    function _payQueued(uint256 requestId, address owner, address receiver, uint256 assets) internal {
        core.withdrawLiquidity(address(this), assets);
        (bool ok, bytes memory ret) = asset().call(abi.encodeCall(IERC20.transfer, (receiver, assets)));
        if (ok && (ret.length == 0 || abi.decode(ret, (bool)))) return;
        claimableAssets[owner] += assets;
        totalClaimable += assets;
        emit PayoutDeferred(requestId, owner, receiver, assets);
    }

    /// @dev The free liquidity an instant withdrawal or redemption may take: what is left after the value of the
    ///      requests the last fill left queued (at `navUsd`, the NAV net of vesting gains: no fill pays more; rounded
    ///      up, for the queue), so a request already waiting is paid
    ///      before a later LP's instant exit (P-23: the queue is first in, first out, instant exits included). Only
    ///      requests made before a fill count: one that no fill can pay (a minimum above its value) is refused when
    ///      a fill reaches it, so it cannot shut instant exits (review S).
    function _freeAfterQueue(uint256 freeUsd, uint256 totalShares, uint256 navUsd) internal view returns (uint256) {
        uint256 waitingShares = waiting;
        if (waitingShares == 0) return freeUsd;
        uint256 queuedUsd = SharesMath.toAssetsUp(waitingShares, totalShares, navUsd);
        return freeUsd > queuedUsd ? freeUsd - queuedUsd : 0;
    }

    /// @dev Whether the core's sentinel lets LP flows through now (no sentinel on an L1: always).
    function _flowsOpen() internal view returns (bool) {
        if (core.sequencerUptimeFeed() == address(0)) return true;
        try core.sequencerGraceEndsAt() returns (uint256 endsAt) {
            return endsAt == 0;
        } catch {
            return false; // the sequencer is down or its status unknown
        }
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return 6; // SharesMath.VIRTUAL_SHARES = 10 ** 6
    }

    /// @dev OZ's conversions, through the one definition (SharesMath) with the rounding OZ asks for, at the NAV bound
    ///      that favours the pool the same way (core.poolValueBoundsUsd): shares for assets paid in (rounded down) and
    ///      assets charged for shares (rounded up) at the high bound; shares burned for assets out (rounded up) and
    ///      assets paid for shares (rounded down) at the low bound. An LP who sees a price update coming gains nothing
    ///      against the others by entering or leaving before it (the bounds span the most any oracle can lag unseen).
    function _convertToShares(uint256 assets, Math.Rounding rounding) internal view override returns (uint256) {
        (uint256 low, uint256 high) = core.poolValueBoundsUsd();
        return Math.unsignedRoundsUp(rounding)
            ? SharesMath.toSharesUp(assets, totalSupply(), low)
            : SharesMath.toSharesDown(assets, totalSupply(), high);
    }

    function _convertToAssets(uint256 shares, Math.Rounding rounding) internal view override returns (uint256) {
        (uint256 low, uint256 high) = core.poolValueBoundsUsd();
        return Math.unsignedRoundsUp(rounding)
            ? SharesMath.toAssetsUp(shares, totalSupply(), high)
            : SharesMath.toAssetsDown(shares, totalSupply(), low);
    }

    /// @dev `mint` goes through here; `deposit` runs the same steps, pricing its shares at the NAV in between.
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        _takeLiquidity(caller, assets);
        _mintWithCooldown(caller, receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
    }

    /// @dev Moves `assets` from `caller` to the core and credits them; returns the NAV before them.
    function _takeLiquidity(address caller, uint256 assets) internal returns (uint256 navBeforeUsd) {
        IERC20(asset()).safeTransferFrom(caller, address(core), assets);
        return core.depositLiquidity(assets);
    }

    /// @dev Refuses a deposit or mint by `caller` to `receiver`: the zero address, the vault itself (shares minted to it
    ///      would sit outside any request, redeemable by no one, as transfers to it: P-49), or a receiver in its
    ///      cooldown that is not the caller. Returns the receiver's locked shares.
    function _checkReceiver(address caller, address receiver) internal view returns (uint256 locked) {
        if (receiver == address(0) || receiver == address(this)) revert ERC20InvalidReceiver(receiver);
        uint256 unlockAt;
        (locked, unlockAt) = _lock(accounts[receiver]);
        if (locked > 0 && receiver != caller && !isDepositor[receiver][caller]) {
            revert ReceiverInCooldown(receiver, unlockAt);
        }
    }

    /// @dev Mints `shares` locked for the cooldown, in one write of the receiver's slot. Shares minted while an
    ///      earlier deposit's cooldown runs join it (the cooldown restarts for both); shares past their cooldown are
    ///      never locked again. Only the receiver may add to a running cooldown: otherwise anyone could keep an LP's
    ///      recent deposit locked forever with minimum deposits in their name; a depositor the receiver approved
    ///      (setDepositor) counts as the receiver.
    function _mintWithCooldown(address caller, address receiver, uint256 shares) internal {
        uint256 locked = _checkReceiver(caller, receiver);
        Account storage a = accounts[receiver];
        supply = SafeCast.toUint112(supply + shares);
        // One SSTORE of the whole Account word (a struct assignment would write its three fields one by one):
        // shares in bits 0-111, lockedShares (<= shares) in 112-223, unlockAt in 224-255.
        uint256 word =
            SafeCast.toUint112(a.shares + shares) | (locked + shares) << 112 | (block.timestamp + cooldown) << 224;
        assembly ("memory-safe") {
            sstore(a.slot, word)
        }
        emit Transfer(address(0), receiver, shares);
    }

    /// @dev Refuses a payout to an address where the assets would be stuck (P-49): the zero address, this vault (its
    ///      balance is the claimants' deferred payouts, counted by totalClaimable) and the core (its pool cash is its
    ///      ledger, not its balance).
    function _checkPayee(address receiver) internal view {
        if (receiver == address(0) || receiver == address(this) || receiver == address(core)) {
            revert ERC20InvalidReceiver(receiver);
        }
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        _checkPayee(receiver);
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        core.withdrawLiquidity(receiver, assets);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    /// @dev The share ledger. Shares in their deposit cooldown cannot move (transfer, redeem, queue), so a fresh
    ///      deposit cannot be redeemed through another address; received shares are never locked and a transfer never
    ///      touches the receiver's cooldown. The queue's escrow (this contract's own balance) moves freely.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0)) {
            supply = SafeCast.toUint112(supply + value);
        } else {
            Account storage a = accounts[from];
            uint256 balance = a.shares;
            if (balance < value) revert ERC20InsufficientBalance(from, balance, value);
            if (from != address(this)) {
                (uint256 locked, uint256 unlockAt) = _lock(a);
                if (balance - locked < value) revert SharesLocked(from, value, balance - locked, unlockAt);
            }
            a.shares = uint112(balance - value);
        }
        if (to == address(0)) supply -= uint112(value);
        else accounts[to].shares += SafeCast.toUint112(value);
        emit Transfer(from, to, value);
    }

    /// @dev Reverts with the cooldown's numbers when `shares` exceed what `owner` has past its cooldown.
    function _requireUnlocked(address owner, uint256 shares) internal view {
        Account storage a = accounts[owner];
        (uint256 locked, uint256 unlockAt) = _lock(a);
        uint256 free = a.shares - locked;
        if (locked > 0 && shares > free) revert SharesLocked(owner, shares, free, unlockAt);
    }

    /// @dev The shares of `a` in a running cooldown (never more than it holds) and when it ends; (0, 0) when none are.
    function _lock(Account storage a) internal view returns (uint256 locked, uint256 unlockAt) {
        unlockAt = a.unlockAt;
        if (block.timestamp >= unlockAt) return (0, 0);
        locked = Math.min(a.lockedShares, a.shares);
    }

    function _unlocked(address owner) internal view returns (uint256) {
        Account storage a = accounts[owner];
        (uint256 locked,) = _lock(a);
        return a.shares - locked;
    }

    // ------------------------------------------------------------ ERC-4626 views

    /// @inheritdoc IERC4626
    /// @dev Live NAV from the core (reverts while an action holds the core's lock: read-only reentrancy guard).
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256) {
        return core.poolValueUsd();
    }

    /// @inheritdoc IERC4626
    /// @dev 0 while LP flows are closed: the core's sequencer sentinel (down, or within the grace period after a
    ///      restart), as ERC-4626 asks of a temporarily disabled deposit or withdrawal.
    ///      0 too where a deposit to `receiver` by the caller reverts (EIP-4626: maxDeposit never overstates and never
    ///      reverts): the vault itself or the zero address as receiver, a receiver in its cooldown when the caller is
    ///      someone else (`_mintWithCooldown`), and a NAV that cannot be read now (a stale price, the core's lock).
    ///      At most what the core's pool cash can still hold (it is stored in 64 bits, 1.8e13 USD; a deposit past it
    ///      reverts), and 0 when that is below the minimum deposit.
    function maxDeposit(address receiver) public view override(ERC4626, IERC4626) returns (uint256) {
        if (receiver == address(0) || receiver == address(this) || !_flowsOpen()) return 0;
        (uint256 locked,) = _lock(accounts[receiver]);
        if (locked > 0 && receiver != _msgSender() && !isDepositor[receiver][_msgSender()]) return 0;
        // a NAV that cannot be read (the core's lock, a stale price) refuses a deposit whatever the supply
        try core.poolValueUsd() returns (uint256 navUsd) {
            if (navUsd == 0 && totalSupply() > 0) return 0;
        } catch {
            return 0;
        }
        uint256 cashUsd = core.poolState().poolCashUsd;
        uint256 roomUsd = cashUsd < type(uint64).max ? type(uint64).max - cashUsd : 0;
        return roomUsd < minDepositAssets ? 0 : roomUsd;
    }

    /// @inheritdoc IERC4626
    /// @dev The shares maxDeposit's assets buy at the deposit bound, rounded down: minting them costs at most those
    ///      assets (rounded up at the same bound).
    function maxMint(address receiver) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 assets = maxDeposit(receiver);
        if (assets == 0) return 0;
        try core.poolValueBoundsUsd() returns (uint256, uint256 highUsd) {
            return SharesMath.toSharesDown(assets, totalSupply(), highUsd);
        } catch {
            return 0;
        }
    }

    /// @inheritdoc IERC4626
    /// @dev 0, never a revert, where a withdrawal would revert for a NAV that cannot be read now (a stale price, the
    ///      core's lock), as maxDeposit (EIP-4626: max* MUST NOT revert; a review found these two did).
    ///      The vault's own balance is the queue's escrow, which no one can redeem (it approves no one): 0 (review AE).
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 shares = owner == address(this) ? 0 : _unlocked(owner);
        if (shares == 0 || !_flowsOpen()) return 0;
        try this.redemptionLimits(shares) returns (uint256 assets, uint256 free, uint256) {
            return Math.min(assets, free);
        } catch {
            return 0;
        }
    }

    /// @inheritdoc IERC4626
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 shares = owner == address(this) ? 0 : _unlocked(owner);
        if (shares == 0 || !_flowsOpen()) return 0;
        try this.redemptionLimits(shares) returns (uint256 assets, uint256 free, uint256 lowUsd) {
            // Compared in assets: when free liquidity covers the whole balance, every share is redeemable (converting
            // `free` back to shares would round the last LP's final shares away).
            if (assets <= free) return shares;
            // At the bound a redemption is paid at (review AY: the high bound, _convertToShares', understated it by the
            // band's share of the free liquidity); what these shares pay, rounded down, is at most `free`.
            return SharesMath.toSharesDown(free, totalSupply(), lowUsd);
        } catch {
            return 0;
        }
    }

    /// @notice What `shares` redeem for now (rounded down), the free liquidity an instant exit may take (what the
    ///         queued requests leave) and the NAV's low bound redemptions are paid at: the NAV read maxWithdraw and
    ///         maxRedeem make, external so that they can catch its revert.
    function redemptionLimits(uint256 shares) external view returns (uint256 assets, uint256 free, uint256 lowUsd) {
        uint256 totalShares = totalSupply();
        uint256 redeemableUsd;
        (redeemableUsd, lowUsd,) = core.poolValueTermsUsd(); // the bound a redemption is paid at (_convertToAssets)
        assets = SharesMath.toAssetsDown(shares, totalShares, lowUsd);
        free = _freeAfterQueue(core.freeLiquidityUsd(), totalShares, redeemableUsd);
    }

    /// @notice Shares worth `assets` at the NAV itself (ERC-4626: no bound, no fee; the share price shown to LPs).
    function convertToShares(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256) {
        return SharesMath.toSharesDown(assets, totalSupply(), totalAssets());
    }

    /// @notice Assets `shares` are worth at the NAV itself (ERC-4626: no bound, no fee; the share price).
    function convertToAssets(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256) {
        return SharesMath.toAssetsDown(shares, totalSupply(), totalAssets());
    }

    // ------------------------------------------------------------ views

    /// @inheritdoc IERC20
    function balanceOf(address owner) public view override(ERC20, IERC20) returns (uint256) {
        return accounts[owner].shares;
    }

    /// @inheritdoc IERC20
    function totalSupply() public view override(ERC20, IERC20) returns (uint256) {
        return supply;
    }

    /// @inheritdoc ILiquidityPool
    function cooldownSec() external view returns (uint256) {
        return cooldown;
    }

    /// @inheritdoc ILiquidityPool
    function withdrawableAt(address owner) external view returns (uint256 unlockAt) {
        (, unlockAt) = _lock(accounts[owner]);
    }

    /// @inheritdoc ILiquidityPool
    function lockedShares(address owner) external view returns (uint256 locked) {
        (locked,) = _lock(accounts[owner]);
    }

    /// @inheritdoc ILiquidityPool
    function claimable(address owner) external view returns (uint256) {
        return claimableAssets[owner];
    }

    /// @inheritdoc ILiquidityPool
    function withdrawalRequest(uint256 requestId) external view returns (WithdrawalRequest memory) {
        return requests[requestId];
    }

    /// @inheritdoc ILiquidityPool
    function queueBounds() external view returns (uint256, uint256) {
        return (head, tail);
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 id) public view override returns (bool) {
        return super.supportsInterface(id);
    }
}
