/**
 * The keeper's transactions (services/keeper/txs.ts). A job with one transaction at a time sends once however many
 * runs start together. A keeper transaction that the base fee outgrew (services/keeper/txs.ts). On a real chain it sits in the mempool and
 * holds its nonce, so every later send waits behind it; giving it up does not help. The keeper sends the same call on
 * the same nonce with higher fees instead. Nodes accept such a replacement only when both fees rise by at least 10%,
 * and the keeper never offers more than its cap (KEEPER_MAX_GWEI).
 *
 * Anvil evicts a transaction once a block's base fee passes its fee cap, where geth keeps it pending, so the tracker's
 * decisions run here against a small model of a geth mempool (`MempoolModel`). The replacement itself is sent to anvil.
 */
import { parseGwei, type Hex, type PublicClient, type TransactionReceipt } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bumpedFees, cappedFees, GapFees, REPLACEMENT_BUMP_PERCENT, replaceWithHigherFees, SerialJob, TxTracker, type Fees } from '@/services/keeper/txs';
import { createLogger } from '@/services/lib/runtime';
import { clients, isolateChain } from './helpers';

const gwei = (x: string) => parseGwei(x);
const cap = gwei('200');

describe('bumpedFees', () => {
  it('raises both fees by the bump when the node estimates a little more', () => {
    const old = { maxFeePerGas: gwei('10'), maxPriorityFeePerGas: gwei('1') };
    const f = bumpedFees(old, { maxFeePerGas: gwei('11'), maxPriorityFeePerGas: gwei('0.5') }, cap)!;
    expect(f.maxFeePerGas).toBe((old.maxFeePerGas * (100n + REPLACEMENT_BUMP_PERCENT)) / 100n);
    expect(f.maxPriorityFeePerGas).toBe((old.maxPriorityFeePerGas * (100n + REPLACEMENT_BUMP_PERCENT)) / 100n);
  });

  it('gives none when its fees already meet the estimate, or with no estimate: it waits for something else, and bumping only overpays', () => {
    const old = { maxFeePerGas: gwei('10'), maxPriorityFeePerGas: gwei('1') };
    expect(bumpedFees(old, { maxFeePerGas: gwei('5'), maxPriorityFeePerGas: gwei('0.5') }, cap)).toBeNull();
    expect(bumpedFees(old, old, cap)).toBeNull();
    expect(bumpedFees(old, null, cap)).toBeNull();
  });

  it('follows the node when its estimate is above the bump', () => {
    const f = bumpedFees({ maxFeePerGas: gwei('2'), maxPriorityFeePerGas: gwei('1') }, { maxFeePerGas: gwei('60'), maxPriorityFeePerGas: gwei('3') }, cap)!;
    expect(f).toEqual({ maxFeePerGas: gwei('60'), maxPriorityFeePerGas: gwei('3') });
  });

  it('never exceeds the cap, and the tip never exceeds the fee', () => {
    const f = bumpedFees({ maxFeePerGas: gwei('170'), maxPriorityFeePerGas: gwei('150') }, { maxFeePerGas: gwei('400'), maxPriorityFeePerGas: gwei('300') }, cap)!;
    expect(f.maxFeePerGas).toBe(cap);
    expect(f.maxPriorityFeePerGas).toBe(cap);
  });

  it('gives none when the cap leaves less than the 10% a node requires', () => {
    const high = { maxFeePerGas: gwei('900'), maxPriorityFeePerGas: gwei('900') };
    expect(bumpedFees({ maxFeePerGas: gwei('190'), maxPriorityFeePerGas: gwei('1') }, high, cap)).toBeNull();
    expect(bumpedFees({ maxFeePerGas: cap, maxPriorityFeePerGas: gwei('1') }, high, cap)).toBeNull();
    // the fee has room but the tip is already at the cap
    expect(bumpedFees({ maxFeePerGas: gwei('100'), maxPriorityFeePerGas: gwei('195') }, high, cap)).toBeNull();
  });

  it('raises a tip of 0 to 1 wei, so a transaction sent with none can still be replaced', () => {
    const f = bumpedFees({ maxFeePerGas: gwei('1'), maxPriorityFeePerGas: 0n }, { maxFeePerGas: gwei('2'), maxPriorityFeePerGas: 0n }, cap)!;
    expect(f.maxPriorityFeePerGas).toBe(1n);
  });

  it('rounds a wei-sized bump up, so a 1-wei fee still rises', () => {
    const f = bumpedFees({ maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }, { maxFeePerGas: 2n, maxPriorityFeePerGas: 1n }, cap)!;
    expect(f.maxFeePerGas).toBeGreaterThan(1n);
    expect(f.maxPriorityFeePerGas).toBeGreaterThan(1n);
  });
});

