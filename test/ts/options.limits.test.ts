/**
 * The options form's cap checks (lib/options/limits.ts) against the book itself: one lot past a strike's open-interest
 * cap or a board's reserve cap, the contract's simulation refuses with the error the form shows, in the same words and
 * numbers; at the cap both accept. Past the utilization limit both refuse with the same error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRevert, describeRevert } from '@/lib/errors';
import { OPTION_LOT_WAD, quoteOption, topStrikeWad } from '@/lib/math/options';
import { readQuoteContext, toPricingConfig } from '@/lib/options/context';
import { buyLimitError, readBuyLimits } from '@/lib/options/limits';
import { clients, isolateChain } from './helpers';
import { c, deposit, fundAndApprove, tx, USD } from './fixtures';
import { WAD } from '@/lib/math/fixed';

const BUYER = 2;

isolateChain(beforeAll, afterAll);

let boardId: bigint;

/** What the form shows for a buy, and what the book's simulation says. */
async function both(strikeIndex: bigint, isCall: boolean, amountWad: bigint) {
  const { publicClient, walletClient } = clients(BUYER);
  const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
  const b = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId], blockNumber });
  const cfg = toPricingConfig(await publicClient.readContract({ ...c.optionsBook, functionName: 'config', args: [0n], blockNumber }));
  const ctx = await readQuoteContext(publicClient, 0n, blockNumber);
  const q = quoteOption({ expiry: BigInt(b.expiry), topStrikeWad: topStrikeWad(b) }, b.firstStrikeWad + strikeIndex * b.strikeStepWad, isCall, true, amountWad, { ...cfg, callCapBps: BigInt(b.callCapBps) }, ctx);
  const limits = await readBuyLimits(publicClient, c, 0n, boardId, strikeIndex, isCall, blockNumber);
  const ours = buyLimitError(limits, boardId, strikeIndex, amountWad, q.reserveUsd, q.premiumUsd);
  let chain: { errorName: string; args: readonly unknown[] } | undefined;
  try {
    await publicClient.simulateContract({ ...c.optionsBook, functionName: 'buy', args: [boardId, strikeIndex, isCall, amountWad, 2n ** 128n], account: walletClient.account, blockNumber });
  } catch (e) {
    chain = decodeRevert(e);
    if (!chain) throw e;
  }
  return { ours, chain, limits, q };
}

async function setCaps(maxStrikeOiWad: bigint, maxBoardReserveUsd: bigint) {
  const { publicClient } = clients();
  const cfg = await publicClient.readContract({ ...c.optionsBook, functionName: 'config', args: [0n] });
  await tx(0, { ...c.optionsBook, functionName: 'setConfig', args: [0n, { ...cfg, maxStrikeOiWad, maxBoardReserveUsd }] });
}

