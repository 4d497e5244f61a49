'use client';

import { describeRevert } from '@/lib/errors';
import { fmtLev, fmtUsd } from '@/lib/format';
import { previewCollateralChange, previewRemoveCollateral } from '@/lib/math/preview';
import { checkAmount } from '@/lib/validation';
import { closeError, closePreviewOf } from './ClosePreview';
import type { EditMode } from './PositionEditor';
import { previewConfig } from './previewConfig';
import type { useMarketData } from './useMarketData';

type Data = ReturnType<typeof useMarketData>;
type Row = NonNullable<Data['positions']>[number];
type Market = NonNullable<Data['markets']>[number];

/** What Max leaves on a collateral removal for the price and fees to move before it lands, in bps of the size. */
const REMOVE_MAX_ROOM_BPS = 20n;

/**
 * The position editor's amount checked as the engine will check it: a removal against the max leverage
 * (previewRemoveCollateral), a partial close against what stays open (closeError); what the position becomes
 * (previewCollateralChange, the close preview); the Max the field offers; whether the engine needs an approval first.
 */
export function usePositionEdit(p: Row, m: Market, data: Data, mode: EditMode, amount: string) {
  const fees = p.status.borrowFeeUsd + p.status.fundingFeeUsd;
  // a removal is checked against the collateral here and against the max leverage (the engine's rule) below
  const check = checkAmount(amount, {
    max: mode === 'remove' ? p.position.collateralUsd : mode === 'add' ? data.balance : p.position.sizeUsd,
    maxLabel: mode === 'add' ? 'your wallet balance' : mode === 'remove' ? 'the collateral' : 'the position size',
  });
  const removal =
    mode === 'remove' && data.pool && data.kinkWad !== undefined
      ? previewRemoveCollateral(
          { priceWad: m.priceWad, marginTargetWad: m.marginTargetWad, config: previewConfig(m) },
          { isLong: p.isLong, sizeUsd: p.position.sizeUsd, sizeTokens: p.position.sizeTokens, collateralUsd: p.position.collateralUsd, feesOwedUsd: fees },
          { utilizationWad: data.pool.utilizationWad, kinkWad: data.kinkWad },
          check.value ?? 0n,
        )
      : undefined;
  // what the position becomes, as its row will show it (review: the leverage after a removal appeared only in its error)
  const changed =
    mode !== 'close' && check.value !== undefined && check.value > 0n
      ? previewCollateralChange(
          m.priceWad,
          { isLong: p.isLong, sizeUsd: p.position.sizeUsd, sizeTokens: p.position.sizeTokens, collateralUsd: p.position.collateralUsd, capBucket: BigInt(p.position.capBucket) },
          { equityUsd: p.status.equityUsd, feesOwedUsd: fees, maintenanceMarginWad: p.status.maintenanceMarginWad },
          mode === 'add' ? check.value : -check.value,
        )
      : undefined;
  // adding collateral pulls it from the wallet: the engine must be allowed to take it first
  const needsApproval = mode === 'add' && check.value !== undefined && data.allowance !== undefined && data.allowance < check.value;
  const closing = mode === 'close' && !check.error && check.value !== undefined && check.value > 0n ? closePreviewOf(p, m, check.value) : undefined;
  // Max on a removal leaves room for the price to move 0.2% of the notional before the transaction lands: the exact
  // maximum failed every time (a tick or a second of fees later the leverage was just past it, review BK).
  const removable = removal ? removal.maxRemovableUsd - (p.position.sizeUsd * REMOVE_MAX_ROOM_BPS) / 10_000n : undefined;
  const max = mode === 'add' ? data.balance : mode === 'remove' ? (removable === undefined || removable > 0n ? removable : 0n) : p.position.sizeUsd;
  let error = check.error;
  if (!error && check.value !== undefined && removal && !removal.ok) {
    error = `Leverage would be ${fmtLev(removal.leverageWad)}, above the max ${fmtLev(removal.maxLeverageWad)}: at most ${fmtUsd(removal.maxRemovableUsd)} can be removed now`;
  }
  if (!error && closing) error = closeError(closing);
  // Taking collateral out of an open position adds risk, which the guardian's pause holds (closes and top-ups go on).
  if (!error && mode === 'remove' && data.paused) error = describeRevert('Paused', []);
  return { check, changed, closing, needsApproval, max, error };
}
