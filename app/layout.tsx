import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';
import { Providers } from './providers';
import { Nav } from '@/components/layout/Nav';
import { NetworkGuard } from '@/components/layout/NetworkGuard';

export const metadata: Metadata = {
  title: 'Counterpool',
  description: 'Peer-to-pool clearing for crypto perpetuals',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <Nav />
          <NetworkGuard />
          <main className="mx-auto max-w-7xl px-3 py-4 sm:px-6">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
