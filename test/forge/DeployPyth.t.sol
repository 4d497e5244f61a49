// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {LiquidityPool} from "../../contracts/core/LiquidityPool.sol";
import {IOptionsBook} from "../../contracts/interfaces/IOptionsBook.sol";
import {IPerpEngine} from "../../contracts/interfaces/IPerpEngine.sol";
import {IUpdatablePriceFeed} from "../../contracts/oracles/IUpdatablePriceFeed.sol";
import {PythPriceFeed} from "../../contracts/oracles/PythPriceFeed.sol";
import {FaucetToken} from "../../contracts/periphery/FaucetToken.sol";
import {PriceUpdateRouter} from "../../contracts/periphery/PriceUpdateRouter.sol";
import {Reader} from "../../contracts/periphery/Reader.sol";
import {PerpEngine} from "../../contracts/perps/PerpEngine.sol";
import {Deploy} from "../../script/Deploy.s.sol";
import {MockPyth} from "@pythnetwork/pyth-sdk-solidity/MockPyth.sol";
import {Test} from "forge-std/Test.sol";

/// @notice The deploy script lists Pyth markets (issue 16 item 1): with PYTH_CONTRACT set, every market with a
///         pythPriceId in script/markets.json reads Pyth with a pull-oracle's max age, lists no options (a pull feed
///         cannot prove past rounds), and trades through the PriceUpdateRouter with the update in the same call.
contract DeployPythTest is Test {
    uint256 internal constant USD = 1e6;

    function test_deploy_pythMarketsWhenPythContractIsSet() public {
        vm.warp(1_700_000_000);
        vm.chainId(4243); // its own deployments file, removed below
        MockPyth pyth = new MockPyth(60, 1);
        vm.setEnv("PYTH_CONTRACT", vm.toString(address(pyth)));
        Deploy deployer = new Deploy();
        Deploy.Deployed memory d = deployer.run();
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
            assertEq(IOptionsBook(d.optionsBook).config(i).strikeStepWad, 0, "no options on a pull feed");
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
    }
}
