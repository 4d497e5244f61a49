import 'server-only';
import { contracts, publicClient } from './chain';
import { staleMarketIds } from '../format';

/** Live pool summary straight from the Reader (units: USD amounts 6 decimals, rates/fractions WAD, as strings). */
export async function getLivePoolSummary() {
  const [block, v] = await Promise.all([
    publicClient.getBlock(),
    publicClient.readContract({ ...contracts.reader, functionName: 'poolView' }),
  ]);
  return {
    blockNumber: block.number.toString(),
    timestamp: Number(block.timestamp),
    // While a market with open interest is stale the NAV is undefined and LP actions wait for its price.
    navValid: v.navValid,
    staleMarkets: staleMarketIds(v.staleMarkets),
    navUsd: v.navValid ? v.navUsd.toString() : null,
    totalShares: v.totalShares.toString(),
    sharePriceWad: v.navValid ? v.sharePriceWad.toString() : null,
    poolCashUsd: v.poolCashUsd.toString(),
    totalCollateralUsd: v.totalCollateralUsd.toString(),
    reservedUsd: v.reservedUsd.toString(),
    freeLiquidityUsd: v.freeLiquidityUsd.toString(),
    utilizationWad: v.utilizationWad.toString(),
    borrowRateWad: v.borrowRateWad.toString(),
    badDebtUsd: v.badDebtUsd.toString(),
    // gains still vesting (a liquidation's, a large fill's impact): withdrawals are paid without them (P-96, P-98)
    unvestedGainUsd: v.unvestedGainUsd.toString(),
    gainVestSec: Number(v.gainVestSec),
    queuedShares: v.queuedShares.toString(),
    cooldownSec: Number(v.cooldownSec),
    maxUtilizationBps: Number(v.maxUtilizationBps),
  };
}
