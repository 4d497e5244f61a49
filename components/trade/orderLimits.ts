import { describeRevert, explainError } from '@/lib/errors';
import { fmtLev, fmtUsd } from '@/lib/format';
import { bpsDown } from '@/lib/math/fixed';
import type { previewOpen } from '@/lib/math/preview';

type Preview = ReturnType<typeof previewOpen>;

export interface OrderLimitInputs {
  preview: Preview | undefined;
  /** the pool as the engine reads it, undefined while it cannot be valued (then `poolError` says why) */
  pool: { reservedUsd: bigint; poolCashUsd: bigint; maxUtilizationBps: number | bigint } | undefined;
  poolError: unknown;
  perpLedger: { reservedUsd: bigint; reserveCapBps: number | bigint } | undefined;
  engineAddress: `0x${string}`;
  marketId: number;
  isLong: boolean;
  /** the side's open-interest cap */
  oiCapUsd: bigint | undefined;
  minCollateralUsd: bigint | undefined;
  addsSize: boolean;
  /** the guardian's pause holds a market order that adds size (a trigger order may still be placed) */
  paused?: boolean;
}

/**
 * Why the engine would refuse this open, in its order, or undefined: the guardian's pause; the pool cannot be valued; the core's pool-wide
 * reserve limit and the product's reserve cap (its settle); the side's open interest (PerpEngine._checkOpenInterest);
 * the position's profit cap, minimum collateral and maximum leverage (after fees and the open loss).
 */
export function orderLimitError(x: OrderLimitInputs): string | undefined {
  const { preview, pool } = x;
  if (x.paused && x.addsSize) return describeRevert('Paused', []);
  if (pool === undefined && x.poolError) return `The pool cannot be valued right now: ${explainError(x.poolError)}`;
  const maxReservable = pool ? bpsDown(pool.poolCashUsd, BigInt(pool.maxUtilizationBps)) : undefined;
  if (preview && maxReservable !== undefined && preview.reservedAfterUsd > maxReservable) {
    return `The pool can back only ${fmtUsd(maxReservable - (pool?.reservedUsd ?? 0n), 0)} more of max payouts right now`;
  }
  if (x.addsSize && preview && pool && x.perpLedger) {
    const productReservedAfterUsd = x.perpLedger.reservedUsd + preview.reservedAfterUsd - pool.reservedUsd;
    const productCapUsd = bpsDown(pool.poolCashUsd, BigInt(x.perpLedger.reserveCapBps));
    if (productReservedAfterUsd > productCapUsd) return describeRevert('ProductReserveCapExceeded', [x.engineAddress, productReservedAfterUsd, productCapUsd]);
  }
  if (preview && x.addsSize && x.oiCapUsd !== undefined && preview.openInterestAfterUsd > x.oiCapUsd) {
    return describeRevert('OpenInterestCapExceeded', [BigInt(x.marketId), x.isLong, preview.openInterestAfterUsd, x.oiCapUsd]);
  }
  if (!preview) return undefined;
  if (preview.atProfitCap) return 'This position is past its profit cap: adding would leave it nothing to earn. Close it and open a new one';
  if (preview.belowMinCollateral) return `Collateral after fees ${fmtUsd(preview.collateralAfterUsd)} is below the market's minimum ${fmtUsd(x.minCollateralUsd)}`;
  if (preview.exceedsMaxLeverage) {
    return preview.equityUsd <= 0n
      ? 'Fees and the position’s loss would use up all the collateral'
      : `Leverage after fees${preview.equityUsd < preview.collateralAfterUsd ? ' and the open loss' : ''} ${fmtLev(preview.leverageWad)} is above the maximum ${fmtLev(preview.maxLeverageWad)}`;
  }
  return undefined;
}
