'use client';

import { formatUnits, parseUnits } from 'viem';
import { FieldError } from '@/components/common/Stat';
import { fmtPrice } from '@/lib/format';
import { OPTION_LOT_WAD } from '@/lib/math/options';

const LOT_DECIMALS = 18 - (OPTION_LOT_WAD.toString().length - 1); // 9

/** Checks a typed option amount (index tokens, whole lots of 1e-9: OptionsLogic.OI_LOT_WAD). */
export function checkOptionAmount(text: string, heldWad?: bigint): { amountWad?: bigint; error?: string } {
  const s = text.trim();
  if (s === '') return {};
  if (!/^\d*\.?\d+$/.test(s)) return { error: 'Enter an amount of the index token, like 1.5' };
  const [, frac = ''] = s.split('.');
  if (frac.replace(/0+$/, '').length > LOT_DECIMALS) return { error: `At most ${LOT_DECIMALS} decimals: options trade in lots of ${formatUnits(OPTION_LOT_WAD, 18)}` };
  const amountWad = parseUnits(s, 18);
  if (amountWad === 0n) return { error: 'Enter more than zero' };
  if (heldWad !== undefined && amountWad > heldWad) return { error: `You hold ${fmtPrice(heldWad, 4)}: you can sell at most that` };
  return { amountWad };
}

/** The option form's amount field, with Max (what is held) on a sale. */
export function OptionAmountField({ value, onChange, error, held }: { value: string; onChange: (v: string) => void; error?: string; held?: bigint }) {
  return (
    <div>
      <div className="flex items-baseline justify-between">
        <label htmlFor="option-amount" className="label">
          Amount (tokens)
        </label>
        {held !== undefined && (
          <button type="button" className="text-xs text-teal-400 hover:underline" onClick={() => onChange(formatUnits(held, 18))}>
            Max {fmtPrice(held, 4)}
          </button>
        )}
      </div>
      <input id="option-amount" data-testid="option-amount" className="input num" inputMode="decimal" autoComplete="off" placeholder="1.0" value={value} aria-invalid={!!error} aria-describedby="option-amount-error" onChange={(e) => onChange(e.target.value)} />
      <FieldError id="option-amount-error" message={error} />
    </div>
  );
}

