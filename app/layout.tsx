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
      {/* The app shell: header, the scrolling page, and the notification tray below it, all in flow. Toasts take room
          of their own instead of floating over the page, so they never cover a button at any width. */}
      <body className="flex h-dvh flex-col overflow-hidden">
        <Providers>
          <Nav />
          <NetworkGuard />
          <main id="page" className="min-h-0 flex-1 overflow-y-auto">
            <div className="mx-auto max-w-7xl px-3 py-4 sm:px-6">{children}</div>
          </main>
        </Providers>
      </body>
    </html>
  );
}
