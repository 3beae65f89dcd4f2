// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinFixture} from "./utils/TwinFixture.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";

/// @dev Operator hand-over, reporter rotation, status, telemetry and maintenance.
contract TwinOperationsTest is TwinFixture {
    /// @dev The twin is minted a month before NOW, so that telemetry of the past weeks is after its mint.
    uint64 internal constant MINTED_AT = NOW - 30 days;

    uint256 internal id;
    address internal successor = makeAddr("successor");

    event MetadataUpdate(uint256 _tokenId);

    function setUp() public override {
        super.setUp();
        vm.warp(MINTED_AT);
        id = mintTwin();
        vm.warp(NOW);
    }

    /// @dev Offers the rig of `tokenId` from its operator to `to`, who accepts.
    function handOver(uint256 tokenId, address to) internal {
        vm.prank(registry.operatorOf(tokenId));
        registry.proposeOperator(tokenId, to);
        vm.prank(to);
        registry.acceptOperator(tokenId);
    }

    // ---------------------------------------------------------------- operator

    function test_acceptOperator_movesOperatorAndRoyaltyAtSameRate() public {
        handOver(id, successor);

        assertEq(registry.operatorOf(id), successor);
        (address receiver, uint256 amount) = registry.royaltyInfo(id, 1 ether);
        assertEq(receiver, successor);
        assertEq(amount, 0.05 ether);
        assertEq(registry.ownerOf(id), operator, "ownership does not move with the rig");
        assertEq(registry.reporterOf(id), reporter);
    }

    function test_acceptOperator_keepsZeroRoyaltyAtZero() public {
        uint256 free = mintAs(operator, DemoRigs.s21("SN-2"), 0);
        handOver(free, stranger);
        (address receiver, uint256 amount) = registry.royaltyInfo(free, 1 ether);
        assertEq(receiver, stranger);
        assertEq(amount, 0);
    }

    /// @dev Proposing moves nothing: the operator role and the royalties stay until the accept.
    function test_proposeOperator_movesNothingUntilAccepted() public {
        vm.prank(operator);
        registry.proposeOperator(id, successor);

        assertEq(registry.pendingOperatorOf(id), successor);
        assertEq(registry.operatorOf(id), operator);
        (address receiver, uint256 amount) = registry.royaltyInfo(id, 1 ether);
        assertEq(receiver, operator);
        assertEq(amount, 0.05 ether);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, id, successor));
        vm.prank(successor);
        registry.setStatus(id, TwinRegistry.Status.Offline);

        vm.prank(successor);
        registry.acceptOperator(id);
        (receiver,) = registry.royaltyInfo(id, 1 ether);
        assertEq(receiver, successor);
    }

    function test_proposeOperator_emitsOperatorProposed() public {
        vm.expectEmit(address(registry));
        emit TwinRegistry.OperatorProposed(id, operator, successor);
        vm.prank(operator);
        registry.proposeOperator(id, successor);
    }

    function test_acceptOperator_emitsOperatorTransferred() public {
        vm.prank(operator);
        registry.proposeOperator(id, stranger);
        vm.expectEmit(address(registry));
        emit TwinRegistry.OperatorTransferred(id, operator, stranger);
        vm.prank(stranger);
        registry.acceptOperator(id);
    }

    function test_acceptOperator_clearsTheOffer() public {
        handOver(id, successor);
        assertEq(registry.pendingOperatorOf(id), address(0));
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotProposedOperator.selector, id, successor));
        vm.prank(successor);
        registry.acceptOperator(id);
    }

    function test_acceptOperator_previousOperatorLosesTheRole() public {
        handOver(id, stranger);

        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, id, operator));
        vm.prank(operator);
        registry.proposeOperator(id, operator);

        handOver(id, operator);
        assertEq(registry.operatorOf(id), operator);
    }

    /// @dev Only the proposed account can take the rig: not its owner, the reporter, the operator
    /// itself, nor anyone else.
    function test_acceptOperator_revertsForAnyoneButTheProposed() public {
        sellTo(id, investor);
        vm.prank(operator);
        registry.proposeOperator(id, successor);

        address[4] memory callers = [investor, reporter, operator, stranger];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotProposedOperator.selector, id, callers[i]));
            vm.prank(callers[i]);
            registry.acceptOperator(id);
        }
        assertEq(registry.operatorOf(id), operator);
    }

    function test_acceptOperator_revertsWithoutOffer() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotProposedOperator.selector, id, successor));
        vm.prank(successor);
        registry.acceptOperator(id);

        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotProposedOperator.selector, id, address(0)));
        vm.prank(address(0));
        registry.acceptOperator(id);
    }

    function test_acceptOperator_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotProposedOperator.selector, 7, successor));
        vm.prank(successor);
        registry.acceptOperator(7);
    }

    /// @dev `transferOperator(id, 0)` used to revert with `ZeroOperator`; proposing zero now withdraws
    /// the offer, and the rig stays where it is.
    function test_proposeOperator_zeroWithdrawsTheOffer() public {
        vm.startPrank(operator);
        registry.proposeOperator(id, successor);
        vm.expectEmit(address(registry));
        emit TwinRegistry.OperatorProposed(id, operator, address(0));
        registry.proposeOperator(id, address(0));
        vm.stopPrank();

        assertEq(registry.pendingOperatorOf(id), address(0));
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotProposedOperator.selector, id, successor));
        vm.prank(successor);
        registry.acceptOperator(id);
        assertEq(registry.operatorOf(id), operator);
    }

    function test_proposeOperator_newOfferReplacesTheOld() public {
        vm.startPrank(operator);
        registry.proposeOperator(id, successor);
        registry.proposeOperator(id, stranger);
        vm.stopPrank();

        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotProposedOperator.selector, id, successor));
        vm.prank(successor);
        registry.acceptOperator(id);
        vm.prank(stranger);
        registry.acceptOperator(id);
        assertEq(registry.operatorOf(id), stranger);
    }

    function test_proposeOperator_revertsForOwnerWhoIsNotOperator() public {
        sellTo(id, investor);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, id, investor));
        vm.prank(investor);
        registry.proposeOperator(id, investor);
    }

    function test_proposeOperator_revertsForReporter() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, id, reporter));
        vm.prank(reporter);
        registry.proposeOperator(id, reporter);
    }

    function test_proposeOperator_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, 7, operator));
        vm.prank(operator);
        registry.proposeOperator(7, stranger);
    }

    /// @dev Whoever is offered the rig, the royalty stays with the operator until that account accepts,
    /// and then pays it at the twin's unchanged rate.
    function testFuzz_operatorHandOver_royaltyFollowsOnlyOnAccept(address to, uint256 salePrice) public {
        vm.assume(to != address(0) && to != operator);
        salePrice = bound(salePrice, 0, 1e30);
        vm.prank(operator);
        registry.proposeOperator(id, to);
        (address receiver, uint256 amount) = registry.royaltyInfo(id, salePrice);
        assertEq(receiver, operator);

        vm.prank(to);
        registry.acceptOperator(id);
        uint256 before = amount;
        (receiver, amount) = registry.royaltyInfo(id, salePrice);
        assertEq(receiver, to);
        assertEq(amount, before);
        assertEq(amount, salePrice * 500 / 10_000);
    }

    // ---------------------------------------------------------------- reporter

    function test_setReporter_rotatesTheKey() public {
        address rotated = makeAddr("rotated");
        vm.prank(operator);
        registry.setReporter(id, rotated);
        assertEq(registry.reporterOf(id), rotated);

        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotReporter.selector, id, reporter));
        report(id, single(NOW));

        vm.prank(rotated);
        registry.reportTelemetry(id, single(NOW));
        assertEq(registry.lastTelemetryAt(id), NOW);
    }

    function test_setReporter_emitsReporterChanged() public {
        vm.expectEmit(address(registry));
        emit TwinRegistry.ReporterChanged(id, reporter, stranger);
        vm.prank(operator);
        registry.setReporter(id, stranger);
    }

    function test_setReporter_revertsForNonOperator() public {
        sellTo(id, investor);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, id, investor));
        vm.prank(investor);
        registry.setReporter(id, investor);

        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, id, reporter));
        vm.prank(reporter);
        registry.setReporter(id, stranger);
    }

    function test_setReporter_revertsOnZeroReporter() public {
        vm.expectRevert(TwinRegistry.ZeroReporter.selector);
        vm.prank(operator);
        registry.setReporter(id, address(0));
    }

    function test_setReporter_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, 7, operator));
        vm.prank(operator);
        registry.setReporter(7, stranger);
    }

    // ---------------------------------------------------------------- status

    function test_statusOf_newTwinIsActive() public view {
        assertEq(uint8(registry.statusOf(id)), uint8(TwinRegistry.Status.Active));
    }

    function test_setStatus_goesOfflineAndBack() public {
        vm.startPrank(operator);
        registry.setStatus(id, TwinRegistry.Status.Offline);
        assertEq(uint8(registry.statusOf(id)), uint8(TwinRegistry.Status.Offline));
        registry.setStatus(id, TwinRegistry.Status.Active);
        assertEq(uint8(registry.statusOf(id)), uint8(TwinRegistry.Status.Active));
        vm.stopPrank();
    }

    function test_setStatus_emitsStatusChanged() public {
        vm.expectEmit(address(registry));
        emit TwinRegistry.StatusChanged(id, TwinRegistry.Status.Active, TwinRegistry.Status.Offline);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Offline);

        vm.expectEmit(address(registry));
        emit TwinRegistry.StatusChanged(id, TwinRegistry.Status.Offline, TwinRegistry.Status.Decommissioned);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
    }

    /// @dev ERC-4906: the status is part of the rendered metadata, so every change tells indexers to
    /// refresh it.
    function test_setStatus_emitsMetadataUpdate() public {
        vm.expectEmit(address(registry));
        emit MetadataUpdate(id);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Offline);

        vm.expectEmit(address(registry));
        emit MetadataUpdate(id);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
    }

    function test_setStatus_revertsOnUnchangedStatus() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.StatusUnchanged.selector, id, TwinRegistry.Status.Active));
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Active);
    }

    function test_setStatus_decommissionedIsFinal() public {
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        assertEq(uint8(registry.statusOf(id)), uint8(TwinRegistry.Status.Decommissioned));

        for (uint8 s = 0; s <= uint8(TwinRegistry.Status.Decommissioned); ++s) {
            vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TwinDecommissioned.selector, id));
            vm.prank(operator);
            registry.setStatus(id, TwinRegistry.Status(s));
        }
    }

    function test_setStatus_revertsForNonOperator() public {
        sellTo(id, investor);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, id, investor));
        vm.prank(investor);
        registry.setStatus(id, TwinRegistry.Status.Offline);

        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, id, reporter));
        vm.prank(reporter);
        registry.setStatus(id, TwinRegistry.Status.Offline);
    }

    function test_setStatus_revertsOnStatusOutOfRange() public {
        vm.prank(operator);
        (bool ok, bytes memory data) =
            address(registry).call(abi.encodeWithSelector(registry.setStatus.selector, id, 3));
        assertFalse(ok);
        assertEq(data.length, 0, "the ABI decoder rejects it before any check");
        assertEq(uint8(registry.statusOf(id)), uint8(TwinRegistry.Status.Active));
    }

    // ---------------------------------------------------------------- telemetry

    function test_reportTelemetry_recordsNewestTimestamp() public {
        assertEq(registry.lastTelemetryAt(id), MINTED_AT);
        report(id, batch(NOW - 60, 3, 3_600));
        assertEq(registry.lastTelemetryAt(id), NOW - 60);
    }

    function test_reportTelemetry_emitsOneEventPerReport() public {
        TwinRegistry.TelemetryReport[] memory reports = batch(NOW, 3, 3_600);
        reports[1].boardTempDeciC = type(int16).min;
        reports[2].hashrateGhs = 0;
        for (uint256 i = 0; i < reports.length; ++i) {
            vm.expectEmit(address(registry));
            emit TwinRegistry.TelemetryReported(id, reports[i]);
        }
        report(id, reports);
    }

    function test_reportTelemetry_acceptsFullWeekBatch() public {
        assertEq(registry.MAX_TELEMETRY_BATCH(), 168);
        report(id, batch(NOW, 168, 3_600));
        assertEq(registry.lastTelemetryAt(id), NOW);
    }

    function test_reportTelemetry_acceptsReportAtBlockTimestamp() public {
        report(id, single(uint64(block.timestamp)));
        assertEq(registry.lastTelemetryAt(id), block.timestamp);
    }

    function test_reportTelemetry_continuesAfterPreviousBatch() public {
        report(id, batch(NOW - 7_200, 2, 60));
        vm.warp(NOW + 3_600);
        report(id, batch(NOW + 3_600, 4, 600));
        assertEq(registry.lastTelemetryAt(id), NOW + 3_600);
    }

    function test_reportTelemetry_allowedWhileOffline() public {
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Offline);
        report(id, single(NOW));
        assertEq(registry.lastTelemetryAt(id), NOW);
    }

    function test_reportTelemetry_revertsForNonReporter() public {
        address[3] memory callers = [operator, investor, stranger];
        sellTo(id, investor);
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotReporter.selector, id, callers[i]));
            vm.prank(callers[i]);
            registry.reportTelemetry(id, single(NOW));
        }
    }

    function test_reportTelemetry_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotReporter.selector, 7, reporter));
        report(7, single(NOW));
    }

    function test_reportTelemetry_revertsWhenDecommissioned() public {
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TwinDecommissioned.selector, id));
        report(id, single(NOW));
    }

    function test_reportTelemetry_revertsOnEmptyBatch() public {
        vm.expectRevert(TwinRegistry.EmptyTelemetryBatch.selector);
        report(id, new TwinRegistry.TelemetryReport[](0));
    }

    function test_reportTelemetry_revertsOnBatchOverMaximum() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryBatchTooLarge.selector, 169, 168));
        report(id, batch(NOW, 169, 60));
    }

    function test_reportTelemetry_revertsOnFutureTimestamp() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryInFuture.selector, NOW + 1, NOW));
        report(id, batch(NOW + 1, 2, 60));
    }

    function test_reportTelemetry_revertsOnZeroTimestamp() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryOutOfOrder.selector, 0, 0, MINTED_AT));
        report(id, single(0));
    }

    /// @dev A new twin's telemetry floor is its mint: it used to be 0, which let a reporter date
    /// samples to before the twin (or the rig) existed.
    function test_lastTelemetryAt_startsAtTheMint() public {
        assertEq(registry.lastTelemetryAt(id), MINTED_AT);
        vm.warp(NOW + 1 days);
        uint256 fresh = mintAs(operator, DemoRigs.s21("SN-2"), 0);
        assertEq(registry.lastTelemetryAt(fresh), NOW + 1 days);
    }

    function test_reportTelemetry_revertsOnReportAtOrBeforeTheMint() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryOutOfOrder.selector, 0, MINTED_AT, MINTED_AT));
        report(id, single(MINTED_AT));
        vm.expectRevert(
            abi.encodeWithSelector(TwinRegistry.TelemetryOutOfOrder.selector, 0, MINTED_AT - 1 days, MINTED_AT)
        );
        report(id, single(MINTED_AT - 1 days));

        report(id, single(MINTED_AT + 1));
        assertEq(registry.lastTelemetryAt(id), MINTED_AT + 1);
    }

    /// @dev Even a twin minted this very second takes nothing dated now or before; a second later it does.
    function test_reportTelemetry_freshTwinTakesOnlyLaterSamples() public {
        uint256 fresh = mintAs(operator, DemoRigs.s21("SN-2"), 0);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryOutOfOrder.selector, 0, NOW, NOW));
        report(fresh, single(NOW));

        vm.warp(NOW + 1);
        report(fresh, single(NOW + 1));
        assertEq(registry.lastTelemetryAt(fresh), NOW + 1);
    }

    function testFuzz_reportTelemetry_refusesAnySampleUpToTheMint(uint64 timestamp) public {
        timestamp = uint64(bound(timestamp, 0, MINTED_AT));
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryOutOfOrder.selector, 0, timestamp, MINTED_AT));
        report(id, single(timestamp));
    }

    function test_reportTelemetry_revertsOnDuplicateTimestampInBatch() public {
        TwinRegistry.TelemetryReport[] memory reports = batch(NOW, 3, 60);
        reports[2].timestamp = reports[1].timestamp;
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryOutOfOrder.selector, 2, NOW - 60, NOW - 60));
        report(id, reports);
    }

    function test_reportTelemetry_revertsOnDecreasingTimestampInBatch() public {
        TwinRegistry.TelemetryReport[] memory reports = batch(NOW, 3, 60);
        reports[1].timestamp = NOW - 500;
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryOutOfOrder.selector, 1, NOW - 500, NOW - 120));
        report(id, reports);
    }

    function test_reportTelemetry_revertsOnReplayOfLastTimestamp() public {
        report(id, single(NOW - 60));
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryOutOfOrder.selector, 0, NOW - 60, NOW - 60));
        report(id, single(NOW - 60));
    }

    function test_reportTelemetry_revertsOnBackfillBeforeLastTimestamp() public {
        report(id, single(NOW));
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryOutOfOrder.selector, 0, NOW - 3_600, NOW));
        report(id, single(NOW - 3_600));
    }

    function testFuzz_reportTelemetry_acceptsExactlyStrictlyIncreasingBatches(
        uint64 last,
        uint16[168] memory steps,
        uint256 count
    ) public {
        last = uint64(bound(last, MINTED_AT, NOW - 1));
        count = bound(count, 1, 168);
        if (last != MINTED_AT) report(id, single(last));

        TwinRegistry.TelemetryReport[] memory reports = new TwinRegistry.TelemetryReport[](count);
        uint64 previous = last;
        bool ordered = true;
        uint256 firstBad;
        for (uint256 i = 0; i < count; ++i) {
            // Steps of -3 to +600 s: most batches hold, and a fair share have one step that does not.
            uint64 step = steps[i] % 604;
            uint64 stamp = previous + step < 3 ? 0 : previous + step - 3;
            reports[i] = sample(stamp);
            if (ordered && stamp <= previous) (ordered, firstBad) = (false, i);
            previous = stamp;
        }
        uint64 newest = reports[count - 1].timestamp;
        vm.warp(newest > NOW ? newest : NOW);

        if (ordered) {
            report(id, reports);
            assertEq(registry.lastTelemetryAt(id), newest);
        } else {
            uint64 before = firstBad == 0 ? last : reports[firstBad - 1].timestamp;
            vm.expectRevert(
                abi.encodeWithSelector(
                    TwinRegistry.TelemetryOutOfOrder.selector, firstBad, reports[firstBad].timestamp, before
                )
            );
            report(id, reports);
            assertEq(registry.lastTelemetryAt(id), last);
        }
    }

    function testFuzz_reportTelemetry_rejectsAnyFutureNewest(uint64 ahead) public {
        ahead = uint64(bound(ahead, 1, type(uint64).max - NOW));
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.TelemetryInFuture.selector, NOW + ahead, NOW));
        report(id, single(NOW + ahead));
    }

    // ---------------------------------------------------------------- maintenance

    function test_logMaintenance_emitsMaintenanceLogged() public {
        vm.expectEmit(address(registry));
        emit TwinRegistry.MaintenanceLogged(id, TwinRegistry.MaintenanceKind.PartReplacement, "hashboard 2", NOW);
        vm.prank(operator);
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.PartReplacement, "hashboard 2");
    }

    function test_logMaintenance_acceptsEveryKind() public {
        for (uint8 k = 0; k <= uint8(TwinRegistry.MaintenanceKind.Other); ++k) {
            vm.expectEmit(address(registry));
            emit TwinRegistry.MaintenanceLogged(id, TwinRegistry.MaintenanceKind(k), "note", NOW);
            vm.prank(operator);
            registry.logMaintenance(id, TwinRegistry.MaintenanceKind(k), "note");
        }
    }

    function test_logMaintenance_acceptsNoteOfMaximumLength() public {
        string memory note = string(bytes.concat(new bytes(279), "!"));
        assertEq(bytes(note).length, registry.MAX_NOTE_LENGTH());
        vm.prank(operator);
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Other, note);
    }

    function test_logMaintenance_allowedWhenDecommissioned() public {
        vm.startPrank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        vm.expectEmit(address(registry));
        emit TwinRegistry.MaintenanceLogged(id, TwinRegistry.MaintenanceKind.Other, "sent to recycler", NOW);
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Other, "sent to recycler");
        vm.stopPrank();
    }

    function test_logMaintenance_revertsForNonOperator() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, id, reporter));
        vm.prank(reporter);
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Inspection, "looked at it");
    }

    function test_logMaintenance_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, 7, operator));
        vm.prank(operator);
        registry.logMaintenance(7, TwinRegistry.MaintenanceKind.Inspection, "looked at it");
    }

    function test_logMaintenance_revertsOnEmptyNote() public {
        vm.expectRevert(TwinRegistry.EmptyNote.selector);
        vm.prank(operator);
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Repair, "");
    }

    function test_logMaintenance_revertsOnNoteOverMaximum() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NoteTooLong.selector, 281, 280));
        vm.prank(operator);
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Repair, string(new bytes(281)));
    }

    function test_logMaintenance_revertsOnKindOutOfRange() public {
        vm.prank(operator);
        (bool ok, bytes memory data) =
            address(registry).call(abi.encodeWithSelector(registry.logMaintenance.selector, id, 6, "note"));
        assertFalse(ok);
        assertEq(data.length, 0, "the ABI decoder rejects it before any check");
    }

    function testFuzz_logMaintenance_acceptsExactlyNotesOfOneTo280Bytes(uint16 length) public {
        length = uint16(bound(length, 0, 600));
        string memory note = string(new bytes(length));
        if (length == 0) vm.expectRevert(TwinRegistry.EmptyNote.selector);
        else if (length > 280) vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NoteTooLong.selector, length, 280));
        vm.prank(operator);
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Inspection, note);
    }

    // ---------------------------------------------------------------- roles and ownership

    function test_newOwner_cannotOperateOrReport_operatorAndReporterStillCan() public {
        sellTo(id, investor);
        assertEq(registry.ownerOf(id), investor);

        vm.startPrank(investor);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotOperator.selector, id, investor));
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Inspection, "mine now");
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.NotReporter.selector, id, investor));
        registry.reportTelemetry(id, single(NOW));
        vm.stopPrank();

        vm.prank(operator);
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Inspection, "still running it");
        report(id, single(NOW));
        assertEq(registry.lastTelemetryAt(id), NOW);
        (address receiver,) = registry.royaltyInfo(id, 1 ether);
        assertEq(receiver, operator, "royalties stay with the operator");
    }

    function test_newViews_revertForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.statusOf(7);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.lastTelemetryAt(7);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.tokenURI(7);
    }
}
