'use client';

import { FieldError } from '@/components/common/Stat';
import { fmtLev } from '@/lib/format';
import { floorTenth, MIN_LEVERAGE } from '@/lib/validation';

/** The trade form's leverage: a slider up to the most that can be typed now (the market's maximum counts the
 *  collateral left after the open fee and the impact) and the exact number beside it. */
export function LeverageField({
  text,
  onChange,
  maxLeverageWad,
  typedMax,
  noneFits = false,
  error,
}: {
  text: string;
  onChange: (text: string) => void;
  /** the market's maximum now (1 / initial margin); undefined while it loads */
  maxLeverageWad?: bigint;
  /** the most that can be typed now (the form's search of its preview, or the fee-only estimate) */
  typedMax?: number;
  /** not even the least leverage opens with this collateral now (the preview says why) */
  noneFits?: boolean;
  /** shown under the field; the form passes it once the trader has typed something */
  error?: string;
}) {
  const max = typedMax ?? 50;
  const sliderMax = Math.max(MIN_LEVERAGE, Math.floor(max * 10 + 1e-9) / 10);
  const typed = Number(text);
  return (
    <>
      <div className="mt-3 flex items-end gap-3">
        <div className="flex-1">
          <label htmlFor="leverage-range" className="label">
            {noneFits ? (
              'Leverage (none fits this collateral now: see the preview)'
            ) : (
              <>
                Leverage (max {typedMax === undefined ? fmtLev(undefined) : `${floorTenth(typedMax)}x`} now
                {typedMax !== undefined && maxLeverageWad !== undefined ? `, ${floorTenth(Number(maxLeverageWad) / 1e18)}x after the fee and impact` : ''})
              </>
            )}
          </label>
          <input
            id="leverage-range"
            type="range"
            min={MIN_LEVERAGE}
            max={sliderMax}
            step={0.1}
            value={Math.min(Number.isFinite(typed) ? typed : MIN_LEVERAGE, sliderMax)}
            onChange={(e) => onChange(e.target.value)}
            className="w-full accent-teal-500"
            aria-valuetext={`${text}x`}
          />
        </div>
        <div className="w-24">
          <label htmlFor="leverage" className="sr-only">
            Leverage
          </label>
          <input
            id="leverage"
            className="input num"
            inputMode="decimal"
            value={text}
            onChange={(e) => onChange(e.target.value)}
            aria-invalid={!!error}
            aria-describedby="leverage-error"
          />
        </div>
      </div>
      <FieldError id="leverage-error" message={error} />
    </>
  );
}