describe('option buy caps: the form refuses exactly what the book refuses', () => {
  beforeAll(async () => {
    const { publicClient } = clients();
    await deposit(3, USD(2_000_000));
    await tx(0, { ...c.optionsBook, functionName: 'listBoards', args: [0n] });
    await fundAndApprove(BUYER, USD(3_000_000));
    await tx(BUYER, { ...c.token, functionName: 'approve', args: [c.optionsBook.address, 2n ** 255n] });
    const boards = (await publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] })) as bigint[];
    boardId = boards[boards.length - 1]; // the farthest: well before its trading cutoff
    await tx(BUYER, { ...c.optionsBook, functionName: 'buy', args: [boardId, 5n, true, 2n * WAD, 2n ** 128n] });
  });

  it("a strike's open-interest cap: one lot past it refused in the contract's words, the cap itself accepted", async () => {
    await setCaps(5n * WAD, 20_000_000n * 10n ** 6n);
    const over = await both(5n, true, 3n * WAD + OPTION_LOT_WAD); // 2 open + 3 + a lot
    expect(over.chain?.errorName).toBe('StrikeOiCapExceeded');
    expect(over.ours).toBe(describeRevert(over.chain!.errorName, over.chain!.args));
    const at = await both(5n, true, 3n * WAD);
    expect(at.ours).toBeUndefined();
    expect(at.chain).toBeUndefined();
    // the other type at the same strike has its own lane
    expect((await both(5n, false, 5n * WAD)).ours).toBeUndefined();
  });

  it("a board's reserve cap: one lot past it refused in the contract's words", async () => {
    const { publicClient } = clients();
    const b = await publicClient.readContract({ ...c.optionsBook, functionName: 'board', args: [boardId] });
    // room for about one more call at strike 5: find the largest amount that fits by the form's own arithmetic
    await setCaps(1_000n * WAD, b.reservedUsd + 1_000n * 10n ** 6n);
    const probe = await both(5n, true, WAD);
    const perTokenUsd = probe.q.reserveUsd; // a call's maximum payout per token, rounded up
    const fitting = (1_000n * 10n ** 6n * WAD) / perTokenUsd / OPTION_LOT_WAD * OPTION_LOT_WAD;
    const at = await both(5n, true, fitting);
    expect(at.ours).toBeUndefined();
    expect(at.chain).toBeUndefined();
    const over = await both(5n, true, fitting + 10n * OPTION_LOT_WAD);
    expect(over.chain?.errorName).toBe('BoardReserveCapExceeded');
    expect(over.ours).toBe(describeRevert(over.chain!.errorName, over.chain!.args));
  });

  it("the options product's reserve cap in the core: past it refused in the contract's words, within it accepted", async () => {
    await setCaps(1_000_000n * WAD, 10n ** 18n);
    const l = (await both(0n, false, WAD)).limits;
    // a cap just above what the options reserve now: about 2,000 USD of room
    const capBps = ((l.productReservedUsd + 2_000n * 10n ** 6n) * 10_000n) / l.poolCashUsd + 1n;
    await tx(0, { ...c.core, functionName: 'setProductReserveCap', args: [c.optionsBook.address, Number(capBps)] });
    const perTokenUsd = (await both(0n, false, WAD)).q.reserveUsd;
    const roomUsd = (l.poolCashUsd * capBps) / 10_000n - l.productReservedUsd;
    const over = await both(0n, false, ((roomUsd * 2n) * WAD) / perTokenUsd / OPTION_LOT_WAD * OPTION_LOT_WAD);
    expect(over.chain?.errorName).toBe('ProductReserveCapExceeded');
    expect(over.ours).toBe(describeRevert(over.chain!.errorName, over.chain!.args));
    const within = await both(0n, false, ((roomUsd / 2n) * WAD) / perTokenUsd / OPTION_LOT_WAD * OPTION_LOT_WAD);
    expect(within.ours).toBeUndefined();
    expect(within.chain).toBeUndefined();
    await tx(0, { ...c.core, functionName: 'setProductReserveCap', args: [c.optionsBook.address, 10_000] });
  });

  it('the utilization limit below the kink: a buy well past it refused by both, one well within it accepted by both', async () => {
    await setCaps(1_000_000n * WAD, 10n ** 18n);
    const l = (await both(0n, false, WAD)).limits;
    const limitWad = l.kinkWad - l.lpExitRoomWad;
    // puts at the lowest strike reserve their strike per token: size them to 90% and 110% of the room to the limit
    const perTokenUsd = (await both(0n, false, WAD)).q.reserveUsd;
    const roomUsd = (l.poolCashUsd * limitWad) / WAD - l.poolReservedUsd;
    expect(roomUsd).toBeGreaterThan(0n);
    const tokens = (share: bigint) => ((roomUsd * share) / 100n) * WAD / perTokenUsd / OPTION_LOT_WAD * OPTION_LOT_WAD;
    const over = await both(0n, false, tokens(110n));
    expect(over.chain?.errorName).toBe('UtilizationPastOptionsLimit');
    expect(over.ours).toMatch(/past the options' limit/);
    const within = await both(0n, false, tokens(90n));
    expect(within.ours).toBeUndefined();
    expect(within.chain).toBeUndefined();
  });
});
