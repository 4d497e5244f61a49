'use client';

import { HistoryCard } from '@/components/common/HistoryCard';
import { TableHead } from '@/components/common/Stat';
import { useQuery } from '@tanstack/react-query';
import { api, type TradeRow } from '@/lib/api/client';
import type { OrderKind } from '@/lib/orders';
import { useAccount } from 'wagmi';
import { fmtPrice, fmtSignedUsd, fmtUsd, fmtWhoPays } from '@/lib/format';
import { useContracts } from '@/components/common/useContracts';

const LABEL: Record<string, string> = { PositionIncreased: 'Open / increase', PositionDecreased: 'Decrease / close', PositionLiquidated: 'Liquidated' };
const ORDER_LABEL: Record<OrderKind, string> = { LimitOpen: 'Limit order', StopOpen: 'Stop order', TakeProfit: 'Take-profit', StopLoss: 'Stop-loss' };

type Result = Record<string, string | undefined>;

/** What a history row did, in words: a trade with no size change is a collateral change and says so; a fill of a
 *  trigger order names the order ("Stop-loss #12: Close"). */
export function historyAction(name: string, x: Result, order?: TradeRow['order']): string {
  const sizeDelta = BigInt(x.sizeDeltaUsd ?? '0');
  const collateralDelta = BigInt(x.collateralDeltaUsd ?? '0');
  let action = LABEL[name] ?? name;
  if (name === 'PositionIncreased' && sizeDelta === 0n) action = `Add collateral ${fmtUsd(collateralDelta)}`;
  else if (name === 'PositionDecreased' && sizeDelta === 0n) action = `Remove collateral ${fmtUsd(collateralDelta)}`;
  else if (name === 'PositionDecreased' && x.sizeUsd === '0') action = 'Close';
  return order ? `${ORDER_LABEL[order.kind]} #${order.id}: ${action}` : action;
}

/** A fill's impact in words: an open's or increase's rebate is credited to the position and paid on its close. */
export function historyImpact(name: string, impactUsd?: string): string {
  if (impactUsd === undefined) return '—';
  const usd = BigInt(impactUsd);
  if (name === 'PositionIncreased' && usd < 0n) return `rebate ${fmtUsd(-usd)}, paid on close`;
  return fmtWhoPays(usd);
}

/** A row's PnL: what a close or an increase realized (an increase realizes the position's PnL first); for a
 *  liquidation, what the trader came out with net of every fee (the refund less the collateral seized) and its PnL at
 *  the price, and the bad debt it left, if any. The indexed fields are decimal strings, so "0" is read as zero (review
 *  BG: a liquidation without shortfall read "bad debt $0.00", and its PnL was not shown). */
export function historyPnl(name: string, x: Result): string {
  const n = (v?: string) => BigInt(v ?? '0');
  if (name === 'PositionLiquidated') {
    const badDebt = n(x.badDebtUsd);
    const net = n(x.traderRefundUsd) - n(x.collateralUsd);
    return `${fmtSignedUsd(net)} net (PnL ${fmtSignedUsd(n(x.pnlUsd))})${badDebt > 0n ? `, bad debt ${fmtUsd(badDebt)}` : ''}`;
  }
  const pnl = n(x.realizedPnlUsd);
  return pnl === 0n && name === 'PositionIncreased' ? '—' : fmtSignedUsd(pnl);
}

/** An account's trades, collateral changes and liquidations: the connected wallet's, or `account`'s (analytics). */
export function TradeHistory({ account }: { account?: string } = {}) {
  const connected = useAccount().address;
  const address = account ?? connected;
  const names = useContracts().markets.map((m) => m.name);
  const q = useQuery({
    queryKey: ['trades', address],
    enabled: !!address,
    queryFn: () => api.trades(address!, 50),
    refetchInterval: 4000,
  });
  return (
    <HistoryCard id="history-title" title="Trade and liquidation history" address={address} q={q} empty="No trades yet.">
      {(rows) => (
        <table className="num w-full min-w-[820px] text-left text-xs">
          <TableHead columns={['Time', 'Market', 'Side', 'Action', 'Size Δ', 'Price (execution)', 'Impact', 'Fee', 'Realized PnL']} />
          <tbody>
            {rows.map((r) => {
              const x = r.args.result;
              return (
                <tr key={`${r.block_number}-${r.log_index}`} className="border-t border-zinc-800" data-testid="history-row">
                  <td className="py-1 pr-3">{new Date(Number(r.timestamp) * 1000).toLocaleString()}</td>
                  <td className="pr-3">{names[r.market_id] ?? r.market_id}</td>
                  <td className="pr-3">{r.is_long ? 'Long' : 'Short'}</td>
                  <td className="pr-3" data-testid="history-action">{historyAction(r.name, x, r.order)}</td>
                  <td className="pr-3">{fmtUsd(BigInt(x.sizeDeltaUsd ?? x.sizeUsd ?? '0'))}</td>
                  <td className="pr-3">{fmtPrice(BigInt(x.executionPriceWad && x.executionPriceWad !== '0' ? x.executionPriceWad : x.priceWad))}</td>
                  <td className="pr-3" data-testid="history-impact">{historyImpact(r.name, x.impactUsd)}</td>
                  <td className="pr-3">{x.feeUsd ? fmtUsd(BigInt(x.feeUsd)) : x.keeperRewardUsd ? fmtUsd(BigInt(x.keeperRewardUsd)) : '—'}</td>
                  <td className="pr-3" data-testid="history-pnl">{historyPnl(r.name, x)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </HistoryCard>
  );
}
