// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ITwinVault
/// @notice What TwinEarnings, TwinMarket and TwinLens need of the vault that holds split twins.
interface ITwinVault {
    /// @notice The shares token of a twin: the clone made the first time it was split.
    /// @param tokenId The twin.
    /// @return The token, or the zero address if the twin was never split.
    function sharesOf(uint256 tokenId) external view returns (address);

    /// @notice Whether a twin is split now: held by the vault, its shares in circulation.
    /// @param tokenId The twin.
    /// @return True while shares of it exist.
    function isSplit(uint256 tokenId) external view returns (bool);
}
