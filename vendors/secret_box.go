package vendors

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrSecretUnreadable means a stored signing secret cannot be decrypted with
// the hub's key: DUEHUB_SECRET changed since it was stored. Only rolling the
// endpoint's secret makes the endpoint sign again.
var ErrSecretUnreadable = errors.New("the signing secret cannot be decrypted with this hub's DUEHUB_SECRET " +
	"(was DUEHUB_SECRET changed?): roll the endpoint's secret")

// errNoSecretKey means the store was not given the hub's secret.
var errNoSecretKey = errors.New("vendors: no key for webhook signing secrets (call UseSecretKey)")

// sealedPrefix marks a secret sealed by secretBox, version 1. A stored value
// without it is a plaintext secret from before secrets were encrypted.
const sealedPrefix = "v1:"

// secretKeyLabel names what the key derived from DUEHUB_SECRET is for, so
// that no other use of DUEHUB_SECRET ever shares it.
const secretKeyLabel = "duehub webhook endpoint signing secrets v1"

// secretBox seals webhook signing secrets at rest with AES-256-GCM, under a
// key derived from the hub's secret (HKDF-SHA256). Each sealed value has its
// own random nonce and is bound to its endpoint's public id, so a value
// copied to another row does not open there.
type secretBox struct {
	aead cipher.AEAD
}

func newSecretBox(hubSecret string) (*secretBox, error) {
	if hubSecret == "" {
		return nil, errors.New("vendors: empty hub secret")
	}
	key, err := hkdf.Key(sha256.New, []byte(hubSecret), nil, secretKeyLabel, 32)
	if err != nil {
		return nil, fmt.Errorf("vendors: derive secret key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vendors: secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vendors: secret key: %w", err)
	}
	return &secretBox{aead: aead}, nil
}

// seal returns "v1:" + base64url(nonce ‖ ciphertext) of plain, bound to endpointID.
func (b *secretBox) seal(plain, endpointID string) string {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	rand.Read(nonce)
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(endpointID))
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(out)
}

// open returns the secret stored as stored for endpointID. A value without
// the version prefix is a plaintext secret stored before encryption, and is
// returned as it is until the start-up upgrade seals it.
func (b *secretBox) open(stored, endpointID string) (string, error) {
	rest, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return stored, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", ErrSecretUnreadable
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(endpointID))
	if err != nil {
		return "", ErrSecretUnreadable
	}
	return string(plain), nil
}

// UseSecretKey gives the store the hub's secret (DUEHUB_SECRET), from which
// the key that encrypts webhook signing secrets is derived. Endpoints cannot
// be created, rolled or delivered to without it.
func (s *Store) UseSecretKey(hubSecret string) error {
	b, err := newSecretBox(hubSecret)
	if err != nil {
		return err
	}
	s.secrets = b
	return nil
}
