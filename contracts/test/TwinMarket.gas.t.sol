// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TwinRegistry} from "../src/TwinRegistry.sol";
import {TwinMarket} from "../src/TwinMarket.sol";
import {TwinMarketFixture} from "./utils/TwinMarketFixture.sol";
import {GasProbe} from "./utils/GasProbe.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";

/// @dev Gas probes, run with `forge test --mt test_gas --isolate -vv`, so that each call is a
/// transaction of its own: cold storage, as a wallet would be charged. They log execution and total
/// gas (see {GasProbe}) and assert the issue's budgets on the total: list <= 60,000 and buy <= 130,000.
/// The market is primed into a steady state first: the treasury is already credited from earlier
/// trading and an offer is in escrow, while the seller and the royalty receiver of the measured sale
/// have never been credited, the costlier case for them.
/// Without `--isolate` a test is one transaction: storage stays warm after its first touch and
/// `gasTotalUsed` leaves out intrinsic and calldata gas, so the figures are lower and mean nothing, and
/// the budgets hold trivially.
contract TwinMarketGasTest is TwinMarketFixture, GasProbe {
    uint256 internal constant PRICE = 1 ether;
    uint256 internal constant LIST_BUDGET = 60_000;
    uint256 internal constant BUY_BUDGET = 130_000;

    function setUp() public override {
        super.setUp();
        _primeMarket();
    }

    function test_gas_mint() public {
        TwinRegistry.RigInput memory rig = nextRig();
        bytes32 commitment = registry.mintCommitment(rig.serial, minter, saltFor(minter, rig.serial));
        vm.prank(minter);
        registry.commitMint(commitment);
        logGas("commitMint", abi.encodeCall(registry.commitMint, (commitment)));
        vm.roll(block.number + 1);

        reveal(registry, minter, rig, reporter, ROYALTY_BPS);
        logGas(
            "mint",
            abi.encodeCall(registry.mint, (rig, reporter, ROYALTY_BPS, DemoRigs.terms(), saltFor(minter, rig.serial)))
        );
    }

    function test_gas_list_buy_withdraw() public {
        uint256 tokenId = sellerTwin();
        approveAll(seller);
        uint64 expiresAt = inThirtyDays();

        vm.prank(seller);
        market.list(tokenId, PRICE, expiresAt, FEE_BPS);
        _assertTotalWithin("list", abi.encodeCall(market.list, (tokenId, PRICE, expiresAt, FEE_BPS)), LIST_BUDGET);

        vm.deal(buyer, PRICE);
        vm.prank(buyer);
        market.buy{value: PRICE}(tokenId);
        _assertTotalWithin("buy", abi.encodeCall(market.buy, (tokenId)), BUY_BUDGET);

        vm.prank(seller);
        market.withdraw();
        logGas("withdraw", abi.encodeCall(market.withdraw, ()));
        assertEq(seller.balance, PRICE * (10_000 - ROYALTY_BPS - FEE_BPS) / 10_000);
    }

    function test_gas_makeOffer_acceptOffer() public {
        uint256 tokenId = sellerTwin();
        approveAll(seller);
        uint64 expiresAt = inOneDay();

        vm.deal(bidder, PRICE);
        vm.prank(bidder);
        market.makeOffer{value: PRICE}(tokenId, expiresAt);
        logGas("makeOffer", abi.encodeCall(market.makeOffer, (tokenId, expiresAt)));

        vm.prank(seller);
        market.acceptOffer(tokenId, bidder, PRICE, FEE_BPS);
        logGas("acceptOffer", abi.encodeCall(market.acceptOffer, (tokenId, bidder, PRICE, FEE_BPS)));
        assertEq(registry.ownerOf(tokenId), bidder);
    }

    /// @dev Logs the probe and holds its total gas to `budget`.
    function _assertTotalWithin(string memory operation, bytes memory data, uint256 budget) private view {
        logGas(operation, data);
        assertLe(vm.lastCallGas().gasTotalUsed, budget, string.concat(operation, ": total gas over budget"));
    }

    /// @dev One earlier sale of another twin, between other parties, credits the treasury; an open
    /// offer on yet another twin keeps ETH in escrow. Neither touches `seller` or `minter`.
    function _primeMarket() private {
        address otherSeller = makeAddr("otherSeller");
        address otherBuyer = makeAddr("otherBuyer");
        uint256 sold = mintTwin(stranger, otherSeller, ROYALTY_BPS);
        listAs(otherSeller, sold, PRICE);
        buyAs(otherBuyer, sold, PRICE);
        offerAs(otherBuyer, mintTwin(stranger, stranger, ROYALTY_BPS), PRICE, inOneDay());
        assertGt(market.proceedsOf(treasury), 0);
        assertEq(market.proceedsOf(seller) + market.proceedsOf(minter), 0);
    }
}
