// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";

/// @notice Fills a fresh local chain with demo twins so that a new user sees a living gallery.
/// Operators are anvil's well-known dev accounts 1 to 4, so that twins have different owners.
/// Local chains only: the keys are derived from anvil's public test mnemonic.
contract Seed is Script {
    string internal constant ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

    struct DemoRig {
        string manufacturer;
        string model;
        string serial;
        uint64 terahash;
        uint32 powerWatts;
        string location;
        uint64 commissionedAt;
        uint96 royaltyBps;
    }

    function run() external {
        TwinRegistry registry = TwinRegistry(vm.envAddress("TWIN_REGISTRY"));
        DemoRig[12] memory rigs = demoRigs();
        for (uint32 i = 0; i < rigs.length; i++) {
            uint256 operatorKey = vm.deriveKey(ANVIL_MNEMONIC, 1 + i % 4);
            uint256 reporterKey = vm.deriveKey(ANVIL_MNEMONIC, 5 + i % 4);
            DemoRig memory rig = rigs[i];
            vm.broadcast(operatorKey);
            registry.mint(
                TwinRegistry.RigSpec({
                    manufacturer: rig.manufacturer,
                    model: rig.model,
                    serialHash: keccak256(bytes(rig.serial)),
                    hashrateGhs: rig.terahash * 1_000,
                    powerWatts: rig.powerWatts,
                    location: rig.location,
                    commissionedAt: rig.commissionedAt
                }),
                vm.addr(reporterKey),
                rig.royaltyBps
            );
        }
    }

    /// @dev Nominal figures from the manufacturers' data sheets.
    function demoRigs() internal pure returns (DemoRig[12] memory) {
        return [
            DemoRig("Bitmain", "Antminer S21", "BTM-S21-2401-000117", 200, 3_500, "Rockdale, Texas, US", 1_706_745_600, 500),
            DemoRig("Bitmain", "Antminer S21 Pro", "BTM-S21P-2407-004821", 234, 3_510, "Kearney, Nebraska, US", 1_722_470_400, 500),
            DemoRig("Bitmain", "Antminer S21 XP", "BTM-S21XP-2411-000932", 270, 3_645, "Reykjanesbaer, Iceland", 1_733_011_200, 750),
            DemoRig("Bitmain", "Antminer S19j Pro", "BTM-S19JP-2108-031554", 104, 3_068, "Hernando, Paraguay", 1_630_454_400, 250),
            DemoRig("Bitmain", "Antminer S19 XP", "BTM-S19XP-2209-011208", 141, 3_010, "Boden, Sweden", 1_664_582_400, 300),
            DemoRig("Bitmain", "Antminer S21 Hyd", "BTM-S21H-2403-000455", 335, 5_360, "Tornio, Finland", 1_711_929_600, 600),
            DemoRig("MicroBT", "Whatsminer M60", "MBT-M60-2402-118820", 172, 3_422, "Medicine Hat, Alberta, CA", 1_709_251_200, 400),
            DemoRig("MicroBT", "Whatsminer M60S", "MBT-M60S-2406-220413", 186, 3_441, "Baie-Comeau, Quebec, CA", 1_719_792_000, 500),
            DemoRig("MicroBT", "Whatsminer M50S", "MBT-M50S-2211-090871", 126, 3_276, "Ekibastuz, Kazakhstan", 1_669_852_800, 200),
            DemoRig("Canaan", "Avalon A1466", "CAN-A1466-2312-006392", 150, 3_230, "Addis Ababa, Ethiopia", 1_701_388_800, 350),
            DemoRig("Canaan", "Avalon A1566", "CAN-A1566-2408-002210", 185, 3_420, "Sohar, Oman", 1_725_148_800, 450),
            DemoRig("Bitmain", "Antminer T21", "BTM-T21-2405-007736", 190, 3_610, "Thimphu, Bhutan", 1_714_521_600, 1_000)
        ];
    }
}
