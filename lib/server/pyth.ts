import 'server-only';
import { DEFAULTS } from '../config';
import { hermesClient } from '../pyth/hermes';
import { PullPrices, type PullUpdate } from '../pyth/pull';
import { contracts, publicClient } from './chain';

/** Hermes as the keeper reaches it (HERMES_URL, PYTH_API_KEY: the key never leaves the server). */
const hermes = hermesClient(process.env.HERMES_URL ?? DEFAULTS.hermesUrl, { apiKey: process.env.PYTH_API_KEY });
let lastProblem = '';
const prices = new PullPrices(publicClient, contracts, { warn: (msg, extra) => (lastProblem = `${msg}: ${String(extra?.error ?? '')}`) }, hermes, 500);

/** The latest signed update of each pull-oracle market among `marketIds`, with Pyth's fee (push markets are left out):
 *  what the app posts through the PriceUpdateRouter with a trade, an option or an LP action on them. */
export async function getPullUpdates(marketIds: number[]): Promise<{ updates: { feed: string; data: string[]; fee: string }[] }> {
  const updates: PullUpdate[] | null = await prices.updates(marketIds);
  if (updates === null) throw new Error(lastProblem || 'no Pyth update available'); // answered 503 with the reason
  return { updates: updates.map((u) => ({ feed: u.feed, data: u.data, fee: u.fee.toString() })) };
}
