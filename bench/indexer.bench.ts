/**
 * Indexer backfill rate: 100,000 real-shaped engine events (PositionIncreased, ABI-encoded) over 20,000 blocks, served
 * by an in-process chain stub so the figure is the indexer's own decode + insert pipeline, into embedded PGlite.
 * Prints one JSON line.
 */
import { encodeAbiParameters, encodeEventTopics, keccak256, numberToHex, type Hex, type PublicClient } from 'viem';
import { contractsFor, perpEngineAbi } from '../lib/contracts';
import { openDb } from '../services/indexer/db';
import { Indexer } from '../services/indexer/ingest';
import { createLogger } from '../services/lib/runtime';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const BLOCKS = 20_000n;
const c = contractsFor(31337);
const event = perpEngineAbi.find((x) => x.type === 'event' && x.name === 'PositionIncreased')!;
const hash = (n: bigint) => keccak256(numberToHex(n, { size: 32 }));

const perBlock = Math.ceil(EVENTS / Number(BLOCKS));
function logsFor(from: bigint, to: bigint) {
  const out = [];
  for (let b = from; b <= to; b++) {
    for (let i = 0; i < perBlock; i++) {
      const n = Number(b) * perBlock + i;
      if (n >= EVENTS) break;
      const topics = encodeEventTopics({ abi: [event], eventName: 'PositionIncreased', args: { account: `0x${(n % 5000 + 1).toString(16).padStart(40, '0')}`, marketId: BigInt(n % 2), isLong: n % 3 === 0 } });
      const data = encodeAbiParameters(event.inputs.slice(3) as never, [
        { sizeDeltaUsd: 1000n * 10n ** 6n, collateralDeltaUsd: 100n * 10n ** 6n, priceWad: 3000n * 10n ** 18n, executionPriceWad: 3001n * 10n ** 18n, impactUsd: 50n, feeUsd: 600000n, borrowFeeUsd: 0n, fundingFeeUsd: 0n, realizedPnlUsd: 0n, sizeUsd: 1000n * 10n ** 6n, collateralUsd: 99n * 10n ** 6n },
      ] as never);
      out.push({ address: c.engine.address, topics, data, blockNumber: b, logIndex: i, transactionHash: hash(BigInt(n) + 10n ** 9n), transactionIndex: i, blockHash: hash(b), removed: false });
    }
  }
  return out;
}

const stub = {
  getBlockNumber: async () => BLOCKS,
  getBlock: async ({ blockNumber }: { blockNumber: bigint }) => ({ number: blockNumber, hash: hash(blockNumber), parentHash: hash(blockNumber - 1n), timestamp: 1_700_000_000n + blockNumber }),
  getLogs: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => logsFor(fromBlock, toBlock),
  getCode: async () => '0x' as Hex,
} as unknown as PublicClient;

const db = await openDb({ url: process.env.BENCH_DATABASE_URL, dataDir: 'memory://', port: 5599 });
const log = createLogger('bench');
const ix = new Indexer(db, stub, { ...c, startBlock: 1n }, { ...log, info: () => true }, { range: 500n, snapshotEvery: 1000n, snapshotWindow: 0n });
const t0 = performance.now();
while (!(await ix.step()));
const sec = (performance.now() - t0) / 1000;
const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM events');
console.log(JSON.stringify({ bench: 'indexer', events: Number(n), seconds: Number(sec.toFixed(2)), eventsPerSec: Math.round(Number(n) / sec) }));
await db.close();
process.exit(0);
