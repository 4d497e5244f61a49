'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import type { Abi, ContractFunctionArgs, ContractFunctionName } from 'viem';
import { useAccount, useConfig } from 'wagmi';
import { getPublicClient, simulateContract, waitForTransactionReceipt, writeContract } from 'wagmi/actions';
import { gasWithHeadroom } from '@/lib/gas';
import { counterpoolErrorsAbi } from '@/lib/contracts';
import { explainError, isTransientRevert } from '@/lib/errors';
import { api } from '@/lib/api/client';
import { pullMarketsAmong, throughRouter, type PlainCall } from '@/lib/pyth/router';
import { useContracts } from '@/components/common/useContracts';
import { appChain } from '@/lib/chain';
import { useToasts } from './Toasts';

type Mutability = 'nonpayable' | 'payable';

/** How often and how long a transient refusal (lib/errors TRANSIENT_REVERTS) is simulated again: 6 x 2 s. */
const TRANSIENT_RETRIES = 6;
const TRANSIENT_RETRY_MS = 2000;

/** A transaction over one of the generated ABIs: a misspelled function or wrong arguments do not compile. */
export interface TxRequest<abi extends Abi, fn extends ContractFunctionName<abi, Mutability>> {
  address: `0x${string}`;
  abi: abi;
  functionName: fn;
  args: ContractFunctionArgs<abi, Mutability, fn>;
  /** Shown in the toasts, e.g. "Open long 5,000 USD ETH-USD". */
  label: string;
  /** The markets whose price the action needs ('all': an LP action, which values every market). Any of them on a
   *  pull oracle (Pyth) sends the call through the PriceUpdateRouter with their latest updates (/api/pyth/updates). */
  prices?: readonly number[] | 'all';
}

/** Cache key of the block of `account`'s last transaction confirmed in this app (a bigint; absent before any). */
export const lastTxBlockKey = (account: string) => ['lastTxBlock', account.toLowerCase()] as const;

/**
 * The app's one way to send a transaction: simulate (decoded custom errors surface before signing), sign, pending
 * toast, wait for the receipt, then refresh every on-chain and API query. An action on a pull-oracle market posts
 * the market's latest price in the same transaction, through the router (lib/pyth/router.ts).
 */
export function useTx() {
  const config = useConfig();
  const c = useContracts();
  const { address, isConnected, chainId } = useAccount();
  // Why nothing can be sent now, for the forms' buttons: every call below also names the app's chain, so a wallet on
  // another chain is refused by wagmi before it signs (review: it signed the same calldata for its own chain).
  const blocked = !isConnected ? 'Connect a wallet' : chainId !== appChain.id ? `Switch your wallet to ${appChain.name}` : undefined;
  const queryClient = useQueryClient();
  const toasts = useToasts();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = useCallback(
    async <const abi extends Abi, fn extends ContractFunctionName<abi, Mutability>>(req: TxRequest<abi, fn>): Promise<boolean> => {
      if (blocked) {
        // said where every button can be seen from, not only in the forms that show `error` (review: a table's Close
        // on the wrong chain did nothing visible)
        setError(`${blocked} to send: ${req.label}`);
        toasts.push({ kind: 'error', title: `${req.label}: not sent`, detail: blocked });
        return false;
      }
      setError(null);
      setPending(true);
      let toastId: number | undefined;
      try {
        const pull = req.prices ? pullMarketsAmong(c, req.prices) : [];
        let request;
        let abi: Abi = [];
        // A refusal that clears by itself (the keeper's refresh of a greek cache, the next oracle update) is simulated
        // again, with the latest prices, for up to TRANSIENT_RETRIES x TRANSIENT_RETRY_MS before it fails.
        for (let attempt = 0; ; attempt++) {
          const call = pull.length > 0 ? throughRouter(c, req as PlainCall, await api.pythUpdates(pull)) : { ...req, value: undefined };
          abi = [...call.abi, ...counterpoolErrorsAbi];
          try {
            ({ request } = await simulateContract(config, {
              address: call.address,
              abi,
              functionName: call.functionName,
              args: call.args,
              value: call.value,
              account: address,
              chainId: appChain.id,
            } as Parameters<typeof simulateContract>[1]));
            break;
          } catch (e) {
            if (attempt >= TRANSIENT_RETRIES || !isTransientRevert(e)) throw e;
            const waiting = { kind: 'pending' as const, title: `${req.label}: waiting`, detail: `${explainError(e)} (trying again)` };
            if (toastId === undefined) toastId = toasts.push(waiting);
            else toasts.update(toastId, waiting);
            await new Promise((r) => setTimeout(r, TRANSIENT_RETRY_MS));
          }
        }
        // The simulation's request keeps only the function's ABI entry: the errors go back in, so a refusal that
        // appears only at the estimate (the price moved in between) is decoded too, not shown as "custom error
        // 0x303bce6c" (review BK: PremiumAboveMax).
        request = { ...request, abi };
        const client = getPublicClient(config, { chainId: appChain.id });
        const estimate = client
          ? await client.estimateContractGas(request as Parameters<typeof client.estimateContractGas>[0])
          : undefined;
        const gas = estimate === undefined ? undefined : gasWithHeadroom(estimate);
        const hash = await writeContract(config, { ...request, gas, chainId: appChain.id } as Parameters<typeof writeContract>[1]);
        const sent = { kind: 'pending' as const, title: `${req.label}: pending`, detail: hash };
        if (toastId === undefined) toastId = toasts.push(sent);
        else toasts.update(toastId, sent);
        const receipt = await waitForTransactionReceipt(config, { hash, chainId: appChain.id });
        if (receipt.status !== 'success') {
          // Passed its simulation but reverted when mined: almost always a bound the price moved past in between
          // (SlippageExceeded, PremiumAboveMax, VaultSlippageExceeded). The call replayed on its block's state says
          // which, with its numbers; the views are refreshed so the next attempt starts from the new quote.
          let reason = 'Transaction reverted on chain';
          try {
            await client?.simulateContract({ ...request, blockNumber: receipt.blockNumber } as Parameters<typeof client.simulateContract>[0]);
          } catch (replayed) {
            reason = `Reverted on chain: ${explainError(replayed)}`;
          }
          await queryClient.invalidateQueries();
          throw new Error(reason);
        }
        toasts.update(toastId, { kind: 'success', title: `${req.label}: confirmed`, detail: `block ${receipt.blockNumber}` });
        // Views built on indexed data compare this with the indexer's cursor before trusting it (see lastTxBlockKey).
        if (address) queryClient.setQueryData(lastTxBlockKey(address), receipt.blockNumber);
        await queryClient.invalidateQueries();
        return true;
      } catch (e) {
        const msg = explainError(e);
        setError(msg);
        if (toastId !== undefined) toasts.update(toastId, { kind: 'error', title: `${req.label}: failed`, detail: msg });
        else toasts.push({ kind: 'error', title: `${req.label}: failed`, detail: msg });
        return false;
      } finally {
        setPending(false);
      }
    },
    [config, c, address, blocked, queryClient, toasts],
  );

  /** `blocked`: why no transaction can be sent now (no wallet, or a wallet on another chain), for the submit buttons. */
  return { send, pending, error, blocked };
}
