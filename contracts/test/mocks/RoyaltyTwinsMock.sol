// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ITwins} from "../../src/interfaces/ITwins.sol";

/// @dev A twin collection whose royalty is whatever the test says, unlike TwinRegistry which caps it at
/// 10%: it reaches the market's defences against a royalty larger than the price and one without a
/// receiver. Its custody epoch is a plain per-token counter that every transfer moves, and a test can
/// retire a token directly.
contract RoyaltyTwinsMock is ITwins, ERC721 {
    address public royaltyReceiver;
    uint256 public royaltyBps;

    mapping(uint256 tokenId => uint64) private _epochs;
    mapping(uint256 tokenId => bool) private _retired;

    constructor() ERC721("Mock twins", "MOCK") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    function burn(uint256 tokenId) external {
        _burn(tokenId);
    }

    function setRoyalty(address receiver, uint256 bps) external {
        royaltyReceiver = receiver;
        royaltyBps = bps;
    }

    function setRetired(uint256 tokenId, bool retired) external {
        _retired[tokenId] = retired;
    }

    function royaltyInfo(uint256, uint256 salePrice) external view returns (address, uint256) {
        return (royaltyReceiver, salePrice * royaltyBps / 10_000);
    }

    function custodyOf(uint256 tokenId) external view returns (address owner, uint64 epoch, bool retired) {
        owner = _requireOwned(tokenId);
        epoch = _epochs[tokenId];
        retired = _retired[tokenId];
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, IERC165) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        ++_epochs[tokenId];
    }
}
