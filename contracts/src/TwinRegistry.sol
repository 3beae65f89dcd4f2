// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title TwinRegistry
/// @notice NFT digital twins of physical crypto-mining rigs. Owning a twin (the investor's role) is
/// kept apart from running the rig (the operator's role, and the reporter key that posts telemetry):
/// selling a twin does not move the rig.
contract TwinRegistry is ERC721, ERC2981 {
    /// @notice What a rig is, fixed at mint.
    /// @dev `serialHash` is keccak256 of the manufacturer's serial number, so that one physical rig
    /// can have one twin without publishing the serial itself.
    struct RigSpec {
        string manufacturer;
        string model;
        bytes32 serialHash;
        uint64 hashrateGhs;
        uint32 powerWatts;
        string location;
        uint64 commissionedAt;
    }

    /// @notice The highest royalty a twin may carry, in basis points (10%).
    uint96 public constant MAX_ROYALTY_BPS = 1_000;

    uint256 private _mintedCount;
    mapping(uint256 tokenId => RigSpec) private _specs;
    mapping(uint256 tokenId => address) private _operators;
    mapping(uint256 tokenId => address) private _reporters;
    mapping(bytes32 serialHash => uint256 tokenId) private _tokenBySerial;

    /// @notice A twin was minted; `spec` is everything the gallery needs to show it.
    event TwinMinted(
        uint256 indexed tokenId, address indexed operator, address reporter, uint96 royaltyBps, RigSpec spec
    );

    error EmptyManufacturer();
    error EmptyModel();
    error EmptySerial();
    error ZeroHashrate();
    error ZeroPower();
    error ZeroReporter();
    error RoyaltyTooHigh(uint96 royaltyBps, uint96 maxBps);
    error SerialAlreadyRegistered(bytes32 serialHash, uint256 tokenId);

    constructor() ERC721("HashTwin", "TWIN") {}

    /// @notice Mints the twin of a rig to the caller, who becomes its operator and royalty receiver.
    /// @param spec The rig's fixed description; its serial hash must not belong to another twin.
    /// @param reporter The key that will post the rig's telemetry.
    /// @param royaltyBps The ERC-2981 royalty on every sale, at most `MAX_ROYALTY_BPS`.
    /// @return tokenId The new twin's id, counting from 1.
    function mint(RigSpec calldata spec, address reporter, uint96 royaltyBps) external returns (uint256 tokenId) {
        if (bytes(spec.manufacturer).length == 0) revert EmptyManufacturer();
        if (bytes(spec.model).length == 0) revert EmptyModel();
        if (spec.serialHash == bytes32(0)) revert EmptySerial();
        if (spec.hashrateGhs == 0) revert ZeroHashrate();
        if (spec.powerWatts == 0) revert ZeroPower();
        if (reporter == address(0)) revert ZeroReporter();
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);
        uint256 existing = _tokenBySerial[spec.serialHash];
        if (existing != 0) revert SerialAlreadyRegistered(spec.serialHash, existing);

        tokenId = ++_mintedCount;
        _specs[tokenId] = spec;
        _operators[tokenId] = msg.sender;
        _reporters[tokenId] = reporter;
        _tokenBySerial[spec.serialHash] = tokenId;
        _setTokenRoyalty(tokenId, msg.sender, royaltyBps);
        emit TwinMinted(tokenId, msg.sender, reporter, royaltyBps, spec);

        _safeMint(msg.sender, tokenId);
    }

    /// @notice How many twins exist; ids run from 1 to this number.
    function totalSupply() external view returns (uint256) {
        return _mintedCount;
    }

    /// @notice The spec a twin was minted with.
    function specOf(uint256 tokenId) external view returns (RigSpec memory) {
        _requireOwned(tokenId);
        return _specs[tokenId];
    }

    /// @notice Who runs the rig behind a twin.
    function operatorOf(uint256 tokenId) external view returns (address) {
        _requireOwned(tokenId);
        return _operators[tokenId];
    }

    /// @notice The key allowed to post a twin's telemetry.
    function reporterOf(uint256 tokenId) external view returns (address) {
        _requireOwned(tokenId);
        return _reporters[tokenId];
    }

    /// @notice The twin of a rig, by the hash of its serial number; 0 when it has none.
    function tokenOfSerial(bytes32 serialHash) external view returns (uint256) {
        return _tokenBySerial[serialHash];
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, ERC2981) returns (bool) {
        return super.supportsInterface(interfaceId);
    }
}
