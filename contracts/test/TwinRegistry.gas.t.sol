// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinFixture} from "./utils/TwinFixture.sol";
import {GasProbe} from "./utils/GasProbe.sol";

/// @dev The telemetry gas probe, run with `forge test --mt test_gas --isolate -vv` (see {GasProbe}).
/// One twin posts a 1-report batch and then a 168-report batch (a week of hourly reports, the most a
/// batch takes), each an hour after the report before, so that both batches do the same per-report
/// work and the same fixed work: one cold read and one write of the twin's state slot, both after
/// earlier telemetry. What one more report costs is (gas[168] - gas[1]) / 167; scripts/bench gas works
/// it out and compares it with the registry before #13, into whose tree it copies this file: it must
/// compile against both, so it mints only through the Minting helpers and reads no newer view.
contract TwinRegistryGasTest is TwinFixture, GasProbe {
    function test_gas_reportTelemetry() public {
        vm.warp(NOW - 30 days);
        uint256 id = mintTwin();
        vm.warp(NOW);
        // Earlier telemetry, as a live twin has.
        report(id, single(NOW - 169 hours));

        TwinRegistry.TelemetryReport[] memory one = single(NOW - 168 hours);
        report(id, one);
        _logGas("reportTelemetry[1]", abi.encodeCall(registry.reportTelemetry, (id, one)));

        TwinRegistry.TelemetryReport[] memory week = batch(NOW, 168, 1 hours);
        report(id, week);
        _logGas("reportTelemetry[168]", abi.encodeCall(registry.reportTelemetry, (id, week)));
        assertEq(registry.lastTelemetryAt(id), NOW);
    }

    /// @dev {GasProbe.logGas}, except where its figures would mean nothing: without `--isolate` (a plain
    /// `forge test`, `forge coverage`) the call's gas leaves out the intrinsic and calldata gas, and the
    /// warm 1-report batch costs less than they do.
    function _logGas(string memory operation, bytes memory data) private view {
        if (vm.lastCallGas().gasTotalUsed < TX_BASE_GAS + calldataGas(data)) return;
        logGas(operation, data);
    }
}
