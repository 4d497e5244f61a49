'use client';

import { useQuery } from '@tanstack/react-query';
import { getAbiItem, type Address } from 'viem';
import { useAccount, usePublicClient } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { api } from '@/lib/api/client';
import { blockHashAt, logsInRanges } from '@/lib/logRange';
import { readAfterUpdate } from '@/lib/pyth/router';
import { optionsBookAbi } from '@/lib/contracts';
import { optionGreeks, lnMoneynessWad, midVolWad, termVarianceWad, topStrikeWad } from '@/lib/math/options';
import { averageCost } from '@/lib/options/cost';
import { readQuoteContext, STALENESS, toPricingConfig } from '@/lib/options/context';

const traded = getAbiItem({ abi: optionsBookAbi, name: 'OptionTraded' });

export interface BoardRow {
  id: bigint;
  expiry: bigint;
  strikes: bigint[];
  settled: boolean;
  settlementPriceWad: bigint;
  /** the cap of this board's calls, fixed at listing */
  callCapBps: bigint;
  /** the board's highest strike (its calls' least premium is that strike's) */
  topStrikeWad: bigint;
}

export interface Holding {
  boardId: bigint;
  expiry: bigint;
  strikeIndex: bigint;
  strikeWad: bigint;
  isCall: boolean;
  amountWad: bigint;
  /** what the amount held cost at the average premium paid (each sale takes its share of the cost at that average),
   *  from the account's OptionTraded events */
  costUsd: bigint;
  /** what sales realized: their premiums less the cost they took */
  realizedUsd: bigint;
  settled: boolean;
  settlementPriceWad: bigint;
  callCapBps: bigint;
  topStrikeWad: bigint;
}

/**
 * Everything the options page reads, at one block, every few seconds: the market's config, its live boards, the
 * pricing context (oracle price, sampled variance, skew, the book's greeks: lib/options/context.ts) and the connected
 * account's options with their net cost. Quotes are computed locally by the TS mirror of OptionsBook.quote.
 */
export function useOptionsData(marketId: number) {
  const c = useContracts();
  const client = usePublicClient();
  const { address } = useAccount();
  return useQuery({
    queryKey: ['options', c.chainId, marketId, address ?? null],
    enabled: !!client,
    refetchInterval: 2000,
    queryFn: async () => {
      const pc = client!;
      const m = BigInt(marketId);
      const blockNumber = await pc.getBlockNumber();
      // A pull-oracle (Pyth) market is priced and checked at its latest update, as the buy will post it.
      const updates = c.markets[marketId]?.pull ? await api.pythUpdates([marketId]) : [];
      const [rawCfg, ids, staleness, ctx, paused] = await Promise.all([
        pc.readContract({ ...c.optionsBook, functionName: 'config', args: [m], blockNumber }),
        pc.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [m], blockNumber }),
        (updates.length > 0
          ? readAfterUpdate(pc, c, updates, c.optionsBook, 'staleness', [m])
          : pc.readContract({ ...c.optionsBook, functionName: 'staleness', args: [m], blockNumber })
        ).catch(() => null),
        readQuoteContext(pc, m, blockNumber, c.chainId, updates),
        pc.readContract({ ...c.core, functionName: 'paused', blockNumber }),
      ]);
      const boardOf = async (id: bigint): Promise<BoardRow> => {
        const b = await pc.readContract({ ...c.optionsBook, functionName: 'board', args: [id], blockNumber });
        return {
          id,
          expiry: BigInt(b.expiry),
          strikes: Array.from({ length: b.strikeCount }, (_, i) => b.firstStrikeWad + BigInt(i) * b.strikeStepWad),
          settled: b.settled,
          settlementPriceWad: b.settlementPriceWad,
          callCapBps: BigInt(b.callCapBps),
          topStrikeWad: topStrikeWad(b),
        };
      };
      const [boards, holdings] = await Promise.all([Promise.all(ids.map(boardOf)), address ? readHoldings(pc, c, address, m, blockNumber, boardOf) : []]);
      return {
        marketId,
        blockNumber,
        enabled: rawCfg.strikeStepWad > 0n,
        rawCfg,
        cfg: toPricingConfig(rawCfg),
        ctx,
        // nearest expiry first (the book's live list has no set order)
        boards: boards.filter((b) => b.expiry - BigInt(rawCfg.tradingCutoffSec) > ctx.nowSec).sort((x, y) => (x.expiry < y.expiry ? -1 : x.expiry > y.expiry ? 1 : 0)),
        staleness: staleness === null ? null : STALENESS[staleness],
        /** the guardian's pause: buys wait (new risk), sales and claims go on */
        paused,
        holdings,
      };
    },
  });
}

