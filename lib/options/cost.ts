/** One trade applied to a holding's average-cost book (its owner's OptionTraded events in order): a buy adds its amount and premium; a sale takes the cost of
 *  what it sells at the average (amount sold / amount held, rounded down) and realizes its premium less that. */
export function averageCost(
  book: { amountWad: bigint; costUsd: bigint; realizedUsd: bigint } | undefined,
  isBuy: boolean,
  amountWad: bigint,
  premiumUsd: bigint,
): { amountWad: bigint; costUsd: bigint; realizedUsd: bigint } {
  const b = book ?? { amountWad: 0n, costUsd: 0n, realizedUsd: 0n };
  if (isBuy) return { amountWad: b.amountWad + amountWad, costUsd: b.costUsd + premiumUsd, realizedUsd: b.realizedUsd };
  const soldCost = b.amountWad === 0n ? 0n : (b.costUsd * (amountWad < b.amountWad ? amountWad : b.amountWad)) / b.amountWad;
  return {
    amountWad: amountWad < b.amountWad ? b.amountWad - amountWad : 0n,
    costUsd: b.costUsd - soldCost,
    realizedUsd: b.realizedUsd + premiumUsd - soldCost,
  };
}
