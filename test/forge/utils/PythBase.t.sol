// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {IPriceFeed} from "../../../contracts/oracles/IPriceFeed.sol";
import {IUpdatablePriceFeed} from "../../../contracts/oracles/IUpdatablePriceFeed.sol";
import {PythPriceFeed} from "../../../contracts/oracles/PythPriceFeed.sol";
import {PriceUpdateRouter} from "../../../contracts/periphery/PriceUpdateRouter.sol";
import {BaseTest} from "./Base.t.sol";
import {UniqueMockPyth} from "./Mocks.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";
import {MockPyth} from "@pythnetwork/pyth-sdk-solidity/MockPyth.sol";

/// @notice A fourth market on a Pyth pull oracle (MockPyth), with a pull market's max price age, for the router's tests
///         and the pull-oracle attacks.
abstract contract PythBaseTest is BaseTest {
    bytes32 internal constant SOL_ID = keccak256("SOL/USD");
    uint256 internal constant FEE_WEI = 1;

    MockPyth internal pyth;
    PythPriceFeed internal solFeed;
    uint256 internal sol;

    function setUp() public virtual override {
        super.setUp();
        pyth = new MockPyth(60, FEE_WEI);
        // Pyth's uniqueness rule on settlement parses (MockPyth skips it): UniqueMockPyth adds it in front of the mock.
        solFeed =
            new PythPriceFeed(IPyth(address(new UniqueMockPyth(pyth))), SOL_ID, 60, deployer.PULL_MAX_LEAD_SEC(), 100);
        _post(150e8, block.timestamp);
        IPerpEngine.MarketConfig memory cfg =
            deployer.marketConfig(IPriceFeed(address(solFeed)), 0.8e18, deployer.PULL_MAX_PRICE_AGE_SEC());
        vm.prank(admin);
        sol = engine.addMarket("SOL-USD", cfg);
        _deposit(carol, 1_000_000 * USD);
        vm.deal(alice, 1 ether);
        vm.deal(bob, 1 ether);
        vm.deal(keeper, 1 ether);
        skip(120); // the stored Pyth price is now stale (max age 60 s)
        _refreshPrices();
    }

    function _post(int64 price8, uint256 publishTime) internal {
        bytes[] memory data = _data(price8, publishTime);
        solFeed.updatePrice{value: FEE_WEI}(data);
    }

    function _data(int64 price8, uint256 publishTime) internal view returns (bytes[] memory data) {
        data = new bytes[](1);
        data[0] = pyth.createPriceFeedUpdateData(SOL_ID, price8, 1e6, -8, price8, 1e6, uint64(publishTime), 0);
    }

    function _updates(int64 price8) internal view returns (PriceUpdateRouter.PriceUpdate[] memory u) {
        u = new PriceUpdateRouter.PriceUpdate[](1);
        u[0] = PriceUpdateRouter.PriceUpdate(
            IUpdatablePriceFeed(address(solFeed)), _data(price8, block.timestamp), FEE_WEI
        );
    }

    function _updatesAt(int64 price8, uint256 publishTime)
        internal
        view
        returns (PriceUpdateRouter.PriceUpdate[] memory u)
    {
        u = new PriceUpdateRouter.PriceUpdate[](1);
        u[0] = PriceUpdateRouter.PriceUpdate(IUpdatablePriceFeed(address(solFeed)), _data(price8, publishTime), FEE_WEI);
    }
}
