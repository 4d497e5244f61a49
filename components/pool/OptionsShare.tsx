'use client';

import { Stat } from '@/components/common/Stat';
import { fmtPct, fmtUsd } from '@/lib/format';
import { useOptionsClaim } from './useOptionsClaim';

/** The options product's part of the pool: what its open options are worth to holders (the NAV's options term, from
 *  the cached greeks) against the NAV, its reserved maximum payouts against all reserves, and the settled payouts
 *  still unclaimed (held apart from the pool's cash since their settlement). */
export function OptionsShare({ navUsd, reservedUsd }: { navUsd?: bigint; reservedUsd?: bigint }) {
  const { claimUsd: claim, stale, ledger } = useOptionsClaim();
  const liability = claim !== undefined ? -claim : undefined;
  const share = (part?: bigint, whole?: bigint) => (part !== undefined && whole ? fmtPct((part * 10n ** 18n) / whole, 1) : '—');
  return (
    <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4" data-testid="pool-options">
      <Stat label="Open options' value to holders" testId="pool-options-liability" value={stale ? 'cache refreshing' : liability !== undefined ? fmtUsd(liability) : undefined} hint="mark value of the open options (the NAV's options term)" />
      <Stat label="Options share of NAV" value={stale ? '—' : share(liability, navUsd)} />
      <Stat label="Options reserve" value={ledger ? fmtUsd(ledger.reservedUsd, 0) : undefined} hint="maximum payout of every open option (a call up to its cap, a put its strike)" />
      <Stat label="Options share of reserves" value={ledger ? share(ledger.reservedUsd, reservedUsd) : undefined} />
      <Stat label="Settled payouts unclaimed" testId="pool-options-unclaimed" value={ledger ? fmtUsd(ledger.collateralUsd) : undefined} hint="left the pool's cash when their boards settled: the holders' money, paid by their claims" />
    </dl>
  );
}
