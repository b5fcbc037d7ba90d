package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"frontdoor/api/internal/netguard"
	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

const (
	// max413 bounds the shorten-and-resend rounds after "413 Payload Too
	// Large" within one job run: each halves the body.
	max413 = 4
	// lastSentStep: LastSentAt is written when it is older than this, not
	// after every message, so that an alert to everyone costs no extra
	// write per subscription that heard from us in the last hour.
	lastSentStep = time.Hour
	// maxRetryAfter caps a push service's Retry-After; the outbox caps it again.
	maxRetryAfter = 24 * time.Hour
)

// answer is what one POST to a push service came to.
type answer struct {
	status     int           // 0: no answer, see err
	err        error         // transport failure, or why it could not be sent
	unsendable bool          // the request could not even be built: retrying cannot help
	retryAfter time.Duration // from Retry-After, when given
	msg        Message       // as sent: the body may have been shortened
}

// deliver is the outbox handler for SendKind. Logs carry the subscription
// id, the push service host and statuses: never endpoints or keys.
func (s *Service) deliver(ctx context.Context, job outbox.Job) error {
	var p jobPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.Sub == "" {
		return outbox.Permanent(errors.New("push: unreadable job payload"))
	}
	sub, err := s.subs.Get(ctx, p.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil // unsubscribed since: nothing to send
	}
	if err != nil {
		return err
	}
	ttl := kinds[p.Msg.Kind].ttl - s.now().Sub(job.CreatedAt)
	if ttl < time.Second || sub.ExpiresAt != nil && !sub.ExpiresAt.After(s.now()) {
		return s.giveUp(ctx, sub, p.Msg, "the message or subscription expired before it could be sent")
	}
	release, err := s.limits.acquire(ctx, sub.Host)
	if err != nil {
		return err
	}
	a := s.attempt(ctx, sub, p.Msg, ttl)
	release()
	return s.settle(ctx, job, sub, a)
}

// attempt sends the message, and on 413 sends it again with the body cut
// in half, at once, until it fits or there is no body left to cut.
func (s *Service) attempt(ctx context.Context, sub *Subscription, msg Message, ttl time.Duration) answer {
	for i := 0; ; i++ {
		a := s.post(ctx, sub, msg, ttl)
		if a.status != http.StatusRequestEntityTooLarge || msg.Body == "" || i == max413-1 {
			return a
		}
		s.opts.Observe("retried")
		msg.Body = shorten(msg.Body, len(msg.Body)/2)
	}
}

