/**
 * The keeper's transactions and nonces against a scripted node that fails as hosted nodes do (no anvil). Review AV:
 *  - TxTracker read any RPC error (a timeout, a 5xx, a rate limit) on a receipt, block or transaction read as "not
 *    found": a pending transaction was given up at once, its work released and sent again on a new nonce, and a mined
 *    one whose receipt read failed was counted as reorged out;
 *  - viem's sendTransaction resets the account's nonce manager whenever a send fails, which bypassed the keeper's
 *    rule that a resync waits until no send is in progress, and handed a nonce still in flight out again.
 */
import { describe, expect, it } from 'vitest';
import { createWalletClient, custom, parseTransaction, toHex, type Hex, type TransactionReceipt } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createNonceManager, jsonRpc } from 'viem/nonce';
import { TxTracker } from '@/services/keeper/txs';
import { NonceGuard } from '@/services/keeper/nonces';
import { eachThenThrow, OptionsKeeper } from '@/services/keeper/options';
import { createLogger } from '@/services/lib/runtime';

const log = createLogger('keeper-test');
const hash = ('0x' + 'ab'.repeat(32)) as Hex;
const blockHash = ('0x' + 'cd'.repeat(32)) as Hex;
const rpcDown = () => Promise.reject(new Error('The request took too long to respond. (TimeoutError)'));
const notFound = (name: string) => Promise.reject(Object.assign(new Error('not found'), { name }));

function tracker(client: object) {
  const seen = { dropped: 0, mined: 0, reorged: 0, resyncs: 0 };
  const txs = new TxTracker(client as never, () => seen.resyncs++, log, { dropAfterBlocks: 5n, finalityBlocks: 6n });
  txs.track({ hash, label: 'liquidateBatch', sentBlock: 100n, onMined: () => seen.mined++, onReorged: () => seen.reorged++, onDropped: () => seen.dropped++ });
  return { txs, seen };
}

describe('TxTracker on a flaky node', () => {
  it('does not give up a pending transaction because one poll could not read it', async () => {
    let flaky = true;
    const { txs, seen } = tracker({
      // pending in the mempool: no receipt yet, the transaction is there
      getTransactionReceipt: () => (flaky ? rpcDown() : notFound('TransactionReceiptNotFoundError')),
      getTransaction: () => (flaky ? rpcDown() : Promise.resolve({ hash })),
      getBlock: rpcDown,
    });
    await txs.poll(101n); // one block later, the node times out
    flaky = false;
    await txs.poll(102n);
    expect(seen).toEqual({ dropped: 0, mined: 0, reorged: 0, resyncs: 0 });
    expect(txs.size).toBe(1);
  });

  it('a mined transaction whose receipt or block read fails is not counted as reorged out', async () => {
    let step = 0; // 0: mined and read; 1: the receipt read fails; 2: the block read fails; 3: both read again
    const receipt = { blockNumber: 101n, blockHash, status: 'success' } as unknown as TransactionReceipt;
    const { txs, seen } = tracker({
      getTransactionReceipt: () => (step === 1 ? rpcDown() : Promise.resolve(receipt)),
      getTransaction: () => Promise.resolve({ hash }),
      getBlock: () => (step === 2 ? rpcDown() : Promise.resolve({ hash: blockHash })),
    });
    for (; step < 4; step++) await txs.poll(102n);
    expect(seen).toEqual({ dropped: 0, mined: 1, reorged: 0, resyncs: 0 });
  });

  it('a transaction the node has no record of at two heads is given up (a real drop)', async () => {
    const { txs, seen } = tracker({
      getTransactionReceipt: () => notFound('TransactionReceiptNotFoundError'),
      getTransaction: () => notFound('TransactionNotFoundError'),
      getBlock: rpcDown,
    });
    await txs.poll(101n);
    await txs.poll(101n); // polled again at the same head: still waits for the chain to move
    expect(seen).toEqual({ dropped: 0, mined: 0, reorged: 0, resyncs: 0 });
    await txs.poll(102n);
    expect(seen).toEqual({ dropped: 1, mined: 0, reorged: 0, resyncs: 1 });
    expect(txs.size).toBe(0);
  });

  it('a lower head (a lagging node behind a load balancer) is not a later one: the transaction is kept (review BL)', async () => {
    const { txs, seen } = tracker({
      getTransactionReceipt: () => notFound('TransactionReceiptNotFoundError'),
      getTransaction: () => notFound('TransactionNotFoundError'),
      getBlock: rpcDown,
    });
    await txs.poll(101n);
    await txs.poll(100n);
    expect(seen).toEqual({ dropped: 0, mined: 0, reorged: 0, resyncs: 0 });
    await txs.poll(102n);
    expect(seen.dropped).toBe(1);
  });

  it('a transaction one read misses (a load-balanced node that has not seen it yet) is kept, then mined once', async () => {
    let poll = 0; // 0: no record anywhere; 1: pending; 2: no record again; 3: mined
    const receipt = { blockNumber: 103n, blockHash, status: 'success' } as unknown as TransactionReceipt;
    const { txs, seen } = tracker({
      getTransactionReceipt: () => (poll === 3 ? Promise.resolve(receipt) : notFound('TransactionReceiptNotFoundError')),
      getTransaction: () => (poll === 1 ? Promise.resolve({ hash }) : notFound('TransactionNotFoundError')),
      getBlock: () => Promise.resolve({ hash: blockHash }),
    });
    for (; poll < 4; poll++) await txs.poll(101n + BigInt(poll));
    expect(seen).toEqual({ dropped: 0, mined: 1, reorged: 0, resyncs: 0 });
  });
});

