import { getAddress } from 'viem';
import { address, handle } from '@/lib/api/http';
import { getPositions } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/accounts/:address/positions: open positions valued now (PnL, fees, equity, liquidation price). */
export const GET = (_req: Request, ctx: { params: Promise<{ address: string }> }) =>
  handle(async () => {
    const a = address.parse((await ctx.params).address);
    return { account: a, positions: await getPositions(getAddress(a)) };
  }, { maxAgeSec: 1 });