describe('GapFees', () => {
  it('takes the estimate first, then raises each try for the same nonce by the bump, so a bumped blocker is outbid', () => {
    const g = new GapFees();
    const estimate = { maxFeePerGas: gwei('10'), maxPriorityFeePerGas: gwei('1') };
    expect(g.next(7, estimate, cap)).toEqual(estimate);
    const second = g.next(7, estimate, cap)!; // refused as underpriced, or stuck: the next try pays more
    expect(second.maxFeePerGas * 100n).toBeGreaterThanOrEqual(estimate.maxFeePerGas * (100n + REPLACEMENT_BUMP_PERCENT));
    expect(second.maxPriorityFeePerGas * 100n).toBeGreaterThanOrEqual(estimate.maxPriorityFeePerGas * (100n + REPLACEMENT_BUMP_PERCENT));
    expect(g.next(8, estimate, cap)).toEqual(estimate); // another nonce starts at the estimate
    let f = second;
    for (let i = 0; i < 40; i++) f = g.next(7, estimate, cap) ?? f;
    expect(f.maxFeePerGas).toBeLessThanOrEqual(cap); // never above the cap: up to the last 10% step under it
    expect(f.maxFeePerGas * 11n).toBeGreaterThan(cap * 10n);
    expect(g.next(7, estimate, cap)).toBeNull(); // and none once the cap leaves no room
  });
});

describe('cappedFees', () => {
  const node = (estimate: () => Promise<Fees>) => ({ estimateFeesPerGas: estimate }) as unknown as Pick<PublicClient, 'estimateFeesPerGas'>;

  it('throws when the estimate fails, instead of sending at the cap', async () => {
    await expect(cappedFees(node(() => Promise.reject(new Error('429 Too Many Requests'))), cap)).rejects.toThrow(/fee estimate failed.*429/);
  });

  it("keeps the node's estimate under the cap, a tip of 0 included", async () => {
    expect(await cappedFees(node(async () => ({ maxFeePerGas: gwei('0.02'), maxPriorityFeePerGas: 0n })), cap)).toEqual({ maxFeePerGas: gwei('0.02'), maxPriorityFeePerGas: 0n });
  });

  it('caps both fees, the tip at the fee', async () => {
    expect(await cappedFees(node(async () => ({ maxFeePerGas: gwei('900'), maxPriorityFeePerGas: gwei('500') })), cap)).toEqual({ maxFeePerGas: cap, maxPriorityFeePerGas: cap });
  });
});

/** One account's transactions as geth keeps them: a pending one stays until a block's base fee is at most its fee cap;
 *  a send on a pending nonce replaces it only with both fees 10% higher ("replacement transaction underpriced"). */
class MempoolModel {
  head = 100n;
  baseFee = gwei('1');
  private pending = new Map<bigint, { hash: Hex; fees: Fees }>(); // nonce -> tx
  private mined = new Map<Hex, { blockNumber: bigint; nonce: bigint; fees: Fees }>();
  private n = 0;
  /** the account's mined transactions (its next nonce on chain) */
  private count = 0n;