describe('NonceGuard', () => {
  /** A node that refuses the first send and delays the second, with sends through `guard` (or none). */
  async function concurrentSends(guarded: boolean) {
    const inner = createNonceManager({ source: jsonRpc() });
    const guard = new NonceGuard(inner);
    const account = privateKeyToAccount(('0x' + '11'.repeat(32)) as Hex, { nonceManager: guarded ? guard.manager : inner });
    const accepted = new Map<number, Hex>(); // the node's mempool: nonce -> tx
    const refused: string[] = [];
    let call = 0;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const transport = custom(
      {
        async request({ method, params }: { method: string; params: unknown[] }) {
          if (method === 'eth_chainId') return '0x1';
          if (method === 'eth_getTransactionCount') {
            let n = 0;
            while (accepted.has(n)) n++;
            return toHex(n); // the pending nonce: next after the contiguous ones
          }
          if (method === 'eth_getBlockByNumber') return { baseFeePerGas: '0x1', number: '0x1', hash: '0x' + '00'.repeat(32), timestamp: '0x1', transactions: [] };
          if (method === 'eth_sendRawTransaction') {
            const raw = params[0] as Hex;
            const nonce = parseTransaction(raw).nonce!;
            const me = ++call;
            if (me === 1) {
              await sleep(20);
              throw new Error('max fee per gas less than block base fee'); // send A fails at the node
            }
            if (me === 2) await sleep(100); // send B is slow to arrive (its nonce assigned, not yet in the pool)
            if (accepted.has(nonce)) {
              refused.push(`nonce ${nonce}`);
              throw new Error('replacement transaction underpriced');
            }
            accepted.set(nonce, raw);
            return ('0x' + nonce.toString(16).padStart(64, '0')) as Hex;
          }
          throw new Error(`unexpected ${method}`);
        },
      },
      { retryCount: 0 },
    );
    const signer = createWalletClient({ account, chain: { id: 1, name: 't', nativeCurrency: { name: 'E', symbol: 'E', decimals: 18 }, rpcUrls: { default: { http: ['http://x'] } } }, transport });
    const tx = { to: ('0x' + '22'.repeat(20)) as Hex, gas: 21000n, maxFeePerGas: 10n, maxPriorityFeePerGas: 1n };
    const send = () => guard.send(() => signer.sendTransaction(tx)).catch((e: Error) => e.message);
    const a = send();
    const b = send();
    await a; // A failed; B (nonce 1) is still on its way
    await Promise.all([b, send(), send()]);
    return { refused, accepted: [...accepted.keys()].sort((x, y) => x - y), sending: guard.sending };
  }

  it("a failed send's nonce is taken back by the next send, and no nonce still in flight is handed out again", async () => {
    // A's nonce 0 failed at the node; B holds 1 on its way; C takes 0 back (the gap filled), D goes on at 2
    expect(await concurrentSends(true)).toEqual({ refused: [], accepted: [0, 1, 2], sending: 0 });
  });

  it('a released nonce the node already counts (a send that timed out after reaching it) is not reused', async () => {
    const inner = createNonceManager({ source: jsonRpc() });
    const guard = new NonceGuard(inner);
    const address = ('0x' + '11'.repeat(20)) as Hex;
    const client = { request: async ({ method }: { method: string }) => (method === 'eth_getTransactionCount' ? '0x6' : '0x1') };
    guard.manager.reset({ address, chainId: 1, nonce: 4 }); // 4 reached the node: its pending count is 6
    const n = await guard.manager.consume({ address, chainId: 1, client: client as never });
    expect(n).toBe(6);
  });

  it('without the guard viem hands it out twice (the case the guard is for)', async () => {
    expect((await concurrentSends(false)).refused.length).toBeGreaterThan(0);
  });

  it('a reset asked for with no send in progress happens at once', () => {
    let resets = 0;
    const inner = { consume: async () => 0, increment: () => {}, get: async () => 0, reset: () => void resets++ };
    const guard = new NonceGuard(inner);
    guard.reset({ address: ('0x' + '11'.repeat(20)) as Hex, chainId: 1 });
    expect(resets).toBe(1);
  });
});

