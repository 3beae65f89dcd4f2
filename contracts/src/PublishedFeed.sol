// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AggregatorV3Interface} from "./interfaces/AggregatorV3Interface.sol";

/// @title PublishedFeed
/// @notice A feed with Chainlink's interface whose answers its owner publishes: prices on chains
/// Chainlink does not serve (the local chain, where the seed moves them as a market would), and the
/// Bitcoin network's difficulty and fees per block, which no Chainlink feed carries and which the app
/// needs for a rig's expected revenue. Each answer is on chain with its time, so anyone can see how
/// old it is.
/// @dev Every answer is a new round, timestamped with its block, so staleness checks see a published
/// feed exactly as they would a Chainlink one.
contract PublishedFeed is AggregatorV3Interface, Ownable {
    struct Round {
        int256 answer;
        uint64 updatedAt;
    }

    uint8 public immutable override decimals;
    string private _description;
    uint80 private _latestRound;
    mapping(uint80 roundId => Round) private _rounds;

    /// @notice A round that was never published was asked for.
    error NoSuchRound(uint80 roundId);

    /// @notice The owner published `answer` as round `roundId`.
    event AnswerUpdated(int256 indexed answer, uint256 indexed roundId, uint256 updatedAt);

    /// @param owner_ Who may publish answers.
    /// @param decimals_ Decimals of every answer (Chainlink's USD feeds use 8).
    /// @param description_ What the feed is, in words ("ETH / USD").
    /// @param answer The first answer.
    constructor(address owner_, uint8 decimals_, string memory description_, int256 answer) Ownable(owner_) {
        decimals = decimals_;
        _description = description_;
        _publish(answer);
    }

    /// @notice Publishes a new answer as the next round. Zero or negative answers are published as
    /// given: refusing them is the consumer's job, and tests need a feed that can give them.
    /// @param answer The new answer, with `decimals` decimals.
    function publish(int256 answer) external onlyOwner {
        _publish(answer);
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external view override returns (string memory) {
        return _description;
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure override returns (uint256) {
        return 1;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80 roundId) external view override returns (uint80, int256, uint256, uint256, uint80) {
        if (roundId == 0 || roundId > _latestRound) revert NoSuchRound(roundId);
        return _round(roundId);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        return _round(_latestRound);
    }

    function _publish(int256 answer) private {
        uint80 roundId = _latestRound + 1;
        _latestRound = roundId;
        _rounds[roundId] = Round({answer: answer, updatedAt: uint64(block.timestamp)});
        emit AnswerUpdated(answer, roundId, block.timestamp);
    }

    function _round(uint80 roundId) private view returns (uint80, int256, uint256, uint256, uint80) {
        Round storage round = _rounds[roundId];
        return (roundId, round.answer, round.updatedAt, round.updatedAt, roundId);
    }
}
