import { handle } from '@/lib/api/http';
import { getHealth } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/health: chain head, indexer cursor and lag, data age, keeper status. */
export const GET = () => handle(() => getHealth(), { maxAgeSec: 1 });
