/**
 * The trade page's close and remove-collateral previews against the chain (P-66): at one block, the previewed
 * largest removable collateral passes the engine's initial-margin check and one unit more does not; a close bounded
 * at exactly the previewed execution price fills, and one wei tighter reverts SlippageExceeded; and the close preview
 * (realized PnL, impact, the fee on the value closed, the rebate, the collateral after and the payout) equals the fill's
 * PositionDecreased event and the wallet's balance change to the wei. The open preview too: the maximum leverage the
 * trade form offers fills and a tenth more is refused, and the position opened is the preview's to the wei.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, isolateChain } from './helpers';
import { maxUint256, parseEventLogs } from 'viem';
import { c, deposit, fundAndApprove, open, price, setPrice, tx, USD } from './fixtures';
import { previewMarket } from '@/components/trade/previewConfig';
import { acceptablePriceWad, maxOpenLeverageTenths, previewClose, previewCollateralChange, previewOpen, previewRemoveCollateral, sizeAtLeverageDown, toPreviewConfig } from '@/lib/math/preview';

isolateChain(beforeAll, afterAll);

async function state(index: number, market: bigint, isLong: boolean) {
  const { publicClient, walletClient } = clients(index);
  const blockNumber = await publicClient.getBlockNumber();
  const [m, views, pool, poolConfig] = await Promise.all([
    publicClient.readContract({ ...c.reader, functionName: 'market', args: [market], blockNumber }),
    publicClient.readContract({ ...c.reader, functionName: 'accountPositions', args: [walletClient.account.address], blockNumber }),
    publicClient.readContract({ ...c.reader, functionName: 'poolView', blockNumber }),
    publicClient.readContract({ ...c.core, functionName: 'poolConfig', blockNumber }),
  ]);
  const p = views.find((v) => v.marketId === market && v.isLong === isLong)!;
  return { publicClient, account: walletClient.account, blockNumber, m, p, pool, kinkWad: poolConfig.kinkWad };
}

const config = (cfg: Record<string, bigint | number | string>) =>
  toPreviewConfig({
    openFeeBps: cfg.openFeeBps as number, closeFeeBps: cfg.closeFeeBps as number, positiveImpactBps: cfg.positiveImpactBps as number, impactScaleUsd: cfg.impactScaleUsd as bigint,
    horizonSec: cfg.horizonSec as number, zWad: cfg.zWad as bigint, mmrFloorWad: cfg.mmrFloorWad as bigint, sizeScaleUsd: cfg.sizeScaleUsd as bigint,
    sizeTermWad: cfg.sizeTermWad as bigint, imrMultiplierWad: cfg.imrMultiplierWad as bigint, utilTermWad: cfg.utilTermWad as bigint,
    maxLeverage: cfg.maxLeverage as number, maxProfitBps: cfg.maxProfitBps as number, minCollateralUsd: cfg.minCollateralUsd as bigint,
  });

/** The close preview from the Reader's views at the state's block. */
function closePreview(s: Awaited<ReturnType<typeof state>>, isLong: boolean, sizeDeltaUsd: bigint) {
  return previewClose(
    { priceWad: s.m.priceWad, longOiUsd: s.m.state.longOiUsd, shortOiUsd: s.m.state.shortOiUsd, optionsSkewUsd: s.m.state.optionsSkewUsd, maintenanceBaseWad: s.m.maintenanceBaseWad, config: config(s.m.config) },
    isLong,
    {
      sizeUsd: s.p.position.sizeUsd,
      sizeTokens: s.p.position.sizeTokens,
      capBucket: BigInt(s.p.position.capBucket),
      collateralUsd: s.p.position.collateralUsd,
      rebateUsd: BigInt(s.p.position.rebateUsd),
      feesOwedUsd: s.p.status.borrowFeeUsd + s.p.status.fundingFeeUsd,
    },
    sizeDeltaUsd,
  );
}

