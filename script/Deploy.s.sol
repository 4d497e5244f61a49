// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

import {LiquidityPool} from "../contracts/core/LiquidityPool.sol";
import {PerpEngine} from "../contracts/core/PerpEngine.sol";
import {IPerpEngine} from "../contracts/interfaces/IPerpEngine.sol";
import {ChainlinkPriceFeed} from "../contracts/oracles/ChainlinkPriceFeed.sol";
import {DevPriceFeed} from "../contracts/oracles/DevPriceFeed.sol";
import {IAggregatorV3} from "../contracts/oracles/IAggregatorV3.sol";
import {IPriceFeed} from "../contracts/oracles/IPriceFeed.sol";
import {FaucetToken} from "../contracts/periphery/FaucetToken.sol";
import {Reader} from "../contracts/periphery/Reader.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Script, console2} from "forge-std/Script.sol";

/// @notice Deploys Counterpool and writes deployments/<chainId>.json.
/// @dev Env: PRIVATE_KEY (deployer; anvil's first key by default). Optional: SETTLEMENT_TOKEN (else a faucet token),
///      ETH_USD_FEED / BTC_USD_FEED Chainlink aggregators (else dev feeds the simulator pushes), SEQUENCER_UPTIME_FEED
///      (L2s), LP_COOLDOWN_SEC.
contract Deploy is Script {
    uint256 internal constant ANVIL_KEY_0 = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;
    uint256 internal constant YEAR = 365 days;

    struct Deployed {
        address token;
        address engine;
        address pool;
        address reader;
        address ethFeed;
        address btcFeed;
        bool devFeeds;
        uint256 startBlock;
    }

    function run() external returns (Deployed memory d) {
        uint256 key = vm.envOr("PRIVATE_KEY", ANVIL_KEY_0);
        address deployer = vm.addr(key);
        // A local chain is indexed from genesis (a handful of blocks), so the tracked deployments/31337.json is the
        // same whether the stack (1-second blocks) or a test chain (automine) deployed it.
        d.startBlock = block.chainid == 31_337 ? 0 : block.number;
        vm.startBroadcast(key);

        d.token = vm.envOr("SETTLEMENT_TOKEN", address(0));
        if (d.token == address(0)) d.token = address(new FaucetToken("USD Coin (Counterpool faucet)", "USDC"));

        address ethAggregator = vm.envOr("ETH_USD_FEED", address(0));
        address btcAggregator = vm.envOr("BTC_USD_FEED", address(0));
        address sequencer = vm.envOr("SEQUENCER_UPTIME_FEED", address(0));
        if (ethAggregator == address(0) || btcAggregator == address(0)) {
            d.devFeeds = true;
            d.ethFeed = address(new DevPriceFeed(deployer, 3000e18, 1 days));
            d.btcFeed = address(new DevPriceFeed(deployer, 60_000e18, 1 days));
        } else {
            d.ethFeed = address(
                new ChainlinkPriceFeed(
                    IAggregatorV3(ethAggregator), IAggregatorV3(sequencer), 1 hours, 1 hours, 1e8, 1e14
                )
            );
            d.btcFeed = address(
                new ChainlinkPriceFeed(
                    IAggregatorV3(btcAggregator), IAggregatorV3(sequencer), 1 hours, 1 hours, 1e9, 1e15
                )
            );
        }

        // The engine fixes its vault at deployment: the vault is the deployer's next contract.
        address vaultAddress = vm.computeCreateAddress(deployer, vm.getNonce(deployer) + 1);
        PerpEngine engine = new PerpEngine(IERC20(d.token), deployer, poolConfig(), vaultAddress);
        d.engine = address(engine);
        LiquidityPool pool = new LiquidityPool(engine, deployer, vm.envOr("LP_COOLDOWN_SEC", uint256(60)), 1e6);
        d.pool = address(pool);
        pool.grantRole(pool.RISK_ROLE(), deployer);
        engine.grantRole(engine.RISK_ROLE(), deployer);
        engine.grantRole(engine.GUARDIAN_ROLE(), deployer);
        engine.addMarket("ETH-USD", marketConfig(IPriceFeed(d.ethFeed), 0.6e18));
        engine.addMarket("BTC-USD", marketConfig(IPriceFeed(d.btcFeed), 0.5e18));
        d.reader = address(new Reader(engine, pool));
        vm.stopBroadcast();

        write(d);
    }

    /// @notice Borrow curve: 0% at zero utilization, 10% a year at the 80% kink, 110% a year at 100%.
    function poolConfig() public pure returns (IPerpEngine.PoolConfig memory) {
        return IPerpEngine.PoolConfig({
            baseRateWad: 0,
            slope1Wad: uint64(uint256(0.1e18) / YEAR),
            slope2Wad: uint64(uint256(1e18) / YEAR),
            kinkWad: 0.8e18,
            maxUtilizationBps: 9000,
            keeperShareBps: 5000
        });
    }

    /// @param annualVolWad starting volatility estimate (annualized) before the EWMA has seen returns.
    function marketConfig(IPriceFeed feed, uint256 annualVolWad) public pure returns (IPerpEngine.MarketConfig memory) {
        uint64 maxFundingRate = uint64(uint256(1e18) / YEAR); // 100% a year
        return IPerpEngine.MarketConfig({
            feed: feed,
            maxPriceAgeSec: 300,
            openFeeBps: 6,
            closeFeeBps: 6,
            liquidationFeeBps: 20,
            positiveImpactBps: 5000,
            maxProfitBps: 10_000,
            maxLeverage: 50,
            horizonSec: 3600,
            volTauSec: 3600,
            zWad: 2.33e18,
            mmrFloorWad: 0.005e18,
            sizeTermWad: 0.01e18,
            imrMultiplierWad: 1.5e18,
            utilTermWad: 0.05e18,
            maxLongOiUsd: 50_000_000e6,
            maxShortOiUsd: 50_000_000e6,
            impactScaleUsd: 1_000_000_000e6,
            skewScaleUsd: 100_000_000e6,
            sizeScaleUsd: 10_000_000e6,
            minCollateralUsd: 10e6,
            maxFundingVelocityWad: maxFundingRate / 1 days,
            maxFundingRateWad: maxFundingRate,
            initialVarianceWad: uint64(annualVolWad * annualVolWad / 1e18 / YEAR)
        });
    }

    function write(Deployed memory d) internal {
        string memory o = "deployment";
        vm.serializeUint(o, "chainId", block.chainid);
        vm.serializeUint(o, "startBlock", d.startBlock);
        vm.serializeBool(o, "devFeeds", d.devFeeds);
        vm.serializeAddress(o, "FaucetToken", d.token);
        vm.serializeAddress(o, "PerpEngine", d.engine);
        vm.serializeAddress(o, "LiquidityPool", d.pool);
        vm.serializeAddress(o, "Reader", d.reader);
        vm.serializeAddress(o, "PriceUpdateRouter", PerpEngine(d.engine).router());
        vm.serializeAddress(o, "EthUsdFeed", d.ethFeed);
        string memory json = vm.serializeAddress(o, "BtcUsdFeed", d.btcFeed);
        string memory path = string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), ".json");
        vm.writeJson(json, path);
        console2.log("deployment written to", path);
    }
}
