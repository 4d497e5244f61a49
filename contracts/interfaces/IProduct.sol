// SPDX-License-Identifier: BUSL-1.1
pragma solidity ^0.8.28;

/// @title IProduct
/// @notice What a product (perpetuals, options) gives the clearing core: its claim on the pool in O(1), so the core's
///         NAV is cash plus the sum of these.
interface IProduct {
    /// @notice The product's net claim of the pool on its traders, in USD, at the current oracle prices: fees owed to
    ///         the pool (borrow at `borrowIndexWad`, funding) minus what traders may take from the pool (capped PnL,
    ///         option values). Positive: the pool is owed; negative: the pool owes. Rounded against the pool.
    /// @param borrowIndexWad the core's borrow index accrued to now
    /// @return claimUsd the claim
    /// @return riskDownUsd how far the claim could move against the pool before the next price update or sample that
    ///         anyone can see coming (every oracle as far behind the market as it can be unseen, its deviation
    ///         threshold; the options' next volatility sample): the pool prices redemptions that much low, so nobody
    ///         can leave before a loss they see coming (rounded up)
    /// @return riskUpUsd the same for deposits, priced that much high: at most `riskDownUsd`; the options book leaves
    ///         out what its current block's buys added, so options bought in front of a deposit in its own block cannot
    ///         raise its price (P-93) (rounded up)
    function poolClaimUsd(uint256 borrowIndexWad)
        external
        view
        returns (int256 claimUsd, uint256 riskDownUsd, uint256 riskUpUsd);

    /// @notice Pins, for the rest of the transaction, every oracle price `poolClaimUsd` reads, so all of one
    ///         transaction's LP flows are valued at the same prices: a newer signed price posted between a redemption
    ///         and a deposit changes nothing (the options book also takes its markets' due volatility samples). The core
    ///         calls it before it values the pool for an LP flow. Permissionless and idempotent within a transaction.
    function pinValuationPrices() external;
}
