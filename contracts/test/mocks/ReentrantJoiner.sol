// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";
import {TwinVault} from "../../src/TwinVault.sol";

/// @dev A holder of every share that joins a twin and, when the vault sends it the twin, tries to get
/// back into the vault: by splitting the twin again at once, or by joining again. The attempt's
/// outcome is recorded, not propagated, so that a test sees it refused and the join still done.
contract ReentrantJoiner is IERC721Receiver {
    enum Reentry {
        None,
        Split,
        Join
    }

    TwinVault public immutable vault;
    TwinRegistry public immutable registry;
    Reentry public onReceipt;
    bool public lastReentrySucceeded;
    bytes public lastReentryError;

    constructor(TwinVault vault_) {
        vault = vault_;
        registry = vault_.registry();
    }

    function arm(Reentry onReceipt_) external {
        onReceipt = onReceipt_;
    }

    function join(uint256 tokenId) external {
        vault.join(tokenId);
    }

    function onERC721Received(address, address from, uint256 tokenId, bytes calldata) external returns (bytes4) {
        if (from == address(vault) && onReceipt != Reentry.None) {
            bytes memory call = onReceipt == Reentry.Split
                ? abi.encodeWithSignature(
                    "safeTransferFrom(address,address,uint256,bytes)",
                    address(this),
                    address(vault),
                    tokenId,
                    abi.encode(1)
                )
                : abi.encodeCall(TwinVault.join, (tokenId));
            address target = onReceipt == Reentry.Split ? address(registry) : address(vault);
            (bool ok, bytes memory err) = target.call(call);
            lastReentrySucceeded = ok;
            lastReentryError = err;
        }
        return IERC721Receiver.onERC721Received.selector;
    }
}
