import { handle } from '@/lib/api/http';
import { getSummary } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/summary: live pool and markets, plus the last 24 hours of indexed activity. */
export const GET = () => handle(() => getSummary());
