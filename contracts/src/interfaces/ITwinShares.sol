// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title ITwinShares
/// @notice The ERC-20 shares of one split twin, and the earnings they carry: what TwinEarnings and
/// TwinMarket need of a {TwinShares} clone.
interface ITwinShares is IERC20 {
    /// @notice The twin these shares are of.
    /// @return The twin's id.
    function twinId() external view returns (uint256);

    /// @notice Credits `net` wei of a settlement to the holders, pro rata to their balances now.
    /// @dev Only TwinEarnings may, which holds the wei. Reverts while no shares exist.
    /// @param net The settlement's net, in wei.
    function accrue(uint256 net) external;

    /// @notice Marks everything `holder` has earned in whole wei as paid, and returns it.
    /// @dev Only TwinEarnings may, and it pays the amount out.
    /// @param holder The holder whose earnings are taken.
    /// @return amount The wei taken, which may be 0.
    function take(address holder) external returns (uint256 amount);

    /// @notice What `holder` may claim from these shares now, in wei.
    /// @param holder The holder.
    /// @return The wei earned and not yet taken.
    function earnedOf(address holder) external view returns (uint256);

    /// @notice The settlements' net per share unit so far, scaled (see {TwinShares}).
    /// @return The cumulative accumulator.
    function netPerShare() external view returns (uint256);
}
