import 'server-only';
import { DEFAULTS } from '../config';
import { HermesError, hermesClient } from '../pyth/hermes';
import { PullPrices, type PullUpdate } from '../pyth/pull';
import { contracts, publicClient } from './chain';

/** Hermes as the keeper reaches it (HERMES_URL, PYTH_API_KEY: the key never leaves the server; give the keeper a key of
 *  its own, so load on this route can never throttle liquidations). */
const hermes = hermesClient(process.env.HERMES_URL ?? DEFAULTS.hermesUrl, { apiKey: process.env.PYTH_API_KEY });
const prices = new PullPrices(publicClient, contracts, { warn: () => {} }, hermes, 500);

/** What a caller may see of a failure: no URL (a provider URL can carry a key), no upstream body. */
function publicReason(e: unknown): string {
  return e instanceof HermesError ? e.reason : 'no Pyth update available';
}

/** The latest signed update of each pull-oracle market among `marketIds`, with Pyth's fee (push markets are left out):
 *  what the app posts through the PriceUpdateRouter with a trade, an option or an LP action on them. */
export async function getPullUpdates(marketIds: number[]): Promise<{ updates: { feed: string; data: string[]; fee: string }[] }> {
  let updates: PullUpdate[];
  try {
    updates = await prices.updatesOrThrow(marketIds);
  } catch (e) {
    throw new Error(publicReason(e)); // answered 503 with the reason
  }
  return { updates: updates.map((u) => ({ feed: u.feed, data: u.data, fee: u.fee.toString() })) };
}
