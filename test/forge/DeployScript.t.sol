// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {ClearingCore} from "../../contracts/core/ClearingCore.sol";
import {LiquidityPool} from "../../contracts/core/LiquidityPool.sol";
import {IOptionsBook} from "../../contracts/interfaces/IOptionsBook.sol";
import {IOrderBook} from "../../contracts/interfaces/IOrderBook.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {IUpdatablePriceFeed} from "../../contracts/oracles/IUpdatablePriceFeed.sol";
import {PythPriceFeed} from "../../contracts/oracles/PythPriceFeed.sol";
import {OrderBook} from "../../contracts/orders/OrderBook.sol";
import {FaucetToken} from "../../contracts/periphery/FaucetToken.sol";
import {PriceUpdateRouter} from "../../contracts/periphery/PriceUpdateRouter.sol";
import {Reader} from "../../contracts/periphery/Reader.sol";
import {PerpEngine} from "../../contracts/perps/PerpEngine.sol";
import {Deploy} from "../../script/Deploy.s.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {MockPyth} from "@pythnetwork/pyth-sdk-solidity/MockPyth.sol";
import {Test} from "forge-std/Test.sol";

/// @notice The deploy script against a real chain's settings (issue 16 items 1 and 4): Pyth markets, and the admin,
///         risk and guardian roles handed to configured holders. Each test deploys on its own chain id (its own
///         deployments file, removed after) and resets the environment it set.
contract DeployScriptTest is Test {
    uint256 internal constant USD = 1e6;

    /// A chain whose feeds beat differently deploys from its own markets file (MARKETS_FILE): the same markets with
    /// 24-hour heartbeats (Arbitrum's ETH/USD) get a day's max price age, not the hour of script/markets.json.
    /// (marketSpecsAt is what marketSpecs reads MARKETS_FILE through: the environment is left alone, other tests read it.)
    function test_marketSpecsAt_readsAChainsOwnFile() public {
        Deploy deployer = new Deploy();
        string memory path = "deployments/markets.heartbeat-test.json";
        string memory src = vm.readFile(string.concat(vm.projectRoot(), "/script/markets.json"));
        vm.writeFile(
            string.concat(vm.projectRoot(), "/", path),
            vm.replace(src, "\"heartbeatSec\": 3600", "\"heartbeatSec\": 86400")
        );
        Deploy.MarketSpec[] memory base = deployer.marketSpecs();
        Deploy.MarketSpec[] memory daily = deployer.marketSpecsAt(path);
        vm.removeFile(string.concat(vm.projectRoot(), "/", path));
        assertEq(daily.length, base.length);
        for (uint256 i; i < base.length; ++i) {
            assertEq(daily[i].name, base[i].name);
            assertEq(base[i].heartbeatSec, 3600);
            assertEq(daily[i].heartbeatSec, 86_400);
            assertEq(deployer.priceAgeSec(daily[i].heartbeatSec), 86_400 + 8640 + 60, "a day and its margins");
        }
    }

    /// One test, the cases in sequence: the environment is process-wide and forge runs test functions in parallel.
    function test_deploy_realChainSettings() public {
        _pythMarketsWhenPythContractIsSet();
        _handsRolesToConfiguredHolders();
        _refusesLocalDefaultsOffTheLocalChain();
    }

    /// Off the local chain the script itself refuses its local defaults, whoever runs it (review AX: a direct
    /// `forge script` run deployed a faucet token, dev feeds and anvil's account 1 as the keeper on chain 8453), and a
    /// settlement token without 6 decimals anywhere.
    function _refusesLocalDefaultsOffTheLocalChain() internal {
        vm.chainId(8453);
        Deploy deployer = new Deploy();
        vm.expectRevert(bytes("PRIVATE_KEY: anvil's public dev key off the local chain (DEV_DEFAULTS=1 allows it)"));
        deployer.run();
        vm.stopBroadcast(); // the refused run's broadcast (a script run ends with its revert)
        vm.setEnv("PRIVATE_KEY", vm.toString(uint256(0xbeef)));
        vm.expectRevert(
            bytes("SETTLEMENT_TOKEN is required off the local chain (DEV_DEFAULTS=1 deploys a faucet token)")
        );
        deployer.run();
        vm.stopBroadcast(); // the refused run's broadcast (a script run ends with its revert)
        vm.setEnv("SETTLEMENT_TOKEN", vm.toString(address(new Token18())));
        vm.expectRevert(bytes("SETTLEMENT_TOKEN must have 6 decimals"));
        deployer.run();
        vm.stopBroadcast(); // the refused run's broadcast (a script run ends with its revert)
        vm.setEnv("SETTLEMENT_TOKEN", vm.toString(address(new FaucetToken("USD", "USD"))));
        vm.expectRevert(bytes("every market's feed variable (or PYTH_CONTRACT) is required off the local chain"));
        deployer.run();
        vm.stopBroadcast(); // the refused run's broadcast (a script run ends with its revert)
        // Every market on Pyth (each has a price id), an admin and a keeper of its own: on Base the sequencer's uptime
        // feed is required, and a KEEPER_ADDRESS that is not KEEPER_PRIVATE_KEY's account is refused.
        vm.setEnv("PYTH_CONTRACT", vm.toString(address(new MockPyth(60, 1))));
        vm.setEnv("ADMIN_ADDRESS", vm.toString(makeAddr("multisig")));
        vm.setEnv("KEEPER_PRIVATE_KEY", vm.toString(uint256(0xc0ffee)));
        vm.setEnv("KEEPER_ADDRESS", vm.toString(makeAddr("anotherKeeper")));
        vm.expectRevert(bytes("KEEPER_ADDRESS is not KEEPER_PRIVATE_KEY's account (the keeper could not use its role)"));
        deployer.run();
        vm.stopBroadcast();
        vm.setEnv("KEEPER_ADDRESS", vm.toString(vm.addr(0xc0ffee)));
        vm.expectRevert(bytes("SEQUENCER_UPTIME_FEED is required on this L2 (Chainlink's L2 sequencer uptime feed)"));
        deployer.run();
        vm.stopBroadcast();
        assertTrue(
            deployer.hasSequencerFeed(42_161) && !deployer.hasSequencerFeed(1), "Arbitrum One has one, mainnet none"
        );
        // back to the local defaults (the environment is the process's)
        vm.setEnv("PYTH_CONTRACT", vm.toString(address(0)));
        vm.setEnv("ADMIN_ADDRESS", vm.toString(address(0)));
        vm.setEnv("SETTLEMENT_TOKEN", vm.toString(address(0)));
        vm.setEnv(
            "PRIVATE_KEY", vm.toString(uint256(0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80))
        );
        vm.setEnv("KEEPER_PRIVATE_KEY", vm.toString(deployer.ANVIL_KEY_1()));
        vm.setEnv("KEEPER_ADDRESS", vm.toString(vm.addr(deployer.ANVIL_KEY_1())));
    }
    bytes32 internal constant RISK_ROLE = keccak256("RISK_ROLE");

    /// With PYTH_CONTRACT set, every market with a pythPriceId in script/markets.json reads Pyth with a pull-oracle's
    /// max age, lists options that settle on the first Pyth update after expiry (PythPriceFeed.recordSettlementPrice),
    /// and trades through the PriceUpdateRouter with the update in the same call.
    function _pythMarketsWhenPythContractIsSet() internal {
        vm.warp(1_700_000_000);
        vm.chainId(4243); // its own deployments file, removed below
        MockPyth pyth = new MockPyth(60, 1);
        vm.setEnv("PYTH_CONTRACT", vm.toString(address(pyth)));
        vm.setEnv("DEV_DEFAULTS", "true"); // a test chain: anvil's keys and a faucet token
        Deploy deployer = new Deploy();
        Deploy.Deployed memory d = deployer.run();
        vm.setEnv("DEV_DEFAULTS", "false");
        vm.setEnv("PYTH_CONTRACT", vm.toString(address(0)));
        vm.removeFile(string.concat(vm.projectRoot(), "/deployments/4243.json"));

        Deploy.MarketSpec[] memory specs = deployer.marketSpecs();
        assertFalse(d.devFeeds, "no dev feeds");
        for (uint256 i; i < specs.length; ++i) {
            assertTrue(d.pull[i], "a pull market");
            PythPriceFeed feed = PythPriceFeed(d.feeds[i]);
            assertEq(address(feed.pyth()), address(pyth));
            assertEq(feed.priceId(), specs[i].pythPriceId);
            assertEq(feed.maxAgeSec(), deployer.PULL_MAX_PRICE_AGE_SEC());
            IPerpEngine.MarketConfig memory cfg = Reader(d.reader).marketConfig(i);
            assertEq(cfg.maxPriceAgeSec, deployer.PULL_MAX_PRICE_AGE_SEC(), "seconds, not a heartbeat");
            // P-97: the lag is what the asset moves over those seconds (3 sigma), and each fill pays at least it
            uint256 lag = deployer.pullLagBps(specs[i].annualVolPct);
            assertEq(cfg.oracleLagBps, lag, "a pull market's lag: seconds of movement");
            assertLt(lag, specs[i].deviationBps, "below the push feed's threshold");
            assertEq(cfg.openFeeBps, lag > 6 ? lag : 6, "open fee covers the lag");
            assertEq(cfg.closeFeeBps, cfg.openFeeBps, "close fee too");
            assertEq(
                IOptionsBook(d.optionsBook).config(i).strikeStepWad,
                specs[i].optionStrikeStepUsd * 1e18,
                "options on a pull feed too: they settle on a recorded first update"
            );
        }

        // An LP funds the pool; a trader opens on ETH with the Pyth update posted in the same call.
        FaucetToken token = FaucetToken(d.token);
        address lp = makeAddr("lp");
        address trader = makeAddr("trader");
        vm.startPrank(lp);
        token.faucet(1_000_000 * USD);
        token.approve(d.pool, type(uint256).max);
        LiquidityPool(d.pool).deposit(1_000_000 * USD, lp);
        vm.stopPrank();

        PriceUpdateRouter.PriceUpdate[] memory updates = new PriceUpdateRouter.PriceUpdate[](1);
        updates[0].feed = IUpdatablePriceFeed(d.feeds[0]);
        updates[0].data = new bytes[](1);
        updates[0].data[0] = pyth.createPriceFeedUpdateData(
            specs[0].pythPriceId, 3000e8, 1e8, -8, 3000e8, 1e8, uint64(block.timestamp), 0
        );
        updates[0].fee = 1;
        vm.deal(trader, 1 ether);
        vm.startPrank(trader);
        token.faucet(1000 * USD);
        token.approve(d.engine, type(uint256).max);
        PriceUpdateRouter(payable(d.router)).increasePosition{value: 1}(
            updates, 0, true, 1000 * USD, 5000 * USD, type(uint256).max
        );
        vm.stopPrank();
        assertEq(PerpEngine(d.engine).position(trader, 0, true).sizeUsd, 5000 * USD, "opened on the pulled price");

        // A limit order on the pull market fills only with the update in the keeper's own call, through the router;
        // the book pays the execution fee to the keeper the router names.
        vm.startPrank(trader);
        token.faucet(1001 * USD); // the collateral the fill pulls, and the escrowed fee
        token.approve(d.orderBook, type(uint256).max);
        uint256 id = IOrderBook(d.orderBook)
            .createOrder(
                0, true, IOrderBook.Kind.LimitOpen, 2990e18, 100, 5000 * USD, 1000 * USD, block.timestamp + 1 days, 1e6
            );
        vm.stopPrank();
        skip(30); // the last pulled price is now older than a pull market accepts
        address keeper = vm.addr(deployer.ANVIL_KEY_1()); // the local keeper (KEEPER_ADDRESS unset)
        assertTrue(
            OrderBook(d.orderBook).hasRole(OrderBook(d.orderBook).KEEPER_ROLE(), keeper), "the keeper fills orders"
        );
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        vm.prank(keeper);
        (uint256 filledDirect,) = IOrderBook(d.orderBook).executeOrders(ids);
        assertEq(filledDirect, 0, "no fresh price: nothing fills");
        updates[0].data[0] = pyth.createPriceFeedUpdateData(
            specs[0].pythPriceId, 2980e8, 1e8, -8, 2980e8, 1e8, uint64(block.timestamp), 0
        );
        vm.deal(keeper, 1 ether);
        vm.prank(keeper);
        (uint256 filled, uint256 feesUsd) =
            PriceUpdateRouter(payable(d.router)).executeOrders{value: 1}(updates, IOrderBook(d.orderBook), ids);
        assertEq(filled, 1, "filled on the update posted in the same call");
        assertEq(feesUsd, 1e6);
        assertEq(IOrderBook(d.orderBook).owedUsd(keeper), 1e6, "the keeper, not the router, is credited");
        assertEq(IOrderBook(d.orderBook).owedUsd(d.router), 0);
        assertEq(token.balanceOf(d.router), 0);
        // an increase realizes first and reopens the position at the price: 5,000 at 3,000 is 4,966.67 at 2,980
        assertApproxEqAbs(
            PerpEngine(d.engine).position(trader, 0, true).sizeUsd,
            5000 * USD * 2980 / 3000 + 5000 * USD,
            1,
            "size added"
        );
    }

    /// With ADMIN_ADDRESS (and RISK_ADDRESS, GUARDIAN_ADDRESS) set, every role ends with the configured holders and
    /// the deployer keeps none: a leaked deploy key controls nothing.
    function _handsRolesToConfiguredHolders() internal {
        vm.chainId(4244);
        address admin = makeAddr("multisig");
        address risk = makeAddr("risk");
        address guardian = makeAddr("guardian");
        vm.setEnv("ADMIN_ADDRESS", vm.toString(admin));
        vm.setEnv("RISK_ADDRESS", vm.toString(risk));
        vm.setEnv("GUARDIAN_ADDRESS", vm.toString(guardian));
        vm.setEnv("DEV_DEFAULTS", "true"); // a test chain: anvil's keys and a faucet token
        Deploy deployer = new Deploy();
        Deploy.Deployed memory d = deployer.run();
        vm.setEnv("DEV_DEFAULTS", "false");
        for (uint256 i; i < 3; ++i) {
            vm.setEnv(["ADMIN_ADDRESS", "RISK_ADDRESS", "GUARDIAN_ADDRESS"][i], vm.toString(address(0)));
        }
        vm.removeFile(string.concat(vm.projectRoot(), "/deployments/4244.json"));

        address deployerAddress = vm.addr(0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80);
        assertEq(d.admin, admin);
        address[5] memory all = [d.core, d.pool, d.engine, d.optionsBook, d.orderBook];
        for (uint256 i; i < all.length; ++i) {
            AccessControl ac = AccessControl(all[i]);
            assertTrue(ac.hasRole(ac.DEFAULT_ADMIN_ROLE(), admin), "admin holds it");
            assertFalse(ac.hasRole(ac.DEFAULT_ADMIN_ROLE(), deployerAddress), "deployer renounced it");
        }
        ClearingCore core = ClearingCore(d.core);
        assertTrue(core.hasRole(core.GUARDIAN_ROLE(), guardian));
        assertFalse(core.hasRole(core.GUARDIAN_ROLE(), deployerAddress));
        address[4] memory risky = [d.core, d.pool, d.engine, d.optionsBook];
        for (uint256 i; i < risky.length; ++i) {
            assertTrue(AccessControl(risky[i]).hasRole(RISK_ROLE, risk), "risk role held");
            assertFalse(AccessControl(risky[i]).hasRole(RISK_ROLE, deployerAddress), "deployer has no risk role");
        }
        // the guardian can pause; the deployer no longer can
        vm.prank(deployerAddress);
        vm.expectPartialRevert(IAccessControl.AccessControlUnauthorizedAccount.selector);
        core.pause();
        vm.prank(guardian);
        core.pause();
        assertTrue(core.paused());
    }
}

/// An 18-decimal token (DAI-like): not a settlement token here.
contract Token18 is ERC20 {
    constructor() ERC20("Dai", "DAI") {}
}
