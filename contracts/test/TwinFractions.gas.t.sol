// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TwinShares} from "../src/TwinShares.sol";
import {FractionsFixture} from "./utils/FractionsFixture.sol";
import {GasProbe} from "./utils/GasProbe.sol";

/// @dev Fractions gas probes, run with `forge test --mt test_gas --isolate -vv` (see {GasProbe}), each
/// call a transaction of its own with cold storage:
/// - `split(first)`: a twin's first split, which makes its shares token (an EIP-1167 clone), names it
///   and mints the supply; `split` a later split of the same twin into the token it already has;
/// - `join`: burning every share and taking the twin back;
/// - `settle(split)`: a steady-state settlement of a split twin, credited through the accumulator;
/// - `transfer(shares)`: a plain ERC-20 transfer between two holders that both have earnings to
///   checkpoint (a settlement landed since either last moved), in the steady state where both have
///   been checkpointed before (a holder's first checkpoint under a moving accumulator writes two fresh
///   slots, some 34,000 gas more);
/// - `listLot` (the market's first lot), and `buyLot(partial)`: a fill of part of a lot by a buyer who
///   never held the shares, from a seller with earnings to checkpoint, crediting a royalty receiver, a
///   treasury and a seller none of whom was credited before: the costliest fill (three fresh credits
///   and the buyer's two fresh slots are some 85,000 of its gas);
/// - `claim(split)`: a claim naming one split twin, paying its earnings.
contract TwinFractionsGasTest is FractionsFixture, GasProbe {
    uint256 internal constant NET = 0.01 ether;
    uint256 internal constant PPS = 0.001 ether;

    function splitData(address holder, uint256 tokenId, uint256 supply) internal view returns (bytes memory) {
        return abi.encodeWithSelector(SAFE_TRANSFER_WITH_DATA, holder, address(vault), tokenId, abi.encode(supply));
    }

    function test_gas_split_join() public {
        uint256 id = newTwin();
        sellTo(id, investor);

        vm.prank(investor);
        registry.safeTransferFrom(investor, address(vault), id, abi.encode(MILLION));
        logGas("split(first)", splitData(investor, id, MILLION));

        vm.prank(investor);
        vault.join(id);
        logGas("join", abi.encodeCall(vault.join, (id)));

        vm.prank(investor);
        registry.safeTransferFrom(investor, address(vault), id, abi.encode(MILLION));
        logGas("split", splitData(investor, id, MILLION));
        assertEq(sharesOf(id).balanceOf(investor), MILLION);
    }

    function test_gas_settle_transfer_lot_claim() public {
        (uint256 id, TwinShares shares) = splitTwin(MILLION);
        send(shares, investor, alice, MILLION / 2);
        settleDay(id, NET);
        // Both holders checkpointed once: their records are written, as a holder's are after its
        // first move under a moving accumulator.
        send(shares, investor, alice, ONE);

        // The steady state: the accumulator has moved since each holder last did.
        reportHours(id, 24, 3_500);
        refreshFeeds();
        uint64 periodEnd = registry.lastTelemetryAt(id);
        settleAs(operator, id, NET, 0, 0);
        logGas("settle(split)", abi.encodeCall(earnings.settle, (id, periodEnd, NET, 0, 0)));

        vm.prank(investor);
        shares.transfer(alice, ONE);
        logGas("transfer(shares)", abi.encodeCall(shares.transfer, (alice, ONE)));

        settleDay(id, NET);
        approveShares(shares, investor, 100_000 * ONE);
        uint64 expiresAt = inThirtyDays();
        vm.prank(investor);
        uint256 lotId = market.listLot(id, 100_000 * ONE, PPS, expiresAt, FEE_BPS);
        logGas("listLot", abi.encodeCall(market.listLot, (id, 100_000 * ONE, PPS, expiresAt, FEE_BPS)));

        uint256 amount = 30_000 * ONE;
        uint256 price = 30 ether;
        vm.deal(bob, price);
        vm.prank(bob);
        market.buyLot{value: price}(lotId, amount);
        logGas("buyLot(partial)", abi.encodeCall(market.buyLot, (lotId, amount)));
        assertEq(shares.balanceOf(bob), amount);

        uint256[] memory splitTwins = ids(id);
        vm.prank(alice);
        earnings.claim(splitTwins);
        logGas("claim(split)", abi.encodeCall(earnings.claim, (splitTwins)));
        assertEq(alice.balance, NET * 3 / 2 + 3 * NET / 1_000_000, "half of three days, and a share then two more");
    }
}
