// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/// @title PriceFeeds
/// @notice Reads a Chainlink price the way a settlement may rely on it: never stale, never zero or
/// negative, and on an L2 never while its sequencer is down or has just come back up (when prices
/// could not be updated and the first ones after may still be catching up).
/// @dev The checks are Chainlink's own recommendations. `maxAge` is the feed's heartbeat plus a
/// margin, set by whoever deploys the consumer; `sequencer` is the zero address where there is no
/// sequencer-uptime feed (L1s, local chains).
library PriceFeeds {
    /// @notice How long after the sequencer came back up its prices are still not trusted.
    uint256 internal constant SEQUENCER_GRACE_PERIOD = 1 hours;

    /// @notice The feed's newest answer was last updated at `updatedAt`, longer than `maxAge` ago.
    error StalePrice(address feed, uint256 updatedAt, uint256 maxAge);
    /// @notice The feed answered zero or less, which no price is.
    error NonPositivePrice(address feed, int256 answer);
    /// @notice The L2's sequencer is down: prices on it cannot be updated.
    error SequencerDown(address sequencer);
    /// @notice The sequencer came back up at `upSince`, within the grace period.
    error SequencerGracePeriod(address sequencer, uint256 upSince);

    /// @notice The feed's newest answer and its decimals, if it may be relied on now.
    /// @param feed The price feed.
    /// @param maxAge The oldest an answer may be, in seconds.
    /// @param sequencer The L2 sequencer-uptime feed, or the zero address where there is none.
    function read(AggregatorV3Interface feed, uint256 maxAge, AggregatorV3Interface sequencer)
        internal
        view
        returns (uint256 price, uint8 decimals)
    {
        if (address(sequencer) != address(0)) {
            // The uptime feed answers 0 while the sequencer is up and 1 while it is down, and says
            // since when in `startedAt`.
            (, int256 status, uint256 upSince,,) = sequencer.latestRoundData();
            if (status != 0) revert SequencerDown(address(sequencer));
            if (block.timestamp - upSince <= SEQUENCER_GRACE_PERIOD) {
                revert SequencerGracePeriod(address(sequencer), upSince);
            }
        }
        (, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        if (answer <= 0) revert NonPositivePrice(address(feed), answer);
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > maxAge) {
            revert StalePrice(address(feed), updatedAt, maxAge);
        }
        // Positive, checked above.
        // forge-lint: disable-next-line(unsafe-typecast)
        return (uint256(answer), feed.decimals());
    }
}
