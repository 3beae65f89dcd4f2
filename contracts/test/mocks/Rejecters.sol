// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {TwinMarket} from "../../src/TwinMarket.sol";

/// @dev Contract parties that refuse what the market may send them. Tests act as them with `vm.prank`
/// too, so the helpers here only spare a test the prank where it reads better.

/// @dev Refuses ETH (no `receive`, no `fallback`) and twins sent with `safeTransferFrom` (no
/// `onERC721Received`): {TwinMarket.withdraw} to it fails, and it can neither buy nor have an offer
/// accepted. It can still sell, bid, and be credited, as a seller, a royalty receiver or the treasury.
contract EthRejecter {
    function makeOffer(TwinMarket market, uint256 tokenId, uint64 expiresAt) external payable {
        market.makeOffer{value: msg.value}(tokenId, expiresAt);
    }

    function cancelOffer(TwinMarket market, uint256 tokenId) external {
        market.cancelOffer(tokenId);
    }

    function withdraw(TwinMarket market) external {
        market.withdraw();
    }

    function withdrawTo(TwinMarket market, address payable to) external {
        market.withdrawTo(to);
    }
}

/// @dev Refuses ETH but takes twins: it can buy and be sold to, yet only {TwinMarket.withdrawTo} gets
/// its credits out. A royalty splitter or a vault without a payable entry point looks like this.
contract EthRejectingHolder is IERC721Receiver {
    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return IERC721Receiver.onERC721Received.selector;
    }
}

/// @dev Takes ETH but refuses every twin sent with `safeTransferFrom`, so it can never buy or have
/// an offer accepted; it can sell a twin it got by a plain `transferFrom`.
contract NftRejecter is IERC721Receiver {
    error NoTwinsPlease();

    receive() external payable {}

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        revert NoTwinsPlease();
    }
}
