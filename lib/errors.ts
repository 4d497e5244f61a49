import { BaseError, ContractFunctionRevertedError, decodeErrorResult, formatUnits, UserRejectedRequestError, type Hex } from 'viem';
import { counterpoolErrorsAbi } from './contracts';
import { bytes32ToString, fmtLevApart, fmtPct, fmtPrice, fmtShares, fmtUsd } from './format';

type Args = readonly unknown[];
const u = (x: unknown) => x as bigint;
const t = (x: unknown) => new Date(Number(x) * 1000).toISOString().replace('T', ' ').slice(0, 19);
/** How far a vault fill missed its bound, relative to the bound (either direction), as a percentage. */
const slippageGap = (amount: bigint, limit: bigint) =>
  limit === 0n ? 'far' : `${(Number(((amount > limit ? amount - limit : limit - amount) * 1_000_000n) / limit) / 10_000).toFixed(2)}%`;

/** Plain-words messages for every custom error the contracts can raise, with their numbers. */
const MESSAGES: Record<string, (a: Args) => string> = {
  OptionsNotEnabled: (a) => `Options are not enabled on market ${String(a[0])}`,
  UnknownBoard: (a) => `There is no options board ${String(a[0])}`,
  UnknownStrike: (a) => `Board ${String(a[0])} has ${String(a[2])} strikes; strike ${String(a[1])} does not exist`,
  TradingClosed: (a) => `Trading on board ${String(a[0])} closed at ${t(a[1])} UTC: hold to settlement`,
  BoardNotExpired: (a) => `Board ${String(a[0])} expires at ${t(a[1])} UTC; it cannot be settled before`,
  BoardAlreadySettled: (a) => `Board ${String(a[0])} is already settled`,
  BoardNotSettled: (a) => `Board ${String(a[0])} is not settled yet: payoffs can be claimed once the keeper settles it`,
  PremiumAboveMax: (a) => `The premium moved to ${fmtUsd(u(a[0]))}, above the ${fmtUsd(u(a[1]))} you accepted`,
  PremiumBelowMin: (a) => `The premium moved to ${fmtUsd(u(a[0]))}, below the ${fmtUsd(u(a[1]))} you accepted`,
  InsufficientHolding: (a) => `You hold ${fmtPrice(u(a[2]), 4)} of this option; cannot sell ${fmtPrice(u(a[3]), 4)}`,
  StrikeOiCapExceeded: (a) => `Open interest at this strike would reach ${fmtPrice(u(a[2]), 2)} tokens, above its cap ${fmtPrice(u(a[3]), 2)}`,
  BoardReserveCapExceeded: (a) => `This board's reserved payouts would reach ${fmtUsd(u(a[1]), 0)}, above its cap ${fmtUsd(u(a[2]), 0)}`,
  UtilizationPastOptionsLimit: (a) =>
    `This buy would take the pool's utilization to ${fmtPct(u(a[0]))}, past the options' limit ${fmtPct(u(a[1]))} (kept below the borrow curve's kink, so LPs keep room to withdraw and the steep part of the rate stays the perpetuals'). A smaller amount may fit`,
  AtProfitCap: (a) =>
    `This position is at its profit cap (${fmtPrice(u(a[0]))} against the price ${fmtPrice(u(a[1]))}): adding size would leave it nothing to earn and lose value at once. Close it and open a new position instead`,
  NoPayoff: () => 'You hold none of this option (or already claimed its payoff)',
  InvalidReceiver: (a) => `A payoff cannot be paid to ${String(a[0])}`,
  OptionsBookStale: (a) =>
    `Wait a moment: the options greek cache of market ${String(a[0])} is being refreshed (${['fresh', 'rebuilding after a trade or a settlement', 'too old', 'price moved past its range', 'volatility resampled', 'an expired board awaits settlement'][Number(a[1])]}). LP deposits and redemptions wait for it, and option trades too when the price moved past its range or it is too old, and from an expiry until the settlement and the refresh after it`,
  ExpOverflow: () => 'The option pricing overflowed (an exponent beyond its bound): no trade was made',
  OutsidePricingDomain: (a) =>
    `The option cannot be priced at a spot of ${fmtPrice(u(a[0]), 2)} and a strike of ${fmtPrice(u(a[1]), 2)}: outside the pricing's bounds (spot below 7.9e10 USD, volatility below 1,800%)`,
  NotFirstRoundAtOrAfter: (a) => `Oracle round ${String(a[0])} (${t(a[1])}) is not the first price at or after ${t(a[3])}`,
  RoundUnavailable: (a) => `Oracle round ${String(a[0])} cannot be verified`,
  RoundNotInCurrentPhase: (a) => `Oracle round ${String(a[0])} is from an earlier feed phase than the latest round ${String(a[1])}: only the current phase settles`,
  FallbackNotOpen: (a) => `Board ${String(a[0])} can be settled by the risk admin only from ${t(a[1])} UTC, if no oracle round can settle it`,
  FallbackPriceOutOfRange: (a) =>
    `A fallback settlement price of ${fmtPrice(u(a[1]), 2)} for board ${String(a[0])} is more than ${String(a[4])}x away from both its listing price ${fmtPrice(u(a[2]), 2)} and the feed's latest price ${u(a[3]) === 0n ? '(none)' : fmtPrice(u(a[3]), 2)}`,
  FeedCannotSettle: (a) => `Market ${String(a[0])}'s price feed ${String(a[1])} cannot prove a past price, so its options could not settle`,
  LeverageTooHigh: (a) => `Leverage ${fmtLevApart(u(a[0]), u(a[1]))[0]} is above the current maximum ${fmtLevApart(u(a[0]), u(a[1]))[1]}`,
  InsufficientMargin: (a) => `Equity ${fmtUsd(u(a[0]))} is below the ${fmtUsd(u(a[1]))} margin required`,
  CollateralBelowMinimum: (a) => `Collateral ${fmtUsd(u(a[0]))} is below the minimum ${fmtUsd(u(a[1]))}`,
  SlippageExceeded: (a) => `Execution price ${fmtPrice(u(a[0]))} is worse than your acceptable price ${fmtPrice(u(a[1]))}`,
  OpenInterestCapExceeded: (a) =>
    `Open interest on the ${a[1] ? 'long' : 'short'} side would reach ${fmtUsd(u(a[2]), 0)}, above its cap ${fmtUsd(u(a[3]), 0)}`,
  InsufficientLiquidity: (a) =>
    `The pool cannot back this: reserved payouts ${fmtUsd(u(a[0]), 0)} would exceed the ${fmtUsd(u(a[1]), 0)} it may reserve`,
  PriceTooOld: (a) => `The oracle price is stale (updated ${t(a[1])}, older than ${String(a[3])} s)`,
  NoPosition: () => 'There is no open position on this market and side',
  SizeDeltaTooLarge: (a) => `Cannot close ${fmtUsd(u(a[0]))}: the position is only ${fmtUsd(u(a[1]))}`,
  CollateralDeltaTooLarge: (a) => `Cannot withdraw ${fmtUsd(u(a[0]))}: only ${fmtUsd(u(a[1]))} is available`,
  NotLiquidatable: (a) => `Not liquidatable: equity ${fmtUsd(u(a[0]))} is above maintenance ${fmtUsd(u(a[1]))}`,
  WithdrawalExceedsFreeLiquidity: (a) =>
    `Only ${fmtUsd(u(a[1]))} is free to withdraw now (asked ${fmtUsd(u(a[0]))}); queue the rest`,
  PoolCashShortfall: (a) => `Pool cash ${fmtUsd(u(a[1]))} cannot cover ${fmtUsd(u(a[0]))}`,
  ZeroAmount: () => 'Enter an amount greater than zero',
  AmountNotInLots: (a) => `Option amounts are whole lots of ${formatUnits(u(a[1]), 18)} (asked ${formatUnits(u(a[0]), 18)})`,
  UnknownMarket: (a) => `Unknown market ${String(a[0])}`,
  FeesExceedValue: (a) => `The oracle update fees (${String(a[0])} wei) exceed the value sent (${String(a[1])} wei)`,
  UnexpectedEther: (a) => `The price-update router only takes oracle fees with a call (${String(a[1])} wei refused)`,
  RefundFailed: (a) => `Returning ${String(a[1])} wei of unspent oracle fee to your account failed`,
  ConfigStoreWriteFailed: () => 'The new risk parameters could not be stored (their data contract was not created)',
  Paused: () => 'Trading is paused: only closing, collateral top-ups and liquidations are allowed',
  Locked: () => 'Another action of the clearing house is in progress in this transaction (re-entry refused)',
  NotLocked: () => 'A product tried to settle outside an action it opened',
  NothingToClaim: () => 'There is nothing waiting for you to claim',
  ClaimExceedsOwed: (a) => `You can claim up to ${fmtUsd(u(a[2]))}; ${fmtUsd(u(a[1]))} is more than that`,
  NoRefund: (a) => `No liquidation refund waits for ${String(a[0])}`,
  PriceOlderThanLastUsed: (a) => `The oracle answered with a price from ${new Date(Number(a[1]) * 1000).toISOString()}, older than one market ${String(a[0])} already used (${new Date(Number(a[2]) * 1000).toISOString()}); post a newer price`,
  SizeTermRaiseTooLarge: (a) =>
    `A stricter size term enters open positions through the margin schedule, whose base rate must absorb it: on market ${String(a[0])} it would add ${Number(a[2]) / 1e16}% to a ${Number(a[1]) / 1e6} USD position, more than one change may take (${Number(a[3]) / 1e16}%: an hour of the margin ramp, and no more than the base's room above the maintenance floor); raise it in smaller steps as the base ramps back`,
  RampRaisedBehindTarget: (a) =>
    `The maintenance ramp is the notice open positions get: market ${String(a[0])}'s base rate ${Number(a[1]) / 1e16}% still trails its target ${Number(a[2]) / 1e16}%, and a faster ramp would call that margin at once. Raise the ramp once the base reaches its target, or lower the target first`,
  ProfitCapLoweredWithOpenInterest: (a) =>
    `Open positions keep the profit cap they were opened with: market ${String(a[0])} can lower its cap from ${Number(a[2]) / 100}% to ${Number(a[3]) / 100}% only once it has no open interest`,
  FeedFixed: (a) => `Market ${String(a[0])}'s price feed is fixed at ${String(a[1])}: a config change cannot move it to ${String(a[2])} (list a new market for a new source)`,
  UnknownOrderBook: (a) => `${String(a[0])} is not an order book the clearing core trusts: the router executes orders only there`,
  UnknownProduct: (a) => `${String(a[0])} is not a product the clearing core lists: the router forwards only to its products`,
  MalformedCall: (a) => `The forwarded call is ${String(a[0])} bytes: not a selector followed by whole 32-byte words`,
  MalformedForwardedCall: (a) => `The forwarder ${String(a[0])} sent a call that does not end in exactly one account address`,
  NotProduct: (a) => `${String(a[0])} is not a product registered with the clearing core`,
  ProductAlreadyListed: (a) => `${String(a[0])} is already a registered product`,
  TooManyProducts: (a) => `The clearing core takes at most ${String(a[0])} products`,
  ProductReserveCapExceeded: (a) =>
    `This product's reserved payouts would reach ${fmtUsd(u(a[1]), 0)}, above its cap of ${fmtUsd(u(a[2]), 0)} of pool cash`,
  SharesLocked: (a) =>
    `Only ${fmtShares(u(a[2]))} of the ${fmtShares(u(a[1]))} shares are past their deposit cooldown; the rest unlock at ${t(a[3])}`,
  ReceiverInCooldown: (a) => `That account's own deposit cooldown runs until ${t(a[1])}; only it can add to the pool before then`,
  DepositTooSmall: (a) => `Deposits start at ${fmtUsd(u(a[1]))}`,
  ZeroShares: () => 'That amount is worth zero shares',
  RequestTooSmall: (a) => `A queued withdrawal must be worth at least ${fmtUsd(u(a[1]))} (this one is worth ${fmtUsd(u(a[0]))})`,
  RequestMinimumTooHigh: (a) => `A queued withdrawal's minimum may be at most ${fmtUsd(u(a[1]))}: its value now less 0.01%, so a fill can pay it`,
  NotRequestOwner: () => 'Only the owner of this withdrawal request can cancel it',
  RequestNotPending: () => 'This withdrawal request is no longer pending',
  // (amount, limit): shares or assets, by entry point; the gap between them is unit-free
  VaultSlippageExceeded: (a) =>
    `The pool's value moved past your slippage tolerance since the preview (trades or prices changed the NAV's band): the fill was ${slippageGap(u(a[0]), u(a[1]))} worse than your bound; nothing moved: try again or raise the tolerance`,
  QueueKeeperOnly: (a) => `Only the keeper fills the withdrawal queue until its first request has waited a day (${t(a[1])})`,
  ERC4626ExceededMaxWithdraw: (a) => `You can withdraw at most ${fmtUsd(u(a[2]))} right now`,
  ERC4626ExceededMaxRedeem: (a) =>
    `You can redeem at most ${fmtShares(u(a[2]))} shares right now, not ${fmtShares(u(a[1]))} (free liquidity or shares still in cooldown)`,
  ERC4626ExceededMaxDeposit: (a) => `The pool takes at most ${fmtUsd(u(a[2]))} of deposits from this account right now (asked ${fmtUsd(u(a[1]))})`,
  ERC20InsufficientBalance: (a) => `Balance ${fmtUsd(u(a[1]))} is below the ${fmtUsd(u(a[2]))} needed`,
  ERC20InsufficientAllowance: (a) => `Approval ${fmtUsd(u(a[1]))} is below the ${fmtUsd(u(a[2]))} needed: approve first`,
  FaucetLimitExceeded: (a) => `The faucet gives at most ${fmtUsd(u(a[1]), 0)} per call`,
  StalePrice: (a) => `The oracle price is stale (updated ${t(a[0])})`,
  FuturePrice: (a) => `The oracle reported a price from the future (${t(a[0])})`,
  SettlementPriceNotRecorded: (a) => `No Pyth price is recorded yet for the settlement time ${t(a[0])}: record the first update after it, then settle`,
  SettlementTimeNotReached: (a) => `The settlement time ${t(a[0])} has not been reached (now ${t(a[1])})`,
  ConfidenceTooWide: (a) => `The oracle's confidence interval is too wide (${Number(a[0]) / 100}% > ${Number(a[1]) / 100}%)`,
  NonPositivePrice: () => 'The oracle returned a non-positive price',
  PriceOutOfBounds: () => 'The oracle price is outside its sane bounds',
  SequencerStatusUnknown: () => 'The L2 sequencer status is unknown (its uptime feed has no valid round): trading waits',
  SequencerDown: () => 'The L2 sequencer is down: trading waits until it is back',
  PriceBeforeSequencerRestart: () => 'The last oracle price is from before the L2 sequencer restarted: trading waits for the first price after it',
  SequencerGracePeriod: (a) =>
    `The L2 sequencer restarted at ${t(a[0])}: opening, adding size, withdrawing collateral, LP deposits and withdrawals and liquidations wait for the grace period, until ${t(u(a[0]) + u(a[1]))}; closing and adding collateral work now`,
  InvalidParameter: (a) => `Parameter ${bytes32ToString(String(a[0]))} = ${String(a[1])} is outside [${String(a[2])}, ${String(a[3])}]`,
  PoolValueUnavailable: () => 'Pool value is unavailable during another call',
  OrderNotFound: (a) => `Order #${String(a[0])} is not on the book (filled, cancelled or never placed)`,
  NotOrderOwner: (a) => `Order #${String(a[0])} belongs to ${String(a[2])}: only its owner can change it`,
  ExecutionFeeTooLow: (a) => `The keeper's execution fee is at least ${fmtUsd(u(a[1]))} (offered ${fmtUsd(u(a[0]))})`,
  TriggerNotReached: (a) => `Order #${String(a[0])} has not triggered: the price is ${fmtPrice(u(a[1]))}, its trigger ${fmtPrice(u(a[2]))}`,
  OrderExpired: (a) => `Order #${String(a[0])} expired at ${t(a[1])}; clear it to refund its fee`,
  OrderNotExpired: (a) => `Order #${String(a[0])} runs until ${t(a[1])}: only its owner can cancel it before then`,
  NotKeeper: (a) => `Only a keeper or its owner fills order #${String(a[1])} (${String(a[0])} is neither)`,
  FillOutOfGas: (a) => `Order #${String(a[0])}'s fill ran out of the gas the batch gave it: the batch reverted so nothing was counted; send it with more gas`,
  InvalidOrder: (a) => `Order field ${bytes32ToString(String(a[0]))} = ${String(a[1])} is not allowed`,
};

