import { handle } from '@/lib/api/http';
import { getMarkets } from '@/lib/server/metrics';

export const dynamic = 'force-dynamic';

/** GET /api/markets: every market's live state (price, OI, skew, rates, sigma, margins, max leverage, config). */
export const GET = () => handle(() => getMarkets());