describe('close and remove-collateral previews equal the engine', () => {
  beforeAll(async () => {
    await deposit(3, USD(1_000_000));
    await open(7, 0, true, USD(2000), USD(20_000));
    await open(8, 1, false, USD(3000), USD(15_000));
    // calls on ETH: their delta is netted into the close's impact (RiskMath.nettedImpactCostUsd, P-83)
    await tx(9, { ...c.optionsBook, functionName: 'listBoards', args: [0n] });
    const [boardId] = await clients().publicClient.readContract({ ...c.optionsBook, functionName: 'liveBoards', args: [0n] });
    await fundAndApprove(9, USD(100_000));
    await tx(9, { ...c.token, functionName: 'approve', args: [c.optionsBook.address, maxUint256] });
    await tx(9, { ...c.optionsBook, functionName: 'buy', args: [boardId, 5n, true, 20n * 10n ** 18n, USD(100_000)] });
  });

  for (const [index, market, isLong] of [
    [7, 0n, true],
    [8, 1n, false],
  ] as const) {
    it(`remove collateral: the previewed maximum passes, one unit more does not (${isLong ? 'long' : 'short'})`, async () => {
      const s = await state(index, market, isLong);
      const r = previewRemoveCollateral(
        { priceWad: s.m.priceWad, marginTargetWad: s.m.marginTargetWad, config: config(s.m.config) },
        { isLong, sizeUsd: s.p.position.sizeUsd, sizeTokens: s.p.position.sizeTokens, collateralUsd: s.p.position.collateralUsd, feesOwedUsd: s.p.status.borrowFeeUsd + s.p.status.fundingFeeUsd },
        { utilizationWad: s.pool.utilizationWad, kinkWad: s.kinkWad },
        0n,
      );
      expect(r.maxRemovableUsd).toBeGreaterThan(0n);
      const sim = (amount: bigint) =>
        s.publicClient.simulateContract({ ...c.engine, functionName: 'decreasePosition', args: [market, isLong, amount, 0n, 0n], account: s.account, blockNumber: s.blockNumber });
      await expect(sim(r.maxRemovableUsd)).resolves.toBeDefined();
      await expect(sim(r.maxRemovableUsd + 1n)).rejects.toThrow(/LeverageTooHigh|InsufficientMargin|CollateralBelowMinimum/);
    });

    it(`add or remove collateral: the preview is the position the Reader shows after the engine's add or removal, to the wei (${isLong ? 'long' : 'short'})`, async () => {
      const { testClient, publicClient } = clients(index);
      // an hour of borrow and funding owed (the engine settles it into the collateral first); another account's trade
      // on the market then takes the hour's volatility sample, so the add's own pin changes no rate
      await testClient.increaseTime({ seconds: 3600 });
      for (let m = 0; m < c.feeds.length; m++) await setPrice(m, await price(m));
      await open(10, Number(market), !isLong, USD(100), USD(400));
      const { walletClient } = clients(index);
      for (const delta of [USD(500), -USD(700), USD(1) + 3n]) {
        if (delta > 0n) await fundAndApprove(index, delta); // its blocks before the measured second
        const snap = await testClient.snapshot();
        // the preview from the state one second on (an empty block), then the add or removal in that same second
        const t = (await publicClient.getBlock()).timestamp + 1n;
        await testClient.setNextBlockTimestamp({ timestamp: t });
        await testClient.mine({ blocks: 1 });
        const s = await state(index, market, isLong);
        expect(s.p.status.borrowFeeUsd + s.p.status.fundingFeeUsd).not.toBe(0n); // fees owed, so their settle shows
        const pos = s.p.position;
        const r = previewCollateralChange(
          s.m.priceWad,
          { isLong, sizeUsd: pos.sizeUsd, sizeTokens: pos.sizeTokens, collateralUsd: pos.collateralUsd, capBucket: BigInt(pos.capBucket) },
          { equityUsd: s.p.status.equityUsd, feesOwedUsd: s.p.status.borrowFeeUsd + s.p.status.fundingFeeUsd, maintenanceMarginWad: s.p.status.maintenanceMarginWad },
          delta,
        );
        await testClient.revert({ id: snap });
        const again = await testClient.snapshot();
        await testClient.setNextBlockTimestamp({ timestamp: t });
        await tx(index, { ...c.engine, functionName: delta > 0n ? 'increasePosition' : 'decreasePosition', args: delta > 0n ? [market, isLong, delta, 0n, 0n] : [market, isLong, -delta, 0n, 0n] });
        expect((await publicClient.getBlock()).timestamp).toBe(t);
        const after = await publicClient.readContract({ ...c.reader, functionName: 'positionView', args: [walletClient.account.address, market, isLong] });
        expect(after.position.collateralUsd).toBe(r.collateralAfterUsd);
        expect(after.leverageWad).toBe(r.leverageWad);
        expect(after.liquidationPriceWad).toBe(r.liquidationPriceWad);
        await testClient.revert({ id: again });
      }
      // every feed fresh again for the tests after this hour
      for (let m = 0; m < c.feeds.length; m++) await setPrice(m, await price(m));
    });

    it(`close: bounded at the previewed execution price it fills, one wei tighter it reverts (${isLong ? 'long' : 'short'})`, async () => {
      const s = await state(index, market, isLong);
      const delta = s.p.position.sizeUsd / 3n;
      if (market === 0n) expect(s.m.state.optionsSkewUsd).toBeGreaterThan(0n); // the calls' delta is in the skew
      const exec = closePreview(s, isLong, delta).executionPriceWad;
      const sim = (bound: bigint) =>
        s.publicClient.simulateContract({ ...c.engine, functionName: 'decreasePosition', args: [market, isLong, 0n, delta, bound], account: s.account, blockNumber: s.blockNumber });
      await expect(sim(exec)).resolves.toBeDefined();
      // a long's close sells (it needs at least the bound), a short's buys (at most the bound)
      await expect(sim(isLong ? exec + 1n : exec - 1n)).rejects.toThrow(/SlippageExceeded/);
      // the trader's tolerance widens the bound on the side that protects them
      const tolerant = acceptablePriceWad(exec, !isLong, 30n);
      expect(isLong ? tolerant < exec : tolerant > exec).toBe(true);
      await expect(sim(tolerant)).resolves.toBeDefined();
    });
  }
});

