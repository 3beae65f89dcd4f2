// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {HashLedger} from "../src/HashLedger.sol";

/// @notice Deploys the HashTwin contracts from the broadcasting key, which also becomes their owner
/// and the market's treasury unless HASHTWIN_OWNER / HASHTWIN_TREASURY say otherwise. The addresses
/// are read back from the broadcast record by scripts/lib/localchain.mjs, which writes them into
/// public/networks.json.
contract Deploy is Script {
    /// @dev 2.5%: the protocol fee of every sale.
    uint256 internal constant DEFAULT_FEE_BPS = 250;
    /// @dev About one share per 2^24 hashes: a share every few seconds from one browser tab.
    uint256 internal constant DEFAULT_MIN_BITS = 0x1e00ffff;

    function run() external returns (TwinRegistry registry, TwinMarket market, HashLedger ledger) {
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        address owner = vm.envOr("HASHTWIN_OWNER", deployer);
        address treasury = vm.envOr("HASHTWIN_TREASURY", owner);
        uint16 feeBps = uint16(vm.envOr("HASHTWIN_FEE_BPS", DEFAULT_FEE_BPS));
        uint32 minBits = uint32(vm.envOr("HASHTWIN_MIN_BITS", DEFAULT_MIN_BITS));

        registry = new TwinRegistry();
        market = new TwinMarket(registry, owner, treasury, feeBps);
        ledger = new HashLedger(registry, owner, minBits);
        vm.stopBroadcast();
    }
}