// post encrypts and sends one message through webpush-go.
func (s *Service) post(ctx context.Context, sub *Subscription, msg Message, ttl time.Duration) answer {
	a := answer{msg: msg}
	body, err := payload(msg, maxPayload)
	if err != nil {
		a.err, a.unsendable = err, true
		return a
	}
	rule := kinds[msg.Kind]
	resp, err := webpush.SendNotificationWithContext(ctx, body,
		&webpush.Subscription{Endpoint: sub.Endpoint, Keys: webpush.Keys{Auth: sub.Auth, P256dh: sub.P256DH}},
		&webpush.Options{
			HTTPClient:      s.client,
			RecordSize:      recordSize(len(body)),
			Subscriber:      strings.TrimPrefix(s.opts.Subject, "mailto:"), // it adds "mailto:" back
			Topic:           msg.topic(),
			TTL:             int(ttl / time.Second),
			Urgency:         rule.urgency,
			VAPIDPublicKey:  s.keys.public,
			VAPIDPrivateKey: s.keys.privateB64,
		})
	if err != nil {
		// The client's errors are *url.Error; anything else is webpush-go
		// failing to build the request (a key it cannot use, say).
		var ue *url.Error
		a.err, a.unsendable = err, !errors.As(err, &ue)
		return a
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused; never read further
	a.status = resp.StatusCode
	a.retryAfter, _ = retryAfter(resp.Header.Get("Retry-After"), s.opts.Now())
	return a
}

// settle turns an answer into the subscription's fate and the job's:
// 2xx sent; 404 and 410 the subscription is gone; 429, 5xx and network
// failures retried (after Retry-After when given) until the outbox gives
// up; anything else, redirects included, failed for good.
func (s *Service) settle(ctx context.Context, job outbox.Job, sub *Subscription, a answer) error {
	code := a.status
	switch {
	case code >= 200 && code < 300:
		s.sent(sub)
		return nil
	case code == http.StatusNotFound || code == http.StatusGone:
		return s.remove(ctx, sub, a.msg, code)
	case a.err != nil && errors.Is(a.err, netguard.ErrRefused):
		return s.giveUp(ctx, sub, a.msg, "refused to connect: the push service host resolved to a non-public address")
	case a.unsendable:
		return s.giveUp(ctx, sub, a.msg, "could not build the message for this subscription")
	case a.err != nil, code == http.StatusTooManyRequests, code >= 500:
		why := failure(sub, a)
		if job.Attempts >= job.MaxAttempts {
			return s.giveUp(ctx, sub, a.msg, why+" on the last attempt")
		}
		s.opts.Observe("retried")
		s.log.Info("push delivery will be retried", "subscription", sub.ID, "host", sub.Host, "status", code, "attempt", job.Attempts)
		if a.retryAfter > 0 {
			return outbox.RetryAfter(a.retryAfter, errors.New(why))
		}
		return errors.New(why)
	}
	return s.giveUp(ctx, sub, a.msg, failure(sub, a))
}

// failure says what went wrong without the endpoint, which a transport
// error's text would otherwise carry into the job's last error.
func failure(sub *Subscription, a answer) string {
	if a.err == nil {
		return fmt.Sprintf("%s answered HTTP %d", sub.Host, a.status)
	}
	if errors.Is(a.err, context.DeadlineExceeded) || errors.Is(a.err, os.ErrDeadlineExceeded) || isTimeout(a.err) {
		return "timeout sending to " + sub.Host
	}
	return "connection to " + sub.Host + " failed"
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// sent counts a delivery and marks the subscription's LastSentAt, at most
// once per lastSentStep.
func (s *Service) sent(sub *Subscription) {
	s.opts.Observe("sent")
	now := s.now()
	if sub.LastSentAt == nil || now.Sub(*sub.LastSentAt) >= lastSentStep {
		s.marks.add(sub.ID, now)
	}
}

// remove deletes a subscription its push service says is gone and hands
// the message to OnUndeliverable, in one transaction: the fallback is
// never lost between the two.
func (s *Service) remove(ctx context.Context, sub *Subscription, msg Message, code int) error {
	if err := s.undeliverable(ctx, sub, msg, true); err != nil {
		return err
	}
	s.opts.Observe("removed")
	s.log.Info("push subscription removed: gone at its push service", "subscription", sub.ID, "host", sub.Host, "status", code)
	return nil
}

// giveUp ends the job: the message will never reach this subscription.
func (s *Service) giveUp(ctx context.Context, sub *Subscription, msg Message, why string) error {
	if err := s.undeliverable(ctx, sub, msg, false); err != nil {
		return err
	}
	s.opts.Observe("failed")
	s.log.Warn("push message undeliverable", "subscription", sub.ID, "host", sub.Host, "why", why)
	return outbox.Permanent(errors.New(why))
}

func (s *Service) undeliverable(ctx context.Context, sub *Subscription, msg Message, remove bool) error {
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if remove {
			// Read first: a delete of what an unsubscribe already removed
			// must not end a MongoDB transaction with an error.
			if _, err := s.subs.Get(ctx, sub.ID); err == nil {
				if err := s.subs.Delete(ctx, sub.ID); err != nil {
					return err
				}
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if s.opts.OnUndeliverable == nil {
			return nil
		}
		return s.opts.OnUndeliverable(ctx, sub, msg)
	})
	if err != nil {
		return fmt.Errorf("push: recording an undeliverable message: %w", err)
	}
	return nil
}

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
		return time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}