/** The account's options on this market: every option it ever traded (from its OptionTraded events), with what it
 *  still holds and the net premium it paid. */
async function readHoldings(
  pc: NonNullable<ReturnType<typeof usePublicClient>>,
  c: ReturnType<typeof useContracts>,
  account: Address,
  marketId: bigint,
  blockNumber: bigint,
  boardOf: (id: bigint) => Promise<BoardRow>,
): Promise<Holding[]> {
  const read = (fromBlock: bigint, toBlock: bigint) => pc.getLogs({ address: c.optionsBook.address, event: traded, args: { account, marketId }, fromBlock, toBlock });
  const logs = await logsInRanges(`options:${c.optionsBook.address}:${account}:${marketId}`, c.startBlock, blockNumber, read, blockHashAt(pc));
  const books = new Map<string, { amountWad: bigint; costUsd: bigint; realizedUsd: bigint }>();
  const keys = new Map<string, { boardId: bigint; strikeIndex: bigint; isCall: boolean; strikeWad: bigint }>();
  for (const l of logs) {
    const a = l.args;
    const key = `${a.boardId}-${a.strikeIndex}-${a.isCall}`;
    keys.set(key, { boardId: a.boardId!, strikeIndex: a.strikeIndex!, isCall: a.isCall!, strikeWad: a.strikeWad! });
    books.set(key, averageCost(books.get(key), a.isBuy!, a.amountWad!, a.premiumUsd!));
  }
  // every option's holding and board at once (one round trip each way, not one per option in turn: review BK found the
  // page's data 3-6 s behind the 2 s price ticks)
  const boardsById = new Map<bigint, Promise<BoardRow>>();
  const held = await Promise.all(
    [...keys].map(async ([key, k]) => {
      const amountWad = await pc.readContract({ ...c.optionsBook, functionName: 'holding', args: [account, k.boardId, k.strikeIndex, k.isCall], blockNumber });
      if (amountWad === 0n) return undefined;
      if (!boardsById.has(k.boardId)) boardsById.set(k.boardId, boardOf(k.boardId));
      const b = await boardsById.get(k.boardId)!;
      const { costUsd, realizedUsd } = books.get(key)!;
      return { ...k, amountWad, costUsd, realizedUsd, expiry: b.expiry, settled: b.settled, settlementPriceWad: b.settlementPriceWad, callCapBps: b.callCapBps, topStrikeWad: b.topStrikeWad };
    }),
  );
  const out = held.filter((h): h is Holding => h !== undefined);
  return out.sort((a, b) => Number(a.expiry - b.expiry) || Number(a.strikeWad - b.strikeWad));
}

export type OptionsData = NonNullable<ReturnType<typeof useOptionsData>['data']>;

/** The market's pricing config with a board's call cap (fixed at listing). */
export const boardCfg = (d: OptionsData, callCapBps: bigint) => ({ ...d.cfg, callCapBps });

/** Mid implied volatility and greeks of one strike per token, as the book marks it (OptionsLogic valuation). */
export function markOf(d: OptionsData, expiry: bigint, strikeWad: bigint, isCall: boolean, callCapBps: bigint) {
  const tau = expiry > d.ctx.nowSec ? expiry - d.ctx.nowSec : 0n;
  const termVar = termVarianceWad(d.ctx.varianceWad, d.ctx.longVarianceWad, tau, d.cfg.meanReversionWad);
  const iv = midVolWad(termVar, lnMoneynessWad(d.ctx.samplePriceWad, strikeWad), tau, d.cfg);
  return { iv, greeks: optionGreeks(isCall, d.ctx.spotWad, strikeWad, lnMoneynessWad(d.ctx.spotWad, strikeWad), iv, tau, boardCfg(d, callCapBps)) };
}
