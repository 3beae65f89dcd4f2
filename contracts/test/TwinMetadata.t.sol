// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {console} from "forge-std/console.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinMetadata} from "../src/lib/TwinMetadata.sol";
import {TwinFixture} from "./utils/TwinFixture.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";

/// @dev The on-chain `tokenURI`: its JSON, its SVG badge, and their resistance to hostile spec strings.
contract TwinMetadataTest is TwinFixture {
    string internal constant JSON_PREFIX = "data:application/json;base64,";
    string internal constant SVG_PREFIX = "data:image/svg+xml;base64,";
    /// @dev Within the 48-byte model cap: quotes, a backslash, an ampersand, controls and markup.
    string internal constant HOSTILE = "\"Pro\" \\ &\n\t</text><script>alert('x')</script>";

    /// @dev What a wallet or indexer may spend on one `tokenURI` read; the caps on the spec texts are
    /// chosen so that no twin exceeds it.
    uint256 internal constant TOKEN_URI_GAS_BUDGET = 1_000_000;

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

    function truncated(bytes memory raw, uint256 maxLength) internal pure returns (bytes memory) {
        if (raw.length > maxLength) {
            assembly ("memory-safe") {
                mstore(raw, maxLength)
            }
        }
        return raw;
    }

    function count(string memory haystack, bytes1 needle) internal pure returns (uint256 n) {
        bytes memory raw = bytes(haystack);
        for (uint256 i = 0; i < raw.length; ++i) {
            if (raw[i] == needle) ++n;
        }
    }

    function mintModel(string memory model) internal returns (uint256) {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-X");
        rig.model = model;
        return mintAs(operator, rig, 0);
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
        assertNumberTrait(json, 8, "Service fee %", "number", 10);
        assertTrue(vm.contains(json, '{"trait_type":"Electricity USD/kWh","display_type":"number","value":0.065}'));
        assertNumberTrait(json, 10, "Settlement period (hours)", "number", 24);
        assertNumberTrait(json, 11, "Grace (hours)", "number", 6);
        assertFalse(vm.keyExistsJson(json, ".attributes[12]"));
    }

    function test_tokenURI_rendersTermsAsExactDecimals() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-T");
        commitAs(operator, rig);
        vm.prank(operator);
        uint256 id = registry.mint(
            rig,
            reporter,
            0,
            TwinRegistry.EarningTerms({
                serviceFeeBps: 1_205, tariffMicroUsdPerKwh: 5, settlementPeriod: 5_400, gracePeriod: 0
            }),
            saltFor(operator, rig.serial)
        );
        string memory json = metadataOf(id);
        assertTrue(vm.contains(json, '{"trait_type":"Service fee %","display_type":"number","value":12.05}'));
        assertTrue(vm.contains(json, '{"trait_type":"Electricity USD/kWh","display_type":"number","value":0.000005}'));
        assertTrue(vm.contains(json, '{"trait_type":"Settlement period (hours)","display_type":"number","value":1.5}'));
        assertTrue(vm.contains(json, '{"trait_type":"Grace (hours)","display_type":"number","value":0}'));
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
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-X");
        rig.hashrateGhs = 141_460; // 141.46 TH/s -> 141.5
        rig.powerWatts = 3_010; // 21.278 J/TH -> 21.3
        uint256 id = mintAs(operator, rig, 0);
        string memory json = metadataOf(id);
        assertTrue(vm.contains(json, '{"trait_type":"Hashrate","display_type":"number","value":141.5}'));
        assertTrue(vm.contains(json, '{"trait_type":"Efficiency","display_type":"number","value":21.3}'));
        assertTrue(vm.contains(badgeOf(json), ">141.5 TH/s | 21.3 J/TH<"));
    }

    function test_tokenURI_keepsDecimalForWholeEfficiency() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-X");
        rig.powerWatts = 3_000; // exactly 15 J/TH
        uint256 id = mintAs(operator, rig, 0);
        assertTrue(vm.contains(metadataOf(id), '"value":15.0}'));
    }

    /// @dev The largest nameplate the registry takes (100 EH/s at 1 GW, 10 J/TH) and the smallest
    /// (5 GH/s at 1 W, the 200 J/TH edge), with the extreme dates.
    function test_tokenURI_handlesExtremeSpecs() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-X");
        rig.hashrateGhs = registry.MAX_HASHRATE_GHS();
        rig.powerWatts = registry.MAX_POWER_WATTS();
        rig.commissionedAt = type(uint64).max;
        uint256 big = mintAs(operator, rig, 0);
        string memory json = metadataOf(big);
        assertNumberTrait(json, 2, "Hashrate", "number", 100_000_000);
        assertNumberTrait(json, 3, "Power", "number", 1_000_000_000);
        assertTrue(vm.contains(json, '{"trait_type":"Efficiency","display_type":"number","value":10.0}'));
        assertNumberTrait(json, 6, "Commissioned", "date", type(uint64).max);

        rig.serial = "SN-Y";
        rig.hashrateGhs = 5;
        rig.powerWatts = 1;
        rig.commissionedAt = 0;
        rig.location = "";
        uint256 tiny = mintAs(operator, rig, 0);
        json = metadataOf(tiny);
        assertNumberTrait(json, 2, "Hashrate", "number", 0);
        assertNumberTrait(json, 6, "Commissioned", "date", 0);
        assertTrait(json, 5, "Location", "");
        assertTrue(vm.contains(json, '{"trait_type":"Efficiency","display_type":"number","value":200.0}'));
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
                svg, ">&quot;Pro&quot; \\ &amp;  &lt;/text&gt;&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;</text>"
            )
        );
        assertEq(count(svg, "<"), count(badgeOf(metadataOf(mintTwin())), "<"), "no tag was injected");
    }

    function test_tokenURI_escapesManufacturerAndLocation() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-X");
        rig.manufacturer = "Bit\"main\",\"x\":\"";
        rig.location = "Rockdale\\\"}]}\r\n\x00\x1f";
        uint256 id = mintAs(operator, rig, 0);
        string memory json = metadataOf(id);

        assertTrait(json, 0, "Manufacturer", rig.manufacturer);
        assertTrait(json, 5, "Location", rig.location);
        assertTrue(vm.contains(vm.parseJsonString(json, ".description"), rig.manufacturer));
        assertEq(vm.parseJsonKeys(json, "$").length, 4);
    }

    function test_tokenURI_keepsUtf8Text() public {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-X");
        rig.model = unicode"Antminer S21 – Zürich 矿机";
        rig.location = unicode"Zürich, CH";
        uint256 id = mintAs(operator, rig, 0);
        string memory json = metadataOf(id);
        assertEq(vm.parseJsonString(json, ".name"), string.concat(rig.model, " #1"));
        assertTrait(json, 5, "Location", rig.location);
        assertTrue(vm.contains(badgeOf(json), rig.model));
    }

    /// @dev Every ASCII byte, printable or not, in any order: the fuzzer's bytes are folded into 0x00-0x7F
    /// because a spec with invalid UTF-8 is invalid JSON text to begin with (see the contract notes).
    function testFuzz_tokenURI_anyAsciiModelYieldsValidJson(bytes memory raw) public {
        vm.assume(raw.length > 0);
        raw = truncated(raw, registry.MAX_MODEL_LENGTH());
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
        raw = truncated(raw, registry.MAX_MODEL_LENGTH());
        uint256 id = mintModel(string(raw));
        string memory json = metadataOf(id);

        assertEq(vm.parseJsonKeys(json, "$").length, 4);
        assertEq(vm.parseJsonKeys(json, ".attributes[1]").length, 2);
        assertTrait(json, 7, "Status", "Active");
        assertEq(count(badgeOf(json), "<"), count(badgeOf(metadataOf(mintTwin())), "<"), "no tag was injected");
    }

    /// @dev Any nameplate the registry takes: a hashrate up to 100 EH/s and a power in the 5-200 J/TH
    /// band (and at most 1 GW).
    function testFuzz_tokenURI_anyFiguresYieldValidJson(uint64 hashrateGhs, uint32 powerWatts, uint64 commissionedAt)
        public
    {
        TwinRegistry.RigInput memory rig = DemoRigs.s21("SN-X");
        rig.hashrateGhs = uint64(bound(hashrateGhs, 5, registry.MAX_HASHRATE_GHS()));
        uint256 minPower = (uint256(rig.hashrateGhs) * 5 + 999) / 1_000;
        uint256 maxPower = uint256(rig.hashrateGhs) * 200 / 1_000;
        if (maxPower > registry.MAX_POWER_WATTS()) maxPower = registry.MAX_POWER_WATTS();
        rig.powerWatts = uint32(bound(powerWatts, minPower, maxPower));
        rig.commissionedAt = commissionedAt;
        uint256 id = mintAs(operator, rig, 0);
        string memory json = metadataOf(id);

        assertEq(vm.parseJsonUint(json, ".attributes[3].value"), rig.powerWatts);
        assertEq(vm.parseJsonUint(json, ".attributes[6].value"), commissionedAt);
        uint256 efficiencyTenths = (uint256(rig.powerWatts) * 10_000 + rig.hashrateGhs / 2) / rig.hashrateGhs;
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

    // ---------------------------------------------------------------- gas

    /// @dev The worst-case `tokenURI`: every spec text at its byte cap, filled with the character
    /// that costs most there. The model is rendered four times (name, description, trait, badge): it
    /// is tried with every character that expands under JSON escaping (a control without a short form
    /// becomes `\u00XX`, six bytes, three times over) or XML escaping (a quote becomes `&quot;` in the
    /// badge, whose base64 is base64-encoded again); manufacturer and location are only JSON-escaped,
    /// so they get the `\u00XX` control. The figures are the longest there are, the twin
    /// decommissioned (the longest status). The probe logs the costliest as `gas tokenURI/worst`.
    function test_gas_tokenURI_worstCase() public {
        bytes1[7] memory modelFills = [bytes1(0x01), bytes1(0x1f), '"', "'", "&", "<", "\\"];
        uint256 worst;
        bytes1 worstFill;
        for (uint256 i = 0; i < modelFills.length; ++i) {
            uint256 id = mintWorstCase(
                filled(0x01, registry.MAX_MANUFACTURER_LENGTH()),
                filled(modelFills[i], registry.MAX_MODEL_LENGTH()),
                filled(0x01, registry.MAX_LOCATION_LENGTH()),
                vm.toString(i)
            );
            uint256 used = tokenURIGas(id);
            if (used > worst) (worst, worstFill) = (used, modelFills[i]);
        }
        console.log("gas tokenURI/worst %d", worst);
        console.log("worst model fill byte %d", uint8(worstFill));
        assertLt(worst, TOKEN_URI_GAS_BUDGET, "tokenURI over budget");
    }

    /// @dev Any mix of the expanding characters across all three texts, at their caps, stays within
    /// the budget too.
    function testFuzz_tokenURI_gasWithinBudgetForAnyMaxLengthSpec(uint256 seed) public {
        uint256 id = mintWorstCase(
            mixed(seed, 0, registry.MAX_MANUFACTURER_LENGTH()),
            mixed(seed, 1, registry.MAX_MODEL_LENGTH()),
            mixed(seed, 2, registry.MAX_LOCATION_LENGTH()),
            "MIX"
        );
        assertLt(tokenURIGas(id), TOKEN_URI_GAS_BUDGET);
    }

    /// @dev Mints a twin of these texts with the longest figures there are, and decommissions it.
    function mintWorstCase(
        string memory manufacturer,
        string memory model,
        string memory location,
        string memory serialSuffix
    ) internal returns (uint256 id) {
        TwinRegistry.RigInput memory rig = TwinRegistry.RigInput({
            manufacturer: manufacturer,
            model: model,
            serial: string.concat("WORST-", serialSuffix),
            hashrateGhs: 99_999_999_940, // 99,999,999.9 TH/s: every digit and a tenth
            powerWatts: 999_999_999, // 10.0 J/TH
            location: location,
            commissionedAt: type(uint64).max
        });
        id = mintAs(operator, rig, 0);
        vm.prank(operator);
        registry.setStatus(id, TwinRegistry.Status.Decommissioned);
    }

    /// @dev The gas of `tokenURI(tokenId)` as a fresh `eth_call` pays it, with the registry and its
    /// storage cold, the return data left uncopied. The call is given exactly the budget, so that it
    /// must also succeed within it.
    function tokenURIGas(uint256 tokenId) internal returns (uint256 used) {
        bytes memory data = abi.encodeCall(registry.tokenURI, (tokenId));
        address target = address(registry);
        vm.cool(target);
        uint256 budget = TOKEN_URI_GAS_BUDGET;
        bool ok;
        assembly ("memory-safe") {
            let start := gas()
            ok := staticcall(budget, target, add(data, 0x20), mload(data), 0, 0)
            used := sub(start, gas())
        }
        assertTrue(ok, "tokenURI ran out of its gas budget");
    }

    function filled(bytes1 char, uint256 length) internal pure returns (string memory) {
        bytes memory raw = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            raw[i] = char;
        }
        return string(raw);
    }

    /// @dev `length` bytes drawn from the characters that expand under JSON or XML escaping.
    function mixed(uint256 seed, uint256 field, uint256 length) internal pure returns (string memory) {
        bytes memory pool = "\x00\x01\x1f\x08\n\"\\'&<>";
        bytes memory raw = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            raw[i] = pool[uint256(keccak256(abi.encode(seed, field, i))) % pool.length];
        }
        return string(raw);
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
