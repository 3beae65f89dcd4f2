// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AggregatorV3Interface} from "../src/interfaces/AggregatorV3Interface.sol";
import {PriceFeeds} from "../src/lib/PriceFeeds.sol";
import {PublishedFeed} from "../src/PublishedFeed.sol";
import {SettableFeed} from "./mocks/SettableFeed.sol";

/// @notice Calls the library as a consumer contract would.
contract PriceFeedReader {
    function read(AggregatorV3Interface feed, uint256 maxAge, AggregatorV3Interface sequencer)
        external
        view
        returns (uint256, uint8)
    {
        return PriceFeeds.read(feed, maxAge, sequencer);
    }
}

contract PriceFeedsTest is Test {
    uint256 internal constant MAX_AGE = 1 hours;
    AggregatorV3Interface internal constant NO_SEQUENCER = AggregatorV3Interface(address(0));

    PriceFeedReader internal reader;
    SettableFeed internal feed;
    SettableFeed internal sequencer;

    function setUp() public {
        vm.warp(1_800_000_000);
        reader = new PriceFeedReader();
        feed = new SettableFeed();
        sequencer = new SettableFeed();
        feed.set(3_000e8, block.timestamp, block.timestamp);
        // Up (0) for a day.
        sequencer.set(0, block.timestamp - 1 days, block.timestamp - 1 days);
    }

    function test_readsAFreshPositivePriceWithItsDecimals() public view {
        (uint256 price, uint8 decimals) = reader.read(feed, MAX_AGE, NO_SEQUENCER);
        assertEq(price, 3_000e8);
        assertEq(decimals, 8);
    }

    function test_refusesAPriceOlderThanMaxAge() public {
        vm.warp(block.timestamp + MAX_AGE + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                PriceFeeds.StalePrice.selector, address(feed), block.timestamp - MAX_AGE - 1, MAX_AGE
            )
        );
        reader.read(feed, MAX_AGE, NO_SEQUENCER);
    }

    function test_refusesAPriceFromTheFuture() public {
        feed.set(3_000e8, block.timestamp, block.timestamp + 1);
        vm.expectRevert(
            abi.encodeWithSelector(PriceFeeds.StalePrice.selector, address(feed), block.timestamp + 1, MAX_AGE)
        );
        reader.read(feed, MAX_AGE, NO_SEQUENCER);
    }

    function testFuzz_aPriceIsReadExactlyWhileItIsNoOlderThanMaxAge(uint256 age, uint256 maxAge) public {
        age = bound(age, 0, 10 * 365 days);
        maxAge = bound(maxAge, 0, 10 * 365 days);
        feed.set(1, block.timestamp - age, block.timestamp - age);
        if (age > maxAge) {
            vm.expectRevert(
                abi.encodeWithSelector(PriceFeeds.StalePrice.selector, address(feed), block.timestamp - age, maxAge)
            );
        }
        reader.read(feed, maxAge, NO_SEQUENCER);
    }

    function testFuzz_zeroAndNegativeAnswersAreRefused(int256 answer) public {
        answer = bound(answer, type(int256).min, 0);
        feed.set(answer, block.timestamp, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.NonPositivePrice.selector, address(feed), answer));
        reader.read(feed, MAX_AGE, NO_SEQUENCER);
    }

    function test_readsWhileTheSequencerIsUpPastTheGracePeriod() public view {
        (uint256 price,) = reader.read(feed, MAX_AGE, sequencer);
        assertEq(price, 3_000e8);
    }

    function test_refusesWhileTheSequencerIsDown() public {
        sequencer.set(1, block.timestamp - 1 days, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.SequencerDown.selector, address(sequencer)));
        reader.read(feed, MAX_AGE, sequencer);
    }

    function testFuzz_refusesWithinTheGracePeriodAfterTheSequencerCameBack(uint256 upFor) public {
        upFor = bound(upFor, 0, PriceFeeds.SEQUENCER_GRACE_PERIOD);
        uint256 upSince = block.timestamp - upFor;
        sequencer.set(0, upSince, upSince);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.SequencerGracePeriod.selector, address(sequencer), upSince));
        reader.read(feed, MAX_AGE, sequencer);
    }
}

contract PublishedFeedTest is Test {
    address internal constant OWNER = address(0xA11CE);
    PublishedFeed internal feed;

    function setUp() public {
        vm.warp(1_800_000_000);
        feed = new PublishedFeed(OWNER, 8, "ETH / USD", 3_000e8);
    }

    function test_describesItselfAsAChainlinkFeedDoes() public view {
        assertEq(feed.decimals(), 8);
        assertEq(feed.description(), "ETH / USD");
        assertEq(feed.version(), 1);
        (uint80 round, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredIn) = feed.latestRoundData();
        assertEq(round, 1);
        assertEq(answer, 3_000e8);
        assertEq(startedAt, block.timestamp);
        assertEq(updatedAt, block.timestamp);
        assertEq(answeredIn, 1);
    }

    function test_eachAnswerIsANewRoundStampedWithItsBlock() public {
        vm.warp(block.timestamp + 600);
        vm.expectEmit(address(feed));
        emit PublishedFeed.AnswerUpdated(3_100e8, 2, block.timestamp);
        vm.prank(OWNER);
        feed.publish(3_100e8);
        (uint80 round, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        assertEq(round, 2);
        assertEq(answer, 3_100e8);
        assertEq(updatedAt, block.timestamp);
        (, int256 first,, uint256 firstAt,) = feed.getRoundData(1);
        assertEq(first, 3_000e8);
        assertEq(firstAt, block.timestamp - 600);
    }

    function test_onlyTheOwnerPublishes() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        feed.publish(1);
    }

    function test_roundsNeverPublishedAreRefused() public {
        vm.expectRevert(abi.encodeWithSelector(PublishedFeed.NoSuchRound.selector, uint80(0)));
        feed.getRoundData(0);
        vm.expectRevert(abi.encodeWithSelector(PublishedFeed.NoSuchRound.selector, uint80(2)));
        feed.getRoundData(2);
    }

    function test_aConsumerReadsItAsItWouldAChainlinkFeed() public {
        PriceFeedReader reader = new PriceFeedReader();
        (uint256 price,) = reader.read(feed, 1 hours, AggregatorV3Interface(address(0)));
        assertEq(price, 3_000e8);
        vm.prank(OWNER);
        feed.publish(0);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.NonPositivePrice.selector, address(feed), int256(0)));
        reader.read(feed, 1 hours, AggregatorV3Interface(address(0)));
    }
}
