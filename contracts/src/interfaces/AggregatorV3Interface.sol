// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title AggregatorV3Interface
/// @notice The read side of a Chainlink data feed, as Chainlink publishes it: what settlements price
/// electricity in (ETH/USD) and what the app values hashrate in (BTC/USD), and, on L2s, the
/// sequencer-uptime feed.
interface AggregatorV3Interface {
    /// @notice Decimals of every answer.
    function decimals() external view returns (uint8);

    /// @notice What the feed is, in words ("ETH / USD").
    function description() external view returns (string memory);

    /// @notice The feed's version.
    function version() external view returns (uint256);

    /// @notice One round of the feed.
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice The newest round of the feed.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
