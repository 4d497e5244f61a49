/**
 * The keeper's status reads in chunks a node will run (services/keeper/statuses.ts). A scripted Reader that runs out
 * of gas above a node's cap: the keeper asks in halves, gets every status in order, and keeps the smaller size; a
 * revert the ABI names (a stale price) is not taken for gas.
 */
import { describe, expect, it } from 'vitest';
import { BaseError, ContractFunctionRevertedError, parseAbi, encodeErrorResult } from 'viem';
import { outOfGas, StatusReads } from '@/services/keeper/statuses';
import { createLogger } from '@/services/lib/runtime';

const log = createLogger('keeper-test');
const abi = parseAbi(['function statuses(uint256[] refs) view returns (uint256[])', 'error PriceTooOld(uint256 marketId, uint256 at, uint256 nowAt, uint256 maxAgeSec)']);
const emptyRevert = () => new ContractFunctionRevertedError({ abi, functionName: 'statuses', data: '0x' });
const staleRevert = () =>
  new ContractFunctionRevertedError({ abi, functionName: 'statuses', data: encodeErrorResult({ abi, errorName: 'PriceTooOld', args: [0n, 1n, 100n, 60n] }) });

/** A node whose cap for calls holds `cap` positions: past it, a read fails as `fail` says. */
function reader(cap: number, fail: () => Error) {
  const sizes: number[] = [];
  const read = async (chunk: number[]) => {
    sizes.push(chunk.length);
    if (chunk.length > cap) throw fail();
    return chunk.map((r) => r * 10);
  };
  return { read, sizes };
}

describe('outOfGas', () => {
  it('takes the node\'s words for gas and an empty revert, not a named error or another failure', () => {
    expect(outOfGas(new BaseError('execution reverted: out of gas'))).toBe(true);
    expect(outOfGas(new BaseError('gas required exceeds allowance (30000000)'))).toBe(true);
    expect(outOfGas(new BaseError('call failed', { cause: emptyRevert() }))).toBe(true);
    expect(outOfGas(new BaseError('call failed', { cause: staleRevert() }))).toBe(false);
    expect(outOfGas(new BaseError('HTTP request failed. Status: 503'))).toBe(false);
    expect(outOfGas(new Error('out of gas'))).toBe(false); // not a viem error: not the node's answer
  });
});

describe('StatusReads', () => {
  const refs = Array.from({ length: 1002 }, (_, i) => i);

  for (const [name, fail] of [['the node says out of gas', () => new BaseError('out of gas')], ['an empty revert', () => new BaseError('reverted', { cause: emptyRevert() })]] as const) {
    it(`halves a read past the cap (${name}) until it runs, returns every status in order, and keeps the size`, async () => {
      const reads = new StatusReads(500, log);
      const node = reader(130, fail);
      const got = await reads.read(7n, refs, node.read);
      expect(got).toEqual(refs.map((r) => r * 10));
      expect(node.sizes.slice(0, 3)).toEqual([500, 250, 125]); // 500 -> 250 -> 125 fits
      expect(Math.max(...node.sizes.slice(2))).toBe(125);
      expect(reads.chunkFor(7n)).toBe(125);
      expect(reads.chunkFor(8n)).toBe(500); // another market keeps the default
      node.sizes.length = 0;
      await reads.read(7n, refs.slice(0, 300), node.read); // the next pass starts at the size that ran
      expect(node.sizes).toEqual([125, 125, 50]);
    });
  }

  it('throws a named revert (a stale price) at once, and the market starts again at the default next time', async () => {
    const reads = new StatusReads(500, log);
    await reads.read(1n, refs, reader(130, () => new BaseError('out of gas')).read);
    expect(reads.chunkFor(1n)).toBe(125);
    const stale = reader(0, () => new BaseError('reverted', { cause: staleRevert() }));
    await expect(reads.read(1n, refs, stale.read)).rejects.toThrow();
    expect(stale.sizes).toEqual([125]); // not halved: a stale price is no gas problem
    expect(reads.chunkFor(1n)).toBe(500);
  });

  it('halves what it sent, not the size: a market of 3 positions is read in 3 calls, not 9 (review BL)', async () => {
    const reads = new StatusReads(500, log);
    const node = reader(0, () => new BaseError('reverted', { cause: emptyRevert() }));
    await expect(reads.read(3n, refs.slice(0, 3), node.read)).rejects.toThrow();
    expect(node.sizes).toEqual([3, 2, 1]);
  });

  it('refuses an answer that does not have one status per position', async () => {
    const reads = new StatusReads(10, log);
    await expect(reads.read(4n, refs.slice(0, 5), async () => [])).rejects.toThrow(/answered 0 for 5/);
  });

  it('gives up when even one position cannot be read', async () => {
    const reads = new StatusReads(4, log);
    const node = reader(0, () => new BaseError('out of gas'));
    await expect(reads.read(2n, refs.slice(0, 4), node.read)).rejects.toThrow(/out of gas/);
    expect(node.sizes).toEqual([4, 2, 1]);
  });
});
