// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AggregatorV3Interface} from "./interfaces/AggregatorV3Interface.sol";
import {ITwinShares} from "./interfaces/ITwinShares.sol";
import {ITwinVault} from "./interfaces/ITwinVault.sol";
import {PriceFeeds} from "./lib/PriceFeeds.sol";
import {TwinRegistry} from "./TwinRegistry.sol";

/// @title TwinEarnings
/// @notice Pays a twin's holder what its rig earns, by the terms the twin was minted with. The
/// operator settles each period of revenue: they name the gross, keep back at most the service fee
/// and the electricity the terms allow, and pay the rest in. The net is credited to whoever holds the
/// twin when the settlement lands, who claims it whenever they like. While a twin is split (held by
/// the vault), the net is credited instead to its shares, pro rata to their holders when it lands,
/// and each holder claims their part here too, in the same claim as their whole twins' credit.
/// @dev A period runs from the end of the one before (the twin's mint before the first) to the
/// twin's newest telemetry report. Its electricity cap is the energy the registry metered from that
/// telemetry at the twin's tariff, converted to wei at a Chainlink ETH/USD price that must be fresh.
/// Nobody owns this contract: the feeds and the price's age are fixed at deployment, and no one can
/// hold back or move what has been credited.
contract TwinEarnings is ReentrancyGuardTransient {
    /// @notice The Bitcoin network as the deployment's feeds saw it when a period was settled: what a
    /// rig's expected revenue is computed from. Each is the feed's answer as given (BTC/USD with its
    /// feed's decimals, difficulty as a whole number, fees per block in BTC with 8 decimals); a
    /// figure a feed does not have is 0. `oldestAt` is when the oldest of the three was updated.
    /// @dev Recorded, never checked: they are the yardstick the app holds a payout against, and the
    /// holder's money must not wait on a feed that only informs.
    struct NetworkFigures {
        int256 btcUsd;
        int256 difficulty;
        int256 feesPerBlock;
        uint64 oldestAt;
    }

    /// @notice Every figure of one settlement, in wei unless named otherwise.
    /// @dev `serviceFee + electricity + net == gross + shortfall`, and `shortfall` is non-zero only
    /// when the fee and the electricity together exceed the gross, in which case `net` is 0.
    /// `ethUsdPrice` is the feed's answer, with `priceDecimals` decimals.
    struct Settlement {
        uint64 periodStart;
        uint64 periodEnd;
        uint64 energyWh;
        bool late;
        uint8 priceDecimals;
        uint256 gross;
        uint256 serviceFee;
        uint256 electricity;
        uint256 net;
        uint256 shortfall;
        uint256 serviceFeeCap;
        uint256 electricityCap;
        uint256 ethUsdPrice;
        NetworkFigures network;
    }

    /// @notice A twin's next period, as far as its telemetry reaches now.
    /// @dev `dueAt` is a settlement period after `start`; an unsettled period is late after `lateAt`.
    struct Period {
        uint64 start;
        uint64 end;
        uint64 energyWh;
        uint64 dueAt;
        uint64 lateAt;
        uint32 settled;
    }

    /// @dev Where a twin's settlements have reached: the end of the last period, the registry's energy
    /// meter at that point, and how many settlements there have been.
    struct Cursor {
        uint40 settledThrough;
        uint48 energySettledWh;
        uint32 count;
    }

    uint256 private constant _BPS_DENOMINATOR = 10_000;

    /// @notice The twins whose rigs are settled here.
    TwinRegistry public immutable registry;
    /// @notice The Chainlink ETH/USD feed that converts the electricity cap to wei.
    AggregatorV3Interface public immutable ethUsdFeed;
    /// @notice The L2 sequencer-uptime feed, or the zero address where the chain has none.
    AggregatorV3Interface public immutable sequencerUptimeFeed;
    /// @notice The oldest an ETH/USD answer may be, in seconds: the feed's heartbeat and a margin.
    uint256 public immutable maxPriceAge;
    /// @notice The BTC/USD feed recorded with each settlement.
    AggregatorV3Interface public immutable btcUsdFeed;
    /// @notice The deployment's feed of the Bitcoin network's difficulty.
    AggregatorV3Interface public immutable difficultyFeed;
    /// @notice The deployment's feed of the mean fees per Bitcoin block, in BTC.
    AggregatorV3Interface public immutable blockFeesFeed;
    /// @notice The vault that holds split twins: a settlement of a twin it holds is credited to the
    /// twin's shares.
    ITwinVault public immutable vault;

    mapping(uint256 tokenId => Cursor) private _cursors;
    mapping(address account => uint256) private _claimable;

    /// @notice The operator settled period `index` of twin `tokenId` (counting from 0), crediting
    /// `settlement.net` to `holder`, who held the twin when it landed: for a split twin, its shares
    /// token, whose holders then share the net pro rata.
    event Settled(uint256 indexed tokenId, uint256 indexed index, address indexed holder, Settlement settlement);

    /// @notice `account` claimed `amount`, sent to `to`: their whole twins' credit and their part of
    /// the split twins they named.
    event Claimed(address indexed account, address indexed to, uint256 amount);

    /// @notice A required address was zero.
    error ZeroAddress();
    /// @notice A price may not be older than zero seconds.
    error ZeroMaxPriceAge();
    /// @notice `caller` is not the operator of `tokenId`, who alone may settle it.
    error NotOperator(uint256 tokenId, address caller);
    /// @notice Twin `tokenId` has no telemetry after `settledThrough`, so it has no period to settle.
    error NoNewTelemetry(uint256 tokenId, uint64 settledThrough);
    /// @notice The gross was worked out for a period ending at `expected`, but twin `tokenId`'s
    /// telemetry now reaches `actual`: a report landed in between, and the figure is for another period.
    error PeriodEndMoved(uint256 tokenId, uint64 expected, uint64 actual);
    /// @notice A service fee of `serviceFee` is over the cap the twin's terms allow on this gross.
    error ServiceFeeAboveCap(uint256 serviceFee, uint256 cap);
    /// @notice An electricity charge of `electricity` is over the cap: the period's metered energy at
    /// the twin's tariff and the current ETH/USD price.
    error ElectricityAboveCap(uint256 electricity, uint256 cap);
    /// @notice `sent` wei came with a settlement whose net is `net`: exactly the net must be paid.
    error PaymentNotNet(uint256 tokenId, uint256 net, uint256 sent);
    /// @notice `account` has nothing to claim.
    error NothingToClaim(address account);
    /// @notice Sending `amount` to `to` failed.
    error ClaimFailed(address to, uint256 amount);
    /// @notice Twin `tokenId` is held by the vault but has no shares (it was sent there without being
    /// split): a settlement would be credited to no one.
    error NoShareholders(uint256 tokenId);
    /// @notice Twin `tokenId` was never split, so it has no shares to claim from.
    error NeverSplit(uint256 tokenId);

    /// @param registry_ The twins.
    /// @param ethUsdFeed_ Chainlink's ETH/USD feed (on a local chain, one with its interface).
    /// @param sequencerUptimeFeed_ Chainlink's sequencer-uptime feed on an L2, else the zero address.
    /// @param maxPriceAge_ The oldest an ETH/USD answer may be, in seconds.
    /// @param network The BTC/USD, difficulty and fees-per-block feeds, in that order.
    /// @param vault_ The TwinVault of `registry_`, which is deployed after this contract and checks
    /// that it was given its address (the deployer's CREATE address at the vault's nonce).
    constructor(
        TwinRegistry registry_,
        AggregatorV3Interface ethUsdFeed_,
        AggregatorV3Interface sequencerUptimeFeed_,
        uint256 maxPriceAge_,
        AggregatorV3Interface[3] memory network,
        ITwinVault vault_
    ) {
        if (address(registry_) == address(0) || address(ethUsdFeed_) == address(0)) revert ZeroAddress();
        if (address(vault_) == address(0)) revert ZeroAddress();
        for (uint256 i = 0; i < network.length; ++i) {
            if (address(network[i]) == address(0)) revert ZeroAddress();
        }
        if (maxPriceAge_ == 0) revert ZeroMaxPriceAge();
        registry = registry_;
        ethUsdFeed = ethUsdFeed_;
        sequencerUptimeFeed = sequencerUptimeFeed_;
        maxPriceAge = maxPriceAge_;
        btcUsdFeed = network[0];
        difficultyFeed = network[1];
        blockFeesFeed = network[2];
        vault = vault_;
    }

    /// @notice Settles a twin's period: from the end of the last settled period to its newest
    /// telemetry report. Only the twin's operator may, paying in exactly the net, which is credited
    /// to the twin's current holder; for a split twin, to its shares' holders pro rata.
    /// @param tokenId The twin.
    /// @param periodEnd The newest report's time the gross was worked out to ({periodOf}'s `end`):
    /// a report landing before the settlement would otherwise stretch the period under the figure.
    /// @param gross What the rig earned over the period, in wei.
    /// @param serviceFee What the operator keeps as their fee, at most the terms' share of `gross`.
    /// @param electricity What the operator keeps for power, at most the period's metered energy at
    /// the twin's tariff, in wei at the feed's ETH/USD price.
    function settle(uint256 tokenId, uint64 periodEnd, uint256 gross, uint256 serviceFee, uint256 electricity)
        external
        payable
    {
        address operator = registry.operatorOf(tokenId);
        if (operator != msg.sender) revert NotOperator(tokenId, msg.sender);
        (Settlement memory s, Cursor memory cursor, uint64 energyMeter) = _figures(tokenId, gross);
        if (s.periodEnd != periodEnd) revert PeriodEndMoved(tokenId, periodEnd, s.periodEnd);
        if (serviceFee > s.serviceFeeCap) revert ServiceFeeAboveCap(serviceFee, s.serviceFeeCap);
        if (electricity > s.electricityCap) revert ElectricityAboveCap(electricity, s.electricityCap);
        _split(s, serviceFee, electricity);
        if (msg.value != s.net) revert PaymentNotNet(tokenId, s.net, msg.value);

        address holder = registry.ownerOf(tokenId);
        uint32 index = cursor.count;
        _cursors[tokenId] = Cursor({
            // Both come from the registry's 40-bit timestamp and 48-bit meter.
            // forge-lint: disable-next-line(unsafe-typecast)
            settledThrough: uint40(s.periodEnd),
            // forge-lint: disable-next-line(unsafe-typecast)
            energySettledWh: uint48(energyMeter),
            count: index + 1
        });
        if (holder == address(vault)) {
            holder = vault.sharesOf(tokenId);
            if (holder == address(0)) revert NoShareholders(tokenId);
            // The shares token is the vault's clone, which calls nothing; it reverts when no shares
            // exist. The event names it, so it comes after.
            // slither-disable-next-line reentrancy-events
            ITwinShares(holder).accrue(s.net);
        } else {
            _claimable[holder] += s.net;
        }
        emit Settled(tokenId, index, holder, s);
    }

    /// @notice Sends the caller everything credited to them: what settlements of the twins they
    /// held credited them, and their part of the settlements of each split twin named.
    /// @dev The shares of a twin keep what they earned after it is joined, so a twin split once is
    /// worth naming for as long as its holder has not claimed. Naming a twin twice takes nothing more.
    /// @param splitTwins Twins whose shares the caller holds or held; each must have been split.
    function claim(uint256[] calldata splitTwins) external nonReentrant {
        _claim(payable(msg.sender), splitTwins);
    }

    /// @notice Sends everything credited to the caller, as {claim} does, to another address: for a
    /// holder, such as a contract without `receive()`, that cannot take ETH itself.
    /// @param to The recipient; not zero.
    /// @param splitTwins Twins whose shares the caller holds or held; each must have been split.
    function claimTo(address payable to, uint256[] calldata splitTwins) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        _claim(to, splitTwins);
    }

    /// @notice What settling `tokenId` now with `gross` would record if the operator kept the full
    /// fee and electricity the terms allow: the caps, and the net that results. Reverts as {settle}
    /// would for a period with no telemetry or a price that may not be used.
    /// @param tokenId The twin.
    /// @param gross What the rig earned over the period, in wei.
    /// @return The settlement's figures.
    function quote(uint256 tokenId, uint256 gross) external view returns (Settlement memory) {
        (Settlement memory s,,) = _figures(tokenId, gross);
        _split(s, s.serviceFeeCap, s.electricityCap);
        return s;
    }

    /// @notice A twin's next period as far as its telemetry reaches, and when it is due.
    /// @param tokenId The twin; it must exist.
    /// @return The period: `end` equals `start` while there is no new telemetry.
    function periodOf(uint256 tokenId) external view returns (Period memory) {
        (TwinRegistry.EarningTerms memory terms, uint64 mintedAt) = registry.earningTermsOf(tokenId);
        (uint64 energyMeter, uint64 meteredThrough) = registry.meterOf(tokenId);
        Cursor memory cursor = _cursors[tokenId];
        // A count, not a time: Slither taints the whole cursor with the period's end it also holds.
        // slither-disable-next-line incorrect-equality
        uint64 start = cursor.count == 0 ? mintedAt : cursor.settledThrough;
        uint64 dueAt = start + terms.settlementPeriod;
        return Period({
            start: start,
            end: meteredThrough > start ? meteredThrough : start,
            energyWh: energyMeter - cursor.energySettledWh,
            dueAt: dueAt,
            lateAt: dueAt + terms.gracePeriod,
            settled: cursor.count
        });
    }

    /// @notice What `account` may claim of what settlements of whole twins credited it. Its part of a
    /// split twin's settlements is the twin's shares token's `earnedOf(account)`; {claim} pays both.
    /// @param account The holder.
    /// @return The wei credited to them and not yet claimed.
    function claimableOf(address account) external view returns (uint256) {
        return _claimable[account];
    }

    /// @dev The period and its caps for `gross`; fee, electricity, net and shortfall are left to
    /// {_split}. Also returns the cursor and the energy meter it will move to.
    function _figures(uint256 tokenId, uint256 gross)
        private
        view
        returns (Settlement memory s, Cursor memory cursor, uint64 energyMeter)
    {
        (TwinRegistry.EarningTerms memory terms, uint64 mintedAt) = registry.earningTermsOf(tokenId);
        uint64 meteredThrough;
        (energyMeter, meteredThrough) = registry.meterOf(tokenId);
        cursor = _cursors[tokenId];
        // A count, not a time: Slither taints the whole cursor with the period's end it also holds.
        // slither-disable-next-line incorrect-equality
        s.periodStart = cursor.count == 0 ? mintedAt : cursor.settledThrough;
        if (meteredThrough <= s.periodStart) revert NoNewTelemetry(tokenId, s.periodStart);
        s.periodEnd = meteredThrough;
        s.energyWh = energyMeter - cursor.energySettledWh;
        // Hours or days of grace dwarf a validator's seconds of drift.
        // slither-disable-next-line timestamp
        s.late = block.timestamp > uint256(s.periodStart) + terms.settlementPeriod + terms.gracePeriod;

        (s.ethUsdPrice, s.priceDecimals) = PriceFeeds.read(ethUsdFeed, maxPriceAge, sequencerUptimeFeed);
        s.gross = gross;
        s.serviceFeeCap = gross * terms.serviceFeeBps / _BPS_DENOMINATOR;
        // Wh × µUSD/kWh is 10^-9 USD; one USD is 10^18 × 10^decimals / price wei. Rounded down, in
        // the holder's favour.
        s.electricityCap =
            uint256(s.energyWh) * terms.tariffMicroUsdPerKwh * 10 ** (9 + uint256(s.priceDecimals)) / s.ethUsdPrice;
        s.network = _networkFigures();
    }

    /// @dev The three network feeds' newest answers, as they are. A feed that reverts gives 0, its
    /// "nothing published": these figures only inform, and a holder's payout must not wait on them.
    function _networkFigures() private view returns (NetworkFigures memory figures) {
        uint256 btcUsdAt;
        uint256 difficultyAt;
        uint256 feesAt;
        (figures.btcUsd, btcUsdAt) = _answer(btcUsdFeed);
        (figures.difficulty, difficultyAt) = _answer(difficultyFeed);
        (figures.feesPerBlock, feesAt) = _answer(blockFeesFeed);
        uint256 oldest = btcUsdAt < difficultyAt ? btcUsdAt : difficultyAt;
        // forge-lint: disable-next-line(unsafe-typecast)
        figures.oldestAt = uint64(oldest < feesAt ? oldest : feesAt);
    }

    /// @dev A feed's newest answer and when it was updated; (0, 0) when the feed reverts. The round
    /// ids are the feed's own bookkeeping, and `startedAt` adds nothing to `updatedAt`.
    function _answer(AggregatorV3Interface feed) private view returns (int256 answer, uint256 updatedAt) {
        // slither-disable-next-line unused-return
        try feed.latestRoundData() returns (uint80, int256 value, uint256, uint256 at, uint80) {
            return (value, at);
        } catch {
            return (0, 0);
        }
    }

    /// @dev Fills in what the operator keeps and what the holder gets: never less than nothing.
    function _split(Settlement memory s, uint256 serviceFee, uint256 electricity) private pure {
        s.serviceFee = serviceFee;
        s.electricity = electricity;
        uint256 kept = serviceFee + electricity;
        if (kept <= s.gross) s.net = s.gross - kept;
        else s.shortfall = kept - s.gross;
    }

    /// @dev The credit is zeroed before the shares tokens are called, and each marks what it returns
    /// as paid; a revert (a twin never split, nothing at all to claim, a refused payment) undoes both.
    function _claim(address payable to, uint256[] calldata splitTwins) private {
        uint256 amount = _claimable[msg.sender];
        if (amount != 0) _claimable[msg.sender] = 0;
        // The calls go to this deployment's vault and its clones, one of each per twin the caller
        // names: a list too long to process fails only the caller's own claim.
        // slither-disable-start calls-loop
        for (uint256 i = 0; i < splitTwins.length; ++i) {
            address shares = vault.sharesOf(splitTwins[i]);
            if (shares == address(0)) revert NeverSplit(splitTwins[i]);
            amount += ITwinShares(shares).take(msg.sender);
        }
        // slither-disable-end calls-loop
        // A credit, not a balance or a time: Slither taints it with the `late` flag of the settlement
        // figures the net is computed among.
        // slither-disable-next-line incorrect-equality
        if (amount == 0) revert NothingToClaim(msg.sender);

        emit Claimed(msg.sender, to, amount);

        // A plain call forwards all gas, so that contract wallets can receive; the nonReentrant guard
        // and the zeroed balance above make that safe.
        // slither-disable-next-line low-level-calls,arbitrary-send-eth
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert ClaimFailed(to, amount);
    }
}
