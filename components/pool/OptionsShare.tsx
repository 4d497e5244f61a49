'use client';

import { Stat } from '@/components/common/Stat';
import { fmtPct, fmtUsd } from '@/lib/format';
import { useOptionsClaim } from './useOptionsClaim';

/** The options product's part of the pool: what its open options are worth to holders (the NAV's options term, from
 *  the cached greeks) against the NAV, and its reserved maximum payouts against all reserves. */
export function OptionsShare({ navUsd, reservedUsd }: { navUsd?: bigint; reservedUsd?: bigint }) {
  const { claimUsd: claim, stale, ledger } = useOptionsClaim();
  const liability = claim !== undefined ? -claim : undefined;
  const share = (part?: bigint, whole?: bigint) => (part !== undefined && whole ? fmtPct((part * 10n ** 18n) / whole, 1) : '—');
  return (
    <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4" data-testid="pool-options">
      <Stat label="Options owed to holders" testId="pool-options-liability" value={stale ? 'cache refreshing' : liability !== undefined ? fmtUsd(liability) : undefined} hint="mark value of open options plus settled payouts not yet claimed (the NAV's options term)" />
      <Stat label="Options share of NAV" value={stale ? '—' : share(liability, navUsd)} />
      <Stat label="Options reserve" value={ledger ? fmtUsd(ledger.reservedUsd, 0) : undefined} hint="maximum payout of every open option (a call up to its cap, a put its strike)" />
      <Stat label="Options share of reserves" value={ledger ? share(ledger.reservedUsd, reservedUsd) : undefined} />
    </dl>
  );
}
