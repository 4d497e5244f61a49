import type { Account, Chain, PublicClient, Transport, WalletClient } from 'viem';
import type { CounterpoolContracts } from '../../lib/contracts';
import type { PullPrices } from '../../lib/pyth/pull';
import type { Logger } from '../lib/runtime';
import type { TxTracker } from './txs';

/** The keeper account's wallet client. */
export type Signer = WalletClient<Transport, Chain, Account>;

/** What every keeper job shares: the node, the keeper's account, the deployment, the log, the transaction tracker and
 *  the pull-oracle markets' latest updates. */
export interface KeeperContext {
  client: PublicClient;
  signer: Signer;
  c: CounterpoolContracts;
  log: Logger;
  txs: TxTracker;
  pull: PullPrices;
}
