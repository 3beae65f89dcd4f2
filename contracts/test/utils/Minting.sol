// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";
import {DemoRigs} from "./DemoRigs.sol";

/// @dev Registers rigs the way an operator must: commit, a block later reveal.
abstract contract Minting is Test {
    /// @dev The salt a test minter uses; any secret works, this one only has to differ per rig.
    function saltFor(address minter, string memory serial) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", minter, serial));
    }

    /// @dev Commits to `rig` as `minter` and rolls one block, ready for {reveal}.
    function commit(TwinRegistry registry, address minter, TwinRegistry.RigInput memory rig) internal {
        // Computed first: the prank is for the commit itself, not for this view.
        bytes32 commitment = registry.mintCommitment(rig.serial, minter, saltFor(minter, rig.serial));
        vm.prank(minter);
        registry.commitMint(commitment);
        vm.roll(block.number + 1);
    }

    function reveal(
        TwinRegistry registry,
        address minter,
        TwinRegistry.RigInput memory rig,
        address reporter_,
        uint96 royaltyBps
    ) internal returns (uint256) {
        vm.prank(minter);
        return registry.mint(rig, reporter_, royaltyBps, DemoRigs.terms(), saltFor(minter, rig.serial));
    }

    function commitAndMint(
        TwinRegistry registry,
        address minter,
        TwinRegistry.RigInput memory rig,
        address reporter_,
        uint96 royaltyBps
    ) internal returns (uint256) {
        commit(registry, minter, rig);
        return reveal(registry, minter, rig, reporter_, royaltyBps);
    }
}