  send(nonce: bigint, fees: Fees): Hex {
    const old = this.pending.get(nonce);
    if ([...this.mined.values()].some((m) => m.nonce === nonce)) throw new Error('nonce too low');
    if (old && (fees.maxFeePerGas * 10n < old.fees.maxFeePerGas * 11n || fees.maxPriorityFeePerGas * 10n < old.fees.maxPriorityFeePerGas * 11n)) {
      throw new Error('replacement transaction underpriced');
    }
    const hash = `0x${(++this.n).toString(16).padStart(64, '0')}` as Hex;
    this.pending.set(nonce, { hash, fees });
    return hash;
  }

  /** A block: the account's pending transactions in nonce order from its next nonce, while each pays the base fee
   *  (a transaction past a gap, or behind an underpriced one, waits). */
  mine() {
    this.head++;
    for (let t = this.pending.get(this.count); t && t.fees.maxFeePerGas >= this.baseFee; t = this.pending.get(this.count)) {
      this.mined.set(t.hash, { blockNumber: this.head, nonce: this.count, fees: t.fees });
      this.pending.delete(this.count++);
    }
  }

  minedFees(hash: Hex) {
    return this.mined.get(hash)?.fees;
  }

  /** the PublicClient reads the tracker makes */
  client(): PublicClient {
    const blockHash = (n: bigint) => `0x${n.toString(16).padStart(64, 'b')}` as Hex;
    return {
      getTransactionReceipt: async ({ hash }: { hash: Hex }) => {
        const m = this.mined.get(hash);
        if (!m) throw Object.assign(new Error('not found'), { name: 'TransactionReceiptNotFoundError' }); // as viem's
        return { transactionHash: hash, blockNumber: m.blockNumber, blockHash: blockHash(m.blockNumber), status: 'success' } as TransactionReceipt;
      },
      getBlock: async ({ blockNumber }: { blockNumber: bigint }) => ({ number: blockNumber, hash: blockHash(blockNumber) }),
      getTransaction: async ({ hash }: { hash: Hex }) => {
        for (const [nonce, t] of this.pending) if (t.hash === hash) return { hash, nonce: Number(nonce), from: SENDER, ...t.fees };
        throw Object.assign(new Error('not found'), { name: 'TransactionNotFoundError' });
      },
      // geth's counts: 'pending' runs on over the pending transactions that follow the mined ones without a gap
      getTransactionCount: async ({ blockTag }: { blockTag: 'latest' | 'pending' }) => {
        let n = this.count;
        if (blockTag === 'pending') while (this.pending.has(n)) n++;
        return Number(n);
      },
    } as unknown as PublicClient;
  }
}

const SENDER = '0x000000000000000000000000000000000000cafe';

function tracked(node: MempoolModel, replace: ((hash: Hex) => Promise<Hex | null>) | undefined, fillGap?: (nonce: number) => Promise<Hex | null>) {
  const events: string[] = [];
  let resyncs = 0;
  const tracker = new TxTracker(node.client(), () => resyncs++, createLogger('test'), { dropAfterBlocks: 5n, finalityBlocks: 6n, replace, fillGap });
  const send = (fees: Fees, nonce = 0n) => {
    const hash = node.send(nonce, fees);
    tracker.track({
      hash,
      label: 'liquidateBatch',
      sentBlock: node.head,
      onMined: (r) => events.push(`mined ${r.transactionHash}`),
      onReorged: () => events.push('reorged'),
      onDropped: () => events.push('dropped'),
    });
    return hash;
  };
  return { tracker, events, send, resyncs: () => resyncs };
}

/** What the keeper's replacement does, on the model: the pending fees bumped within the cap, sent on the same nonce. */
function replaceOn(node: MempoolModel, capPerGas: bigint) {
  return async (hash: Hex) => {
    const tx = (await node.client().getTransaction({ hash })) as unknown as Fees & { nonce: number };
    const fees = bumpedFees(tx, { maxFeePerGas: node.baseFee * 2n, maxPriorityFeePerGas: gwei('1') }, capPerGas);
    return fees ? node.send(BigInt(tx.nonce), fees) : null;
  };
}

