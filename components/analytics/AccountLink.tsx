import Link from 'next/link';

/** An account, shortened, linking to its analytics page (positions and history). */
export function AccountLink({ account }: { account: string }) {
  return (
    <Link href={`/analytics/accounts/${account}`} className="text-teal-300 hover:underline" title={account}>
      {account.slice(0, 6)}…{account.slice(-4)}
    </Link>
  );
}
