// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";

/// @notice Mints `BENCH_TWINS` more twins for the gallery benchmark (scripts/bench): a collection
/// the size of a busy deployment, with varied makers, models, hashrates and places. Local chains
/// only: it signs with anvil's public test key of account 1.
contract BenchTwins is Script {
    string internal constant ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

    function run() external {
        TwinRegistry registry = TwinRegistry(vm.envAddress("TWIN_REGISTRY"));
        uint256 count = vm.envUint("BENCH_TWINS");
        uint256 first = vm.envUint("BENCH_FIRST");
        string[4] memory makers = ["Bitmain", "MicroBT", "Canaan", "Bitdeer"];
        string[4] memory models = ["Antminer S21", "Whatsminer M60S", "Avalon A1566", "SealMiner A2"];
        string[5] memory places =
            ["Rockdale, Texas, US", "Kuopio, Finland", "Sohar, Oman", "Thimphu, Bhutan", "Boden, Sweden"];
        address reporter = vm.addr(vm.deriveKey(ANVIL_MNEMONIC, 5));
        uint256 minterKey = vm.deriveKey(ANVIL_MNEMONIC, 1);
        address minter = vm.addr(minterKey);
        vm.startBroadcast(minterKey);
        for (uint256 i = first; i < first + count; i++) {
            registry.commitMint(registry.mintCommitment(serial(i), minter, bytes32(i)));
        }
        // The reveals' simulation must see the commits in an earlier block, as the chain will.
        vm.roll(block.number + 1);
        for (uint256 i = first; i < first + count; i++) {
            registry.mint(
                TwinRegistry.RigInput({
                    manufacturer: makers[i % 4],
                    model: models[i % 4],
                    serial: serial(i),
                    hashrateGhs: uint64(100_000 + (i * 7_919) % 250_000),
                    powerWatts: uint32(3_000 + (i * 104_729) % 3_000),
                    location: places[i % 5],
                    commissionedAt: uint64(1_700_000_000 + i * 3_600)
                }),
                reporter,
                uint96(i % 1_000),
                TwinRegistry.EarningTerms({
                    serviceFeeBps: uint16(500 + i % 1_500),
                    tariffMicroUsdPerKwh: uint32(40_000 + (i * 31) % 50_000),
                    settlementPeriod: i % 3 == 0 ? 7 days : 1 days,
                    gracePeriod: 12 hours
                }),
                bytes32(i)
            );
        }
        vm.stopBroadcast();
    }

    function serial(uint256 i) internal pure returns (string memory) {
        return string.concat("BENCH-", vm.toString(i));
    }
}
