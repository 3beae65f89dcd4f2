// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {stdStorage, StdStorage, Test} from "forge-std/Test.sol";
import {console} from "forge-std/console.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {HashLedger} from "../src/HashLedger.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {GasProbe} from "./utils/GasProbe.sol";

/// @dev Shares come from test/vectors/shares.json, written by the Rust miner, so these tests check the
/// contract against the real share format rather than against itself. Only the file's documented keys
/// are used; every tampered variant is derived from them.
contract HashLedgerTest is Test, GasProbe {
    using stdStorage for StdStorage;

    using SafeCast for uint256;
    using SafeCast for int256;

    struct Vectors {
        uint256 chainId;
        address ledger;
        uint256 tokenId;
        address contributor;
        bytes32 jobSeed;
        uint32 version;
        uint32 time;
        uint32 bits;
        uint32[] nonces;
        uint32[] invalidNonces;
    }

    uint32 internal constant GENESIS_BITS = 0x1d00ffff;

    Vectors internal v;
    TwinRegistry internal registry;
    HashLedger internal ledger;
    address internal owner = makeAddr("owner");
    address internal operator = makeAddr("operator");

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

    function loadVectors() internal view returns (Vectors memory vectors) {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/test/vectors/shares.json"));
        vectors.chainId = vm.parseJsonUint(json, ".chainId");
        vectors.ledger = vm.parseJsonAddress(json, ".ledger");
        vectors.tokenId = vm.parseJsonUint(json, ".tokenId");
        vectors.contributor = vm.parseJsonAddress(json, ".contributor");
        vectors.jobSeed = vm.parseJsonBytes32(json, ".jobSeed");
        vectors.version = vm.parseJsonUint(json, ".version").toUint32();
        vectors.time = vm.parseJsonUint(json, ".time").toUint32();
        vectors.bits = vm.parseJsonUint(json, ".bits").toUint32();
        vectors.nonces = toUint32s(vm.parseJsonUintArray(json, ".nonces"));
        vectors.invalidNonces = toUint32s(vm.parseJsonUintArray(json, ".invalidNonces"));
        require(vectors.nonces.length >= 64, "vectors: need 64 valid nonces");
        require(vectors.invalidNonces.length >= 1, "vectors: need invalid nonces");
    }

    function toUint32s(uint256[] memory values) internal pure returns (uint32[] memory out) {
        out = new uint32[](values.length);
        for (uint256 i = 0; i < values.length; i++) {
            out[i] = values[i].toUint32();
        }
    }

    function mintTwin(uint256 serial) internal returns (uint256) {
        vm.prank(operator);
        return registry.mint(
            TwinRegistry.RigSpec({
                manufacturer: "Bitmain",
                model: "Antminer S21",
                serialHash: keccak256(abi.encode("SN", serial)),
                hashrateGhs: 200_000,
                powerWatts: 3_500,
                location: "Rockdale, Texas, US",
                commissionedAt: 1_704_067_200
            }),
            makeAddr("reporter"),
            0
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
        batch = HashLedger.ShareBatch({
            tokenId: v.tokenId,
            contributor: v.contributor,
            jobSeed: v.jobSeed,
            version: v.version,
            time: v.time,
            bits: v.bits,
            nonces: nonces
        });
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
        ledger.submitShares(batch);
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
        emit HashLedger.WorkCredited(v.tokenId, v.contributor, 64, 64 * perShare);
        vm.prank(v.contributor);
        uint256 work = ledger.submitShares(batchOf(64));

        assertEq(work, 64 * perShare);
        assertEq(ledger.workOf(v.tokenId), work);
        assertEq(ledger.workBy(v.contributor), work);
        assertEq(ledger.sharesOf(v.tokenId), 64);
        assertTrue(ledger.jobSeedUsed(v.contributor, v.jobSeed));
        assertEq(ledger.workOf(v.tokenId + 1), 0);
    }

    function test_submitShares_relayedBatchCreditsContributor() public {
        address relayer = makeAddr("relayer");
        vm.expectEmit(address(ledger));
        emit HashLedger.WorkCredited(v.tokenId, v.contributor, 16, 16 * ledger.workPerShare(v.bits));
        vm.prank(relayer);
        uint256 work = ledger.submitShares(batchOf(16));

        assertEq(ledger.workBy(v.contributor), work);
        assertEq(ledger.workBy(relayer), 0);
        assertEq(ledger.workBy(relayer), 0);
    }

    function test_submitShares_acceptsTimeAtDriftLimits() public {
        uint256 snapshot = vm.snapshotState();
        vm.warp(uint256(v.time) + ledger.MAX_TIME_DRIFT());
        ledger.submitShares(batchOf(1));
        vm.revertToState(snapshot);
        vm.warp(uint256(v.time) - ledger.MAX_TIME_DRIFT());
        ledger.submitShares(batchOf(1));
        assertEq(ledger.sharesOf(v.tokenId), 1);
    }

    function test_submitShares_rejectedBatchLeavesJobSeedUnused() public {
        HashLedger.ShareBatch memory batch = batchOf(1);
        batch.nonces[0] = v.invalidNonces[0];
        submitTampered(batch);
        assertFalse(ledger.jobSeedUsed(v.contributor, v.jobSeed));

        ledger.submitShares(batchOf(64));
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
        other.submitShares(batch);
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
        ledger.submitShares(batch);
    }

    function test_submitShares_rejectsInvalidBits() public {
        HashLedger.ShareBatch memory batch = batchOf(1);
        batch.bits = v.bits | 0x00800000;
        vm.expectRevert(abi.encodeWithSelector(HashLedger.InvalidBits.selector, batch.bits));
        ledger.submitShares(batch);
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
        ledger.submitShares(batch);
    }

    function test_submitShares_rejectsDuplicateNonce() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.nonces[10] = batch.nonces[9];
        vm.expectRevert(abi.encodeWithSelector(HashLedger.NoncesNotIncreasing.selector, 10));
        ledger.submitShares(batch);
    }

    function test_submitShares_rejectsDecreasingNonces() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        (batch.nonces[0], batch.nonces[1]) = (batch.nonces[1], batch.nonces[0]);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.NoncesNotIncreasing.selector, 1));
        ledger.submitShares(batch);
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
        (bool ok, bytes memory returned) = address(ledger).call(data);
        assertFalse(ok);
        assertEq(returned.length, 0);
        assertEq(ledger.sharesOf(v.tokenId), 0);
    }

    function test_submitShares_rejectsEmptyBatch() public {
        HashLedger.ShareBatch memory batch = batchOf(0);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.BatchSizeOutOfRange.selector, 0, 256));
        ledger.submitShares(batch);
    }

    function test_submitShares_rejectsBatchOverMaximum() public {
        HashLedger.ShareBatch memory batch = batchOf(1);
        batch.nonces = new uint32[](257);
        for (uint256 i = 0; i < 257; i++) {
            batch.nonces[i] = i.toUint32();
        }
        vm.expectRevert(abi.encodeWithSelector(HashLedger.BatchSizeOutOfRange.selector, 257, 256));
        ledger.submitShares(batch);
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
        ledger.submitShares(batchOf(32));
        HashLedger.ShareBatch memory rest = batchOf(64);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.JobSeedUsed.selector, v.contributor, v.jobSeed));
        ledger.submitShares(rest);
    }

    function test_submitShares_rejectsTimeTooFarInThePast() public {
        uint256 blockTime = uint256(v.time) + ledger.MAX_TIME_DRIFT() + 1;
        vm.warp(blockTime);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.TimeOutOfRange.selector, v.time, blockTime));
        ledger.submitShares(batchOf(64));
    }

    function test_submitShares_rejectsTimeTooFarInTheFuture() public {
        uint256 blockTime = uint256(v.time) - ledger.MAX_TIME_DRIFT() - 1;
        vm.warp(blockTime);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.TimeOutOfRange.selector, v.time, blockTime));
        ledger.submitShares(batchOf(64));
    }

    function test_submitShares_rejectsUnknownTwin() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.tokenId = v.tokenId + 100;
        vm.expectRevert(abi.encodeWithSelector(HashLedger.UnknownTwin.selector, batch.tokenId));
        ledger.submitShares(batch);
    }

    function test_submitShares_rejectsZeroContributor() public {
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.contributor = address(0);
        vm.expectRevert(HashLedger.ZeroContributor.selector);
        ledger.submitShares(batch);
    }

    function test_submitShares_rejectsBatchMinedBelowRaisedMinimum() public {
        uint32 harder = shiftExponent(v.bits, -1);
        vm.prank(owner);
        ledger.setMinBits(harder);
        vm.expectRevert(abi.encodeWithSelector(HashLedger.BitsTooEasy.selector, v.bits, harder));
        ledger.submitShares(batchOf(64));
    }

    function testFuzz_submitShares_rejectsAnyOtherJobSeed(bytes32 jobSeed) public {
        vm.assume(jobSeed != v.jobSeed);
        HashLedger.ShareBatch memory batch = batchOf(64);
        batch.jobSeed = jobSeed;
        submitTampered(batch);
    }

    function testFuzz_submitShares_rejectsAnyOtherContributor(address contributor) public {
        vm.assume(contributor != v.contributor && contributor != address(0));
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
        target.submitShares(batch);
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

    function test_gas_submitShares_batch64() public {
        primeTwin();
        measureSubmit("submitShares[64]", 64, 65);
    }

    /// @dev A contributor who already holds work, on a twin that does too.
    function test_gas_submitShares_batch64_returningContributor() public {
        ledger.submitShares(batchOf(1));
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
        ledger.submitShares(batchOf(1));
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
    function measureSubmit(string memory operation, uint256 size, uint256 sharesAfter) internal {
        HashLedger.ShareBatch memory batch = batchOf(size);
        ledger.submitShares(batch);
        uint256 execution = logGas(operation, abi.encodeCall(HashLedger.submitShares, (batch)));
        console.log("gas/share %s %d", operation, execution / size);
        assertEq(ledger.sharesOf(v.tokenId), sharesAfter);
    }
}
