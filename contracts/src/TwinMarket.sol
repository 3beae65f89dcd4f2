// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ITwins} from "./interfaces/ITwins.sol";
import {ITwinVault} from "./interfaces/ITwinVault.sol";

/// @title TwinMarket
/// @notice Fixed-price, expiring listings and escrowed, expiring ETH offers for HashTwin twins, and
/// lots of a split twin's shares sold at a price per share, in part or whole. Every sale pays the
/// twin's ERC-2981 royalty and the protocol fee, and every payment is credited here and pulled with
/// {withdraw} or {withdrawTo}: a payee that cannot or will not receive ETH can never block a sale, nor
/// lose what it was paid.
/// @dev The market never holds twins. Sellers keep their token until the sale and approve this
/// contract; a listing is only a price tied to the twin's custody epoch ({ITwins.custodyOf}), so it
/// dies for good when the twin moves, when an approval over it is taken back, when the seller cancels
/// all their listings, when it expires, or when the rig is decommissioned. A sale charges the protocol
/// fee in force or the bound the seller agreed to, whichever is lower, and the owner can change the
/// fee or the treasury only after announcing it `CONFIG_DELAY` ahead.
/// A bound protects a seller from a fee rise; it is not a discount. A sale whose bound lies below
/// {feeFloorBps}, the lowest fee any still-open listing can have been made under, is refused
/// ({FeeBoundTooLow}): otherwise a seller could list, or accept an offer, with a bound of 0 and pay
/// no fee at all.
/// A lot is non-custodial too: the shares stay with the seller, who approves this market on the
/// shares token, until a buyer takes some. It is tied to the split it was made under (the vault's
/// custody epoch of the twin), so it dies for good when the twin is joined, even if it is split again;
/// it also dies when the seller cancels all their listings, when it expires, or when the rig is
/// decommissioned. A fill whose seller no longer holds or has not approved the shares it asks for is
/// refused ({LotStale}); the shares may be traded anywhere else meanwhile.
/// `address(this).balance` always covers every open offer and every credit, and exceeds their sum
/// only by ETH forced in without a call (selfdestruct, coinbase).
contract TwinMarket is Ownable2Step, ReentrancyGuardTransient {
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    /// @notice How a sale came about, so the UI can tell a purchase from an accepted offer.
    enum SaleKind {
        Listing,
        Offer
    }

    /// @notice A twin's listing, in one slot so that listing costs one write and buying one read.
    /// @dev The seller is not stored: under an unchanged custody epoch the twin's owner is the seller.
    /// uint96 holds some 79 billion ether, far above all the ether there is.
    struct Listing {
        uint96 price;
        uint40 expiresAt;
        uint64 epoch;
        uint16 maxFeeBps;
        uint40 sellerNonce;
    }

    /// @notice A lot of a split twin's shares, in two slots. `remaining` is in share units (10^-18 of a
    /// share; a supply is at most 10^27 units); `pricePerShare` is the wei asked per whole share (10^18
    /// units). `splitEpoch` is the twin's custody counter (the high half of {ITwins.custodyOf}'s epoch)
    /// while the vault held it when the lot was made: the vault never approves anyone, so the low half
    /// is always 0 for it. A `remaining` of zero means there is no lot.
    struct Lot {
        address seller;
        uint96 remaining;
        uint88 pricePerShare;
        uint40 expiresAt;
        uint16 maxFeeBps;
        uint40 sellerNonce;
        uint32 splitEpoch;
        uint40 tokenId;
    }

    /// @dev One slot, for the same reason; an amount is ether held here, so uint128 cannot overflow.
    struct Offer {
        uint128 amount;
        uint64 expiresAt;
    }

    /// @dev A payee's credit and, for a seller, the counter that {cancelAllListings} moves: one slot,
    /// which a sale reads and credits anyway.
    struct Account {
        uint128 proceeds;
        uint40 listingNonce;
    }

    /// @dev What a sale reads of the configuration, in one slot. `feeFloorBps` is at most every fee in
    /// force since `MAX_LISTING_DURATION` before the last fee change at `feeChangedAt` (see
    /// {feeFloorBps}).
    struct Config {
        address treasury;
        uint16 feeBps;
        uint16 feeFloorBps;
        uint40 feeChangedAt;
    }

    /// @dev A fee or treasury change waiting out `CONFIG_DELAY`; `effectiveAt` is 0 when none is.
    struct PendingFee {
        uint16 feeBps;
        uint64 effectiveAt;
    }

    struct PendingTreasury {
        address treasury;
        uint64 effectiveAt;
    }

    /// @notice The highest protocol fee, in basis points (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;

    /// @notice How long a fee or treasury change is announced before it can take effect.
    uint256 public constant CONFIG_DELAY = 2 days;

    /// @notice The longest a listing may stay open.
    uint256 public constant MAX_LISTING_DURATION = 365 days;

    uint256 private constant _BPS_DENOMINATOR = 10_000;

    /// @notice The TwinRegistry whose tokens are traded here.
    ITwins public immutable twins;

    /// @notice The vault holding split twins, whose shares tokens lots sell.
    ITwinVault public immutable vault;

    Config private _config;

    /// @notice The announced fee change, if any.
    PendingFee public pendingFee;

    /// @notice The announced treasury change, if any.
    PendingTreasury public pendingTreasury;

    mapping(uint256 tokenId => Listing) private _listings;
    mapping(uint256 tokenId => mapping(address bidder => Offer)) private _offers;
    mapping(address account => Account) private _accounts;
    mapping(uint256 lotId => Lot) private _lots;
    uint256 private _lotCount;

    /// @notice `seller` listed (or re-priced) `tokenId` at `price` wei until `expiresAt` (exclusive),
    /// agreeing to a protocol fee of at most `maxFeeBps`.
    event Listed(uint256 indexed tokenId, address indexed seller, uint256 price, uint64 expiresAt, uint16 maxFeeBps);

    /// @notice The listing of `tokenId` was withdrawn by `by`: its seller, or anyone once it was dead.
    /// A sale also ends the listing of its token, without this event.
    event ListingCancelled(uint256 indexed tokenId, address indexed by);

    /// @notice Every listing `seller` made before this is dead; `listingNonce` is their new counter.
    event AllListingsCancelled(address indexed seller, uint256 listingNonce);

    /// @notice `tokenId` changed hands for `price` wei, of which `royalty` went to `royaltyReceiver`,
    /// `fee` to the treasury and the rest to `seller`. Ends any listing of `tokenId`.
    event Sold(
        uint256 indexed tokenId,
        address indexed seller,
        address indexed buyer,
        uint256 price,
        address royaltyReceiver,
        uint256 royalty,
        uint256 fee,
        SaleKind kind
    );

    /// @notice `bidder` escrowed `amount` wei for `tokenId`, acceptable until `expiresAt` (exclusive).
    event OfferMade(uint256 indexed tokenId, address indexed bidder, uint256 amount, uint64 expiresAt);

    /// @notice `bidder` added `added` wei to their offer on `tokenId`, which now stands at `amount`
    /// and is acceptable until `expiresAt`.
    event OfferRaised(uint256 indexed tokenId, address indexed bidder, uint256 added, uint256 amount, uint64 expiresAt);

    /// @notice `bidder` withdrew their offer on `tokenId`; `amount` was credited back to them.
    event OfferCancelled(uint256 indexed tokenId, address indexed bidder, uint256 amount);

    /// @notice `seller` accepted `bidder`'s offer of `amount` wei on `tokenId`; a {Sold} follows.
    event OfferAccepted(uint256 indexed tokenId, address indexed bidder, address indexed seller, uint256 amount);

    /// @notice `seller` offered `amount` units of twin `tokenId`'s shares at `pricePerShare` wei per whole
    /// share as lot `lotId`, until `expiresAt` (exclusive), agreeing to a protocol fee of at most
    /// `maxFeeBps`.
    event LotListed(
        uint256 indexed lotId,
        uint256 indexed tokenId,
        address indexed seller,
        uint256 amount,
        uint256 pricePerShare,
        uint64 expiresAt,
        uint16 maxFeeBps
    );

    /// @notice `buyer` bought `amount` units of lot `lotId` (twin `tokenId`'s shares) from `seller` for
    /// `price` wei, of which `royalty` went to `royaltyReceiver`, `fee` to the treasury and the rest to
    /// the seller; `remaining` units are left, and the lot is gone when that is 0.
    event LotFilled(
        uint256 indexed lotId,
        uint256 indexed tokenId,
        address indexed buyer,
        address seller,
        uint256 amount,
        uint256 price,
        address royaltyReceiver,
        uint256 royalty,
        uint256 fee,
        uint256 remaining
    );

    /// @notice Lot `lotId` was withdrawn by `by`: its seller, or anyone once it was dead.
    event LotCancelled(uint256 indexed lotId, uint256 indexed tokenId, address indexed by);

    /// @notice `payee` withdrew `amount` wei, sent to `to`.
    event Withdrawn(address indexed payee, address indexed to, uint256 amount);

    /// @notice The fee will be `newFeeBps` from `effectiveAt` on, once {applyFee} is called.
    event FeeChangeScheduled(uint16 currentFeeBps, uint16 newFeeBps, uint64 effectiveAt);

    /// @notice The protocol fee changed from `oldFeeBps` to `newFeeBps`.
    event FeeChanged(uint16 oldFeeBps, uint16 newFeeBps);

    /// @notice Fees will be credited to `newTreasury` from `effectiveAt` on, once {applyTreasury} is called.
    event TreasuryChangeScheduled(address indexed currentTreasury, address indexed newTreasury, uint64 effectiveAt);

    /// @notice Fees are now credited to `newTreasury`; what `oldTreasury` was credited stays theirs.
    event TreasuryChanged(address indexed oldTreasury, address indexed newTreasury);

    error ZeroTwins();
    error ZeroVault();
    error ZeroTreasury();
    error FeeTooHigh(uint16 feeBps, uint16 maxBps);
    error ZeroPrice();
    error PriceTooHigh(uint256 price, uint256 maxPrice);
    error ZeroValue();
    error NotTokenOwner(uint256 tokenId, address caller, address owner);
    /// @notice Twin `tokenId` is decommissioned: it can no longer be listed, bought or bid on.
    error TwinRetired(uint256 tokenId);
    error NotListed(uint256 tokenId);
    /// @notice Only the seller may withdraw a listing that is still live.
    error NotSeller(uint256 tokenId, address caller, address seller);
    /// @notice The listing of `tokenId` was made under another custody: the twin changed hands, an
    /// approval over it was revoked, or its seller cancelled all their listings since.
    error ListingStale(uint256 tokenId);
    /// @notice The listing of `tokenId` expired at `expiresAt`.
    error ListingExpired(uint256 tokenId, uint64 expiresAt);
    /// @notice A listing may stay open until at most `maxExpiresAt`.
    error ExpiryTooFar(uint64 expiresAt, uint256 maxExpiresAt);
    error BuyerIsSeller(uint256 tokenId, address buyer);
    error WrongPayment(uint256 tokenId, uint256 expected, uint256 sent);
    error BidderIsOwner(uint256 tokenId, address bidder);
    error ExpiryNotInFuture(uint64 expiresAt, uint256 blockTimestamp);
    error ExpiryShortened(uint64 current, uint64 requested);
    error OfferExists(uint256 tokenId, address bidder);
    error NoOffer(uint256 tokenId, address bidder);
    error OfferExpired(uint256 tokenId, address bidder, uint64 expiresAt);
    error OfferAmountMismatch(uint256 tokenId, address bidder, uint256 expected, uint256 actual);
    error FeesExceedPrice(uint256 price, uint256 royalty, uint256 fee);
    /// @notice The seller's fee bound `maxFeeBps` is below `floorBps`, the lowest fee a listing still
    /// open can have been made under: it is no protection from a fee rise, only an attempt not to pay.
    error FeeBoundTooLow(uint16 maxFeeBps, uint16 floorBps);
    error NothingToWithdraw(address account);
    error ZeroRecipient();
    error WithdrawFailed(address account, uint256 amount);
    /// @notice Twin `tokenId` is not split: it has no shares to sell.
    error NotSplit(uint256 tokenId);
    /// @notice A lot, and a fill, must be of at least one share unit.
    error ZeroAmount();
    /// @notice The seller holds `held` units of twin `tokenId`'s shares, fewer than the `amount` listed.
    error InsufficientShares(uint256 tokenId, uint256 held, uint256 amount);
    /// @notice There is no lot `lotId`: never made, cancelled, or sold out.
    error NoLot(uint256 lotId);
    /// @notice Lot `lotId` expired at `expiresAt`.
    error LotExpired(uint256 lotId, uint64 expiresAt);
    /// @notice Lot `lotId` cannot be filled: the twin was joined since, its seller cancelled all their
    /// listings, or the seller no longer holds or has not approved the shares asked for.
    error LotStale(uint256 lotId);
    /// @notice `amount` units were asked of lot `lotId`, which has `remaining` left.
    error LotAmountTooHigh(uint256 lotId, uint256 amount, uint256 remaining);
    /// @notice Only the seller may withdraw a lot that is still live.
    error NotLotSeller(uint256 lotId, address caller, address seller);
    /// @notice No fee or treasury change is announced.
    error NoPendingChange();
    /// @notice The announced change takes effect at `effectiveAt`, not before.
    error ChangeNotDue(uint64 effectiveAt, uint256 blockTimestamp);

    /// @param twins_ The TwinRegistry.
    /// @param vault_ The TwinVault of `twins_` (deployed later, at an address known in advance).
    /// @param initialOwner The admin who may announce fee and treasury changes.
    /// @param treasury_ Where protocol fees are credited; must not be zero.
    /// @param feeBps_ The protocol fee, at most `MAX_FEE_BPS`.
    constructor(ITwins twins_, ITwinVault vault_, address initialOwner, address treasury_, uint16 feeBps_)
        Ownable(initialOwner)
    {
        if (address(twins_) == address(0)) revert ZeroTwins();
        if (address(vault_) == address(0)) revert ZeroVault();
        if (treasury_ == address(0)) revert ZeroTreasury();
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        twins = twins_;
        vault = vault_;
        _config = Config({
            treasury: treasury_,
            feeBps: feeBps_,
            feeFloorBps: feeBps_,
            // forge-lint: disable-next-line(unsafe-typecast)
            feeChangedAt: uint40(block.timestamp)
        });
        // Announced like later changes, so an indexer can follow fee and treasury from events alone.
        emit TreasuryChanged(address(0), treasury_);
        emit FeeChanged(0, feeBps_);
    }

    // ------------------------------------------------------------------------------------ listings

    /// @notice Lists one of the caller's twins at a fixed price until an expiry, or re-prices an
    /// existing listing.
    /// @dev The market must be approved for the token (or all the caller's tokens) by the time it is
    /// bought. `maxFeeBps` is the seller's terms: a sale charges the fee in force or this bound,
    /// whichever is lower, so a later fee rise can never cost the seller.
    /// @param tokenId The twin to sell; not decommissioned.
    /// @param price The price in wei, greater than zero and at most `type(uint96).max`.
    /// @param expiresAt The first second at which it can no longer be bought; in the future and at
    /// most `MAX_LISTING_DURATION` away.
    /// @param maxFeeBps The highest protocol fee the seller agrees to, usually {feeBps}; the listing can
    /// only be bought while it is at least {feeFloorBps}.
    function list(uint256 tokenId, uint256 price, uint64 expiresAt, uint16 maxFeeBps) external {
        (address owner, uint64 epoch, bool retired) = _custodyOf(tokenId);
        if (owner != msg.sender) revert NotTokenOwner(tokenId, msg.sender, owner);
        if (retired) revert TwinRetired(tokenId);
        if (price == 0) revert ZeroPrice();
        if (price > type(uint96).max) revert PriceTooHigh(price, type(uint96).max);
        _checkListingExpiry(expiresAt);

        // Overwriting is deliberate: a previous owner's listing is dead anyway, and the current
        // owner's is simply re-priced.
        _storeListing(tokenId, price, expiresAt, epoch, maxFeeBps, _accounts[msg.sender].listingNonce);
        emit Listed(tokenId, msg.sender, price, expiresAt, maxFeeBps);
    }

    /// @notice Withdraws the listing of a twin.
    /// @dev Anyone may remove a dead listing (stale, expired, or of a decommissioned twin), so that
    /// dead listings do not linger in the UI; a live one only its seller may remove.
    /// @param tokenId The listed twin.
    function cancelListing(uint256 tokenId) external {
        Listing memory l = _listings[tokenId];
        if (l.price == 0) revert NotListed(tokenId);
        (address seller, bool live) = _liveSeller(tokenId, l);
        if (live && msg.sender != seller) revert NotSeller(tokenId, msg.sender, seller);

        delete _listings[tokenId];
        emit ListingCancelled(tokenId, msg.sender);
    }

    /// @notice Ends every listing the caller has made, on every twin, in one transaction.
    function cancelAllListings() external {
        uint40 nonce = ++_accounts[msg.sender].listingNonce;
        emit AllListingsCancelled(msg.sender, nonce);
    }

    /// @notice Buys a listed twin, paying exactly its price; the twin is sent with `safeTransferFrom`.
    /// @param tokenId The listed twin.
    function buy(uint256 tokenId) external payable nonReentrant {
        Listing memory l = _listings[tokenId];
        if (l.price == 0) revert NotListed(tokenId);
        // slither-disable-next-line timestamp
        if (block.timestamp >= l.expiresAt) revert ListingExpired(tokenId, l.expiresAt);
        // Exact, not "at least": an overpayment would have to be refunded or silently kept.
        if (msg.value != l.price) revert WrongPayment(tokenId, l.price, msg.value);
        (address seller, uint64 epoch, bool retired) = _custodyOf(tokenId);
        if (retired) revert TwinRetired(tokenId);
        if (epoch != l.epoch || _accounts[seller].listingNonce != l.sellerNonce) revert ListingStale(tokenId);
        if (msg.sender == seller) revert BuyerIsSeller(tokenId, msg.sender);

        delete _listings[tokenId];
        _sell(tokenId, seller, msg.sender, l.price, l.maxFeeBps, SaleKind.Listing);

        // The registry refuses the transfer, with its own error, if the market is not approved.
        twins.safeTransferFrom(seller, msg.sender, tokenId);
    }

    // -------------------------------------------------------------------------------------- offers

    /// @notice Offers `msg.value` wei for a twin, held here in escrow until the offer is accepted or
    /// cancelled. One open offer per bidder and twin; use {raiseOffer} to add to it.
    /// @param tokenId The twin bid on; it must exist, not be decommissioned and not be the caller's.
    /// @param expiresAt The first second at which the offer can no longer be accepted; in the future.
    function makeOffer(uint256 tokenId, uint64 expiresAt) external payable nonReentrant {
        if (msg.value == 0) revert ZeroValue();
        // slither-disable-next-line timestamp
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt, block.timestamp);
        (address owner,, bool retired) = _custodyOf(tokenId);
        if (retired) revert TwinRetired(tokenId);
        if (owner == msg.sender) revert BidderIsOwner(tokenId, msg.sender);
        if (_offers[tokenId][msg.sender].amount != 0) revert OfferExists(tokenId, msg.sender);

        _offers[tokenId][msg.sender] = Offer({amount: msg.value.toUint128(), expiresAt: expiresAt});
        emit OfferMade(tokenId, msg.sender, msg.value, expiresAt);
    }

    /// @notice Adds `msg.value` wei to the caller's open offer on a twin and may push its expiry later.
    /// @dev Raising an expired offer revives it, since the new expiry must lie in the future. The twin
    /// must not be decommissioned.
    /// @param tokenId The twin bid on.
    /// @param expiresAt The new expiry: not earlier than the current one, and in the future.
    function raiseOffer(uint256 tokenId, uint64 expiresAt) external payable nonReentrant {
        Offer memory o = _offers[tokenId][msg.sender];
        if (o.amount == 0) revert NoOffer(tokenId, msg.sender);
        if (msg.value == 0) revert ZeroValue();
        if (expiresAt < o.expiresAt) revert ExpiryShortened(o.expiresAt, expiresAt);
        // slither-disable-next-line timestamp
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt, block.timestamp);
        // Adding to a bid is bidding: a decommissioned twin takes no more ETH in escrow.
        (,, bool retired) = _custodyOf(tokenId);
        if (retired) revert TwinRetired(tokenId);

        uint128 amount = o.amount + msg.value.toUint128();
        _offers[tokenId][msg.sender] = Offer({amount: amount, expiresAt: expiresAt});
        emit OfferRaised(tokenId, msg.sender, msg.value, amount, expiresAt);
    }

    /// @notice Withdraws the caller's offer on a twin, expired or not, and credits its amount back to
    /// them; collect it with {withdraw}.
    /// @param tokenId The twin bid on.
    function cancelOffer(uint256 tokenId) external nonReentrant {
        uint128 amount = _offers[tokenId][msg.sender].amount;
        if (amount == 0) revert NoOffer(tokenId, msg.sender);

        delete _offers[tokenId][msg.sender];
        emit OfferCancelled(tokenId, msg.sender, amount);
        _credit(msg.sender, amount);
    }

    /// @notice Sells one of the caller's twins to a bidder at their escrowed offer. Also ends any
    /// listing of the twin.
    /// @dev `amount` pins the offer the owner saw: a bidder who cancels and re-offers less in between
    /// makes the acceptance revert instead of selling for less. `maxFeeBps` pins the fee the same way.
    /// @param tokenId The caller's twin; this market must be approved for it.
    /// @param bidder Whose offer to accept.
    /// @param amount The offer's current amount, as the caller expects it.
    /// @param maxFeeBps The highest protocol fee the seller agrees to, at least {feeFloorBps}; the lower
    /// of it and {feeBps} applies.
    function acceptOffer(uint256 tokenId, address bidder, uint256 amount, uint16 maxFeeBps) external nonReentrant {
        (address owner,, bool retired) = _custodyOf(tokenId);
        if (owner != msg.sender) revert NotTokenOwner(tokenId, msg.sender, owner);
        if (retired) revert TwinRetired(tokenId);
        if (bidder == msg.sender) revert BidderIsOwner(tokenId, bidder);
        Offer memory o = _offers[tokenId][bidder];
        if (o.amount == 0) revert NoOffer(tokenId, bidder);
        // slither-disable-next-line timestamp
        if (block.timestamp >= o.expiresAt) revert OfferExpired(tokenId, bidder, o.expiresAt);
        if (amount != o.amount) revert OfferAmountMismatch(tokenId, bidder, amount, o.amount);

        delete _offers[tokenId][bidder];
        delete _listings[tokenId];
        emit OfferAccepted(tokenId, bidder, owner, o.amount);
        _sell(tokenId, owner, bidder, o.amount, maxFeeBps, SaleKind.Offer);

        twins.safeTransferFrom(owner, bidder, tokenId);
    }

    // ---------------------------------------------------------------------------------------- lots

    /// @notice Offers some of the caller's shares of a split twin at a price per whole share until an
    /// expiry. Buyers may take any part of it.
    /// @dev The market must be approved on the shares token for what is bought by the time it is
    /// bought. The fee bound works as for a listing. A fill of `amount` units costs
    /// `ceil(amount × pricePerShare / 10^18)` wei: rounded up, so that the seller is never paid less
    /// than the price asked for what they sell.
    /// @param tokenId The split twin, not decommissioned.
    /// @param amount How many share units to offer, at least 1 and at most what the caller holds now.
    /// @param pricePerShare The wei asked per whole share (10^18 units), greater than zero and at most
    /// `type(uint88).max`.
    /// @param expiresAt The first second at which it can no longer be bought; in the future and at
    /// most `MAX_LISTING_DURATION` away.
    /// @param maxFeeBps The highest protocol fee the seller agrees to.
    /// @return lotId The new lot's id, counting from 1.
    function listLot(uint256 tokenId, uint256 amount, uint256 pricePerShare, uint64 expiresAt, uint16 maxFeeBps)
        external
        returns (uint256 lotId)
    {
        (address holder, uint64 epoch, bool retired) = _custodyOf(tokenId);
        if (holder != address(vault)) revert NotSplit(tokenId);
        if (retired) revert TwinRetired(tokenId);
        if (amount == 0) revert ZeroAmount();
        address shares = vault.sharesOf(tokenId);
        if (shares == address(0)) revert NotSplit(tokenId);
        uint256 held = IERC20(shares).balanceOf(msg.sender);
        if (held < amount) revert InsufficientShares(tokenId, held, amount);
        if (pricePerShare == 0) revert ZeroPrice();
        if (pricePerShare > type(uint88).max) revert PriceTooHigh(pricePerShare, type(uint88).max);
        _checkListingExpiry(expiresAt);

        lotId = ++_lotCount;
        // Every narrowing is checked above or bounded: `amount` by a supply of at most 10^27 units,
        // `expiresAt` by the duration check, the id by the registry's count of twins.
        _lots[lotId] = Lot({
            seller: msg.sender,
            // forge-lint: disable-next-line(unsafe-typecast)
            remaining: uint96(amount),
            // forge-lint: disable-next-line(unsafe-typecast)
            pricePerShare: uint88(pricePerShare),
            // forge-lint: disable-next-line(unsafe-typecast)
            expiresAt: uint40(expiresAt),
            maxFeeBps: maxFeeBps,
            sellerNonce: _accounts[msg.sender].listingNonce,
            // forge-lint: disable-next-line(unsafe-typecast)
            splitEpoch: uint32(epoch >> 32),
            tokenId: tokenId.toUint40()
        });
        emit LotListed(lotId, tokenId, msg.sender, amount, pricePerShare, expiresAt, maxFeeBps);
    }

    /// @notice Buys `amount` units of a lot, paying exactly `ceil(amount × pricePerShare / 10^18)` wei;
    /// the shares are sent from the seller to the caller.
    /// @param lotId The lot.
    /// @param amount How many share units to buy: at least 1, at most what is left of the lot.
    function buyLot(uint256 lotId, uint256 amount) external payable nonReentrant {
        Lot memory lot = _lots[lotId];
        if (lot.remaining == 0) revert NoLot(lotId);
        // slither-disable-next-line timestamp
        if (block.timestamp >= lot.expiresAt) revert LotExpired(lotId, lot.expiresAt);
        if (amount == 0) revert ZeroAmount();
        if (amount > lot.remaining) revert LotAmountTooHigh(lotId, amount, lot.remaining);
        uint256 price = _lotPrice(amount, lot.pricePerShare);
        if (msg.value != price) revert WrongPayment(lot.tokenId, price, msg.value);
        (bool live, bool retired, IERC20 shares) = _lotState(lot);
        if (retired) revert TwinRetired(lot.tokenId);
        if (!live || !_canDeliver(shares, lot.seller, amount)) revert LotStale(lotId);
        if (msg.sender == lot.seller) revert BuyerIsSeller(lot.tokenId, msg.sender);

        // amount <= remaining, which fits 96 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint96 remaining = lot.remaining - uint96(amount);
        if (remaining == 0) delete _lots[lotId];
        else _lots[lotId].remaining = remaining;
        (address royaltyReceiver, uint256 royalty, uint256 fee) = _pay(lot.tokenId, lot.seller, price, lot.maxFeeBps);
        emit LotFilled(
            lotId, lot.tokenId, msg.sender, lot.seller, amount, price, royaltyReceiver, royalty, fee, remaining
        );

        // The seller is who listed the lot (the `msg.sender` of {listLot}), and approved this market
        // for the shares it sells: a fill moves nothing the seller did not offer.
        // slither-disable-next-line arbitrary-send-erc20
        shares.safeTransferFrom(lot.seller, msg.sender, amount);
    }

    /// @notice Withdraws a lot.
    /// @dev Anyone may remove a dead lot (expired, of a decommissioned or joined twin, or made before
    /// its seller cancelled all their listings); a live one only its seller may remove.
    /// @param lotId The lot.
    function cancelLot(uint256 lotId) external {
        Lot memory lot = _lots[lotId];
        if (lot.remaining == 0) revert NoLot(lotId);
        (bool live,,) = _lotState(lot);
        if (live && msg.sender != lot.seller) revert NotLotSeller(lotId, msg.sender, lot.seller);

        delete _lots[lotId];
        emit LotCancelled(lotId, lot.tokenId, msg.sender);
    }

    // ------------------------------------------------------------------------------------ payments

    /// @notice Sends the caller everything credited to them: sale proceeds, royalties, fees and
    /// refunded offers.
    function withdraw() external nonReentrant {
        _withdraw(payable(msg.sender));
    }

    /// @notice Sends everything credited to the caller to another address: for a payee, such as a
    /// contract without `receive()`, that cannot take ETH itself.
    /// @param to The recipient; not zero.
    function withdrawTo(address payable to) external nonReentrant {
        if (to == address(0)) revert ZeroRecipient();
        _withdraw(to);
    }

    // --------------------------------------------------------------------------------------- admin

    /// @notice Announces a new protocol fee, which {applyFee} puts in force after `CONFIG_DELAY`.
    /// Announcing again replaces the pending change and restarts the delay.
    /// @param newFeeBps The fee in basis points, at most `MAX_FEE_BPS`.
    function scheduleFee(uint16 newFeeBps) external onlyOwner {
        if (newFeeBps > MAX_FEE_BPS) revert FeeTooHigh(newFeeBps, MAX_FEE_BPS);
        uint64 effectiveAt = (block.timestamp + CONFIG_DELAY).toUint64();
        pendingFee = PendingFee({feeBps: newFeeBps, effectiveAt: effectiveAt});
        emit FeeChangeScheduled(_config.feeBps, newFeeBps, effectiveAt);
    }

    /// @notice Puts the announced fee in force once its delay has passed. Anyone may call it.
    /// @dev Listings made under the outgoing fee stay open for up to `MAX_LISTING_DURATION`, so the
    /// floor keeps the lowest fee of that span: the new one, or the lowest since before the last change.
    function applyFee() external {
        PendingFee memory pending = pendingFee;
        _checkDue(pending.effectiveAt);
        Config memory c = _config;
        uint16 floor = _feeFloor(c);
        if (pending.feeBps < floor) floor = pending.feeBps;
        delete pendingFee;
        emit FeeChanged(c.feeBps, pending.feeBps);
        _config = Config({
            treasury: c.treasury,
            feeBps: pending.feeBps,
            feeFloorBps: floor,
            // forge-lint: disable-next-line(unsafe-typecast)
            feeChangedAt: uint40(block.timestamp)
        });
    }

    /// @notice Announces a new treasury, which {applyTreasury} puts in force after `CONFIG_DELAY`.
    /// Announcing again replaces the pending change and restarts the delay.
    /// @param newTreasury The new treasury; must not be zero.
    function scheduleTreasury(address newTreasury) external onlyOwner {
        if (newTreasury == address(0)) revert ZeroTreasury();
        uint64 effectiveAt = (block.timestamp + CONFIG_DELAY).toUint64();
        pendingTreasury = PendingTreasury({treasury: newTreasury, effectiveAt: effectiveAt});
        emit TreasuryChangeScheduled(_config.treasury, newTreasury, effectiveAt);
    }

    /// @notice Puts the announced treasury in force once its delay has passed. Anyone may call it.
    function applyTreasury() external {
        PendingTreasury memory pending = pendingTreasury;
        _checkDue(pending.effectiveAt);
        delete pendingTreasury;
        emit TreasuryChanged(_config.treasury, pending.treasury);
        _config.treasury = pending.treasury;
    }

    // --------------------------------------------------------------------------------------- views

    /// @notice Where protocol fees are credited.
    /// @return The treasury.
    function treasury() external view returns (address) {
        return _config.treasury;
    }

    /// @notice The protocol fee in force, in basis points of the price.
    /// @return The fee.
    function feeBps() external view returns (uint16) {
        return _config.feeBps;
    }

    /// @notice The lowest fee bound a sale accepts right now: no listing still open can have been made
    /// under a lower fee. It equals {feeBps} until the fee changes, then for `MAX_LISTING_DURATION`
    /// after each change it is the lowest fee in force over that span.
    /// @return The floor, in basis points.
    function feeFloorBps() external view returns (uint16) {
        return _feeFloor(_config);
    }

    /// @notice The stored listing of a twin, live or dead; a zero price means there is none. Use
    /// {isBuyable} to know whether it can be bought.
    /// @param tokenId The twin.
    /// @return The listing.
    function listingOf(uint256 tokenId) external view returns (Listing memory) {
        return _listings[tokenId];
    }

    /// @notice Whether {buy} would succeed for a twin right now, for a buyer other than the seller
    /// paying the listed price (and able to receive the twin).
    /// @param tokenId The twin.
    /// @return True when its listing is live, its fee bound is not below {feeFloorBps} and this market
    /// is approved for it.
    function isBuyable(uint256 tokenId) external view returns (bool) {
        Listing memory l = _listings[tokenId];
        if (l.price == 0) return false;
        (address seller, bool live) = _liveSeller(tokenId, l);
        return live && l.maxFeeBps >= _feeFloor(_config)
            && (twins.isApprovedForAll(seller, address(this)) || twins.getApproved(tokenId) == address(this));
    }

    /// @notice A lot as stored, live or dead; a zero `remaining` means there is none. Use
    /// {isLotBuyable} to know whether it can be bought.
    /// @param lotId The lot.
    /// @return The lot.
    function lotOf(uint256 lotId) external view returns (Lot memory) {
        return _lots[lotId];
    }

    /// @notice How many lots were ever made; lot ids run from 1 to this number.
    /// @return The count.
    function lotCount() external view returns (uint256) {
        return _lotCount;
    }

    /// @notice Whether {buyLot} of `amount` units would succeed right now for a buyer other than the
    /// seller paying the price.
    /// @param lotId The lot.
    /// @param amount The units to buy.
    /// @return True when the lot is live, has `amount` left, its fee bound is not below {feeFloorBps},
    /// and its seller holds and has approved this market for `amount` units.
    function isLotBuyable(uint256 lotId, uint256 amount) external view returns (bool) {
        Lot memory lot = _lots[lotId];
        if (amount == 0 || amount > lot.remaining) return false;
        (bool live,, IERC20 shares) = _lotState(lot);
        return live && lot.maxFeeBps >= _feeFloor(_config) && _canDeliver(shares, lot.seller, amount);
    }

    /// @notice A bidder's open offer on a twin; a zero amount means there is none.
    /// @param tokenId The twin.
    /// @param bidder The bidder.
    /// @return amount The escrowed amount in wei.
    /// @return expiresAt The first second at which it can no longer be accepted.
    function offer(uint256 tokenId, address bidder) external view returns (uint256 amount, uint64 expiresAt) {
        Offer memory o = _offers[tokenId][bidder];
        return (o.amount, o.expiresAt);
    }

    /// @notice What an account can withdraw.
    /// @param account The payee.
    /// @return The credited amount in wei.
    function proceedsOf(address account) external view returns (uint256) {
        return _accounts[account].proceeds;
    }

    /// @notice The counter {cancelAllListings} moves; listings made under an earlier one are dead.
    /// @param seller The seller.
    /// @return The seller's current listing nonce.
    function listingNonceOf(address seller) external view returns (uint256) {
        return _accounts[seller].listingNonce;
    }

    // ------------------------------------------------------------------------------------ internal

    /// @dev The sale of a whole twin: {_pay}, announced.
    function _sell(uint256 tokenId, address seller, address buyer, uint256 price, uint16 maxFeeBps, SaleKind kind)
        private
    {
        (address royaltyReceiver, uint256 royalty, uint256 fee) = _pay(tokenId, seller, price, maxFeeBps);
        emit Sold(tokenId, seller, buyer, price, royaltyReceiver, royalty, fee, kind);
    }

    /// @dev Splits `price` between royalty receiver, treasury and seller and credits them. The fee is
    /// the lower of the one in force and the seller's bound, which must not be below the floor. The
    /// royalty is the twin's ERC-2981 royalty on `price`: on a lot's fill, pro rata to the shares sold.
    function _pay(uint256 tokenId, address seller, uint256 price, uint16 maxFeeBps)
        private
        returns (address royaltyReceiver, uint256 royalty, uint256 fee)
    {
        Config memory c = _config;
        uint16 floor = _feeFloor(c);
        if (maxFeeBps < floor) revert FeeBoundTooLow(maxFeeBps, floor);
        uint256 appliedFeeBps = c.feeBps < maxFeeBps ? c.feeBps : maxFeeBps;
        (royaltyReceiver, royalty) = twins.royaltyInfo(tokenId, price);
        // A royalty without a receiver would be credited to nobody; it stays with the seller instead.
        if (royaltyReceiver == address(0)) royalty = 0;
        uint256 sellerAmount;
        // price < 2^185 (a listing's is a uint96, an offer's a uint128, a fill's at most a uint96
        // amount times a uint88 price) and appliedFeeBps < 2^16, so the product cannot overflow, and
        // with appliedFeeBps <= MAX_FEE_BPS, fee <= price. The royalty is compared by subtraction, so
        // an absurd one cannot overflow either, and once it passes, the seller's share cannot underflow.
        unchecked {
            fee = price * appliedFeeBps / _BPS_DENOMINATOR;
            if (royalty > price - fee) revert FeesExceedPrice(price, royalty, fee);
            sellerAmount = price - fee - royalty;
        }

        _credit(royaltyReceiver, royalty);
        _credit(c.treasury, fee);
        _credit(seller, sellerAmount);
    }

    function _credit(address payee, uint256 amount) private {
        // A zero credit would only cost a storage write; an amount, not a balance or a time.
        // slither-disable-next-line incorrect-equality
        if (amount == 0) return;
        // Every credit is ether paid into this contract, so the sum fits in 128 bits.
        _accounts[payee].proceeds += amount.toUint128();
    }

    function _withdraw(address payable to) private {
        uint256 amount = _accounts[msg.sender].proceeds;
        if (amount == 0) revert NothingToWithdraw(msg.sender);

        _accounts[msg.sender].proceeds = 0;
        emit Withdrawn(msg.sender, to, amount);

        // A plain call forwards all gas, so that contract wallets (multisigs, smart accounts) can
        // receive; the nonReentrant guard and the zeroed balance above make that safe.
        // slither-disable-next-line low-level-calls,arbitrary-send-eth
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert WithdrawFailed(to, amount);
    }

    /// @dev A listing open now was made less than `MAX_LISTING_DURATION` ago. If the fee last changed
    /// longer ago than that, every such listing was made under the fee in force; otherwise under one
    /// that the stored floor is at most.
    function _feeFloor(Config memory c) private view returns (uint16) {
        // slither-disable-next-line timestamp
        return block.timestamp - c.feeChangedAt >= MAX_LISTING_DURATION ? c.feeBps : c.feeFloorBps;
    }

    /// @dev Writes a listing as one word, in the layout of {Listing}. Assigning the struct costs some
    /// 1,600 gas more (the compiler reads the slot back for every field), which {list}'s budget has no
    /// room for. `price` fits 96 bits and `expiresAt` 40, as {list} checked; the narrow types are
    /// masked because assembly sees their unused high bits as they come.
    function _storeListing(
        uint256 tokenId,
        uint256 price,
        uint64 expiresAt,
        uint64 epoch,
        uint16 maxFeeBps,
        uint40 sellerNonce
    ) private {
        Listing storage l = _listings[tokenId];
        assembly ("memory-safe") {
            sstore(
                l.slot,
                or(
                    or(
                        or(or(price, shl(96, and(expiresAt, 0xffffffffff))), shl(136, and(epoch, 0xffffffffffffffff))),
                        shl(200, and(maxFeeBps, 0xffff))
                    ),
                    shl(216, and(sellerNonce, 0xffffffffff))
                )
            )
        }
    }

    /// @dev {ITwins.custodyOf} without the ABI round trip through free memory: arguments and results
    /// go through the scratch space, and the free memory pointer, overwritten by the third result word,
    /// is restored. A revert of the registry (an unknown twin) is bubbled up as it is.
    function _custodyOf(uint256 tokenId) private view returns (address owner, uint64 epoch, bool retired) {
        ITwins t = twins;
        bytes4 selector = ITwins.custodyOf.selector;
        assembly ("memory-safe") {
            let fmp := mload(0x40)
            mstore(0x00, and(selector, shl(224, 0xffffffff)))
            mstore(0x04, tokenId)
            if iszero(staticcall(gas(), t, 0x00, 0x24, 0x00, 0x60)) {
                returndatacopy(fmp, 0x00, returndatasize())
                revert(fmp, returndatasize())
            }
            if lt(returndatasize(), 0x60) { revert(0x00, 0x00) }
            owner := and(mload(0x00), 0xffffffffffffffffffffffffffffffffffffffff)
            epoch := and(mload(0x20), 0xffffffffffffffff)
            retired := iszero(iszero(mload(0x40)))
            mstore(0x40, fmp)
        }
    }

    /// @dev A listing's or a lot's expiry: in the future, and at most `MAX_LISTING_DURATION` away.
    /// Expiries are meant in hours or days; a validator's few seconds of timestamp drift do not matter.
    function _checkListingExpiry(uint64 expiresAt) private view {
        // slither-disable-next-line timestamp
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt, block.timestamp);
        // slither-disable-next-line timestamp
        if (expiresAt > block.timestamp + MAX_LISTING_DURATION) {
            revert ExpiryTooFar(expiresAt, block.timestamp + MAX_LISTING_DURATION);
        }
    }

    /// @dev What `amount` units of a lot cost: rounded up, so that the seller is never short-changed.
    /// At most a uint96 times a uint88: no overflow.
    function _lotPrice(uint256 amount, uint256 pricePerShare) private pure returns (uint256) {
        return (amount * pricePerShare + 1e18 - 1) / 1e18;
    }

    /// @dev Whether `lot` is live (unexpired, of a twin not decommissioned that the vault still holds
    /// under the split the lot was made in, made under its seller's current listing nonce), whether
    /// its twin is decommissioned, and the twin's shares token.
    function _lotState(Lot memory lot) private view returns (bool live, bool retired, IERC20 shares) {
        (address holder, uint64 epoch, bool isRetired) = _custodyOf(lot.tokenId);
        retired = isRetired;
        // The high half of a 64-bit epoch fits 32 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 splitEpoch = uint32(epoch >> 32);
        // slither-disable-next-line timestamp
        live = !retired && holder == address(vault) && splitEpoch == lot.splitEpoch && block.timestamp < lot.expiresAt
            && _accounts[lot.seller].listingNonce == lot.sellerNonce;
        if (live) shares = IERC20(vault.sharesOf(lot.tokenId));
    }

    /// @dev Whether `seller` holds `amount` units of `shares` and has approved this market for them.
    function _canDeliver(IERC20 shares, address seller, uint256 amount) private view returns (bool) {
        return shares.balanceOf(seller) >= amount && shares.allowance(seller, address(this)) >= amount;
    }

    function _checkDue(uint64 effectiveAt) private view {
        // Zero is the "nothing announced" marker, not a time that could be skewed.
        // slither-disable-next-line incorrect-equality
        if (effectiveAt == 0) revert NoPendingChange();
        // slither-disable-next-line timestamp
        if (block.timestamp < effectiveAt) revert ChangeNotDue(effectiveAt, block.timestamp);
    }

    /// @dev The owner of a listed twin, and whether its listing `l` is live: unexpired, of a twin not
    /// decommissioned, made under its current custody epoch and its owner's current listing nonce.
    /// An unknown twin (`custodyOf` reverts) has a dead listing and no owner.
    function _liveSeller(uint256 tokenId, Listing memory l) private view returns (address owner, bool live) {
        try twins.custodyOf(tokenId) returns (address current, uint64 epoch, bool retired) {
            owner = current;
            // slither-disable-next-line timestamp
            live = !retired && epoch == l.epoch && block.timestamp < l.expiresAt
                && _accounts[current].listingNonce == l.sellerNonce;
        } catch {
            return (address(0), false);
        }
    }
}