export function describeRevert(errorName: string, args: Args = []): string {
  const f = MESSAGES[errorName];
  return f ? f(args) : `Transaction reverted: ${errorName}`;
}

/**
 * The custom error inside any viem error, decoded through every contract's errors (counterpoolErrorsAbi): a call made
 * with one contract's ABI that reverts in another (the pool calling the core, a forwarder calling the engine) still
 * names its error instead of "reverted with the following signature: 0x…".
 */
export function decodeRevert(err: unknown): { errorName: string; args: Args } | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  if (reverted.data?.errorName) return { errorName: reverted.data.errorName, args: (reverted.data.args ?? []) as Args };
  if (!reverted.raw || reverted.raw === '0x') return undefined;
  try {
    const d = decodeErrorResult({ abi: counterpoolErrorsAbi, data: reverted.raw as Hex });
    return { errorName: d.errorName, args: (d.args ?? []) as Args };
  } catch {
    return undefined;
  }
}

/** Whether the call reverted on chain (a contract's refusal), as against a transport failure (a timeout, a 429, a node
 *  down), which callers must not read as the contract's answer. */
export function isContractRevert(err: unknown): boolean {
  return err instanceof BaseError && err.walk((e) => e instanceof ContractFunctionRevertedError) instanceof ContractFunctionRevertedError;
}

