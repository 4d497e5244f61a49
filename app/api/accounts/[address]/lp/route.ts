import { getAddress } from 'viem';
import { address, handle } from '@/lib/api/http';
import { getLpAccount } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/accounts/:address/lp: deposited and withdrawn assets (USD 6 decimals) and pending withdrawal requests. */
export const GET = (_req: Request, ctx: { params: Promise<{ address: string }> }) =>
  handle(async () => getLpAccount(getAddress(address.parse((await ctx.params).address))), { maxAgeSec: 1 });