describe('NonceGuard under overlapping sends', () => {
  it('a reset asked for during sends happens before any send that starts later takes a nonce (review AW: never, while sends overlapped)', async () => {
    const events: string[] = [];
    const inner = {
      consume: async () => 0,
      increment: () => {},
      get: async () => 0,
      reset: () => void events.push('reset'),
    };
    const guard = new NonceGuard(inner);
    const account = { address: ('0x' + '11'.repeat(20)) as Hex, chainId: 1 };
    const gate = () => {
      let open!: () => void;
      const p = new Promise<void>((r) => (open = r));
      return { p, open };
    };
    // send 0 fails (viem resets the manager inside it); sends 1..20 each start before the previous one ends
    let prev = gate();
    const all = [
      guard.send(async () => {
        guard.manager.reset(account);
        await prev.p;
      }),
    ];
    for (let i = 1; i <= 20; i++) {
      const next = gate();
      const mine = prev;
      all.push(
        guard.send(async () => {
          events.push(`send ${i}`);
          await next.p;
        }),
      );
      mine.open();
      for (let k = 0; k < 5; k++) await Promise.resolve();
      prev = next;
    }
    prev.open();
    await Promise.all(all);
    expect(events.slice(0, 2)).toEqual(['reset', 'send 1']);
    expect(events.filter((e) => e === 'reset')).toHaveLength(1);
    expect(guard.sending).toBe(0);
  });
});

describe("the options keeper's passes", () => {
  it('one market or board that keeps failing does not hold the later ones back; the first failure still reaches the retry', async () => {
    const ran: number[] = [];
    const pass = eachThenThrow([0, 1, 2], async (m) => {
      ran.push(m);
      if (m === 0) throw new Error('getUpdateFee reverted');
      if (m === 1) throw new Error('second');
    });
    await expect(pass).rejects.toThrow('getUpdateFee reverted');
    expect(ran).toEqual([0, 1, 2]);
  });

  it('reads at the latest block on a node that refuses the pending one, found by one probe (review BA)', async () => {
    // The node answers every read at the latest block and refuses the pending tag with an internal error (-32603,
    // which viem reports as a revert: telling it from one by the error misread it).
    const reads: string[] = [];
    const client = {
      readContract: (p: { functionName: string; blockTag?: string }) => {
        reads.push(`${p.functionName}@${p.blockTag ?? 'latest'}`);
        if (p.blockTag === 'pending') return Promise.reject(new Error('Internal JSON-RPC error.'));
        if (p.functionName === 'liveBoards') return Promise.resolve([7n]);
        return Promise.resolve({ settled: true, expiry: 1 }); // the board: settled already
      },
    };
    const c = { optionsBook: { address: '0x0000000000000000000000000000000000000001', abi: [] }, markets: [{ id: 0, pull: false }] };
    const k = new OptionsKeeper(client as never, {} as never, c as never, log, {} as never);
    await k.settleExpired(0n, 100n);
    await k.settleExpired(0n, 100n);
    // probed once (pending refused, latest answered), then every read at the latest block
    expect(reads).toEqual(['liveBoards@latest', 'liveBoards@pending', 'liveBoards@latest', 'board@latest', 'liveBoards@latest', 'board@latest']);
    expect(k.stats.failures).toBe(0);
  });
});
