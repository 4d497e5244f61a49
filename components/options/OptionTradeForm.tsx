'use client';

import { useState } from 'react';
import { formatUnits, maxUint256, parseUnits } from 'viem';
import { useAccount, useReadContracts } from 'wagmi';
import { FieldError } from '@/components/common/Stat';
import { useContracts } from '@/components/common/useContracts';
import { useTokenSymbol } from '@/components/common/useTokenSymbol';
import { useSlippage } from '@/components/trade/useSlippage';
import { SlippageField } from '@/components/trade/SlippageField';
import { useTx } from '@/components/tx/useTx';
import { fmtDelta, fmtPct, fmtPrice, fmtUsd } from '@/lib/format';
import { capStrikeWad, maxPayoutWad, OPTION_LOT_WAD, OptionsBookStaleError, quoteOption, type OptionQuote } from '@/lib/math/options';
import type { Selection } from './OptionsChain';
import dynamic from 'next/dynamic';
import type { OptionsData } from './useOptionsData';
import { useBuyLimits } from './useBuyLimits';
import { buyLimitError } from '@/lib/options/limits';
import { bpsDown } from '@/lib/math/fixed';

const PayoffChart = dynamic(() => import('./PayoffChart').then((m) => m.PayoffChart), { ssr: false, loading: () => <div className="skeleton h-48" /> });

const ZERO = '0x0000000000000000000000000000000000000000' as const;

const LOT_DECIMALS = 18 - (OPTION_LOT_WAD.toString().length - 1); // 9

/** Checks a typed option amount (index tokens, whole lots of 1e-9: OptionsLogic.OI_LOT_WAD). */
export function checkOptionAmount(text: string, heldWad?: bigint): { amountWad?: bigint; error?: string } {
  const s = text.trim();
  if (s === '') return {};
  if (!/^\d*\.?\d+$/.test(s)) return { error: 'Enter an amount of the index token, like 1.5' };
  const [, frac = ''] = s.split('.');
  if (frac.replace(/0+$/, '').length > LOT_DECIMALS) return { error: `At most ${LOT_DECIMALS} decimals: options trade in lots of ${formatUnits(OPTION_LOT_WAD, 18)}` };
  const amountWad = parseUnits(s, 18);
  if (amountWad === 0n) return { error: 'Enter more than zero' };
  if (heldWad !== undefined && amountWad > heldWad) return { error: `You hold ${fmtPrice(heldWad, 4)}: you can sell at most that` };
  return { amountWad };
}

function AmountInput({ value, onChange, error, held }: { value: string; onChange: (v: string) => void; error?: string; held?: bigint }) {
  return (
    <div>
      <div className="flex items-baseline justify-between">
        <label htmlFor="option-amount" className="label">
          Amount (tokens)
        </label>
        {held !== undefined && (
          <button type="button" className="text-xs text-teal-400 hover:underline" onClick={() => onChange(formatUnits(held, 18))}>
            Max {fmtPrice(held, 4)}
          </button>
        )}
      </div>
      <input id="option-amount" data-testid="option-amount" className="input num" inputMode="decimal" autoComplete="off" placeholder="1.0" value={value} aria-invalid={!!error} aria-describedby="option-amount-error" onChange={(e) => onChange(e.target.value)} />
      <FieldError id="option-amount-error" message={error} />
    </div>
  );
}

