import { handle, queryObject } from '@/lib/api/http';
import { optionsQuery } from '@/lib/api/schemas';
import { chainNowSec, requireListedMarket } from '@/lib/server/metrics';
import { getOptionsSummary } from '@/lib/server/options';

export const dynamic = 'force-dynamic';

/** GET /api/options?market: option boards with open interest, premiums in and out and settlement; premium income. */
export const GET = (req: Request) =>
  handle(
    async () => {
      const { market } = optionsQuery.parse(queryObject(req.url));
      requireListedMarket(market);
      // to the minute: the summary's cache is keyed on it, and the chain's clock moves every block
      const since = Math.floor(((await chainNowSec()) - 86_400) / 60) * 60;
      return { last24hFromSec: since, ...(await getOptionsSummary(market, since)) };
    },
    { maxAgeSec: 2 },
  );
