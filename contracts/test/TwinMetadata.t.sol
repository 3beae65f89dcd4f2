// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinMetadata} from "../src/lib/TwinMetadata.sol";
import {TwinFixture} from "./utils/TwinFixture.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";

/// @dev The on-chain `tokenURI`: its JSON, its SVG badge, and their resistance to hostile spec strings.
contract TwinMetadataTest is TwinFixture {
    string internal constant JSON_PREFIX = "data:application/json;base64,";
    string internal constant SVG_PREFIX = "data:image/svg+xml;base64,";
    string internal constant HOSTILE = "S21 \"Pro\" \\ 50% & more\nline2\t</text><script>alert('x')</script>";

    /// @dev Decodes the twin's metadata JSON, checking the data URI on the way.
    function metadataOf(uint256 tokenId) internal view returns (string memory) {
        return string(Base64.decode(stripPrefix(registry.tokenURI(tokenId), JSON_PREFIX)));
    }

    function badgeOf(string memory json) internal pure returns (string memory) {
        return string(Base64.decode(stripPrefix(vm.parseJsonString(json, ".image"), SVG_PREFIX)));
    }

    function stripPrefix(string memory uri, string memory prefix) internal pure returns (string memory) {
        bytes memory raw = bytes(uri);
        bytes memory head = bytes(prefix);
        require(raw.length >= head.length, "shorter than its prefix");
        for (uint256 i = 0; i < head.length; ++i) {
            require(raw[i] == head[i], "wrong data URI prefix");
        }
        bytes memory rest = new bytes(raw.length - head.length);
        for (uint256 i = 0; i < rest.length; ++i) {
            rest[i] = raw[head.length + i];
        }
        return string(rest);
    }

    function count(string memory haystack, bytes1 needle) internal pure returns (uint256 n) {
        bytes memory raw = bytes(haystack);
        for (uint256 i = 0; i < raw.length; ++i) {
            if (raw[i] == needle) ++n;
        }
    }

    function mintModel(string memory model) internal returns (uint256) {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-X");
        spec.model = model;
        return mintAs(operator, spec, 0);
    }

    function assertTrait(string memory json, uint256 index, string memory traitType, string memory value)
        internal
        pure
    {
        string memory at = string.concat(".attributes[", vm.toString(index), "]");
        assertEq(vm.parseJsonString(json, string.concat(at, ".trait_type")), traitType);
        assertEq(vm.parseJsonString(json, string.concat(at, ".value")), value);
    }

    function assertNumberTrait(
        string memory json,
        uint256 index,
        string memory traitType,
        string memory displayType,
        uint256 value
    ) internal pure {
        string memory at = string.concat(".attributes[", vm.toString(index), "]");
        assertEq(vm.parseJsonString(json, string.concat(at, ".trait_type")), traitType);
        assertEq(vm.parseJsonString(json, string.concat(at, ".display_type")), displayType);
        assertEq(vm.parseJsonUint(json, string.concat(at, ".value")), value);
    }

    // ---------------------------------------------------------------- JSON

    function test_tokenURI_rendersOpenSeaMetadata() public {
        uint256 id = mintTwin();
        string memory json = metadataOf(id);

        assertEq(vm.parseJsonString(json, ".name"), "Antminer S21 #1");
        assertTrue(vm.contains(vm.parseJsonString(json, ".description"), "Bitmain Antminer S21"));
        assertEq(vm.parseJsonKeys(json, "$").length, 4);
        assertEq(vm.parseJsonKeys(json, ".attributes[0]").length, 2);

        assertTrait(json, 0, "Manufacturer", "Bitmain");
        assertTrait(json, 1, "Model", "Antminer S21");
        assertNumberTrait(json, 2, "Hashrate", "number", 200);
        assertNumberTrait(json, 3, "Power", "number", 3_500);
        // forge's JSON reader has no decimals; the exact text shows the one decimal instead.
        assertTrue(vm.contains(json, '{"trait_type":"Efficiency","display_type":"number","value":17.5}'));
        assertTrait(json, 5, "Location", "Rockdale, Texas, US");
        assertNumberTrait(json, 6, "Commissioned", "date", 1_704_067_200);
        assertTrait(json, 7, "Status", "Active");
        assertFalse(vm.keyExistsJson(json, ".attributes[8]"));
    }

    function test_tokenURI_followsStatus() public {
        uint256 id = mintTwin();
        vm.startPrank(operator);
        registry.setStatus(id, TwinRegistry.Status.Offline);
        assertTrait(metadataOf(id), 7, "Status", "Offline");
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
        string memory json = metadataOf(id);
        vm.stopPrank();
        assertTrait(json, 7, "Status", "Decommissioned");
        assertTrue(vm.contains(badgeOf(json), "HashTwin #1 - Decommissioned"));
    }

    function test_tokenURI_roundsHashrateAndEfficiencyToOneDecimal() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-X");
        spec.hashrateGhs = 141_460; // 141.46 TH/s -> 141.5
        spec.powerWatts = 3_010; // 21.278 J/TH -> 21.3
        uint256 id = mintAs(operator, spec, 0);
        string memory json = metadataOf(id);
        assertTrue(vm.contains(json, '{"trait_type":"Hashrate","display_type":"number","value":141.5}'));
        assertTrue(vm.contains(json, '{"trait_type":"Efficiency","display_type":"number","value":21.3}'));
        assertTrue(vm.contains(badgeOf(json), ">141.5 TH/s | 21.3 J/TH<"));
    }

    function test_tokenURI_keepsDecimalForWholeEfficiency() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-X");
        spec.powerWatts = 3_000; // exactly 15 J/TH
        uint256 id = mintAs(operator, spec, 0);
        assertTrue(vm.contains(metadataOf(id), '"value":15.0}'));
    }

    function test_tokenURI_handlesExtremeSpecs() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-X");
        spec.hashrateGhs = type(uint64).max;
        spec.powerWatts = type(uint32).max;
        spec.commissionedAt = type(uint64).max;
        uint256 big = mintAs(operator, spec, 0);
        assertNumberTrait(metadataOf(big), 6, "Commissioned", "date", type(uint64).max);

        spec.serialHash = keccak256("SN-Y");
        spec.hashrateGhs = 1;
        spec.commissionedAt = 0;
        spec.location = "";
        uint256 tiny = mintAs(operator, spec, 0);
        string memory json = metadataOf(tiny);
        assertNumberTrait(json, 2, "Hashrate", "number", 0);
        assertNumberTrait(json, 6, "Commissioned", "date", 0);
        assertTrait(json, 5, "Location", "");
        assertTrue(vm.contains(json, '{"trait_type":"Efficiency","display_type":"number","value":4294967295000.0}'));
    }

    function test_tokenURI_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSignature("ERC721NonexistentToken(uint256)", 1));
        registry.tokenURI(1);
    }

    // ---------------------------------------------------------------- SVG

    function test_tokenURI_imageIsSvgBadgeOfTheSpec() public {
        uint256 id = mintTwin();
        string memory svg = badgeOf(metadataOf(id));
        assertTrue(vm.contains(svg, '<svg xmlns="http://www.w3.org/2000/svg"'));
        assertTrue(vm.contains(svg, ">HashTwin #1 - Active</text>"));
        assertTrue(vm.contains(svg, ">Antminer S21</text>"));
        assertTrue(vm.contains(svg, ">200 TH/s | 17.5 J/TH</text>"));
        assertTrue(vm.contains(svg, "</svg>"));
    }

    // ---------------------------------------------------------------- hostile strings

    function test_tokenURI_hostileModelKeepsJsonValidAndRoundTrips() public {
        uint256 id = mintModel(HOSTILE);
        string memory json = metadataOf(id);

        assertEq(vm.parseJsonString(json, ".name"), string.concat(HOSTILE, " #1"));
        assertTrait(json, 1, "Model", HOSTILE);
        assertEq(vm.parseJsonKeys(json, "$").length, 4, "no field was injected");
        assertTrait(json, 7, "Status", "Active");
    }

    function test_tokenURI_hostileModelIsEscapedInSvg() public {
        uint256 id = mintModel(HOSTILE);
        string memory svg = badgeOf(metadataOf(id));

        assertFalse(vm.contains(svg, "<script>"));
        assertTrue(
            vm.contains(
                svg,
                ">S21 &quot;Pro&quot; \\ 50% &amp; more line2 &lt;/text&gt;&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;</text>"
            )
        );
        assertEq(count(svg, "<"), count(badgeOf(metadataOf(mintTwin())), "<"), "no tag was injected");
    }

    function test_tokenURI_escapesManufacturerAndLocation() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-X");
        spec.manufacturer = "Bit\"main\",\"x\":\"";
        spec.location = "Rockdale\\\"}]}\r\n\x00\x1f";
        uint256 id = mintAs(operator, spec, 0);
        string memory json = metadataOf(id);

        assertTrait(json, 0, "Manufacturer", spec.manufacturer);
        assertTrait(json, 5, "Location", spec.location);
        assertTrue(vm.contains(vm.parseJsonString(json, ".description"), spec.manufacturer));
        assertEq(vm.parseJsonKeys(json, "$").length, 4);
    }

    function test_tokenURI_keepsUtf8Text() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-X");
        spec.model = unicode"Antminer S21 – Zürich 矿机";
        spec.location = unicode"Zürich, CH";
        uint256 id = mintAs(operator, spec, 0);
        string memory json = metadataOf(id);
        assertEq(vm.parseJsonString(json, ".name"), string.concat(spec.model, " #1"));
        assertTrait(json, 5, "Location", spec.location);
        assertTrue(vm.contains(badgeOf(json), spec.model));
    }

    /// @dev Every ASCII byte, printable or not, in any order: the fuzzer's bytes are folded into 0x00-0x7F
    /// because a spec with invalid UTF-8 is invalid JSON text to begin with (see the contract notes).
    function testFuzz_tokenURI_anyAsciiModelYieldsValidJson(bytes memory raw) public {
        vm.assume(raw.length > 0);
        for (uint256 i = 0; i < raw.length; ++i) {
            raw[i] = raw[i] & 0x7f;
        }
        string memory model = string(raw);
        uint256 id = mintModel(model);
        string memory json = metadataOf(id);

        assertEq(vm.parseJsonString(json, ".name"), string.concat(model, " #1"));
        assertTrait(json, 1, "Model", model);
        assertEq(vm.parseJsonKeys(json, "$").length, 4);
        assertEq(vm.parseJsonKeys(json, ".attributes[1]").length, 2);

        string memory svg = badgeOf(json);
        string memory baseline = badgeOf(metadataOf(mintTwin()));
        assertEq(count(svg, "<"), count(baseline, "<"), "no tag was injected");
        assertEq(count(svg, '"'), count(baseline, '"'), "no attribute was closed");
    }

    /// @dev Any bytes at all, invalid UTF-8 included: forge, like a browser's TextDecoder, reads invalid
    /// sequences as U+FFFD, and what it reads must still be JSON with exactly the expected fields.
    function testFuzz_tokenURI_anyBytesModelYieldsParseableJson(bytes memory raw) public {
        vm.assume(raw.length > 0);
        uint256 id = mintModel(string(raw));
        string memory json = metadataOf(id);

        assertEq(vm.parseJsonKeys(json, "$").length, 4);
        assertEq(vm.parseJsonKeys(json, ".attributes[1]").length, 2);
        assertTrait(json, 7, "Status", "Active");
        assertEq(count(badgeOf(json), "<"), count(badgeOf(metadataOf(mintTwin())), "<"), "no tag was injected");
    }

    function testFuzz_tokenURI_anyFiguresYieldValidJson(uint64 hashrateGhs, uint32 powerWatts, uint64 commissionedAt)
        public
    {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-X");
        spec.hashrateGhs = uint64(bound(hashrateGhs, 1, type(uint64).max));
        spec.powerWatts = uint32(bound(powerWatts, 1, type(uint32).max));
        spec.commissionedAt = commissionedAt;
        uint256 id = mintAs(operator, spec, 0);
        string memory json = metadataOf(id);

        assertEq(vm.parseJsonUint(json, ".attributes[3].value"), spec.powerWatts);
        assertEq(vm.parseJsonUint(json, ".attributes[6].value"), commissionedAt);
        uint256 efficiencyTenths = (uint256(spec.powerWatts) * 10_000 + spec.hashrateGhs / 2) / spec.hashrateGhs;
        assertTrue(
            vm.contains(
                json,
                string.concat(
                    '{"trait_type":"Efficiency","display_type":"number","value":',
                    vm.toString(efficiencyTenths / 10),
                    ".",
                    vm.toString(efficiencyTenths % 10),
                    "}"
                )
            )
        );
    }

    // ---------------------------------------------------------------- escaping library

    function test_escapeXml_writesPredefinedEntitiesAndBlanksControls() public pure {
        assertEq(TwinMetadata.escapeXml(""), "");
        assertEq(TwinMetadata.escapeXml("plain"), "plain");
        assertEq(TwinMetadata.escapeXml("&<>\"'"), "&amp;&lt;&gt;&quot;&apos;");
        assertEq(TwinMetadata.escapeXml("a\x00b\tc\nd\x1fe\x7f"), "a b c d e\x7f");
        assertEq(TwinMetadata.escapeXml(unicode"€&é"), unicode"€&amp;é");
    }

    function test_statusName_namesEveryStatus() public pure {
        assertEq(TwinMetadata.statusName(TwinRegistry.Status.Active), "Active");
        assertEq(TwinMetadata.statusName(TwinRegistry.Status.Offline), "Offline");
        assertEq(TwinMetadata.statusName(TwinRegistry.Status.Decommissioned), "Decommissioned");
    }
}
