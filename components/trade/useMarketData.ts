'use client';

import { useAccount, useReadContract, useReadContracts } from 'wagmi';
import { useContracts } from '@/components/common/useContracts';
import { useReaderView } from '@/components/common/useReaderView';

const ZERO = '0x0000000000000000000000000000000000000000' as const;

/** Everything the trade page reads on-chain, refreshed every few seconds (and after every transaction). */
export function useMarketData(marketId: number) {
  const c = useContracts();
  const { address } = useAccount();
  const user = address ?? ZERO;
  // at the prices the next transaction posts (pull-oracle markets: useReaderView)
  const markets = useReaderView('markets', [], { refetchInterval: 2000 });
  const pool = useReaderView('poolView', [], { refetchInterval: 3000 });
  const poolConfig = useReadContract({ ...c.core, functionName: 'poolConfig' });
  // the perpetuals' own reserve and its cap (bps of pool cash): new risk past it reverts ProductReserveCapExceeded
  // the guardian's pause (ClearingCore.paused): new risk reverts Paused; closes and collateral top-ups still work
  const paused = useReadContract({ ...c.core, functionName: 'paused', query: { refetchInterval: 5000 } });
  const perpLedger = useReadContract({ ...c.core, functionName: 'productLedger', args: [c.engine.address], query: { refetchInterval: 3000 } });
  const wallet = useReadContracts({
    contracts: [
      { ...c.token, functionName: 'balanceOf', args: [user] },
      { ...c.token, functionName: 'allowance', args: [user, c.engine.address] },
      { ...c.token, functionName: 'allowance', args: [user, c.orderBook.address] },
    ],
    allowFailure: false,
    query: { enabled: !!address },
  });
  const positions = useReaderView('accountPositions', [user], { enabled: !!address, refetchInterval: 2000 });
  const market = markets.data?.[marketId];
  return {
    markets: markets.data,
    market,
    marketsError: markets.error,
    pool: pool.data,
    kinkWad: poolConfig.data?.kinkWad,
    perpLedger: perpLedger.data,
    /** true while the guardian has paused new risk (opens, increases, collateral withdrawals, option buys) */
    paused: paused.data === true,
    balance: wallet.data?.[0],
    allowance: wallet.data?.[1],
    /** what the order book may take for execution fees */
    orderBookAllowance: wallet.data?.[2],
    positions: positions.data,
    /** set when the account's positions cannot be valued (e.g. a market's oracle is stale): never "no positions" */
    positionsError: positions.error,
    poolError: pool.error,
  };
}
