package pushtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// b64 is how Web Push writes keys: base64url without padding.
var b64 = base64.RawURLEncoding

// Device is one browser subscribed to the push service: its P-256 key
// pair and auth secret, and what its endpoint is scripted to answer.
type Device struct {
	name     string
	endpoint string
	priv     *ecdh.PrivateKey
	auth     []byte
	srv      *Server // guards the fields below

	replies []Reply // answered in order before any 201
	maxWire int     // > 0: bodies longer than this get 413
	posts   int
}

// Reply is a scripted answer from a device's push service: 404 or 410
// (the subscription is gone), 413, 429 with a Retry-After header, 5xx...
type Reply struct {
	Status int
	Header map[string]string
}

// Subscription is what the browser's PushSubscription.toJSON() gives. It
// has push.SubscriptionInput's shape, so push.SubscriptionInput(s)
// converts it (pushtest cannot import push: push's own tests use it).
type Subscription struct {
	Endpoint       string   `json:"endpoint"`
	ExpirationTime *float64 `json:"expirationTime"` // always null here
	Keys           struct {
		P256DH string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// NewDevice makes a browser with a new key pair and auth secret,
// subscribed at <URL>/push/<name>. A name already in use gets the new
// keys at the same endpoint, as when a browser renews its subscription.
func (s *Server) NewDevice(name string) *Device {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		s.tb.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	d := &Device{name: name, endpoint: s.srv.URL + "/push/" + name, priv: priv, auth: auth, srv: s}
	s.mu.Lock()
	s.devices[name] = d
	s.mu.Unlock()
	return d
}

// Device is the device named name, or nil.
func (s *Server) Device(name string) *Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.devices[name]
}

// Name is the device's name, as in Delivery.Device.
func (d *Device) Name() string { return d.name }

// Subscription is what the browser would hand the page.
func (d *Device) Subscription() Subscription {
	var sub Subscription
	sub.Endpoint = d.endpoint
	sub.Keys.P256DH = b64.EncodeToString(d.priv.PublicKey().Bytes())
	sub.Keys.Auth = b64.EncodeToString(d.auth)
	return sub
}

// JSON is the subscription as the page would post it.
func (d *Device) JSON() string {
	b, err := json.Marshal(d.Subscription())
	if err != nil {
		panic(err) // strings and a nil pointer always marshal
	}
	return string(b)
}

// Reply makes the device's push service answer its next requests with
// replies, one each, in order, before it accepts messages again.
func (d *Device) Reply(replies ...Reply) {
	d.srv.mu.Lock()
	defer d.srv.mu.Unlock()
	d.replies = append(d.replies, replies...)
}

// LimitWire makes the device's push service answer 413 to bodies longer
// than n bytes (0: no limit beyond the service's own).
func (d *Device) LimitWire(n int) {
	d.srv.mu.Lock()
	defer d.srv.mu.Unlock()
	d.maxWire = n
}

// Posts is how many requests reached the device's endpoint with a good
// VAPID token, answered 201 or not.
func (d *Device) Posts() int {
	d.srv.mu.Lock()
	defer d.srv.mu.Unlock()
	return d.posts
}

// answer is the scripted status for this post, or 0 to accept it.
func (d *Device) answer(wire int) (int, map[string]string) {
	d.srv.mu.Lock()
	defer d.srv.mu.Unlock()
	d.posts++
	if d.maxWire > 0 && wire > d.maxWire {
		return http.StatusRequestEntityTooLarge, nil
	}
	if len(d.replies) == 0 {
		return 0, nil
	}
	r := d.replies[0]
	d.replies = d.replies[1:]
	return r.Status, r.Header
}

// Decrypt is the browser's side of RFC 8291: read the aes128gcm header
// (RFC 8188), derive the keys from ECDH with the device's private key and
// its auth secret, open the single record and strip the padding.
func (d *Device) Decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen {
		return nil, fmt.Errorf("key id length %d", idlen)
	}
	asPublic, ct := body[21:21+idlen], body[21+idlen:]
	if rs < 18 || uint32(len(ct)) >= rs {
		return nil, fmt.Errorf("rs %d for a %d-byte record: not a single record", rs, len(ct))
	}
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, err
	}
	secret, err := d.priv.ECDH(as)
	if err != nil {
		return nil, err
	}
	info := "WebPush: info\x00" + string(d.priv.PublicKey().Bytes()) + string(asPublic)
	ikm, _ := hkdf.Key(sha256.New, secret, d.auth, info, 32)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, err
	}
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 || plain[i] != 2 {
		return nil, errors.New("no last-record padding delimiter")
	}
	return plain[:i], nil
}
