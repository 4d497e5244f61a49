/**
 * Pyth's Hermes price service (the keeper's and the app's server routes' source for pull-oracle markets):
 *   - `atOrAfter`: the first signed update of a price feed published at or after a time
 *     (GET /v2/updates/price/{publish_time}), to settle a board. PythPriceFeed.recordSettlementPrice checks on chain
 *     that it is the first (its previous publish time is before the expiry), so a service that answered with a later
 *     update would be refused, not believed;
 *   - `latest`: the newest update (GET /v2/updates/price/latest), posted in the same call as a listing or a refresh.
 * Both return the hex update data the on-chain Pyth contract verifies.
 */
import type { Hex } from 'viem';

export interface Hermes {
  /** null while no update at or after `publishTime` exists yet */
  atOrAfter(publishTime: bigint, priceId: Hex): Promise<Hex[] | null>;
  latest(priceId: Hex): Promise<Hex[]>;
}

/** A Hermes failure. `reason` is what may be shown to anyone (no URL, which can carry a key; no upstream body). */
export class HermesError extends Error {
  constructor(
    message: string,
    public readonly reason: string,
  ) {
    super(message);
  }
}

/** A client for the Hermes at `baseUrl`, sending `apiKey` (if any) as `Authorization: Bearer` as Pyth's endpoints
 *  require. Throws HermesError on any failure but "not published yet" (Hermes answers 404 there): the keeper logs it
 *  and retries on its next pass. */
export function hermesClient(baseUrl: string, opts: { apiKey?: string; timeoutMs?: number; fetchImpl?: typeof fetch } = {}): Hermes {
  const { apiKey, timeoutMs = 10_000, fetchImpl = fetch } = opts;
  const base = baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const get = async (path: string, priceId: Hex): Promise<Hex[] | null> => {
    const url = `${base}/v2/updates/price/${path}?ids[]=${priceId}&encoding=hex&parsed=false`;
    const res = await fetchImpl(url, { headers, signal: AbortSignal.timeout(timeoutMs) }).catch((e: unknown) => {
      throw new HermesError(`Hermes unreachable at ${base}: ${e instanceof Error ? e.message : String(e)}`, 'Hermes unreachable');
    });
    if (res.status === 404) return null;
    if (!res.ok) throw new HermesError(`Hermes answered ${res.status} for ${url}`, `Hermes answered ${res.status}`);
    const body = (await res.json().catch(() => null)) as { binary?: { encoding?: string; data?: unknown } } | null;
    const data = body?.binary?.data;
    if (body?.binary?.encoding !== 'hex' || !Array.isArray(data) || data.length === 0 || !data.every((d) => typeof d === 'string' && /^(0x)?[0-9a-fA-F]+$/.test(d))) {
      throw new HermesError(`Hermes answered without hex update data for ${url}`, 'Hermes answered without update data');
    }
    return (data as string[]).map((d) => (d.startsWith('0x') ? d : `0x${d}`) as Hex);
  };
  return {
    atOrAfter: (publishTime, priceId) => get(String(publishTime), priceId),
    latest: async (priceId) => {
      const data = await get('latest', priceId);
      if (data === null) throw new HermesError(`Hermes has no update for ${priceId}`, 'no Pyth update available');
      return data;
    },
  };
}
