package tkeys

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/principal"
)

// Published derivation test vectors. Sources (all public):
//   - DFINITY's ic-pub-key repository, test/samples.json (derivations
//     recorded on mainnet through the chain fusion signer) and the
//     mainnet_derivation / pocketic_derivation tests of src/ecdsa and
//     src/schnorr, with the master public keys of key_1 and test_key_1 on
//     mainnet and of key_1, test_key_1, dfx_test_key in PocketIC;
//   - DFINITY's vetkeys repository, backend/rs/ic_vetkeys/tests/utils.rs.

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// samplePath splits a samples.json derivation path ("2/444/66666"); every
// element there is plain ASCII.
func samplePath(s string) [][]byte {
	if s == "" {
		return nil
	}
	var p [][]byte
	for _, e := range strings.Split(s, "/") {
		p = append(p, []byte(e))
	}
	return p
}

// canisterPath is the IC's full derivation path: the canister id, then the
// caller's path.
func canisterPath(t *testing.T, canister string, path ...[]byte) [][]byte {
	t.Helper()
	p, err := principal.Decode(canister)
	require.NoError(t, err)
	return append([][]byte{p.Bytes()}, path...)
}

func words(s string) [][]byte { return samplePath(strings.ReplaceAll(s, " ", "/")) }

type extendedVector struct {
	name, pub, chain, path, wantPub, wantChain string
}

// samples.json: ecdsa/secp256k1 and schnorr/bip340secp256k1 use the same
// derivation. The "null" path of the first vector is the empty path; "/"
// is two empty elements.
var secp256k1Samples = []extendedVector{
	{"ecdsa null", "02b84ff3f88329a887657d0309bd1a1af9e37601e5d1a535d6fe7d42e37f79f40a", "212891bc032f28d369bacf39dc369feb516eced9a3d83498246aead1546f8cd1", "",
		"02b84ff3f88329a887657d0309bd1a1af9e37601e5d1a535d6fe7d42e37f79f40a", "212891bc032f28d369bacf39dc369feb516eced9a3d83498246aead1546f8cd1"},
	{"ecdsa canister 123456", "02b84ff3f88329a887657d0309bd1a1af9e37601e5d1a535d6fe7d42e37f79f40a", "212891bc032f28d369bacf39dc369feb516eced9a3d83498246aead1546f8cd1", "2/444/66666",
		"024bf78e40bb51d2c6c14c11aa8f3af1549741de5acdf925e6dc230dfc5daa22d9", "bc35b8515f03aa1543081e2af4e878f28b27f3ce00c035f4068702d33ee88586"},
	{"ecdsa caller 123456", "0291f38cada7f498d467a18527dc6706b6343b124062776a9996077820d2c76be2", "9cfbcc11fbc2d401c3719785c31840a2bad151baf28c3795bc63f5fbc9cb26d7", "2/444/66666",
		"024279ea3e07582bd07388725255b3806276f2997323cedbcfa78fea658740c8a2", "1b2cfa6fa9720fe41c730761d804577bdce4ec93098e44a4dc78746b4e8d2c5d"},
	{"ecdsa caller bungee", "0291f38cada7f498d467a18527dc6706b6343b124062776a9996077820d2c76be2", "9cfbcc11fbc2d401c3719785c31840a2bad151baf28c3795bc63f5fbc9cb26d7", "bungee",
		"02cc48da88c3b372cb5d5ac2665c92da65714de07ad148a5a838bb5e95fbddb591", "2dfe858431260fefb8b8093cfbf69bd1428c08757eee9131b901f9010238703b"},
	{"ecdsa caller blanketyblank", "0291f38cada7f498d467a18527dc6706b6343b124062776a9996077820d2c76be2", "9cfbcc11fbc2d401c3719785c31840a2bad151baf28c3795bc63f5fbc9cb26d7", "/",
		"03e204c5244fc5a7a98be3d643fca87b3f0b73db55cdd23abb197c191c89e4bfc6", "f28e1c6f888684f2a46ab564e648e08a45e27b2d5b7b799ffd6adbd424dc643f"},
	{"bip340 canister", "030466da666fe067f52cb5337a72e7722123ab3fc82f92b8a5f92b89d0e9bbd6e1", "8b51936ff7862e556e31f1116a657469f00083497062db2e8ee9573e3346a83a", "2/444/66666",
		"0329d1f060d8225b2547abd7b7cdccc56ea675cfacd46a75863bd98d9a5dcafca7", "4741d01b413e340d0a253e8adf860fd28cea1eebfad71493bac7476e6d20b1ab"},
	{"bip340 caller", "03d81a2def33c99ce5e60138d66e68474ab3560ee26882c26ea790bf6ecfa2a213", "4698afadc51f3b38434e66f35ae73d37347446cf0a0bcbda43ed7a7e0cd9efa7", "2/444/66666",
		"024e1e180ae1a1b685a5834e40ecd239e1624bd2a8bdee4e7f0fa70e8de9804765", "2e04ed5006d04725fea1508a00c35da2f033b39d8a8ab3d86d0b66ed347656ce"},
}

