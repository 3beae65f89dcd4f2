// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title TwinMarket
/// @notice Fixed-price listings and escrowed, expiring ETH offers for HashTwin twins. Every sale pays
/// the twin's ERC-2981 royalty and the protocol fee, and every payment is credited here and pulled with
/// {withdraw}: a payee that cannot or will not receive ETH can never block a sale.
/// @dev The market never holds twins. Sellers keep their token until the sale and approve this
/// contract; a listing is only a price, so it goes stale when the token or the approval moves.
/// `address(this).balance == totalEscrowed() + totalProceeds()` holds at all times, except for ETH
/// forced in without a call (selfdestruct, coinbase), which only makes the balance larger.
/// Credits are not announced one by one: {Sold} names the royalty receiver with `royalty`, the
/// treasury (see {TreasuryChanged}) gets `fee` and the seller `price - royalty - fee`; {OfferCancelled}
/// credits its bidder with `amount`.
contract TwinMarket is Ownable, ReentrancyGuardTransient {
    using SafeCast for uint256;

    /// @notice How a sale came about, so the UI can tell a purchase from an accepted offer.
    enum SaleKind {
        Listing,
        Offer
    }

    /// @dev One slot, so that listing costs one write and buying one read. uint96 holds some 79
    /// billion ether, far above all the ether there is.
    struct Listing {
        address seller;
        uint96 price;
    }

    /// @dev One slot, for the same reason; an amount is ether held here, so uint128 cannot overflow.
    struct Offer {
        uint128 amount;
        uint64 expiresAt;
    }

    /// @dev Both totals in one slot, so that a sale out of escrow updates them with one write.
    struct Totals {
        uint128 escrowed;
        uint128 proceeds;
    }

    /// @notice The highest protocol fee, in basis points (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;

    uint256 private constant _BPS_DENOMINATOR = 10_000;

    /// @notice The TwinRegistry whose tokens are traded here; it also answers ERC-2981 royalty queries.
    IERC721 public immutable twins;

    /// @notice Where protocol fees are credited.
    address public treasury;

    /// @notice The protocol fee on every sale, in basis points of the price.
    uint16 public feeBps;

    Totals private _totals;
    mapping(uint256 tokenId => Listing) private _listings;
    mapping(uint256 tokenId => mapping(address bidder => Offer)) private _offers;
    mapping(address account => uint256) private _proceeds;

    /// @notice `seller` listed (or re-priced) `tokenId` at `price` wei.
    event Listed(uint256 indexed tokenId, address indexed seller, uint256 price);

    /// @notice The listing of `tokenId` by `seller` was withdrawn by `by` (the seller, or anyone once it
    /// was stale). A sale also ends the listing of its token, without this event.
    event ListingCancelled(uint256 indexed tokenId, address indexed seller, address indexed by);

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

    /// @notice `payee` withdrew `amount` wei.
    event Withdrawn(address indexed payee, uint256 amount);

    /// @notice The protocol fee changed from `oldFeeBps` to `newFeeBps`.
    event FeeChanged(uint16 oldFeeBps, uint16 newFeeBps);

    /// @notice Fees are now credited to `newTreasury`; what `oldTreasury` was credited stays theirs.
    event TreasuryChanged(address indexed oldTreasury, address indexed newTreasury);

    error ZeroTwins();
    error ZeroTreasury();
    error FeeTooHigh(uint16 feeBps, uint16 maxBps);
    error ZeroPrice();
    error PriceTooHigh(uint256 price, uint256 maxPrice);
    error ZeroValue();
    error NotTokenOwner(uint256 tokenId, address caller, address owner);
    error MarketNotApproved(uint256 tokenId);
    error NotListed(uint256 tokenId);
    error NotSeller(uint256 tokenId, address caller, address seller);
    error ListingStale(uint256 tokenId, address seller, address currentOwner);
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
    error NothingToWithdraw(address account);
    error WithdrawFailed(address account, uint256 amount);

    /// @param twins_ The TwinRegistry; it must implement ERC-2981 as well as ERC-721.
    /// @param initialOwner The admin who may change the fee and the treasury.
    /// @param treasury_ Where protocol fees are credited; must not be zero.
    /// @param feeBps_ The protocol fee, at most `MAX_FEE_BPS`.
    constructor(IERC721 twins_, address initialOwner, address treasury_, uint16 feeBps_) Ownable(initialOwner) {
        if (address(twins_) == address(0)) revert ZeroTwins();
        if (treasury_ == address(0)) revert ZeroTreasury();
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        twins = twins_;
        treasury = treasury_;
        feeBps = feeBps_;
        // Announced like later changes, so an indexer can follow fee and treasury from events alone.
        emit TreasuryChanged(address(0), treasury_);
        emit FeeChanged(0, feeBps_);
    }

    // ------------------------------------------------------------------------------------ listings

    /// @notice Lists one of the caller's twins at a fixed price, or re-prices an existing listing.
    /// @dev The caller must have approved this market for the token (or for all their tokens).
    /// @param tokenId The twin to sell.
    /// @param price The price in wei, greater than zero and at most `type(uint96).max`.
    function list(uint256 tokenId, uint256 price) external {
        address owner = twins.ownerOf(tokenId);
        if (owner != msg.sender) revert NotTokenOwner(tokenId, msg.sender, owner);
        if (!_marketApproved(owner, tokenId)) revert MarketNotApproved(tokenId);
        if (price == 0) revert ZeroPrice();
        if (price > type(uint96).max) revert PriceTooHigh(price, type(uint96).max);

        // Overwriting is deliberate: a previous owner's listing is dead anyway, and the current
        // owner's is simply re-priced.
        // forge-lint: disable-next-line(unsafe-typecast)
        _listings[tokenId] = Listing({seller: msg.sender, price: uint96(price)});
        emit Listed(tokenId, msg.sender, price);
    }

    /// @notice Withdraws the listing of a twin.
    /// @dev Anyone may remove a listing whose seller no longer owns the token, so that dead listings
    /// do not linger in the UI; a live one only its seller may remove.
    /// @param tokenId The listed twin.
    function cancelListing(uint256 tokenId) external {
        address seller = _listings[tokenId].seller;
        if (seller == address(0)) revert NotListed(tokenId);
        if (msg.sender != seller && _ownerOrZero(tokenId) == seller) {
            revert NotSeller(tokenId, msg.sender, seller);
        }

        delete _listings[tokenId];
        emit ListingCancelled(tokenId, seller, msg.sender);
    }

    /// @notice Buys a listed twin, paying exactly its price; the twin is sent with `safeTransferFrom`.
    /// @param tokenId The listed twin.
    function buy(uint256 tokenId) external payable nonReentrant {
        Listing memory l = _listings[tokenId];
        if (l.seller == address(0)) revert NotListed(tokenId);
        if (msg.sender == l.seller) revert BuyerIsSeller(tokenId, msg.sender);
        // Exact, not "at least": an overpayment would have to be refunded or silently kept.
        if (msg.value != l.price) revert WrongPayment(tokenId, l.price, msg.value);
        address owner = twins.ownerOf(tokenId);
        if (owner != l.seller) revert ListingStale(tokenId, l.seller, owner);
        if (!_marketApproved(owner, tokenId)) revert MarketNotApproved(tokenId);

        delete _listings[tokenId];
        _totals.proceeds += l.price;
        _settle(tokenId, l.seller, msg.sender, l.price, SaleKind.Listing);

        twins.safeTransferFrom(l.seller, msg.sender, tokenId);
    }

    // -------------------------------------------------------------------------------------- offers

    /// @notice Offers `msg.value` wei for a twin, held here in escrow until the offer is accepted or
    /// cancelled. One open offer per bidder and twin; use {raiseOffer} to add to it.
    /// @param tokenId The twin bid on; it must exist and not be the caller's.
    /// @param expiresAt The first second at which the offer can no longer be accepted; in the future.
    function makeOffer(uint256 tokenId, uint64 expiresAt) external payable nonReentrant {
        if (msg.value == 0) revert ZeroValue();
        // Expiries are meant in hours or days; a validator's few seconds of timestamp drift do not matter.
        // slither-disable-next-line timestamp
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt, block.timestamp);
        if (twins.ownerOf(tokenId) == msg.sender) revert BidderIsOwner(tokenId, msg.sender);
        if (_offers[tokenId][msg.sender].amount != 0) revert OfferExists(tokenId, msg.sender);

        uint128 amount = msg.value.toUint128();
        _offers[tokenId][msg.sender] = Offer({amount: amount, expiresAt: expiresAt});
        _totals.escrowed += amount;
        emit OfferMade(tokenId, msg.sender, msg.value, expiresAt);
    }

    /// @notice Adds `msg.value` wei to the caller's open offer on a twin and may push its expiry later.
    /// @dev Raising an expired offer revives it, since the new expiry must lie in the future.
    /// @param tokenId The twin bid on.
    /// @param expiresAt The new expiry: not earlier than the current one, and in the future.
    function raiseOffer(uint256 tokenId, uint64 expiresAt) external payable nonReentrant {
        Offer memory o = _offers[tokenId][msg.sender];
        if (o.amount == 0) revert NoOffer(tokenId, msg.sender);
        if (msg.value == 0) revert ZeroValue();
        if (expiresAt < o.expiresAt) revert ExpiryShortened(o.expiresAt, expiresAt);
        // slither-disable-next-line timestamp
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt, block.timestamp);

        uint128 added = msg.value.toUint128();
        uint128 amount = o.amount + added;
        _offers[tokenId][msg.sender] = Offer({amount: amount, expiresAt: expiresAt});
        _totals.escrowed += added;
        emit OfferRaised(tokenId, msg.sender, msg.value, amount, expiresAt);
    }

    /// @notice Withdraws the caller's offer on a twin, expired or not, and credits its amount back to
    /// them; collect it with {withdraw}.
    /// @param tokenId The twin bid on.
    function cancelOffer(uint256 tokenId) external nonReentrant {
        uint128 amount = _offers[tokenId][msg.sender].amount;
        if (amount == 0) revert NoOffer(tokenId, msg.sender);

        delete _offers[tokenId][msg.sender];
        _moveEscrowToProceeds(amount);
        emit OfferCancelled(tokenId, msg.sender, amount);
        _credit(msg.sender, amount);
    }

    /// @notice Sells one of the caller's twins to a bidder at their escrowed offer. Also ends any
    /// listing of the twin.
    /// @dev `amount` pins the offer the owner saw: a bidder who cancels and re-offers less in between
    /// makes the acceptance revert instead of selling for less.
    /// @param tokenId The caller's twin; this market must be approved for it.
    /// @param bidder Whose offer to accept.
    /// @param amount The offer's current amount, as the caller expects it.
    function acceptOffer(uint256 tokenId, address bidder, uint256 amount) external nonReentrant {
        address owner = twins.ownerOf(tokenId);
        if (owner != msg.sender) revert NotTokenOwner(tokenId, msg.sender, owner);
        if (bidder == msg.sender) revert BidderIsOwner(tokenId, bidder);
        if (!_marketApproved(owner, tokenId)) revert MarketNotApproved(tokenId);
        Offer memory o = _offers[tokenId][bidder];
        if (o.amount == 0) revert NoOffer(tokenId, bidder);
        // slither-disable-next-line timestamp
        if (block.timestamp >= o.expiresAt) revert OfferExpired(tokenId, bidder, o.expiresAt);
        if (amount != o.amount) revert OfferAmountMismatch(tokenId, bidder, amount, o.amount);

        delete _offers[tokenId][bidder];
        delete _listings[tokenId];
        _moveEscrowToProceeds(o.amount);
        emit OfferAccepted(tokenId, bidder, owner, o.amount);
        _settle(tokenId, owner, bidder, o.amount, SaleKind.Offer);

        twins.safeTransferFrom(owner, bidder, tokenId);
    }

    // ------------------------------------------------------------------------------------ payments

    /// @notice Sends the caller everything credited to them: sale proceeds, royalties, fees and
    /// refunded offers.
    function withdraw() external nonReentrant {
        uint256 amount = _proceeds[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);

        _proceeds[msg.sender] = 0;
        // Every credit was added to the total too, so it holds at least `amount`, which fits in 128 bits.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast)
            _totals.proceeds -= uint128(amount);
        }
        emit Withdrawn(msg.sender, amount);

        // A plain call forwards all gas, so that contract wallets (multisigs, smart accounts) can
        // receive; the nonReentrant guard and the zeroed balance above make that safe.
        // slither-disable-next-line low-level-calls
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert WithdrawFailed(msg.sender, amount);
    }

    // --------------------------------------------------------------------------------------- admin

    /// @notice Sets the protocol fee for sales from now on.
    /// @param newFeeBps The fee in basis points, at most `MAX_FEE_BPS`.
    function setFee(uint16 newFeeBps) external onlyOwner {
        if (newFeeBps > MAX_FEE_BPS) revert FeeTooHigh(newFeeBps, MAX_FEE_BPS);
        emit FeeChanged(feeBps, newFeeBps);
        feeBps = newFeeBps;
    }

    /// @notice Sets where future protocol fees are credited.
    /// @param newTreasury The new treasury; must not be zero.
    function setTreasury(address newTreasury) external onlyOwner {
        if (newTreasury == address(0)) revert ZeroTreasury();
        emit TreasuryChanged(treasury, newTreasury);
        treasury = newTreasury;
    }

    // --------------------------------------------------------------------------------------- views

    /// @notice The listing of a twin; a zero seller means it is not listed.
    /// @param tokenId The twin.
    /// @return seller Who listed it.
    /// @return price The asking price in wei.
    function listing(uint256 tokenId) external view returns (address seller, uint256 price) {
        Listing memory l = _listings[tokenId];
        return (l.seller, l.price);
    }

    /// @notice Whether {buy} would succeed for a twin right now, for a buyer other than the seller
    /// paying the listed price.
    /// @param tokenId The twin.
    /// @return True when it is listed, its seller still owns it and this market is still approved.
    function isBuyable(uint256 tokenId) external view returns (bool) {
        address seller = _listings[tokenId].seller;
        return seller != address(0) && _ownerOrZero(tokenId) == seller && _marketApproved(seller, tokenId);
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
        return _proceeds[account];
    }

    /// @notice The sum of all open offers, expired ones included until they are cancelled.
    /// @return The escrowed amount in wei.
    function totalEscrowed() external view returns (uint256) {
        return _totals.escrowed;
    }

    /// @notice The sum of all credited, not yet withdrawn amounts.
    /// @return The credited amount in wei.
    function totalProceeds() external view returns (uint256) {
        return _totals.proceeds;
    }

    // ------------------------------------------------------------------------------------ internal

    /// @dev Splits `price` between royalty receiver, treasury and seller and credits them. The caller
    /// has already added `price` to the proceeds total, so the three credits must add up to it exactly.
    function _settle(uint256 tokenId, address seller, address buyer, uint256 price, SaleKind kind) private {
        (address royaltyReceiver, uint256 royalty) = IERC2981(address(twins)).royaltyInfo(tokenId, price);
        // A royalty without a receiver would be credited to nobody; it stays with the seller instead.
        if (royaltyReceiver == address(0)) royalty = 0;
        uint256 fee;
        uint256 sellerAmount;
        // price < 2^128 (a listing's is a uint96, an offer's a uint128) and feeBps <= 1000, so the
        // product cannot overflow, and fee <= price. The royalty is compared by subtraction, so an
        // absurd one cannot overflow either, and once it passes, the seller's share cannot underflow.
        unchecked {
            fee = price * feeBps / _BPS_DENOMINATOR;
            if (royalty > price - fee) revert FeesExceedPrice(price, royalty, fee);
            sellerAmount = price - fee - royalty;
        }

        emit Sold(tokenId, seller, buyer, price, royaltyReceiver, royalty, fee, kind);
        _credit(royaltyReceiver, royalty);
        _credit(treasury, fee);
        _credit(seller, sellerAmount);
    }

    function _credit(address payee, uint256 amount) private {
        // A zero credit would only cost a storage read.
        if (amount == 0) return;
        _proceeds[payee] += amount;
    }

    /// @dev An offer's amount leaves escrow and becomes withdrawable, by a sale or a cancellation.
    function _moveEscrowToProceeds(uint128 amount) private {
        Totals memory t = _totals;
        _totals = Totals({escrowed: t.escrowed - amount, proceeds: t.proceeds + amount});
    }

    function _marketApproved(address owner, uint256 tokenId) private view returns (bool) {
        return twins.isApprovedForAll(owner, address(this)) || twins.getApproved(tokenId) == address(this);
    }

    /// @dev `ownerOf` reverts for a token that does not exist (burnt, should the registry ever allow
    /// it); views and stale-listing clean-up treat that as "owned by nobody" instead.
    function _ownerOrZero(uint256 tokenId) private view returns (address) {
        try twins.ownerOf(tokenId) returns (address owner) {
            return owner;
        } catch {
            return address(0);
        }
    }
}
