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

    /// @dev The terms the tests mint with unless they need others: a 10% service fee, power at
    /// $0.065/kWh, daily settlements with six hours' grace.
    function terms() internal pure returns (TwinRegistry.EarningTerms memory) {
        return TwinRegistry.EarningTerms({
            serviceFeeBps: 1_000, tariffMicroUsdPerKwh: 65_000, settlementPeriod: 1 days, gracePeriod: 6 hours
        });
    }
}