var ed25519Samples = []extendedVector{
	{"caller", "5dc497e58f2eaaa2acb80f8f235e754ea243ab2c1d5683d55eec5b3275b31691", "96094ba65eb8d6e71797b837a27bf175d8ad2828fa508fab3d57041550dc0334", "2/444/66666",
		"d41c15e8f8f718ada435d38c96a8f04ca342e70c9396642bc2c1c08da8cc0406", "541a8e8b26c80efcb462d036e88ae6e66e46876e3deceb2c54ddfecc94e2a1aa"},
	{"canister", "da38b16641af7626e372070ff9f844b7c89d1012850d2198393849d79d3d2d5d", "985be5283a68fc22540930ca02680f86c771419ece571eb838b33eb5604cfbc0", "2/444/66666",
		"7b3e64014987350f8ef9b89e0e804032c9c2de3b1825a789d0fd53266b5b0e71", "0816a73ea47f024698baab4c453f6381acc0b829384974eb96c611ab63837b05"},
}

func TestSecp256k1SampleVectors(t *testing.T) {
	for _, v := range secp256k1Samples {
		t.Run(v.name, func(t *testing.T) {
			pub, err := secp256k1.ParsePubKey(unhex(t, v.pub))
			require.NoError(t, err)
			var chain ChainCode
			copy(chain[:], unhex(t, v.chain))
			got, gotChain, _ := DeriveSecp256k1(pub, chain, samplePath(v.path))
			require.Equal(t, v.wantPub, hex.EncodeToString(got.SerializeCompressed()))
			require.Equal(t, v.wantChain, hex.EncodeToString(gotChain[:]))
		})
	}
}

func TestEd25519SampleVectors(t *testing.T) {
	for _, v := range ed25519Samples {
		t.Run(v.name, func(t *testing.T) {
			pub, err := ParseEd25519(unhex(t, v.pub))
			require.NoError(t, err)
			var chain ChainCode
			copy(chain[:], unhex(t, v.chain))
			got, gotChain, _, err := DeriveEd25519(pub, chain, samplePath(v.path))
			require.NoError(t, err)
			require.Equal(t, v.wantPub, hex.EncodeToString(got.Bytes()))
			require.Equal(t, v.wantChain, hex.EncodeToString(gotChain[:]))
		})
	}
}

type masterVector struct {
	name, master, canister string
	path                   [][]byte
	want                   string
}

