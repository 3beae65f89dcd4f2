// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {TwinRegistry} from "../TwinRegistry.sol";

/// @title TwinMetadata
/// @notice Renders a twin's ERC-721 metadata on-chain: OpenSea-standard JSON with an SVG badge, both
/// as base64 data URIs, so that the metadata lives as long as the chain and needs no server.
/// @dev Deployed once and linked, not inlined: rendering is most of the code a registry would carry,
/// and inlined it would take TwinRegistry over the 24 KB contract size limit.
/// Every string a minter chose (manufacturer, model, location) is untrusted: it is JSON-escaped
/// wherever it lands in the JSON and XML-escaped wherever it lands in the SVG, so that no spec can
/// close a string or a tag early and inject fields or markup. JSON escaping is OpenZeppelin's
/// `Strings.escapeJSON` (quote, backslash and every control character below U+0020, the usual ones in
/// their short form); XML escaping is {escapeXml}.
library TwinMetadata {
    using Strings for uint256;

    bytes1 private constant SPACE = " ";

    /// @notice Renders the metadata of twin `tokenId`.
    /// @param tokenId The twin.
    /// @param spec Its rig's spec.
    /// @param status Where the rig stands in its life.
    /// @param terms How the rig pays its holder.
    /// @return A `data:application/json;base64,` URI.
    function tokenURI(
        uint256 tokenId,
        TwinRegistry.RigSpec memory spec,
        TwinRegistry.Status status,
        TwinRegistry.EarningTerms memory terms
    ) external pure returns (string memory) {
        return string.concat(
            "data:application/json;base64,", Base64.encode(bytes(_json(tokenId, spec, status, _termTraits(terms))))
        );
    }

    /// @dev The metadata JSON; `termTraits` are the terms' attributes, rendered apart to keep the
    /// stack shallow.
    function _json(
        uint256 tokenId,
        TwinRegistry.RigSpec memory spec,
        TwinRegistry.Status status,
        string memory termTraits
    ) private pure returns (string memory) {
        // Hashrate and efficiency are kept in tenths so that one rounding serves JSON and SVG alike.
        // J/TH = W / (GH/s / 1000); mint guarantees a non-zero hashrate.
        uint256 hashrateTenths = (uint256(spec.hashrateGhs) + 50) / 100;
        uint256 efficiencyTenths = (uint256(spec.powerWatts) * 10_000 + spec.hashrateGhs / 2) / spec.hashrateGhs;
        string memory model = Strings.escapeJSON(spec.model);
        return string.concat(
            '{"name":"',
            model,
            " #",
            tokenId.toString(),
            '","description":"Digital twin of a crypto-mining rig, a ',
            Strings.escapeJSON(spec.manufacturer),
            " ",
            model,
            '. Owning the twin does not move the rig: its operator runs it and its reporter key posts its telemetry on-chain.","image":"data:image/svg+xml;base64,',
            Base64.encode(bytes(_badge(tokenId, spec.model, hashrateTenths, efficiencyTenths, status))),
            '","attributes":',
            _attributes(spec, hashrateTenths, efficiencyTenths, status, termTraits),
            "}"
        );
    }

    /// @dev The name a status is shown under, in metadata and badge alike.
    function statusName(TwinRegistry.Status status) internal pure returns (string memory) {
        if (status == TwinRegistry.Status.Active) return "Active";
        if (status == TwinRegistry.Status.Offline) return "Offline";
        return "Decommissioned";
    }

    /// @dev Escapes `input` for XML text and attribute values: the five predefined entities are
    /// written as references. Control characters below U+0020 become spaces, because XML 1.0 forbids
    /// most of them even as character references and SVG renders tab, LF and CR as spaces anyway.
    /// Bytes from 0x80 up pass through unchanged, so that UTF-8 text keeps its meaning.
    function escapeXml(string memory input) internal pure returns (string memory) {
        bytes memory raw = bytes(input);
        uint256 outputLength = raw.length;
        for (uint256 i = 0; i < raw.length; ++i) {
            (, uint256 entityLength) = _xmlEntity(raw[i]);
            if (entityLength != 0) outputLength += entityLength - 1;
        }

        bytes memory output = new bytes(outputLength);
        uint256 j = 0;
        for (uint256 i = 0; i < raw.length; ++i) {
            bytes1 char = raw[i];
            (bytes32 entity, uint256 entityLength) = _xmlEntity(char);
            if (entityLength == 0) {
                output[j++] = char < SPACE ? SPACE : char;
            } else {
                for (uint256 k = 0; k < entityLength; ++k) {
                    output[j++] = entity[k];
                }
            }
        }
        return string(output);
    }

    /// @dev A small badge for wallets and galleries: model, hashrate and efficiency.
    function _badge(
        uint256 tokenId,
        string memory model,
        uint256 hashrateTenths,
        uint256 efficiencyTenths,
        TwinRegistry.Status status
    ) private pure returns (string memory) {
        return string.concat(
            '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="160" viewBox="0 0 320 160">',
            "<style>text{font-family:monospace;fill:#e2e8f0}.m{font:bold 20px sans-serif;fill:#f7931a}</style>",
            '<rect width="320" height="160" rx="14" fill="#0f172a"/>',
            '<text x="20" y="36" font-size="13">HashTwin #',
            tokenId.toString(),
            " - ",
            statusName(status),
            '</text><text class="m" x="20" y="84">',
            escapeXml(model),
            '</text><text x="20" y="126" font-size="16">',
            _decimal(hashrateTenths, false),
            " TH/s | ",
            _decimal(efficiencyTenths, true),
            " J/TH</text></svg>"
        );
    }

    /// @dev The OpenSea `attributes` array, all of it derived from the spec, the status and the terms.
    function _attributes(
        TwinRegistry.RigSpec memory spec,
        uint256 hashrateTenths,
        uint256 efficiencyTenths,
        TwinRegistry.Status status,
        string memory termTraits
    ) private pure returns (string memory) {
        return string.concat(
            "[",
            _textTrait("Manufacturer", Strings.escapeJSON(spec.manufacturer)),
            ",",
            _textTrait("Model", Strings.escapeJSON(spec.model)),
            ",",
            _numberTrait("Hashrate", "number", _decimal(hashrateTenths, false)),
            ",",
            _numberTrait("Power", "number", uint256(spec.powerWatts).toString()),
            ",",
            _numberTrait("Efficiency", "number", _decimal(efficiencyTenths, true)),
            ",",
            _textTrait("Location", Strings.escapeJSON(spec.location)),
            ",",
            _numberTrait("Commissioned", "date", uint256(spec.commissionedAt).toString()),
            ",",
            _textTrait("Status", statusName(status)),
            ",",
            termTraits,
            "]"
        );
    }

    /// @dev The terms the rig pays its holder by, as traits a wallet can show: the fee in percent and
    /// the tariff in US dollars per kWh exactly, the period and grace in hours to two decimals.
    function _termTraits(TwinRegistry.EarningTerms memory terms) private pure returns (string memory) {
        return string.concat(
            _numberTrait("Service fee %", "number", _fixed(terms.serviceFeeBps, 2)),
            ",",
            _numberTrait("Electricity USD/kWh", "number", _fixed(terms.tariffMicroUsdPerKwh, 6)),
            ",",
            _numberTrait("Settlement period (hours)", "number", _fixed(uint256(terms.settlementPeriod) / 36, 2)),
            ",",
            _numberTrait("Grace (hours)", "number", _fixed(uint256(terms.gracePeriod) / 36, 2))
        );
    }

    /// @dev `value` / 10^`decimals` as a JSON number, trailing zeros of the fraction dropped.
    function _fixed(uint256 value, uint256 decimals) private pure returns (string memory) {
        uint256 unit = 10 ** decimals;
        uint256 fraction = value % unit;
        if (fraction == 0) return (value / unit).toString();
        while (fraction % 10 == 0) {
            fraction /= 10;
            --decimals;
        }
        string memory digits = fraction.toString();
        string memory zeros = "";
        for (uint256 i = bytes(digits).length; i < decimals; ++i) {
            zeros = string.concat(zeros, "0");
        }
        return string.concat((value / unit).toString(), ".", zeros, digits);
    }

    /// @dev `value` must already be JSON-escaped.
    function _textTrait(string memory traitType, string memory value) private pure returns (string memory) {
        return string.concat('{"trait_type":"', traitType, '","value":"', value, '"}');
    }

    /// @dev `value` must be a JSON number.
    function _numberTrait(string memory traitType, string memory displayType, string memory value)
        private
        pure
        returns (string memory)
    {
        return string.concat('{"trait_type":"', traitType, '","display_type":"', displayType, '","value":', value, "}");
    }

    /// @dev Formats tenths as a decimal number; a zero tenth is dropped unless `keepTenth`, so that a
    /// 200 TH/s rig shows "200" while an efficiency always shows its one decimal.
    function _decimal(uint256 tenths, bool keepTenth) private pure returns (string memory) {
        uint256 whole = tenths / 10;
        uint256 tenth = tenths % 10;
        if (tenth == 0 && !keepTenth) return whole.toString();
        return string.concat(whole.toString(), ".", tenth.toString());
    }

    /// @dev The entity reference XML needs for `char`, left-aligned in `entity`, and its length; a
    /// length of 0 when `char` may stand for itself.
    function _xmlEntity(bytes1 char) private pure returns (bytes32 entity, uint256 length) {
        if (char == "&") return ("&amp;", 5);
        if (char == "<") return ("&lt;", 4);
        if (char == ">") return ("&gt;", 4);
        if (char == '"') return ("&quot;", 6);
        if (char == "'") return ("&apos;", 6);
        return (bytes32(0), 0);
    }
}