describe('the close preview equals the fill to the wei', () => {
  beforeAll(async () => {
    // a short against ETH's long skew (the calls' delta included) earns a rebate, realized as it closes
    await open(10, 0, false, USD(1500), USD(8_000));
    // prices move so the closes realize a profit or a loss
    await setPrice(0, ((await price(0)) * 103n) / 100n);
    await setPrice(1, ((await price(1)) * 98n) / 100n);
  });

  for (const [index, market, isLong, part, what] of [
    [7, 0n, true, 3n, 'a third of a long in profit'],
    [10, 0n, false, 1n, 'all of a short with a rebate, at a loss'],
    [8, 1n, false, 1n, 'all of a short in profit'],
    [7, 0n, true, 1n, 'the rest of the long'],
  ] as const) {
    it(`closing ${what}`, async () => {
      const s = await state(index, market, isLong);
      const sizeDeltaUsd = s.p.position.sizeUsd / part;
      const r = closePreview(s, isLong, sizeDeltaUsd);
      expect(r.belowMaintenance || r.belowMinCollateral).toBe(false);
      if (index === 10) expect(r.rebateRealizedUsd).toBeGreaterThan(0n);
      expect(r.realizedPnlUsd).not.toBe(0n);
      // the fill runs at the preview's block time, so the fees owed are the view's
      const { timestamp } = await s.publicClient.getBlock({ blockNumber: s.blockNumber });
      await clients().testClient.setNextBlockTimestamp({ timestamp });
      const before = await s.publicClient.readContract({ ...c.token, functionName: 'balanceOf', args: [s.account.address] });
      const receipt = await tx(index, { ...c.engine, functionName: 'decreasePosition', args: [market, isLong, 0n, sizeDeltaUsd, isLong ? 0n : maxUint256] });
      const after = await s.publicClient.readContract({ ...c.token, functionName: 'balanceOf', args: [s.account.address] });
      const [ev] = parseEventLogs({ abi: c.engine.abi, eventName: 'PositionDecreased', logs: receipt.logs });
      const fill = ev.args.result;
      expect(fill.realizedPnlUsd).toBe(r.realizedPnlUsd);
      expect(fill.impactUsd).toBe(r.impactUsd);
      expect(fill.feeUsd).toBe(r.feeUsd);
      expect(fill.executionPriceWad).toBe(r.executionPriceWad);
      expect(fill.borrowFeeUsd + fill.fundingFeeUsd).toBe(r.feesOwedUsd);
      expect(fill.sizeUsd).toBe(r.sizeAfterUsd);
      expect(fill.collateralDeltaUsd).toBe(r.payoutUsd);
      expect(after - before).toBe(r.payoutUsd);
      if (r.sizeAfterUsd > 0n) expect(fill.collateralUsd).toBe(r.collateralAfterUsd);
      else expect(r.payoutUsd).toBe(r.collateralAfterUsd);
    });
  }
});