// Master public keys (zero chain code) with the canister id as the first
// path element.
func secp256k1MasterVectors(t *testing.T) []masterVector {
	mainnetPath1 := [][]byte{unhex(t, "48656C6C6F"), unhex(t, "5468726573686F6C64"), unhex(t, "5369676E617475726573")}
	mainnetPath2 := [][]byte{unhex(t, "ABCDEF"), unhex(t, "012345")}
	const h5 = "h5jwf-5iaaa-aaaan-qmvoa-cai"
	const pic = "uzt4z-lp777-77774-qaabq-cai"
	return []masterVector{
		{"ecdsa mainnet test_key_1", "02f9ac345f6be6db51e1c5612cddb59e72c3d0d493c994d12035cf13257e3b1fa7", h5, mainnetPath1, "0315ae8bb8c6e9f78eec2167f5ac773067f37a39da1a1efbc585f9e90658d1c620"},
		{"ecdsa mainnet key_1", "02121bc3a5c38f38ca76487c72007ebbfd34bc6c4cb80a671655aa94585bbd0a02", h5, mainnetPath2, "02735ca28b5c3e380016d7f28bf4703b540a8bbe8e24beffdc021455ca2ab93fe3"},
		{"ecdsa pocketic key_1", "036ad6e838b46811ad79c37b2f4b854b7a05f406715b2935edc5d3251e7666977b", pic, words("Test Derivation For PocketIC ECDSA secp256k1 key_1"), "03bca84b5629dc70a37cadb5b3cda0bfc35abc5658f1d9bf8335b10199785a3836"},
		{"ecdsa pocketic test_key_1", "03cc365e15cb552589c7175717b2ac63d1050b9bb2e5aed35432b1b1be55d3abcf", pic, words("Test Derivation For PocketIC ECDSA secp256k1 test_key_1"), "022ff35c84bd4cf899707789cfe5db76ce4a650563e678c53e8b128cb4bf4c3763"},
		{"ecdsa pocketic dfx_test_key", "03e6f78b1a90e361c5cc9903f73bb8acbe3bc17ad01e82554d25cf0ecd70c67484", pic, words("Test Derivation For PocketIC ECDSA secp256k1 dfx_test_key"), "03f005cf69911ae75f622ce0a621ccddba1a30ea1f6c3d67dd56acbbddb88a9374"},
		{"bip340 mainnet test_key_1", "037a651a2e5ef3d1ef63e84c4c4caa029fa4a43a347a91e4d84a8e846853d51be1", h5, mainnetPath1, "0237ca6a41c1db8ab40410445250a5d46fbec7f3e449c8f40f86d8622a4106cebd"},
		{"bip340 mainnet key_1", "02246e29785f06d37a8a50c49f6152a34df74738f8c13a44f59fef4cbe90eb13ac", h5, mainnetPath2, "03e5e92c2399985f82521b110ac3dbf697a6b9522002c0d31d0b7cd5352c343457"},
		{"bip340 pocketic key_1", "036ad6e838b46811ad79c37b2f4b854b7a05f406715b2935edc5d3251e7666977b", pic, words("Test Derivation For PocketIC Bip340secp256k1 key_1"), "024f77f16549f46e56ef2d33223487dddce3ca4fab7368e2b2cb5c03286d59756a"},
		{"bip340 pocketic test_key_1", "03cc365e15cb552589c7175717b2ac63d1050b9bb2e5aed35432b1b1be55d3abcf", pic, words("Test Derivation For PocketIC Bip340secp256k1 test_key_1"), "029b3356b7f6070eb611f88a9a0ea1071131269ed4a6765ce8809796d048aafb33"},
		{"bip340 pocketic dfx_test_key", "03e6f78b1a90e361c5cc9903f73bb8acbe3bc17ad01e82554d25cf0ecd70c67484", pic, words("Test Derivation For PocketIC Bip340secp256k1 dfx_test_key"), "02cf1cf363bf09db82d48a8e18a58abbc7d95a9c9e85167a6cc5dea5d81cac2904"},
	}
}

func TestSecp256k1MasterVectors(t *testing.T) {
	for _, v := range secp256k1MasterVectors(t) {
		t.Run(v.name, func(t *testing.T) {
			pub, err := secp256k1.ParsePubKey(unhex(t, v.master))
			require.NoError(t, err)
			got, _, _ := DeriveSecp256k1(pub, ChainCode{}, canisterPath(t, v.canister, v.path...))
			require.Equal(t, v.want, hex.EncodeToString(got.SerializeCompressed()))
		})
	}
}

