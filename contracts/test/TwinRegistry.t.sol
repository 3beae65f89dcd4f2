// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinFixture} from "./utils/TwinFixture.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";

/// @dev Minting (commit and reveal, canonical serials, spec caps and plausibility), the custody epoch,
/// royalties and interface detection.
contract TwinRegistryTest is TwinFixture {
    /// @dev Every character a canonical serial may hold.
    bytes internal constant SERIAL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

    address internal copier = makeAddr("copier");
    address internal market = makeAddr("market");

    event TwinMinted(
        uint256 indexed tokenId,
        address indexed operator,
        address reporter,
        uint96 royaltyBps,
        TwinRegistry.RigSpec spec
    );
    event MintCommitted(bytes32 indexed commitment, address indexed minter);

    // ---------------------------------------------------------------- helpers

    /// @dev Commits `rig` as `who`, then expects its reveal to revert with `err`.
    function expectMintRevert(address who, TwinRegistry.RigInput memory rig, bytes memory err) internal {
        commitAs(who, rig);
        vm.expectRevert(err);
        revealAs(who, rig, 0);
    }

    function epochOf(uint256 tokenId) internal view returns (uint64 epoch) {
        (, epoch,) = registry.custodyOf(tokenId);
    }

    /// @dev The reference the contract's check must agree with: length 4 to 64, each byte in the alphabet.
    function isCanonicalReference(bytes memory raw) internal pure returns (bool) {
        if (raw.length < 4 || raw.length > 64) return false;
        for (uint256 i = 0; i < raw.length; ++i) {
            bool found;
            for (uint256 j = 0; j < SERIAL_ALPHABET.length; ++j) {
                if (raw[i] == SERIAL_ALPHABET[j]) found = true;
            }
            if (!found) return false;
        }
        return true;
    }

    /// @dev A canonical serial of `length` characters drawn from `seed`.
    function canonicalSerial(uint256 seed, uint256 length) internal pure returns (string memory) {
        bytes memory raw = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            raw[i] = SERIAL_ALPHABET[uint256(keccak256(abi.encode(seed, i))) % SERIAL_ALPHABET.length];
        }
        return string(raw);
    }

    function repeated(string memory unit, uint256 times) internal pure returns (string memory out) {
        for (uint256 i = 0; i < times; ++i) {
            out = string.concat(out, unit);
        }
    }

    function withFigures(string memory serial, uint64 hashrateGhs, uint32 powerWatts)
        internal
        pure
        returns (TwinRegistry.RigInput memory rig)
    {
        rig = DemoRigs.s21(serial);
        rig.hashrateGhs = hashrateGhs;
        rig.powerWatts = powerWatts;
    }

    // ---------------------------------------------------------------- mint

    function test_mint_assignsOwnerOperatorReporterAndSpec() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 500);

        assertEq(id, 1);
        assertEq(registry.totalSupply(), 1);
        assertEq(registry.ownerOf(id), operator);
        assertEq(registry.operatorOf(id), operator);
        assertEq(registry.reporterOf(id), reporter);
        assertEq(registry.tokenOfSerial(keccak256("SN-1")), id);
        TwinRegistry.RigSpec memory spec = registry.specOf(id);
        assertEq(spec.manufacturer, "Bitmain");
        assertEq(spec.model, "Antminer S21");
        assertEq(spec.serialHash, keccak256("SN-1"));
        assertEq(spec.hashrateGhs, 200_000);
        assertEq(spec.powerWatts, 3_500);
        assertEq(spec.location, "Rockdale, Texas, US");
        assertEq(spec.commissionedAt, 1_704_067_200);
    }

    function test_mint_emitsTwinMintedWithSpec() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        TwinRegistry.RigSpec memory spec = TwinRegistry.RigSpec({
            manufacturer: rig.manufacturer,
            model: rig.model,
            serialHash: keccak256("SN-1"),
            hashrateGhs: rig.hashrateGhs,
            powerWatts: rig.powerWatts,
            location: rig.location,
            commissionedAt: rig.commissionedAt
        });
        commitAs(operator, rig);
        vm.expectEmit(address(registry));
        emit TwinMinted(1, operator, reporter, 250, spec);
        revealAs(operator, rig, 250);
    }

    function test_mint_setsRoyaltyToOperator() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 750);
        (address receiver, uint256 amount) = registry.royaltyInfo(id, 1 ether);
        assertEq(receiver, operator);
        assertEq(amount, 0.075 ether);
    }

    function test_mint_countsIdsFromOne() public {
        assertEq(mintAs(operator, DemoRigs.s21("SN-1"), 0), 1);
        assertEq(mintAs(operator, DemoRigs.s21("SN-2"), 0), 2);
        assertEq(registry.totalSupply(), 2);
    }

    function test_mint_revertsOnDuplicateSerial() public {
        mintAs(operator, DemoRigs.s21("SN-1"), 0);
        expectMintRevert(
            makeAddr("someone else"),
            DemoRigs.s21("SN-1"),
            abi.encodeWithSelector(TwinRegistry.SerialAlreadyRegistered.selector, keccak256("SN-1"), 1)
        );
    }

    function test_mint_revertsOnEmptyManufacturer() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        rig.manufacturer = "";
        expectMintRevert(operator, rig, abi.encodeWithSelector(TwinRegistry.EmptyManufacturer.selector));
    }

    function test_mint_revertsOnEmptyModel() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        rig.model = "";
        expectMintRevert(operator, rig, abi.encodeWithSelector(TwinRegistry.EmptyModel.selector));
    }

    /// @dev `EmptySerial` is gone: an empty serial is one too short to be canonical.
    function test_mint_revertsOnEmptySerial() public {
        expectMintRevert(
            operator, DemoRigs.s21(""), abi.encodeWithSelector(TwinRegistry.SerialNotCanonical.selector, "")
        );
    }

    function test_mint_revertsOnZeroReporter() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        commitAs(operator, rig);
        vm.expectRevert(TwinRegistry.ZeroReporter.selector);
        vm.prank(operator);
        registry.mint(rig, address(0), 0, DemoRigs.terms(), saltFor(operator, "SN-1"));
    }

    function test_mint_revertsOnRoyaltyOverMaximum() public {
        commitAs(operator, DemoRigs.s21("SN-1"));
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.RoyaltyTooHigh.selector, 1_001, 1_000));
        revealAs(operator, DemoRigs.s21("SN-1"), 1_001);
    }

    function testFuzz_mint_royaltyWithinBoundIsStored(uint96 royaltyBps, uint256 salePrice) public {
        royaltyBps = uint96(bound(royaltyBps, 0, registry.MAX_ROYALTY_BPS()));
        salePrice = bound(salePrice, 0, 1e30);
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), royaltyBps);
        (, uint256 amount) = registry.royaltyInfo(id, salePrice);
        assertEq(amount, salePrice * royaltyBps / 10_000);
    }

    function testFuzz_mint_distinctSerialsGetDistinctTokens(uint256 seedA, uint256 seedB, uint256 length) public {
        length = bound(length, 4, 64);
        string memory a = canonicalSerial(seedA, length);
        string memory b = canonicalSerial(seedB, length);
        vm.assume(keccak256(bytes(a)) != keccak256(bytes(b)));
        uint256 first = mintAs(operator, DemoRigs.s21(a), 0);
        uint256 second = mintAs(operator, DemoRigs.s21(b), 0);
        assertEq(registry.tokenOfSerial(keccak256(bytes(a))), first);
        assertEq(registry.tokenOfSerial(keccak256(bytes(b))), second);
        assertTrue(first != second);
    }

    // ---------------------------------------------------------------- commit and reveal

    function test_commitMint_recordsTheBlockAndEmits() public {
        bytes32 commitment = commitmentOf(operator, "SN-1");
        vm.expectEmit(address(registry));
        emit MintCommitted(commitment, operator);
        vm.prank(operator);
        registry.commitMint(commitment);
        assertEq(registry.commitmentBlock(commitment), block.number);
    }

    function test_commitMint_revertsOnZeroCommitment() public {
        vm.expectRevert(TwinRegistry.EmptyCommitment.selector);
        vm.prank(operator);
        registry.commitMint(bytes32(0));
    }

    function testFuzz_mintCommitment_bindsSerialMinterAndSalt(
        string memory serial,
        address minter,
        bytes32 salt,
        address other
    ) public view {
        bytes32 commitment = registry.mintCommitment(serial, minter, salt);
        assertEq(commitment, keccak256(abi.encode(keccak256(bytes(serial)), minter, salt)));
        vm.assume(other != minter);
        assertTrue(registry.mintCommitment(serial, other, salt) != commitment, "another minter");
        assertTrue(registry.mintCommitment(serial, minter, ~salt) != commitment, "another salt");
        assertTrue(registry.mintCommitment(string.concat(serial, "0"), minter, salt) != commitment, "another serial");
    }

    function test_mint_revertsWithoutCommitment() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.MintNotCommitted.selector, commitmentOf(operator, "SN-1")));
        revealAs(operator, DemoRigs.s21("SN-1"), 0);
    }

    function test_mint_revertsWhenRevealedInTheCommitBlock() public {
        bytes32 commitment = commitmentOf(operator, "SN-1");
        vm.prank(operator);
        registry.commitMint(commitment);

        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.RevealTooEarly.selector, commitment, block.number));
        revealAs(operator, DemoRigs.s21("SN-1"), 0);

        vm.roll(block.number + 1);
        assertEq(revealAs(operator, DemoRigs.s21("SN-1"), 0), 1);
    }

    /// @dev A copier watching the mempool reads the serial and salt of a pending reveal and sends the
    /// same call: the commitment it would need binds the real minter, so there is none for the copier;
    /// committing on the spot does not help before the next block, by which time the rig is taken.
    function test_mint_copierOfAPendingRevealCannotMintIt() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        commitAs(operator, rig);
        bytes32 salt = saltFor(operator, rig.serial);
        bytes32 copierCommitment = registry.mintCommitment(rig.serial, copier, salt);

        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.MintNotCommitted.selector, copierCommitment));
        vm.prank(copier);
        registry.mint(rig, copier, 1_000, DemoRigs.terms(), salt);

        vm.prank(copier);
        registry.commitMint(copierCommitment);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.RevealTooEarly.selector, copierCommitment, block.number));
        vm.prank(copier);
        registry.mint(rig, copier, 1_000, DemoRigs.terms(), salt);

        uint256 id = revealAs(operator, rig, 500);
        assertEq(registry.ownerOf(id), operator);
        assertEq(registry.operatorOf(id), operator);
        (address receiver,) = registry.royaltyInfo(id, 1 ether);
        assertEq(receiver, operator);

        vm.roll(block.number + 1);
        vm.expectRevert(
            abi.encodeWithSelector(TwinRegistry.SerialAlreadyRegistered.selector, keccak256(bytes(rig.serial)), id)
        );
        vm.prank(copier);
        registry.mint(rig, copier, 1_000, DemoRigs.terms(), salt);
        assertEq(registry.balanceOf(copier), 0);
        assertEq(registry.totalSupply(), 1);
    }

    /// @dev A copier who sends the minter's commitment ahead of it, in the same block, makes the
    /// minter's commit neither fail nor lose its block, and owns nothing by it.
    function test_commitMint_frontRunCommitNeitherFailsNorDelaysTheMinter() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        bytes32 commitment = commitmentOf(operator, rig.serial);
        vm.prank(copier);
        registry.commitMint(commitment);
        vm.prank(operator);
        registry.commitMint(commitment);
        assertEq(registry.commitmentBlock(commitment), block.number);

        vm.roll(block.number + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TwinRegistry.MintNotCommitted.selector,
                registry.mintCommitment(rig.serial, copier, saltFor(operator, rig.serial))
            )
        );
        vm.prank(copier);
        registry.mint(rig, copier, 0, DemoRigs.terms(), saltFor(operator, rig.serial));

        assertEq(revealAs(operator, rig, 0), 1);
        assertEq(registry.ownerOf(1), operator);
    }

    /// @dev Re-sending a commitment later keeps its first block: a copy in the reveal's block cannot
    /// push the reveal back.
    function test_commitMint_recommitKeepsTheFirstBlock() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        bytes32 commitment = commitmentOf(operator, rig.serial);
        uint256 committedAt = block.number;
        vm.prank(operator);
        registry.commitMint(commitment);

        vm.roll(block.number + 1);
        vm.prank(copier);
        registry.commitMint(commitment);
        vm.prank(operator);
        registry.commitMint(commitment);
        assertEq(registry.commitmentBlock(commitment), committedAt);

        assertEq(revealAs(operator, rig, 0), 1);
    }

    function test_mint_consumesTheCommitment() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        bytes32 commitment = commitmentOf(operator, rig.serial);
        mintAs(operator, rig, 0);
        assertEq(registry.commitmentBlock(commitment), 0);

        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.MintNotCommitted.selector, commitment));
        revealAs(operator, rig, 0);
    }

    function test_mint_revealMustMatchTheCommittedSerialAndSalt() public {
        commitAs(operator, DemoRigs.s21("SN-1"));
        bytes32 salt = saltFor(operator, "SN-1");

        vm.expectRevert(
            abi.encodeWithSelector(
                TwinRegistry.MintNotCommitted.selector, registry.mintCommitment("SN-2", operator, salt)
            )
        );
        vm.prank(operator);
        registry.mint(DemoRigs.s21("SN-2"), reporter, 0, DemoRigs.terms(), salt);

        vm.expectRevert(
            abi.encodeWithSelector(
                TwinRegistry.MintNotCommitted.selector, registry.mintCommitment("SN-1", operator, ~salt)
            )
        );
        vm.prank(operator);
        registry.mint(DemoRigs.s21("SN-1"), reporter, 0, DemoRigs.terms(), ~salt);
    }

    function testFuzz_mint_onlyTheCommitterCanReveal(address other, bytes32 salt, uint8 blocksLater) public {
        vm.assume(other != operator);
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        vm.prank(operator);
        registry.commitMint(registry.mintCommitment(rig.serial, operator, salt));
        vm.roll(block.number + 1 + uint256(blocksLater));

        vm.expectRevert(
            abi.encodeWithSelector(
                TwinRegistry.MintNotCommitted.selector, registry.mintCommitment(rig.serial, other, salt)
            )
        );
        vm.prank(other);
        registry.mint(rig, reporter, 0, DemoRigs.terms(), salt);

        vm.prank(operator);
        assertEq(registry.mint(rig, reporter, 0, DemoRigs.terms(), salt), 1);
    }

    // ---------------------------------------------------------------- canonical serials

    /// @dev The issue's case: four spellings of one serial plate. Only the canonical one becomes a twin,
    /// before or after the others are tried.
    function test_mint_fourSpellingsOfOneSerialMakeOneTwin() public {
        string[3] memory variants = ["sn123456", " SN123456", "SN123456\n"];
        for (uint256 i = 0; i < variants.length; ++i) {
            assertFalse(registry.isCanonicalSerial(variants[i]));
            expectMintRevert(
                operator,
                DemoRigs.s21(variants[i]),
                abi.encodeWithSelector(TwinRegistry.SerialNotCanonical.selector, variants[i])
            );
        }

        assertTrue(registry.isCanonicalSerial("SN123456"));
        uint256 id = mintAs(operator, DemoRigs.s21("SN123456"), 0);

        for (uint256 i = 0; i < variants.length; ++i) {
            expectMintRevert(
                copier,
                DemoRigs.s21(variants[i]),
                abi.encodeWithSelector(TwinRegistry.SerialNotCanonical.selector, variants[i])
            );
            assertEq(registry.tokenOfSerial(keccak256(bytes(variants[i]))), 0);
        }
        assertEq(registry.tokenOfSerial(keccak256("SN123456")), id);
        assertEq(registry.totalSupply(), 1);
    }

    function test_isCanonicalSerial_acceptsTheAlphabetAtEveryLength() public view {
        assertTrue(registry.isCanonicalSerial("ABCD"));
        assertTrue(registry.isCanonicalSerial("0000"));
        assertTrue(registry.isCanonicalSerial("----"));
        assertTrue(registry.isCanonicalSerial("ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789"));
        assertTrue(registry.isCanonicalSerial(repeated("Z9", 32)));
        assertEq(registry.MIN_SERIAL_LENGTH(), 4);
        assertEq(registry.MAX_SERIAL_LENGTH(), 64);
    }

    function test_isCanonicalSerial_refusesBadLengthsAndNeighboursOfTheAlphabet() public view {
        assertFalse(registry.isCanonicalSerial(""));
        assertFalse(registry.isCanonicalSerial("ABC"));
        assertFalse(registry.isCanonicalSerial(string.concat(repeated("Z9", 32), "A")));
        // The bytes either side of each range: , . / : @ [ ` {
        string[12] memory bad =
            ["AB,C", "AB.C", "AB/C", "AB:C", "AB@C", "AB[C", "AB`C", "AB{C", "ab-c", "AB_C", "AB C", "AB\x00C"];
        for (uint256 i = 0; i < bad.length; ++i) {
            assertFalse(registry.isCanonicalSerial(bad[i]), bad[i]);
        }
        assertFalse(registry.isCanonicalSerial(unicode"ÄBCD"));
    }

    function testFuzz_isCanonicalSerial_agreesWithTheReference(bytes memory raw) public view {
        assertEq(registry.isCanonicalSerial(string(raw)), isCanonicalReference(raw));
    }

    function testFuzz_mint_acceptsAnyCanonicalSerial(uint256 seed, uint256 length) public {
        string memory serial = canonicalSerial(seed, bound(length, 4, 64));
        uint256 id = mintAs(operator, DemoRigs.s21(serial), 0);
        assertEq(registry.tokenOfSerial(keccak256(bytes(serial))), id);
        assertEq(registry.specOf(id).serialHash, keccak256(bytes(serial)));
    }

    /// @dev One byte outside `A-Z`, `0-9` and `-`, anywhere in an otherwise canonical serial.
    function testFuzz_mint_refusesAnySerialWithAByteOutsideTheSet(
        uint256 seed,
        uint256 length,
        uint256 position,
        bytes1 bad
    ) public {
        bytes memory one = new bytes(1);
        one[0] = bad;
        vm.assume(!isCanonicalReference(bytes.concat(one, "AAA")));
        bytes memory raw = bytes(canonicalSerial(seed, bound(length, 4, 64)));
        raw[bound(position, 0, raw.length - 1)] = bad;
        string memory serial = string(raw);

        assertFalse(registry.isCanonicalSerial(serial));
        expectMintRevert(
            operator, DemoRigs.s21(serial), abi.encodeWithSelector(TwinRegistry.SerialNotCanonical.selector, serial)
        );
        assertEq(registry.totalSupply(), 0);
    }

    function testFuzz_mint_refusesSerialsOfBadLength(uint256 seed, uint256 length) public {
        length = length % 2 == 0 ? bound(length, 0, 3) : bound(length, 65, 300);
        string memory serial = canonicalSerial(seed, length);

        assertFalse(registry.isCanonicalSerial(serial));
        expectMintRevert(
            operator, DemoRigs.s21(serial), abi.encodeWithSelector(TwinRegistry.SerialNotCanonical.selector, serial)
        );
    }

    // ---------------------------------------------------------------- spec text caps

    function test_mint_acceptsSpecTextsAtTheirCaps() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        rig.manufacturer = repeated("M", 32);
        rig.model = repeated("m", 48);
        rig.location = repeated("l", 96);
        uint256 id = mintAs(operator, rig, 0);

        TwinRegistry.RigSpec memory spec = registry.specOf(id);
        assertEq(spec.manufacturer, rig.manufacturer);
        assertEq(spec.model, rig.model);
        assertEq(spec.location, rig.location);
        assertEq(registry.MAX_MANUFACTURER_LENGTH(), 32);
        assertEq(registry.MAX_MODEL_LENGTH(), 48);
        assertEq(registry.MAX_LOCATION_LENGTH(), 96);
    }

    function test_mint_revertsOnSpecTextsOverTheirCaps() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        rig.manufacturer = repeated("M", 33);
        expectMintRevert(operator, rig, abi.encodeWithSelector(TwinRegistry.SpecTextTooLong.selector, 0, 33, 32));

        rig = DemoRigs.s21("SN-1");
        rig.model = repeated("m", 49);
        expectMintRevert(operator, rig, abi.encodeWithSelector(TwinRegistry.SpecTextTooLong.selector, 1, 49, 48));

        rig = DemoRigs.s21("SN-1");
        rig.location = repeated("l", 97);
        expectMintRevert(operator, rig, abi.encodeWithSelector(TwinRegistry.SpecTextTooLong.selector, 2, 97, 96));
    }

    /// @dev The caps count bytes, as `tokenURI` pays for them: 16 two-byte characters fit a 32-byte
    /// manufacturer, 17 do not.
    function test_mint_specCapsCountBytesNotCharacters() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        rig.manufacturer = repeated(unicode"ü", 17);
        expectMintRevert(operator, rig, abi.encodeWithSelector(TwinRegistry.SpecTextTooLong.selector, 0, 34, 32));

        rig.manufacturer = repeated(unicode"ü", 16);
        assertEq(revealAs(operator, rig, 0), 1);
    }

    function testFuzz_mint_specTextsAreCappedInBytes(uint8 field, uint256 length) public {
        field = uint8(bound(field, 0, 2));
        length = bound(length, 1, 200);
        uint256[3] memory caps = [uint256(32), 48, 96];
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-1");
        string memory text = repeated("x", length);
        if (field == 0) rig.manufacturer = text;
        else if (field == 1) rig.model = text;
        else rig.location = text;

        if (length > caps[field]) {
            expectMintRevert(
                operator, rig, abi.encodeWithSelector(TwinRegistry.SpecTextTooLong.selector, field, length, caps[field])
            );
        } else {
            assertEq(mintAs(operator, rig, 0), 1);
        }
    }

    // ---------------------------------------------------------------- plausibility

    /// @dev The issue's example: a billion TH/s (a thousand times the whole network) at 10 MW.
    function test_mint_refusesTheIssuesExample() public {
        uint64 billionThs = 1_000_000_000 * 1_000;
        expectMintRevert(
            operator,
            withFigures("SN-1", billionThs, 10_000_000),
            abi.encodeWithSelector(TwinRegistry.HashrateOutOfRange.selector, billionThs, 100_000_000_000)
        );
        // Even at the largest hashrate there is, 10 MW would be 0.1 J/TH: no machine is that efficient.
        expectMintRevert(
            operator,
            withFigures("SN-1", 100_000_000_000, 10_000_000),
            abi.encodeWithSelector(TwinRegistry.ImplausibleEfficiency.selector, 100_000_000_000, 10_000_000)
        );
    }

    /// @dev `ZeroHashrate` and `ZeroPower` are gone: zero is below each range.
    function test_mint_refusesZeroHashrateAndZeroPower() public {
        expectMintRevert(
            operator,
            withFigures("SN-1", 0, 3_500),
            abi.encodeWithSelector(TwinRegistry.HashrateOutOfRange.selector, 0, 100_000_000_000)
        );
        expectMintRevert(
            operator,
            withFigures("SN-1", 200_000, 0),
            abi.encodeWithSelector(TwinRegistry.PowerOutOfRange.selector, 0, 1_000_000_000)
        );
    }

    /// @dev 100 EH/s at 1 GW (10 J/TH) is the largest farm a twin may stand for; one more GH/s or one
    /// more watt is out of range.
    function test_mint_rangeEdges() public {
        assertEq(registry.MAX_HASHRATE_GHS(), 100_000_000_000);
        assertEq(registry.MAX_POWER_WATTS(), 1_000_000_000);
        expectMintRevert(
            operator,
            withFigures("SN-1", 100_000_000_001, 1_000_000_000),
            abi.encodeWithSelector(TwinRegistry.HashrateOutOfRange.selector, 100_000_000_001, 100_000_000_000)
        );
        expectMintRevert(
            operator,
            withFigures("SN-1", 100_000_000_000, 1_000_000_001),
            abi.encodeWithSelector(TwinRegistry.PowerOutOfRange.selector, 1_000_000_001, 1_000_000_000)
        );
        assertEq(mintAs(operator, withFigures("SN-1", 100_000_000_000, 1_000_000_000), 0), 1);
        // The smallest: 5 GH/s at 1 W is 200 J/TH.
        assertEq(mintAs(operator, withFigures("SN-2", 5, 1), 0), 2);
        expectMintRevert(
            operator,
            withFigures("SN-3", 4, 1),
            abi.encodeWithSelector(TwinRegistry.ImplausibleEfficiency.selector, 4, 1)
        );
    }

    /// @dev At the S21's 200 TH/s, the band is 1,000 W (5 J/TH) to 40,000 W (200 J/TH), both inclusive.
    function test_mint_efficiencyBandEdges() public {
        expectMintRevert(
            operator,
            withFigures("SN-1", 200_000, 999),
            abi.encodeWithSelector(TwinRegistry.ImplausibleEfficiency.selector, 200_000, 999)
        );
        expectMintRevert(
            operator,
            withFigures("SN-1", 200_000, 40_001),
            abi.encodeWithSelector(TwinRegistry.ImplausibleEfficiency.selector, 200_000, 40_001)
        );
        assertEq(mintAs(operator, withFigures("SN-1", 200_000, 1_000), 0), 1);
        assertEq(mintAs(operator, withFigures("SN-2", 200_000, 40_000), 0), 2);
    }

    /// @dev For any hashrate in range, the lowest and highest plausible powers mint and the watt
    /// beyond each is refused.
    function testFuzz_mint_efficiencyBandEdges(uint64 hashrateGhs) public {
        hashrateGhs = uint64(bound(hashrateGhs, 5, registry.MAX_HASHRATE_GHS()));
        uint256 lowest = (uint256(hashrateGhs) * 5 + 999) / 1_000; // ceil(5 J/TH)
        uint256 highest = uint256(hashrateGhs) * 200 / 1_000; // floor(200 J/TH)

        assertEq(mintAs(operator, withFigures("LOW-0", hashrateGhs, uint32(lowest)), 0), 1);
        if (lowest > 1) {
            expectMintRevert(
                operator,
                withFigures("LOW-1", hashrateGhs, uint32(lowest - 1)),
                abi.encodeWithSelector(TwinRegistry.ImplausibleEfficiency.selector, hashrateGhs, lowest - 1)
            );
        }

        uint256 maxPower = registry.MAX_POWER_WATTS();
        if (highest <= maxPower) {
            assertEq(mintAs(operator, withFigures("HIGH-0", hashrateGhs, uint32(highest)), 0), 2);
            bytes memory err = highest + 1 > maxPower
                ? abi.encodeWithSelector(TwinRegistry.PowerOutOfRange.selector, highest + 1, maxPower)
                : abi.encodeWithSelector(TwinRegistry.ImplausibleEfficiency.selector, hashrateGhs, highest + 1);
            expectMintRevert(operator, withFigures("HIGH-1", hashrateGhs, uint32(highest + 1)), err);
        } else {
            assertEq(mintAs(operator, withFigures("HIGH-0", hashrateGhs, uint32(maxPower)), 0), 2);
            expectMintRevert(
                operator,
                withFigures("HIGH-1", hashrateGhs, uint32(maxPower + 1)),
                abi.encodeWithSelector(TwinRegistry.PowerOutOfRange.selector, maxPower + 1, maxPower)
            );
        }
    }

    /// @dev Any nameplate at all, the hashrate spread over every order of magnitude and the power drawn
    /// around the band: it mints exactly when the hashrate is 1 GH/s to 100 EH/s, the power 1 W to
    /// 1 GW, and the ratio 5 to 200 J/TH.
    function testFuzz_mint_acceptsExactlyPlausibleNameplates(
        uint64 hashrateGhs,
        uint8 magnitude,
        uint256 milliJoulesPerTh,
        uint32 noise
    ) public {
        hashrateGhs = uint64(bound(hashrateGhs, 0, 2 * 10 ** (magnitude % 12)));
        milliJoulesPerTh = bound(milliJoulesPerTh, 0, 400_000);
        uint256 power = uint256(hashrateGhs) * milliJoulesPerTh / 1_000_000 + noise % 3;
        if (power > type(uint32).max) power = type(uint32).max;
        TwinRegistry.RigInput memory rig = withFigures("SN-1", hashrateGhs, uint32(power));

        // J/TH = W * 1000 / (GH/s), compared exactly as fractions.
        if (hashrateGhs == 0 || hashrateGhs > 100_000_000_000) {
            expectMintRevert(
                operator,
                rig,
                abi.encodeWithSelector(TwinRegistry.HashrateOutOfRange.selector, hashrateGhs, 100_000_000_000)
            );
        } else if (power == 0 || power > 1_000_000_000) {
            expectMintRevert(
                operator, rig, abi.encodeWithSelector(TwinRegistry.PowerOutOfRange.selector, power, 1_000_000_000)
            );
        } else if (power * 1_000 < 5 * uint256(hashrateGhs) || power * 1_000 > 200 * uint256(hashrateGhs)) {
            expectMintRevert(
                operator, rig, abi.encodeWithSelector(TwinRegistry.ImplausibleEfficiency.selector, hashrateGhs, power)
            );
        } else {
            assertEq(mintAs(operator, rig, 0), 1);
        }
    }

    // ---------------------------------------------------------------- custody epoch

    function test_custodyOf_newTwinIsHeldByItsMinter() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        (address owner, uint64 epoch, bool retired) = registry.custodyOf(id);
        assertEq(owner, operator);
        assertEq(epoch, uint64(1) << 32, "the mint is the twin's first custody");
        assertFalse(retired);
    }

    function test_custodyOf_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.custodyOf(7);
    }

    /// @dev Including the way back: the twin returns to an owner under an epoch it never had there.
    function test_custodyOf_changesOnEveryTransfer() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        uint64 first = epochOf(id);

        sellTo(id, investor);
        uint64 second = epochOf(id);
        vm.prank(investor);
        registry.safeTransferFrom(investor, stranger, id);
        uint64 third = epochOf(id);
        sellTo(id, operator);
        (address owner, uint64 fourth,) = registry.custodyOf(id);

        assertEq(owner, operator);
        assertGt(second, first);
        assertGt(third, second);
        assertGt(fourth, third);
    }

    function test_custodyOf_transferByApprovedSpenderChangesIt() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        vm.prank(operator);
        registry.approve(market, id);
        uint64 before = epochOf(id);

        vm.prank(market);
        registry.transferFrom(operator, investor, id);
        assertGt(epochOf(id), before);
        assertEq(registry.getApproved(id), address(0));
    }

    /// @dev Approving takes nothing away from anyone, so a listing made under the approval survives.
    function test_custodyOf_unchangedByApproving() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        uint64 before = epochOf(id);

        vm.startPrank(operator);
        registry.approve(market, id);
        registry.approve(market, id);
        registry.setApprovalForAll(market, true);
        registry.setApprovalForAll(market, true);
        vm.stopPrank();
        assertEq(epochOf(id), before);
    }

    function test_custodyOf_changesWhenTheApprovalIsRevoked() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        vm.startPrank(operator);
        registry.approve(market, id);
        uint64 approved = epochOf(id);

        registry.approve(address(0), id);
        uint64 revoked = epochOf(id);
        assertGt(revoked, approved);

        registry.approve(address(0), id);
        assertEq(epochOf(id), revoked, "nothing left to revoke");
        vm.stopPrank();
    }

    function test_custodyOf_changesWhenTheApprovalIsReplaced() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        vm.startPrank(operator);
        registry.approve(market, id);
        uint64 approved = epochOf(id);

        registry.approve(stranger, id);
        assertGt(epochOf(id), approved);
        vm.stopPrank();
    }

    function test_custodyOf_changesWhenAnOperatorForAllReplacesTheApproval() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        vm.startPrank(operator);
        registry.approve(market, id);
        registry.setApprovalForAll(investor, true);
        vm.stopPrank();
        uint64 before = epochOf(id);

        vm.prank(investor);
        registry.approve(stranger, id);
        assertGt(epochOf(id), before);
    }

    /// @dev The owner's revocation counter sits in the low 32 bits: one revocation moves every twin of
    /// that owner, and no one else's.
    function test_custodyOf_revokingApprovalForAllChangesEveryTwinOfThatOwner() public {
        uint256 a = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        uint256 b = mintAs(operator, DemoRigs.s21("SN-2"), 0);
        uint256 other = mintAs(investor, DemoRigs.s21("SN-3"), 0);
        vm.prank(operator);
        registry.setApprovalForAll(market, true);
        vm.prank(investor);
        registry.setApprovalForAll(market, true);
        uint64 aBefore = epochOf(a);
        uint64 bBefore = epochOf(b);
        uint64 otherBefore = epochOf(other);

        vm.prank(operator);
        registry.setApprovalForAll(market, false);
        assertEq(epochOf(a), aBefore + 1);
        assertEq(epochOf(b), bBefore + 1);
        assertEq(epochOf(other), otherBefore, "another owner's twin");

        vm.startPrank(operator);
        registry.setApprovalForAll(market, false);
        registry.setApprovalForAll(stranger, false);
        vm.stopPrank();
        assertEq(epochOf(a), aBefore + 1, "nothing left to revoke");
    }

    /// @dev A twin that arrives at an owner who revoked before carries that owner's counter, so that it
    /// still sorts above every epoch it had.
    function test_custodyOf_arrivingTwinTakesItsNewOwnersCounter() public {
        uint256 held = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        uint256 arriving = mintAs(investor, DemoRigs.s21("SN-2"), 0);
        vm.startPrank(operator);
        registry.setApprovalForAll(market, true);
        registry.setApprovalForAll(market, false);
        vm.stopPrank();
        assertEq(epochOf(held) & type(uint32).max, 1);

        uint64 before = epochOf(arriving);
        sellTo(arriving, operator);
        assertEq(epochOf(arriving), (uint64(2) << 32) | 1);
        assertGt(epochOf(arriving), before);
    }

    /// @dev Running the rig is not custody of the twin.
    function test_custodyOf_unchangedByOperatingTheRig() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        uint64 before = epochOf(id);

        vm.startPrank(operator);
        registry.setStatus(id, TwinRegistry.Status.Offline);
        registry.setReporter(id, stranger);
        registry.logMaintenance(id, TwinRegistry.MaintenanceKind.Inspection, "fans");
        registry.proposeOperator(id, investor);
        vm.stopPrank();
        vm.prank(investor);
        registry.acceptOperator(id);
        vm.warp(NOW + 60);
        vm.prank(stranger);
        registry.reportTelemetry(id, single(NOW + 60));

        assertEq(epochOf(id), before);
    }

    function test_custodyOf_retiredOnlyOnceDecommissioned() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        uint64 before = epochOf(id);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Offline);
        (,, bool retired) = registry.custodyOf(id);
        assertFalse(retired, "offline is not retired");

        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        uint64 epoch;
        (, epoch, retired) = registry.custodyOf(id);
        assertTrue(retired);
        assertEq(epoch, before);

        sellTo(id, investor);
        (,, retired) = registry.custodyOf(id);
        assertTrue(retired, "retired for good");
    }

    /// @dev Any sequence of transfers, approvals and revocations among three holders: the epoch moves,
    /// strictly upwards, exactly when custody is taken from someone, and never repeats.
    function testFuzz_custodyOf_movesUpExactlyWhenCustodyIsTaken(uint8[24] memory ops) public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        address[3] memory holders = [operator, investor, stranger];
        uint64[] memory seen = new uint64[](ops.length + 1);
        seen[0] = epochOf(id);
        uint256 seenCount = 1;

        for (uint256 i = 0; i < ops.length; ++i) {
            address owner = registry.ownerOf(id);
            address approved = registry.getApproved(id);
            uint64 before = epochOf(id);
            bool taken;
            vm.startPrank(owner);
            uint8 op = ops[i] % 5;
            if (op == 0) {
                address to = holders[(ops[i] / 5) % 3];
                if (to == owner) to = holders[(ops[i] / 5 + 1) % 3];
                registry.transferFrom(owner, to, id);
                taken = true;
            } else if (op == 1) {
                address spender = ops[i] % 2 == 0 ? market : copier;
                registry.approve(spender, id);
                taken = approved != address(0) && approved != spender;
            } else if (op == 2) {
                registry.approve(address(0), id);
                taken = approved != address(0);
            } else if (op == 3) {
                registry.setApprovalForAll(market, true);
            } else {
                taken = registry.isApprovedForAll(owner, market);
                registry.setApprovalForAll(market, false);
            }
            vm.stopPrank();

            uint64 current = epochOf(id);
            if (!taken) {
                assertEq(current, before);
                continue;
            }
            assertGt(current, before);
            for (uint256 j = 0; j < seenCount; ++j) {
                assertTrue(seen[j] != current, "epoch repeated");
            }
            seen[seenCount++] = current;
        }
    }

    // ---------------------------------------------------------------- royalties and interfaces

    function testFuzz_royaltyInfo_paysTheOperatorItsRate(uint96 royaltyBps, uint256 salePrice) public {
        royaltyBps = uint96(bound(royaltyBps, 0, 1_000));
        salePrice = bound(salePrice, 0, type(uint256).max / 1_000);
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), royaltyBps);
        sellTo(id, investor);
        (address receiver, uint256 amount) = registry.royaltyInfo(id, salePrice);
        assertEq(receiver, operator, "the royalty follows the rig, not the token");
        assertEq(amount, salePrice * royaltyBps / 10_000);
    }

    function test_royaltyInfo_unknownTokenPaysNothing() public view {
        (address receiver, uint256 amount) = registry.royaltyInfo(7, 1 ether);
        assertEq(receiver, address(0));
        assertEq(amount, 0);
    }

    function test_supportsInterface_erc721Erc2981AndErc4906() public view {
        assertTrue(registry.supportsInterface(0x01ffc9a7), "ERC-165");
        assertTrue(registry.supportsInterface(0x80ac58cd), "ERC-721");
        assertTrue(registry.supportsInterface(0x5b5e139f), "ERC-721 metadata");
        assertTrue(registry.supportsInterface(0x2a55205a), "ERC-2981");
        assertTrue(registry.supportsInterface(type(IERC2981).interfaceId), "IERC2981");
        assertTrue(registry.supportsInterface(0x49064906), "ERC-4906");
        assertFalse(registry.supportsInterface(0xdeadbeef));
        assertFalse(registry.supportsInterface(0xffffffff));
    }

    // ---------------------------------------------------------------- views and transfers

    function test_views_revertForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.specOf(7);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.operatorOf(7);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.reporterOf(7);
    }

    function test_transfer_keepsOperatorAndReporter() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        sellTo(id, investor);

        assertEq(registry.ownerOf(id), investor);
        assertEq(registry.operatorOf(id), operator);
        assertEq(registry.reporterOf(id), reporter);
    }
}
