// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "../../src/interfaces/AggregatorV3Interface.sol";
import {ITwinVault} from "../../src/interfaces/ITwinVault.sol";
import {PublishedFeed} from "../../src/PublishedFeed.sol";
import {TwinEarnings} from "../../src/TwinEarnings.sol";
import {TwinRegistry} from "../../src/TwinRegistry.sol";
import {TwinMarket} from "../../src/TwinMarket.sol";
import {TwinVault} from "../../src/TwinVault.sol";
import {DemoRigs} from "./DemoRigs.sol";
import {Minting} from "./Minting.sol";
import {Wiring} from "./Wiring.sol";

/// @dev A registry, a market, and named parties kept apart so that every credit can be told apart:
/// `minter` mints (and so is the royalty receiver), `seller` is who the twin is sold by.
/// The market keeps no totals, so the fixture keeps its own books: every party that may be credited
/// and every (twin, bidder) pair that may hold an offer. {assertAccounted} checks the market's balance
/// against them. The helpers below record what they touch; a test that calls the market directly
/// records its parties with {trackParty} and {trackOffer}.
/// The market is wired as Deploy.s.sol wires it: with TwinEarnings (its feeds published by `admin`)
/// and the vault, deployed after both at the address they name.
abstract contract TwinMarketFixture is Minting, Wiring {
    uint16 internal constant FEE_BPS = 250;
    uint96 internal constant ROYALTY_BPS = 500;

    TwinRegistry internal registry;
    TwinMarket internal market;
    TwinEarnings internal earnings;
    TwinVault internal vault;

    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal minter = makeAddr("minter");
    address internal seller = makeAddr("seller");
    address internal buyer = makeAddr("buyer");
    address internal bidder = makeAddr("bidder");
    address internal stranger = makeAddr("stranger");
    address internal reporter = makeAddr("reporter");

    uint256 private _serialNonce;

    struct OfferKey {
        uint256 tokenId;
        address bidder;
    }

    address[] private _parties;
    mapping(address party => bool) private _isParty;
    OfferKey[] private _offerKeys;
    mapping(uint256 tokenId => mapping(address bidder => bool)) private _isOfferKey;

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        registry = new TwinRegistry();
        PublishedFeed ethUsd = new PublishedFeed(admin, 8, "ETH / USD", 3_000e8);
        AggregatorV3Interface[3] memory network = [
            AggregatorV3Interface(new PublishedFeed(admin, 8, "BTC / USD", 91_000e8)),
            new PublishedFeed(admin, 0, "Bitcoin difficulty", 152e12),
            new PublishedFeed(admin, 8, "Bitcoin fees per block (BTC)", 2_000_000)
        ];
        // The market, then TwinEarnings, then the vault: two creations ahead.
        market = new TwinMarket(registry, ITwinVault(creationAhead(2)), admin, treasury, FEE_BPS);
        (earnings, vault) = deployEarningsAndVault(registry, ethUsd, AggregatorV3Interface(address(0)), 1 days, network);
        assertEq(address(market.vault()), address(vault), "the market names the vault");
        trackParty(admin);
        trackParty(treasury);
        trackParty(minter);
        trackParty(seller);
        trackParty(buyer);
        trackParty(bidder);
        trackParty(stranger);
        trackParty(reporter);
    }

    // ------------------------------------------------------------------------------------- twins

    /// @dev Mints a twin as `by` (its royalty receiver) and hands it to `to`.
    function mintTwin(address by, address to, uint96 royaltyBps) internal returns (uint256 tokenId) {
        tokenId = commitAndMint(registry, by, nextRig(), reporter, royaltyBps);
        trackParty(by);
        trackParty(to);
        if (to != by) {
            vm.prank(by);
            registry.transferFrom(by, to, tokenId);
        }
    }

    /// @dev A demo rig with a serial no other twin of this test has.
    function nextRig() internal returns (TwinRegistry.RigInput memory) {
        return DemoRigs.s21(string.concat("SN-", vm.toString(++_serialNonce)));
    }

    /// @dev The default twin: minted by `minter` at `ROYALTY_BPS`, owned by `seller`.
    function sellerTwin() internal returns (uint256) {
        return mintTwin(minter, seller, ROYALTY_BPS);
    }

    /// @dev Decommissions a twin, as its operator (the minter, unless handed over) must.
    function retire(uint256 tokenId) internal {
        vm.prank(registry.operatorOf(tokenId));
        registry.setStatus(tokenId, TwinRegistry.Status.Decommissioned);
    }

    function epochOf(uint256 tokenId) internal view returns (uint64 epoch) {
        (, epoch,) = registry.custodyOf(tokenId);
    }

    // ------------------------------------------------------------------------------------ market

    function approveAll(address owner) internal {
        vm.prank(owner);
        registry.setApprovalForAll(address(market), true);
    }

    /// @dev Approves the market for all of `owner`'s twins and lists for 30 days at the fee in force.
    function listAs(address owner, uint256 tokenId, uint256 price) internal {
        approveAll(owner);
        uint16 fee = market.feeBps();
        vm.prank(owner);
        market.list(tokenId, price, inThirtyDays(), fee);
        trackParty(owner);
    }

    function buyAs(address who, uint256 tokenId, uint256 price) internal {
        vm.deal(who, who.balance + price);
        vm.prank(who);
        market.buy{value: price}(tokenId);
        trackParty(who);
    }

    function offerAs(address who, uint256 tokenId, uint256 amount, uint64 expiresAt) internal {
        vm.deal(who, who.balance + amount);
        vm.prank(who);
        market.makeOffer{value: amount}(tokenId, expiresAt);
        trackOffer(tokenId, who);
    }

    /// @dev Approves the market for all of `owner`'s twins and accepts at the fee in force.
    function acceptAs(address owner, uint256 tokenId, address bidder_, uint256 amount) internal {
        approveAll(owner);
        uint16 fee = market.feeBps();
        vm.prank(owner);
        market.acceptOffer(tokenId, bidder_, amount, fee);
    }

    function withdrawAs(address who) internal {
        vm.prank(who);
        market.withdraw();
    }

    /// @dev Announces a new fee, waits out the delay and puts it in force.
    function changeFee(uint16 newFeeBps) internal {
        vm.prank(admin);
        market.scheduleFee(newFeeBps);
        vm.warp(block.timestamp + market.CONFIG_DELAY());
        market.applyFee();
    }

    /// @dev Announces a new treasury, waits out the delay and puts it in force.
    function changeTreasury(address newTreasury) internal {
        vm.prank(admin);
        market.scheduleTreasury(newTreasury);
        vm.warp(block.timestamp + market.CONFIG_DELAY());
        market.applyTreasury();
        trackParty(newTreasury);
    }

    function inThirtyDays() internal view returns (uint64) {
        return uint64(block.timestamp + 30 days);
    }

    function inOneDay() internal view returns (uint64) {
        return uint64(block.timestamp + 1 days);
    }

    // ---------------------------------------------------------------------------------- the books

    function trackParty(address party) internal {
        if (_isParty[party]) return;
        _isParty[party] = true;
        _parties.push(party);
    }

    function trackOffer(uint256 tokenId, address bidder_) internal {
        trackParty(bidder_);
        if (_isOfferKey[tokenId][bidder_]) return;
        _isOfferKey[tokenId][bidder_] = true;
        _offerKeys.push(OfferKey(tokenId, bidder_));
    }

    /// @dev What the market owes the known parties: the sum of their credits.
    function credited() internal view returns (uint256 sum) {
        for (uint256 i; i < _parties.length; ++i) {
            sum += market.proceedsOf(_parties[i]);
        }
    }

    /// @dev What the market holds for bidders: the sum of the known open offers, expired ones included.
    function escrowed() internal view returns (uint256 sum) {
        for (uint256 i; i < _offerKeys.length; ++i) {
            (uint256 amount,) = market.offer(_offerKeys[i].tokenId, _offerKeys[i].bidder);
            sum += amount;
        }
    }

    /// @dev Solvency, from the test's own books: the market holds exactly what it owes, every credit
    /// and every open offer, and no wei that nobody can claim.
    function assertAccounted() internal view {
        assertEq(address(market).balance, credited() + escrowed(), "balance != known credits + open offers");
    }
}