describe('TxTracker: a transaction the base fee outgrew', () => {
  it('is replaced on its nonce with higher fees after dropAfterBlocks, mined once, and nothing is given up', async () => {
    const node = new MempoolModel();
    const { tracker, events, send, resyncs } = tracked(node, (h) => replaceOn(node, cap)(h));
    const first = send({ maxFeePerGas: gwei('2'), maxPriorityFeePerGas: gwei('1') });
    node.baseFee = gwei('30'); // the base fee jumps past what it offered: it stays pending, holding nonce 0
    for (let i = 0; i < 4; i++) {
      node.mine();
      await tracker.poll(node.head);
    }
    expect(tracker.replacements).toBe(0); // within dropAfterBlocks it waits
    for (let i = 0; i < 3 && events.length === 0; i++) {
      node.mine();
      await tracker.poll(node.head);
    }
    expect(tracker.replacements).toBe(1);
    expect(events).toEqual([expect.stringMatching(/^mined 0x/)]);
    const minedHash = events[0].slice('mined '.length) as Hex;
    expect(minedHash).not.toBe(first);
    expect(node.minedFees(minedHash)!.maxFeePerGas).toBeGreaterThanOrEqual(node.baseFee);
    expect(resyncs()).toBe(0);
  });

  it('without room under the cap, it keeps its nonce and waits (never given up while pending), and is mined once the base fee falls', async () => {
    const node = new MempoolModel();
    let tries = 0;
    const { tracker, events, send, resyncs } = tracked(node, (h) => (tries++, replaceOn(node, gwei('2'))(h)));
    const first = send({ maxFeePerGas: gwei('2'), maxPriorityFeePerGas: gwei('1') });
    node.baseFee = gwei('30');
    for (let i = 0; i < 30; i++) {
      node.mine();
      await tracker.poll(node.head);
    }
    // Given up, its work would only be sent again behind the nonce it still holds (what the keeper did before).
    expect(events).toEqual([]);
    expect(tracker.size).toBe(1);
    expect(tracker.replacements).toBe(0);
    expect(tries).toBeGreaterThanOrEqual(5); // it kept trying, once every dropAfterBlocks
    expect(resyncs()).toBe(0);
    node.baseFee = gwei('1');
    node.mine();
    await tracker.poll(node.head);
    expect(events).toEqual([`mined ${first}`]);
  });

  it('keeps bumping while the cap leaves room, past any fixed number of attempts, and never above the cap', async () => {
    const node = new MempoolModel();
    const { tracker, events, send } = tracked(node, (h) => replaceOn(node, cap)(h));
    send({ maxFeePerGas: gwei('1'), maxPriorityFeePerGas: gwei('1') });
    node.baseFee = gwei('150'); // six 25% bumps and more from 1 gwei (the model's estimate is twice the base fee, capped)
    for (let i = 0; i < 60 && events.length === 0; i++) {
      node.mine();
      await tracker.poll(node.head);
    }
    expect(events).toEqual([expect.stringMatching(/^mined 0x/)]);
    const fees = node.minedFees(events[0].slice('mined '.length) as Hex)!;
    expect(fees.maxFeePerGas).toBeGreaterThanOrEqual(node.baseFee);
    expect(fees.maxFeePerGas).toBeLessThanOrEqual(cap);
  });

  it('is not given up while its original is pending and its replacement unseen (a load-balanced node, a silent relay)', async () => {
    const node = new MempoolModel();
    const unseen = `0x${'e'.repeat(64)}` as Hex; // accepted by a relay that never forwarded it
    const { tracker, events, send, resyncs } = tracked(node, async () => unseen);
    const first = send({ maxFeePerGas: gwei('2'), maxPriorityFeePerGas: gwei('1') });
    node.baseFee = gwei('30');
    for (let i = 0; i < 12; i++) {
      node.mine();
      await tracker.poll(node.head);
    }
    expect(events).toEqual([]); // the first version looked only at the latest hash: "not found" twice, given up
    expect(resyncs()).toBe(0);
    node.baseFee = gwei('1');
    node.mine();
    await tracker.poll(node.head);
    expect(events).toEqual([`mined ${first}`]);
  });

  it('one queued behind a nonce no transaction holds gets a self-transfer on the gap, and is mined after it', async () => {
    const node = new MempoolModel();
    const gaps: number[] = [];
    const fees = { maxFeePerGas: gwei('2'), maxPriorityFeePerGas: gwei('1') };
    const { tracker, events, send } = tracked(
      node,
      (h) => replaceOn(node, cap)(h),
      async (nonce) => (gaps.push(nonce), node.send(BigInt(nonce), fees)),
    );
    const queued = send(fees, 1n); // nonce 0 was taken by a send that failed before reaching the node
    for (let i = 0; i < 4; i++) {
      node.mine();
      await tracker.poll(node.head);
    }
    expect(gaps).toEqual([]); // within dropAfterBlocks it waits
    for (let i = 0; i < 3 && events.length === 0; i++) {
      node.mine();
      await tracker.poll(node.head);
    }
    expect(gaps).toEqual([0]);
    node.mine();
    await tracker.poll(node.head);
    expect(events).toEqual([`mined ${queued}`]);
    expect(tracker.replacements).toBe(0); // not bumped: its fees were never the problem
  });

  it("one behind an earlier run's transaction the base fee outgrew (never tracked here) gets a self-transfer on that nonce at the estimate", async () => {
    const node = new MempoolModel();
    const replaced: { nonce: number; fees: Fees }[] = [];
    const now = { maxFeePerGas: gwei('60'), maxPriorityFeePerGas: gwei('2') };
    const { tracker, events, send } = tracked(
      node,
      (h) => replaceOn(node, cap)(h),
      async (nonce) => (replaced.push({ nonce, fees: now }), node.send(BigInt(nonce), now)),
    );
    node.send(0n, { maxFeePerGas: gwei('2'), maxPriorityFeePerGas: gwei('1') }); // sent by the keeper before its restart
    await tracker.recordEarlierRun(SENDER); // the keeper's start
    node.baseFee = gwei('30');
    const ours = send({ maxFeePerGas: gwei('60'), maxPriorityFeePerGas: gwei('2') }, 1n);
    for (let i = 0; i < 8 && events.length === 0; i++) {
      node.mine();
      await tracker.poll(node.head);
    }
    expect(replaced.map((r) => r.nonce)).toEqual([0]);
    expect(events).toEqual([`mined ${ours}`]);
  });

  it('never replaces a transaction sent since the start by another sender of a shared account (a deploy key), only bumps its own', async () => {
    const node = new MempoolModel();
    const gaps: number[] = [];
    const { tracker, send } = tracked(
      node,
      (h) => replaceOn(node, cap)(h),
      async (nonce) => (gaps.push(nonce), null),
    );
    await tracker.recordEarlierRun(SENDER); // nothing pending at the start
    node.send(0n, { maxFeePerGas: gwei('2'), maxPriorityFeePerGas: gwei('1') }); // the admin's, on the same key
    node.baseFee = gwei('30');
    send({ maxFeePerGas: gwei('60'), maxPriorityFeePerGas: gwei('2') }, 1n);
    for (let i = 0; i < 12; i++) {
      node.mine();
      await tracker.poll(node.head);
    }
    expect(gaps).toEqual([]);
  });

  it('a replacement the node refuses keeps it tracked, and the original mined meanwhile counts once', async () => {
    const node = new MempoolModel();
    let tries = 0;
    const { tracker, events, send, resyncs } = tracked(node, async () => {
      tries++;
      throw new Error('replacement transaction underpriced');
    });
    const first = send({ maxFeePerGas: gwei('2'), maxPriorityFeePerGas: gwei('1') });
    node.baseFee = gwei('30');
    for (let i = 0; i < 6; i++) {
      node.mine();
      await tracker.poll(node.head);
    }
    expect(tries).toBe(1);
    expect(events).toEqual([]); // still tracked: waiting another dropAfterBlocks
    node.baseFee = gwei('1'); // the base fee falls back: the original goes in
    node.mine();
    await tracker.poll(node.head);
    expect(events).toEqual([`mined ${first}`]);
    expect(resyncs()).toBe(0);
  });
});

