import { NextResponse } from 'next/server';
import { getLivePoolSummary } from '@/lib/server/pool';

export const dynamic = 'force-dynamic';

/** GET /api/pool: live pool state read from the chain (USD in 6-decimal units, rates in WAD, all as strings). */
export async function GET() {
  try {
    return NextResponse.json(await getLivePoolSummary(), { headers: { 'cache-control': 'public, max-age=2' } });
  } catch (e) {
    return NextResponse.json({ error: 'chain unreachable', detail: (e as Error).message.split('\n')[0] }, { status: 503 });
  }
}
