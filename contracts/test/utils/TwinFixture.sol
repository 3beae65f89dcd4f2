// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TwinRegistry} from "../../src/TwinRegistry.sol";
import {DemoRigs} from "./DemoRigs.sol";
import {Minting} from "./Minting.sol";
import {Wiring} from "./Wiring.sol";

/// @dev Shared set-up for the registry's tests: one registry, a demo spec and telemetry builders.
abstract contract TwinFixture is Minting, Wiring {
    /// @dev A plausible "now", well after the demo rig's commissioning date.
    uint64 internal constant NOW = 1_750_000_000;

    TwinRegistry internal registry;
    address internal operator = makeAddr("operator");
    address internal reporter = makeAddr("reporter");
    address internal investor = makeAddr("investor");
    address internal stranger = makeAddr("stranger");

    function setUp() public virtual {
        registry = new TwinRegistry();
        vm.warp(NOW);
    }

    function mintAs(address who, TwinRegistry.RigInput memory rig, uint96 royaltyBps) internal returns (uint256) {
        return commitAndMint(registry, who, rig, reporter, royaltyBps);
    }

    /// @dev The first half of {mintAs}: commits to `rig` as `who` and rolls a block, so that a test can
    /// expect what the reveal does (a revert expected before {mintAs} would catch the commit instead).
    function commitAs(address who, TwinRegistry.RigInput memory rig) internal {
        commit(registry, who, rig);
    }

    /// @dev The second half of {mintAs}: reveals `rig` as `who`, with `reporter` as its key.
    function revealAs(address who, TwinRegistry.RigInput memory rig, uint96 royaltyBps) internal returns (uint256) {
        return reveal(registry, who, rig, reporter, royaltyBps);
    }

    /// @dev The commitment {mintAs} makes for `rig` as `who`.
    function commitmentOf(address who, string memory serial) internal view returns (bytes32) {
        return registry.mintCommitment(serial, who, saltFor(who, serial));
    }

    /// @dev Mints the demo S21 as `operator`, with `reporter` as its key and a 5% royalty.
    function mintTwin() internal returns (uint256) {
        return mintAs(operator, DemoRigs.s21("SN-1"), 500);
    }

    function sample(uint64 timestamp) internal pure returns (TwinRegistry.TelemetryReport memory) {
        return TwinRegistry.TelemetryReport({
            timestamp: timestamp,
            hashrateGhs: 199_250,
            powerWatts: 3_488,
            boardTempDeciC: -125,
            fanRpm: 5_400,
            uptimeSeconds: 86_400,
            acceptedShares: 1_234_567,
            rejectedShares: 89
        });
    }

    /// @dev `count` samples, `step` seconds apart, the last one at `last`.
    function batch(uint64 last, uint64 count, uint64 step)
        internal
        pure
        returns (TwinRegistry.TelemetryReport[] memory reports)
    {
        reports = new TwinRegistry.TelemetryReport[](count);
        for (uint64 i = 0; i < count; ++i) {
            reports[i] = sample(last - (count - 1 - i) * step);
        }
    }

    function single(uint64 timestamp) internal pure returns (TwinRegistry.TelemetryReport[] memory reports) {
        reports = new TwinRegistry.TelemetryReport[](1);
        reports[0] = sample(timestamp);
    }

    /// @dev The newest report {report} posted per twin: what a settlement's period ends at, known
    /// without a call that would take a pending prank or expected revert.
    mapping(uint256 tokenId => uint64) internal reportedThrough;

    function report(uint256 tokenId, TwinRegistry.TelemetryReport[] memory reports) internal {
        vm.prank(reporter);
        registry.reportTelemetry(tokenId, reports);
        if (reports.length != 0) reportedThrough[tokenId] = reports[reports.length - 1].timestamp;
    }

    function sellTo(uint256 tokenId, address buyer) internal {
        address seller = registry.ownerOf(tokenId);
        vm.prank(seller);
        registry.transferFrom(seller, buyer, tokenId);
    }
}
