// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TwinRegistry} from "./TwinRegistry.sol";
import {TwinMarket} from "./TwinMarket.sol";
import {HashLedger} from "./HashLedger.sol";
import {TwinEarnings} from "./TwinEarnings.sol";
import {ITwinShares} from "./interfaces/ITwinShares.sol";
import {ITwinVault} from "./interfaces/ITwinVault.sol";

/// @title TwinLens
/// @notice Reads what a page of the app shows, across TwinRegistry, TwinMarket, HashLedger,
/// TwinEarnings and TwinVault, in one `eth_call`: a page of twins, an account, and the market's fee.
/// Every answer carries the {Head}, the block it was read at, so the app knows how fresh it is and can
/// order it against logs.
/// @dev Stateless and read-only: it holds nothing but the contracts' addresses and may be redeployed at
/// will. Every figure is what the underlying contract's own view returns; the lens adds no rules of
/// its own. Twin ids run from 1 to {TwinRegistry.totalSupply} (the registry never burns), so an id
/// outside that range is reported as not existing instead of reverting the page; any other revert of
/// the underlying contracts reverts the call, so that a failure never reads as data.
contract TwinLens {
    /// @notice The block an answer was read at, the chain it is on, and the market's terms then.
    struct Head {
        uint256 chainId;
        uint256 blockNumber;
        uint256 timestamp;
        uint256 twinCount;
        uint16 feeBps;
        uint16 feeFloorBps;
    }

    /// @notice A twin's shares, as TwinVault and the shares token hold them.
    /// @dev `sharesToken` is {ITwinVault.sharesOf} (zero if the twin was never split), `supply` its
    /// total supply in share units (0 while the twin is whole), `split` is {ITwinVault.isSplit}.
    struct Fraction {
        address sharesToken;
        uint256 supply;
        bool split;
    }

    /// @notice Everything the gallery card and the twin page show of one twin, as its contracts hold it.
    /// @dev When `exists` is false every other field but `id` is zero. `listing` is the stored listing,
    /// live or dead (a zero price means none); `buyable` is {TwinMarket.isBuyable}. `ownerListingNonce`
    /// and `marketApproved` (for all the owner's twins or for this one) let the app say why a stored
    /// listing cannot be bought: another custody epoch, the owner's cancel-all, expiry, retirement, a
    /// fee bound under the floor, or no approval. While the twin is split, `owner` is the vault and
    /// `fraction` tells of its shares.
    struct TwinView {
        uint256 id;
        bool exists;
        TwinRegistry.RigSpec spec;
        address owner;
        address operator;
        address pendingOperator;
        address reporter;
        TwinRegistry.Status status;
        uint256 royaltyBps;
        uint64 lastTelemetryAt;
        uint64 custodyEpoch;
        bool retired;
        TwinMarket.Listing listing;
        bool buyable;
        uint256 ownerListingNonce;
        bool marketApproved;
        uint256 work;
        uint256 shares;
        TwinRegistry.EarningTerms terms;
        TwinEarnings.Period period;
        Fraction fraction;
    }

    /// @notice What the header and the portfolio show of one account.
    struct AccountView {
        address account;
        uint256 balance;
        uint256 twinsOwned;
        uint256 proceeds;
        uint256 listingNonce;
        bool marketApproved;
        uint256 workBy;
        uint256 claimable;
    }

    /// @dev ERC-2981 royalties are answered per sale price; at this price the royalty is the rate.
    uint256 private constant _BPS_DENOMINATOR = 10_000;

    /// @notice The registry whose twins are read.
    TwinRegistry public immutable registry;

    /// @notice The market of those twins.
    TwinMarket public immutable market;

    /// @notice The ledger crediting work to those twins.
    HashLedger public immutable ledger;

    /// @notice Where those twins' rigs settle their earnings.
    TwinEarnings public immutable earnings;

    /// @notice The vault that splits those twins: the one `earnings` and `market` name.
    ITwinVault public immutable vault;

    /// @notice `market` or `ledger` serves another registry than the one given: a lens over them would
    /// mix two deployments.
    error RegistryMismatch(address target, address expected, address actual);

    /// @notice `market` names another vault (`actual`) than `earnings` does (`expected`).
    error VaultMismatch(address market, address expected, address actual);

    /// @notice `fromId` is after `toId`.
    error InvalidRange(uint256 fromId, uint256 toId);

    /// @param registry_ The TwinRegistry.
    /// @param market_ The TwinMarket trading `registry_`'s twins.
    /// @param ledger_ The HashLedger crediting `registry_`'s twins.
    /// @param earnings_ The TwinEarnings settling `registry_`'s twins; the vault is the one it names.
    constructor(TwinRegistry registry_, TwinMarket market_, HashLedger ledger_, TwinEarnings earnings_) {
        if (address(market_.twins()) != address(registry_)) {
            revert RegistryMismatch(address(market_), address(registry_), address(market_.twins()));
        }
        if (address(ledger_.twins()) != address(registry_)) {
            revert RegistryMismatch(address(ledger_), address(registry_), address(ledger_.twins()));
        }
        if (address(earnings_.registry()) != address(registry_)) {
            revert RegistryMismatch(address(earnings_), address(registry_), address(earnings_.registry()));
        }
        ITwinVault vault_ = earnings_.vault();
        if (address(market_.vault()) != address(vault_)) {
            revert VaultMismatch(address(market_), address(vault_), address(market_.vault()));
        }
        registry = registry_;
        market = market_;
        ledger = ledger_;
        earnings = earnings_;
        vault = vault_;
    }

    /// @notice The current block, chain and market terms.
    /// @return The head.
    function head() external view returns (Head memory) {
        return _head();
    }

    /// @notice How many twins exist; ids run from 1 to this number.
    /// @return {TwinRegistry.totalSupply}.
    function twinCount() external view returns (uint256) {
        return registry.totalSupply();
    }

    // Calls in a loop are what a lens is: the callees are this deployment's own contracts, and a
    // callee that reverted would only fail this read, which changes no state. No comparison here
    // depends on the time: the head carries `block.timestamp` only to report it, and Slither counts
    // every field of a struct that holds it as a time.
    // slither-disable-start calls-loop,timestamp

    /// @notice Reads the given twins, in the order given.
    /// @dev An id that names no twin (0, or above {twinCount}) comes back with `exists` false.
    /// @param ids The twins to read.
    /// @return The head of the block read.
    /// @return page One entry per id.
    function twins(uint256[] calldata ids) external view returns (Head memory, TwinView[] memory page) {
        Head memory h = _head();
        page = new TwinView[](ids.length);
        for (uint256 i = 0; i < ids.length; ++i) {
            page[i] = _twin(ids[i], h.twinCount);
        }
        return (h, page);
    }

    /// @notice Reads a page of twins, newest first: ids `twinCount - offset` down to 1, at most `count`.
    /// @param offset How many of the newest twins to skip.
    /// @param count The most twins to return; fewer when the collection ends first.
    /// @return The head of the block read.
    /// @return page The twins, newest first; empty when `offset` is at least {twinCount}.
    function newest(uint256 offset, uint256 count) external view returns (Head memory, TwinView[] memory page) {
        Head memory h = _head();
        uint256 available = offset < h.twinCount ? h.twinCount - offset : 0;
        if (count > available) count = available;
        page = new TwinView[](count);
        for (uint256 i = 0; i < count; ++i) {
            page[i] = _twin(available - i, h.twinCount);
        }
        return (h, page);
    }

    /// @notice Reads what the header and the portfolio show of an account.
    /// @param who The account.
    /// @return The head of the block read.
    /// @return The account's balance, twins held, market standing and donated work.
    function account(address who) external view returns (Head memory, AccountView memory) {
        AccountView memory a = AccountView({
            account: who,
            balance: who.balance,
            twinsOwned: registry.balanceOf(who),
            proceeds: market.proceedsOf(who),
            listingNonce: market.listingNonceOf(who),
            marketApproved: registry.isApprovedForAll(who, address(market)),
            workBy: ledger.workBy(who),
            claimable: earnings.claimableOf(who)
        });
        return (_head(), a);
    }

    /// @notice The twins an account holds among ids `fromId` to `toId - 1`, ascending. The registry
    /// is not enumerable: a portfolio scans the ids in windows sized to the node's gas cap (some
    /// 3,000 gas per id).
    /// @param owner The account.
    /// @param fromId The first id to look at; ids below 1 are skipped.
    /// @param toId One past the last id to look at; ids above {twinCount} are skipped.
    /// @return ids The ids in the window that `owner` holds.
    function tokensOfOwnerIn(address owner, uint256 fromId, uint256 toId) external view returns (uint256[] memory ids) {
        if (fromId > toId) revert InvalidRange(fromId, toId);
        uint256 total = registry.totalSupply();
        if (fromId == 0) fromId = 1;
        if (toId > total + 1) toId = total + 1;
        uint256 span = toId > fromId ? toId - fromId : 0;
        ids = new uint256[](span);
        uint256 found = 0;
        for (uint256 id = fromId; id < toId; ++id) {
            if (registry.ownerOf(id) == owner) ids[found++] = id;
        }
        // Shortens the array in place to what was found; memory past it is simply left unused.
        assembly ("memory-safe") {
            mstore(ids, found)
        }
    }

    function _head() private view returns (Head memory) {
        return Head({
            chainId: block.chainid,
            blockNumber: block.number,
            timestamp: block.timestamp,
            twinCount: registry.totalSupply(),
            feeBps: market.feeBps(),
            feeFloorBps: market.feeFloorBps()
        });
    }

    /// @dev Field by field into memory: a struct literal this wide does not fit the stack.
    function _twin(uint256 id, uint256 total) private view returns (TwinView memory t) {
        t.id = id;
        if (id < 1 || id > total) return t;
        t.exists = true;
        (t.owner, t.custodyEpoch, t.retired) = registry.custodyOf(id);
        t.spec = registry.specOf(id);
        t.operator = registry.operatorOf(id);
        t.pendingOperator = registry.pendingOperatorOf(id);
        t.reporter = registry.reporterOf(id);
        t.status = registry.statusOf(id);
        // The receiver is the operator, read above by its own name.
        // slither-disable-next-line unused-return
        (, t.royaltyBps) = registry.royaltyInfo(id, _BPS_DENOMINATOR);
        t.lastTelemetryAt = registry.lastTelemetryAt(id);
        t.listing = market.listingOf(id);
        t.buyable = market.isBuyable(id);
        t.ownerListingNonce = market.listingNonceOf(t.owner);
        t.marketApproved =
            registry.isApprovedForAll(t.owner, address(market)) || registry.getApproved(id) == address(market);
        t.work = ledger.workOf(id);
        t.shares = ledger.sharesOf(id);
        // The mint time is in the period's start until the first settlement.
        // slither-disable-next-line unused-return
        (t.terms,) = registry.earningTermsOf(id);
        t.period = earnings.periodOf(id);
        t.fraction.sharesToken = vault.sharesOf(id);
        if (t.fraction.sharesToken != address(0)) {
            t.fraction.supply = ITwinShares(t.fraction.sharesToken).totalSupply();
            t.fraction.split = vault.isSplit(id);
        }
    }
    // slither-disable-end calls-loop,timestamp
}
