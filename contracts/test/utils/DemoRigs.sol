// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TwinRegistry} from "../../src/TwinRegistry.sol";

/// @dev The rig the tests mint unless they need another: an Antminer S21 at its data-sheet figures.
library DemoRigs {
    /// @param serial Makes it a distinct physical rig; canonical (4-64 of A-Z, 0-9, -).
    function s21(string memory serial) internal pure returns (TwinRegistry.RigInput memory) {
        return TwinRegistry.RigInput({
            manufacturer: "Bitmain",
            model: "Antminer S21",
            serial: serial,
            hashrateGhs: 200_000,
            powerWatts: 3_500,
            location: "Rockdale, Texas, US",
            commissionedAt: 1_704_067_200
        });
    }
}
