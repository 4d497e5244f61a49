import { handle } from '@/lib/api/http';
import { getHealth } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/health: chain head, indexer cursor and lag, data age, keeper status, stale markets; 200 when every part is
 *  within its threshold, 503 with `status: "degraded"` and the problems in words otherwise. */
export const GET = () => handle(() => getHealth(), { maxAgeSec: 1, status: (h) => (h.status === 'ok' ? 200 : 503) });
