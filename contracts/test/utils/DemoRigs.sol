// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TwinRegistry} from "../../src/TwinRegistry.sol";

/// @dev The rig the tests mint unless they need another: an Antminer S21 at its data-sheet figures.
library DemoRigs {
    /// @param serial Makes it a distinct physical rig (its hash must be unique in the registry).
    function s21(string memory serial) internal pure returns (TwinRegistry.RigSpec memory) {
        return TwinRegistry.RigSpec({
            manufacturer: "Bitmain",
            model: "Antminer S21",
            serialHash: keccak256(bytes(serial)),
            hashrateGhs: 200_000,
            powerWatts: 3_500,
            location: "Rockdale, Texas, US",
            commissionedAt: 1_704_067_200
        });
    }
}
