// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ClearingCore} from "../contracts/core/ClearingCore.sol";
import {LiquidityPool} from "../contracts/core/LiquidityPool.sol";
import {IClearingCore} from "../contracts/interfaces/IClearingCore.sol";
import {IOptionsBook} from "../contracts/interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../contracts/interfaces/IPerpEngine.sol";
import {OptionsBook} from "../contracts/options/OptionsBook.sol";
import {ChainlinkPriceFeed} from "../contracts/oracles/ChainlinkPriceFeed.sol";
import {DevPriceFeed} from "../contracts/oracles/DevPriceFeed.sol";
import {IAggregatorV3} from "../contracts/oracles/IAggregatorV3.sol";
import {IPriceFeed} from "../contracts/oracles/IPriceFeed.sol";
import {PythPriceFeed} from "../contracts/oracles/PythPriceFeed.sol";
import {OrderBook} from "../contracts/orders/OrderBook.sol";
import {FaucetToken} from "../contracts/periphery/FaucetToken.sol";
import {PriceUpdateRouter} from "../contracts/periphery/PriceUpdateRouter.sol";
import {Reader} from "../contracts/periphery/Reader.sol";
import {PerpEngine} from "../contracts/perps/PerpEngine.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";
import {Script, console2} from "forge-std/Script.sol";
import {VmSafe} from "forge-std/Vm.sol";

