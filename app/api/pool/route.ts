import { handle } from '@/lib/api/http';
import { getLivePoolSummary } from '@/lib/server/pool';

export const dynamic = 'force-dynamic';

/** GET /api/pool: live pool state read from the chain (USD in 6-decimal units, rates in WAD, all as strings). A revert
 *  is named (a stale price answers 503 "stale price"); an unreachable chain answers 503 "upstream unavailable". */
export async function GET() {
  return handle(() => getLivePoolSummary());
}
