// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {TwinRegistry} from "../src/TwinRegistry.sol";
import {DemoRigs} from "./utils/DemoRigs.sol";

contract TwinRegistryTest is Test {
    TwinRegistry internal registry;
    address internal operator = makeAddr("operator");
    address internal reporter = makeAddr("reporter");

    event TwinMinted(
        uint256 indexed tokenId,
        address indexed operator,
        address reporter,
        uint96 royaltyBps,
        TwinRegistry.RigSpec spec
    );

    function setUp() public {
        registry = new TwinRegistry();
    }

    function mintAs(address who, TwinRegistry.RigSpec memory spec, uint96 royaltyBps) internal returns (uint256) {
        vm.prank(who);
        return registry.mint(spec, reporter, royaltyBps);
    }

    function test_mint_assignsOwnerOperatorReporterAndSpec() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 500);

        assertEq(id, 1);
        assertEq(registry.totalSupply(), 1);
        assertEq(registry.ownerOf(id), operator);
        assertEq(registry.operatorOf(id), operator);
        assertEq(registry.reporterOf(id), reporter);
        assertEq(registry.tokenOfSerial(keccak256("SN-1")), id);
        TwinRegistry.RigSpec memory spec = registry.specOf(id);
        assertEq(spec.model, "Antminer S21");
        assertEq(spec.hashrateGhs, 200_000);
        assertEq(spec.powerWatts, 3_500);
    }

    function test_mint_emitsTwinMintedWithSpec() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-1");
        vm.expectEmit(address(registry));
        emit TwinMinted(1, operator, reporter, 250, spec);
        mintAs(operator, spec, 250);
    }

    function test_mint_setsRoyaltyToOperator() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 750);
        (address receiver, uint256 amount) = registry.royaltyInfo(id, 1 ether);
        assertEq(receiver, operator);
        assertEq(amount, 0.075 ether);
    }

    function test_mint_countsIdsFromOne() public {
        assertEq(mintAs(operator, DemoRigs.s21("SN-1"), 0), 1);
        assertEq(mintAs(operator, DemoRigs.s21("SN-2"), 0), 2);
        assertEq(registry.totalSupply(), 2);
    }

    function test_mint_revertsOnDuplicateSerial() public {
        mintAs(operator, DemoRigs.s21("SN-1"), 0);
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.SerialAlreadyRegistered.selector, keccak256("SN-1"), 1));
        mintAs(makeAddr("someone else"), DemoRigs.s21("SN-1"), 0);
    }

    function test_mint_revertsOnEmptyManufacturer() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-1");
        spec.manufacturer = "";
        vm.expectRevert(TwinRegistry.EmptyManufacturer.selector);
        mintAs(operator, spec, 0);
    }

    function test_mint_revertsOnEmptyModel() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-1");
        spec.model = "";
        vm.expectRevert(TwinRegistry.EmptyModel.selector);
        mintAs(operator, spec, 0);
    }

    function test_mint_revertsOnEmptySerial() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-1");
        spec.serialHash = bytes32(0);
        vm.expectRevert(TwinRegistry.EmptySerial.selector);
        mintAs(operator, spec, 0);
    }

    function test_mint_revertsOnZeroHashrate() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-1");
        spec.hashrateGhs = 0;
        vm.expectRevert(TwinRegistry.ZeroHashrate.selector);
        mintAs(operator, spec, 0);
    }

    function test_mint_revertsOnZeroPower() public {
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("SN-1");
        spec.powerWatts = 0;
        vm.expectRevert(TwinRegistry.ZeroPower.selector);
        mintAs(operator, spec, 0);
    }

    function test_mint_revertsOnZeroReporter() public {
        vm.expectRevert(TwinRegistry.ZeroReporter.selector);
        vm.prank(operator);
        registry.mint(DemoRigs.s21("SN-1"), address(0), 0);
    }

    function test_mint_revertsOnRoyaltyOverMaximum() public {
        vm.expectRevert(abi.encodeWithSelector(TwinRegistry.RoyaltyTooHigh.selector, 1_001, 1_000));
        mintAs(operator, DemoRigs.s21("SN-1"), 1_001);
    }

    function test_views_revertForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.specOf(7);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.operatorOf(7);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        registry.reporterOf(7);
    }

    function test_transfer_keepsOperatorAndReporter() public {
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), 0);
        address investor = makeAddr("investor");
        vm.prank(operator);
        registry.transferFrom(operator, investor, id);

        assertEq(registry.ownerOf(id), investor);
        assertEq(registry.operatorOf(id), operator);
        assertEq(registry.reporterOf(id), reporter);
    }

    function test_supportsInterface_erc721AndErc2981() public view {
        assertTrue(registry.supportsInterface(0x80ac58cd));
        assertTrue(registry.supportsInterface(0x2a55205a));
        assertFalse(registry.supportsInterface(0xdeadbeef));
    }

    function testFuzz_mint_royaltyWithinBoundIsStored(uint96 royaltyBps, uint256 salePrice) public {
        royaltyBps = uint96(bound(royaltyBps, 0, registry.MAX_ROYALTY_BPS()));
        salePrice = bound(salePrice, 0, 1e30);
        uint256 id = mintAs(operator, DemoRigs.s21("SN-1"), royaltyBps);
        (, uint256 amount) = registry.royaltyInfo(id, salePrice);
        assertEq(amount, salePrice * royaltyBps / 10_000);
    }

    function testFuzz_mint_distinctSerialsGetDistinctTokens(bytes32 a, bytes32 b) public {
        vm.assume(a != b && a != bytes32(0) && b != bytes32(0));
        TwinRegistry.RigSpec memory spec = DemoRigs.s21("");
        spec.serialHash = a;
        uint256 first = mintAs(operator, spec, 0);
        spec.serialHash = b;
        uint256 second = mintAs(operator, spec, 0);
        assertEq(registry.tokenOfSerial(a), first);
        assertEq(registry.tokenOfSerial(b), second);
        assertTrue(first != second);
    }
}