function Preview({ s, q, lagUsd, lagBps, limitUsd, minPremiumBps }: { s: Selection; q: OptionQuote; lagUsd?: bigint; lagBps: bigint; limitUsd: bigint; minPremiumBps: number }) {
  const perToken = q.perTokenWad;
  const breakeven = s.isCall ? s.strikeWad + perToken : s.strikeWad > perToken ? s.strikeWad - perToken : 0n;
  const rows: [string, string, string?][] = [
    [s.isBuy ? 'Premium you pay' : 'Premium you receive', fmtUsd(q.premiumUsd), 'option-premium'],
    ['Impact (in the premium)', fmtUsd(q.impactUsd)],
    // what pricing at the spot moved by the oracle's lag costs against the same option at the spot (OptionPricing.laggedSpotWad)
    ...(lagUsd !== undefined && lagUsd > 0n ? [[`Oracle-lag allowance (spot ${s.isBuy === s.isCall ? '+' : '−'}${(Number(lagBps) / 100).toFixed(2)}%)`, fmtUsd(lagUsd), 'option-lag'] as [string, string, string]] : []),
    [s.isBuy ? 'Most you pay (slippage)' : 'Least you receive (slippage)', fmtUsd(limitUsd)],
    ['Implied volatility (mid / trade)', `${fmtPct(q.midIvWad, 1)} / ${fmtPct(q.ivWad, 1)}`],
    // the cap leg is the pool's short call: priced at the other side's volatility
    ...(s.isCall ? [['Cap leg volatility', fmtPct(q.capIvWad, 1)] as [string, string]] : []),
    ['Delta per token', fmtDelta(q.greeks.deltaWad)],
  ];
  if (s.isBuy && q.askFloor === 'maximum') {
    // the model price is above what a token can pay: the buyer pays that ceiling, and cannot gain at expiry
    rows.push(['Priced at its ceiling', 'the most it can pay: it cannot gain at expiry', 'option-ask-floor']);
  } else if (s.isBuy && q.askFloor !== 'model') {
    // the model price is below a floor: say which, so a flat premium across far strikes is not a surprise
    rows.push([
      'Priced at its floor',
      q.askFloor === 'intrinsic'
        ? 'intrinsic value'
        : // the larger of minPremiumBps and the pool's borrow rate at its kink over the option's life (P-106)
          s.isCall
          ? `minimum: ${fmtPct((perToken * 10n ** 18n) / maxPayoutWad(true, s.topStrikeWad, BigInt(s.callCapBps)))} of the most the board's highest-strike call can pay (at least ${(minPremiumBps / 100).toFixed(2)}%, and the pool's borrow rate at its kink for the option's life), so no call here costs less than a higher strike's`
          : `minimum: ${fmtPct((perToken * 10n ** 18n) / maxPayoutWad(false, s.strikeWad, BigInt(s.callCapBps)))} of the most it can pay (at least ${(minPremiumBps / 100).toFixed(2)}%, and the pool's borrow rate at its kink for the option's life)`,
      'option-ask-floor',
    ]);
  }
  if (s.isBuy) {
    rows.push(['Breakeven at expiry', fmtPrice(breakeven)]);
    rows.push(['Most it can pay', s.isCall ? `${fmtUsd(q.reserveUsd)} (capped at ${fmtPrice(capStrikeWad(s.strikeWad, s.callCapBps), 0)})` : fmtUsd(q.reserveUsd)]);
  }
  return (
    <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-xs" data-testid="option-preview">
      {rows.map(([k, v, id]) => (
        <div key={k} className="contents">
          <dt className="text-zinc-400">{k}</dt>
          <dd className="num text-right text-zinc-200" data-testid={id}>
            {v}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** Buy from or sell back to the pool: amount field, the preview (the TS mirror of OptionsBook.quote, equal to the
 *  chain's to the wei at the same block), submit with the slippage bound. */
export function OptionTradeForm({ d, s, held, onDone }: { d: OptionsData; s: Selection; held?: bigint; onDone: () => void }) {
  const c = useContracts();
  const sym = useTokenSymbol();
  const { address } = useAccount();
  const { send, pending, error } = useTx();
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
  const a = checkOptionAmount(text, s.isBuy ? undefined : (held ?? 0n));
  let q: OptionQuote | undefined;
  let quoteError: string | undefined;
  if (a.amountWad) {
    try {
      q = quoteOption(s, s.strikeWad, s.isCall, s.isBuy, a.amountWad, { ...d.cfg, callCapBps: s.callCapBps }, d.ctx);
    } catch (e) {
      quoteError =
        e instanceof OptionsBookStaleError
          ? `Trades wait for the keeper (${e.message}): usually a block or two`
          : e instanceof RangeError && e.message === 'board expired'
            ? 'Trading on this board has closed'
            : `This trade cannot be priced (${e instanceof Error ? e.message : String(e)}): try a smaller amount`;
    }
  }
  // The same trade priced at the spot itself: the difference is the oracle-lag allowance in the premium.
  let lagUsd: bigint | undefined;
  if (q && a.amountWad && d.ctx.lagBps > 0n) {
    try {
      const atSpot = quoteOption(s, s.strikeWad, s.isCall, s.isBuy, a.amountWad, { ...d.cfg, callCapBps: s.callCapBps }, { ...d.ctx, lagBps: 0n });
      lagUsd = s.isBuy ? q.premiumUsd - atSpot.premiumUsd : atSpot.premiumUsd - q.premiumUsd;
    } catch {
      lagUsd = undefined;
    }
  }
  // The tolerance is on the underlying's price, as on /trade: the bound is the premium at the spot moved that far
  // either way (the TS mirror again), plus the tolerance on the premium itself for the impact and the clock. A bound
  // of 0.3% on the premium alone was a 0.005% move of the spot for an out-of-the-money option, and most buys failed
  // on the next oracle tick (review BK: 7 of 10).
  let limitUsd = 0n;
  if (q && a.amountWad) {
    let worst = q.premiumUsd;
    for (const spotWad of [d.ctx.spotWad + bpsDown(d.ctx.spotWad, slippageBps), d.ctx.spotWad - bpsDown(d.ctx.spotWad, slippageBps)]) {
      try {
        const moved = quoteOption(s, s.strikeWad, s.isCall, s.isBuy, a.amountWad, { ...d.cfg, callCapBps: s.callCapBps }, { ...d.ctx, spotWad }).premiumUsd;
        worst = s.isBuy ? (moved > worst ? moved : worst) : moved < worst ? moved : worst;
      } catch {
        // past the cache's range the trade waits for the keeper anyway: the premium's own tolerance stands
      }
    }
    const own = bpsDown(q.premiumUsd, slippageBps);
    limitUsd = s.isBuy ? worst + own : worst > own ? worst - own : 0n;
  }
  const balance = wallet.data?.[0];
  const allowance = wallet.data?.[1] ?? 0n;
  const short = s.isBuy && q && balance !== undefined && balance < limitUsd ? `Your ${sym} balance ${fmtUsd(balance)} is below ${fmtUsd(limitUsd)}` : undefined;
  // a cap the buy would pass, said here rather than at the wallet's simulation
  const capError = q && a.amountWad && limits ? buyLimitError(limits, s.boardId, s.strikeIndex, a.amountWad, q.reserveUsd, q.premiumUsd) : undefined;
  const needsApproval = s.isBuy && q !== undefined && allowance < limitUsd;
  const label = `${s.isBuy ? 'Buy' : 'Sell'} ${text} ${fmtPrice(s.strikeWad, 0)} ${s.isCall ? 'call' : 'put'}`;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!q || !a.amountWad || short || capError || !slippageValid) return;
    if (needsApproval) {
      await send({ ...c.token, functionName: 'approve', args: [c.optionsBook.address, maxUint256], label: `Approve ${sym} for options` });
      return;
    }
    const ok = s.isBuy
      ? await send({ ...c.optionsBook, functionName: 'buy', args: [s.boardId, s.strikeIndex, s.isCall, a.amountWad, limitUsd], label, prices: [d.marketId] })
      : await send({ ...c.optionsBook, functionName: 'sell', args: [s.boardId, s.strikeIndex, s.isCall, a.amountWad, limitUsd], label, prices: [d.marketId] });
    if (ok) onDone();
  }

  return (
    <form className="grid gap-3" onSubmit={submit} data-testid="option-form">
      <p className="text-sm text-zinc-300">
        {s.isBuy ? 'Buy' : 'Sell back'} the {fmtPrice(s.strikeWad, 0)} {s.isCall ? 'call' : 'put'} expiring {new Date(Number(s.expiry) * 1000).toUTCString().slice(0, 22)} UTC
      </p>
      <AmountInput value={text} onChange={setText} error={a.error ?? quoteError ?? capError ?? short} held={s.isBuy ? undefined : (held ?? 0n)} />
      <SlippageField onValidChange={setSlippageValid} hint="of the price: the bound is the premium if the price moves this far before the trade lands" />
      {q && <Preview s={s} q={q} lagUsd={lagUsd} lagBps={d.ctx.lagBps} limitUsd={limitUsd} minPremiumBps={Number(d.cfg.minPremiumBps)} />}
      {/* the profit of exactly this order: its amount, at its premium */}
      {q && s.isBuy && a.amountWad && (
        <PayoffChart
          isCall={s.isCall}
          strikeWad={s.strikeWad}
          amountWad={a.amountWad}
          premiumUsd={q.premiumUsd}
          spotWad={d.ctx.spotWad}
          callCapBps={s.callCapBps}
          sigmaSqrtT={Math.sqrt((Number(d.ctx.varianceWad) / 1e18) * Math.max(0, Number(s.expiry - d.ctx.nowSec)))}
        />
      )}
      <button type="submit" className="btn" data-testid="option-submit" disabled={!address || !q || !!short || !!capError || !slippageValid || pending}>
        {!address ? 'Connect a wallet' : pending ? 'Confirm in wallet…' : needsApproval ? `Approve ${sym}` : label}
      </button>
      {error && (
        <p role="alert" className="text-xs text-rose-400">
          {error}
        </p>
      )}
    </form>
  );
}