describe('SerialJob', () => {
  it('sends once when runs start together, and again once its transaction is mined', async () => {
    const node = new MempoolModel();
    const tracker = new TxTracker(node.client(), () => {}, createLogger('test'));
    const job = new SerialJob(tracker, 'claim');
    let sends = 0;
    const send = async () => {
      await new Promise((r) => setTimeout(r, 10)); // reads before the send: where two runs used to both pass the check
      sends++;
      return node.send(BigInt(sends - 1), { maxFeePerGas: gwei('2'), maxPriorityFeePerGas: gwei('1') });
    };
    await Promise.all([job.run(node.head, send), job.run(node.head, send), job.run(node.head, send)]);
    expect(sends).toBe(1);
    expect(job.inFlight).toBe(true);
    await job.run(node.head, send); // still unsettled
    expect(sends).toBe(1);
    node.mine();
    await tracker.poll(node.head);
    expect(job.inFlight).toBe(false);
    await job.run(node.head, send);
    expect(sends).toBe(2);
  });

  it('is free again after a run with nothing to send or a send that throws', async () => {
    const tracker = new TxTracker(new MempoolModel().client(), () => {}, createLogger('test'));
    const job = new SerialJob(tracker, 'processQueue');
    await job.run(1n, async () => null);
    expect(job.inFlight).toBe(false);
    await expect(job.run(1n, async () => Promise.reject(new Error('simulation reverted')))).rejects.toThrow('simulation reverted');
    expect(job.inFlight).toBe(false);
  });
});

