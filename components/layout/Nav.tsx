'use client';

import { ConnectButton } from '@rainbow-me/rainbowkit';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/trade', label: 'Trade' },
  { href: '/options', label: 'Options' },
  { href: '/pool', label: 'Pool' },
  { href: '/analytics', label: 'Analytics' },
];

export function Nav() {
  const path = usePathname();
  return (
    <header className="border-b border-zinc-800 bg-zinc-950/90">
      <nav aria-label="Main" className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-3 px-3 py-3 sm:px-6">
        <div className="flex items-center gap-6">
          <Link href="/" className="font-semibold tracking-tight text-teal-400">
            Counterpool
          </Link>
          <ul className="flex gap-4 text-sm">
            {LINKS.map((l) => (
              <li key={l.href}>
                <Link
                  href={l.href}
                  aria-current={path?.startsWith(l.href) ? 'page' : undefined}
                  className={path?.startsWith(l.href) ? 'text-zinc-50' : 'text-zinc-400 hover:text-zinc-100'}
                >
                  {l.label}
                </Link>
              </li>
            ))}
          </ul>
        </div>
        <ConnectButton chainStatus="icon" showBalance={false} />
      </nav>
    </header>
  );
}
