'use client';

import { useState } from 'react';
import { maxUint256 } from 'viem';
import { useAccount, useReadContracts } from 'wagmi';
import dynamic from 'next/dynamic';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { useSlippage } from '@/components/trade/useSlippage';
import { SlippageField } from '@/components/trade/SlippageField';
import { useTx } from '@/components/tx/useTx';
import { describeRevert } from '@/lib/errors';
import { fmtPrice, fmtUsd } from '@/lib/format';
import { buyLimitError } from '@/lib/options/limits';
import { OptionAmountField } from './OptionAmountField';
import { OptionPreview } from './OptionPreview';
import type { Selection } from './OptionsChain';
import type { OptionsData } from './useOptionsData';
import { useBuyLimits } from './useBuyLimits';
import { useOptionQuote } from './useOptionQuote';

export { checkOptionAmount } from './OptionAmountField';

const PayoffChart = dynamic(() => import('./PayoffChart').then((m) => m.PayoffChart), { ssr: false, loading: () => <div className="skeleton h-48" /> });

const ZERO = '0x0000000000000000000000000000000000000000' as const;

/** Buy from or sell back to the pool: amount field, the preview (the TS mirror of OptionsBook.quote, equal to the
 *  chain's to the wei at the same block), submit with the slippage bound. */
export function OptionTradeForm({ d, s, held, onDone }: { d: OptionsData; s: Selection; held?: bigint; onDone: () => void }) {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { address } = useAccount();
  const { send, pending, error, blocked } = useTx();
  const [slippageBps] = useSlippage();
  const [slippageValid, setSlippageValid] = useState(true);
  const [text, setText] = useState('1');
  const wallet = useReadContracts({
    contracts: [
      { ...c.token, functionName: 'balanceOf', args: [address ?? ZERO] },
      { ...c.token, functionName: 'allowance', args: [address ?? ZERO, c.optionsBook.address] },
    ],
    allowFailure: false,
    query: { enabled: !!address, refetchInterval: 4000 },
  });
  const limits = useBuyLimits(d.marketId, s);
  const { amountWad, amountError, q, quoteError, lagUsd, limitUsd } = useOptionQuote(d, s, text, held, slippageBps);
  const balance = wallet.data?.[0];
  const allowance = wallet.data?.[1] ?? 0n;
  // A buy transfers only the premium: the wallet must cover it, and the slippage bound sent is at most the balance
  // (a 0.3% tolerance on spot can put an out-of-the-money option's bound at several times its premium).
  const short = s.isBuy && q && balance !== undefined && balance < q.premiumUsd ? `Your ${sym} balance ${fmtUsd(balance)} is below the premium ${fmtUsd(q.premiumUsd)}` : undefined;
  const boundUsd = s.isBuy && balance !== undefined && balance < limitUsd ? balance : limitUsd;
  // the guardian's pause holds buys (new risk); sales back to the pool go on
  const pausedError = s.isBuy && d.paused ? describeRevert('Paused', []) : undefined;
  // a cap the buy would pass, said here rather than at the wallet's simulation
  const capError = q && amountWad && limits ? buyLimitError(limits, s.boardId, s.strikeIndex, amountWad, q.reserveUsd, q.premiumUsd) : undefined;
  const needsApproval = s.isBuy && q !== undefined && allowance < boundUsd;
  const label = `${s.isBuy ? 'Buy' : 'Sell'} ${text} ${fmtPrice(s.strikeWad, 0)} ${s.isCall ? 'call' : 'put'}`;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!q || !amountWad || short || capError || pausedError || !slippageValid) return;
    if (needsApproval) {
      await send({ ...c.token, functionName: 'approve', args: [c.optionsBook.address, maxUint256], label: `Approve ${sym} for options` });
      return;
    }
    const ok = s.isBuy
      ? await send({ ...c.optionsBook, functionName: 'buy', args: [s.boardId, s.strikeIndex, s.isCall, amountWad, boundUsd], label, prices: [d.marketId] })
      : await send({ ...c.optionsBook, functionName: 'sell', args: [s.boardId, s.strikeIndex, s.isCall, amountWad, limitUsd], label, prices: [d.marketId] });
    if (ok) onDone();
  }

  return (
    <form className="grid gap-3" onSubmit={submit} data-testid="option-form">
      <p className="text-sm text-zinc-300">
        {s.isBuy ? 'Buy' : 'Sell back'} the {fmtPrice(s.strikeWad, 0)} {s.isCall ? 'call' : 'put'} expiring {new Date(Number(s.expiry) * 1000).toUTCString().slice(0, 22)} UTC
      </p>
      <OptionAmountField value={text} onChange={setText} error={amountError ?? quoteError ?? pausedError ?? capError ?? short} held={s.isBuy ? undefined : (held ?? 0n)} />
      <SlippageField onValidChange={setSlippageValid} hint="of the price: the bound is the premium if the price moves this far before the trade lands" />
      {q && <OptionPreview s={s} q={q} lagUsd={lagUsd} lagBps={d.ctx.lagBps} limitUsd={boundUsd} minPremiumBps={Number(d.cfg.minPremiumBps)} />}
      {/* the profit of exactly this order: its amount, at its premium */}
      {q && s.isBuy && amountWad && (
        <PayoffChart
          isCall={s.isCall}
          strikeWad={s.strikeWad}
          amountWad={amountWad}
          premiumUsd={q.premiumUsd}
          spotWad={d.ctx.spotWad}
          callCapBps={s.callCapBps}
          sigmaSqrtT={Math.sqrt((Number(d.ctx.varianceWad) / 1e18) * Math.max(0, Number(s.expiry - d.ctx.nowSec)))}
        />
      )}
      <button type="submit" className="btn" data-testid="option-submit" disabled={!!blocked || !q || !!short || !!capError || !!pausedError || !slippageValid || pending}>
        {blocked ?? (pending ? 'Confirm in wallet…' : needsApproval ? `Approve ${sym}` : label)}
      </button>
      {error && (
        <p role="alert" className="text-xs text-rose-400">
          {error}
        </p>
      )}
    </form>
  );
}
