package serve

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"time"

	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/aviate-labs/secp256k1"
	"github.com/fxamacker/cbor/v2"
)

// The request envelope, its request id and its authentication (IC
// interface specification, sections "Overview of canister calling >
// Request ids", "Authentication" and "Envelope authentication").

type envelope struct {
	Content          cbor.RawMessage    `cbor:"content"`
	SenderPubkey     []byte             `cbor:"sender_pubkey,omitempty"`
	SenderSig        []byte             `cbor:"sender_sig,omitempty"`
	SenderDelegation []signedDelegation `cbor:"sender_delegation,omitempty"`
}

type signedDelegation struct {
	Delegation cbor.RawMessage `cbor:"delegation"`
	Signature  []byte          `cbor:"signature"`
}

type delegation struct {
	Pubkey     []byte   `cbor:"pubkey"`
	Expiration uint64   `cbor:"expiration"`
	Targets    [][]byte `cbor:"targets,omitempty"`
}

// content is a request's content: every request type's fields.
type content struct {
	RequestType   string     `cbor:"request_type"`
	Sender        []byte     `cbor:"sender"`
	IngressExpiry uint64     `cbor:"ingress_expiry"`
	Nonce         []byte     `cbor:"nonce,omitempty"`
	CanisterID    []byte     `cbor:"canister_id,omitempty"`
	MethodName    string     `cbor:"method_name,omitempty"`
	Arg           []byte     `cbor:"arg,omitempty"`
	Paths         [][][]byte `cbor:"paths,omitempty"`
}

// Decoding limits: every decoder's work is bounded by its input size, and
// these bound nesting and counts further.
var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  16,
		MaxArrayElements: 1 << 16,
		MaxMapPairs:      64,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF, // a duplicate field is malformed
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsAllowed,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// anyMode decodes content generically, for its representation-independent
// hash: maps with text keys.
var anyMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  16,
		MaxArrayElements: 1 << 16,
		MaxMapPairs:      64,
		DefaultMapType:   reflect.TypeOf(map[string]any(nil)),
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// requestError is a request the server refuses before it reaches a
// canister: an HTTP status and a message.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{400, fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) *requestError {
	return &requestError{403, fmt.Sprintf(format, args...)}
}

// request is a decoded, authenticated request.
type request struct {
	content
	id [32]byte // request id
	// targets restricts the canisters a delegated key may address (nil:
	// any); see "Authentication > Delegations".
	targets map[string]bool
}

const (
	// maxIngressTTL and permittedDrift bound ingress_expiry: at most
	// 5 minutes ahead, with a minute of clock drift (IC interface
	// specification, section "Request: Call": the expiry may be at most
	// 5 minutes in the future; the replica allows a small drift).
	maxIngressTTL  = 5 * time.Minute
	permittedDrift = time.Minute
	// maxDelegations is the longest delegation chain accepted
	// ("Authentication > Delegations": at most 20 delegations).
	maxDelegations = 20
)

var anonymous = []byte{0x04}

// decodeRequest decodes and authenticates an envelope of the given request
// type against now.
func decodeRequest(body []byte, requestType string, now time.Time) (*request, error) {
	var env envelope
	if err := decMode.Unmarshal(body, &env); err != nil {
		return nil, badRequest("could not parse body as %s message: %v", requestType, err)
	}
	if len(env.Content) == 0 {
		return nil, badRequest("the envelope has no content")
	}
	req := &request{}
	if err := decMode.Unmarshal(env.Content, &req.content); err != nil {
		return nil, badRequest("could not parse content as %s message: %v", requestType, err)
	}
	if req.RequestType != requestType {
		return nil, badRequest("request_type is %q, expected %q", req.RequestType, requestType)
	}
	var generic map[string]any
	if err := anyMode.Unmarshal(env.Content, &generic); err != nil {
		return nil, badRequest("content: %v", err)
	}
	id, err := hashOfMap(generic)
	if err != nil {
		return nil, badRequest("content: %v", err)
	}
	req.id = id
	if err := checkExpiry(req.IngressExpiry, now); err != nil {
		return nil, err
	}
	if err := authenticate(&env, req, now); err != nil {
		return nil, err
	}
	return req, nil
}

// hashOfMap is the representation-independent hash (agent-go's
// certification.HashAny), refusing values that hash ambiguously: a nat at
// or above 2^63 (HashAny converts through int64) or a negative integer.
func hashOfMap(m map[string]any) ([32]byte, error) {
	if err := checkHashable(m, 0); err != nil {
		return [32]byte{}, err
	}
	return certification.HashAny(m)
}