func TestEd25519MasterVectors(t *testing.T) {
	const h5 = "h5jwf-5iaaa-aaaan-qmvoa-cai"
	const pic = "uzt4z-lp777-77774-qaabq-cai"
	vectors := []masterVector{
		{"mainnet test_key_1", "6c0824beb37621bcca6eecc237ed1bc4e64c9c59dcb85344aa7f9cc8278ee31f", h5,
			[][]byte{unhex(t, "48656C6C6F"), unhex(t, "5468726573686F6C64"), unhex(t, "5369676E617475726573")}, "d9a2ce6a3cd33fe16dce37e045609e51ff516e93bb51013823d6d7a915e3cfb9"},
		{"mainnet key_1", "476374d9df3a8af28d3164dc2422cff894482eadd1295290b6d9ad92b2eeaa5c", h5,
			[][]byte{unhex(t, "ABCDEF"), unhex(t, "012345")}, "43f0008b26564b6da51f585ad47669dfeb1db6d94d7dd216bd304fc1f5f5e997"},
		{"pocketic key_1", "db415b8eb85bd5127b0984723e0448054042cf40e7a9c262ed0cc87ecea98349", pic, words("Test Derivation For PocketIC Ed25519 key_1"), "41a958daab5eded78e32e06be097ff85563a0d71230114bf52cfb7d633110393"},
		{"pocketic test_key_1", "6ed9121ecf701b9e301fce17d8a65214888984e8211225691b089d6b219ec144", pic, words("Test Derivation For PocketIC Ed25519 test_key_1"), "6a0d9ea275f24797b451a42b824bda2a8576d35c73de08417092cbe0128849dc"},
		{"pocketic dfx_test_key", "7124afcb1be5927cac0397a7447b9c3cda2a4099af62d9bc0a2c2fe42d33efe1", pic, words("Test Derivation For PocketIC Ed25519 dfx_test_key"), "3e9346f7c29d9c3a651309edbf92afbe1ac2eb6c02f2d384f6c105a5b6e8c75f"},
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			pub, err := ParseEd25519(unhex(t, v.master))
			require.NoError(t, err)
			got, _, _, err := DeriveEd25519(pub, ChainCode{}, canisterPath(t, v.canister, v.path...))
			require.NoError(t, err)
			require.Equal(t, v.want, hex.EncodeToString(got.Bytes()))
		})
	}
}

