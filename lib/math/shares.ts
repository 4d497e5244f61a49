/** Mirrors contracts/libraries/SharesMath.sol to the wei: LP shares <-> pool assets with 1e6 virtual shares and one
 *  virtual asset unit. The pool page previews with these; the vault converts with the Solidity original. */
import { mulDivDown, mulDivUp } from './fixed';

export const VIRTUAL_SHARES = 10n ** 6n;
export const VIRTUAL_ASSETS = 1n;

export const toSharesDown = (assets: bigint, totalShares: bigint, totalAssets: bigint) =>
  mulDivDown(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
export const toSharesUp = (assets: bigint, totalShares: bigint, totalAssets: bigint) =>
  mulDivUp(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
export const toAssetsDown = (shares: bigint, totalShares: bigint, totalAssets: bigint) =>
  mulDivDown(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
export const toAssetsUp = (shares: bigint, totalShares: bigint, totalAssets: bigint) =>
  mulDivUp(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES);
