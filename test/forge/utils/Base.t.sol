// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ClearingCore} from "../../../contracts/core/ClearingCore.sol";
import {LiquidityPool} from "../../../contracts/core/LiquidityPool.sol";
import {IOptionsBook} from "../../../contracts/interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {OptionsBook} from "../../../contracts/options/OptionsBook.sol";
import {DevPriceFeed} from "../../../contracts/oracles/DevPriceFeed.sol";
import {IAggregatorV3} from "../../../contracts/oracles/IAggregatorV3.sol";
import {IPriceFeed} from "../../../contracts/oracles/IPriceFeed.sol";
import {OrderBook} from "../../../contracts/orders/OrderBook.sol";
import {FaucetToken} from "../../../contracts/periphery/FaucetToken.sol";
import {PriceUpdateRouter} from "../../../contracts/periphery/PriceUpdateRouter.sol";
import {Reader} from "../../../contracts/periphery/Reader.sol";
import {PerpEngine} from "../../../contracts/perps/PerpEngine.sol";
import {Deploy} from "../../../script/Deploy.s.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Shared fixture: the production parameters and the market list of script/Deploy.s.sol (script/markets.json)
///         on dev feeds, with named actors. ETH and BTC are markets 0 and 1; `feeds` holds every market's feed.
abstract contract BaseTest is Test {
    uint256 internal constant ETH = 0;
    uint256 internal constant BTC = 1;
    uint256 internal constant USD = 1e6;
    uint256 internal constant MAX_PRICE = type(uint256).max;

    address internal admin = makeAddr("admin");
    address internal alice = makeAddr("alice"); // trader
    address internal bob = makeAddr("bob"); // trader
    address internal carol = makeAddr("carol"); // LP
    address internal dave = makeAddr("dave"); // LP
    address internal keeper = makeAddr("keeper");
    address internal attacker = makeAddr("attacker");

    Deploy internal deployer;
    FaucetToken internal usdc;
    DevPriceFeed internal ethFeed;
    DevPriceFeed internal btcFeed;
    DevPriceFeed[] internal feeds;
    ClearingCore internal core;
    PerpEngine internal engine;
    PriceUpdateRouter internal router;
    LiquidityPool internal pool;
    Reader internal reader;
    OptionsBook internal options;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        deployer = new Deploy();
        vm.startPrank(admin);
        usdc = new FaucetToken("USD Coin", "USDC");
        Deploy.MarketSpec[] memory specs = deployer.marketSpecs();
        for (uint256 m; m < specs.length; ++m) {
            feeds.push(new DevPriceFeed(admin, specs[m].devPriceUsd * 1e18, 1 days));
        }
        ethFeed = feeds[ETH];
        btcFeed = feeds[BTC];
        address vaultAddress = vm.computeCreateAddress(admin, vm.getNonce(admin) + 1);
        core =
            new ClearingCore(IERC20(address(usdc)), admin, deployer.poolConfig(), vaultAddress, _sequencer(), 1 hours);
        pool = new LiquidityPool(core, admin, 60, 1e6);
        engine = new PerpEngine(core, admin);
        router = new PriceUpdateRouter(engine, core);
        core.addProduct(address(engine), 10_000);
        core.setForwarder(address(router), true);
        pool.grantRole(pool.RISK_ROLE(), admin);
        pool.grantRole(pool.KEEPER_ROLE(), address(this)); // the tests fill the queue as the keeper
        core.grantRole(core.RISK_ROLE(), admin);
        core.grantRole(core.GUARDIAN_ROLE(), admin);
        engine.grantRole(engine.RISK_ROLE(), admin);
        for (uint256 m; m < specs.length; ++m) {
            engine.addMarket(
                bytes32(bytes(specs[m].name)),
                deployer.marketConfig(IPriceFeed(address(feeds[m])), specs[m].annualVolPct * 1e16)
            );
        }
        reader = new Reader(core, engine, pool);
        options = new OptionsBook(core, engine, admin);
        core.addProduct(address(options), deployer.OPTIONS_RESERVE_CAP_BPS());
        options.grantRole(options.RISK_ROLE(), admin);
        for (uint256 m; m < specs.length; ++m) {
            options.setConfig(m, deployer.optionsConfig(specs[m]));
        }
        vm.stopPrank();

        vm.label(address(core), "ClearingCore");
        vm.label(address(engine), "PerpEngine");
        vm.label(address(pool), "LiquidityPool");
        vm.label(address(usdc), "USDC");
        vm.label(address(options), "OptionsBook");
    }

    /// @dev The core's sequencer-uptime feed (none: an L1); a suite on an L2 returns a feed created before setUp.
    function _sequencer() internal view virtual returns (IAggregatorV3) {
        return IAggregatorV3(address(0));
    }

    // ------------------------------------------------------------ helpers

    /// @dev An order book as the deployment wires it: a trusted forwarder of the core, `keeper` holding its keeper role
    ///      (0.5 USD minimum execution fee).
    function _deployOrderBook() internal returns (OrderBook book) {
        vm.startPrank(admin);
        book = new OrderBook(engine, core, IERC20(address(usdc)), admin, 0.5e6);
        core.setForwarder(address(book), true);
        book.grantRole(book.KEEPER_ROLE(), keeper);
        vm.stopPrank();
    }

    function _mint(address to, uint256 amount) internal {
        deal(address(usdc), to, usdc.balanceOf(to) + amount);
        vm.startPrank(to);
        usdc.approve(address(engine), type(uint256).max);
        usdc.approve(address(pool), type(uint256).max);
        usdc.approve(address(options), type(uint256).max);
        vm.stopPrank();
    }

    /// @dev ETH's options where the NAV prices through its expansion for a cache's whole range: a daily volatility
    ///      sample (none falls due inside the range) and calls capped at 10% (their legs' thetas cancel near the money:
    ///      the case the bound's time term must still cover, P-76).
    function _dailySamplesNarrowCaps() internal {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(ETH);
        cfg.sampleIntervalSec = 1 days;
        vm.prank(admin);
        engine.setMarketConfig(ETH, cfg);
        IOptionsBook.OptionsConfig memory oc = options.config(ETH);
        oc.callCapBps = 1000;
        vm.prank(admin);
        options.setConfig(ETH, oc);
    }

    /// @dev Lists the boards the market's schedule calls for (the keeper's call) and returns its unsettled boards.
    function _listBoards(uint256 marketId) internal returns (uint256[] memory) {
        options.listBoards(marketId);
        return options.liveBoards(marketId);
    }

    /// @dev `who` buys `amountWad` of an option at the quoted premium (minted first); the fill must equal the quote.
    function _buyOption(address who, uint256 boardId, uint256 k, bool isCall, uint256 amountWad)
        internal
        returns (uint256 premium)
    {
        IOptionsBook.Quote memory q = options.quote(boardId, k, isCall, true, amountWad);
        _mint(who, q.premiumUsd);
        vm.prank(who);
        premium = options.buy(boardId, k, isCall, amountWad, q.premiumUsd);
        assertEq(premium, q.premiumUsd, "the quote is the fill");
    }

    function _deposit(address lp, uint256 amount) internal returns (uint256 shares) {
        _mint(lp, amount);
        vm.prank(lp);
        shares = pool.deposit(amount, lp);
    }

    /// @dev The highest minimum a queued request worth `valueUsd` now may ask (P-23): its value less
    ///      QUEUE_MIN_ROOM_BPS of it, the room rounded up.
    function _maxQueueMinimum(uint256 valueUsd) internal view returns (uint256) {
        return valueUsd - (valueUsd * pool.QUEUE_MIN_ROOM_BPS() + 9999) / 10_000;
    }

    function _open(address trader, uint256 marketId, bool isLong, uint256 collateral, uint256 size) internal {
        _mint(trader, collateral);
        vm.prank(trader);
        engine.increasePosition(marketId, isLong, collateral, size, isLong ? MAX_PRICE : 0);
    }

    /// @dev The open fee on `size` (rounded up, as the engine charges it): at least the market's oracle lag (P-97).
    function _openFeeUsd(uint256 marketId, uint256 size) internal view returns (uint256) {
        return (size * reader.marketConfig(marketId).openFeeBps + 9999) / 10_000;
    }

    /// @dev What a liquidation charges besides the close impact (P-59, P-97), from the documented rule: the liquidation
    ///      fee on the value closed (the entry size plus a long's profit or a short's loss, `pnlUsd` as capped), or the
    ///      close fee on it plus the keeper's `rewardUsd` where that is more; each fee rounded up.
    function _liquidationChargeUsd(uint256 marketId, bool isLong, uint256 size, int256 pnlUsd, uint256 rewardUsd)
        internal
        view
        returns (uint256)
    {
        IPerpEngine.MarketConfig memory cfg = reader.marketConfig(marketId);
        int256 gain = isLong ? pnlUsd : -pnlUsd;
        uint256 value = gain > 0 ? size + uint256(gain) : size;
        uint256 liquidationFee = (value * cfg.liquidationFeeBps + 9999) / 10_000;
        uint256 closeCost = (value * cfg.closeFeeBps + 9999) / 10_000 + rewardUsd;
        return liquidationFee > closeCost ? liquidationFee : closeCost;
    }

    function _close(address trader, uint256 marketId, bool isLong) internal {
        uint256 size = engine.position(trader, marketId, isLong).sizeUsd;
        vm.prank(trader);
        engine.decreasePosition(marketId, isLong, 0, size, isLong ? 0 : MAX_PRICE);
    }

    function _feed(uint256 marketId) internal view returns (DevPriceFeed) {
        return feeds[marketId];
    }

    mapping(uint256 marketId => uint256) internal lastPushed;

    /// @dev Advances one second and pushes a new price.
    function _setPrice(uint256 marketId, uint256 priceWad) internal {
        _setPriceAfter(marketId, priceWad, 1);
    }

    /// @dev Advances `dt` seconds and pushes a new price.
    function _setPriceAfter(uint256 marketId, uint256 priceWad, uint256 dt) internal {
        skip(dt);
        vm.prank(admin);
        _feed(marketId).setPrice(priceWad);
        lastPushed[marketId] = priceWad;
    }

    /// @dev Posts `priceWad` on `marketId` `offsetSec` after its next volatility-sampling boundary (0: at it).
    function _setPriceAtBoundary(uint256 marketId, uint256 priceWad, uint256 offsetSec) internal {
        uint256 interval = reader.marketConfig(marketId).sampleIntervalSec;
        _setPriceAfter(marketId, priceWad, interval - block.timestamp % interval + offsetSec);
    }

    /// @dev Walks a market's price to `target` in +-10% daily steps, so the volatility estimate stays calm (each step's
    ///      return is spread over a day).
    function _walkPrice(uint256 marketId, uint256 target) internal {
        uint256 p = _price(marketId);
        while (p != target) {
            uint256 up = p * 11 / 10;
            uint256 down = p * 9 / 10;
            uint256 next = target > p ? (up < target ? up : target) : (down > target ? down : target);
            _setPriceAfter(marketId, next, 1 days);
            p = next;
        }
    }

    function _price(uint256 marketId) internal view returns (uint256) {
        uint256 p = lastPushed[marketId];
        return p != 0 ? p : deployer.marketSpecs()[marketId].devPriceUsd * 1e18;
    }

    /// @dev Keeps every feed fresh after a time jump.
    function _refreshPrices() internal {
        for (uint256 m; m < feeds.length; ++m) {
            uint256 p = _price(m);
            vm.prank(admin);
            feeds[m].setPrice(p);
        }
    }

    function _status(address trader, uint256 marketId, bool isLong)
        internal
        view
        returns (IPerpEngine.PositionStatus memory)
    {
        return reader.positionStatus(trader, marketId, isLong);
    }

    function _poolCash() internal view returns (uint256) {
        return core.poolState().poolCashUsd;
    }

    /// @dev What redeeming all of `lp`'s shares would pay now; the state is left as it was (a snapshot, reverted).
    function _redemptionNow(address lp) internal returns (uint256 paid) {
        uint256 snap = vm.snapshotState();
        uint256 shares = pool.balanceOf(lp);
        vm.prank(lp);
        paid = pool.redeem(shares, lp, lp);
        vm.revertToState(snap);
    }
}
