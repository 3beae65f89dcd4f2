// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {ITwinVault} from "../../src/interfaces/ITwinVault.sol";
import {TwinEarnings} from "../../src/TwinEarnings.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";
import {TwinVault} from "../../src/TwinVault.sol";

/// @dev TwinEarnings and TwinMarket name the vault, which is deployed after them and checks that
/// TwinEarnings names it: as Deploy.s.sol does, a test deploys them with the CREATE address the vault
/// will have, counted from this contract's nonce.
abstract contract Wiring is Test {
    /// @dev The address of this contract's creation `ahead` creations from now (0: the next one).
    function creationAhead(uint256 ahead) internal view returns (address) {
        return vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + ahead);
    }

    /// @dev No split twins, for a claim of whole twins' credit only.
    function none() internal pure returns (uint256[] memory) {
        return new uint256[](0);
    }

    /// @dev TwinEarnings, then its vault right after it, at the address it was given.
    function deployEarningsAndVault(
        TwinRegistry registry,
        AggregatorV3Interface ethUsd,
        AggregatorV3Interface sequencer,
        uint256 maxPriceAge,
        AggregatorV3Interface[3] memory network
    ) internal returns (TwinEarnings earnings, TwinVault vault) {
        earnings = new TwinEarnings(registry, ethUsd, sequencer, maxPriceAge, network, ITwinVault(creationAhead(1)));
        vault = new TwinVault(registry, address(earnings));
        assertEq(address(earnings.vault()), address(vault), "the vault landed where TwinEarnings expects it");
    }
}
