// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinRegistryHandler} from "./handlers/TwinRegistryHandler.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";

/// @dev Four actors register rigs from a pool of four serials, each typed in one of seven spellings,
/// while two copiers race their reveals; twins change hands, approvals come and go, rigs change
/// status and operator, and report telemetry that drives their energy meters.
contract TwinRegistryInvariantTest is StdInvariant, Test {
    TwinRegistry internal registry;
    TwinRegistryHandler internal handler;

    function setUp() public {
        vm.warp(1_750_000_000);
        vm.roll(100);
        registry = new TwinRegistry();

        address[] memory actors = new address[](4);
        for (uint256 i; i < actors.length; ++i) {
            actors[i] = makeAddr(string.concat("actor", vm.toString(i)));
        }
        address[] memory copiers = new address[](2);
        copiers[0] = makeAddr("copier0");
        copiers[1] = makeAddr("copier1");
        string[] memory bases = new string[](4);
        bases[0] = "S19XP-0001";
        bases[1] = "M60S-77A";
        bases[2] = "AVALON-1466";
        bases[3] = "KS5L-X9";
        handler = new TwinRegistryHandler(registry, actors, copiers, bases);

        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = TwinRegistryHandler.commit.selector;
        selectors[1] = TwinRegistryHandler.frontRunCommit.selector;
        selectors[2] = TwinRegistryHandler.reveal.selector;
        selectors[3] = TwinRegistryHandler.copierRace.selector;
        selectors[4] = TwinRegistryHandler.copierRevealLater.selector;
        selectors[5] = TwinRegistryHandler.roll.selector;
        selectors[6] = TwinRegistryHandler.transfer.selector;
        selectors[7] = TwinRegistryHandler.approve.selector;
        selectors[8] = TwinRegistryHandler.setApprovalForAll.selector;
        selectors[9] = TwinRegistryHandler.setStatus.selector;
        selectors[10] = TwinRegistryHandler.handOverRig.selector;
        selectors[11] = TwinRegistryHandler.copierRecommit.selector;
        selectors[12] = TwinRegistryHandler.reportTelemetry.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev A salt a copier once committed with, later typed by an actor for the same serial (the
    /// fuzzer draws salts from the handler's storage): replaying that actor's reveal, the copier
    /// finds its own old commitment, due, so the registry answers that the serial is taken, not that
    /// nothing was committed. Found by a CI run of the campaign below.
    function test_copierRace_replaysAnActorSaltItCommittedWithBefore() public {
        bytes32 actorSalt = keccak256("first salt");
        handler.commit({actorSeed: 0, baseSeed: 0, variantSeed: 0, salt: actorSalt});
        handler.roll(1);
        handler.copierRace({copierSeed: 0, pendingSeed: 0, royaltyBps: 0});
        assertEq(registry.totalSupply(), 1, "the actor minted, the copier did not");

        bytes32 copierSalt = keccak256(abi.encode(actorSalt, handler.copiers()[0]));
        handler.commit({actorSeed: 1, baseSeed: 0, variantSeed: 0, salt: copierSalt});
        handler.roll(1);
        handler.copierRace({copierSeed: 0, pendingSeed: 0, royaltyBps: 0});

        assertEq(handler.ghostCopierMints(), 0, "a copier minted");
        assertEq(registry.totalSupply(), 1, "the serial minted once");
    }

    /// @dev Every twin is found again by its serial hash, no two share one, and every serial hash
    /// stored is that of a canonical pool serial: no other spelling ever became a twin.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_oneTwinPerCanonicalSerial() public view {
        uint256 supply = registry.totalSupply();
        assertEq(supply, handler.ghostMints(), "supply vs mints");
        assertLe(supply, 4, "at most one twin per pool serial");
        for (uint256 id = 1; id <= supply; ++id) {
            bytes32 serialHash = registry.specOf(id).serialHash;
            assertEq(registry.tokenOfSerial(serialHash), id, "serial hash maps back to its twin");
            assertTrue(handler.ghostCanonicalSerial(serialHash), "serial hash of a canonical pool serial");
            assertEq(handler.ghostTokenOfSerial(serialHash), id, "the twin the handler saw minted");
            for (uint256 other = 1; other < id; ++other) {
                assertTrue(registry.specOf(other).serialHash != serialHash, "two twins share a serial");
            }
        }
        bytes32[] memory variants = handler.variantHashes();
        for (uint256 i; i < variants.length; ++i) {
            assertEq(registry.tokenOfSerial(variants[i]), 0, "a non-canonical spelling has a twin");
        }
    }

    /// @dev Each owner's history of each twin's epochs, as the handler observed it after every call,
    /// strictly increases (so never repeats), and ends at the epoch the twin has now.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_custodyEpochNeverRepeatsForAnOwner() public view {
        assertEq(handler.ghostEpochRepeats(), 0, "an owner saw an epoch again");
        uint256 supply = registry.totalSupply();
        address[] memory actors = handler.actors();
        for (uint256 id = 1; id <= supply; ++id) {
            (address owner, uint64 epoch,) = registry.custodyOf(id);
            for (uint256 a; a < actors.length; ++a) {
                uint64[] memory history = handler.epochHistory(actors[a], id);
                for (uint256 i = 1; i < history.length; ++i) {
                    assertGt(history[i], history[i - 1], "epochs of one owner go up");
                }
                if (actors[a] == owner) assertEq(history[history.length - 1], epoch, "current epoch last seen");
            }
        }
    }

    /// @dev The epoch moved after exactly the calls that took custody from someone: transfers,
    /// revoking or replacing an approval, revoking an operator for all.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_custodyEpochMovesExactlyWithCustody() public view {
        assertEq(handler.ghostEpochMissedChanges(), 0, "custody taken, epoch unchanged");
        assertEq(handler.ghostEpochUnexpectedChanges(), 0, "epoch changed, custody not taken");
    }

    /// @dev No copier ever minted, owns a twin, runs a rig or receives its royalties: every twin was
    /// minted by the actor who committed to it.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_copiersNeverMint() public view {
        assertEq(handler.ghostCopierMints(), 0, "a copier minted");
        address[] memory copiers = handler.copiers();
        uint256 supply = registry.totalSupply();
        for (uint256 c; c < copiers.length; ++c) {
            assertEq(registry.balanceOf(copiers[c]), 0, "a copier owns a twin");
            for (uint256 id = 1; id <= supply; ++id) {
                assertTrue(handler.ghostMinterOf(id) != copiers[c], "a copier minted this twin");
                assertTrue(registry.operatorOf(id) != copiers[c], "a copier runs this rig");
            }
        }
    }

    /// @dev A twin is retired exactly when decommissioned, and its royalty goes to whoever runs the rig,
    /// at the rate it was minted with.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_retiredAndRoyaltyFollowTheRig() public view {
        uint256 supply = registry.totalSupply();
        for (uint256 id = 1; id <= supply; ++id) {
            (,, bool retired) = registry.custodyOf(id);
            assertEq(retired, handler.ghostDecommissioned(id), "retired vs ghost");
            assertEq(retired, registry.statusOf(id) == TwinRegistry.Status.Decommissioned, "retired vs status");
            (address receiver, uint256 amount) = registry.royaltyInfo(id, 10_000);
            assertEq(receiver, registry.operatorOf(id), "royalty receiver");
            assertEq(amount, handler.ghostRoyaltyBpsOf(id), "royalty rate");
        }
    }

    /// @dev Each twin's meter is exactly what its telemetry drew (power x min(gap, 1 h), rounded down
    /// per batch), through its newest sample, and was never seen to go down or back; its terms are
    /// still those it was minted with, from its mint.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_meterOnlyGrowsWithTelemetryAndTermsStayFixed() public view {
        assertEq(handler.ghostMeterDecreases(), 0, "a meter went down or back");
        uint256 supply = registry.totalSupply();
        for (uint256 id = 1; id <= supply; ++id) {
            (uint64 energyWh, uint64 meteredThrough) = registry.meterOf(id);
            assertEq(energyWh, handler.ghostEnergyWh(id), "meter vs ghost");
            assertEq(meteredThrough, handler.ghostMeteredThrough(id), "metered through vs ghost");
            (TwinRegistry.EarningTerms memory terms, uint64 mintedAt) = registry.earningTermsOf(id);
            TwinRegistry.EarningTerms memory minted = DemoRigs.terms();
            assertEq(mintedAt, handler.ghostMintedAt(id), "minted at");
            assertEq(terms.serviceFeeBps, minted.serviceFeeBps, "service fee");
            assertEq(terms.tariffMicroUsdPerKwh, minted.tariffMicroUsdPerKwh, "tariff");
            assertEq(terms.settlementPeriod, minted.settlementPeriod, "period");
            assertEq(terms.gracePeriod, minted.gracePeriod, "grace");
        }
    }
}