/// @notice Deploys Counterpool and writes deployments/<chainId>.json.
/// @dev Markets come from script/markets.json (name, dev price, starting volatility, the env variable naming its
///      Chainlink aggregator, its price bounds, heartbeat and deviation, and optionally a Pyth price id): adding a
///      market there lists it everywhere, on chain and off. Env: PRIVATE_KEY (deployer; anvil's first key by default).
///      Optional: SETTLEMENT_TOKEN (else a faucet token), each market's feed variable (e.g. ETH_USD_FEED; when any
///      Chainlink market's is missing every market gets a dev feed the simulator pushes), PYTH_CONTRACT (markets with
///      a pythPriceId then read Pyth, pulled in the trade's transaction), SEQUENCER_UPTIME_FEED and
///      SEQUENCER_GRACE_SEC (L2s: the core's sentinel), LP_COOLDOWN_SEC, and the role holders ADMIN_ADDRESS (every
///      contract's DEFAULT_ADMIN_ROLE: config, product registry, forwarders), RISK_ADDRESS (RISK_ROLE: risk parameters,
///      the options fallback settlement) and GUARDIAN_ADDRESS (the pause), each defaulting to ADMIN_ADDRESS: when
///      ADMIN_ADDRESS is set the deployer hands every role over and renounces its own (a multisig in production).
///      Off the local chain the local defaults are refused (`_requireRealChainSettings`; DEV_DEFAULTS=1 for a test chain).
contract Deploy is Script {
    uint256 internal constant ANVIL_KEY_0 = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;
    /// @dev Anvil's account 1: the local keeper (services/keeper, KEEPER_PRIVATE_KEY unset).
    uint256 public constant ANVIL_KEY_1 = 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d;
    uint256 internal constant YEAR = 365 days;

    /// @notice One market of script/markets.json.
    struct MarketSpec {
        string name;
        uint256 devPriceUsd; // starting price of the dev feed, whole USD
        uint256 annualVolPct; // starting volatility estimate, percent a year
        string feedEnv; // env variable holding the Chainlink aggregator
        uint256 minPriceWad; // prices at or beyond these bounds are refused (USD, 18 decimals; from minPriceUsd/maxPriceUsd)
        uint256 maxPriceWad;
        uint256 heartbeatSec; // the Chainlink feed's heartbeat on the target chain
        uint256 deviationBps; // the feed's deviation threshold: the most its price can lag unseen
        uint256 optionStrikeStepUsd; // spacing of the options' strike grid, whole USD
        bytes32 pythPriceId; // the market's Pyth price id (0: none); used when PYTH_CONTRACT is set
    }

    /// @notice Max price age of a dev feed (the simulator pushes every few seconds).
    uint32 public constant DEV_MAX_PRICE_AGE_SEC = 300;
    /// @notice Largest Pyth confidence interval a Pyth market accepts, in bps of the price.
    uint256 public constant PYTH_MAX_CONF_BPS = 100;
    /// @notice Default grace period after an L2 sequencer restarts (Aave's and Chainlink's usual hour).
    uint256 public constant DEFAULT_SEQUENCER_GRACE_SEC = 1 hours;
    /// @notice The least execution fee a trigger order escrows for its keeper: 0.50 USD (6-decimal units).
    uint256 public constant MIN_EXECUTION_FEE_USD = 0.5e6;
    /// @notice Oracle lag priced into LP actions when a market does not state its feed's deviation threshold (0.5%,
    ///         Chainlink's threshold for the major pairs).
    uint16 public constant DEFAULT_ORACLE_LAG_BPS = 50;
    /// @notice A market's trading fee per side when its oracle lag is smaller. Every fill pays at least the lag (P-97,
    ///         ConfigValidation), so the fee per side is the larger of the two (`withOracleLag`).
    uint16 public constant BASE_FEE_BPS = 6;
    /// @notice How many standard deviations of the asset's move over a pull market's max price age its oracle lag
    ///         covers (`pullLagBps`).
    uint256 public constant PULL_LAG_SIGMAS = 3;
    /// @notice Max price age of a pull-oracle (Pyth) market: the update is posted in the trade's own transaction (the
    ///         PriceUpdateRouter), so only seconds of publishing and inclusion latency are allowed, and the engine pins
    ///         the first price a transaction reads (P-14 on pull markets). With the feeds' lead (PULL_MAX_LEAD_SEC) it
    ///         spans the 10 s of published prices a round trip can see (pullLagBps).
    uint32 public constant PULL_MAX_PRICE_AGE_SEC = 7;
    /// @notice How far ahead of the chain's clock a Pyth publish time is served (PythPriceFeed.maxLeadSec): sized for
    ///         an L2 whose sequencer stamps blocks at wall time. On a chain whose timestamps trail more (an L1 block is
    ///         stamped at its slot's start, up to 12 s), raise it to that trail: a shorter lead lets anyone freeze a
    ///         market with updates published beyond it, and the keeper's simulations at the latest block fail the same
    ///         way; the lag and fees then grow with the root of the span (pullLagBps).
    uint32 public constant PULL_MAX_LEAD_SEC = 3;
    /// @notice The options product's credit line: its reserved maximum payouts stay within half the pool's cash.
    uint16 public constant OPTIONS_RESERVE_CAP_BPS = 5000;
    /// @notice Open interest cap per strike and type, in USD of notional at the dev price.
    uint256 public constant OPTIONS_STRIKE_OI_USD = 5_000_000;

    struct Deployed {
        address token;
        address core;
        address engine;
        address pool;
        address router;
        address reader;
        address orderBook;
        address optionsBook;
        address[] feeds;
        string[] names;
        bool devFeeds;
        bool[] pull; // market i reads a Pyth pull oracle
        bool faucet; // the settlement token is the faucet token this script deployed (no SETTLEMENT_TOKEN)
        address admin; // holder of every DEFAULT_ADMIN_ROLE after the deploy
        uint256 startBlock;
    }

    function run() external returns (Deployed memory d) {
        uint256 key = vm.envOr("PRIVATE_KEY", ANVIL_KEY_0);
        address deployer = vm.addr(key);
        // A local chain is indexed from genesis (a handful of blocks), so the tracked deployments/31337.json is the
        // same whether the stack (1-second blocks) or a test chain (automine) deployed it.
        d.startBlock = block.chainid == 31_337 ? 0 : block.number;
        MarketSpec[] memory specs = marketSpecs();
        vm.startBroadcast(key);

        d.token = vm.envOr("SETTLEMENT_TOKEN", address(0));
        d.faucet = d.token == address(0);
        // Every amount is in USD with 6 decimals (the settlement stablecoin's): an 18-decimal token would make the 50M
        // open-interest cap 0.00005 of it (review AX).
        if (!d.faucet) require(IERC20Metadata(d.token).decimals() == 6, "SETTLEMENT_TOKEN must have 6 decimals");
        if (d.faucet) d.token = address(new FaucetToken("USD Coin (Counterpool faucet)", "USDC"));
        (d.feeds, d.devFeeds, d.pull) = _feeds(specs, deployer);
        _requireRealChainSettings(key, d);

        // The core fixes its vault at deployment: the vault is the deployer's next contract.
        address vaultAddress = vm.computeCreateAddress(deployer, vm.getNonce(deployer) + 1);
        ClearingCore core = new ClearingCore(
            IERC20(d.token),
            deployer,
            poolConfig(),
            vaultAddress,
            IAggregatorV3(vm.envOr("SEQUENCER_UPTIME_FEED", address(0))),
            vm.envOr("SEQUENCER_GRACE_SEC", DEFAULT_SEQUENCER_GRACE_SEC)
        );
        d.core = address(core);
        LiquidityPool pool = new LiquidityPool(core, deployer, vm.envOr("LP_COOLDOWN_SEC", uint256(60)), 1e6);
        d.pool = address(pool);
        PerpEngine engine = new PerpEngine(core, deployer);
        d.engine = address(engine);
        d.router = address(new PriceUpdateRouter(engine, core));

        core.addProduct(d.engine, 10_000);
        core.setForwarder(d.router, true);
        pool.grantRole(pool.RISK_ROLE(), deployer);
        // The keeper fills the withdrawal queue and trigger orders (KEEPER_ROLE): KEEPER_ADDRESS, else
        // KEEPER_PRIVATE_KEY's account.
        address keeper = vm.envOr("KEEPER_ADDRESS", vm.addr(vm.envOr("KEEPER_PRIVATE_KEY", ANVIL_KEY_1)));
        pool.grantRole(pool.KEEPER_ROLE(), keeper);
        core.grantRole(core.RISK_ROLE(), deployer);
        core.grantRole(core.GUARDIAN_ROLE(), deployer);
        engine.grantRole(engine.RISK_ROLE(), deployer);
        d.names = new string[](specs.length);
        for (uint256 i; i < specs.length; ++i) {
            d.names[i] = specs[i].name;
            uint32 maxAge = d.pull[i]
                ? PULL_MAX_PRICE_AGE_SEC
                : d.devFeeds ? DEV_MAX_PRICE_AGE_SEC : priceAgeSec(specs[i].heartbeatSec);
            IPerpEngine.MarketConfig memory cfg =
                marketConfig(IPriceFeed(d.feeds[i]), specs[i].annualVolPct * 1e16, maxAge);
            cfg = withOracleLag(cfg, d.pull[i] ? pullLagBps(specs[i].annualVolPct) : specs[i].deviationBps);
            engine.addMarket(bytes32(bytes(specs[i].name)), cfg);
        }
        d.reader = address(new Reader(core, engine, pool));
        // Trigger orders: the book forwards to the engine for the order's owner (a trusted forwarder); a keeper's
        // execution fee is at least 0.50 USD (settlement-token units).
        d.orderBook = address(new OrderBook(engine, core, IERC20(d.token), deployer, MIN_EXECUTION_FEE_USD));
        core.setForwarder(d.orderBook, true);
        OrderBook(d.orderBook).grantRole(OrderBook(d.orderBook).KEEPER_ROLE(), keeper);
        // Options on every market, written by the same pool (a second product on the core's ledger).
        OptionsBook options = new OptionsBook(core, engine, deployer);
        d.optionsBook = address(options);
        core.addProduct(d.optionsBook, OPTIONS_RESERVE_CAP_BPS);
        options.grantRole(options.RISK_ROLE(), deployer);
        for (uint256 i; i < specs.length; ++i) {
            // Chainlink and dev feeds settle on their first round after expiry; Pyth markets on the first update after
            // it, recorded by the settler (PythPriceFeed.recordSettlementPrice).
            options.setConfig(i, optionsConfig(specs[i]));
        }
        d.admin = _handOverRoles(d, deployer);
        vm.stopBroadcast();

        write(d);
    }

    /// @dev Hands each role to its configured holder and renounces the deployer's: RISK_ADDRESS and GUARDIAN_ADDRESS
    ///      (each defaulting to ADMIN_ADDRESS), then ADMIN_ADDRESS (every contract's DEFAULT_ADMIN_ROLE, last, since it
    ///      administers the others). A role without a holder stays with the deployer (the local chain). Returns the admin.
    function _handOverRoles(Deployed memory d, address deployer) internal returns (address admin) {
        admin = vm.envOr("ADMIN_ADDRESS", deployer);
        address risk = vm.envOr("RISK_ADDRESS", admin);
        address guardian = vm.envOr("GUARDIAN_ADDRESS", admin);
        bytes32 riskRole = keccak256("RISK_ROLE");
        if (risk != deployer) {
            address[4] memory risky = [d.core, d.pool, d.engine, d.optionsBook];
            for (uint256 i; i < risky.length; ++i) {
                AccessControl(risky[i]).grantRole(riskRole, risk);
                AccessControl(risky[i]).renounceRole(riskRole, deployer);
            }
        }
        if (guardian != deployer) {
            ClearingCore(d.core).grantRole(keccak256("GUARDIAN_ROLE"), guardian);
            ClearingCore(d.core).renounceRole(keccak256("GUARDIAN_ROLE"), deployer);
        }
        if (admin != deployer) {
            address[5] memory all = [d.core, d.pool, d.engine, d.optionsBook, d.orderBook]; // the order book: admin only
            for (uint256 i; i < all.length; ++i) {
                AccessControl(all[i]).grantRole(bytes32(0), admin); // DEFAULT_ADMIN_ROLE
                AccessControl(all[i]).renounceRole(bytes32(0), deployer);
            }
        }
    }

    /// @notice The markets listed in MARKETS_FILE (a path from the project root; default script/markets.json), in
    ///         order (market id = index). A chain whose feeds beat differently (Arbitrum's ETH/USD: 24 h and 0.05%, not
    ///         1 h and 0.5%) gets a file of its own, since the heartbeat sets the max price age and the deviation the
    ///         oracle lag and fees.
    function marketSpecs() public view returns (MarketSpec[] memory) {
        string memory path = vm.envOr("MARKETS_FILE", string(""));
        return marketSpecsAt(bytes(path).length == 0 ? "script/markets.json" : path); // empty: unset, as the preflight
    }

    /// @notice The markets listed in the file at `path` (from the project root).
    function marketSpecsAt(string memory path) public view returns (MarketSpec[] memory specs) {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/", path));
        uint256 n;
        while (vm.keyExistsJson(json, string.concat(".markets[", vm.toString(n), "]"))) ++n;
        specs = new MarketSpec[](n);
        for (uint256 i; i < n; ++i) {
            string memory at = string.concat(".markets[", vm.toString(i), "]");
            specs[i] = MarketSpec({
                name: vm.parseJsonString(json, string.concat(at, ".name")),
                devPriceUsd: vm.parseJsonUint(json, string.concat(at, ".devPriceUsd")),
                annualVolPct: vm.parseJsonUint(json, string.concat(at, ".annualVolPct")),
                feedEnv: vm.parseJsonString(json, string.concat(at, ".feedEnv")),
                minPriceWad: parseUsdWad(vm.parseJsonString(json, string.concat(at, ".minPriceUsd"))),
                maxPriceWad: parseUsdWad(vm.parseJsonString(json, string.concat(at, ".maxPriceUsd"))),
                heartbeatSec: vm.parseJsonUint(json, string.concat(at, ".heartbeatSec")),
                deviationBps: vm.parseJsonUint(json, string.concat(at, ".deviationBps")),
                optionStrikeStepUsd: vm.parseJsonUint(json, string.concat(at, ".optionStrikeStepUsd")),
                pythPriceId: vm.keyExistsJson(json, string.concat(at, ".pythPriceId"))
                    ? vm.parseJsonBytes32(json, string.concat(at, ".pythPriceId"))
                    : bytes32(0)
            });
        }
    }

    /// @notice A decimal USD amount ("150", "0.01") as an 18-decimal value; reverts on anything else.
    function parseUsdWad(string memory usd) public pure returns (uint256 wad) {
        bytes memory b = bytes(usd);
        uint256 unit = 1e18;
        bool point;
        for (uint256 i; i < b.length; ++i) {
            if (b[i] == ".") {
                require(!point, "parseUsdWad: two points");
                point = true;
                continue;
            }
            require(b[i] >= "0" && b[i] <= "9", "parseUsdWad: not a decimal");
            uint256 digit = uint8(b[i]) - 48;
            if (point) {
                unit /= 10;
                require(unit > 0, "parseUsdWad: more than 18 decimals");
                wad += digit * unit;
            } else {
                wad = wad * 10 + digit * 1e18;
            }
        }
        require(b.length > 0, "parseUsdWad: empty");
    }

    /// @dev With PYTH_CONTRACT set, markets with a pythPriceId read Pyth (pull). The others read Chainlink when every
    ///      one of their aggregators is configured; else every market gets a dev feed (a local chain).
    function _feeds(MarketSpec[] memory specs, address deployer)
        internal
        returns (address[] memory feeds, bool devFeeds, bool[] memory pull)
    {
        feeds = new address[](specs.length);
        pull = new bool[](specs.length);
        address[] memory aggregators = new address[](specs.length);
        address pyth = vm.envOr("PYTH_CONTRACT", address(0));
        for (uint256 i; i < specs.length; ++i) {
            pull[i] = pyth != address(0) && specs[i].pythPriceId != bytes32(0);
            if (pull[i]) continue;
            aggregators[i] = vm.envOr(specs[i].feedEnv, address(0));
            if (aggregators[i] == address(0)) devFeeds = true;
        }
        if (devFeeds) pull = new bool[](specs.length); // a local chain: every market on a dev feed
        address sequencer = vm.envOr("SEQUENCER_UPTIME_FEED", address(0));
        for (uint256 i; i < specs.length; ++i) {
            if (devFeeds) {
                feeds[i] = address(new DevPriceFeed(deployer, specs[i].devPriceUsd * 1e18, 1 days));
            } else if (pull[i]) {
                feeds[i] = address(
                    new PythPriceFeed(
                        IPyth(pyth), specs[i].pythPriceId, PULL_MAX_PRICE_AGE_SEC, PULL_MAX_LEAD_SEC, PYTH_MAX_CONF_BPS
                    )
                );
            } else {
                feeds[i] = address(
                    new ChainlinkPriceFeed(
                        IAggregatorV3(aggregators[i]),
                        IAggregatorV3(sequencer),
                        priceAgeSec(specs[i].heartbeatSec),
                        specs[i].minPriceWad,
                        specs[i].maxPriceWad
                    )
                );
            }
        }
    }

    /// @notice Borrow curve: 0% at zero utilization, 10% a year at the 80% kink, 110% a year at 100%.
    /// @notice Off the local chain (31337) the local defaults are refused, whoever runs the script (npm start's preflight
    ///         checks the same before it deploys; review AX found a direct `forge script` run fell back to them): a
    ///         deployer key other than anvil's public one, a SETTLEMENT_TOKEN (no faucet anyone can mint), a real feed
    ///         for every market (no dev feed the deployer sets), ADMIN_ADDRESS (the roles leave the deployer) and a keeper
    ///         other than anvil's account 1. DEV_DEFAULTS=1 allows them on a test chain of one's own.
    function _requireRealChainSettings(uint256 key, Deployed memory d) internal view {
        if (block.chainid == 31_337 || vm.envOr("DEV_DEFAULTS", false)) return;
        require(
            key != ANVIL_KEY_0, "PRIVATE_KEY: anvil's public dev key off the local chain (DEV_DEFAULTS=1 allows it)"
        );
        require(!d.faucet, "SETTLEMENT_TOKEN is required off the local chain (DEV_DEFAULTS=1 deploys a faucet token)");
        require(!d.devFeeds, "every market's feed variable (or PYTH_CONTRACT) is required off the local chain");
        require(vm.envOr("ADMIN_ADDRESS", address(0)) != address(0), "ADMIN_ADDRESS is required off the local chain");
        address keeper = vm.envOr("KEEPER_ADDRESS", vm.addr(vm.envOr("KEEPER_PRIVATE_KEY", ANVIL_KEY_1)));
        require(keeper != vm.addr(ANVIL_KEY_1), "KEEPER_ADDRESS: anvil's public dev account off the local chain");
        // Both given and different: the roles would go to an account the keeper does not sign with, and its queue
        // fills and order executions would revert for want of KEEPER_ROLE.
        if (vm.envExists("KEEPER_ADDRESS") && vm.envExists("KEEPER_PRIVATE_KEY")) {
            require(
                keeper == vm.addr(vm.envUint("KEEPER_PRIVATE_KEY")),
                "KEEPER_ADDRESS is not KEEPER_PRIVATE_KEY's account (the keeper could not use its role)"
            );
        }
        // An L2 whose sequencer can stop: without its uptime feed, prices gone stale in an outage are traded and
        // liquidated on the moment it restarts (Chainlink publishes one on each of these).
        require(
            !hasSequencerFeed(block.chainid) || vm.envOr("SEQUENCER_UPTIME_FEED", address(0)) != address(0),
            "SEQUENCER_UPTIME_FEED is required on this L2 (Chainlink's L2 sequencer uptime feed)"
        );
    }

    /// @notice Whether `chainId` has a sequencer Chainlink publishes an uptime feed for (script/chains.json, which the
    ///         preflight reads too).
    function hasSequencerFeed(uint256 chainId) public view returns (bool) {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/script/chains.json"));
        uint256[] memory ids = vm.parseJsonUintArray(json, ".sequencerFeedChains");
        for (uint256 i; i < ids.length; ++i) {
            if (ids[i] == chainId) return true;
        }
        return false;
    }

    function poolConfig() public pure returns (IClearingCore.PoolConfig memory) {
        return IClearingCore.PoolConfig({
            baseRateWad: 0,
            slope1Wad: uint64(uint256(0.1e18) / YEAR),
            slope2Wad: uint64(uint256(1e18) / YEAR),
            kinkWad: 0.8e18,
            maxUtilizationBps: 9000,
            keeperShareBps: 5000
        });
    }

    /// @notice The staleness limit of a Chainlink-fed market, used by both the adapter and the market (so the market
    ///         is never stricter than the feed's own rhythm): one heartbeat plus 10% and a minute for block inclusion.
    function priceAgeSec(uint256 heartbeatSec) public pure returns (uint32) {
        return uint32(heartbeatSec + heartbeatSec / 10 + 60);
    }

    /// @notice A market on a dev feed (max price age DEV_MAX_PRICE_AGE_SEC).
    function marketConfig(IPriceFeed feed, uint256 annualVolWad) public pure returns (IPerpEngine.MarketConfig memory) {
        return marketConfig(feed, annualVolWad, DEV_MAX_PRICE_AGE_SEC);
    }

    /// @notice Sets a market's oracle lag (the most its price can trail the market unseen) and its fees: each side's fee
    ///         is the larger of BASE_FEE_BPS and the lag, so a trader who sees an update coming cannot open before it
    ///         and close after it for a profit (P-97); LP flows price the same lag (P-57).
    function withOracleLag(IPerpEngine.MarketConfig memory cfg, uint256 lagBps)
        public
        pure
        returns (IPerpEngine.MarketConfig memory)
    {
        cfg.oracleLagBps = uint16(lagBps);
        uint16 feeBps = uint16(lagBps > BASE_FEE_BPS ? lagBps : BASE_FEE_BPS);
        (cfg.openFeeBps, cfg.closeFeeBps) = (feeBps, feeBps);
        return cfg;
    }

    /// @notice A pull (Pyth) market's oracle lag: its price is posted in the trade's own transaction and may be at most
    ///         PULL_MAX_PRICE_AGE_SEC old, and a later transaction in the same block may post one published up to
    ///         PULL_MAX_LEAD_SEC ahead of the chain's clock (review AI), so a round trip can see that much
    ///         of published prices: PULL_LAG_SIGMAS standard deviations of the move over the sum at `annualVolPct`,
    ///         rounded up (11 bps for ETH at 60% over 10 s).
    function pullLagBps(uint256 annualVolPct) public pure returns (uint256) {
        // sigma x sqrt(span / year) in bps = annualVolPct x 100 x sqrt(span / year); the root is taken in millionths
        uint256 spanSec = uint256(PULL_MAX_PRICE_AGE_SEC) + PULL_MAX_LEAD_SEC;
        uint256 rootMillionths = Math.sqrt(spanSec * 1e12 / YEAR);
        return Math.ceilDiv(PULL_LAG_SIGMAS * annualVolPct * 100 * rootMillionths, 1e6);
    }

    /// @param annualVolWad starting volatility estimate (annualized) before the EWMA has seen returns.
    /// @param maxPriceAgeSec oldest oracle answer trades, liquidations and the NAV accept.
    function marketConfig(IPriceFeed feed, uint256 annualVolWad, uint32 maxPriceAgeSec)
        public
        pure
        returns (IPerpEngine.MarketConfig memory)
    {
        // Funding: the rate moves at (skew / skewScaleUsd) x maxFundingRate per 8 hours, capped at 100% a year. The
        // skew scale is sized to this pool (a 10M USD skew is a full-skew market), so a persistent skew of a few
        // hundred thousand moves the rate by tenths of a percent APR per hour, not thousandths.
        uint64 maxFundingRate = uint64(uint256(1e18) / YEAR); // 100% a year
        return withOracleLag(
            IPerpEngine.MarketConfig({
                feed: feed,
                maxPriceAgeSec: maxPriceAgeSec,
                openFeeBps: 0, // set with the lag (withOracleLag)
                closeFeeBps: 0,
                liquidationFeeBps: 20,
                positiveImpactBps: 5000,
                maxProfitBps: 10_000,
                maxLeverage: 50,
                horizonSec: 3600,
                volTauSec: 2 days,
                zWad: 2.33e18,
                mmrFloorWad: 0.005e18,
                sizeTermWad: 0.01e18,
                imrMultiplierWad: 1.5e18,
                utilTermWad: 0.05e18,
                maxLongOiUsd: 50_000_000e6,
                maxShortOiUsd: 50_000_000e6,
                impactScaleUsd: 1_000_000_000e6,
                skewScaleUsd: 10_000_000e6,
                sizeScaleUsd: 10_000_000e6,
                minCollateralUsd: 10e6,
                maxFundingVelocityWad: maxFundingRate / 8 hours,
                maxFundingRateWad: maxFundingRate,
                initialVarianceWad: uint64(annualVolWad * annualVolWad / 1e18 / YEAR),
                oracleLagBps: 0, // set with the fees (withOracleLag)
                sampleIntervalSec: 10 minutes,
                longVolTauSec: 30 days,
                clipSigmas: 10,
                maintenanceRampWadPerHour: 0.005e18
            }),
            DEFAULT_ORACLE_LAG_BPS
        );
    }

    /// @notice A market's options: daily boards for the next two days, Friday boards for the next two weeks and month-end (last
    ///         Friday) boards for the next two months, 08:00
    ///         UTC, 11 strikes; IV from the sampled variance with a one-month mean reversion, a put skew and a smile,
    ///         within 20%-300%, 2 vol points each side; calls capped at twice their strike; the NAV prices through
    ///         the cached greeks for an hour, 2% or a quarter sigma of the nearest expiry, whichever comes first.
    function optionsConfig(MarketSpec memory spec) public pure returns (IOptionsBook.OptionsConfig memory) {
        return IOptionsBook.OptionsConfig({
            strikeStepWad: uint96(spec.optionStrikeStepUsd * 1e18),
            strikesPerSide: 5,
            dailyExpiries: 2,
            weeklyExpiries: 2,
            monthlyExpiries: 2,
            tradingCutoffSec: 1 hours,
            callCapBps: 10_000,
            minPremiumBps: 5,
            ivMinWad: 0.2e18,
            ivMaxWad: 3e18,
            spreadVolWad: 0.02e18,
            meanReversionWad: 12e18,
            skewWad: 0.05e18,
            smileWad: 0.02e18,
            deltaScaleUsd: 1_000_000_000,
            vegaScaleUsd: 10_000_000,
            maxStrikeOiWad: uint128(OPTIONS_STRIKE_OI_USD * 1e18 / spec.devPriceUsd),
            maxBoardReserveUsd: 20_000_000e6,
            cacheMaxAgeSec: 1 hours,
            cacheMaxMoveBps: 200,
            cacheSdFracBps: 2500
        });
    }

    /// @dev Not in a dry run (`forge script` without --broadcast): the file names what a broadcast made, and a dry run's
    ///      predicted addresses over a live deployment's would have had the next start deploy an empty stack (review AX).
    function write(Deployed memory d) internal {
        if (vm.isContext(VmSafe.ForgeContext.ScriptDryRun)) {
            console2.log("dry run: deployments file not written");
            return;
        }
        string memory o = "deployment";
        vm.serializeUint(o, "chainId", block.chainid);
        vm.serializeUint(o, "startBlock", d.startBlock);
        vm.serializeBool(o, "devFeeds", d.devFeeds);
        vm.serializeBool(o, "pullMarkets", d.pull);
        vm.serializeBool(o, "faucetToken", d.faucet);
        vm.serializeAddress(o, "admin", d.admin);
        vm.serializeAddress(o, "FaucetToken", d.token);
        vm.serializeAddress(o, "ClearingCore", d.core);
        vm.serializeAddress(o, "PerpEngine", d.engine);
        vm.serializeAddress(o, "LiquidityPool", d.pool);
        vm.serializeAddress(o, "Reader", d.reader);
        vm.serializeAddress(o, "PriceUpdateRouter", d.router);
        vm.serializeAddress(o, "OrderBook", d.orderBook);
        vm.serializeAddress(o, "OptionsBook", d.optionsBook);
        vm.serializeString(o, "marketNames", d.names);
        string memory json = vm.serializeAddress(o, "feeds", d.feeds);
        string memory path = string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), ".json");
        vm.writeJson(json, path);
        console2.log("deployment written to", path);
    }
}
