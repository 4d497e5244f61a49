import { getAddress } from 'viem';
import { address, handle, queryObject } from '@/lib/api/http';
import { accountHistoryQuery } from '@/lib/api/schemas';
import { getOptionHistory } from '@/lib/server/options';

export const dynamic = 'force-dynamic';

/** GET /api/accounts/:address/options?limit: the account's option purchases, sales back and claims, newest first. */
export const GET = (req: Request, ctx: { params: Promise<{ address: string }> }) =>
  handle(async () => {
    const a = address.parse((await ctx.params).address);
    const { limit } = accountHistoryQuery.parse(queryObject(req.url));
    return { account: a, history: await getOptionHistory(getAddress(a), limit) };
  });
