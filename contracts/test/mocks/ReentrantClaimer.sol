// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TwinEarnings} from "../../src/TwinEarnings.sol";

/// @dev A holder of twins that is a contract and re-enters TwinEarnings from `receive` when it is paid
/// a claim: with `claim`, `claimTo` back to itself, or a `claimTo` elsewhere. The re-entrant call's
/// outcome is recorded rather than propagated, so that a test sees both that it failed and that the
/// outer claim still paid exactly once; with `bubble` set the failure is propagated instead.
contract ReentrantClaimer {
    enum Reentry {
        None,
        Claim,
        ClaimToSelf,
        ClaimToOther
    }

    TwinEarnings public immutable earnings;

    Reentry public onPayment;
    bool public bubble;
    address payable public other;

    uint256 public attempts;
    bool public lastReentrySucceeded;
    bytes public lastReentryError;
    uint256 public received;
    /// @dev What the earnings contract said this contract could still claim while paying it.
    uint256 public claimableWhilePaid;

    constructor(TwinEarnings earnings_) {
        earnings = earnings_;
    }

    function arm(Reentry onPayment_, bool bubble_, address payable other_) external {
        onPayment = onPayment_;
        bubble = bubble_;
        other = other_;
    }

    function claim() external {
        earnings.claim(new uint256[](0));
    }

    function claimTo(address payable to) external {
        earnings.claimTo(to, new uint256[](0));
    }

    receive() external payable {
        received += msg.value;
        claimableWhilePaid = earnings.claimableOf(address(this));
        if (onPayment == Reentry.None) return;
        ++attempts;
        bytes memory data;
        uint256[] memory none = new uint256[](0);
        if (onPayment == Reentry.Claim) data = abi.encodeCall(TwinEarnings.claim, (none));
        else if (onPayment == Reentry.ClaimToSelf) data = abi.encodeCall(TwinEarnings.claimTo, (payable(this), none));
        else data = abi.encodeCall(TwinEarnings.claimTo, (other, none));
        (bool ok, bytes memory err) = address(earnings).call(data);
        lastReentrySucceeded = ok;
        lastReentryError = err;
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(err, 0x20), mload(err))
            }
        }
    }
}