func TestVetKDDerivationVectors(t *testing.T) {
	mainnetKey1 := "a9caf9ae8af0c7c7272f8a122133e2e0c7c0899b75e502bda9e109ca8193ded3ef042ed96db1125e1bdaad77d8cc60d917e122fe2501c45b96274f43705edf0cfd455bc66c3c060faa2fcd15486e76351edf91fecb993797273bbc8beaa47404"
	mainnetTestKey1 := "ad86e8ff845912f022a0838a502d763fdea547c9948f8cb20ea7738dd52c1c38dcb4c6ca9ac29f9ac690fc5ad7681cb41922b8dffbd65d94bff141f5fb5b6624eccc03bf850f222052df888cf9b1e47203556d7522271cbb879b2ef4b8c2bfb1"
	urq, err := principal.Decode("urq22-tyaaa-aaaag-audia-cai")
	require.NoError(t, err)
	pic, err := principal.Decode("uzt4z-lp777-77774-qaabq-cai")
	require.NoError(t, err)
	vectors := []struct {
		name, master      string
		canister, context []byte
		want              string
	}{
		{"test_public_key_derivation canister", "9183b871aa141d15ba2efc5bc58a49cb6a167741364804617f48dfe11e0285696b7018f172dad1a87ed81abf27ea4c320995041e2ee4a47b2226a2439d92a38557a7e2acc72fd157283b20f1f37ba872be235214c6a9cbba1eb2ef39deec72a5",
			[]byte("test-canister-id"), nil, "af78a908589d332fc8b9d042807c483e73872e2aea7620bdb985b9289d5a99ebfd5ac0ec4844a4c542f6d0f12a716d941674953cef4f38dde601ce9792db8832557eaa051733c5541fa5017465d69b62cc4d93f2079fb8c050b4bd735ef75859"},
		{"test_public_key_derivation context", "9183b871aa141d15ba2efc5bc58a49cb6a167741364804617f48dfe11e0285696b7018f172dad1a87ed81abf27ea4c320995041e2ee4a47b2226a2439d92a38557a7e2acc72fd157283b20f1f37ba872be235214c6a9cbba1eb2ef39deec72a5",
			[]byte("test-canister-id"), []byte("test-context"), "a20125b8cdfc57f71b6f67e557e82c1307c1af9f728573f3b682f3b1816684f3f6aed5d8dd40a309b457a25dab7d8a1416fc0e0973000321c0c1dd844d80a5708e81fdd8338ea6433f175992fa05ef343b1e7f89a09f3b5b7c0766ccb3c624cd"},
		{"mainnet test_key_1 canister", mainnetTestKey1, urq.Bytes(), nil, "8b961f06d392367e84136088971c4808b434e5d6b928b60fa6177f811db9930e4f2a911ef517db40f7e7897588ae0e2316500dbef3abf08ad7f63940af0cf816c2c1c234943c9bb6f4d53da121dceed093d118d0bd5552740da315eac3b59b0f"},
		{"mainnet test_key_1 context", mainnetTestKey1, urq.Bytes(), []byte("context-string"), "958a2700438db39cf848f99c80d4d1c0f42b5e6783c35abffe5acda4fdb09548a025fdf85aad8980fcf6e20c1082596310c2612a3f3034c56445ddfc32a0c3cd34a7d0fea8df06a2996c54e21e3f8361a6e633d706ff58e979858fe436c7edf3"},
		{"mainnet key_1 canister", mainnetKey1, urq.Bytes(), nil, "a4df5fb733dc53ba0b3f8dab3f7538b2f345052072f69a5749d630d9c2b2b1c4b00af09fa1d993e1ce533996961575ad027e058e2a279ab05271c115ef27d750b6b233f12bc9f1973b203e338d43b6a7617be58d5c7195dfb809d756413bc006"},
		{"mainnet key_1 context", mainnetKey1, urq.Bytes(), []byte("context-string"), "aa45fccb82432315e39fedb1b1f150d2e895fb1f7399cc593b826ac151b519f0966b92aef49a89efe60570ef325f0f7e1974ac3519d2e127a52c013e246aedbff2158bdd0bb9f26c763c88c0b8ec796f401d057eab276d0a34384a8a97b1937f"},
		{"pocketic key_1", "8c800b5cff00463d26e8167369168827f1e48f4d8d60f71dd6a295580f65275b5f5f8e6a792c876b2c72492136530d0710a27522ee63977a76216c3cef9e70bfcb45b88736fc62142e7e0737848ce06cbb1f45a4a6a349b142ae5cf7853561e0",
			pic.Bytes(), []byte("Test Derivation For PocketIC VetKD key_1"), "899a951f6ec2f9a96759c554a6cb01fb1cb20b2f2f96a2d2c869221c04d3349c3be8d49c3257312aed031f430f15f7ef0f4d43adf11251015d70dd91ac07df50fb70818ece721a1d6a314204acddde55542902f5d0d95e2406a5ab1fad18349d"},
		{"pocketic test_key_1", "9069b82c7aae418cef27678291e7f2cb1a008a500eceba7199bffca12421b07c158987c6a22618af3d1958738b2835691028801f7663d311799733286c557c8979184bb62cb559a4d582fca7d2e48b860f08ed6641aef66a059ec891889a6218",
			pic.Bytes(), []byte("Test Derivation For PocketIC VetKD test_key_1"), "a60993fc46593728bd9b0a4ffb1fb9a662dd89b29c99fde36e403c311c8992e6eeb097b31174dd43f74e73fe10c190271193a4345490f64a41ce778a2f6e7c16804919e843ac72ff65bab959c53fa839c9fb3cb263e41498d17fb82704fe18bc"},
		{"pocketic dfx_test_key", "b181c14cf9d04ba45d782c0067a44b0aaa9fc2acf94f1a875f0dae801af4f80339a7e6bf8b09fcf993824c8df3080b3f1409b688ca08cbd44d2cb28db9899f4aa3b5f06b9174240448e10be2f01f9f80079ea5431ce2d11d1c8d1c775333315f",
			pic.Bytes(), []byte("Test Derivation For PocketIC VetKD dfx_test_key"), "800424bea66b95b715f86a9bed06b1f60df98206a57235c3e0f2da4d485dc1c93c56eef54155d559ef45c757fb0444920620b932652f1d683fdbc57db98b5aeb8ba664a5e040cbdf4d685e4e236a7193d1bd5b0927204fab05fff4f61f26b358"},
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			mpk, err := ParseG2(unhex(t, v.master))
			require.NoError(t, err)
			got, _ := DeriveVetKD(&mpk, v.canister, v.context)
			b := got.Bytes()
			require.Equal(t, v.want, hex.EncodeToString(b[:]))
		})
	}
}