/** Turns any wagmi/viem error into one sentence for a toast or an inline message. */
export function explainError(err: unknown): string {
  if (err instanceof BaseError) {
    const rejected = err.walk((e) => e instanceof UserRejectedRequestError);
    if (rejected) return 'You rejected the request in your wallet';
    const decoded = decodeRevert(err);
    if (decoded) return describeRevert(decoded.errorName, decoded.args);
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.reason) return reverted.reason;
    return err.shortMessage;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Refusals that clear by themselves within seconds, so the app simulates again instead of failing at once: the
 *  options greek cache awaiting the keeper's refresh (LP flows and option trades wait for it), a price older than the
 *  market's max age (the next oracle update ends it). */
export const TRANSIENT_REVERTS: ReadonlySet<string> = new Set(['OptionsBookStale', 'PriceTooOld']);

/** Whether `err` is a refusal in TRANSIENT_REVERTS. */
export function isTransientRevert(err: unknown): boolean {
  const decoded = decodeRevert(err);
  return decoded !== undefined && TRANSIENT_REVERTS.has(decoded.errorName);
}

/** One line for logs and API answers: the decoded error's name and arguments and what it means, else the message. */
export function errorForLog(err: unknown): string {
  const decoded = decodeRevert(err);
  if (decoded) return `${decoded.errorName}(${decoded.args.map(String).join(', ')}): ${describeRevert(decoded.errorName, decoded.args)}`;
  const msg = err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].slice(0, 300);
}
