// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {TwinMarket} from "../../src/TwinMarket.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";
import {ITwins} from "../../src/interfaces/ITwins.sol";

/// @dev Re-enters the market from `receive` (when it is paid by {TwinMarket.withdraw} or
/// {TwinMarket.withdrawTo}) or from
/// `onERC721Received` (when a bought twin arrives). The re-entrant call's outcome is recorded rather than
/// propagated, so a test can see both that it failed and that the outer call still settled correctly;
/// with `bubble` set the failure is propagated instead.
abstract contract ReentrantAttacker is IERC721Receiver {
    enum Reentry {
        None,
        Withdraw,
        WithdrawTo,
        Buy,
        AcceptOffer,
        CancelOffer
    }

    TwinMarket public immutable market;
    ITwins public immutable twins;

    Reentry public onPayment;
    Reentry public onToken;
    bool public bubble;
    uint256 public targetTokenId;
    address public targetBidder;
    uint256 public targetAmount;

    uint256 public attempts;
    bool public lastReentrySucceeded;
    bytes public lastReentryError;
    uint256 public received;

    constructor(TwinMarket market_) {
        market = market_;
        twins = market_.twins();
    }

    function arm(Reentry onPayment_, Reentry onToken_, bool bubble_, uint256 tokenId, address bidder_, uint256 amount)
        external
    {
        onPayment = onPayment_;
        onToken = onToken_;
        bubble = bubble_;
        targetTokenId = tokenId;
        targetBidder = bidder_;
        targetAmount = amount;
    }

    /// @dev Lists for 30 days at the fee in force.
    function approveAndList(uint256 tokenId, uint256 price) external {
        twins.setApprovalForAll(address(market), true);
        // forge-lint: disable-next-line(unsafe-typecast)
        market.list(tokenId, price, uint64(block.timestamp + 30 days), market.feeBps());
    }

    function acceptOffer(uint256 tokenId, address bidder_, uint256 amount) external {
        market.acceptOffer(tokenId, bidder_, amount, market.feeBps());
    }

    function buy(uint256 tokenId) external payable {
        market.buy{value: msg.value}(tokenId);
    }

    function makeOffer(uint256 tokenId, uint64 expiresAt) external payable {
        market.makeOffer{value: msg.value}(tokenId, expiresAt);
    }

    function withdraw() external {
        market.withdraw();
    }

    function withdrawTo(address payable to) external {
        market.withdrawTo(to);
    }

    receive() external payable {
        received += msg.value;
        _reenter(onPayment);
    }

    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        _reenter(onToken);
        return IERC721Receiver.onERC721Received.selector;
    }

    function _reenter(Reentry what) private {
        if (what == Reentry.None) return;
        ++attempts;
        uint256 value;
        bytes memory data;
        if (what == Reentry.Withdraw) {
            data = abi.encodeCall(TwinMarket.withdraw, ());
        } else if (what == Reentry.WithdrawTo) {
            data = abi.encodeCall(TwinMarket.withdrawTo, (payable(address(this))));
        } else if (what == Reentry.Buy) {
            value = targetAmount;
            data = abi.encodeCall(TwinMarket.buy, (targetTokenId));
        } else if (what == Reentry.AcceptOffer) {
            data = abi.encodeCall(
                TwinMarket.acceptOffer, (targetTokenId, targetBidder, targetAmount, market.MAX_FEE_BPS())
            );
        } else {
            data = abi.encodeCall(TwinMarket.cancelOffer, (targetTokenId));
        }
        (bool ok, bytes memory err) = address(market).call{value: value}(data);
        lastReentrySucceeded = ok;
        lastReentryError = err;
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(err, 0x20), mload(err))
            }
        }
    }
}

/// @dev A seller that is a contract: owns a twin, lists it, and re-enters when paid out.
contract MaliciousSeller is ReentrantAttacker {
    constructor(TwinMarket market_) ReentrantAttacker(market_) {}
}

/// @dev A royalty receiver that is a contract: it minted the twin, so {TwinRegistry} names it as the
/// twin's ERC-2981 receiver; it re-enters when its royalties are paid out.
contract MaliciousRoyaltyReceiver is ReentrantAttacker {
    constructor(TwinMarket market_) ReentrantAttacker(market_) {}

    function commitMint(bytes32 commitment) external {
        TwinRegistry(address(twins)).commitMint(commitment);
    }

    /// @dev The reveal; {commitMint} must have been called with the matching commitment a block before.
    function mint(
        TwinRegistry.RigInput calldata rig,
        address reporter,
        uint96 royaltyBps,
        TwinRegistry.EarningTerms calldata terms,
        bytes32 salt
    ) external returns (uint256) {
        return TwinRegistry(address(twins)).mint(rig, reporter, royaltyBps, terms, salt);
    }

    function transferTwin(address to, uint256 tokenId) external {
        twins.transferFrom(address(this), to, tokenId);
    }
}

/// @dev A buyer or bidder that is a contract and re-enters when the twin it bought arrives.
contract MaliciousBuyer is ReentrantAttacker {
    constructor(TwinMarket market_) ReentrantAttacker(market_) {}
}
