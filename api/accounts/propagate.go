package accounts

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"frontdoor/api/internal/netguard"
	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// Header names of a delivery.
const (
	HeaderSignature   = "Frontdoor-Signature"
	HeaderIdempotency = "Idempotency-Key"
)

// statusTimeout bounds recording an outcome, which must happen even when
// the delivery used up the handler's time.
const statusTimeout = 10 * time.Second

// webhookBody is what a connector receives.
type webhookBody struct {
	ChangeID      string         `json:"change_id"`
	Kind          string         `json:"kind"`
	EffectiveDate Date           `json:"effective_date"`
	Reference     string         `json:"reference"`
	Values        map[string]any `json:"values"`
}

// outcome is what one delivery attempt came to, in the change's terms and
// in the outbox's (err: nil done, outbox.Permanent dead, else retried).
type outcome struct {
	status string
	note   string
	err    error
}

// propagate is the outbox handler that delivers a change to one connector.
// Logs carry the change id, connector key and status only.
func (s *Service) propagate(ctx context.Context, job outbox.Job) error {
	var p jobPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil || !validID(p.ChangeID) {
		return outbox.Permanent(errors.New("accounts: unreadable propagation payload"))
	}
	ch, err := s.changes.Get(ctx, p.ChangeID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // nothing left to tell
	}
	if err != nil {
		return err
	}
	i := ch.service(p.Connector)
	if i < 0 {
		return outbox.Permanent(errors.New("accounts: change has no such service"))
	}
	if ch.Anonymised || ch.Values == nil || ch.Services[i].Status == StatusDelivered {
		return nil // erased, or a repeat of a delivery that is done
	}
	res, err := s.attempt(ctx, ch, i, cmp.Or(p.IdempotencyKey, job.Key))
	if err != nil {
		return err
	}
	if res.status == StatusRetrying && job.Attempts >= job.MaxAttempts {
		res.status = StatusFailed // the outbox gives up on this job now
	}
	s.log.Info("change propagated", "change", ch.ID, "connector", p.Connector, "status", res.status, "attempt", job.Attempts)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusTimeout)
	defer cancel()
	u := statusUpdate{status: res.status, attempts: job.Attempts, jobID: job.ID, note: res.note}
	if err := s.setStatus(sctx, ch.ID, p.Connector, u); err != nil {
		// Run again: the receiver sees the same Idempotency-Key.
		return fmt.Errorf("accounts: recording delivery status: %w", err)
	}
	return res.err
}

// attempt sends the change to service i's connector once.
func (s *Service) attempt(ctx context.Context, ch *Change, i int, key string) (outcome, error) {
	sv := ch.Services[i]
	conn, err := s.connector(ctx, sv.Connector)
	if errors.Is(err, store.ErrNotFound) || err == nil && conn.Disabled {
		return outcome{StatusFailed, "connector disabled or removed", outbox.Permanent(errors.New("connector disabled or removed"))}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	body, err := json.Marshal(webhookBody{
		ChangeID: ch.ID, Kind: ch.Kind, EffectiveDate: ch.EffectiveDate,
		Reference: sv.Reference, Values: ch.Values.For(&conn.Connector),
	})
	if err != nil {
		return outcome{}, outbox.Permanent(err)
	}
	return s.deliver(ctx, conn, key, body), nil
}

// deliver POSTs one signed body and classifies the answer: 2xx delivered;
// 408, 429 and 5xx, timeouts and connection errors retried (after
// Retry-After when given); any other answer failed, for a person to look at.
// Redirects are not followed: they count as failures.
func (s *Service) deliver(ctx context.Context, conn *connectorRecord, key string, body []byte) outcome {
	now := s.opts.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, conn.URL, bytes.NewReader(body))
	if err != nil {
		return outcome{StatusFailed, "invalid connector URL", outbox.Permanent(errors.New("invalid connector URL"))}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Frontdoor-TellUsOnce/1")
	req.Header.Set(HeaderIdempotency, key)
	req.Header.Set(HeaderSignature, sign(conn.Secret, now.Unix(), body))
	resp, err := s.client.Do(req)
	if err != nil {
		return transportOutcome(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused; never read further
	note := "HTTP " + strconv.Itoa(resp.StatusCode)
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return outcome{StatusDelivered, "", nil}
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		err := errors.New(note)
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok {
			err = outbox.RetryAfter(d, err)
		}
		return outcome{StatusRetrying, note, err}
	case code >= 300 && code < 400:
		note += " (redirects are not followed)"
	}
	return outcome{StatusFailed, note, outbox.Permanent(errors.New(note))}
}

// transportOutcome classifies a request that got no answer. An address the
// guard refused will not become acceptable by waiting: it needs a person.
func transportOutcome(err error) outcome {
	switch {
	case errors.Is(err, netguard.ErrRefused):
		const note = "address refused: not a public address"
		return outcome{StatusFailed, note, outbox.Permanent(errors.New(note))}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		return outcome{StatusRetrying, "timeout", errors.New("timeout")}
	}
	return outcome{StatusRetrying, "connection failed", errors.New("connection failed")}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// sign makes the Frontdoor-Signature header: t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<t>.<raw body>">, keyed with the secret as shown to the
// admin (its 64 hex characters).
func sign(secret string, t int64, body []byte) string {
	ts := strconv.FormatInt(t, 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// maxRetryAfter caps a receiver's Retry-After; the outbox caps it again.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return min(time.Duration(min(n, int64(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter), true
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}
