package notify

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"frontdoor/api/auth"
	"frontdoor/api/outbox"
)

// DefaultGovNotifyURL is GOV.UK Notify's API.
const DefaultGovNotifyURL = "https://api.notifications.service.gov.uk"

// GovNotify sends email and SMS through GOV.UK Notify's HTTP API, with one
// template per channel whose content is placeholders: ((subject)) and
// ((body)) for email, ((body)) for SMS. Build it with NewGovNotify.
type GovNotify struct {
	BaseURL         string // default DefaultGovNotifyURL
	APIKey          string // "{key_name}-{service_id}-{secret_key}"
	EmailTemplateID string // "" when email does not go this way
	SMSTemplateID   string // "" when SMS does not go this way
	Client          *http.Client
	Now             func() time.Time

	serviceID, secret string
}

// NewGovNotify checks the configuration and parses the API key: the last
// 36 characters are the secret key, the 36 before them (after a hyphen)
// the service id, and a key name comes first. Errors never hold the key.
func NewGovNotify(cfg GovNotify) (*GovNotify, error) {
	g := cfg
	g.BaseURL = strings.TrimRight(cmp.Or(g.BaseURL, DefaultGovNotifyURL), "/")
	u, err := url.Parse(g.BaseURL)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" ||
		!(u.Scheme == "https" || u.Scheme == "http" && loopbackHost(u.Hostname())) {
		return nil, errors.New("notify: govnotify: BaseURL must be https (http only on a loopback address)")
	}
	if g.serviceID, g.secret, err = parseAPIKey(g.APIKey); err != nil {
		return nil, err
	}
	for _, id := range []string{g.EmailTemplateID, g.SMSTemplateID} {
		if id != "" && !isUUID(id) {
			return nil, fmt.Errorf("notify: govnotify: template id %q is not a UUID", id)
		}
	}
	if g.EmailTemplateID == "" && g.SMSTemplateID == "" {
		return nil, errors.New("notify: govnotify: set an email or an SMS template id")
	}
	if g.Client == nil {
		g.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if g.Now == nil {
		g.Now = time.Now
	}
	return &g, nil
}

var errAPIKey = errors.New("notify: govnotify: API key is not {key_name}-{service_id}-{secret_key} with two UUIDs")

func parseAPIKey(k string) (serviceID, secret string, err error) {
	k = strings.TrimSpace(k)
	n := len(k)
	if n < 75 || k[n-37] != '-' || k[n-74] != '-' {
		return "", "", errAPIKey
	}
	serviceID, secret = k[n-73:n-37], k[n-36:]
	if !isUUID(serviceID) || !isUUID(secret) {
		return "", "", errAPIKey
	}
	return serviceID, secret, nil
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// SendEmail asks Notify to send one email.
func (g *GovNotify) SendEmail(ctx context.Context, to, subject, body string) error {
	if g.EmailTemplateID == "" || g.secret == "" {
		return outbox.Permanent(ErrNoChannel)
	}
	addr, ok := auth.NormalizeEmail(to)
	if !ok {
		return outbox.Permanent(errors.New("notify: govnotify: recipient is not an email address"))
	}
	return g.post(ctx, "/v2/notifications/email", map[string]any{
		"email_address":   addr,
		"template_id":     g.EmailTemplateID,
		"personalisation": map[string]string{"subject": subject, "body": body},
	})
}

// SendSMS asks Notify to send one text message.
func (g *GovNotify) SendSMS(ctx context.Context, to, body string) error {
	if g.SMSTemplateID == "" || g.secret == "" {
		return outbox.Permanent(ErrNoChannel)
	}
	phone, ok := auth.NormalizePhone(to)
	if !ok {
		return outbox.Permanent(errors.New("notify: govnotify: recipient is not a phone number"))
	}
	return g.post(ctx, "/v2/notifications/sms", map[string]any{
		"phone_number":    phone,
		"template_id":     g.SMSTemplateID,
		"personalisation": map[string]string{"body": body},
	})
}

// token is the Authorization bearer: HS256 over {iss: service id, iat: now}
// with the secret key. Notify refuses an iat more than 30 s from its clock,
// so each request gets a fresh one.
func (g *GovNotify) token() (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": g.serviceID, "iat": g.Now().Unix()})
	return t.SignedString([]byte(g.secret))
}

// post sends one request and classifies the answer: 2xx sent; 429 and 5xx
// retried (after Retry-After when given); any other answer permanent.
// Errors name the status and Notify's error classes, never the message
// or the recipient.
func (g *GovNotify) post(ctx context.Context, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return outbox.Permanent(err)
	}
	tok, err := g.token()
	if err != nil {
		return outbox.Permanent(fmt.Errorf("notify: govnotify: signing: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return outbox.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("User-Agent", "frontdoor-notify/1")
	client := *g.Client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("notify: govnotify: %s: request failed: %w", path, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	return classify(path, resp, answer, g.Now())
}

func classify(path string, resp *http.Response, answer []byte, now time.Time) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	err := fmt.Errorf("notify: govnotify: %s: HTTP %d%s", path, code, errorClasses(answer))
	if code == http.StatusTooManyRequests || code >= 500 {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok {
			return outbox.RetryAfter(d, err)
		}
		return err
	}
	return outbox.Permanent(err)
}

// errorClasses lists the "error" names of Notify's error answer
// ({"errors": [{"error": "BadRequestError", "message": ...}]}); messages
// are left out, as they can quote what was sent.
func errorClasses(answer []byte) string {
	var e struct {
		Errors []struct {
			Error string `json:"error"`
		} `json:"errors"`
	}
	if json.Unmarshal(answer, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	var names []string
	for _, x := range e.Errors[:min(len(e.Errors), 5)] {
		if dataKey.MatchString(x.Error) {
			names = append(names, x.Error)
		}
	}
	return " " + strings.Join(names, ",")
}

// retryAfter reads Retry-After as seconds or an HTTP date, capped at a day.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if n, err := strconv.ParseInt(h, 10, 64); err == nil && n >= 0 {
		return time.Duration(min(n, 86400)) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(t.Sub(now), 0), 24*time.Hour), true
	}
	return 0, false
}
