import { maxUint256, parseUnits, type Address } from 'viem';
import { contractsFor } from '@/lib/contracts';
import { gasWithHeadroom } from '@/lib/gas';
import { clients } from './helpers';

export const c = contractsFor(31337);
export const USD = (n: number | string) => parseUnits(String(n), 6);

/** Sends a contract call from anvil account `index` and waits for it (anvil automines). */
export async function tx(index: number, req: { address: Address; abi: readonly unknown[]; functionName: string; args?: readonly unknown[] }) {
  const { walletClient, publicClient } = clients(index);
  const gas = gasWithHeadroom(await publicClient.estimateContractGas({ ...req, account: walletClient.account } as never));
  const hash = await walletClient.writeContract({ ...req, gas } as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`${req.functionName} reverted`);
  return receipt;
}

export async function fundAndApprove(index: number, amount: bigint) {
  for (let left = amount; left > 0n; left -= left > USD(1_000_000) ? USD(1_000_000) : left) {
    await tx(index, { ...c.token, functionName: 'faucet', args: [left > USD(1_000_000) ? USD(1_000_000) : left] });
  }
  await tx(index, { ...c.token, functionName: 'approve', args: [c.engine.address, maxUint256] });
  await tx(index, { ...c.token, functionName: 'approve', args: [c.pool.address, maxUint256] });
}

export async function deposit(index: number, amount: bigint) {
  const { walletClient } = clients(index);
  await fundAndApprove(index, amount);
  await tx(index, { ...c.pool, functionName: 'deposit', args: [amount, walletClient.account.address] });
}

export async function open(index: number, market: number, isLong: boolean, collateral: bigint, size: bigint) {
  await fundAndApprove(index, collateral);
  return tx(index, { ...c.engine, functionName: 'increasePosition', args: [BigInt(market), isLong, collateral, size, isLong ? maxUint256 : 0n] });
}

export async function close(index: number, market: number, isLong: boolean) {
  const { walletClient, publicClient } = clients(index);
  const p = await publicClient.readContract({ ...c.engine, functionName: 'position', args: [walletClient.account.address, BigInt(market), isLong] });
  return tx(index, { ...c.engine, functionName: 'decreasePosition', args: [BigInt(market), isLong, 0n, p.sizeUsd, isLong ? 0n : maxUint256] });
}

/** The deployer (account 0) owns the dev feeds. */
export async function setPrice(market: number, priceWad: bigint) {
  return tx(0, { ...c.feeds[market], functionName: 'setPrice', args: [priceWad] });
}

export async function price(market: number) {
  const { publicClient } = clients();
  const [p] = await publicClient.readContract({ ...c.feeds[market], functionName: 'latestPrice' });
  return p;
}