func checkHashable(v any, depth int) error {
	if depth > 16 {
		return errors.New("nested too deeply")
	}
	switch v := v.(type) {
	case string, []byte:
		return nil
	case uint64:
		if v >= 1<<63 {
			return fmt.Errorf("natural number %d is too large", v)
		}
		return nil
	case []any:
		for _, e := range v {
			if err := checkHashable(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for _, e := range v {
			if err := checkHashable(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("a value of CBOR type %T is not allowed in a request", v)
	}
}

func checkExpiry(expiry uint64, now time.Time) error {
	t := time.Unix(0, int64(min(expiry, 1<<63-1)))
	switch {
	case t.Before(now):
		return badRequest("Invalid request expiry: the request expired at %v, before the replica's time %v (ingress_expiry must be within %v of it)",
			t.UTC(), now.UTC(), maxIngressTTL)
	case t.After(now.Add(maxIngressTTL + permittedDrift)):
		return badRequest("Invalid request expiry: %v is more than %v after the replica's time %v",
			t.UTC(), maxIngressTTL+permittedDrift, now.UTC())
	}
	return nil
}

// authenticate checks the sender against the envelope's key, delegations
// and signature.
func authenticate(env *envelope, req *request, now time.Time) error {
	if bytes.Equal(req.Sender, anonymous) {
		if env.SenderPubkey != nil || env.SenderSig != nil || env.SenderDelegation != nil {
			return forbidden("the anonymous sender must not have sender_pubkey, sender_sig or sender_delegation")
		}
		return nil
	}
	if env.SenderPubkey == nil || env.SenderSig == nil {
		return forbidden("sender %s is not anonymous, but the envelope has no sender_pubkey or sender_sig", principal.Principal{Raw: req.Sender})
	}
	if want := principal.NewSelfAuthenticating(env.SenderPubkey).Raw; !bytes.Equal(req.Sender, want) {
		return forbidden("sender %s does not match sender_pubkey (whose principal is %s)",
			principal.Principal{Raw: req.Sender}, principal.Principal{Raw: want})
	}
	if len(env.SenderDelegation) > maxDelegations {
		return forbidden("%d delegations exceed the limit of %d", len(env.SenderDelegation), maxDelegations)
	}
	key := env.SenderPubkey
	for i, sd := range env.SenderDelegation {
		var d delegation
		if err := decMode.Unmarshal(sd.Delegation, &d); err != nil {
			return badRequest("sender_delegation %d: %v", i, err)
		}
		var generic map[string]any
		if err := anyMode.Unmarshal(sd.Delegation, &generic); err != nil {
			return badRequest("sender_delegation %d: %v", i, err)
		}
		h, err := hashOfMap(generic)
		if err != nil {
			return badRequest("sender_delegation %d: %v", i, err)
		}
		if err := verifySignature(key, append([]byte("\x1aic-request-auth-delegation"), h[:]...), sd.Signature); err != nil {
			return forbidden("sender_delegation %d: %v", i, err)
		}
		if time.Unix(0, int64(min(d.Expiration, 1<<63-1))).Before(now) {
			return forbidden("sender_delegation %d expired at %v", i, time.Unix(0, int64(min(d.Expiration, 1<<63-1))).UTC())
		}
		if d.Targets != nil {
			set := map[string]bool{}
			for _, t := range d.Targets {
				if req.targets == nil || req.targets[string(t)] {
					set[string(t)] = true
				}
			}
			req.targets = set
		}
		key = d.Pubkey
	}
	if err := verifySignature(key, append([]byte("\x0aic-request"), req.id[:]...), env.SenderSig); err != nil {
		return forbidden("sender_sig: %v", err)
	}
	return nil
}

// Algorithm OIDs of the public keys the IC accepts (IC interface
// specification, section "Signatures").
var (
	oidEd25519   = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidECPubKey  = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidP256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidSecp256k1 = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
	oidCanSig    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 56387, 1, 2}
	oidBLS       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 44668, 5, 3, 1, 2, 1}
)

type spki struct {
	Algorithm struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	PublicKey asn1.BitString
}

// verifySignature checks sig over msg with a DER-encoded public key:
// Ed25519, or ECDSA on P-256 or secp256k1 over SHA-256 with a 64-byte
// r‖s signature.
func verifySignature(der, msg, sig []byte) error {
	var k spki
	rest, err := asn1.Unmarshal(der, &k)
	if err != nil || len(rest) != 0 {
		return fmt.Errorf("public key is not a DER SubjectPublicKeyInfo")
	}
	pub := k.PublicKey.RightAlign()
	switch alg := k.Algorithm.Algorithm; {
	case alg.Equal(oidEd25519):
		if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, msg, sig) {
			return errors.New("invalid Ed25519 signature")
		}
		return nil
	case alg.Equal(oidECPubKey):
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(k.Algorithm.Parameters.FullBytes, &curve); err != nil {
			return errors.New("ECDSA key without a named curve")
		}
		if len(sig) != 64 {
			return fmt.Errorf("ECDSA signature of %d bytes, expected 64 (r‖s)", len(sig))
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		hash := sha256.Sum256(msg)
		switch {
		case curve.Equal(oidP256):
			pk, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pub)
			if err != nil {
				return fmt.Errorf("P-256 key: %v", err)
			}
			if !ecdsa.Verify(pk, hash[:], r, s) {
				return errors.New("invalid ECDSA P-256 signature")
			}
			return nil
		case curve.Equal(oidSecp256k1):
			pk, err := secp256k1.ParsePubKey(pub, secp256k1.S256())
			if err != nil {
				return fmt.Errorf("secp256k1 key: %v", err)
			}
			if !(&secp256k1.Signature{R: r, S: s}).Verify(hash[:], pk) {
				return errors.New("invalid ECDSA secp256k1 signature")
			}
			return nil
		}
		return fmt.Errorf("ECDSA curve %v is not supported (P-256 and secp256k1 are)", curve)
	case alg.Equal(oidCanSig):
		return errors.New("canister signatures are not supported by icgo serve yet")
	case alg.Equal(oidBLS):
		return errors.New("BLS sender keys are not supported by icgo serve")
	default:
		return fmt.Errorf("public key algorithm %v is not supported", alg)
	}
}
