// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @dev A twin registry whose royalty is whatever the test says, unlike TwinRegistry which caps it at
/// 10%: it reaches the market's defences against a royalty larger than the price and one without a
/// receiver.
contract RoyaltyTwinsMock is ERC721 {
    address public royaltyReceiver;
    uint256 public royaltyBps;

    constructor() ERC721("Mock twins", "MOCK") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    function setRoyalty(address receiver, uint256 bps) external {
        royaltyReceiver = receiver;
        royaltyBps = bps;
    }

    function royaltyInfo(uint256, uint256 salePrice) external view returns (address, uint256) {
        return (royaltyReceiver, salePrice * royaltyBps / 10_000);
    }
}
