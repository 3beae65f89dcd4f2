// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";

/// @title ITwins
/// @notice What TwinMarket needs of a twin collection: ERC-721 transfers, ERC-2981 royalties, and the
/// custody epoch that ties a listing to the custody it was made under.
interface ITwins is IERC721, IERC2981 {
    /// @notice Who holds a twin, under which custody epoch, and whether it is decommissioned.
    /// @dev The epoch must change whenever the twin is transferred or an approval over it is taken
    /// back, and must never return to an earlier value for the same owner. Reverts for an unknown twin.
    /// @param tokenId The twin.
    /// @return owner The current owner.
    /// @return epoch The custody epoch.
    /// @return retired Whether the twin may no longer be sold.
    function custodyOf(uint256 tokenId) external view returns (address owner, uint64 epoch, bool retired);
}
