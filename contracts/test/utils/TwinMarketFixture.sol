// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TwinRegistry} from "../../src/TwinRegistry.sol";
import {TwinMarket} from "../../src/TwinMarket.sol";
import {DemoRigs} from "./DemoRigs.sol";
import {Minting} from "./Minting.sol";

/// @dev A registry, a market, and named parties kept apart so that every credit can be told apart:
/// `minter` mints (and so is the royalty receiver), `seller` is who the twin is sold by.
abstract contract TwinMarketFixture is Minting {
    uint16 internal constant FEE_BPS = 250;
    uint96 internal constant ROYALTY_BPS = 500;

    TwinRegistry internal registry;
    TwinMarket internal market;

    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal minter = makeAddr("minter");
    address internal seller = makeAddr("seller");
    address internal buyer = makeAddr("buyer");
    address internal bidder = makeAddr("bidder");
    address internal stranger = makeAddr("stranger");
    address internal reporter = makeAddr("reporter");

    uint256 private _serialNonce;

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        registry = new TwinRegistry();
        market = new TwinMarket(registry, admin, treasury, FEE_BPS);
    }

    /// @dev Mints a twin as `by` (its royalty receiver) and hands it to `to`.
    function mintTwin(address by, address to, uint96 royaltyBps) internal returns (uint256 tokenId) {
        tokenId = commitAndMint(registry, by, DemoRigs.s21(string.concat("SN-", vm.toString(++_serialNonce))), reporter, royaltyBps);
        if (to != by) {
            vm.prank(by);
            registry.transferFrom(by, to, tokenId);
        }
    }

    /// @dev The default twin: minted by `minter` at `ROYALTY_BPS`, owned by `seller`.
    function sellerTwin() internal returns (uint256) {
        return mintTwin(minter, seller, ROYALTY_BPS);
    }

    function approveAll(address owner) internal {
        vm.prank(owner);
        registry.setApprovalForAll(address(market), true);
    }

    function listAs(address owner, uint256 tokenId, uint256 price) internal {
        approveAll(owner);
        vm.prank(owner);
        market.list(tokenId, price, inThirtyDays(), FEE_BPS);
    }

    function buyAs(address who, uint256 tokenId, uint256 price) internal {
        vm.deal(who, who.balance + price);
        vm.prank(who);
        market.buy{value: price}(tokenId);
    }

    function offerAs(address who, uint256 tokenId, uint256 amount, uint64 expiresAt) internal {
        vm.deal(who, who.balance + amount);
        vm.prank(who);
        market.makeOffer{value: amount}(tokenId, expiresAt);
    }

    function withdrawAs(address who) internal {
        vm.prank(who);
        market.withdraw();
    }

    function inThirtyDays() internal view returns (uint64) {
        return uint64(block.timestamp + 30 days);
    }

    function inOneDay() internal view returns (uint64) {
        return uint64(block.timestamp + 1 days);
    }

    function assertAccounted() internal view {
        assertEq(
            address(market).balance, market.totalEscrowed() + market.totalProceeds(), "balance != escrow + proceeds"
        );
    }
}
