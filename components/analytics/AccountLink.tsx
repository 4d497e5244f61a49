import Link from 'next/link';

/** An account, shortened, linking to its analytics page (positions and history). */
export function AccountLink({ account }: { account: string }) {
  return (
    <Link href={`/analytics/accounts/${account}`} className="text-teal-300 hover:underline" title={account}>
      {account.slice(0, 6)}…{account.slice(-4)}
    </Link>
  );
}

/** A position table's two leading cells: its account (linked) and "market side". */
export function AccountPositionCells({ account, market, isLong }: { account: string; market: string | number; isLong: boolean }) {
  return (
    <>
      <td className="py-1 pr-3">
        <AccountLink account={account} />
      </td>
      <td className="pr-3">
        {market} {isLong ? 'long' : 'short'}
      </td>
    </>
  );
}