describe('replaceWithHigherFees on anvil', () => {
  isolateChain(beforeAll, afterAll);

  it('sends the same call on the same nonce with both fees raised, and the replacement is what gets mined', async () => {
    const { publicClient, testClient } = clients();
    const { walletClient } = clients(14);
    await testClient.setAutomine(false);
    try {
      const base = (await publicClient.getBlock()).baseFeePerGas!;
      const to = clients(15).walletClient.account.address;
      const stuck = await walletClient.sendTransaction({ to, value: 1n, data: '0x1234', maxFeePerGas: base + 2n, maxPriorityFeePerGas: 1n });
      const old = await publicClient.getTransaction({ hash: stuck });
      const hash = await replaceWithHigherFees(publicClient as PublicClient, walletClient, stuck, cap);
      expect(hash).not.toBeNull();
      await testClient.mine({ blocks: 1 });
      const receipt = await publicClient.getTransactionReceipt({ hash: hash! });
      expect(receipt.status).toBe('success');
      expect(await publicClient.getTransactionReceipt({ hash: stuck }).catch(() => null)).toBeNull();
      const mined = await publicClient.getTransaction({ hash: hash! });
      expect(mined.nonce).toBe(old.nonce);
      expect(mined.input).toBe(old.input);
      expect(mined.to).toBe(old.to);
      expect(mined.value).toBe(old.value);
      expect(mined.maxFeePerGas! * 10n).toBeGreaterThanOrEqual(old.maxFeePerGas! * 11n);
      expect(mined.maxPriorityFeePerGas! * 10n).toBeGreaterThanOrEqual(old.maxPriorityFeePerGas! * 11n);
      // at the cap there is no room: nothing is sent
      await testClient.setAutomine(true);
      const capped = await walletClient.sendTransaction({ to, value: 1n, maxFeePerGas: base * 4n, maxPriorityFeePerGas: 1n });
      await testClient.setAutomine(false);
      expect(await replaceWithHigherFees(publicClient as PublicClient, walletClient, capped, base * 4n)).toBeNull();
    } finally {
      await testClient.setAutomine(true);
    }
  });
});
