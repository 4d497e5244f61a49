import { getAddress } from 'viem';
import { address, handle, queryObject } from '@/lib/api/http';
import { accountHistoryQuery } from '@/lib/api/schemas';
import { getTrades } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/accounts/:address/trades?limit: the account's trades and liquidations, newest first. */
export const GET = (req: Request, ctx: { params: Promise<{ address: string }> }) =>
  handle(async () => {
    const a = address.parse((await ctx.params).address);
    const { limit } = accountHistoryQuery.parse(queryObject(req.url));
    return { account: a, trades: await getTrades(getAddress(a), limit) };
  });
