'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import type { Abi, ContractFunctionArgs, ContractFunctionName } from 'viem';
import { useAccount, useConfig } from 'wagmi';
import { getPublicClient, simulateContract, waitForTransactionReceipt, writeContract } from 'wagmi/actions';
import { gasWithHeadroom } from '@/lib/gas';
import { counterpoolErrorsAbi } from '@/lib/contracts';
import { explainError } from '@/lib/errors';
import { useToasts } from './Toasts';

type Mutability = 'nonpayable' | 'payable';

/** A transaction over one of the generated ABIs: a misspelled function or wrong arguments do not compile. */
export interface TxRequest<abi extends Abi, fn extends ContractFunctionName<abi, Mutability>> {
  address: `0x${string}`;
  abi: abi;
  functionName: fn;
  args: ContractFunctionArgs<abi, Mutability, fn>;
  /** Shown in the toasts, e.g. "Open long 5,000 USD ETH-USD". */
  label: string;
}

/** Cache key of the block of `account`'s last transaction confirmed in this app (a bigint; absent before any). */
export const lastTxBlockKey = (account: string) => ['lastTxBlock', account.toLowerCase()] as const;

/**
 * The app's one way to send a transaction: simulate (decoded custom errors surface before signing), sign, pending
 * toast, wait for the receipt, then refresh every on-chain and API query.
 */
export function useTx() {
  const config = useConfig();
  const { address } = useAccount();
  const queryClient = useQueryClient();
  const toasts = useToasts();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = useCallback(
    async <const abi extends Abi, fn extends ContractFunctionName<abi, Mutability>>(req: TxRequest<abi, fn>): Promise<boolean> => {
      setError(null);
      setPending(true);
      const abi = [...req.abi, ...counterpoolErrorsAbi] as Abi;
      let toastId: number | undefined;
      try {
        const { request } = await simulateContract(config, {
          address: req.address,
          abi,
          functionName: req.functionName,
          args: req.args,
          account: address,
        } as Parameters<typeof simulateContract>[1]);
        const client = getPublicClient(config);
        const estimate = client
          ? await client.estimateContractGas(request as Parameters<typeof client.estimateContractGas>[0])
          : undefined;
        const gas = estimate === undefined ? undefined : gasWithHeadroom(estimate);
        const hash = await writeContract(config, { ...request, gas } as Parameters<typeof writeContract>[1]);
        toastId = toasts.push({ kind: 'pending', title: `${req.label}: pending`, detail: hash });
        const receipt = await waitForTransactionReceipt(config, { hash });
        if (receipt.status !== 'success') throw new Error('Transaction reverted on chain');
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
    [config, address, queryClient, toasts],
  );

  return { send, pending, error };
}