describe('the open preview equals the engine (the trade form: its maximum leverage and its fill)', () => {
  for (const [index, market, isLong] of [
    [11, 0n, true],
    [12, 2n, false],
  ] as const) {
    it(`the previewed maximum leverage fills, a tenth more is refused, and the fill is the preview (${isLong ? 'long' : 'short'})`, async () => {
      const collateral = USD(1500);
      await fundAndApprove(index, collateral);
      const { publicClient, walletClient } = clients(index);
      const blockNumber = await publicClient.getBlockNumber();
      const [m, pool, poolConfig] = await Promise.all([
        publicClient.readContract({ ...c.reader, functionName: 'market', args: [market], blockNumber }),
        publicClient.readContract({ ...c.reader, functionName: 'poolView', blockNumber }),
        publicClient.readContract({ ...c.core, functionName: 'poolConfig', blockNumber }),
      ]);
      const view = previewMarket(m); // as the trade form builds it (useOrderPlan)
      const at = (sizeUsd: bigint) => previewOpen(view, isLong, collateral, sizeUsd, { reservedUsd: pool.reservedUsd, poolCashUsd: pool.poolCashUsd, kinkWad: poolConfig.kinkWad });
      // as the form searches it (useOrderPlan), up to the market's hard cap
      const tenths = maxOpenLeverageTenths((s) => at(s).exceedsMaxLeverage, collateral, Number(m.config.maxLeverage) * 10);
      expect(tenths).toBeGreaterThan(10);
      const sim = (sizeUsd: bigint) =>
        publicClient.simulateContract({ ...c.engine, functionName: 'increasePosition', args: [market, isLong, collateral, sizeUsd, isLong ? maxUint256 : 0n], account: walletClient.account, blockNumber });
      const maxSize = sizeAtLeverageDown(collateral, tenths * 10);
      const past = sizeAtLeverageDown(collateral, (tenths + 1) * 10);
      expect(at(past).exceedsMaxLeverage).toBe(true);
      await expect(sim(maxSize)).resolves.toBeDefined();
      await expect(sim(past)).rejects.toThrow(/LeverageTooHigh/);

      // the fill in the next block: a new position owes no fees yet, and the impact and fee depend on the skew and
      // the size alone, so the position is the preview's to the wei
      const r = at(maxSize);
      const receipt = await tx(index, { ...c.engine, functionName: 'increasePosition', args: [market, isLong, collateral, maxSize, isLong ? maxUint256 : 0n] });
      expect(receipt.blockNumber).toBe(blockNumber + 1n);
      const pos = await publicClient.readContract({ ...c.engine, functionName: 'position', args: [walletClient.account.address, market, isLong] });
      expect(pos.sizeUsd).toBe(r.sizeAfterUsd);
      expect(pos.sizeTokens).toBe(r.sizeTokensAfter);
      expect(pos.collateralUsd).toBe(r.collateralAfterUsd);
      expect(BigInt(pos.rebateUsd)).toBe(r.rebateUsd);
      expect(BigInt(pos.capBucket)).toBe(r.capBucketAfter);
    });
  }
});
