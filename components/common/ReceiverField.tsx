'use client';

import { useState } from 'react';
import { isAddress, type Address } from 'viem';

/**
 * Where a claim is paid: empty means the connected wallet; another address is for a wallet the token refuses (a
 * blocklist), so what is owed to it is not stuck. `receiver` is undefined while the text is not an address.
 */
export function useReceiver(wallet: Address | undefined) {
  const [text, setText] = useState('');
  const trimmed = text.trim();
  const error = trimmed !== '' && !isAddress(trimmed) ? 'Enter an address (0x and 40 hex digits)' : undefined;
  const receiver = trimmed === '' ? wallet : error ? undefined : (trimmed as Address);
  return { text, setText, error, receiver, other: trimmed !== '' && !error };
}

export function ReceiverField({ id, r, wallet }: { id: string; r: ReturnType<typeof useReceiver>; wallet: Address | undefined }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="label">
        Pay to (empty: this wallet)
      </label>
      <input id={id} className="input num" placeholder={wallet} value={r.text} onChange={(e) => r.setText(e.target.value)} aria-invalid={!!r.error} aria-describedby={`${id}-error`} />
      {r.error && (
        <p id={`${id}-error`} role="status" className="text-xs text-rose-400">
          {r.error}
        </p>
      )}
    </div>
  );
}
