// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinMarket} from "../src/TwinMarket.sol";

/// @notice Fills a fresh local chain with a living market: a dozen twins of real ASIC models with
/// their earning terms, maintenance entries, listings and an open offer.
/// Local chains only: every key is derived from anvil's public test mnemonic. Roles: account 0
/// deployed the contracts and publishes the feeds, accounts 1-4 operate rigs, 5-7 are reporter keys,
/// 8 and 9 are investors.
/// @dev Two phases, chosen by SEED_PHASE, with the month the twins lived played between them by
/// scripts/lib/seed-history.mjs (telemetry, settlements, sales: they need the chain's clock to move
/// between transactions, which a script that broadcasts after it has run cannot do). `twins` commits
/// and reveals the rigs a month ago (run it with --skip-simulation: the reveal must land a block
/// after the commit, which forge's on-chain simulation does not reproduce); `activity` logs
/// maintenance and opens today's market.
contract Seed is Script {
    using SafeCast for uint256;

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

    TwinRegistry internal registry;
    TwinMarket internal market;

    /// @dev How long a listing of the demo stays open.
    uint256 internal constant LISTING_DAYS = 30;

    function run() external {
        registry = TwinRegistry(vm.envAddress("TWIN_REGISTRY"));
        market = TwinMarket(vm.envAddress("TWIN_MARKET"));
        bytes32 phase = keccak256(bytes(vm.envString("SEED_PHASE")));

        if (phase == keccak256("twins")) {
            mintTwins();
        } else if (phase == keccak256("activity")) {
            logMaintenance();
            openMarket();
        } else {
            revert("SEED_PHASE must be twins or activity");
        }
    }

    /// @dev Every rig committed first, then, a block later, every rig revealed.
    function mintTwins() internal {
        DemoRig[12] memory rigs = demoRigs();
        for (uint32 i = 0; i < rigs.length; i++) {
            uint256 tokenId = i + 1;
            bytes32 commitment = registry.mintCommitment(rigs[i].serial, vm.addr(operatorKey(tokenId)), salt(tokenId));
            vm.broadcast(operatorKey(tokenId));
            registry.commitMint(commitment);
        }
        // The reveals' simulation must see the commits in an earlier block, as the chain will.
        vm.roll(block.number + 1);
        for (uint32 i = 0; i < rigs.length; i++) {
            mintTwin(rigs[i], i);
        }
    }

    /// @dev A demo salt: secret enough for a chain that lives as long as `scripts/dev`.
    function salt(uint256 tokenId) internal pure returns (bytes32) {
        return keccak256(abi.encode("hashtwin demo salt", tokenId));
    }

    function key(uint32 account) internal pure returns (uint256) {
        return vm.deriveKey(ANVIL_MNEMONIC, account);
    }

    function operatorKey(uint256 tokenId) internal pure returns (uint256) {
        return key((1 + (tokenId - 1) % 4).toUint32());
    }

    function reporterKey(uint256 tokenId) internal pure returns (uint256) {
        return key((5 + (tokenId - 1) % 3).toUint32());
    }

    function mintTwin(DemoRig memory rig, uint32 index) internal {
        uint256 tokenId = index + 1;
        vm.broadcast(operatorKey(tokenId));
        registry.mint(
            TwinRegistry.RigInput({
                manufacturer: rig.manufacturer,
                model: rig.model,
                serial: rig.serial,
                hashrateGhs: rig.terahash * 1_000,
                powerWatts: rig.powerWatts,
                location: rig.location,
                commissionedAt: rig.commissionedAt
            }),
            vm.addr(reporterKey(tokenId)),
            rig.royaltyBps,
            terms(tokenId),
            salt(tokenId)
        );
    }

    /// @dev Each operator's terms, as its hosting contract would set them: fee, the site's power
    /// price, and how often it pays out. Operator 3 settles weekly, the others daily.
    function terms(uint256 tokenId) internal pure returns (TwinRegistry.EarningTerms memory) {
        uint256 operator = 1 + (tokenId - 1) % 4;
        if (operator == 1) return TwinRegistry.EarningTerms(1_000, 55_000, 1 days, 6 hours);
        if (operator == 2) return TwinRegistry.EarningTerms(1_200, 45_000, 1 days, 12 hours);
        if (operator == 3) return TwinRegistry.EarningTerms(800, 38_000, 7 days, 1 days);
        return TwinRegistry.EarningTerms(1_500, 65_000, 1 days, 6 hours);
    }

    function logMaintenance() internal {
        note(
            1,
            TwinRegistry.MaintenanceKind.Inspection,
            "Quarterly inspection: hashboards clean, intake filters replaced."
        );
        note(3, TwinRegistry.MaintenanceKind.FirmwareUpdate, "Firmware updated to the 2024.11 release with autotuning.");
        note(4, TwinRegistry.MaintenanceKind.PartReplacement, "Replaced the APW12 power supply after a ripple alarm.");
        note(6, TwinRegistry.MaintenanceKind.Relocation, "Moved to immersion tank 3 in hall B.");
        note(9, TwinRegistry.MaintenanceKind.Repair, "Hashboard 2 lost a chip chain; board sent for rework.");
        vm.broadcast(operatorKey(9));
        registry.setStatus(9, TwinRegistry.Status.Offline);
    }

    function note(uint256 tokenId, TwinRegistry.MaintenanceKind kind, string memory text) internal {
        vm.broadcast(operatorKey(tokenId));
        registry.logMaintenance(tokenId, kind, text);
    }

    /// @dev Four listings and investor 8's open offer; twin 3 was sold to investor 9 mid-month, and
    /// twins 2 and 3 are split, their shares offered in lots (seed-history.mjs).
    function openMarket() internal {
        for (uint32 operator = 1; operator <= 4; operator++) {
            vm.broadcast(key(operator));
            registry.setApprovalForAll(address(market), true);
        }
        list(5, 1.1 ether);
        list(7, 1.9 ether);
        list(10, 1.35 ether);
        list(12, 2.05 ether);

        vm.broadcast(key(8));
        market.makeOffer{value: 1.5 ether}(1, (block.timestamp + 7 days).toUint64());
    }

    function list(uint256 tokenId, uint256 price) internal {
        uint16 feeBps = market.feeBps();
        vm.broadcast(operatorKey(tokenId));
        market.list(tokenId, price, (block.timestamp + LISTING_DAYS * 1 days).toUint64(), feeBps);
    }

    /// @dev Nominal figures from the manufacturers' data sheets.
    function demoRigs() internal pure returns (DemoRig[12] memory) {
        return [
            DemoRig(
                "Bitmain", "Antminer S21", "BTM-S21-2401-000117", 200, 3_500, "Rockdale, Texas, US", 1_706_745_600, 500
            ),
            DemoRig(
                "Bitmain",
                "Antminer S21 Pro",
                "BTM-S21P-2407-004821",
                234,
                3_510,
                "Kearney, Nebraska, US",
                1_722_470_400,
                500
            ),
            DemoRig(
                "Bitmain",
                "Antminer S21 XP",
                "BTM-S21XP-2411-000932",
                270,
                3_645,
                "Reykjanesbaer, Iceland",
                1_733_011_200,
                750
            ),
            DemoRig(
                "Bitmain",
                "Antminer S19j Pro",
                "BTM-S19JP-2108-031554",
                104,
                3_068,
                "Hernando, Paraguay",
                1_630_454_400,
                250
            ),
            DemoRig(
                "Bitmain", "Antminer S19 XP", "BTM-S19XP-2209-011208", 141, 3_010, "Boden, Sweden", 1_664_582_400, 300
            ),
            DemoRig(
                "Bitmain", "Antminer S21 Hyd", "BTM-S21H-2403-000455", 335, 5_360, "Tornio, Finland", 1_711_929_600, 600
            ),
            DemoRig(
                "MicroBT",
                "Whatsminer M60",
                "MBT-M60-2402-118820",
                172,
                3_422,
                "Medicine Hat, Alberta, CA",
                1_709_251_200,
                400
            ),
            DemoRig(
                "MicroBT",
                "Whatsminer M60S",
                "MBT-M60S-2406-220413",
                186,
                3_441,
                "Baie-Comeau, Quebec, CA",
                1_719_792_000,
                500
            ),
            DemoRig(
                "MicroBT",
                "Whatsminer M50S",
                "MBT-M50S-2211-090871",
                126,
                3_276,
                "Ekibastuz, Kazakhstan",
                1_669_852_800,
                200
            ),
            DemoRig(
                "Canaan",
                "Avalon A1466",
                "CAN-A1466-2312-006392",
                150,
                3_230,
                "Addis Ababa, Ethiopia",
                1_701_388_800,
                350
            ),
            DemoRig("Canaan", "Avalon A1566", "CAN-A1566-2408-002210", 185, 3_420, "Sohar, Oman", 1_725_148_800, 450),
            DemoRig(
                "Bitmain", "Antminer T21", "BTM-T21-2405-007736", 190, 3_610, "Thimphu, Bhutan", 1_714_521_600, 1_000
            )
        ];
    }
}
