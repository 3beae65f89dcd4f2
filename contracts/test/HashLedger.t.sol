// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {stdStorage, StdStorage, Test, Vm} from "forge-std/Test.sol";
import {console} from "forge-std/console.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {HashLedger} from "../src/HashLedger.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {ContractWalletMock} from "./mocks/ContractWalletMock.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";
import {GasProbe} from "./utils/GasProbe.sol";
import {Minting} from "./utils/Minting.sol";
import {ShareVectors} from "./utils/ShareVectors.sol";

/// @dev Shares come from test/vectors/shares.json (see ShareVectors). Only the contributor may send
/// its own batch, so every direct submission below is pranked as the batch's contributor.
contract HashLedgerTest is Test, GasProbe, Minting, ShareVectors {
    using stdStorage for StdStorage;

    using SafeCast for uint256;
    using SafeCast for int256;

    uint32 internal constant GENESIS_BITS = 0x1d00ffff;

    Vectors internal v;
    TwinRegistry internal registry;
    HashLedger internal ledger;
    address internal owner = makeAddr("owner");
    address internal operator = makeAddr("operator");
    address internal relayer = makeAddr("relayer");
    address internal frontRunner = makeAddr("frontRunner");

    function setUp() public {
        v = loadVectors();
        registry = new TwinRegistry();
        // Twin `tokenId + 1` exists too, so that crediting another twin fails on the share, not on existence.
        for (uint256 i = 1; i <= v.tokenId + 1; i++) {
            mintTwin(i);
        }
        vm.chainId(v.chainId);
        vm.warp(v.time);
        ledger = deployLedgerAt(v.ledger);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    function mintTwin(uint256 serial) internal returns (uint256) {
        return commitAndMint(
            registry, operator, DemoRigs.s21(string.concat("SN-", vm.toString(serial))), makeAddr("reporter"), 0
        );
    }

    function deployLedgerAt(address where) internal returns (HashLedger) {
        deployCodeTo("HashLedger.sol:HashLedger", abi.encode(address(registry), owner, v.bits), where);
        return HashLedger(where);
    }

    /// @dev The first `size` vector nonces, on the vector's header.
    function batchOf(uint256 size) internal view returns (HashLedger.ShareBatch memory batch) {
        uint32[] memory nonces = new uint32[](size);
        for (uint256 i = 0; i < size; i++) {
            nonces[i] = v.nonces[i];
        }
        batch = vectorBatch(v, nonces);
    }

    /// @dev Sends `batch` to `target` as its contributor, the only sender `submitShares` accepts.
    function submit(HashLedger target, HashLedger.ShareBatch memory batch) internal returns (uint256) {
        vm.prank(batch.contributor);
        return target.submitShares(batch);
    }

    function le32(uint32 x) internal pure returns (bytes memory) {
        // Truncating to the low byte is the point: each cast picks one byte of `x`.
        // forge-lint: disable-next-line(unsafe-typecast)
        return bytes.concat(bytes1(uint8(x)), bytes1(uint8(x >> 8)), bytes1(uint8(x >> 16)), bytes1(uint8(x >> 24)));
    }

    /// @dev Plain-Solidity model of a share's digest, written apart from the contract's assembly.
    function referenceDigest(uint256 chainId, address ledgerAddress, HashLedger.ShareBatch memory batch, uint32 nonce)
        internal
        pure
        returns (uint256 value)
    {
        bytes32 commitment = keccak256(abi.encode(chainId, ledgerAddress, batch.tokenId, batch.contributor));
        bytes memory header = bytes.concat(
            le32(batch.version), commitment, batch.jobSeed, le32(batch.time), le32(batch.bits), le32(nonce)
        );
        require(header.length == 80, "header is 80 bytes");
        bytes32 digest = sha256(abi.encodePacked(sha256(header)));
        for (uint256 i = 0; i < 32; i++) {
            value |= uint256(uint8(digest[i])) << (8 * i);
        }
    }

    /// @dev Expects `batch`, tampered with, to fail on its first share that no longer meets its target.
    function expectFirstShareAboveTarget(HashLedger target, uint256 chainId, HashLedger.ShareBatch memory batch)
        internal
    {
        uint256 limit = target.targetOf(batch.bits);
        for (uint256 i = 0; i < batch.nonces.length; i++) {
            uint256 digest = referenceDigest(chainId, address(target), batch, batch.nonces[i]);
            if (digest > limit) {
                vm.expectRevert(abi.encodeWithSelector(HashLedger.ShareAboveTarget.selector, i, digest));
                return;
            }
        }
        revert("tampered batch still meets its target");
    }

    function submitTampered(HashLedger.ShareBatch memory batch) internal {
        expectFirstShareAboveTarget(ledger, block.chainid, batch);
        submit(ledger, batch);
    }

    /// @dev Same mantissa, exponent moved by `delta`: each step scales the target by 256.
    function shiftExponent(uint32 bits, int256 delta) internal pure returns (uint32) {
        return ((uint256(bits >> 24).toInt256() + delta).toUint256() << 24).toUint32() | (bits & 0x00ffffff);
    }

    // ---------------------------------------------------------------------------------------------
    // Vectors
    // ---------------------------------------------------------------------------------------------

    function test_vectors_referenceDigestAgreesWithVectors() public view {
        HashLedger.ShareBatch memory batch = batchOf(64);
        uint256 target = ledger.targetOf(v.bits);
        for (uint256 i = 0; i < 64; i++) {
            assertLe(referenceDigest(v.chainId, v.ledger, batch, batch.nonces[i]), target, "valid nonce");
        }
        for (uint256 i = 0; i < v.invalidNonces.length; i++) {
            assertGt(referenceDigest(v.chainId, v.ledger, batch, v.invalidNonces[i]), target, "invalid nonce");
        }
        assertEq(
            ledger.commitment(v.tokenId, v.contributor),
            keccak256(abi.encode(v.chainId, v.ledger, v.tokenId, v.contributor))
        );
    }

    // ---------------------------------------------------------------------------------------------
    // submitShares: acceptance
    // ---------------------------------------------------------------------------------------------

    function test_submitShares_acceptsVectorShares() public {
        uint256 perShare = ledger.workPerShare(v.bits);
        vm.expectEmit(address(ledger));
        emit HashLedger.WorkCredited(v.tokenId, v.contributor, v.jobSeed, 64, 64 * perShare);
        uint256 work = submit(ledger, batchOf(64));

        assertEq(work, 64 * perShare);
        assertEq(ledger.workOf(v.tokenId), work);
        assertEq(ledger.workBy(v.contributor), work);
        assertEq(ledger.sharesOf(v.tokenId), 64);
        assertTrue(ledger.jobSeedUsed(v.contributor, v.jobSeed));
        assertEq(ledger.workOf(v.tokenId + 1), 0);
    }

    function test_workCredited_carriesJobSeed() public {
        vm.recordLogs();
        uint256 work = submit(ledger, batchOf(16));
        Vm.Log[] memory logs = vm.getRecordedLogs();

        assertEq(logs.length, 1);
        assertEq(logs[0].emitter, address(ledger));
        assertEq(logs[0].topics.length, 3);
        assertEq(logs[0].topics[0], keccak256("WorkCredited(uint256,address,bytes32,uint256,uint256)"));
        assertEq(uint256(logs[0].topics[1]), v.tokenId);
        assertEq(address(uint160(uint256(logs[0].topics[2]))), v.contributor);
        (bytes32 jobSeed, uint256 shares, uint256 credited) = abi.decode(logs[0].data, (bytes32, uint256, uint256));
        assertEq(jobSeed, v.jobSeed, "the event names the job the shares were found on");
        assertEq(shares, 16);
        assertEq(credited, work);
    }

    function test_submitShares_acceptsTimeAtDriftLimits() public {
        uint256 snapshot = vm.snapshotState();
        vm.warp(uint256(v.time) + ledger.MAX_TIME_DRIFT());
        submit(ledger, batchOf(1));
        vm.revertToState(snapshot);
        vm.warp(uint256(v.time) - ledger.MAX_TIME_DRIFT());
        submit(ledger, batchOf(1));
        assertEq(ledger.sharesOf(v.tokenId), 1);
    }

    function test_submitShares_rejectedBatchLeavesJobSeedUnused() public {
        HashLedger.ShareBatch memory batch = batchOf(1);
        batch.nonces[0] = v.invalidNonces[0];
        submitTampered(batch);
        assertFalse(ledger.jobSeedUsed(v.contributor, v.jobSeed));

        submit(ledger, batchOf(64));
        assertEq(ledger.sharesOf(v.tokenId), 64);
    }

    // ---------------------------------------------------------------------------------------------
    // submitShares: every field of the header is bound
    // ---------------------------------------------------------------------------------------------

    function test_submitShares_rejectsOtherChainId() public {
        vm.chainId(v.chainId + 1);
        submitTampered(batchOf(64));
    }

    function test_submitShares_rejectsOtherLedgerAddress() public {
        HashLedger other = deployLedgerAt(address(uint160(v.ledger) ^ 1));
        HashLedger.ShareBatch memory batch = batchOf(64);
        expectFirstShareAboveTarget(other, v.chainId, batch);
        submit(other, batch);
    }

    function test_submitShares_rejectsOtherTwin() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.tokenId = v.tokenId + 1;
        submitTampered(batch);
    }

    function test_submitShares_rejectsOtherContributor() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.contributor = makeAddr("thief");
        submitTampered(batch);
    }

    function test_submitShares_rejectsChangedVersion() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.version ^= 1;
        submitTampered(batch);
    }

    function test_submitShares_rejectsChangedTime() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.time += 1;
        submitTampered(batch);
    }

    function test_submitShares_rejectsChangedJobSeed() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.jobSeed = bytes32(uint256(v.jobSeed) ^ 1);
        submitTampered(batch);
    }

    function test_submitShares_rejectsHarderBitsTheNoncesDoNotMeet() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.bits = shiftExponent(v.bits, -1);
        assertLt(ledger.targetOf(batch.bits), ledger.targetOf(v.bits));
        submitTampered(batch);
    }

    function test_submitShares_rejectsBitsEasierThanMinimum() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.bits = shiftExponent(v.bits, 1);
        assertGt(ledger.targetOf(batch.bits), ledger.targetOf(v.bits));
        vm.expectRevert(abi.encodeWithSelector(HashLedger.BitsTooEasy.selector, batch.bits, v.bits));
        submit(ledger, batch);
    }

    function test_submitShares_rejectsInvalidBits() public {
        HashLedger.ShareBatch memory batch = batchOf(1);
        batch.bits = v.bits | 0x00800000;
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBits.selector, batch.bits));
        submit(ledger, batch);
    }

    // ---------------------------------------------------------------------------------------------
    // submitShares: nonces
    // ---------------------------------------------------------------------------------------------

    function test_submitShares_rejectsEachInvalidNonce() public {
        HashLedger.ShareBatch memory batch = batchOf(1);
        for (uint256 i = 0; i < v.invalidNonces.length; i++) {
            batch.nonces[0] = v.invalidNonces[i];
            submitTampered(batch);
        }
    }

    function test_submitShares_oneInvalidNonceRejectsTheBatch() public {
        uint32 bad = v.invalidNonces[0];
        uint256 badIndex = 0;
        while (badIndex < 64 && v.nonces[badIndex] < bad) badIndex++;
        uint32[] memory merged = new uint32[](65);
        for (uint256 j = 0; j < 65; j++) {
            merged[j] = j < badIndex ? v.nonces[j] : j == badIndex ? bad : v.nonces[j - 1];
        }
        HashLedger.ShareBatch memory batch = batchOf(1);
        batch.nonces = merged;
        vm.expectRevert(
            abi.encodeWithSelector(
                HashLedger.ShareAboveTarget.selector, badIndex, referenceDigest(v.chainId, v.ledger, batch, bad)
            )
        );
        submit(ledger, batch);
    }

    function test_submitShares_rejectsDuplicateNonce() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.nonces[10] = batch.nonces[9];
        vm.expectRevert(abi.encodeWithSelector(HashLedger.NoncesNotIncreasing.selector, 10));
        submit(ledger, batch);
    }

    function test_submitShares_rejectsDecreasingNonces() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        (batch.nonces[0], batch.nonces[1]) = (batch.nonces[1], batch.nonces[0]);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.NoncesNotIncreasing.selector, 1));
        submit(ledger, batch);
    }

    function test_submitShares_largestNonceIsNotTakenForDirtyCalldata() public {
        // 0xffffffff is a real nonce: the range check must not take it for dirty calldata.
        HashLedger.ShareBatch memory batch = batchOf(2);
        (batch.nonces[0], batch.nonces[1]) = (type(uint32).max - 1, type(uint32).max);
        submitTampered(batch);
    }

    function test_submitShares_rejectsNonceWithDirtyUpperBits() public {
        // [n, n + 2^32] increases as words but both hash as n: without a range check, one share counts twice.
        HashLedger.ShareBatch memory batch = batchOf(2);
        bytes memory data = abi.encodeCall(HashLedger.submitShares, (batch));
        uint256 dirty = uint256(v.nonces[0]) + (1 << 32);
        assembly ("memory-safe") {
            mstore(add(data, mload(data)), dirty)
        }
        vm.prank(v.contributor);
        (bool ok, bytes memory returned) = address(ledger).call(data);
        assertFalse(ok);
        assertEq(returned.length, 0);
        assertEq(ledger.sharesOf(v.tokenId), 0);
    }

    function test_submitShares_rejectsEmptyBatch() public {
        HashLedger.ShareBatch memory batch = batchOf(0);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.BatchSizeOutOfRange.selector, 0, 256));
        submit(ledger, batch);
    }

    function test_submitShares_rejectsBatchOverMaximum() public {
        HashLedger.ShareBatch memory batch = batchOf(1);
        batch.nonces = new uint32[](257);
        for (uint256 i = 0; i < 257; i++) {
            batch.nonces[i] = i.toUint32();
        }
        vm.expectRevert(abi.encodeWithSelector(HashLedger.BatchSizeOutOfRange.selector, 257, 256));
        submit(ledger, batch);
    }

    function test_submitShares_maximumBatchReachesShareChecks() public {
        HashLedger.ShareBatch memory batch = batchOf(1);
        batch.nonces = new uint32[](ledger.MAX_BATCH());
        for (uint256 i = 0; i < batch.nonces.length; i++) {
            batch.nonces[i] = i.toUint32();
        }
        submitTampered(batch);
    }

    // ---------------------------------------------------------------------------------------------
    // submitShares: job seeds, time, twin, contributor
    // ---------------------------------------------------------------------------------------------

    function test_submitShares_rejectsReusedJobSeed() public {
        submit(ledger, batchOf(32));
        HashLedger.ShareBatch memory rest = batchOf(64);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.JobSeedUsed.selector, v.contributor, v.jobSeed));
        submit(ledger, rest);
    }

    function test_submitShares_rejectsTimeTooFarInThePast() public {
        uint256 blockTime = uint256(v.time) + ledger.MAX_TIME_DRIFT() + 1;
        vm.warp(blockTime);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.TimeOutOfRange.selector, v.time, blockTime));
        submit(ledger, batchOf(64));
    }

    function test_submitShares_rejectsTimeTooFarInTheFuture() public {
        uint256 blockTime = uint256(v.time) - ledger.MAX_TIME_DRIFT() - 1;
        vm.warp(blockTime);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.TimeOutOfRange.selector, v.time, blockTime));
        submit(ledger, batchOf(64));
    }

    function test_submitShares_rejectsUnknownTwin() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.tokenId = v.tokenId + 100;
        vm.expectRevert(abi.encodeWithSelector(HashLedger.UnknownTwin.selector, batch.tokenId));
        submit(ledger, batch);
    }

    function test_submitShares_refusesZeroContributor() public {
        // No transaction comes from the zero address, so the sender check refuses it.
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.contributor = address(0);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.NotContributor.selector, relayer, address(0)));
        vm.prank(relayer);
        ledger.submitShares(batch);
    }

    function test_submitShares_rejectsBatchMinedBelowRaisedMinimum() public {
        uint32 harder = shiftExponent(v.bits, -1);
        vm.prank(owner);
        ledger.setMinBits(harder);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.BitsTooEasy.selector, v.bits, harder));
        submit(ledger, batchOf(64));
    }

    function testFuzz_submitShares_rejectsAnyOtherJobSeed(bytes32 jobSeed) public {
        vm.assume(jobSeed != v.jobSeed);
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.jobSeed = jobSeed;
        submitTampered(batch);
    }

    function testFuzz_submitShares_rejectsAnyOtherContributor(address contributor) public {
        vm.assume(contributor != v.contributor && contributor != address(0));
        assumeNotForgeAddress(contributor);
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.contributor = contributor;
        submitTampered(batch);
    }

    // ---------------------------------------------------------------------------------------------
    // submitShares: the target comparison, against the reference digest on random headers
    // ---------------------------------------------------------------------------------------------

    /// @dev The contract compares digests without reversing them (see `_verifyShares`); this checks it
    /// against `referenceDigest <= targetOf(bits)` on arbitrary headers, at targets of every exponent.
    function testFuzz_submitShares_acceptsExactlySharesAtOrBelowTarget(
        bytes32 jobSeed,
        uint32 nonce,
        uint256 anyTarget,
        uint8 shift
    ) public {
        // The easiest valid bits, so that any target can be tried.
        HashLedger open = new HashLedger(registry, owner, 0x2100ffff);
        HashLedger.ShareBatch memory batch = batchOf(1);
        batch.jobSeed = jobSeed;
        batch.nonces[0] = nonce;
        checkShareAgainst(open, batch, toCompact(bound(anyTarget, 1, type(uint256).max)));
        checkShareAgainst(open, batch, toCompact(bound(anyTarget >> shift, 1, type(uint256).max)));
        // Exponents 0 to 3 and 33, 34 take the clamped paths.
        checkShareAgainst(open, batch, uint32(bound(anyTarget, 0x01000001, 0x037fffff)));
        checkShareAgainst(open, batch, uint32(bound(anyTarget, 0x21000001, 0x2100ffff)));
        checkShareAgainst(open, batch, uint32(bound(anyTarget, 0x22000001, 0x220000ff)));
    }

    function checkShareAgainst(HashLedger target, HashLedger.ShareBatch memory batch, uint32 bits) internal {
        (bool valid, uint256 limit) = referenceTarget(bits);
        if (!valid) return;
        batch.bits = bits;
        uint256 digest = referenceDigest(block.chainid, address(target), batch, batch.nonces[0]);
        expectShare(target, batch, digest <= limit, digest);
    }

    function expectShare(HashLedger target, HashLedger.ShareBatch memory batch, bool accepted, uint256 digest)
        internal
    {
        uint256 snapshot = vm.snapshotState();
        uint256 work = target.workPerShare(batch.bits);
        if (!accepted) {
            vm.expectRevert(abi.encodeWithSelector(HashLedger.ShareAboveTarget.selector, 0, digest));
        } else if (work > type(uint192).max) {
            // Targets this tiny pass verification but are worth more than a tally holds.
            vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 192, work));
        }
        submit(target, batch);
        if (accepted && work <= type(uint192).max) {
            assertEq(target.sharesOf(batch.tokenId), 1, "a share at or below its target is credited");
        }
        vm.revertToState(snapshot);
    }

    /// @dev Real digests almost never land next to a target, so the sha256 precompile is mocked to
    /// return chosen ones: each target itself and its neighbours, for every kind of exponent.
    function test_submitShares_digestsAtTheTargetBoundary() public {
        HashLedger open = new HashLedger(registry, owner, 0x2100ffff);
        uint32[8] memory cases =
            [uint32(v.bits), GENESIS_BITS, 0x2100ffff, 0x220000ff, 0x03123456, 0x02123456, 0x01123456, 0x047fffff];
        for (uint256 i = 0; i < cases.length; i++) {
            HashLedger.ShareBatch memory batch = batchOf(1);
            batch.bits = cases[i];
            uint256 limit = open.targetOf(cases[i]);
            expectMockedShare(open, batch, limit, true);
            expectMockedShare(open, batch, limit - 1, true);
            expectMockedShare(open, batch, 0, true);
            if (limit < type(uint256).max) expectMockedShare(open, batch, limit + 1, false);
            // Over the target in the lowest byte only, and in a byte above the target's highest.
            expectMockedShare(open, batch, limit | 1, (limit | 1) == limit);
            if (limit < 1 << 248) expectMockedShare(open, batch, limit | (1 << 248), false);
            expectMockedShare(open, batch, type(uint256).max, false);
        }
    }

    /// @dev Makes every sha256 return `digest` as Bitcoin would read it, i.e. its bytes reversed.
    function expectMockedShare(HashLedger target, HashLedger.ShareBatch memory batch, uint256 digest, bool accepted)
        internal
    {
        uint256 raw;
        for (uint256 i = 0; i < 32; i++) {
            raw |= ((digest >> (8 * i)) & 0xff) << (8 * (31 - i));
        }
        vm.mockCall(address(2), bytes(""), abi.encode(raw));
        expectShare(target, batch, accepted, digest);
        vm.clearMockedCalls();
    }

    // ---------------------------------------------------------------------------------------------
    // targetOf / workPerShare
    // ---------------------------------------------------------------------------------------------

    function test_targetOf_bitcoinGenesis() public view {
        assertEq(ledger.targetOf(GENESIS_BITS), 0x00000000ffff0000000000000000000000000000000000000000000000000000);
        assertEq(ledger.workPerShare(GENESIS_BITS), 0x100010001);
    }

    function test_targetOf_knownValues() public view {
        // Bitcoin Core's arith_uint256 SetCompact cases.
        assertEq(ledger.targetOf(0x01123456), 0x12);
        assertEq(ledger.targetOf(0x02123456), 0x1234);
        assertEq(ledger.targetOf(0x03123456), 0x123456);
        assertEq(ledger.targetOf(0x04123456), 0x12345600);
        assertEq(ledger.targetOf(0x05009234), 0x92340000);
        assertEq(ledger.targetOf(0x20123456), 0x1234560000000000000000000000000000000000000000000000000000000000);
        assertEq(ledger.targetOf(0x2000ffff), uint256(0xffff) << 232);
        // The largest targets that still fit in 256 bits.
        assertEq(ledger.targetOf(0x2100ffff), uint256(0xffff) << 240);
        assertEq(ledger.targetOf(0x220000ff), uint256(0xff) << 248);
    }

    function test_workPerShare_knownValues() public view {
        assertEq(ledger.workPerShare(0x207fffff), 2); // regtest: each block adds 2 to chainwork
        assertEq(ledger.workPerShare(0x2000ffff), 256);
        assertEq(ledger.workPerShare(0x2100ffff), 1);
        assertEq(ledger.workPerShare(0x03000001), 1 << 255); // target 1
        assertEq(ledger.workPerShare(0x1d00ffff), 0x100010001);
    }

    function test_targetOf_rejectsSignBit() public {
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBits.selector, uint32(0x04923456)));
        ledger.targetOf(0x04923456);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBits.selector, uint32(0x1d800000)));
        ledger.targetOf(0x1d800000);
    }

    function test_targetOf_rejectsZeroTarget() public {
        uint32[4] memory cases = [uint32(0), 0x1d000000, 0x01003456, 0x00123456];
        for (uint256 i = 0; i < cases.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBits.selector, cases[i]));
            ledger.targetOf(cases[i]);
        }
    }

    function test_targetOf_rejectsOverflow() public {
        uint32[5] memory cases = [uint32(0x2101ffff), 0x217fffff, 0x22000100, 0x23000001, 0xff123456];
        for (uint256 i = 0; i < cases.length; i++) {
            vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBits.selector, cases[i]));
            ledger.targetOf(cases[i]);
        }
    }

    function test_workPerShare_rejectsInvalidBits() public {
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBits.selector, uint32(0)));
        ledger.workPerShare(0);
    }

    /// @dev Decoding by bit length instead of the contract's lossy-shift test.
    function referenceTarget(uint32 bits) internal pure returns (bool valid, uint256 target) {
        if (bits & 0x00800000 != 0) return (false, 0);
        uint256 exponent = bits >> 24;
        uint256 mantissa = bits & 0x007fffff;
        if (exponent <= 3) {
            target = mantissa >> (8 * (3 - exponent));
        } else {
            if (mantissa == 0 || Math.log2(mantissa) + 1 + 8 * (exponent - 3) > 256) return (false, 0);
            target = mantissa << (8 * (exponent - 3));
        }
        valid = target != 0;
    }

    /// @dev Bitcoin Core's GetCompact.
    function toCompact(uint256 target) internal pure returns (uint32) {
        uint256 size = Math.log256(target) + 1;
        uint256 mantissa = size <= 3 ? target << (8 * (3 - size)) : target >> (8 * (size - 3));
        if (mantissa & 0x00800000 != 0) {
            mantissa >>= 8;
            size++;
        }
        return (mantissa | (size << 24)).toUint32();
    }

    function testFuzz_targetOf_matchesReference(uint32 bits) public {
        (bool valid, uint256 target) = referenceTarget(bits);
        if (!valid) vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBits.selector, bits));
        uint256 got = ledger.targetOf(bits);
        if (valid) assertEq(got, target);
    }

    function testFuzz_targetOf_roundTripsThroughCompact(uint256 target) public view {
        target = bound(target, 1, type(uint256).max);
        uint32 bits = toCompact(target);
        uint256 decoded = ledger.targetOf(bits);
        uint256 exponent = bits >> 24;
        uint256 dropped = exponent > 3 ? 8 * (exponent - 3) : 0;
        assertLe(decoded, target);
        assertEq(decoded, (target >> dropped) << dropped);
        assertEq(toCompact(decoded), bits);
    }

    function testFuzz_targetOf_exponentStepScalesBy256(uint32 bits) public view {
        bits = uint32(bound(bits, 0x04000000, 0x21ffffff));
        (bool valid,) = referenceTarget(bits);
        (bool validNext,) = referenceTarget(shiftExponent(bits, 1));
        vm.assume(valid && validNext);
        assertEq(ledger.targetOf(shiftExponent(bits, 1)), ledger.targetOf(bits) << 8);
    }

    function testFuzz_workPerShare_isFloorOf2Pow256OverTargetPlusOne(uint256 anyTarget) public view {
        // Going through the compact form yields valid bits of every exponent, where random uint32s mostly do not.
        uint32 bits = toCompact(bound(anyTarget, 1, type(uint256).max));
        uint256 target = ledger.targetOf(bits);
        uint256 work = ledger.workPerShare(bits);
        // work * (target + 1) <= 2^256 < (work + 1) * (target + 1)
        (uint256 high, uint256 low) = Math.mul512(work, target + 1);
        assertTrue(high == 0 || (high == 1 && low == 0), "work * (target + 1) <= 2^256");
        (high, low) = Math.mul512(work + 1, target + 1);
        assertTrue(high > 1 || (high == 1 && low != 0), "(work + 1) * (target + 1) > 2^256");
    }

    function testFuzz_workPerShare_harderTargetNeverEarnsLess(uint256 a, uint256 b) public view {
        uint32 bitsA = toCompact(bound(a, 1, type(uint256).max));
        uint32 bitsB = toCompact(bound(b, 1, type(uint256).max));
        if (ledger.targetOf(bitsA) > ledger.targetOf(bitsB)) (bitsA, bitsB) = (bitsB, bitsA);
        assertGe(ledger.workPerShare(bitsA), ledger.workPerShare(bitsB));
    }

    // ---------------------------------------------------------------------------------------------
    // setMinBits / constructor
    // ---------------------------------------------------------------------------------------------

    function test_setMinBits_updatesAndEmits() public {
        vm.expectEmit(address(ledger));
        emit HashLedger.MinBitsChanged(v.bits, GENESIS_BITS);
        vm.prank(owner);
        ledger.setMinBits(GENESIS_BITS);
        assertEq(ledger.minBits(), GENESIS_BITS);
    }

    function test_setMinBits_revertsForNonOwner() public {
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        ledger.setMinBits(GENESIS_BITS);
    }

    function test_setMinBits_revertsForInvalidBits() public {
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBits.selector, uint32(0x2101ffff)));
        vm.prank(owner);
        ledger.setMinBits(0x2101ffff);
        assertEq(ledger.minBits(), v.bits);
    }

    function test_constructor_setsTwinsOwnerAndMinBits() public {
        vm.expectEmit();
        emit HashLedger.MinBitsChanged(0, GENESIS_BITS);
        HashLedger fresh = new HashLedger(registry, owner, GENESIS_BITS);
        assertEq(address(fresh.twins()), address(registry));
        assertEq(fresh.owner(), owner);
        assertEq(fresh.minBits(), GENESIS_BITS);
        assertEq(fresh.MAX_BATCH(), 256);
        assertEq(fresh.MAX_TIME_DRIFT(), 2 hours);
    }

    function test_constructor_revertsForTwinsWithoutCode() public {
        vm.expectRevert(abi.encodeWithSelector(HashLedger.TwinsNotAContract.selector, address(0)));
        new HashLedger(IERC721(address(0)), owner, GENESIS_BITS);
        address eoa = makeAddr("eoa");
        vm.expectRevert(abi.encodeWithSelector(HashLedger.TwinsNotAContract.selector, eoa));
        new HashLedger(IERC721(eoa), owner, GENESIS_BITS);
    }

    function test_constructor_revertsForZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new HashLedger(registry, address(0), GENESIS_BITS);
    }

    function test_constructor_revertsForInvalidMinBits() public {
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBits.selector, uint32(0x1d800000)));
        new HashLedger(registry, owner, 0x1d800000);
    }

    function test_commitment_bindsChainLedgerTwinAndContributor() public {
        bytes32 here = ledger.commitment(v.tokenId, v.contributor);
        assertEq(here, keccak256(abi.encode(block.chainid, address(ledger), v.tokenId, v.contributor)));
        assertNotEq(here, ledger.commitment(v.tokenId + 1, v.contributor));
        assertNotEq(here, ledger.commitment(v.tokenId, makeAddr("thief")));
        vm.chainId(v.chainId + 1);
        assertNotEq(here, ledger.commitment(v.tokenId, v.contributor));
    }

    // ---------------------------------------------------------------------------------------------
    // submitShares: only the contributor sends its own batch (front-running)
    // ---------------------------------------------------------------------------------------------

    /// @dev The issue: copying one nonce out of a pending batch and sending it first used up the job
    /// seed, so the victim's whole batch reverted and its other shares could never be credited.
    function test_submitShares_copiedNonceFromPendingBatchIsRefusedAndVictimBatchCredits() public {
        HashLedger.ShareBatch memory pending = batchOf(64);
        HashLedger.ShareBatch memory copy = batchOf(1);
        copy.nonces[0] = pending.nonces[17];

        vm.expectRevert(abi.encodeWithSelector(HashLedger.NotContributor.selector, frontRunner, v.contributor));
        vm.prank(frontRunner);
        ledger.submitShares(copy);
        assertFalse(ledger.jobSeedUsed(v.contributor, v.jobSeed), "the copy does not use up the job seed");

        uint256 work = submit(ledger, pending);
        assertEq(work, 64 * ledger.workPerShare(v.bits));
        assertEq(ledger.sharesOf(v.tokenId), 64, "every share of the victim's batch is credited");
        assertEq(ledger.workBy(v.contributor), work);
        assertEq(ledger.workBy(frontRunner), 0);
    }

    function test_submitShares_refusesWholeBatchFromAnyoneButContributor() public {
        vm.expectRevert(abi.encodeWithSelector(HashLedger.NotContributor.selector, relayer, v.contributor));
        vm.prank(relayer);
        ledger.submitShares(batchOf(16));
        assertEq(ledger.sharesOf(v.tokenId), 0);
        assertFalse(ledger.jobSeedUsed(v.contributor, v.jobSeed));
    }

    /// @dev For a random non-empty increasing subset of the vector batch, a front-runner's copy is
    /// refused whether sent directly, under the contributor's signature of the whole batch or under its
    /// own signature; the whole batch, sent by the contributor or relayed, then earns all its work.
    function testFuzz_submitShares_frontRunnerCannotVoidBatch(uint64 mask, address attacker, bool relayed) public {
        vm.assume(mask != 0);
        vm.assume(attacker != v.contributor && attacker != address(0));
        assumeNotForgeAddress(attacker);
        HashLedger.ShareBatch memory pending = batchOf(64);
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, pending);
        HashLedger.ShareBatch memory copy = vectorBatch(v, subsetOf(pending.nonces, mask));

        vm.expectRevert(abi.encodeWithSelector(HashLedger.NotContributor.selector, attacker, v.contributor));
        vm.prank(attacker);
        ledger.submitShares(copy);
        // The whole batch is the one subset its signature covers (see the exact-copy test).
        if (mask != type(uint64).max) {
            vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBatchSignature.selector, v.contributor));
            vm.prank(attacker);
            ledger.submitSharesFor(copy, signature);
        }
        uint256 attackerKey = boundPrivateKey(uint256(keccak256(abi.encode("attacker", attacker))));
        bytes memory forged = signBatch(ledger, attackerKey, copy);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBatchSignature.selector, v.contributor));
        vm.prank(attacker);
        ledger.submitSharesFor(copy, forged);
        assertFalse(ledger.jobSeedUsed(v.contributor, v.jobSeed));

        uint256 work;
        if (relayed) {
            vm.prank(relayer);
            work = ledger.submitSharesFor(pending, signature);
        } else {
            work = submit(ledger, pending);
        }
        assertEq(work, 64 * ledger.workPerShare(v.bits), "count x workPerShare");
        assertEq(ledger.workOf(v.tokenId), work);
        assertEq(ledger.sharesOf(v.tokenId), 64);
        assertEq(ledger.workBy(v.contributor), work);
        assertEq(ledger.workBy(attacker), 0);
    }

    // ---------------------------------------------------------------------------------------------
    // submitSharesFor: relayed with the contributor's signature over the whole batch
    // ---------------------------------------------------------------------------------------------

    function test_submitSharesFor_relayerCreditsContributorNotRelayer() public {
        HashLedger.ShareBatch memory batch = batchOf(16);
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, batch);
        uint256 expected = 16 * ledger.workPerShare(v.bits);

        vm.expectEmit(address(ledger));
        emit HashLedger.WorkCredited(v.tokenId, v.contributor, v.jobSeed, 16, expected);
        vm.prank(relayer);
        uint256 work = ledger.submitSharesFor(batch, signature);

        assertEq(work, expected);
        assertEq(ledger.workOf(v.tokenId), work);
        assertEq(ledger.sharesOf(v.tokenId), 16);
        assertEq(ledger.workBy(v.contributor), work);
        assertEq(ledger.workBy(relayer), 0);
        assertTrue(ledger.jobSeedUsed(v.contributor, v.jobSeed));
    }

    function test_submitSharesFor_contributorMayRelayItsOwnBatch() public {
        HashLedger.ShareBatch memory batch = batchOf(8);
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, batch);
        vm.prank(v.contributor);
        ledger.submitSharesFor(batch, signature);
        assertEq(ledger.sharesOf(v.tokenId), 8);
    }

    /// @dev A front-runner who copies a relayed batch byte for byte and sends it first only does the
    /// relayer's job: the contributor is credited in full, and the relayer's own send finds the seed used.
    function test_submitSharesFor_exactCopyOnlyCreditsContributorInFull() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, batch);

        vm.prank(frontRunner);
        uint256 work = ledger.submitSharesFor(batch, signature);
        assertEq(work, 64 * ledger.workPerShare(v.bits));
        assertEq(ledger.workBy(v.contributor), work);
        assertEq(ledger.workBy(frontRunner), 0);
        assertEq(ledger.sharesOf(v.tokenId), 64);

        vm.expectRevert(abi.encodeWithSelector(HashLedger.JobSeedUsed.selector, v.contributor, v.jobSeed));
        vm.prank(relayer);
        ledger.submitSharesFor(batch, signature);
        assertEq(ledger.sharesOf(v.tokenId), 64, "nothing is credited twice");
    }

    function test_submitSharesFor_signatureDoesNotCoverASubset() public {
        HashLedger.ShareBatch memory signed = batchOf(64);
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, signed);
        // The last share dropped, the first, one in the middle, and a single copied nonce.
        uint64[4] memory masks = [type(uint64).max >> 1, type(uint64).max - 1, type(uint64).max ^ (1 << 31), 1 << 17];
        for (uint256 i = 0; i < masks.length; i++) {
            expectInvalidSignature(vectorBatch(v, subsetOf(signed.nonces, masks[i])), signature);
        }
        expectSignedBatchStillCredits(signed, signature);
    }

    function test_submitSharesFor_signatureDoesNotCoverASuperset() public {
        HashLedger.ShareBatch memory signed = batchOf(32);
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, signed);
        expectInvalidSignature(batchOf(33), signature);
        expectInvalidSignature(batchOf(64), signature);
        expectSignedBatchStillCredits(signed, signature);
    }

    function test_submitSharesFor_signatureDoesNotCoverAnotherTwin() public {
        HashLedger.ShareBatch memory signed = batchOf(16);
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, signed);
        HashLedger.ShareBatch memory other = batchOf(16);
        other.tokenId = v.tokenId + 1;
        expectInvalidSignature(other, signature);
        expectSignedBatchStillCredits(signed, signature);
    }

    function test_submitSharesFor_signatureDoesNotCoverAnotherJobSeed() public {
        HashLedger.ShareBatch memory signed = batchOf(16);
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, signed);
        HashLedger.ShareBatch memory other = batchOf(16);
        other.jobSeed = bytes32(uint256(v.jobSeed) ^ 1);
        expectInvalidSignature(other, signature);
        expectSignedBatchStillCredits(signed, signature);
    }

    function test_submitSharesFor_signatureDoesNotCoverOtherHeaderFields() public {
        HashLedger.ShareBatch memory signed = batchOf(16);
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, signed);
        HashLedger.ShareBatch memory other = batchOf(16);
        other.version ^= 1;
        expectInvalidSignature(other, signature);
        other = batchOf(16);
        other.time += 1;
        expectInvalidSignature(other, signature);
        other = batchOf(16);
        other.bits = shiftExponent(v.bits, -1);
        expectInvalidSignature(other, signature);
        // Naming another contributor makes the signature that contributor's to give.
        other = batchOf(16);
        other.contributor = frontRunner;
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBatchSignature.selector, frontRunner));
        vm.prank(frontRunner);
        ledger.submitSharesFor(other, signature);
        expectSignedBatchStillCredits(signed, signature);
    }

    function test_submitSharesFor_signatureDoesNotCoverAnotherLedgerOrChain() public {
        HashLedger.ShareBatch memory batch = batchOf(16);
        HashLedger other = new HashLedger(registry, owner, v.bits);
        expectInvalidSignature(batch, signBatch(other, CONTRIBUTOR_KEY, batch));
        vm.chainId(v.chainId + 1);
        bytes memory otherChain = signBatch(ledger, CONTRIBUTOR_KEY, batch);
        vm.chainId(v.chainId);
        expectInvalidSignature(batch, otherChain);
        expectSignedBatchStillCredits(batch, signBatch(ledger, CONTRIBUTOR_KEY, batch));
    }

    function test_submitSharesFor_rejectsSignatureByAnyoneElse() public {
        HashLedger.ShareBatch memory batch = batchOf(16);
        (, uint256 frontRunnerKey) = makeAddrAndKey("frontRunner");
        expectInvalidSignature(batch, signBatch(ledger, frontRunnerKey, batch));
    }

    function test_submitSharesFor_rejectsMalformedSignatures() public {
        HashLedger.ShareBatch memory batch = batchOf(16);
        bytes memory good = signBatch(ledger, CONTRIBUTOR_KEY, batch);
        expectInvalidSignature(batch, "");
        expectInvalidSignature(batch, new bytes(65));
        // 64 bytes (EIP-2098 compact) is not accepted: OpenZeppelin 5's ECDSA takes 65.
        (bytes32 r, bytes32 s) = abi.decode(good, (bytes32, bytes32));
        expectInvalidSignature(batch, abi.encodePacked(r, s));
        bytes memory badV = bytes.concat(r, s, bytes1(0x1d));
        expectInvalidSignature(batch, badV);
        // The malleable twin (s' = n - s, v flipped) is refused: OpenZeppelin only takes low s.
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        bytes memory flipped =
            bytes.concat(r, bytes32(n - uint256(s)), bytes1(uint8(good[64]) == 27 ? uint8(28) : uint8(27)));
        expectInvalidSignature(batch, flipped);
        expectSignedBatchStillCredits(batch, good);
    }

    function test_submitSharesFor_refusesZeroContributor() public {
        HashLedger.ShareBatch memory batch = batchOf(16);
        batch.contributor = address(0);
        (, uint256 anyKey) = makeAddrAndKey("anyKey");
        bytes memory signature = signBatch(ledger, anyKey, batch);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBatchSignature.selector, address(0)));
        vm.prank(relayer);
        ledger.submitSharesFor(batch, signature);
    }

    function test_submitSharesFor_signatureDoesNotExemptSharesFromVerification() public {
        HashLedger.ShareBatch memory batch = batchOf(1);
        batch.nonces[0] = v.invalidNonces[0];
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, batch);
        expectFirstShareAboveTarget(ledger, block.chainid, batch);
        vm.prank(relayer);
        ledger.submitSharesFor(batch, signature);
        assertFalse(ledger.jobSeedUsed(v.contributor, v.jobSeed));
    }

    function test_submitSharesFor_rejectsJobSeedAlreadyUsed() public {
        submit(ledger, batchOf(8));
        HashLedger.ShareBatch memory rest = batchOf(64);
        bytes memory signature = signBatch(ledger, CONTRIBUTOR_KEY, rest);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.JobSeedUsed.selector, v.contributor, v.jobSeed));
        vm.prank(relayer);
        ledger.submitSharesFor(rest, signature);
    }

    /// @dev A smart account as the contributor: the shares commit to its address (the vectors'), and its
    /// ERC-1271 `isValidSignature` decides; its owner key signs the ledger's digest.
    function test_submitSharesFor_acceptsContractWalletSignature() public {
        (address walletOwner, uint256 walletOwnerKey) = makeAddrAndKey("walletOwner");
        vm.etch(v.contributor, address(new ContractWalletMock(walletOwner)).code);
        HashLedger.ShareBatch memory batch = batchOf(64);
        bytes32 digest = ledger.batchDigest(batch);
        bytes memory signature = signDigest(walletOwnerKey, digest);
        assertEq(IERC1271(v.contributor).isValidSignature(digest, signature), IERC1271.isValidSignature.selector);

        // The wallet refuses what its owner did not sign, even the key that controls the address as an
        // account: once it has code, only ERC-1271 speaks for it.
        expectInvalidSignature(batch, signBatch(ledger, CONTRIBUTOR_KEY, batch));
        (, uint256 strangerKey) = makeAddrAndKey("stranger");
        expectInvalidSignature(batch, signDigest(strangerKey, digest));

        vm.prank(relayer);
        uint256 work = ledger.submitSharesFor(batch, signature);
        assertEq(work, 64 * ledger.workPerShare(v.bits));
        assertEq(ledger.workBy(v.contributor), work);
        assertEq(ledger.workBy(relayer), 0);
    }

    function expectInvalidSignature(HashLedger.ShareBatch memory batch, bytes memory signature) internal {
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBatchSignature.selector, batch.contributor));
        vm.prank(frontRunner);
        ledger.submitSharesFor(batch, signature);
        assertFalse(ledger.jobSeedUsed(batch.contributor, batch.jobSeed), "a refused batch leaves the seed unused");
    }

    function expectSignedBatchStillCredits(HashLedger.ShareBatch memory batch, bytes memory signature) internal {
        vm.prank(relayer);
        uint256 work = ledger.submitSharesFor(batch, signature);
        assertEq(work, batch.nonces.length * ledger.workPerShare(v.bits));
        assertEq(ledger.sharesOf(v.tokenId), batch.nonces.length);
        assertEq(ledger.workBy(v.contributor), work);
    }

    // ---------------------------------------------------------------------------------------------
    // batchDigest: what a wallet signs
    // ---------------------------------------------------------------------------------------------

    /// @dev The digest checked on chain is the one a wallet computes for eth_signTypedData_v4, here
    /// computed by forge's own EIP-712 implementation from the JSON a dApp would send.
    function test_batchDigest_matchesWalletTypedData() public view {
        HashLedger.ShareBatch memory batch = batchOf(3);
        string memory json = string.concat(
            '{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},',
            '{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],',
            '"ShareBatch":[{"name":"tokenId","type":"uint256"},{"name":"contributor","type":"address"},',
            '{"name":"jobSeed","type":"bytes32"},{"name":"version","type":"uint32"},{"name":"time","type":"uint32"},',
            '{"name":"bits","type":"uint32"},{"name":"nonces","type":"uint32[]"}]},"primaryType":"ShareBatch",'
        );
        json = string.concat(
            json,
            '"domain":{"name":"HashLedger","version":"1","chainId":',
            vm.toString(block.chainid),
            ',"verifyingContract":"',
            vm.toString(address(ledger)),
            '"},"message":{"tokenId":',
            vm.toString(batch.tokenId),
            ',"contributor":"',
            vm.toString(batch.contributor),
            '","jobSeed":"',
            vm.toString(batch.jobSeed)
        );
        json = string.concat(
            json,
            '","version":',
            vm.toString(batch.version),
            ',"time":',
            vm.toString(batch.time),
            ',"bits":',
            vm.toString(batch.bits),
            ',"nonces":[',
            vm.toString(batch.nonces[0]),
            ",",
            vm.toString(batch.nonces[1]),
            ",",
            vm.toString(batch.nonces[2]),
            "]}}"
        );
        assertEq(ledger.batchDigest(batch), vm.eip712HashTypedData(json));
        assertEq(
            ledger.SHARE_BATCH_TYPEHASH(),
            vm.eip712HashType(
                "ShareBatch(uint256 tokenId,address contributor,bytes32 jobSeed,uint32 version,uint32 time,uint32 bits,uint32[] nonces)"
            )
        );
    }

    function testFuzz_batchDigest_matchesReference(uint64 mask, uint256 tokenId, bytes32 jobSeed, uint32 time)
        public
        view
    {
        HashLedger.ShareBatch memory batch = vectorBatch(v, subsetOf(v.nonces, mask));
        batch.tokenId = tokenId;
        batch.jobSeed = jobSeed;
        batch.time = time;
        assertEq(ledger.batchDigest(batch), referenceBatchDigest(block.chainid, address(ledger), batch));
    }

    // ---------------------------------------------------------------------------------------------
    // Ownership (Ownable2Step)
    // ---------------------------------------------------------------------------------------------

    function test_ownership_movesOnlyWhenThePendingOwnerAccepts() public {
        address next = makeAddr("nextOwner");
        vm.prank(owner);
        ledger.transferOwnership(next);
        assertEq(ledger.owner(), owner, "the owner stays until the transfer is accepted");
        assertEq(ledger.pendingOwner(), next);

        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, next));
        vm.prank(next);
        ledger.setMinBits(GENESIS_BITS);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, frontRunner));
        vm.prank(frontRunner);
        ledger.acceptOwnership();

        vm.prank(next);
        ledger.acceptOwnership();
        assertEq(ledger.owner(), next);
        assertEq(ledger.pendingOwner(), address(0));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        ledger.setMinBits(GENESIS_BITS);
        vm.prank(next);
        ledger.setMinBits(GENESIS_BITS);
        assertEq(ledger.minBits(), GENESIS_BITS);
    }

    function test_ownership_onlyOwnerStartsATransfer() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, frontRunner));
        vm.prank(frontRunner);
        ledger.transferOwnership(frontRunner);
        assertEq(ledger.pendingOwner(), address(0));
    }

    // ---------------------------------------------------------------------------------------------
    // Gas: `forge test --mt test_gas --isolate -vv` logs the execution gas of a batch (see GasProbe;
    // `--gas-report` does not list the ledger, which is etched at the vector address rather than
    // created). Only `--isolate` makes these realistic: without it the priming calls leave slots warm.
    // ---------------------------------------------------------------------------------------------

    /// @dev The common case the budget is set on: a contributor's first batch on a twin that
    /// already holds work.
    function test_gas_submitShares_batch1() public {
        primeTwin();
        measureSubmit("submitShares[1]", 1, 2);
    }

    function test_gas_submitShares_batch16() public {
        primeTwin();
        measureSubmit("submitShares[16]", 16, 17);
    }

    /// @dev The issue's budget: at most 2,400 gas per share in total (intrinsic, calldata and
    /// execution). Under `--isolate` this is the real transaction; without it, warm slots make it lower.
    function test_gas_submitShares_batch64() public {
        primeTwin();
        uint256 total = measureSubmit("submitShares[64]", 64, 65);
        assertLe(total, 64 * 2_400, "submitShares[64] over 2,400 gas per share in total");
    }

    /// @dev The relayed path: the same batch as `submitShares[64]`, plus its 65-byte signature.
    function test_gas_submitSharesFor_batch64() public {
        primeTwin();
        measureSubmitFor("submitSharesFor[64]", 64, 65);
    }

    /// @dev A contributor who already holds work, on a twin that does too.
    function test_gas_submitShares_batch64_returningContributor() public {
        submit(ledger, batchOf(1));
        forgetJobSeed();
        measureSubmit("submitShares[64]/returning", 64, 65);
    }

    /// @dev A twin's very first batch, by a first-time contributor: every counter is written from zero.
    function test_gas_submitShares_batch64_newTwin() public {
        measureSubmit("submitShares[64]/newTwin", 64, 64);
    }

    /// @dev Leaves the vector twin with one share of work but the vector contributor with none and the
    /// job seed unused: the state after another contributor's batch, which the vectors cannot produce
    /// (their shares commit to one contributor).
    function primeTwin() internal {
        submit(ledger, batchOf(1));
        forgetJobSeed();
        stdstore.target(address(ledger)).sig(ledger.workBy.selector).with_key(v.contributor).checked_write(uint256(0));
        assertEq(ledger.workBy(v.contributor), 0);
        assertEq(ledger.sharesOf(v.tokenId), 1);
    }

    /// @dev Forgets the vector job seed so that the same vectors can be submitted again.
    function forgetJobSeed() internal {
        stdstore.target(address(ledger)).sig(ledger.jobSeedUsed.selector).with_key(v.contributor).with_key(v.jobSeed)
            .checked_write(false);
        assertFalse(ledger.jobSeedUsed(v.contributor, v.jobSeed));
    }

    /// @dev Reads nothing from the ledger before submitting, so that no slot is warmed for it.
    /// @return total The transaction's gas: intrinsic, calldata and execution.
    function measureSubmit(string memory operation, uint256 size, uint256 sharesAfter)
        internal
        returns (uint256 total)
    {
        HashLedger.ShareBatch memory batch = batchOf(size);
        submit(ledger, batch);
        bytes memory data = abi.encodeCall(HashLedger.submitShares, (batch));
        uint256 execution = logGas(operation, data);
        console.log("gas/share %s %d", operation, execution / size);
        assertEq(ledger.sharesOf(v.tokenId), sharesAfter);
        total = execution + TX_BASE_GAS + calldataGas(data);
    }

    /// @dev As {measureSubmit}, relayed; the signature is made over the reference digest, which
    /// needs no call to the ledger.
    function measureSubmitFor(string memory operation, uint256 size, uint256 sharesAfter) internal {
        HashLedger.ShareBatch memory batch = batchOf(size);
        bytes memory signature = signDigest(CONTRIBUTOR_KEY, referenceBatchDigest(v.chainId, v.ledger, batch));
        vm.prank(relayer);
        ledger.submitSharesFor(batch, signature);
        uint256 execution = logGas(operation, abi.encodeCall(HashLedger.submitSharesFor, (batch, signature)));
        console.log("gas/share %s %d", operation, execution / size);
        assertEq(ledger.sharesOf(v.tokenId), sharesAfter);
    }
}
